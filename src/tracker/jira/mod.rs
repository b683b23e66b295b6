//! The Jira implementation of the tracker (Jira Cloud over REST v3, Jira Data Center over REST
//! v2), over reqwest.
//!
//! Jira differs from GitHub and GitLab where naive sync tools break, and this module answers
//! each difference:
//!
//! - **Identity.** An issue belongs to a task through its `aftercare` entity property
//!   ([`wire::Property`]), set inside the create request itself, so an issue never exists
//!   without it; people cannot see it or break it by editing the description. The configured
//!   labels let one JQL query find them all.
//! - **Listing.** Bounded JQL queries read the few fields aftercare needs and the property, 100
//!   issues a page, newest update first (`ORDER BY updated DESC`): on Cloud `POST
//!   /rest/api/3/search/jql` paged by `nextPageToken`, on Data Center `POST /rest/api/2/search`
//!   paged by `startAt`. The listing is incremental ([`crate::tracker::snapshot`]): a complete
//!   listing, `project = "OPS" AND (labels = "postmortem" OR creator = currentUser())`, is kept
//!   as a snapshot beside the cache file, and the next runs ask only for what changed since its
//!   watermark, `project = "OPS" AND updated >= "2024-05-01 09:58"`, stopping at the first page
//!   that reaches back past it ([`SINCE_OVERLAP`] before the watermark). Everything in doubt
//!   lists everything: no snapshot or a damaged one, another site, project, account or set of
//!   labels, `full_every` elapsed, `--full`.
//! - **Time zones.** JQL dates have minutes and no zone: Jira reads them in the zone of the
//!   account's profile, which the account may change at any time. The date sent is the
//!   listing's start, in UTC, [`ZONE_MARGIN`] earlier (the widest offset from UTC): whatever the
//!   profile's zone, it names a time at or before the start, and the client itself drops what
//!   is older by the exact update times of the answers, which carry their offset. The margin
//!   costs nothing: the listing stops at the first page that reaches past the start.
//! - **Search lag.** Cloud's search is eventually consistent: an issue created or changed a
//!   moment ago may be missing from it. Every issue this client writes is remembered in the
//!   cache file with its key (and id, when known) until a listing has shown it after the write.
//!   Each listing asks Jira to reconcile the newest 50 of those not shown yet
//!   (`reconcileIssues`), and any still missing is searched for by key with reconciliation
//!   (Cloud) or fetched directly (Data Center, or an issue whose id is unknown); a complete
//!   listing checks every issue written in the last [`RECENT_WINDOW`]. So an issue aftercare
//!   wrote reaches the snapshot with its write even when search lags (the watermark comes from
//!   what search showed, so updates search showed late are covered by the overlap). After a
//!   create whose outcome is unknown, [`Tracker::find_created`] looks at the keys after the
//!   highest one seen (GET issue is consistent, search is not). A create is noted in a journal
//!   beside the cache file before it is sent, and every write after it is made, so that when the
//!   run is killed before it saves its cache, the next run still knows what it wrote and looks
//!   at the keys after a create whose answer never came.
//! - **Requests.** The account is cached by a SHA-256 of the site and credentials, so a run
//!   with nothing new makes one search page (two after a burst of writes within the overlap):
//!   the project and its issue type are checked by a complete listing and before a create, who
//!   may edit issues is asked only when a listed issue's creator is someone else, and an issue
//!   known only from the snapshot is read once before an edit that rewrites its property.
//! - **Closing is a workflow transition.** A removed task's issue is moved through a transition
//!   whose target status is in the `done` category, with resolution `Won't Do` (`Duplicate`
//!   for a duplicate) when the transition's screen offers one; reopening moves it through a
//!   transition to a `new` or `indeterminate` status. A workflow without such a transition is
//!   a per-issue error naming the issue and its status; the run goes on.
//! - **Trust.** An issue counts only when its creator is the syncing account or a user who may
//!   edit issues in the project (`GET /user/permission/search?permissions=EDIT_ISSUES`, at most
//!   once per run).
//! - **Limits.** A `429` is retried after `Retry-After` (else until `X-RateLimit-Reset`, else
//!   with backoff) within the shared waiting rules of [`crate::tracker::retry`]; Jira refused
//!   it, so even a create is sent again. A create or comment whose outcome is unknown (5xx,
//!   dropped connection, timeout) is never re-sent here.
//! - **Comments and evidence.** `remind` reads an issue's comments and writes reminders with
//!   Jira's mentions and a marker that survives Jira ([`comments`]). Jira records no merge
//!   that closed an issue, so [`Tracker::closed_by_merge`] cannot tell, and with
//!   `require_evidence` only a task's `verified_by` makes its done issue count as done.
//!
//! The credentials are handed to reqwest only; requests are logged at `-v` without headers,
//! and an error that quotes the secret has it cut out.

pub mod comments;
pub mod labels;
pub mod target;
pub mod text;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::JiraDeployment;
use crate::model::TaskKey;
use crate::tracker::cache_file;
use crate::tracker::retry::{
    self, MAX_ATTEMPTS, MAX_RETRY_AFTER, MAX_TOTAL_WAIT, WaitAllowance, backoff, lock,
    without_secret,
};
use crate::tracker::snapshot::{Incremental, Listed, Lister, Scope, snapshot_path};
use crate::tracker::{
    ConnectOptions, Identity, IssueComment, IssueEdit, IssueRef, IssueText, NewIssue, Owned,
    ReminderContent, RequestStats, StateChange, TrackedIssue, Tracker, TrackerError,
};
use target::{Credentials, Target};
use text::JiraText;
use wire::{FIELDS, PROPERTY_KEY, Property, RawIssue, Reading};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Issues per search page.
pub const PAGE_SIZE: usize = 100;
/// Jira's limit on `reconcileIssues` in one search.
pub const MAX_RECONCILE: usize = 50;
/// How long an issue this client wrote is treated as possibly missing from Cloud's search.
pub const RECENT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys tried after the highest one seen when looking for a create whose outcome is unknown.
const MAX_PROBES: u64 = 20;
/// Consecutive missing keys after which that look stops.
const MAX_MISSES: u32 = 3;
const CACHE_VERSION: u32 = 1;
/// How far before the snapshot's watermark a listing of the changes starts: for updates
/// Jira's search showed late, and for the minute JQL dates are cut to.
pub const SINCE_OVERLAP: Duration = Duration::from_secs(2 * 60);
/// How much earlier than it means a JQL date is written: the widest offset of a time zone from
/// UTC (UTC−12 and UTC+14), so that in whatever zone Jira reads it, it is not later.
pub const ZONE_MARGIN: Duration = Duration::from_secs(14 * 3600);

/// An issue this client wrote, remembered so that a lagging search cannot hide it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Written {
    /// The issue's id, for `reconcileIssues`; 0 when this run did not learn it.
    id: u64,
    key: String,
    at: DateTime<Utc>,
    /// True once a listing has shown the issue after this write (search reconciled, or the
    /// issue read directly).
    #[serde(default)]
    seen: bool,
}

