//! The GitLab implementation of the tracker (gitlab.com and self-managed), over reqwest.
//!
//! reqwest provides HTTP, TLS and timeouts; it never re-sends a request by itself and shows
//! every response header, so the retry rules of [`crate::tracker::retry`] stay ours: reads and
//! edits (a PUT with the same content is idempotent) are retried with backoff on 5xx and
//! dropped connections; a `429` is waited out for its `Retry-After` (GitLab did nothing); a
//! create or note whose outcome is unknown is never re-sent here, and the caller looks before
//! writing again. Writes go one at a time, paced by a [`WritePacer`] within gitlab.com's limits
//! (200 issues and 60 notes a minute: at most 60 writes a minute, one a second by default).
//!
//! What it asks GitLab:
//! - `GET /user` for the identity (username and id), by the client of each project of a fleet
//!   that has not asked with this token before;
//! - `GET /projects/:id/issues?labels=…&state=all&order_by=updated_at&sort=desc&per_page=100`,
//!   following `x-next-page`: by label and by `author_username` for a complete listing, by
//!   `updated_after` for the changes since the last one ([`crate::tracker::listing`],
//!   [`crate::tracker::snapshot`], whose snapshot this client keeps beside its cache file);
//!   never the search API;
//! - `GET /projects/:id/members/all/:user_id` once per author of a marked issue that is not
//!   the syncing user: inherited members count, from the Reporter role (access level 20) up;
//! - `GET /users?username=` once per task owner, for `assignee_ids`;
//! - `POST /projects/:id/issues`, `PUT /projects/:id/issues/:iid` (labels only through
//!   `add_labels` and `remove_labels`, so labels people add are never replaced, and
//!   `state_event` to close or reopen), and `POST /projects/:id/issues/:iid/notes`;
//! - for `remind`, `GET /projects/:id/issues/:iid/notes?sort=asc&order_by=created_at`, every
//!   page, leaving out GitLab's system notes; a note's author is trusted by the rule of issue
//!   authors (the syncing user, or a member from Reporter up), asked only for notes that carry
//!   a reminder marker, since nothing else reads their trust;
//! - for evidence of done (`require_evidence`), `GET /projects/:id/issues/:iid/closed_by`,
//!   every page: the merge requests that close the issue when merged, of which one must be
//!   `merged` (an open one is a promise, not evidence).
//!
//! A task dropped because it was removed is closed with the label `not planned`, a duplicate
//! with `duplicate`; reopening removes `not planned` again, so that a later close by a person
//! reads as done. The token is sent as `PRIVATE-TOKEN`, marked sensitive, and cut out of every
//! error GitLab quotes it in; requests are logged at `-v` without headers.

pub mod target;
mod wire;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::GitLabConfig;
use crate::model::TaskKey;
use crate::pacing::{WritePacer, WriteWindow};
use crate::tracker::cache_file;
use crate::tracker::listing::{self, IssuePage, IssueQuery, ListOrder, Pages};
use crate::tracker::markdown::{self, Markdown};
use crate::tracker::retry::{
    self, MAX_ATTEMPTS, MAX_RESET_WAIT, MAX_RETRY_AFTER, MAX_TOTAL_WAIT, WaitAllowance, backoff,
    lock, without_secret,
};
use crate::tracker::snapshot::{Incremental, Listed, Lister, Scope, snapshot_path};
use crate::tracker::{
    ConnectOptions, Identity, IssueComment, IssueEdit, IssueRef, IssueText, NewIssue, RequestStats,
    SharedPacer, StateChange, TrackedIssue, Tracker, TrackerError,
};
use target::Target;
use wire::{REPORTER, RawIssue, RawMember, RawMergeRequest, RawNote, RawUser};

