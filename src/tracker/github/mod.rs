//! The GitHub implementation of the tracker, over octocrab.
//!
//! octocrab provides the HTTP client, authentication, timeouts and redirects; its own retry is
//! switched off (`RetryConfig::None`) because it re-sends a POST whose first attempt may already
//! have created an issue. This module retries by itself, by rule:
//!
//! - reads and edits (a PATCH with the same content is idempotent) are retried with exponential
//!   backoff on 5xx, 429, timeouts and connection errors;
//! - every request refused by a rate limit is retried, since GitHub did nothing: a secondary
//!   limit waits `retry-after` (else 60 s, doubling), a spent primary budget waits until
//!   `x-ratelimit-reset` when that is at most [`MAX_RESET_WAIT`] away and otherwise stops with
//!   [`TrackerError::BudgetSpent`];
//! - all those waits together stay within [`MAX_TOTAL_WAIT`] a run: past it, and when one
//!   request keeps failing through all its attempts, the run stops and says how far it got;
//! - a create or comment whose outcome is unknown (5xx, dropped connection, timeout) is never
//!   re-sent here: [`TrackerError::OutcomeUnknown`] lets the caller look before writing again.
//!
//! Writes are sent one at a time, at least [`ConnectOptions::write_interval`] apart.
//!
//! Listing is incremental ([`crate::tracker::snapshot`], [`listing`]): the last complete view of
//! the issues is kept in a snapshot file beside the cache file, and a run lists only the issues
//! updated since that view's watermark, less [`SINCE_OVERLAP`]; a complete listing runs when the
//! snapshot cannot be trusted, every `full_every`, and with `--full`. A sync that wrote brings
//! the snapshot up to date after its writes ([`Tracker::settle`]), so that the next run does not
//! read its own writes again. The cache file keeps the ETags and bodies of small GETs (the
//! listings of changes; never the pages of a complete listing, which the snapshot holds
//! already), keyed by URL and a SHA-256 of the token, so that an unchanged listing is answered
//! `304` and spends no budget, and the login of the last token, keyed by its SHA-256 (never
//! the token). A corrupt cache file is ignored with a warning. Issues are read into this module's own serde
//! structs, which tolerate values GitHub may add. The token is only ever handed to octocrab as a
//! secret; requests are logged at `-v` without headers, and no error or log line contains it.
//!
//! A [`WritePacer`] also keeps writes within GitHub's content-creation limits of 80 a minute
//! and 500 an hour, and says on standard error when that holds the run back for long; a zero
//! write interval switches all pacing off.

pub mod target;
mod wire;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::TaskKey;
use crate::pacing::{self, WaitCause, WritePacer};
pub use crate::tracker::ConnectOptions;
use crate::tracker::cache_file;
use crate::tracker::listing::{self, IssuePage, IssueQuery, ListOrder, Pages};
use crate::tracker::markdown::{self, Markdown};
pub use crate::tracker::retry::MAX_RETRY_AFTER;
use crate::tracker::retry::{
    self, MAX_ATTEMPTS, MAX_RESET_WAIT, MAX_TOTAL_WAIT, WaitAllowance, backoff, lock,
    without_secret,
};
use crate::tracker::snapshot::{Incremental, Listed, Lister, Scope, snapshot_path};
use crate::tracker::{
    Identity, IssueComment, IssueEdit, IssueRef, IssueText, NewIssue, RequestStats, SharedPacer,
    StateChange, TrackedIssue, Tracker, TrackerError,
};
use target::{RepoName, Target};
use wire::{RawComment, RawIssue, TimelineEvent, compact};

/// GitHub's advice for a secondary limit without `retry-after`.
const SECONDARY_DEFAULT_WAIT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Login of the author of what a GitHub Actions `GITHUB_TOKEN` creates.
pub const ACTIONS_LOGIN: &str = "github-actions[bot]";
/// How far before the snapshot's watermark a listing of the changes starts, for an update
/// that GitHub's listings showed late.
pub const SINCE_OVERLAP: Duration = Duration::from_secs(60);