/// What the cache file holds: per site and project, the issues written lately; the account.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    #[serde(default)]
    written: BTreeMap<String, Vec<Written>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<CachedAccount>,
}

/// The account the credentials belong to, by a SHA-256 of the site and the credentials (never
/// the credentials), so that a run need not ask.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedAccount {
    credentials_sha256: String,
    /// accountId on Cloud, username on Data Center.
    id: String,
}

/// One line of the journal beside the cache file, appended as a run writes, so that a run
/// killed before it saves its cache leaves the next run what it needs: the issues it wrote,
/// and the creates it sent whose answer had not arrived (with the highest issue number seen
/// before sending). Lines name their site and project.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum JournalLine {
    Pending {
        place: String,
        task: String,
        highest: u64,
    },
    Settled {
        place: String,
        task: String,
    },
    Written {
        place: String,
        written: Written,
    },
}

/// What one run learns as it goes.
#[derive(Debug, Default)]
struct RunState {
    /// The syncing account (accountId on Cloud, username on Data Center).
    me: Option<String>,
    /// Whether the project and its issue type were checked this run.
    project_checked: bool,
    /// Whether Jira was asked who may edit issues this run (whatever it answered).
    editors_asked: bool,
    /// Users who may edit issues in the project.
    editors: BTreeSet<String>,
    /// The id of each issue read, by key, for `reconcileIssues`.
    ids: HashMap<String, u64>,
    /// The configured labels this run lists by.
    labels: Option<Vec<String>>,
    /// The `aftercare` property of each listed or created issue, by key.
    properties: HashMap<String, Property>,
    /// The status name of each listed issue, by key, for error messages.
    statuses: HashMap<String, String>,
    /// The highest issue number seen in the project.
    highest: u64,
    /// Issues written lately (earlier runs and this one), by key.
    written: BTreeMap<String, Written>,
    /// Creates sent whose outcome is not known yet: task → highest issue number before.
    pending: BTreeMap<String, u64>,
    /// Assignable account per owner name.
    users: HashMap<String, Option<String>>,
}

/// A Jira project's issues.
pub struct Jira {
    client: reqwest::Client,
    target: Target,
    credentials: Credentials,
    /// Least time between two writes; zero: no pacing.
    write_interval: Duration,
    last_write: Mutex<Option<Instant>>,
    api: String,
    text: JiraText,
    verbose: u8,
    cache_file: Option<PathBuf>,
    cache: Mutex<CacheFile>,
    run: Mutex<RunState>,
    /// The listing snapshot and when to list everything (boxed: the client is one variant of
    /// an enum of trackers).
    incremental: Box<Incremental>,
    stats: Mutex<RequestStats>,
    waiting: Mutex<WaitAllowance>,
}

/// An HTTP answer, read completely.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T, TrackerError> {
        serde_json::from_str(&self.body)
            .with_context(|| format!("cannot read {what} Jira returned"))
            .map_err(TrackerError::Other)
    }
}