/// The label aftercare puts on an issue it closes because its task was removed.
pub const NOT_PLANNED_LABEL: &str = "not planned";
/// The label aftercare puts on an issue it closes as a duplicate.
pub const DUPLICATE_LABEL: &str = "duplicate";
/// gitlab.com allows 60 notes a minute (and 200 new issues); keeping all writes within 60 a
/// minute keeps both.
pub const GITLAB_WINDOWS: [WriteWindow; 1] = [WriteWindow {
    max: 60,
    length: Duration::from_secs(60),
}];
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const CACHE_VERSION: u32 = 2;
/// How far before the snapshot's watermark a listing of the changes starts, for an update
/// that GitLab's listings showed late.
const SINCE_OVERLAP: Duration = Duration::from_secs(60);

/// A project's issues on GitLab.
pub struct GitLab {
    http: reqwest::Client,
    target: Target,
    verbose: u8,
    dropped_labels: Vec<String>,
    text: Markdown,
    cache_file: Option<PathBuf>,
    cache: Mutex<CacheFile>,
    /// The syncing user: username and id, once asked.
    user: Mutex<Option<RawUser>>,
    /// The listing snapshot and when to list everything.
    incremental: Incremental,
    /// Whether each author (by user id) may speak for a task, asked once a run.
    members: Mutex<HashMap<u64, bool>>,
    /// User ids by username, asked once a run (`None`: no such user).
    user_ids: Mutex<HashMap<String, Option<u64>>>,
    pacer: SharedPacer,
    stats: Mutex<RequestStats>,
    waiting: Mutex<WaitAllowance>,
    saved: AtomicBool,
}

/// What the cache file holds for GitLab: the syncing user, by a SHA-256 of the token (never
/// the token), so that a run with nothing new need not ask for it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    tracker: String,
    #[serde(default)]
    user: Option<CachedUser>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedUser {
    token_sha256: String,
    id: u64,
    username: String,
}