/// A repository's issues on GitHub (or GitHub Enterprise Server).
pub struct GitHub {
    client: Octocrab,
    repo: RepoName,
    api_base: String,
    has_token: bool,
    /// Hex SHA-256 of the token (or of nothing), to key the cache by identity.
    token_hash: String,
    /// The token, kept only to cut it out of GitHub's error messages, which may quote it.
    token: Option<secrecy::SecretString>,
    /// The token's login when known without asking (the Actions `GITHUB_TOKEN`).
    known_login: Option<String>,
    verbose: u8,
    cache_file: Option<PathBuf>,
    cache: Mutex<CacheFile>,
    login: Mutex<Option<String>>,
    /// The listing snapshot and when to list everything.
    incremental: Incremental,
    text: Markdown,
    pacer: SharedPacer,
    /// Set once a long wait for a pacing window has been announced on standard error.
    pacing_announced: std::sync::atomic::AtomicBool,
    stats: Mutex<RequestStats>,
    /// Time spent so far waiting on refusals and failures, within [`MAX_TOTAL_WAIT`].
    waiting: Mutex<WaitAllowance>,
    /// Set once [`GitHub::save_cache`] has run, so that dropping the client does not write (or
    /// warn) a second time.
    saved: std::sync::atomic::AtomicBool,
}