impl Jira {
    /// Builds the client and reads the cache file. Makes no request; fails when the
    /// environment holds no credentials for the deployment.
    pub fn connect(target: &Target, options: ConnectOptions) -> anyhow::Result<Jira> {
        let credentials = target.credentials.clone().map_err(|e| anyhow!(e))?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(READ_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot set up the Jira client")?;
        let cache = match &options.cache_file {
            Some(path) => cache_file::read(path, |c: &CacheFile| c.version == CACHE_VERSION),
            None => CacheFile::default(),
        };
        let place = cache_key(target);
        let mut pending = BTreeMap::new();
        let mut journaled = Vec::new();
        let journal = (options.cache_file.as_deref().map(journal_path))
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        for line in journal.lines() {
            // A line cut short by a kill is skipped.
            match serde_json::from_str::<JournalLine>(line) {
                Ok(JournalLine::Pending {
                    place: p,
                    task,
                    highest,
                }) if p == place => {
                    pending.insert(task, highest);
                }
                Ok(JournalLine::Settled { place: p, task }) if p == place => {
                    pending.remove(&task);
                }
                Ok(JournalLine::Written { place: p, written }) if p == place => {
                    journaled.push(written);
                }
                _ => {}
            }
        }
        let now = Utc::now();
        let window = chrono::TimeDelta::from_std(RECENT_WINDOW).unwrap_or_default();
        let written = cache
            .written
            .get(&cache_key(target))
            .into_iter()
            .flatten()
            .chain(&journaled)
            .filter(|w| now - w.at < window)
            .map(|w| (w.key.clone(), w.clone()))
            .collect();
        // `cache.json` → `cache.jira.snapshot.json`, apart from other trackers' snapshots.
        let incremental = Incremental::new(
            (options.cache_file.as_deref()).map(|p| snapshot_path(&p.with_extension("jira.json"))),
            options.full_every,
            SINCE_OVERLAP,
            options.full,
            options.verbose,
        );
        Ok(Jira {
            client,
            api: target.api_base(),
            text: JiraText {
                deployment: target.deployment,
                file_base: target.file_base.clone(),
            },
            target: target.clone(),
            credentials,
            write_interval: options.write_interval,
            last_write: Mutex::new(None),
            verbose: options.verbose,
            cache_file: options.cache_file,
            cache: Mutex::new(cache),
            run: Mutex::new(RunState {
                written,
                pending,
                ..RunState::default()
            }),
            incremental: Box::new(incremental),
            stats: Mutex::new(RequestStats::default()),
            waiting: Mutex::new(WaitAllowance::new(MAX_TOTAL_WAIT)),
        })
    }

    fn cloud(&self) -> bool {
        self.target.deployment == JiraDeployment::Cloud
    }

    /// Sends one request, once. `Err` means no answer arrived.
    async fn send_once(
        &self,
        method: &reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        // A search is a POST that changes nothing.
        let is_write = method != reqwest::Method::GET && !path.starts_with("/search");
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.api))
            .header(reqwest::header::ACCEPT, "application/json");
        if is_write {
            self.pace_write().await;
        }
        request = match &self.credentials {
            Credentials::Basic { email, token } => {
                request.basic_auth(email, Some(token.expose_secret()))
            }
            Credentials::Bearer { token } => request.bearer_auth(token.expose_secret()),
        };
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let started = Instant::now();
        let result = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.text().await?;
            Ok(Answer {
                status,
                headers,
                body,
            })
        }
        .await;
        match &result {
            Ok(answer) => {
                {
                    let mut stats = lock(&self.stats);
                    if is_write {
                        stats.writes += 1;
                    } else {
                        stats.gets += 1;
                    }
                }
                if self.verbose > 0 {
                    eprintln!(
                        "{method} {path} → {} in {} ms",
                        answer.status,
                        started.elapsed().as_millis()
                    );
                }
            }
            Err(err) => {
                if self.verbose > 0 {
                    eprintln!("{method} {path} → no answer ({})", short_error(err));
                }
            }
        }
        result
    }

    /// Sends a request, retrying by the rules in the module documentation. Returns every
    /// answer that is not a rate limit or a server error, 4xx included.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        safe_to_resend: bool,
    ) -> Result<Answer, TrackerError> {
        let what = || format!("{method} {path}");
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let answer = match self.send_once(&method, path, body.as_ref()).await {
                Ok(answer) => answer,
                Err(err) => {
                    let err = anyhow!("no answer from Jira: {}", short_error(&err));
                    let wait = retry::after_failure(
                        err,
                        what(),
                        attempt,
                        safe_to_resend,
                        &lock(&self.waiting),
                    )?;
                    self.wait(wait, "no answer").await;
                    continue;
                }
            };
            if answer.status == 429 {
                // Refused, so nothing was done: safe to send again, whatever the method.
                let wait = retry_wait(&answer, Utc::now()).unwrap_or_else(|| backoff(attempt));
                if wait > MAX_RETRY_AFTER || attempt >= MAX_ATTEMPTS || !self.may_wait(wait) {
                    let until = chrono::TimeDelta::from_std(wait)
                        .ok()
                        .and_then(|d| Utc::now().checked_add_signed(d))
                        .unwrap_or(DateTime::<Utc>::MAX_UTC);
                    return Err(TrackerError::RateLimited {
                        limit: "Jira's rate limit",
                        until,
                    });
                }
                self.wait(wait, "rate limited").await;
                continue;
            }
            if answer.status >= 500 {
                let err = anyhow!("Jira answered {} {}", answer.status, self.message(&answer));
                let wait = retry::after_failure(
                    err,
                    what(),
                    attempt,
                    safe_to_resend,
                    &lock(&self.waiting),
                )?;
                self.wait(wait, "server error").await;
                continue;
            }
            return Ok(answer);
        }
    }

    /// Sends a request and turns a 4xx into an error worded for people.
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        safe_to_resend: bool,
    ) -> Result<Answer, TrackerError> {
        let answer = self
            .send(method.clone(), path, body, safe_to_resend)
            .await?;
        if (200..300).contains(&answer.status) {
            return Ok(answer);
        }
        Err(self.refusal(&method, &answer))
    }

    /// Keeps writes at least the write interval apart, so that Jira's per-issue write limit
    /// is seldom met.
    async fn pace_write(&self) {
        let wait = {
            let mut last = lock(&self.last_write);
            let now = Instant::now();
            let wait = last
                .map(|t| (t + self.write_interval).saturating_duration_since(now))
                .unwrap_or_default();
            *last = Some(now + wait);
            wait
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    fn may_wait(&self, wait: Duration) -> bool {
        lock(&self.waiting).allows(wait)
    }

    async fn wait(&self, wait: Duration, why: &str) {
        lock(&self.stats).retries += 1;
        lock(&self.waiting).spend(wait);
        if self.verbose > 0 {
            eprintln!("waiting {} ms ({why})", wait.as_millis());
        }
        tokio::time::sleep(wait).await;
    }

    /// Jira's error message, or the start of the body, without the secret.
    fn message(&self, answer: &Answer) -> String {
        let secret = Some(self.credentials.secret());
        match wire::error_messages(&answer.body) {
            Some((message, _)) => without_secret(message, secret),
            None => without_secret(answer.body.clone(), secret)
                .chars()
                .take(200)
                .collect(),
        }
    }

    /// A 4xx answer, worded for people, with Jira's message as the cause.
    fn refusal(&self, method: &reqwest::Method, answer: &Answer) -> TrackerError {
        let message = self.message(answer);
        let cause = anyhow!("Jira answered {}: {message}", answer.status);
        let project = &self.target.project;
        let credentials = if self.cloud() {
            "JIRA_EMAIL and JIRA_API_TOKEN"
        } else {
            "JIRA_TOKEN"
        };
        match answer.status {
            401 => TrackerError::Refused(cause.context(format!(
                "Jira at {} rejected the credentials: check {credentials}",
                self.target.url
            ))),
            403 if method == reqwest::Method::GET => TrackerError::Refused(
                cause.context(format!("the account may not read project {project}")),
            ),
            403 => TrackerError::Refused(cause.context(format!(
                "the account may not create or edit issues in project {project}"
            ))),
            400 => {
                let field = wire::error_messages(&answer.body)
                    .and_then(|(_, fields)| fields.into_iter().next())
                    .map(|f| {
                        if f == "assignee" {
                            "assignees".into()
                        } else {
                            f
                        }
                    });
                TrackerError::Invalid {
                    field,
                    error: cause.context("Jira rejected the request as invalid"),
                }
            }
            _ => TrackerError::Other(cause.context("Jira refused the request")),
        }
    }

    fn reading<'a>(&'a self, trusted: &'a dyn Fn(&str) -> bool) -> Reading<'a> {
        Reading {
            url: &self.target.url,
            dropped_resolutions: &self.target.dropped_resolutions,
            trusted,
        }
    }

    /// Maps raw issues, remembering their properties, statuses and the highest key. The
    /// syncing account's own issues name it by its id as their author (the snapshot's scope
    /// knows them by it); anyone else is named by display name, and one whose display name is
    /// that id gets the own id beside it.
    fn track(&self, raw: Vec<RawIssue>) -> Vec<TrackedIssue> {
        let mut run = lock(&self.run);
        let me = run.me.clone().unwrap_or_default();
        let editors = run.editors.clone();
        let trusted = {
            let me = me.clone();
            move |id: &str| !id.is_empty() && (id == me || editors.contains(id))
        };
        let mut out = Vec::with_capacity(raw.len());
        for issue in raw {
            if let Some(n) = key_number(&issue.key) {
                run.highest = run.highest.max(n);
            }
            if let Some(p) = issue.property() {
                run.properties.insert(issue.key.clone(), p);
            }
            if let Some(id) = issue.numeric_id() {
                run.ids.insert(issue.key.clone(), id);
            }
            run.statuses
                .insert(issue.key.clone(), issue.fields.status.name.clone());
            let creator = issue.fields.creator.as_ref().map(wire::User::id);
            let mut tracked = issue.into_tracked(&self.reading(&trusted));
            match creator {
                Some(id) if !me.is_empty() && id == me => tracked.author = me.clone(),
                Some(id) if !me.is_empty() && tracked.author == me => {
                    tracked.author = format!("{} ({id})", tracked.author);
                }
                _ => {}
            }
            out.push(tracked);
        }
        out
    }

    /// The complete listing's query: the issues carrying the first label and those the account
    /// created, newest update first.
    fn jql(&self, labels: &[String]) -> String {
        let project = jql_string(&self.target.project);
        match labels.first() {
            Some(label) => format!(
                "project = {project} AND (labels = {} OR creator = currentUser()) ORDER BY \
                 updated DESC",
                jql_string(label)
            ),
            None => {
                format!("project = {project} AND creator = currentUser() ORDER BY updated DESC")
            }
        }
    }

    /// The query of the changes since `since`: every issue of the project (whoever created it,
    /// whatever its labels, so that issues leaving the scope are seen), newest update first.
    fn changed_jql(&self, since: Option<DateTime<Utc>>) -> String {
        let project = jql_string(&self.target.project);
        match since {
            Some(since) => format!(
                "project = {project} AND updated >= {} ORDER BY updated DESC",
                jql_string(&jql_date(since))
            ),
            None => format!("project = {project} ORDER BY updated DESC"),
        }
    }

    /// Every issue `jql` finds, page after page; on Cloud, with `reconcile` reconciled. With
    /// `since` (a query ordered by update, newest first), stops after the first page that
    /// reaches back past it and leaves out what is older. Returns the newest update time on the
    /// first page too: the listing's mark.
    async fn search(
        &self,
        jql: &str,
        reconcile: &[u64],
        since: Option<DateTime<Utc>>,
    ) -> Result<(Vec<RawIssue>, Option<DateTime<Utc>>), TrackerError> {
        let mut out = Vec::new();
        let mut mark = None;
        let mut first = true;
        // Takes a page in: true when the listing may go on.
        let mut take = |issues: Vec<RawIssue>| {
            let updated = |i: &RawIssue| i.fields.updated.as_deref().and_then(wire::parse_time);
            if std::mem::take(&mut first) {
                mark = issues.iter().filter_map(updated).max();
            }
            let Some(since) = since else {
                out.extend(issues);
                return true;
            };
            let reached = issues.iter().any(|i| updated(i).is_some_and(|u| u < since));
            out.extend((issues.into_iter()).filter(|i| updated(i).is_none_or(|u| u >= since)));
            !reached
        };
        if self.cloud() {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Page {
                #[serde(default)]
                issues: Vec<RawIssue>,
                #[serde(default)]
                next_page_token: Option<String>,
            }
            let mut token: Option<String> = None;
            loop {
                let mut body = json!({
                    "jql": jql,
                    "fields": FIELDS,
                    "properties": [PROPERTY_KEY],
                    "maxResults": PAGE_SIZE,
                });
                if !reconcile.is_empty() {
                    body["reconcileIssues"] = json!(reconcile);
                }
                if let Some(t) = &token {
                    body["nextPageToken"] = json!(t);
                }
                let answer = self
                    .request(reqwest::Method::POST, "/search/jql", Some(body), true)
                    .await?;
                let page: Page = answer.json("the search result")?;
                let more = take(page.issues);
                match page.next_page_token {
                    Some(t) if more && Some(&t) != token.as_ref() => token = Some(t),
                    _ => break,
                }
            }
        } else {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Page {
                #[serde(default)]
                issues: Vec<RawIssue>,
                #[serde(default)]
                total: usize,
            }
            let mut start = 0usize;
            loop {
                let body = json!({
                    "jql": jql,
                    "fields": FIELDS,
                    "properties": [PROPERTY_KEY],
                    "startAt": start,
                    "maxResults": PAGE_SIZE,
                });
                let answer = self
                    .request(reqwest::Method::POST, "/search", Some(body), true)
                    .await?;
                let page: Page = answer.json("the search result")?;
                let got = page.issues.len();
                let more = take(page.issues);
                start += got;
                if !more || got == 0 || start >= page.total {
                    break;
                }
            }
        }
        Ok((out, mark))
    }

    /// One issue, read directly (consistent, unlike search); `None` when there is none.
    async fn get_issue(&self, key: &str) -> Result<Option<RawIssue>, TrackerError> {
        let path = format!(
            "/issue/{key}?fields={}&properties={PROPERTY_KEY}",
            FIELDS.join(",")
        );
        let answer = self.send(reqwest::Method::GET, &path, None, true).await?;
        match answer.status {
            200 => answer.json("the issue").map(Some),
            404 => Ok(None),
            _ => Err(self.refusal(&reqwest::Method::GET, &answer)),
        }
    }

    fn remember_write(&self, id: u64, key: &str) {
        let written = Written {
            id,
            key: key.to_string(),
            at: Utc::now(),
            seen: false,
        };
        {
            let mut run = lock(&self.run);
            run.written.insert(key.to_string(), written.clone());
            if let Some(n) = key_number(key) {
                run.highest = run.highest.max(n);
            }
        }
        self.journal(&JournalLine::Written {
            place: cache_key(&self.target),
            written,
        });
    }

    /// Appends a line to the journal; a failure only costs a killed run's successor some
    /// certainty, and is reported at `-v`.
    fn journal(&self, line: &JournalLine) {
        let Some(cache) = &self.cache_file else {
            return;
        };
        let path = journal_path(cache);
        let result = (|| -> anyhow::Result<()> {
            use std::io::Write;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            let mut text = serde_json::to_string(line)?;
            text.push('\n');
            file.write_all(text.as_bytes())?;
            Ok(())
        })();
        if let Err(err) = result {
            if self.verbose > 0 {
                eprintln!("warning: cannot write {}: {err:#}", path.display());
            }
        }
    }

    /// Remembers a write to an existing issue, with its id when this run knows it.
    fn remember_written_id(&self, key: &str) {
        let id = {
            let run = lock(&self.run);
            (run.written.get(key).map(|w| w.id))
                .filter(|id| *id != 0)
                .or_else(|| run.ids.get(key).copied())
                .unwrap_or(0)
        };
        self.remember_write(id, key);
    }

    /// The account to assign for an owner; `None` when none or several match.
    async fn account_of(&self, owner: &str) -> Result<Option<String>, TrackerError> {
        if let Some(known) = lock(&self.run).users.get(owner) {
            return Ok(known.clone());
        }
        let account = if self.cloud() {
            let answer = self
                .request(
                    reqwest::Method::GET,
                    &format!("/user/search?{}", query(&[("query", owner)])),
                    None,
                    true,
                )
                .await?;
            let users: Vec<wire::User> = answer.json("the users")?;
            match users.as_slice() {
                [one] => one.account_id.clone(),
                _ => None,
            }
        } else {
            Some(owner.to_string())
        };
        lock(&self.run)
            .users
            .insert(owner.to_string(), account.clone());
        Ok(account)
    }

    fn user_field(&self, id: &str) -> Value {
        if self.cloud() {
            json!({ "accountId": id })
        } else {
            json!({ "name": id })
        }
    }

    /// The assignee for a list of owners (Jira has one: the last, which is the one the YAML
    /// names when a person assigned someone else); `Invalid` on `assignees` when it matches no
    /// single account.
    async fn assignee_for(
        &self,
        owners: &[String],
    ) -> Result<Option<(String, String)>, TrackerError> {
        let Some(owner) = owners.last() else {
            return Ok(None);
        };
        match self.account_of(owner).await? {
            Some(id) => Ok(Some((owner.clone(), id))),
            None => Err(TrackerError::Invalid {
                field: Some("assignees".into()),
                error: anyhow!(
                    "no single Jira user matches `{owner}` (GET /user/search?query={owner})"
                ),
            }),
        }
    }

    /// Moves an issue through a transition to a status of one of `categories`, setting a
    /// resolution from `resolutions` when the transition's screen asks for one.
    async fn transition(
        &self,
        key: &str,
        categories: &[&str],
        resolutions: &[&str],
    ) -> Result<(), TrackerError> {
        #[derive(Deserialize)]
        struct Target {
            #[serde(default)]
            name: String,
            #[serde(default, rename = "statusCategory")]
            category: wire::StatusCategory,
        }
        #[derive(Deserialize)]
        struct Transition {
            id: String,
            to: Target,
            #[serde(default)]
            fields: serde_json::Map<String, Value>,
        }
        #[derive(Deserialize)]
        struct Transitions {
            #[serde(default)]
            transitions: Vec<Transition>,
        }
        let path = format!("/issue/{key}/transitions");
        let answer = self
            .request(
                reqwest::Method::GET,
                &format!("{path}?expand=transitions.fields"),
                None,
                true,
            )
            .await?;
        let list: Transitions = answer.json("the transitions")?;
        let chosen = categories.iter().find_map(|category| {
            let mut fitting = list
                .transitions
                .iter()
                .filter(|t| t.to.category.key == *category);
            let first = fitting.clone().next();
            fitting
                .find(|t| t.fields.contains_key("resolution"))
                .or(first)
        });
        let Some(transition) = chosen else {
            let status = lock(&self.run)
                .statuses
                .get(key)
                .cloned()
                .unwrap_or_else(|| "its current status".into());
            let goal = if categories.contains(&"done") {
                "a done status"
            } else {
                "an open status (To Do or In Progress)"
            };
            return Err(TrackerError::Other(anyhow!(
                "{key} is in status `{status}`, from which its workflow offers no transition to \
                 {goal}: move it by hand, or add such a transition to the workflow of project {}",
                self.target.project
            )));
        };
        let mut body = json!({ "transition": { "id": transition.id } });
        if let Some(field) = transition.fields.get("resolution") {
            let allowed: Vec<String> = field
                .get("allowedValues")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.get("name")?.as_str().map(str::to_string))
                .collect();
            let configured = self.target.dropped_resolutions.iter().map(String::as_str);
            let name = resolutions
                .iter()
                .copied()
                .chain(configured)
                .find(|r| allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(r)))
                .map(|r| {
                    allowed
                        .iter()
                        .find(|a| a.eq_ignore_ascii_case(r))
                        .cloned()
                        .unwrap_or_else(|| r.to_string())
                });
            if let Some(name) = name {
                body["fields"] = json!({ "resolution": { "name": name } });
            }
        }
        self.request(reqwest::Method::POST, &path, Some(body), false)
            .await?;
        lock(&self.run)
            .statuses
            .insert(key.to_string(), transition.to.name.clone());
        self.remember_written_id(key);
        Ok(())
    }

    /// Looks at the keys after issue number `start`, directly (search may not show a new issue
    /// yet), for an issue of `task` the syncing account created; stops after [`MAX_MISSES`]
    /// missing keys in a row or [`MAX_PROBES`] keys.
    async fn probe(&self, task: &str, start: u64) -> Result<Option<RawIssue>, TrackerError> {
        let me = lock(&self.run).me.clone().unwrap_or_default();
        let mut misses = 0;
        for n in start + 1..=start + MAX_PROBES {
            let candidate = format!("{}-{n}", self.target.project);
            let Some(raw) = self.get_issue(&candidate).await? else {
                misses += 1;
                if misses >= MAX_MISSES {
                    break;
                }
                continue;
            };
            misses = 0;
            let ours = raw.property().is_some_and(|p| p.task == task)
                && raw.fields.creator.as_ref().is_some_and(|c| c.id() == me);
            if ours {
                return Ok(Some(raw));
            }
        }
        Ok(None)
    }

    /// Remembers a create about to be sent, in the cache file at once, so that a run killed
    /// before the answer arrives leaves the next run a place to look.
    fn note_pending(&self, task: &str) {
        let highest = {
            let mut run = lock(&self.run);
            let highest = run.highest;
            run.pending.insert(task.to_string(), highest);
            highest
        };
        self.journal(&JournalLine::Pending {
            place: cache_key(&self.target),
            task: task.to_string(),
            highest,
        });
    }

    /// Forgets a create in flight once its outcome is known.
    fn settle_pending(&self, task: &str) {
        if lock(&self.run).pending.remove(task).is_some() {
            self.journal(&JournalLine::Settled {
                place: cache_key(&self.target),
                task: task.to_string(),
            });
        }
    }

    /// Once the cache holds this run's writes: the journal keeps only the creates still in
    /// flight, and goes when there are none.
    fn compact_journal(&self) -> anyhow::Result<()> {
        let Some(cache) = &self.cache_file else {
            return Ok(());
        };
        let path = journal_path(cache);
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err).with_context(|| format!("cannot remove {}", path.display()));
            }
            _ => {}
        }
        let pending = lock(&self.run).pending.clone();
        for (task, highest) in pending {
            self.journal(&JournalLine::Pending {
                place: cache_key(&self.target),
                task,
                highest,
            });
        }
        Ok(())
    }

    /// Checks the project and its issue type: one request, once a run.
    async fn check_project(&self) -> Result<(), TrackerError> {
        if lock(&self.run).project_checked {
            return Ok(());
        }
        let project = &self.target.project;
        let answer = self
            .send(
                reqwest::Method::GET,
                &format!("/project/{project}"),
                None,
                true,
            )
            .await?;
        if answer.status == 404 {
            return Err(TrackerError::Refused(anyhow!(
                "Jira project {project} not found at {}, or the account may not browse it: check \
                 `tracker.project` in aftercare.yml",
                self.target.url
            )));
        }
        if !(200..300).contains(&answer.status) {
            return Err(self.refusal(&reqwest::Method::GET, &answer));
        }
        #[derive(Deserialize)]
        struct Project {
            #[serde(default, rename = "issueTypes")]
            issue_types: Vec<wire::Named>,
        }
        let details: Project = answer.json("the project")?;
        let wanted = &self.target.issue_type;
        if !details
            .issue_types
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(wanted))
        {
            let have: Vec<&str> = details
                .issue_types
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            return Err(TrackerError::Refused(anyhow!(
                "Jira project {project} has no issue type `{wanted}` (it has {}): set \
                 `tracker.issue_type` in aftercare.yml",
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            )));
        }
        lock(&self.run).project_checked = true;
        Ok(())
    }

    /// Learns who may edit issues in the project: one request, once a run.
    async fn ask_editors(&self) -> Result<(), TrackerError> {
        if lock(&self.run).editors_asked {
            return Ok(());
        }
        let project = &self.target.project;
        let mut pairs = vec![
            ("permissions", "EDIT_ISSUES"),
            ("projectKey", project.as_str()),
            ("maxResults", "1000"),
        ];
        if !self.cloud() {
            // Data Center requires a user filter; an empty one matches everyone.
            pairs.insert(0, ("username", ""));
        }
        let path = format!("/user/permission/search?{}", query(&pairs));
        let answer = self.send(reqwest::Method::GET, &path, None, true).await?;
        if answer.status == 403 {
            // Listing who may edit needs Administer Projects; without it, only the syncing
            // account's issues count, which is safe: a look-alike is never trusted.
            lock(&self.run).editors_asked = true;
            eprintln!(
                "warning: the account may not list who may edit issues in project {project} \
                 (Jira answered 403; it needs the Administer Projects permission): only issues \
                 it created itself count"
            );
            return Ok(());
        }
        if !(200..300).contains(&answer.status) {
            return Err(self.refusal(&reqwest::Method::GET, &answer));
        }
        let editors: Vec<wire::User> = answer.json("the users who may edit issues")?;
        let mut run = lock(&self.run);
        run.editors = editors.iter().map(wire::User::id).collect();
        run.editors_asked = true;
        Ok(())
    }

    /// What this run's listing covers: one project on one site as one account (by its id, as
    /// [`Jira::track`] names the account's own issues' author) sees it, by these labels.
    fn scope(&self, labels: &[String]) -> Scope {
        Scope {
            place: format!("{} {}", self.api, self.target.project),
            login: lock(&self.run).me.clone().unwrap_or_default(),
            labels: labels.to_vec(),
        }
    }

    /// A SHA-256 of the site and the credentials, to remember the account they belong to
    /// without keeping them.
    fn credentials_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(self.api.as_bytes());
        match &self.credentials {
            Credentials::Basic { email, token } => {
                hash.update(b"\nbasic\n");
                hash.update(email.as_bytes());
                hash.update(b"\n");
                hash.update(token.expose_secret().as_bytes());
            }
            Credentials::Bearer { token } => {
                hash.update(b"\nbearer\n");
                hash.update(token.expose_secret().as_bytes());
            }
        }
        format!("{:x}", hash.finalize())
    }

    /// One listing for the snapshot: the issues `jql` finds (from `since`, see [`Jira::search`])
    /// and the issues this client wrote that search has not shown yet, read consistently; with
    /// `every_write`, every issue written in the last [`RECENT_WINDOW`] (a complete listing),
    /// else those not shown by a listing since their last write. Creates of an earlier run
    /// whose answer never came are looked for too.
    async fn listing(
        &self,
        jql: &str,
        since: Option<DateTime<Utc>>,
        every_write: bool,
    ) -> Result<Listed, TrackerError> {
        let recent: Vec<Written> = {
            let run = lock(&self.run);
            let mut recent: Vec<Written> = (run.written.values())
                .filter(|w| every_write || !w.seen)
                .cloned()
                .collect();
            recent.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
            recent
        };
        let cloud = self.cloud();
        let reconcile: Vec<u64> = if cloud {
            (recent.iter().filter(|w| w.id != 0))
                .take(MAX_RECONCILE)
                .map(|w| w.id)
                .collect()
        } else {
            Vec::new()
        };
        let (mut raw, mark) = self.search(jql, &reconcile, since).await?;
        let found: BTreeSet<String> = raw.iter().map(|i| i.key.clone()).collect();
        let (by_id, by_key): (Vec<&Written>, Vec<&Written>) = (recent.iter())
            .filter(|w| !found.contains(&w.key))
            .partition(|w| cloud && w.id != 0);
        for chunk in by_id.chunks(MAX_RECONCILE) {
            let keys: Vec<&str> = chunk.iter().map(|w| w.key.as_str()).collect();
            let ids: Vec<u64> = chunk.iter().map(|w| w.id).collect();
            let jql = format!(
                "project = {} AND key in ({}) ORDER BY key ASC",
                jql_string(&self.target.project),
                keys.join(", ")
            );
            raw.extend(self.search(&jql, &ids, None).await?.0);
        }
        for written in by_key {
            raw.extend(self.get_issue(&written.key).await?);
        }
        // Creates of an earlier run whose answer never arrived (the run was killed).
        let pending: Vec<(String, u64)> = lock(&self.run)
            .pending
            .iter()
            .map(|(t, h)| (t.clone(), *h))
            .collect();
        let me = lock(&self.run).me.clone().unwrap_or_default();
        for (task, highest) in pending {
            let listed = raw.iter().any(|i| {
                i.property().is_some_and(|p| p.task == task)
                    && i.fields.creator.as_ref().is_some_and(|c| c.id() == me)
            });
            if !listed {
                if let Some(found) = self.probe(&task, highest).await? {
                    if let Some(id) = found.numeric_id() {
                        self.remember_write(id, &found.key);
                        lock(&self.run)
                            .written
                            .entry(found.key.clone())
                            .and_modify(|w| w.seen = true);
                    }
                    raw.push(found);
                }
            }
            self.settle_pending(&task);
        }
        let mut seen = BTreeSet::new();
        raw.retain(|i| seen.insert(i.key.clone()));
        {
            // The listing ended: every write it looked for is shown (or gone).
            let mut run = lock(&self.run);
            for w in &recent {
                if let Some(entry) = run.written.get_mut(&w.key).filter(|e| e.at == w.at) {
                    entry.seen = true;
                }
            }
        }
        // Trust needs the project's editors only for issues someone else created.
        let others = raw.iter().any(|i| {
            i.properties.contains_key(PROPERTY_KEY)
                && i.fields.creator.as_ref().is_none_or(|c| c.id() != me)
        });
        if others {
            self.ask_editors().await?;
        }
        Ok(Listed {
            issues: self.track(raw),
            mark,
        })
    }

    /// Reads an issue known only from the snapshot, for its property and status, before an
    /// edit that rewrites the property.
    async fn learn(&self, key: &str) -> Result<(), TrackerError> {
        if lock(&self.run).properties.contains_key(key) {
            return Ok(());
        }
        if let Some(raw) = self.get_issue(key).await? {
            self.track(vec![raw]);
        }
        Ok(())
    }

    /// Writes the cache file.
    pub fn save_cache(&self) -> anyhow::Result<()> {
        let Some(path) = &self.cache_file else {
            return Ok(());
        };
        {
            let written: Vec<Written> = lock(&self.run).written.values().cloned().collect();
            let mut cache = lock(&self.cache);
            cache.version = CACHE_VERSION;
            if written.is_empty() {
                cache.written.remove(&cache_key(&self.target));
            } else {
                cache.written.insert(cache_key(&self.target), written);
            }

            cache_file::write(path, &*cache)?;
        }
        self.compact_journal()
    }
}