/// An HTTP answer, read completely.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// GitLab's message (`message` or `error`), else the start of the body, without the token.
    fn message(&self, token: Option<&secrecy::SecretString>) -> String {
        let value: Option<serde_json::Value> = serde_json::from_str(&self.body).ok();
        let message = value.as_ref().and_then(|v| {
            let m = v.get("message").or_else(|| v.get("error"))?;
            Some(match m {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        });
        match message {
            Some(message) => without_secret(message, token),
            None => without_secret(self.body.clone(), token)
                .chars()
                .take(200)
                .collect(),
        }
    }
}

impl GitLab {
    /// Builds the client and reads the cache file. Makes no request; fails without a token.
    pub fn connect(
        target: &Target,
        config: &GitLabConfig,
        options: ConnectOptions,
    ) -> anyhow::Result<GitLab> {
        let Some(token) = &target.token else {
            anyhow::bail!("{}", target.missing_token());
        };
        let mut headers = HeaderMap::new();
        let mut value = HeaderValue::from_str(token.expose_secret())
            .context("GITLAB_TOKEN holds characters a header cannot carry")?;
        value.set_sensitive(true);
        headers.insert("PRIVATE-TOKEN", value);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("aftercare/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(READ_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot set up the GitLab client")?;
        let cache_file = options.cache_file.map(|p| p.with_extension("gitlab.json"));
        let cache = cache_file
            .as_deref()
            .map(|path| {
                cache_file::read(path, |c: &CacheFile| {
                    c.version == CACHE_VERSION && c.tracker == "gitlab"
                })
            })
            .unwrap_or_default();
        let incremental = Incremental::new(
            cache_file.as_deref().map(snapshot_path),
            options.full_every,
            SINCE_OVERLAP,
            options.full,
            options.verbose,
        )
        .keeping_body_digests(markdown::body_digest);
        Ok(GitLab {
            http,
            target: target.clone(),
            verbose: options.verbose,
            dropped_labels: config.dropped_labels.clone(),
            text: Markdown {
                file_base: target.file_base.clone(),
                max_title_chars: markdown::GITLAB_MAX_TITLE_CHARS,
            },
            cache_file,
            cache: Mutex::new(cache),
            user: Mutex::new(None),
            incremental,
            members: Mutex::new(HashMap::new()),
            user_ids: Mutex::new(HashMap::new()),
            pacer: options.pacer.clone().unwrap_or_else(|| {
                Arc::new(Mutex::new(WritePacer::tracker(
                    options.write_interval,
                    &GITLAB_WINDOWS,
                )))
            }),
            stats: Mutex::new(RequestStats::default()),
            waiting: Mutex::new(WaitAllowance::new(MAX_TOTAL_WAIT)),
            saved: AtomicBool::new(false),
        })
    }

    fn project_path(&self) -> String {
        format!("/projects/{}", self.target.project_segment())
    }

    fn issue_path(&self, issue: &IssueRef) -> String {
        format!("{}/issues/{}", self.project_path(), issue.id)
    }

    fn syncing_user(&self) -> Option<RawUser> {
        lock(&self.user).clone()
    }

    /// Asks who the token belongs to unless this client knows already. The client of another
    /// project in a fleet is not asked for its identity, and a login adopted from another
    /// client would not do: GitLab names authors by id. Without the user, its own issues
    /// would be neither listed by author nor found again after a create whose answer was lost.
    async fn know_user(&self) -> Result<(), TrackerError> {
        if self.syncing_user().is_none() {
            self.identity().await?;
        }
        Ok(())
    }

    /// What this run's listing covers: one project as one user sees it, by these labels.
    fn scope(&self, labels: &[String]) -> Scope {
        Scope {
            place: format!("{} {}", self.target.api_base(), self.target.project),
            login: self.syncing_user().map(|u| u.username).unwrap_or_default(),
            labels: labels.to_vec(),
        }
    }

    /// A SHA-256 of the token, to remember the user it belongs to without keeping it.
    fn token_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let token = self
            .target
            .token
            .as_ref()
            .map(|t| t.expose_secret().as_bytes());
        format!("{:x}", Sha256::digest(token.unwrap_or_default()))
    }

    /// Sends one request, once. `Err` means no answer arrived.
    async fn send_once(
        &self,
        method: &reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, reqwest::Error> {
        let is_write = method != reqwest::Method::GET;
        if is_write {
            self.pace_write().await;
        }
        let started = Instant::now();
        let url = format!("{}{path}", self.target.api_base());
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let result = request.send().await;
        if is_write {
            lock(&self.pacer).record(Instant::now());
        }
        let response = match result {
            Ok(response) => response,
            Err(err) => {
                if self.verbose > 0 {
                    eprintln!("{method} {path} → no answer ({})", short_error(&err));
                }
                return Err(err);
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await?;
        {
            let mut stats = lock(&self.stats);
            if is_write {
                stats.writes += 1;
            } else {
                stats.gets += 1;
            }
        }
        let answer = Answer {
            status,
            headers,
            body: text,
        };
        if self.verbose > 0 {
            let left = answer
                .header("ratelimit-remaining")
                .map(|r| format!(", {r} left"))
                .unwrap_or_default();
            eprintln!(
                "{method} {path} → {status} in {} ms{left}",
                started.elapsed().as_millis()
            );
        }
        Ok(answer)
    }

    async fn pace_write(&self) {
        let wait = lock(&self.pacer).wait(Instant::now());
        if let Some(wait) = wait {
            tokio::time::sleep(wait.duration).await;
        }
    }

    /// Sends a request, retrying by the rules in the module documentation. `missing_ok`
    /// returns a 404 as an answer instead of an error.
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
        safe_to_resend: bool,
        missing_ok: bool,
    ) -> Result<Answer, TrackerError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let what = || format!("{method} {path}");
            let answer = match self.send_once(&method, path, body.as_ref()).await {
                Ok(answer) => answer,
                Err(err) => {
                    let err = anyhow::Error::new(err).context("no answer from GitLab");
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
            if (200..300).contains(&answer.status) || (missing_ok && answer.status == 404) {
                return Ok(answer);
            }
            let message = answer.message(self.target.token.as_ref());
            if answer.status == 429 {
                // Refused, so nothing was done: safe to send again, whatever the method.
                let retry_after = answer
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let reset = answer
                    .header("ratelimit-reset")
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
                let wait = retry_after
                    .or_else(|| reset.map(|r| (r - Utc::now()).to_std().unwrap_or_default()))
                    .unwrap_or_else(|| backoff(attempt));
                let limit = if retry_after.is_some() {
                    MAX_RETRY_AFTER
                } else {
                    MAX_RESET_WAIT.max(backoff(MAX_ATTEMPTS))
                };
                if wait > limit || attempt >= MAX_ATTEMPTS || !self.may_wait(wait) {
                    let until = chrono::Duration::from_std(wait)
                        .ok()
                        .and_then(|d| Utc::now().checked_add_signed(d))
                        .unwrap_or(DateTime::<Utc>::MAX_UTC);
                    return Err(TrackerError::RateLimited {
                        limit: "GitLab's rate limit",
                        until,
                    });
                }
                self.wait(wait, "rate limit").await;
                continue;
            }
            if answer.status >= 500 {
                let err = anyhow!("GitLab answered {} {}", answer.status, message);
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
            return Err(self.refusal(&method, &answer, message));
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

    /// A 4xx answer, worded for people, with GitLab's message as the cause.
    fn refusal(&self, method: &reqwest::Method, answer: &Answer, message: String) -> TrackerError {
        let cause = anyhow!("GitLab answered {}: {message}", answer.status);
        let project = &self.target.project;
        let advice = match answer.status {
            401 => "GitLab rejected the token: check GITLAB_TOKEN (it may be expired or revoked)"
                .to_string(),
            403 if method != reqwest::Method::GET => format!(
                "the token may not write issues in {project}: it needs the `api` scope and at \
                 least the Reporter role (Developer to close and reopen)"
            ),
            403 => format!(
                "the token may not read the issues of {project}: it needs the `api` or \
                 `read_api` scope and a role in the project, and issues must be enabled in it"
            ),
            404 => format!(
                "GitLab project {project} not found, not visible to the token, or its issues \
                 are disabled"
            ),
            400 | 422 => {
                return TrackerError::Invalid {
                    field: invalid_field(&answer.body),
                    error: cause.context("GitLab rejected the request as invalid"),
                };
            }
            _ => "GitLab refused the request".to_string(),
        };
        if matches!(answer.status, 401 | 403 | 404) {
            TrackerError::Refused(cause.context(advice))
        } else {
            TrackerError::Other(cause.context(advice))
        }
    }

    fn issue_from(&self, answer: &Answer, trusted: bool) -> Result<TrackedIssue, TrackerError> {
        let raw: RawIssue =
            serde_json::from_str(&answer.body).context("cannot read the issue GitLab returned")?;
        Ok(raw.into_tracked(trusted, &self.dropped_labels))
    }

    /// Whether the author of `raw` may speak for a task: the syncing user, or a member of the
    /// project (inherited memberships too) from the Reporter role up. Only issues that carry a
    /// marker are asked about, each author once a run.
    async fn trusted(&self, raw: &RawIssue) -> Result<bool, TrackerError> {
        let Some(author) = raw.author_id() else {
            return Ok(false);
        };
        let marked = raw
            .description
            .as_deref()
            .is_some_and(|d| markdown::find_key(d).is_some());
        self.may_speak(author, marked).await
    }

    /// Whether user `author` may speak for aftercare: the syncing user, or (when `ask`) a
    /// member of the project from the Reporter role up, asked once a run per author.
    async fn may_speak(&self, author: u64, ask: bool) -> Result<bool, TrackerError> {
        if self.syncing_user().is_some_and(|u| u.id == author) {
            return Ok(true);
        }
        if !ask {
            return Ok(false);
        }
        if let Some(known) = lock(&self.members).get(&author) {
            return Ok(*known);
        }
        let path = format!("{}/members/all/{author}", self.project_path());
        let answer = self
            .request(reqwest::Method::GET, &path, None, true, true)
            .await?;
        let trusted = answer.status != 404
            && serde_json::from_str::<RawMember>(&answer.body)
                .map(|m| m.access_level >= REPORTER)
                .unwrap_or(false);
        lock(&self.members).insert(author, trusted);
        Ok(trusted)
    }

    /// Every item of a paginated list, `path` being its first page (with `per_page` and no
    /// `page`), following `x-next-page`.
    async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<Vec<T>, TrackerError> {
        let mut items = Vec::new();
        let mut page = "1".to_string();
        loop {
            let answer = self
                .request(
                    reqwest::Method::GET,
                    &format!("{path}&page={page}"),
                    None,
                    true,
                    false,
                )
                .await?;
            let more: Vec<T> = serde_json::from_str(&answer.body)
                .with_context(|| format!("cannot read {what} GitLab returned"))?;
            items.extend(more);
            match next_page(&answer) {
                Some(next) if next != page => page = next,
                _ => return Ok(items),
            }
        }
    }

    /// The ids of `usernames`; an unknown one is an invalid `assignees` field, which sync turns
    /// into a warning and an unassigned issue.
    async fn assignee_ids(&self, usernames: &[String]) -> Result<Vec<u64>, TrackerError> {
        let mut ids = Vec::new();
        for name in usernames {
            let known = lock(&self.user_ids).get(name).copied();
            let id = match known {
                Some(id) => id,
                None => {
                    let query: String = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("username", name)
                        .finish();
                    let answer = self
                        .request(
                            reqwest::Method::GET,
                            &format!("/users?{query}"),
                            None,
                            true,
                            false,
                        )
                        .await?;
                    let users: Vec<RawUser> = serde_json::from_str(&answer.body)
                        .context("cannot read the users GitLab returned")?;
                    let id = users
                        .iter()
                        .find(|u| u.username.eq_ignore_ascii_case(name))
                        .map(|u| u.id);
                    lock(&self.user_ids).insert(name.clone(), id);
                    id
                }
            };
            match id {
                Some(id) => ids.push(id),
                None => {
                    return Err(TrackerError::Invalid {
                        field: Some("assignees".into()),
                        error: anyhow!("GitLab has no user {name}"),
                    });
                }
            }
        }
        Ok(ids)
    }

    /// Writes the cache file (done when the client is dropped if not called before).
    fn save_cache(&self) -> anyhow::Result<()> {
        self.saved.store(true, Ordering::Relaxed);
        let Some(path) = &self.cache_file else {
            return Ok(());
        };
        let mut cache = lock(&self.cache);
        cache.version = CACHE_VERSION;
        cache.tracker = "gitlab".into();
        cache_file::write(path, &*cache)
    }
}

impl Drop for GitLab {
    fn drop(&mut self) {
        if self.saved.load(Ordering::Relaxed) {
            return;
        }
        if let Err(err) = self.save_cache() {
            eprintln!("warning: {err:#}");
        }
    }
}

impl Tracker for GitLab {
    fn name(&self) -> &'static str {
        "GitLab"
    }

    fn place(&self) -> String {
        self.target.project.clone()
    }

    fn trust_rule(&self) -> &'static str {
        "a project member with at least the Reporter role"
    }

    fn text(&self) -> &dyn IssueText {
        &self.text
    }

    async fn identity(&self) -> Result<Identity, TrackerError> {
        let hash = self.token_hash();
        let cached = lock(&self.cache)
            .user
            .clone()
            .filter(|u| u.token_sha256 == hash);
        let user = match cached {
            Some(user) => RawUser {
                id: user.id,
                username: user.username,
            },
            None => {
                let answer = self
                    .request(reqwest::Method::GET, "/user", None, true, false)
                    .await?;
                let user: RawUser = serde_json::from_str(&answer.body)
                    .context("cannot read the user GitLab returned")?;
                lock(&self.cache).user = Some(CachedUser {
                    token_sha256: hash,
                    id: user.id,
                    username: user.username.clone(),
                });
                user
            }
        };
        let login = user.username.clone();
        *lock(&self.user) = Some(user);
        Ok(Identity { login })
    }

    async fn list(&self, labels: &[String]) -> Result<Vec<TrackedIssue>, TrackerError> {
        self.know_user().await?;
        self.incremental.list(self, self.scope(labels)).await
    }

    async fn issue(&self, issue: &IssueRef) -> Result<Option<TrackedIssue>, TrackerError> {
        let answer = self
            .request(
                reqwest::Method::GET,
                &self.issue_path(issue),
                None,
                true,
                true,
            )
            .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let raw: RawIssue =
            serde_json::from_str(&answer.body).context("cannot read the issue GitLab returned")?;
        let trusted = self.trusted(&raw).await?;
        let found = raw.into_tracked(trusted, &self.dropped_labels);
        Ok((found.issue == *issue).then_some(found))
    }

    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        let assignee_ids = self.assignee_ids(&issue.assignees).await?;
        let body = serde_json::json!({
            "title": issue.title,
            "description": issue.body,
            "labels": issue.labels.join(","),
            "assignee_ids": assignee_ids,
        });
        let path = format!("{}/issues", self.project_path());
        let answer = self
            .request(reqwest::Method::POST, &path, Some(body), false, false)
            .await?;
        self.issue_from(&answer, true)
    }

    async fn edit_issue(
        &self,
        issue: &IssueRef,
        edit: &IssueEdit,
    ) -> Result<Option<TrackedIssue>, TrackerError> {
        let mut body = serde_json::Map::new();
        if let Some(title) = &edit.title {
            body.insert("title".into(), title.clone().into());
        }
        if let Some(text) = &edit.body {
            body.insert("description".into(), text.clone().into());
        }
        let (mut add, mut remove) = edit
            .labels
            .as_ref()
            .map(|l| (l.add.clone(), l.remove.clone()))
            .unwrap_or_default();
        match edit.state {
            None => {}
            Some(StateChange::DropNotPlanned) => {
                body.insert("state_event".into(), "close".into());
                add.push(NOT_PLANNED_LABEL.into());
            }
            Some(StateChange::DropDuplicate) => {
                body.insert("state_event".into(), "close".into());
                add.push(DUPLICATE_LABEL.into());
            }
            Some(StateChange::Reopen) => {
                body.insert("state_event".into(), "reopen".into());
                remove.push(NOT_PLANNED_LABEL.into());
            }
        }
        if !add.is_empty() {
            body.insert("add_labels".into(), add.join(",").into());
        }
        if !remove.is_empty() {
            body.insert("remove_labels".into(), remove.join(",").into());
        }
        if let Some(assignees) = &edit.assignees {
            let ids = self.assignee_ids(assignees).await?;
            body.insert("assignee_ids".into(), serde_json::json!(ids));
        }
        let answer = self
            .request(
                reqwest::Method::PUT,
                &self.issue_path(issue),
                Some(serde_json::Value::Object(body)),
                true,
                false,
            )
            .await?;
        let raw: RawIssue =
            serde_json::from_str(&answer.body).context("cannot read the issue GitLab returned")?;
        let trusted = self.trusted(&raw).await?;
        Ok(Some(raw.into_tracked(trusted, &self.dropped_labels)))
    }

    async fn comment(&self, issue: &IssueRef, body: &str) -> Result<(), TrackerError> {
        let path = format!("{}/notes", self.issue_path(issue));
        self.request(
            reqwest::Method::POST,
            &path,
            Some(serde_json::json!({ "body": body })),
            false,
            false,
        )
        .await?;
        Ok(())
    }

    async fn comments(&self, issue: &IssueRef) -> Result<Vec<IssueComment>, TrackerError> {
        let path = format!(
            "{}/notes?sort=asc&order_by=created_at&per_page=100",
            self.issue_path(issue)
        );
        let notes: Vec<RawNote> = self
            .all_pages(&path, &format!("the notes of issue {issue}"))
            .await?;
        let mut comments = Vec::with_capacity(notes.len());
        for note in notes.into_iter().filter(|n| !n.system) {
            let body = note.body.unwrap_or_default();
            let trusted = match &note.author {
                Some(author) => {
                    let marked = body.contains("aftercare:reminder");
                    self.may_speak(author.id, marked).await?
                }
                None => false,
            };
            comments.push(IssueComment {
                author: note.author.map(|a| a.username).unwrap_or_default(),
                trusted,
                body,
            });
        }
        Ok(comments)
    }

    async fn closed_by_merge(&self, issue: &IssueRef) -> Result<Option<bool>, TrackerError> {
        let path = format!("{}/closed_by?per_page=100", self.issue_path(issue));
        let requests: Vec<RawMergeRequest> = self
            .all_pages(&path, &format!("the merge requests closing issue {issue}"))
            .await?;
        Ok(Some(requests.iter().any(RawMergeRequest::merged)))
    }

    async fn find_created(&self, key: &TaskKey) -> Result<Option<TrackedIssue>, TrackerError> {
        self.know_user().await?;
        let login = self.syncing_user().map(|u| u.username).unwrap_or_default();
        listing::find_created(self, key, &login).await
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

impl Lister for GitLab {
    async fn list_complete(&self, scope: &Scope) -> Result<Listed, TrackerError> {
        listing::list_complete(self, &scope.labels, &scope.login).await
    }

    async fn list_changed(&self, since: Option<DateTime<Utc>>) -> Result<Listed, TrackerError> {
        listing::list_changed(self, since).await
    }
}

impl Pages for GitLab {
    async fn page(
        &self,
        query: &IssueQuery,
        cursor: Option<&str>,
    ) -> Result<IssuePage, TrackerError> {
        let query = {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("state", "all");
            if let Some(label) = &query.label {
                q.append_pair("labels", label);
            }
            if let Some(creator) = &query.creator {
                q.append_pair("author_username", creator);
            }
            if let Some(since) = query.since {
                q.append_pair(
                    "updated_after",
                    &since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                );
            }
            let (order_by, sort) = match query.order {
                ListOrder::Created => ("created_at", "asc"),
                ListOrder::NewestCreated => ("created_at", "desc"),
                ListOrder::RecentlyUpdated => ("updated_at", "desc"),
            };
            q.append_pair("order_by", order_by);
            q.append_pair("sort", sort);
            q.append_pair("per_page", "100");
            q.append_pair("page", cursor.unwrap_or("1"));
            q.finish()
        };
        let path = format!("{}/issues?{query}", self.project_path());
        let answer = self
            .request(reqwest::Method::GET, &path, None, true, false)
            .await?;
        let raws: Vec<RawIssue> =
            serde_json::from_str(&answer.body).context("cannot read the issue list")?;
        let mut issues = Vec::with_capacity(raws.len());
        for raw in raws {
            let trusted = self.trusted(&raw).await?;
            issues.push(raw.into_tracked(trusted, &self.dropped_labels));
        }
        Ok(IssuePage {
            issues,
            next: next_page(&answer),
        })
    }
}

/// The next page GitLab names in `x-next-page` (empty on the last page).
fn next_page(answer: &Answer) -> Option<String> {
    answer
        .header("x-next-page")
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

/// The field a 400 names: GitLab answers `{"message": {"assignee_ids": [...]}}` or
/// `{"error": "title is missing"}`.
fn invalid_field(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let message = value.get("message")?.as_object()?;
    let field = message.keys().next()?;
    Some(match field.as_str() {
        "assignee_ids" | "assignee_id" => "assignees".to_string(),
        other => other.to_string(),
    })
}

/// A transport error in a few words, without the request (whose headers hold the token).
fn short_error(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "cannot connect".to_string()
    } else {
        "the connection failed".to_string()
    }
}