/// What the cache file holds.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    #[serde(default)]
    responses: BTreeMap<String, CachedResponse>,
    /// The login of the last token that asked, so that the next run with it need not ask.
    #[serde(default)]
    login: Option<CachedLogin>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedLogin {
    /// Hex SHA-256 of the token.
    token_sha256: String,
    login: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedResponse {
    etag: String,
    body: String,
    /// The `Link` header of the cached page.
    #[serde(default)]
    link: Option<String>,
}

/// Version 4 keeps `closed_at` in cached listings and ETags only for change listings;
/// older caches are dropped.
const CACHE_VERSION: u32 = 4;

impl GitHub {
    /// Builds the client and reads the cache file. Makes no request.
    pub fn connect(target: &Target, options: ConnectOptions) -> anyhow::Result<GitHub> {
        let mut builder = Octocrab::builder()
            .base_uri(target.api_base.as_str())
            .with_context(|| format!("invalid GitHub API address {:?}", target.api_base))?
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(CONNECT_TIMEOUT))
            .set_read_timeout(Some(READ_TIMEOUT))
            .set_write_timeout(Some(READ_TIMEOUT))
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            );
        if let Some(token) = &target.token {
            builder = builder.personal_token(token.clone());
        }
        let client = builder.build().context("cannot set up the GitHub client")?;
        let token_hash = {
            let secret = target.token.as_ref().map(|t| t.expose_secret().as_bytes());
            format!("{:x}", Sha256::digest(secret.unwrap_or_default()))
        };
        let cache = match &options.cache_file {
            Some(path) => cache_file::read(path, |c: &CacheFile| c.version == CACHE_VERSION),
            None => CacheFile::default(),
        };
        Ok(GitHub {
            client,
            repo: target.repo.clone(),
            api_base: target.api_base.clone(),
            has_token: target.token.is_some(),
            token_hash,
            token: target.token.clone(),
            known_login: target.known_login.clone(),
            verbose: options.verbose,
            incremental: Incremental::new(
                options.cache_file.as_deref().map(snapshot_path),
                options.full_every,
                SINCE_OVERLAP,
                options.full,
                options.verbose,
            )
            .keeping_body_digests(markdown::body_digest),
            cache_file: options.cache_file,
            cache: Mutex::new(cache),
            login: Mutex::new(None),
            text: Markdown {
                file_base: target.file_base.clone(),
                max_title_chars: markdown::GITHUB_MAX_TITLE_CHARS,
            },
            pacer: (options.pacer.clone()).unwrap_or_else(|| {
                Arc::new(Mutex::new(WritePacer::github(options.write_interval)))
            }),
            pacing_announced: std::sync::atomic::AtomicBool::new(false),
            stats: Mutex::new(RequestStats::default()),
            waiting: Mutex::new(WaitAllowance::new(MAX_TOTAL_WAIT)),
            saved: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Writes the cache file (done when the client is dropped if not called before).
    pub fn save_cache(&self) -> anyhow::Result<()> {
        self.saved.store(true, std::sync::atomic::Ordering::Relaxed);
        let Some(path) = &self.cache_file else {
            return Ok(());
        };
        let mut cache = lock(&self.cache);
        cache.version = CACHE_VERSION;
        cache_file::write(path, &*cache)
    }

    fn repo_path(&self) -> String {
        format!("/repos/{}/{}", self.repo.owner, self.repo.name)
    }

    /// What this run's listing covers: the snapshot of one repository as one login sees it
    /// (whatever token it used: a GitHub Actions token is new on every run, and the snapshot
    /// must outlive it), listed by the configured labels.
    fn scope(&self, labels: &[String]) -> Scope {
        Scope {
            place: format!("{} {}", self.api_base, self.repo),
            login: self.syncing_login(),
            labels: labels.to_vec(),
        }
    }

    /// A request path relative to the API base, from a `Link` URL; `None` for a URL on another
    /// server, which is never followed (it would receive the token).
    fn relative(&self, url: &str) -> Option<String> {
        let rest = url.strip_prefix(&self.api_base)?;
        rest.starts_with('/').then(|| rest.to_string())
    }

    /// Waits until the next write keeps the pace; announces the first wait for a window (the
    /// hour window can hold a run for most of an hour) on standard error, once.
    async fn pace_write(&self) {
        let now = Instant::now();
        let (wait, sent) = {
            let pacer = lock(&self.pacer);
            let wait = pacer.wait(now);
            let sent = match wait.map(|w| w.cause) {
                Some(WaitCause::Window(window)) => pacer.sent_within(window.length, now),
                _ => 0,
            };
            (wait, sent)
        };
        let Some(wait) = wait else {
            return;
        };
        if let WaitCause::Window(window) = wait.cause {
            if !self
                .pacing_announced
                .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                let resume =
                    Utc::now() + chrono::TimeDelta::from_std(wait.duration).unwrap_or_default();
                eprintln!(
                    "{}",
                    pacing::window_notice(window, sent, wait.duration, resume)
                );
            }
        }
        tokio::time::sleep(wait.duration).await;
    }

    /// Sends one request, once. `Err` means no answer arrived (transport error or timeout).
    async fn send_once(
        &self,
        method: &http::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        headers: HeaderMap,
    ) -> Result<Answer, octocrab::Error> {
        let is_write = method != http::Method::GET;
        if is_write {
            self.pace_write().await;
        }
        let started = Instant::now();
        let result = match *method {
            http::Method::GET => self.client._get_with_headers(path, Some(headers)).await,
            http::Method::POST => self.client._post(path, body).await,
            _ => self.client._patch(path, body).await,
        };
        if is_write {
            lock(&self.pacer).record(Instant::now());
        }
        let answer = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let text = self.client.body_to_string(response).await?;
                Answer {
                    status,
                    headers,
                    body: text,
                }
            }
            Err(err) => {
                if self.verbose > 0 {
                    eprintln!("{method} {path} → no answer ({})", short_error(&err));
                }
                return Err(err);
            }
        };
        {
            let mut stats = lock(&self.stats);
            if is_write {
                stats.writes += 1;
            } else {
                stats.gets += 1;
                if answer.status == 304 {
                    stats.not_modified += 1;
                }
            }
        }
        if self.verbose > 0 {
            let left = answer
                .header("x-ratelimit-remaining")
                .map(|r| format!(", {r} left"))
                .unwrap_or_default();
            eprintln!(
                "{method} {path} → {} in {} ms{left}",
                answer.status,
                started.elapsed().as_millis()
            );
        }
        Ok(answer)
    }

    /// Sends a request, retrying by the rules in the module documentation; a GET's answer is
    /// kept in the cache file for a conditional request next time.
    async fn request(
        &self,
        method: http::Method,
        path: &str,
        body: Option<serde_json::Value>,
        safe_to_resend: bool,
    ) -> Result<Answer, TrackerError> {
        self.request_cached(method, path, body, safe_to_resend, true)
            .await
    }

    /// [`GitHub::request`]; `cached: false` keeps a GET's answer out of the cache file.
    async fn request_cached(
        &self,
        method: http::Method,
        path: &str,
        body: Option<serde_json::Value>,
        safe_to_resend: bool,
        cached: bool,
    ) -> Result<Answer, TrackerError> {
        let is_get = method == http::Method::GET;
        let cache_key = format!("{} {path}", self.token_hash);
        let mut secondary_waits = 0u32;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut headers = HeaderMap::new();
            if is_get {
                if let Some(cached) = lock(&self.cache).responses.get(&cache_key) {
                    if let Ok(v) = HeaderValue::from_str(&cached.etag) {
                        headers.insert(http::header::IF_NONE_MATCH, v);
                    }
                }
            }
            let what = || format!("{method} {path}");
            let answer = match self.send_once(&method, path, body.as_ref(), headers).await {
                Ok(answer) => answer,
                Err(err) => {
                    let err = anyhow::Error::new(err).context("no answer from GitHub");
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
            if is_get && answer.status == 304 {
                if let Some(cached) = lock(&self.cache).responses.get(&cache_key) {
                    // The page links are those of the cached page, whatever the 304 carries.
                    let mut headers = answer.headers;
                    headers.remove(http::header::LINK);
                    if let Some(link) = cached.link.as_deref() {
                        if let Ok(v) = HeaderValue::from_str(link) {
                            headers.insert(http::header::LINK, v);
                        }
                    }
                    return Ok(Answer {
                        status: 200,
                        headers,
                        body: cached.body.clone(),
                    });
                }
            }
            if (200..300).contains(&answer.status) {
                if is_get && cached {
                    if let Some(etag) = answer.header("etag") {
                        let link = answer.header("link").map(str::to_string);
                        lock(&self.cache).responses.insert(
                            cache_key.clone(),
                            CachedResponse {
                                etag: etag.to_string(),
                                body: compact(&answer.body),
                                link,
                            },
                        );
                    } else {
                        lock(&self.cache).responses.remove(&cache_key);
                    }
                }
                return Ok(answer);
            }
            let message = answer.message(self.token.as_ref());
            match limit_of(&answer, &message) {
                Some(Limit::Primary { reset }) => {
                    let wait =
                        (reset - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(1);
                    if wait > MAX_RESET_WAIT || attempt >= MAX_ATTEMPTS || !self.may_wait(wait) {
                        return Err(TrackerError::BudgetSpent {
                            tracker: "GitHub",
                            reset,
                        });
                    }
                    self.wait(wait, "budget spent").await;
                    continue;
                }
                Some(Limit::Secondary { retry_after }) => {
                    secondary_waits += 1;
                    let wait = retry_after.unwrap_or_else(|| {
                        SECONDARY_DEFAULT_WAIT * 2u32.saturating_pow(secondary_waits - 1)
                    });
                    if wait > MAX_RETRY_AFTER || attempt >= MAX_ATTEMPTS || !self.may_wait(wait) {
                        let reset = chrono::Duration::from_std(wait)
                            .ok()
                            .and_then(|d| Utc::now().checked_add_signed(d))
                            .unwrap_or(DateTime::<Utc>::MAX_UTC);
                        return Err(TrackerError::RateLimited {
                            limit: "GitHub's secondary rate limit",
                            until: reset,
                        });
                    }
                    self.wait(wait, "secondary rate limit").await;
                    continue;
                }
                None => {}
            }
            if answer.status == 429 {
                // Refused, so nothing was done: safe to send again, whatever the method.
                if attempt < MAX_ATTEMPTS && self.may_wait(backoff(attempt)) {
                    self.wait(backoff(attempt), "too many requests").await;
                    continue;
                }
                return Err(TrackerError::Unavailable(anyhow!(
                    "{} was refused {attempt} times: GitHub answered 429 {message}",
                    what()
                )));
            }
            if answer.status >= 500 {
                let err = anyhow!("GitHub answered {} {}", answer.status, message);
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

    /// Whether the run may still wait `wait` on GitHub within [`MAX_TOTAL_WAIT`].
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

    /// A 4xx answer, worded for people, with GitHub's message as the cause.
    fn refusal(&self, method: &http::Method, answer: &Answer, message: String) -> TrackerError {
        let cause = anyhow!("GitHub answered {}: {message}", answer.status);
        let repo = &self.repo;
        let advice = match answer.status {
            401 => "GitHub rejected the token: check GITHUB_TOKEN or GH_TOKEN".to_string(),
            403 if method != http::Method::GET => format!(
                "the token may not write issues in {repo}: it needs the `issues: write` permission"
            ),
            403 => format!("the token may not read {repo}"),
            404 => format!("repository {repo} not found, or not visible to the token"),
            410 => format!("issues are disabled in {repo}"),
            422 => {
                let field = answer.invalid_field();
                return TrackerError::Invalid {
                    field,
                    error: cause.context("GitHub rejected the request as invalid"),
                };
            }
            _ => "GitHub refused the request".to_string(),
        };
        if matches!(answer.status, 401 | 403 | 404 | 410) {
            TrackerError::Refused(cause.context(advice))
        } else {
            TrackerError::Other(cause.context(advice))
        }
    }

    fn issue_from(&self, answer: &Answer) -> Result<TrackedIssue, TrackerError> {
        let raw: RawIssue =
            serde_json::from_str(&answer.body).context("cannot read the issue GitHub returned")?;
        Ok(raw.into_tracked(&self.syncing_login()))
    }

    fn syncing_login(&self) -> String {
        lock(&self.login).clone().unwrap_or_default()
    }

    /// The path of the page after `answer`'s, if there is one on this server.
    fn next_page(&self, answer: &Answer) -> Result<Option<String>, TrackerError> {
        match answer.next_link() {
            Some(url) => Ok(Some(self.relative(&url).ok_or_else(|| {
                anyhow!("GitHub's next page is on another server ({url}); not following it")
            })?)),
            None => Ok(None),
        }
    }

    fn issue_path(&self, issue: &IssueRef) -> String {
        format!("{}/issues/{}", self.repo_path(), issue.id)
    }
}

impl Drop for GitHub {
    fn drop(&mut self) {
        if self.saved.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        if let Err(err) = self.save_cache() {
            eprintln!("warning: {err:#}");
        }
    }
}

impl Tracker for GitHub {
    fn name(&self) -> &'static str {
        "GitHub"
    }

    fn place(&self) -> String {
        self.repo.to_string()
    }

    fn trust_rule(&self) -> &'static str {
        "a repository owner, member or collaborator"
    }

    fn text(&self) -> &dyn IssueText {
        &self.text
    }

    fn adopt_identity(&self, identity: &Identity) {
        if self.has_token && !identity.login.is_empty() {
            *lock(&self.login) = Some(identity.login.clone());
        }
    }

    async fn identity(&self) -> Result<Identity, TrackerError> {
        if !self.has_token {
            return Ok(Identity {
                login: String::new(),
            });
        }
        let adopted = lock(&self.login).clone();
        let known = adopted.or(self.known_login.clone()).or_else(|| {
            let cache = lock(&self.cache);
            let cached = cache.login.as_ref()?;
            (cached.token_sha256 == self.token_hash).then(|| cached.login.clone())
        });
        if let Some(login) = known {
            *lock(&self.login) = Some(login.clone());
            return Ok(Identity { login });
        }
        let login = match self.request(http::Method::GET, "/user", None, true).await {
            Ok(answer) => {
                #[derive(Deserialize)]
                struct User {
                    login: String,
                }
                let user: User = serde_json::from_str(&answer.body)
                    .context("cannot read the user GitHub returned")?;
                user.login
            }
            // A GitHub Actions token may not read /user; what it creates is authored by
            // github-actions[bot].
            Err(TrackerError::Refused(err))
                if format!("{err:#}").contains("Resource not accessible by integration") =>
            {
                ACTIONS_LOGIN.to_string()
            }
            Err(err) => return Err(err),
        };
        lock(&self.cache).login = Some(CachedLogin {
            token_sha256: self.token_hash.clone(),
            login: login.clone(),
        });
        *lock(&self.login) = Some(login.clone());
        Ok(Identity { login })
    }

    async fn list(&self, labels: &[String]) -> Result<Vec<TrackedIssue>, TrackerError> {
        self.incremental.list(self, self.scope(labels)).await
    }

    async fn issue(&self, issue: &IssueRef) -> Result<Option<TrackedIssue>, TrackerError> {
        let answer = match self
            .request(http::Method::GET, &self.issue_path(issue), None, true)
            .await
        {
            Ok(answer) => answer,
            // Deleted (410) or gone (404); a transferred issue answers as the issue it became,
            // which is another.
            Err(TrackerError::Refused(err)) if is_gone(&err) => return Ok(None),
            Err(err) => return Err(err),
        };
        let found = self.issue_from(&answer)?;
        Ok((found.issue == *issue).then_some(found))
    }

    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        let body = serde_json::json!({
            "title": issue.title,
            "body": issue.body,
            "labels": issue.labels,
            "assignees": issue.assignees,
        });
        let path = format!("{}/issues", self.repo_path());
        let answer = self
            .request(http::Method::POST, &path, Some(body), false)
            .await?;
        self.issue_from(&answer)
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
            body.insert("body".into(), text.clone().into());
        }
        if let Some(labels) = &edit.labels {
            body.insert("labels".into(), serde_json::json!(labels.all));
        }
        if let Some(assignees) = &edit.assignees {
            body.insert("assignees".into(), serde_json::json!(assignees));
        }
        let (state, reason) = match edit.state {
            None => (None, None),
            Some(StateChange::DropNotPlanned) => (Some("closed"), Some("not_planned")),
            Some(StateChange::DropDuplicate) => (Some("closed"), Some("duplicate")),
            Some(StateChange::Reopen) => (Some("open"), Some("reopened")),
        };
        if let (Some(state), Some(reason)) = (state, reason) {
            body.insert("state".into(), state.into());
            body.insert("state_reason".into(), reason.into());
        }
        let answer = self
            .request(
                http::Method::PATCH,
                &self.issue_path(issue),
                Some(serde_json::Value::Object(body)),
                true,
            )
            .await?;
        self.issue_from(&answer).map(Some)
    }

    async fn comment(&self, issue: &IssueRef, body: &str) -> Result<(), TrackerError> {
        let path = format!("{}/comments", self.issue_path(issue));
        self.request(
            http::Method::POST,
            &path,
            Some(serde_json::json!({ "body": body })),
            false,
        )
        .await?;
        Ok(())
    }

    async fn comments(&self, issue: &IssueRef) -> Result<Vec<IssueComment>, TrackerError> {
        let login = self.syncing_login();
        let mut comments = Vec::new();
        let mut path = format!("{}/comments?per_page=100", self.issue_path(issue));
        loop {
            let answer = self.request(http::Method::GET, &path, None, true).await?;
            let page: Vec<RawComment> = serde_json::from_str(&answer.body)
                .with_context(|| format!("cannot read the comments of issue {issue}"))?;
            comments.extend(page.into_iter().map(|c| c.into_comment(&login)));
            match self.next_page(&answer)? {
                Some(next) => path = next,
                None => return Ok(comments),
            }
        }
    }

    async fn closed_by_merge(&self, issue: &IssueRef) -> Result<Option<bool>, TrackerError> {
        let mut path = format!("{}/timeline?per_page=100", self.issue_path(issue));
        loop {
            let answer = self.request(http::Method::GET, &path, None, true).await?;
            let events: Vec<TimelineEvent> = serde_json::from_str(&answer.body)
                .with_context(|| format!("cannot read the timeline of issue {issue}"))?;
            if events.iter().any(TimelineEvent::closed_by_merge) {
                return Ok(Some(true));
            }
            match self.next_page(&answer)? {
                Some(next) => path = next,
                None => return Ok(Some(false)),
            }
        }
    }

    async fn find_created(&self, key: &TaskKey) -> Result<Option<TrackedIssue>, TrackerError> {
        listing::find_created(self, key, &self.syncing_login()).await
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

impl Lister for GitHub {
    async fn list_complete(&self, scope: &Scope) -> Result<Listed, TrackerError> {
        listing::list_complete(self, &scope.labels, &scope.login).await
    }

    async fn list_changed(&self, since: Option<DateTime<Utc>>) -> Result<Listed, TrackerError> {
        listing::list_changed(self, since).await
    }
}

impl Pages for GitHub {
    async fn page(
        &self,
        query: &IssueQuery,
        cursor: Option<&str>,
    ) -> Result<IssuePage, TrackerError> {
        let path = match cursor {
            Some(cursor) => cursor.to_string(),
            None => {
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                q.append_pair("state", "all");
                if let Some(label) = &query.label {
                    q.append_pair("labels", label);
                }
                if let Some(creator) = &query.creator {
                    q.append_pair("creator", creator);
                }
                if let Some(since) = query.since {
                    q.append_pair("since", &github_time(since));
                }
                match query.order {
                    ListOrder::Created => {}
                    ListOrder::NewestCreated => {
                        q.append_pair("sort", "created");
                        q.append_pair("direction", "desc");
                    }
                    ListOrder::RecentlyUpdated => {
                        q.append_pair("sort", "updated");
                        q.append_pair("direction", "desc");
                    }
                }
                q.append_pair("per_page", "100");
                format!("{}/issues?{}", self.repo_path(), q.finish())
            }
        };
        // A listing of changes is small; the pages of a complete listing are in the snapshot.
        let cached = query.since.is_some();
        let answer = self
            .request_cached(http::Method::GET, &path, None, true, cached)
            .await?;
        let items: Vec<serde_json::Value> =
            serde_json::from_str(&answer.body).context("cannot read the issue list")?;
        let login = self.syncing_login();
        let mut issues = Vec::with_capacity(items.len());
        for item in items {
            if item.get("pull_request").is_some_and(|p| !p.is_null()) {
                continue;
            }
            let raw: RawIssue =
                serde_json::from_value(item).context("cannot read an issue in the list")?;
            issues.push(raw.into_tracked(&login));
        }
        let next = self.next_page(&answer)?;
        Ok(IssuePage { issues, next })
    }
}

/// Whether a refusal ([`GitHub::refusal`]) says that the thing asked for is not there (404) or
/// no longer there (410).
fn is_gone(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let text = cause.to_string();
        text.starts_with("GitHub answered 404:") || text.starts_with("GitHub answered 410:")
    })
}