impl Tracker for Jira {
    fn name(&self) -> &'static str {
        "Jira"
    }

    fn place(&self) -> String {
        self.target.project.clone()
    }

    fn trust_rule(&self) -> &'static str {
        "a user who may edit issues in the project"
    }

    fn text(&self) -> &dyn IssueText {
        &self.text
    }

    /// The account: one request, unless the cache knows these credentials' account.
    async fn identity(&self) -> Result<Identity, TrackerError> {
        let hash = self.credentials_hash();
        let cached = (lock(&self.cache).account.clone()).filter(|a| a.credentials_sha256 == hash);
        let account = match cached {
            Some(account) => account,
            None => {
                let answer = self
                    .request(reqwest::Method::GET, "/myself", None, true)
                    .await?;
                let me: wire::User = answer.json("the account")?;
                let account = CachedAccount {
                    credentials_sha256: hash,
                    id: me.id(),
                };
                lock(&self.cache).account = Some(account.clone());
                account
            }
        };
        lock(&self.run).me = Some(account.id.clone());
        Ok(Identity { login: account.id })
    }

    async fn list(&self, labels: &[String]) -> Result<Vec<TrackedIssue>, TrackerError> {
        lock(&self.run).labels = Some(labels.to_vec());
        let issues = self.incremental.list(self, self.scope(labels)).await?;
        let mut run = lock(&self.run);
        for issue in &issues {
            if let Some(n) = key_number(&issue.issue.id) {
                run.highest = run.highest.max(n);
            }
        }
        Ok(issues)
    }

    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        self.check_project().await?;
        let assignee = self.assignee_for(&issue.assignees).await?;
        let description = if self.cloud() {
            serde_json::from_str(&issue.body).context("the issue text is not a JSON document")?
        } else {
            Value::String(issue.body.clone())
        };
        let property = Property {
            task: issue.key.to_string(),
            owned: Owned {
                labels: issue.labels.clone(),
                assignees: assignee.iter().map(|(owner, _)| owner.clone()).collect(),
            },
            assignee: assignee.as_ref().map(|(_, id)| id.clone()),
            removed: false,
        };
        let mut fields = json!({
            "project": { "key": self.target.project },
            "issuetype": { "name": self.target.issue_type },
            "summary": issue.title,
            "description": description,
            "labels": issue.labels,
        });
        if let Some((_, id)) = &assignee {
            fields["assignee"] = self.user_field(id);
        }
        let body = json!({
            "fields": fields,
            "properties": [{ "key": PROPERTY_KEY, "value": property }],
        });
        let task = issue.key.to_string();
        self.note_pending(&task);
        let answer = match self
            .request(reqwest::Method::POST, "/issue", Some(body), false)
            .await
        {
            Ok(answer) => answer,
            Err(err) => {
                if !matches!(err, TrackerError::OutcomeUnknown { .. }) {
                    // Jira refused it: nothing was made.
                    self.settle_pending(&task);
                }
                return Err(err);
            }
        };
        self.settle_pending(&task);
        #[derive(Deserialize)]
        struct Created {
            id: String,
            key: String,
        }
        let created: Created = answer.json("the created issue")?;
        let id = created.id.parse::<u64>().unwrap_or_default();
        self.remember_write(id, &created.key);
        let me = {
            let mut run = lock(&self.run);
            run.properties.insert(created.key.clone(), property.clone());
            run.me.clone().unwrap_or_default()
        };
        let now = Utc::now();
        Ok(TrackedIssue {
            issue: wire::issue_ref(&self.target.url, &created.key),
            task: Some(issue.key.clone()),
            trusted: true,
            title: issue.title.clone(),
            body: issue.body.clone(),
            state: crate::tracker::IssueState::Open,
            labels: issue.labels.clone(),
            assignees: property.owned.assignees.clone(),
            author: me,
            owned: Some(property.owned),
            removed_by_aftercare: false,
            created_at: now,
            updated_at: now,
            closed_at: None,
        })
    }

    async fn edit_issue(
        &self,
        issue: &IssueRef,
        edit: &IssueEdit,
    ) -> Result<Option<TrackedIssue>, TrackerError> {
        let key = &issue.id;
        if edit.labels.is_some() || edit.assignees.is_some() || edit.state.is_some() {
            self.learn(key).await?;
        }
        let mut property = lock(&self.run).properties.get(key).cloned();
        let mut fields = serde_json::Map::new();
        let mut update = serde_json::Map::new();
        if let Some(title) = &edit.title {
            fields.insert("summary".into(), json!(title));
        }
        if let Some(body) = &edit.body {
            let description = if self.cloud() {
                serde_json::from_str(body).context("the issue text is not a JSON document")?
            } else {
                Value::String(body.clone())
            };
            fields.insert("description".into(), description);
        }
        if let Some(labels) = &edit.labels {
            let ops: Vec<Value> = (labels.add.iter().map(|l| json!({ "add": l })))
                .chain(labels.remove.iter().map(|l| json!({ "remove": l })))
                .collect();
            if !ops.is_empty() {
                update.insert("labels".into(), Value::Array(ops));
            }
            if let Some(p) = property.as_mut() {
                let has = |set: &[String], l: &str| set.iter().any(|s| s.eq_ignore_ascii_case(l));
                p.owned.labels.retain(|l| !has(&labels.remove, l));
                for l in &labels.add {
                    if !has(&p.owned.labels, l) {
                        p.owned.labels.push(l.clone());
                    }
                }
            }
        }
        if let Some(owners) = &edit.assignees {
            let assignee = self.assignee_for(owners).await?;
            match &assignee {
                Some((_, id)) => fields.insert("assignee".into(), self.user_field(id)),
                None => fields.insert("assignee".into(), Value::Null),
            };
            if let Some(p) = property.as_mut() {
                p.owned.assignees = assignee.iter().map(|(o, _)| o.clone()).collect();
                p.assignee = assignee.map(|(_, id)| id);
            }
        }
        if let (Some(state), Some(p)) = (edit.state, property.as_mut()) {
            p.removed = state == StateChange::DropNotPlanned;
        }
        let put = |fields: serde_json::Map<String, Value>,
                   update: serde_json::Map<String, Value>,
                   property: Option<&Property>| {
            let mut body = json!({});
            if !fields.is_empty() {
                body["fields"] = Value::Object(fields);
            }
            if !update.is_empty() {
                body["update"] = Value::Object(update);
            }
            if let Some(p) = property {
                body["properties"] = json!([{ "key": PROPERTY_KEY, "value": p }]);
            }
            body
        };
        let path = format!("/issue/{key}");
        let reopen = edit.state == Some(StateChange::Reopen);
        // A done issue may not be editable in its workflow: reopen first, then edit; a drop
        // edits first, so that the property says why once the issue is done.
        if reopen {
            self.transition(key, &["new", "indeterminate"], &[]).await?;
        }
        let property_changed = property != lock(&self.run).properties.get(key).cloned();
        if !fields.is_empty() || !update.is_empty() || property_changed {
            let body = put(
                fields,
                update,
                property.as_ref().filter(|_| property_changed),
            );
            self.request(reqwest::Method::PUT, &path, Some(body), true)
                .await?;
            self.remember_written_id(key);
            if let Some(p) = property {
                lock(&self.run).properties.insert(key.clone(), p);
            }
        }
        let resolution = match edit.state {
            Some(StateChange::DropNotPlanned) => "Won't Do",
            Some(StateChange::DropDuplicate) => "Duplicate",
            _ => return Ok(None),
        };
        if let Err(err) = self.transition(key, &["done"], &[resolution]).await {
            // The issue stays open: take back the note that aftercare dropped it, so that a
            // later close by a person is never mistaken for aftercare's.
            let property = lock(&self.run).properties.get(key).cloned();
            if let Some(mut p) = property.filter(|p| p.removed) {
                p.removed = false;
                let body = json!({ "properties": [{ "key": PROPERTY_KEY, "value": p }] });
                if self
                    .request(reqwest::Method::PUT, &path, Some(body), true)
                    .await
                    .is_ok()
                {
                    lock(&self.run).properties.insert(key.clone(), p);
                }
            }
            return Err(err);
        }
        Ok(None)
    }

    async fn comment(&self, issue: &IssueRef, body: &str) -> Result<(), TrackerError> {
        let path = format!("/issue/{}/comment", issue.id);
        let body = json!({ "body": text::comment_body(self.target.deployment, body) });
        self.request(reqwest::Method::POST, &path, Some(body), false)
            .await?;
        Ok(())
    }

    async fn comments(&self, issue: &IssueRef) -> Result<Vec<IssueComment>, TrackerError> {
        self.read_comments(issue).await
    }

    async fn remind(
        &self,
        issue: &IssueRef,
        reminder: &ReminderContent,
    ) -> Result<(), TrackerError> {
        self.post_reminder(issue, reminder).await
    }

    /// Looks at the keys after the highest one seen, directly (search may not show a new
    /// issue yet), for an issue of `key` the syncing account created.
    async fn find_created(&self, key: &TaskKey) -> Result<Option<TrackedIssue>, TrackerError> {
        let start = lock(&self.run).highest;
        let Some(raw) = self.probe(key.as_str(), start).await? else {
            return Ok(None);
        };
        self.settle_pending(key.as_str());
        if let Some(id) = raw.numeric_id() {
            self.remember_write(id, &raw.key);
        }
        Ok(self.track(vec![raw]).pop())
    }

    async fn settle(&self, labels: &[String], wrote: bool) {
        self.incremental
            .settle(self, &self.scope(labels), wrote)
            .await;
    }

    fn stats(&self) -> RequestStats {
        *lock(&self.stats)
    }

    fn save(&self) -> anyhow::Result<()> {
        self.save_cache()
    }
}

impl Lister for Jira {
    /// The project checked, who may edit issues in it, and every issue carrying the first
    /// label or created by the account.
    async fn list_complete(&self, scope: &Scope) -> Result<Listed, TrackerError> {
        self.check_project().await?;
        self.ask_editors().await?;
        self.listing(&self.jql(&scope.labels), None, true).await
    }

    /// The changes since `since`. Without it (after a listing whose search found nothing, as a
    /// first sync's: the snapshot holds only what this run wrote), the issues of the scope, so
    /// that a first sync in a project shared with other teams does not read it whole.
    async fn list_changed(&self, since: Option<DateTime<Utc>>) -> Result<Listed, TrackerError> {
        let labels = lock(&self.run).labels.clone();
        let jql = match (since, labels) {
            (None, Some(labels)) => self.jql(&labels),
            _ => self.changed_jql(since),
        };
        self.listing(&jql, since, false).await
    }
}

/// A JQL date for a listing from `since`: the minute [`ZONE_MARGIN`] before it, in UTC.
fn jql_date(since: DateTime<Utc>) -> String {
    let margin = chrono::TimeDelta::from_std(ZONE_MARGIN).unwrap_or_default();
    let at = since.checked_sub_signed(margin).unwrap_or(since);
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// A URL query string of `pairs`, encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    q.finish()
}