/// A time as GitHub writes it: `2024-01-31T12:00:00Z`.
fn github_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An HTTP answer, read completely.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(HeaderName::from_bytes(name.as_bytes()).ok()?)
            .and_then(|v| v.to_str().ok())
    }

    /// The `next` URL of the `Link` header.
    fn next_link(&self) -> Option<String> {
        next_link(self.header("link")?)
    }

    /// GitHub's error message, or the start of the body when it has none, with every copy of
    /// `token` replaced (before the body is cut, so that no part of it is left).
    fn message(&self, token: Option<&secrecy::SecretString>) -> String {
        #[derive(Deserialize)]
        struct ErrorBody {
            message: Option<String>,
        }
        match serde_json::from_str::<ErrorBody>(&self.body)
            .ok()
            .and_then(|e| e.message)
        {
            Some(message) => without_secret(message, token),
            None => without_secret(self.body.clone(), token)
                .chars()
                .take(200)
                .collect(),
        }
    }

    /// The field a 422 names (`assignees`), if any.
    fn invalid_field(&self) -> Option<String> {
        let value: serde_json::Value = serde_json::from_str(&self.body).ok()?;
        value
            .get("errors")?
            .as_array()?
            .iter()
            .find_map(|e| e.get("field")?.as_str().map(str::to_string))
    }
}