/// The journal beside the cache file: `cache.json` → `cache.journal.jsonl`.
fn journal_path(cache: &std::path::Path) -> PathBuf {
    cache.with_extension("journal.jsonl")
}

/// The cache's key for a target: the site and the project.
fn cache_key(target: &Target) -> String {
    format!("{} {}", target.url, target.project)
}

/// The number of an issue key, `12` for `OPS-12`.
fn key_number(key: &str) -> Option<u64> {
    key.rsplit_once('-')?.1.parse().ok()
}

/// A JQL string literal.
fn jql_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// How long a 429 asks to wait: `Retry-After` seconds, else until `X-RateLimit-Reset` (an
/// ISO 8601 time).
fn retry_wait(answer: &Answer, now: DateTime<Utc>) -> Option<Duration> {
    if let Some(secs) = answer
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_secs(secs));
    }
    let reset = wire::parse_time(answer.header("x-ratelimit-reset")?.trim())?;
    Some((reset - now).to_std().unwrap_or_default() + Duration::from_secs(1))
}

/// A transport error in a few words, without the request.
fn short_error(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else if err.is_body() || err.is_decode() {
        "the answer broke off"
    } else {
        "transport error"
    };
    kind.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(headers: &[(&'static str, &str)]) -> Answer {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Answer {
            status: 429,
            headers: map,
            body: String::new(),
        }
    }

    #[test]
    fn a_429_waits_for_retry_after_else_until_the_reset() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            retry_wait(&answer(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_wait(
                &answer(&[("x-ratelimit-reset", "2024-05-01T10:00:30Z")]),
                now
            ),
            Some(Duration::from_secs(31))
        );
        assert_eq!(retry_wait(&answer(&[]), now), None);
    }

    #[test]
    fn a_jql_date_names_a_time_at_or_before_the_start_in_every_time_zone() {
        let since = DateTime::parse_from_rfc3339("2024-05-01T10:37:45.250Z")
            .unwrap()
            .with_timezone(&Utc);
        let date = jql_date(since);
        assert_eq!(date, "2024-04-30 20:37");
        let naive = chrono::NaiveDateTime::parse_from_str(&date, "%Y-%m-%d %H:%M").unwrap();
        // Every offset from UTC−12 to UTC+14, by quarter hours.
        for quarter in -12 * 4..=14 * 4 {
            use chrono::TimeZone;
            let zone = chrono::FixedOffset::east_opt(quarter * 900).unwrap();
            let meant = zone.from_local_datetime(&naive).unwrap();
            assert!(meant <= since, "in {zone} the date means {meant}");
        }
    }

    #[test]
    fn a_cache_of_an_earlier_version_reads_with_its_writes_not_seen_and_no_account() {
        let cache: CacheFile = serde_json::from_str(
            r#"{"version":1,"written":{"https://x OPS":[{"id":7,"key":"OPS-7","at":"2024-05-01T10:00:00Z"}]}}"#,
        )
        .unwrap();
        let written = &cache.written["https://x OPS"][0];
        assert_eq!((written.id, written.seen), (7, false));
        assert!(cache.account.is_none());
        let text = serde_json::to_string(&CacheFile {
            version: 1,
            written: BTreeMap::new(),
            account: Some(CachedAccount {
                credentials_sha256: "ab".into(),
                id: "acc-bot".into(),
            }),
        })
        .unwrap();
        assert_eq!(
            text,
            r#"{"version":1,"written":{},"account":{"credentials_sha256":"ab","id":"acc-bot"}}"#
        );
    }

    #[test]
    fn keys_and_jql_strings() {
        assert_eq!(key_number("OPS-12"), Some(12));
        assert_eq!(key_number("OPS"), None);
        assert_eq!(jql_string(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }
}