/// Which rate limit refused a request.
enum Limit {
    Primary { reset: DateTime<Utc> },
    Secondary { retry_after: Option<Duration> },
}

fn limit_of(answer: &Answer, message: &str) -> Option<Limit> {
    if answer.status != 403 && answer.status != 429 {
        return None;
    }
    let retry_after = answer
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let lower = message.to_ascii_lowercase();
    let secondary = lower.contains("secondary rate limit")
        || lower.contains("temporarily blocked from content creation");
    if secondary {
        return Some(Limit::Secondary { retry_after });
    }
    if answer.header("x-ratelimit-remaining").map(str::trim) == Some("0") {
        let reset = answer
            .header("x-ratelimit-reset")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
            .unwrap_or_else(|| Utc::now() + chrono::Duration::seconds(60));
        return Some(Limit::Primary { reset });
    }
    retry_after.map(|d| Limit::Secondary {
        retry_after: Some(d),
    })
}

/// The `next` URL of a `Link` header value.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

/// A transport error in a few words, without the request (whose headers hold the token).
fn short_error(err: &octocrab::Error) -> String {
    let text = err.to_string();
    text.lines().next().unwrap_or("transport error").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_the_others() {
        let link = "<https://api.github.com/repositories/1/issues?page=2>; rel=\"next\", \
                    <https://api.github.com/repositories/1/issues?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        assert_eq!(next_link("<https://x/issues?page=1>; rel=\"prev\""), None);
        assert_eq!(next_link("garbage"), None);
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        Answer {
            status,
            headers: map,
            body: body.to_string(),
        }
    }

    #[test]
    fn limits_are_told_apart_by_message_and_headers() {
        let a = answer(
            403,
            &[("retry-after", "3")],
            r#"{"message":"You have exceeded a secondary rate limit. Please wait."}"#,
        );
        assert!(matches!(
            limit_of(&a, &a.message(None)),
            Some(Limit::Secondary { retry_after: Some(d) }) if d == Duration::from_secs(3)
        ));
        let a = answer(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "2000000000"),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1."}"#,
        );
        assert!(matches!(
            limit_of(&a, &a.message(None)),
            Some(Limit::Primary { reset }) if reset.timestamp() == 2_000_000_000
        ));
        let a = answer(
            403,
            &[("x-ratelimit-remaining", "10")],
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert!(limit_of(&a, &a.message(None)).is_none());
        // A bare 429 is not a limit with a known wait: it is retried with backoff.
        let a = answer(429, &[], r#"{"message":"Too Many Requests"}"#);
        assert!(limit_of(&a, &a.message(None)).is_none());
    }

    #[test]
    fn a_token_quoted_in_an_error_page_is_replaced_before_the_page_is_cut() {
        let token = secrecy::SecretString::from("ghp_0123456789abcdefghijklmnopqrstuvwxyz");
        // Not JSON, so the message is the start of the page; the token straddles the cut.
        let page = format!(
            "{}Bearer ghp_0123456789abcdefghijklmnopqrstuvwxyz",
            "x".repeat(180)
        );
        let a = answer(401, &[], &page);
        assert_eq!(
            a.message(Some(&token)),
            format!("{}Bearer [token]", "x".repeat(180))
        );
        let a = answer(
            401,
            &[],
            r#"{"message":"Bad credentials: ghp_0123456789abcdefghijklmnopqrstuvwxyz"}"#,
        );
        assert_eq!(a.message(Some(&token)), "Bad credentials: [token]");
        assert_eq!(
            a.message(None),
            "Bad credentials: ghp_0123456789abcdefghijklmnopqrstuvwxyz"
        );
    }
}
