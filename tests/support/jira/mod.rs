//! An in-process Jira for the tests: a stateful HTTP server on 127.0.0.1 speaking the part of
//! Jira Cloud's REST v3 and Jira Data Center's REST v2 that aftercare uses, so the built binary
//! (with `tracker.url` set to [`Jira::url`]) runs against it unchanged.
//!
//! It serves `GET /myself`, `GET /project/{key}` (with its issue types), `GET
//! /user/permission/search` (who may edit issues), `GET /user/search`, issues (create with
//! `properties` in the body, get with `fields` and `properties`, edit with `fields`, `update`
//! label operations and `properties`), transitions (the workflow To Do → In Progress → Done,
//! with a resolution screen on the way to Done and a Reopen transition back to To Do),
//! comments (add, and list as a `PageOfComments` paged by `startAt` and `maxResults`, oldest
//! first or by `orderBy`, with each comment's author), and search: Cloud's `POST /rest/api/3/search/jql` (`nextPageToken`, no total,
//! `reconcileIssues`) and Data Center's `POST /rest/api/2/search` (`startAt`, `maxResults`,
//! `total`). The old Cloud `/rest/api/3/search` answers `410`. It understands the JQL aftercare
//! sends and answers `400` to anything else, an unbounded query (without `project = `)
//! included.
//!
//! It behaves as Jira does where clients trip: on Cloud a description or comment that is not an
//! Atlassian document is refused with Jira's `400` shape, on Data Center one that is not a
//! string; a label with a space is refused; an unknown issue type or assignee is refused; a
//! transition not available from the issue's status is refused. **Search lag**: an issue
//! created or changed is missing from search for [`Jira::set_search_lag`] search requests,
//! unless its id is in `reconcileIssues` (Cloud); GET issue always sees it.
//!
//! **Time.** The site's clock starts at 2024-05-01 10:00 UTC and moves a second with every
//! change (a create, an edit, a transition, a comment: each sets the issue's `updated`), as a
//! sync paced at a write a second spreads its writes; [`Jira::advance_clock`] moves it on. Times
//! are shown in the account's profile time zone ([`Jira::set_time_zone`], `America/Phoenix`,
//! UTC−7, by default; `timeZone` in `/myself`), and JQL reads dates in it too, as Jira does:
//! `updated >= "2024-05-01 03:05"` (also `>`, `<=`, `<`, on `created` as well; `yyyy-MM-dd
//! HH:mm`, `yyyy/MM/dd HH:mm` or a bare date, to the minute) is the minute that starts at that
//! time in that zone. Conditions join with `AND`; results are ordered by `updated DESC` (newest
//! first, the highest key first among equals), `created ASC, key ASC` or `key ASC`. Faults are
//! scripted per method and path suffix ([`Fault`]): an error status before the request is
//! handled, a `429` with `Retry-After`, or the request handled and then its answer broken off
//! (the client cannot tell whether it was applied).
//!
//! Credentials: on Cloud `Basic` with [`BOT_EMAIL`]:[`BOT_TOKEN`] (the syncing account,
//! `acc-bot`) or [`MALLORY_EMAIL`]:[`MALLORY_TOKEN`] (`acc-mallory`, who may browse but not
//! edit); on Data Center `Bearer` [`BOT_TOKEN`] (`aftercare-bot`) or [`MALLORY_TOKEN`]
//! (`mallory`). Anything else is `401`. Every request is logged with its answer
//! ([`Jira::requests`]), so a test can check Cloud answers against Jira's OpenAPI description.
//!
//! This is test support: it must never be compiled into the shipped binary.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{Value, json};

pub const PROJECT: &str = "OPS";
pub const BOT_EMAIL: &str = "aftercare@acme.test";
pub const BOT_TOKEN: &str = "jira-secret-token-0123456789";
pub const MALLORY_EMAIL: &str = "mallory@acme.test";
pub const MALLORY_TOKEN: &str = "mallory-token-abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    Cloud,
    DataCenter,
}

/// A user of the site.
#[derive(Debug, Clone)]
pub struct User {
    /// accountId on Cloud, username on Data Center.
    pub id: String,
    pub display: String,
    pub email: String,
    pub may_edit: bool,
}

/// One comment as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    /// The author's id (accountId on Cloud, username on Data Center).
    pub author: String,
    /// An ADF document on Cloud, a string on Data Center.
    pub body: Value,
    pub created: u64,
}

/// One issue as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct Issue {
    pub id: u64,
    pub key: String,
    pub summary: String,
    pub description: Value,
    pub status: &'static str,
    pub resolution: Option<String>,
    pub labels: Vec<String>,
    pub assignee: Option<String>,
    pub creator: String,
    /// Seconds of the site's clock ([`Jira::time`]) at the create.
    pub created: u64,
    /// Seconds of the site's clock at the last change.
    pub updated: u64,
    pub properties: BTreeMap<String, Value>,
    pub comments: Vec<Comment>,
    /// The search request from which on search shows the issue as it is now.
    pub searchable_from: u64,
}

/// A scripted fault: the next `times` requests whose method is `method` and whose path (without
/// the query, relative to the API root) ends with `suffix`.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Strikes only the request with this number (1 for the first), whatever its path.
    pub number: Option<u64>,
    pub method: &'static str,
    pub suffix: String,
    pub kind: FaultKind,
    pub times: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer this status before doing anything.
    Status(u16),
    /// `429` with this `Retry-After` (seconds), before doing anything.
    RateLimited(u64),
    /// Handle the request, then break the answer off.
    BreakAfter,
    /// Hold the request without handling it (until the client is killed).
    StallBefore,
    /// Handle the request, then hold the answer back (until the client is killed).
    StallAfter,
}

/// A logged request and its answer.
#[derive(Debug, Clone)]
pub struct Logged {
    /// 1 for the first request received.
    pub number: u64,
    pub method: String,
    /// Relative to the API root, without the query: `/issue/OPS-1`.
    pub path: String,
    pub status: u16,
    pub body: Value,
}

#[derive(Debug)]
struct Inner {
    deployment: Deployment,
    users: Vec<User>,
    issues: Vec<Issue>,
    issue_types: Vec<&'static str>,
    /// Whether the workflow offers a way to Done.
    done_transition: bool,
    permission_search_refused: bool,
    search_lag: u64,
    searches: u64,
    /// Seconds since [`EPOCH`].
    clock: u64,
    /// The profile time zone of every account: its name and its offset from UTC.
    time_zone: (String, FixedOffset),
    faults: Vec<Fault>,
    log: Vec<Logged>,
    received: u64,
    /// Faults striking a seeded random share of requests: the generator and the percentage.
    random: Option<(fastrand::Rng, u8)>,
    /// How late every answer comes.
    latency: std::time::Duration,
}

/// A running emulator; dropping it stops nothing (the server lives as long as the runtime).
#[derive(Clone)]
pub struct Jira {
    inner: Arc<Mutex<Inner>>,
    addr: SocketAddr,
}

impl Jira {
    /// Starts a site with the project `OPS` (issue types Task and Bug) and the users
    /// `aftercare-bot` (the syncing account), `alice` (may edit), `al` and `alfred` (who make
    /// `al` ambiguous on Cloud) and `mallory` (may not edit).
    pub async fn start(deployment: Deployment) -> Jira {
        let cloud = deployment == Deployment::Cloud;
        let user = |cloud_id: &str, name: &str, display: &str, may_edit: bool| User {
            id: if cloud { cloud_id } else { name }.to_string(),
            display: display.to_string(),
            email: format!("{name}@acme.test"),
            may_edit,
        };
        let inner = Inner {
            deployment,
            users: vec![
                user("acc-bot", "aftercare-bot", "aftercare bot", true),
                user("acc-alice", "alice", "Alice Liddell", true),
                user("acc-al", "al", "Al Green", true),
                user("acc-alfred", "alfred", "Alfred Al", true),
                user("acc-mallory", "mallory", "Mallory", false),
            ],
            issues: Vec::new(),
            issue_types: vec!["Task", "Bug"],
            done_transition: true,
            permission_search_refused: false,
            search_lag: 0,
            searches: 0,
            clock: 0,
            time_zone: (
                "America/Phoenix".to_string(),
                FixedOffset::west_opt(7 * 3600).expect("a valid offset"),
            ),
            faults: Vec::new(),
            log: Vec::new(),
            received: 0,
            random: None,
            latency: std::time::Duration::ZERO,
        };
        let inner = Arc::new(Mutex::new(inner));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Jira { inner, addr }
    }

    /// [`Jira::start`] on a thread of its own, for callers without a runtime (the bench).
    pub fn start_blocking(deployment: Deployment) -> Jira {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime for the emulator");
            runtime.block_on(async {
                tx.send(Jira::start(deployment).await)
                    .expect("the caller waits");
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("the emulator starts")
    }

    /// Adds a user who may edit issues, found by `name` in user searches.
    pub fn add_user(&self, name: &str) {
        let mut inner = self.lock();
        let id = if inner.cloud() {
            format!("acc-{name}")
        } else {
            name.to_string()
        };
        inner.users.push(User {
            id,
            display: name.to_string(),
            email: format!("{name}@acme.test"),
            may_edit: true,
        });
    }

    /// Every answer comes this late.
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.lock().latency = latency;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The site's address, for `tracker.url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The time of second `t` of the site's clock.
    pub fn time(t: u64) -> DateTime<Utc> {
        EPOCH.parse::<DateTime<Utc>>().expect("a valid epoch") + chrono::Duration::seconds(t as i64)
    }

    /// Moves the site's clock on by `seconds`, as time passing between two runs.
    pub fn advance_clock(&self, seconds: u64) {
        self.lock().clock += seconds;
    }

    /// Sets the profile time zone of every account: its name (for `/myself`) and its offset
    /// from UTC, in which times are shown and JQL dates are read.
    pub fn set_time_zone(&self, name: &str, offset: FixedOffset) {
        self.lock().time_zone = (name.to_string(), offset);
    }

    /// New and changed issues stay out of search for this many search requests.
    pub fn set_search_lag(&self, searches: u64) {
        self.lock().search_lag = searches;
    }

    /// Refuses `GET /user/permission/search` with `403`, as Jira does for an account without
    /// the Administer Projects permission.
    pub fn refuse_permission_search(&self) {
        self.lock().permission_search_refused = true;
    }

    /// Removes the workflow's transitions to Done.
    pub fn remove_done_transition(&self) {
        self.lock().done_transition = false;
    }

    pub fn inject(&self, method: &'static str, suffix: &str, kind: FaultKind, times: u32) {
        self.lock().faults.push(Fault {
            number: None,
            method,
            suffix: suffix.to_string(),
            kind,
            times,
        });
    }

    /// From now on, `percent` % of requests (drawn from `seed`) get a server error, a `429`
    /// with `Retry-After: 0`, or their answer broken off after handling; `None` stops it.
    pub fn set_random_faults(&self, faults: Option<(u64, u8)>) {
        self.lock().random =
            faults.map(|(seed, percent)| (fastrand::Rng::with_seed(seed), percent));
    }

    /// A fault for the `number`-th request the emulator receives.
    pub fn inject_at(&self, number: u64, kind: FaultKind) {
        self.lock().faults.push(Fault {
            number: Some(number),
            method: "",
            suffix: String::new(),
            kind,
            times: 1,
        });
    }

    pub fn issues(&self) -> Vec<Issue> {
        self.lock().issues.clone()
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.lock().log.clone()
    }

    /// How many requests the emulator received since it started ([`Jira::inject_at`] counts
    /// from there).
    pub fn received(&self) -> u64 {
        self.lock().received
    }

    pub fn clear_log(&self) {
        self.lock().log.clear();
    }

    /// The id a user has on this deployment: `alice` → `acc-alice` on Cloud.
    pub fn user_id(&self, name: &str) -> String {
        let inner = self.lock();
        let u = inner
            .users
            .iter()
            .find(|u| u.email == format!("{name}@acme.test"))
            .expect("a known user");
        u.id.clone()
    }

    /// Adds an issue as `creator` (a user name), with an `aftercare` property and labels, as
    /// if made through the API by that user; returns its key.
    pub fn seed_issue(
        &self,
        creator: &str,
        summary: &str,
        property: Value,
        labels: &[&str],
    ) -> String {
        let creator = self.user_id(creator);
        let mut inner = self.lock();
        let description = match inner.deployment {
            Deployment::Cloud => json!({"type": "doc", "version": 1, "content": []}),
            Deployment::DataCenter => json!(""),
        };
        let mut properties = BTreeMap::new();
        properties.insert("aftercare".to_string(), property);
        inner.add_issue(
            summary.to_string(),
            description,
            labels.iter().map(|l| l.to_string()).collect(),
            None,
            creator,
            properties,
        )
    }

    /// Adds a comment to an issue as `author` (a user name), as if made through the API by
    /// that user: `body` is an ADF document on Cloud, a string on Data Center.
    pub fn seed_comment(&self, author: &str, key: &str, body: Value) {
        let author = self.user_id(author);
        let mut inner = self.lock();
        let i = inner.issues.iter().position(|i| i.key == key).unwrap();
        inner.add_comment(i, author, body);
    }

    /// Moves an issue to a status by hand, as a person would (resolution set when Done).
    pub fn set_status(&self, key: &str, status: &'static str, resolution: Option<&str>) {
        self.edit_by_hand(key, |issue| {
            issue.status = status;
            issue.resolution = resolution.map(str::to_string);
        });
    }

    /// Changes an issue as a person would in Jira's page (its title, its labels): the change
    /// moves `updated` and is subject to the search lag.
    pub fn edit_by_hand(&self, key: &str, change: impl FnOnce(&mut Issue)) {
        let mut inner = self.lock();
        let i = inner.issues.iter().position(|i| i.key == key).unwrap();
        let now = inner.tick();
        let lag = inner.searches + inner.search_lag;
        let issue = &mut inner.issues[i];
        change(issue);
        issue.updated = now;
        issue.searchable_from = lag;
    }
}

/// The start of the site's clock.
const EPOCH: &str = "2024-05-01T10:00:00Z";

impl Inner {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn cloud(&self) -> bool {
        self.deployment == Deployment::Cloud
    }

    fn add_issue(
        &mut self,
        summary: String,
        description: Value,
        labels: Vec<String>,
        assignee: Option<String>,
        creator: String,
        properties: BTreeMap<String, Value>,
    ) -> String {
        let n = self.issues.len() as u64 + 1;
        let now = self.tick();
        let key = format!("{PROJECT}-{n}");
        self.issues.push(Issue {
            id: 10_000 + n,
            key: key.clone(),
            summary,
            description,
            status: "To Do",
            resolution: None,
            labels,
            assignee,
            creator,
            created: now,
            updated: now,
            properties,
            comments: Vec::new(),
            searchable_from: self.searches + self.search_lag,
        });
        key
    }

    /// Adds a comment to the issue at index `i`; returns its id.
    fn add_comment(&mut self, i: usize, author: String, body: Value) -> u64 {
        let created = self.tick();
        let id = 20_000 + created;
        // A comment moves the issue's `updated`, and search shows that after its lag.
        let lag = self.searches + self.search_lag;
        self.issues[i].updated = created;
        self.issues[i].searchable_from = lag;
        self.issues[i].comments.push(Comment {
            id,
            author,
            body,
            created,
        });
        id
    }

    /// A comment as Jira shows it. Its times are written as the description's `date-time`
    /// asks (`+00:00`), where Jira writes `+0000` as in its own example; aftercare reads
    /// neither.
    fn comment_json(&self, issue: &Issue, comment: &Comment) -> Value {
        let base = self.base();
        let time = (Jira::time(comment.created).with_timezone(&self.time_zone.1))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
        let author = self.user_json(&comment.author);
        let mut json = json!({
            "id": comment.id.to_string(),
            "self": format!("{base}/issue/{}/comment/{}", issue.id, comment.id),
            "author": author,
            "updateAuthor": author,
            "body": comment.body,
            "created": time,
            "updated": time,
        });
        if self.cloud() {
            json["jsdPublic"] = json!(true);
        }
        json
    }

    /// Second `t` of the clock as Jira shows times: in the profile zone, to the millisecond.
    fn show_time(&self, t: u64) -> String {
        Jira::time(t)
            .with_timezone(&self.time_zone.1)
            .format("%Y-%m-%dT%H:%M:%S%.3f%z")
            .to_string()
    }

    fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    fn user_json(&self, id: &str) -> Value {
        let display = self.user(id).map(|u| u.display.clone()).unwrap_or_default();
        if self.cloud() {
            json!({"accountId": id, "displayName": display, "active": true, "accountType": "atlassian"})
        } else {
            json!({"name": id, "key": id, "displayName": display, "active": true})
        }
    }

    /// The issue as Jira shows it, with `fields` (all when `None`) and `properties`.
    fn issue_json(&self, issue: &Issue, fields: Option<&[String]>, properties: &[String]) -> Value {
        let base = self.base();
        let category = status_category(issue.status);
        let time = |t: u64| self.show_time(t);
        let all = json!({
            "summary": issue.summary,
            "description": issue.description,
            "status": {
                "name": issue.status,
                "id": status_id(issue.status),
                "statusCategory": {"id": category.0, "key": category.1, "name": category.2},
            },
            "resolution": issue.resolution.as_ref().map(|r| json!({"name": r})),
            "resolutiondate": issue.resolution.as_ref().map(|_| time(issue.updated)),
            "labels": issue.labels,
            "assignee": issue.assignee.as_ref().map(|a| self.user_json(a)),
            "creator": self.user_json(&issue.creator),
            "created": time(issue.created),
            "updated": time(issue.updated),
        });
        let mut out = serde_json::Map::new();
        for (name, value) in all.as_object().unwrap() {
            if fields.is_none_or(|f| f.iter().any(|x| x == name)) {
                out.insert(name.clone(), value.clone());
            }
        }
        let mut json = json!({
            "id": issue.id.to_string(),
            "key": issue.key,
            "self": format!("{base}/issue/{}", issue.id),
            "fields": out,
        });
        let props: serde_json::Map<String, Value> = issue
            .properties
            .iter()
            .filter(|(k, _)| properties.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !properties.is_empty() {
            json["properties"] = Value::Object(props);
        }
        json
    }

    fn base(&self) -> &'static str {
        if self.cloud() {
            "/rest/api/3"
        } else {
            "/rest/api/2"
        }
    }
}

/// The emulator's clock as Jira writes times: `2024-05-01T10:MM:SS.000+0000`.
fn stamp(t: u64) -> String {
    format!("2024-05-01T10:{:02}:{:02}.000+0000", (t / 60) % 60, t % 60)
}

fn status_category(status: &str) -> (u64, &'static str, &'static str) {
    match status {
        "Done" => (3, "done", "Done"),
        "In Progress" => (4, "indeterminate", "In Progress"),
        _ => (2, "new", "To Do"),
    }
}

fn status_id(status: &str) -> &'static str {
    match status {
        "Done" => "10002",
        "In Progress" => "3",
        _ => "10000",
    }
}

/// What a handler answers.
struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body,
        headers: Vec::new(),
    }
}

fn jira_error(status: u16, messages: &[&str], errors: Value) -> Reply {
    reply(status, json!({"errorMessages": messages, "errors": errors}))
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let latency = inner.lock().unwrap_or_else(|p| p.into_inner()).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (reply, fault) = answer(&inner, &method, &uri, &headers, &body);
    if matches!(fault, Some(FaultKind::StallBefore | FaultKind::StallAfter)) {
        tokio::time::sleep(std::time::Duration::from_secs(120)).await;
    }
    respond(reply, fault)
}

/// Handles a request under the lock: the answer, and the fault that struck it.
fn answer(
    inner: &Mutex<Inner>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> (Reply, Option<FaultKind>) {
    let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
    let inner = &mut *guard;
    let base = inner.base();
    let full = uri.path().to_string();
    let path = full.strip_prefix(base).unwrap_or(&full).to_string();
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    inner.received += 1;
    let number = inner.received;
    let fault = inner
        .faults
        .iter_mut()
        .find(|f| {
            f.times > 0
                && match f.number {
                    Some(n) => n == number,
                    None => f.method == method.as_str() && path.ends_with(&f.suffix),
                }
        })
        .map(|f| {
            f.times -= 1;
            f.kind.clone()
        })
        .or_else(|| {
            let (rng, percent) = inner.random.as_mut()?;
            (rng.u8(0..100) < *percent).then(|| match rng.u8(0..4) {
                0 => FaultKind::Status(500),
                1 => FaultKind::Status(502),
                2 => FaultKind::RateLimited(0),
                _ => FaultKind::BreakAfter,
            })
        });
    let mut reply = match &fault {
        Some(FaultKind::Status(code)) => jira_error(*code, &["Internal server error"], json!({})),
        Some(FaultKind::StallBefore) => jira_error(503, &["held"], json!({})),
        Some(FaultKind::RateLimited(secs)) => {
            let mut r = jira_error(429, &["Rate limit exceeded."], json!({}));
            r.headers.push(("retry-after", secs.to_string()));
            r
        }
        _ => match authenticate(inner, headers) {
            Some(me) if full.starts_with(base) => route(inner, method, &path, uri, &body, &me),
            Some(_) => jira_error(404, &["Not found"], json!({})),
            None => reply(
                401,
                json!({"errorMessages": ["You are not authenticated."]}),
            ),
        },
    };
    if fault.is_none() && inner.cloud() && full == "/rest/api/3/search" {
        reply = jira_error(
            410,
            &[
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.",
            ],
            json!({}),
        );
    }
    inner.log.push(Logged {
        number,
        method: method.to_string(),
        path: path.clone(),
        status: reply.status,
        body: reply.body.clone(),
    });
    (reply, fault)
}

fn respond(reply: Reply, fault: Option<FaultKind>) -> Response<Body> {
    let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
    for (k, v) in &reply.headers {
        response = response.header(*k, v);
    }
    if fault == Some(FaultKind::BreakAfter) {
        let text = reply.body.to_string();
        return response
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .body(Body::new(BrokenBody(Some(Bytes::from(text)))))
            .unwrap();
    }
    if reply.status == 204 {
        return response.body(Body::empty()).unwrap();
    }
    response
        .header("content-type", "application/json")
        .body(Body::from(reply.body.to_string()))
        .unwrap()
}

/// A body that sends the first half of an answer and then fails, as a dropped connection does.
struct BrokenBody(Option<Bytes>);

impl http_body::Body for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(Some(match self.0.take() {
            Some(text) => Ok(http_body::Frame::data(text.slice(..text.len() / 2))),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset",
            )),
        }))
    }
}

/// The account a request authenticates as, by the deployment's scheme.
fn authenticate(inner: &Inner, headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let me = if inner.cloud() {
        let decoded = decode_base64(value.strip_prefix("Basic ")?)?;
        match decoded.split_once(':')? {
            (BOT_EMAIL, BOT_TOKEN) => "bot",
            (MALLORY_EMAIL, MALLORY_TOKEN) => "mallory",
            _ => return None,
        }
    } else {
        match value.strip_prefix("Bearer ")? {
            BOT_TOKEN => "bot",
            MALLORY_TOKEN => "mallory",
            _ => return None,
        }
    };
    let name = if me == "bot" {
        "aftercare-bot"
    } else {
        "mallory"
    };
    inner
        .users
        .iter()
        .find(|u| u.email == format!("{name}@acme.test"))
        .map(|u| u.id.clone())
}

fn decode_base64(s: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

fn is_adf(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("doc")
        && value.get("version").and_then(Value::as_u64) == Some(1)
        && value.get("content").is_some_and(Value::is_array)
}

/// Checks a text field's format for the deployment; Jira's 400 otherwise.
fn text_problem(inner: &Inner, field: &str, value: &Value) -> Option<Reply> {
    let ok = if inner.cloud() {
        value.is_null() || is_adf(value)
    } else {
        value.is_null() || value.is_string()
    };
    (!ok).then(|| {
        let message = if inner.cloud() {
            "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
        } else {
            "Operation value must be a string"
        };
        jira_error(400, &[], json!({ field: message }))
    })
}

fn route(
    inner: &mut Inner,
    method: &Method,
    path: &str,
    uri: &Uri,
    body: &Value,
    me: &str,
) -> Reply {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let may_edit = inner.user(me).is_some_and(|u| u.may_edit);
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["myself"]) => {
            let mut user = inner.user_json(me);
            user["timeZone"] = json!(inner.time_zone.0);
            reply(200, user)
        }
        ("GET", ["project", key]) => {
            if *key != PROJECT {
                return jira_error(
                    404,
                    &[&format!("No project could be found with key '{key}'.")],
                    json!({}),
                );
            }
            let types: Vec<Value> = inner
                .issue_types
                .iter()
                .enumerate()
                .map(|(i, t)| json!({"id": (10_001 + i).to_string(), "name": t, "subtask": false}))
                .collect();
            reply(
                200,
                json!({"id": "10000", "key": PROJECT, "name": "Operations", "issueTypes": types}),
            )
        }
        ("GET", ["user", "permission", "search"]) => {
            if inner.permission_search_refused {
                return jira_error(
                    403,
                    &["You do not have the permission to see the specified project's users."],
                    json!({}),
                );
            }
            let q = query_pairs(uri);
            let has = |k: &str, v: &str| q.iter().any(|(a, b)| a == k && b == v);
            if !has("permissions", "EDIT_ISSUES") || !has("projectKey", PROJECT) {
                return jira_error(400, &["Unsupported permission query"], json!({}));
            }
            if !inner.cloud() && !q.iter().any(|(k, _)| k == "username") {
                return jira_error(
                    400,
                    &["The username query parameter was not provided"],
                    json!({}),
                );
            }
            let users: Vec<Value> = inner
                .users
                .iter()
                .filter(|u| u.may_edit)
                .map(|u| inner.user_json(&u.id))
                .collect();
            reply(200, Value::Array(users))
        }
        ("GET", ["user", "search"]) => {
            let query = query_pairs(uri)
                .into_iter()
                .find(|(k, _)| k == "query" || k == "username")
                .map(|(_, v)| v.to_lowercase())
                .unwrap_or_default();
            let users: Vec<Value> = inner
                .users
                .iter()
                .filter(|u| {
                    !query.is_empty()
                        && (u.email.starts_with(&query)
                            || u.display
                                .to_lowercase()
                                .split(' ')
                                .any(|w| w.starts_with(&query)))
                })
                .map(|u| inner.user_json(&u.id))
                .collect();
            reply(200, Value::Array(users))
        }
        ("POST", ["issue"]) => create(inner, body, me, may_edit),
        ("GET", ["issue", key]) => {
            let q = query_pairs(uri);
            let fields: Option<Vec<String>> = q
                .iter()
                .find(|(k, _)| k == "fields")
                .map(|(_, v)| v.split(',').map(str::to_string).collect());
            let properties: Vec<String> = q
                .iter()
                .find(|(k, _)| k == "properties")
                .map(|(_, v)| v.split(',').map(str::to_string).collect())
                .unwrap_or_default();
            match inner.issues.iter().find(|i| i.key == *key) {
                Some(issue) => reply(200, inner.issue_json(issue, fields.as_deref(), &properties)),
                None => missing_issue(),
            }
        }
        ("PUT", ["issue", key]) => edit(inner, key, body, may_edit),
        ("GET", ["issue", key, "transitions"]) => match inner.issues.iter().find(|i| i.key == *key)
        {
            Some(issue) => reply(
                200,
                json!({"transitions": transitions(inner, issue.status)}),
            ),
            None => missing_issue(),
        },
        ("POST", ["issue", key, "transitions"]) => transition(inner, key, body, may_edit),
        ("POST", ["issue", key, "comment"]) => {
            let Some(i) = inner.issues.iter().position(|i| i.key == *key) else {
                return missing_issue();
            };
            let text = body.get("body").cloned().unwrap_or(Value::Null);
            if text.is_null() {
                return jira_error(
                    400,
                    &[],
                    json!({"comment": "Comment body can not be empty!"}),
                );
            }
            if let Some(problem) = text_problem(inner, "comment", &text) {
                return problem;
            }
            inner.add_comment(i, me.to_string(), text);
            let issue = &inner.issues[i];
            let comment = issue.comments.last().unwrap();
            reply(201, inner.comment_json(issue, comment))
        }
        ("GET", ["issue", key, "comment"]) => {
            let Some(issue) = inner.issues.iter().find(|i| i.key == *key) else {
                return missing_issue();
            };
            let q = query_pairs(uri);
            let number = |name: &str, default: usize| {
                q.iter()
                    .find(|(k, _)| k == name)
                    .map_or(Ok(default), |(_, v)| v.parse::<usize>())
            };
            let (Ok(start), Ok(max)) = (number("startAt", 0), number("maxResults", 100)) else {
                return jira_error(400, &["startAt and maxResults must be numbers."], json!({}));
            };
            let mut comments: Vec<&Comment> = issue.comments.iter().collect();
            match q
                .iter()
                .find(|(k, _)| k == "orderBy")
                .map(|(_, v)| v.as_str())
            {
                None | Some("created" | "+created") => {}
                Some("-created") => comments.reverse(),
                Some(_) => {
                    return jira_error(
                        400,
                        &["Ordering is only supported by 'created' field."],
                        json!({}),
                    );
                }
            }
            let max = max.clamp(1, 5000);
            let page: Vec<Value> = (comments.iter().skip(start).take(max))
                .map(|c| inner.comment_json(issue, c))
                .collect();
            reply(
                200,
                json!({"comments": page, "startAt": start, "maxResults": max,
                       "total": comments.len()}),
            )
        }
        ("POST", ["search", "jql"]) if inner.cloud() => search(inner, body, me),
        ("POST", ["search"]) if !inner.cloud() => search(inner, body, me),
        _ => jira_error(404, &["Not found"], json!({})),
    }
}

fn missing_issue() -> Reply {
    jira_error(
        404,
        &["Issue does not exist or you do not have permission to see it."],
        json!({}),
    )
}

fn label_problem(labels: &[String]) -> Option<Reply> {
    labels.iter().find(|l| l.contains(' ')).map(|_| {
        jira_error(
            400,
            &[],
            json!({"labels": "The label 'x y' contains spaces which is invalid."}),
        )
    })
}

fn create(inner: &mut Inner, body: &Value, me: &str, may_edit: bool) -> Reply {
    if !may_edit {
        return jira_error(
            403,
            &["You do not have permission to create issues in this project."],
            json!({}),
        );
    }
    let fields = body.get("fields").cloned().unwrap_or(json!({}));
    if fields["project"]["key"] != PROJECT {
        return jira_error(400, &[], json!({"project": "valid project is required"}));
    }
    let issue_type = fields["issuetype"]["name"].as_str().unwrap_or("");
    if !inner.issue_types.contains(&issue_type) {
        return jira_error(400, &[], json!({"issuetype": "Specify a valid issue type"}));
    }
    let summary = fields["summary"].as_str().unwrap_or("").to_string();
    if summary.is_empty() || summary.len() > 255 || summary.contains('\n') {
        return jira_error(
            400,
            &[],
            json!({"summary": "You must specify a summary of the issue."}),
        );
    }
    let description = fields.get("description").cloned().unwrap_or(Value::Null);
    if let Some(problem) = text_problem(inner, "description", &description) {
        return problem;
    }
    let labels: Vec<String> = serde_json::from_value(fields["labels"].clone()).unwrap_or_default();
    if let Some(problem) = label_problem(&labels) {
        return problem;
    }
    let assignee = match assignee_of(inner, &fields) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut properties = BTreeMap::new();
    for p in body
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(k) = p["key"].as_str() {
            properties.insert(k.to_string(), p["value"].clone());
        }
    }
    let key = inner.add_issue(
        summary,
        description,
        labels,
        assignee,
        me.to_string(),
        properties,
    );
    let id = inner.issues.last().unwrap().id;
    let base = inner.base();
    reply(
        201,
        json!({"id": id.to_string(), "key": key, "self": format!("{base}/issue/{id}")}),
    )
}

/// The assignee a create or edit names: `Ok(None)` when none, a 400 for an unknown user.
fn assignee_of(inner: &Inner, fields: &Value) -> Result<Option<String>, Reply> {
    let Some(a) = fields.get("assignee") else {
        return Ok(None);
    };
    if a.is_null() {
        return Ok(None);
    }
    let id = if inner.cloud() {
        a["accountId"].as_str()
    } else {
        a["name"].as_str()
    };
    match id.filter(|id| inner.user(id).is_some()) {
        Some(id) => Ok(Some(id.to_string())),
        None => Err(jira_error(
            400,
            &[],
            json!({"assignee": "User does not exist or cannot be assigned."}),
        )),
    }
}

fn edit(inner: &mut Inner, key: &str, body: &Value, may_edit: bool) -> Reply {
    let Some(i) = inner.issues.iter().position(|x| x.key == key) else {
        return missing_issue();
    };
    if !may_edit {
        return jira_error(
            403,
            &["You do not have permission to edit issues in this project."],
            json!({}),
        );
    }
    let fields = body.get("fields").cloned().unwrap_or(json!({}));
    if let Some(d) = fields.get("description") {
        if let Some(problem) = text_problem(inner, "description", d) {
            return problem;
        }
    }
    let assignee = match fields.get("assignee") {
        Some(_) => match assignee_of(inner, &fields) {
            Ok(a) => Some(a),
            Err(r) => return r,
        },
        None => None,
    };
    let mut add = Vec::new();
    let mut remove = Vec::new();
    for op in body["update"]["labels"].as_array().into_iter().flatten() {
        if let Some(l) = op["add"].as_str() {
            add.push(l.to_string());
        }
        if let Some(l) = op["remove"].as_str() {
            remove.push(l.to_string());
        }
    }
    if let Some(problem) = label_problem(&add) {
        return problem;
    }
    let now = inner.tick();
    let lag = inner.searches + inner.search_lag;
    let issue = &mut inner.issues[i];
    if let Some(s) = fields["summary"].as_str() {
        issue.summary = s.to_string();
    }
    if let Some(d) = fields.get("description") {
        issue.description = d.clone();
    }
    if let Some(a) = assignee {
        issue.assignee = a;
    }
    issue.labels.retain(|l| !remove.contains(l));
    for l in add {
        if !issue.labels.contains(&l) {
            issue.labels.push(l);
        }
    }
    for p in body
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(k) = p["key"].as_str() {
            issue.properties.insert(k.to_string(), p["value"].clone());
        }
    }
    issue.updated = now;
    issue.searchable_from = lag;
    reply(204, Value::Null)
}

/// The transitions available from `status`, with their screens' fields.
fn transitions(inner: &Inner, status: &str) -> Vec<Value> {
    let resolution = json!({"resolution": {
        "required": true, "name": "Resolution", "key": "resolution",
        "schema": {"type": "resolution", "system": "resolution"},
        "operations": ["set"],
        "allowedValues": [{"id": "1", "name": "Done"}, {"id": "2", "name": "Won't Do"},
                          {"id": "3", "name": "Duplicate"}, {"id": "4", "name": "Cannot Reproduce"}]
    }});
    let to = |name: &str| {
        let c = status_category(name);
        json!({"name": name, "id": status_id(name),
               "statusCategory": {"id": c.0, "key": c.1, "name": c.2}})
    };
    let mut out = Vec::new();
    match status {
        "To Do" => {
            out.push(json!({"id": "11", "name": "Start", "to": to("In Progress"), "fields": {}}));
        }
        "In Progress" => {
            out.push(json!({"id": "21", "name": "Stop", "to": to("To Do"), "fields": {}}));
        }
        _ => out.push(json!({"id": "41", "name": "Reopen", "to": to("To Do"), "fields": {}})),
    }
    if status != "Done" && inner.done_transition {
        out.push(json!({"id": "31", "name": "Close", "to": to("Done"), "fields": resolution}));
    }
    out
}

fn transition(inner: &mut Inner, key: &str, body: &Value, may_edit: bool) -> Reply {
    let Some(i) = inner.issues.iter().position(|x| x.key == key) else {
        return missing_issue();
    };
    if !may_edit {
        return jira_error(
            403,
            &["You do not have permission to transition this issue."],
            json!({}),
        );
    }
    let id = body["transition"]["id"].as_str().unwrap_or("");
    let available = transitions(inner, inner.issues[i].status);
    let Some(t) = available.iter().find(|t| t["id"] == id) else {
        return jira_error(
            400,
            &[&format!(
                "Transition id '{id}' is not valid for this issue."
            )],
            json!({}),
        );
    };
    let target = match t["to"]["name"].as_str().unwrap() {
        "Done" => "Done",
        "In Progress" => "In Progress",
        _ => "To Do",
    };
    let resolution = body["fields"]["resolution"]["name"]
        .as_str()
        .map(str::to_string);
    if resolution.is_some() && t["fields"].get("resolution").is_none() {
        return jira_error(
            400,
            &[],
            json!({"resolution": "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."}),
        );
    }
    let now = inner.tick();
    let lag = inner.searches + inner.search_lag;
    let issue = &mut inner.issues[i];
    issue.status = target;
    issue.resolution = match target {
        "Done" => Some(resolution.unwrap_or_else(|| "Done".into())),
        _ => None,
    };
    issue.updated = now;
    issue.searchable_from = lag;
    reply(204, Value::Null)
}

/// The JQL aftercare sends, understood: the issues it selects (in order), or why it is refused.
/// A query is `project = "OPS"`, then any number of `AND` conditions, then an optional order.
fn select(inner: &Inner, jql: &str, me: &str) -> Result<Vec<usize>, String> {
    let (filter, order) = match jql.split_once(" ORDER BY ") {
        Some((f, o)) => (f.trim(), o.trim()),
        None => (jql.trim(), ""),
    };
    let project_clause = format!("project = \"{PROJECT}\"");
    let Some(rest) = filter.strip_prefix(&project_clause) else {
        return Err(
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
                .into(),
        );
    };
    let rest = rest.trim();
    let mut conditions: Vec<Condition> = Vec::new();
    if !rest.is_empty() {
        let Some(rest) = rest.strip_prefix("AND ") else {
            return Err(format!("Error in the JQL Query: cannot read '{rest}'"));
        };
        for cond in rest.split(" AND ") {
            conditions.push(condition(inner, cond.trim(), me)?);
        }
    }
    let mut selected: Vec<usize> = inner
        .issues
        .iter()
        .enumerate()
        .filter(|(_, i)| conditions.iter().all(|c| c(i)))
        .map(|(n, _)| n)
        .collect();
    match order {
        // Issues are kept in the order they were made, which is that of their keys.
        "" | "created ASC, key ASC" | "key ASC" => {}
        "updated DESC" | "updated DESC, key DESC" => selected.sort_by(|&a, &b| {
            let (a, b) = (&inner.issues[a], &inner.issues[b]);
            b.updated.cmp(&a.updated).then(b.id.cmp(&a.id))
        }),
        _ => {
            return Err(format!(
                "Error in the JQL Query: unsupported order '{order}'"
            ));
        }
    }
    Ok(selected)
}

/// One condition of a query: whether an issue meets it.
type Condition = Box<dyn Fn(&Issue) -> bool>;

/// One condition of a query.
fn condition(inner: &Inner, cond: &str, me: &str) -> Result<Condition, String> {
    let me = me.to_string();
    if let Some(list) = cond
        .strip_prefix("key in (")
        .and_then(|c| c.strip_suffix(')'))
    {
        let keys: Vec<String> = list.split(',').map(|k| k.trim().to_string()).collect();
        return Ok(Box::new(move |i: &Issue| keys.contains(&i.key)));
    }
    if cond == "creator = currentUser()" {
        return Ok(Box::new(move |i: &Issue| i.creator == me));
    }
    if let Some(inner_cond) = cond.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
        let Some((label, creator)) = inner_cond.split_once(" OR ") else {
            return Err(format!("Error in the JQL Query: cannot read '{cond}'"));
        };
        let label = label
            .strip_prefix("labels = \"")
            .and_then(|l| l.strip_suffix('"'))
            .ok_or_else(|| format!("Error in the JQL Query: cannot read '{label}'"))?
            .to_string();
        if creator != "creator = currentUser()" {
            return Err(format!("Error in the JQL Query: cannot read '{creator}'"));
        }
        return Ok(Box::new(move |i: &Issue| {
            i.labels.contains(&label) || i.creator == me
        }));
    }
    for field in ["updated", "created"] {
        let Some(rest) = cond.strip_prefix(field) else {
            continue;
        };
        let rest = rest.trim_start();
        let (op, value) = [">=", "<=", ">", "<"]
            .iter()
            .find_map(|op| Some((*op, rest.strip_prefix(op)?.trim())))
            .ok_or_else(|| format!("Error in the JQL Query: cannot read '{cond}'"))?;
        let text = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let at = jql_date(text, inner.time_zone.1).ok_or_else(|| {
            format!(
                "Date value '{text}' for field '{field}' is invalid. Valid formats include: \
                 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period \
                 format e.g. '-5d', '4w 2d'."
            )
        })?;
        let created = field == "created";
        return Ok(Box::new(move |i: &Issue| {
            let t = Jira::time(if created { i.created } else { i.updated });
            match op {
                ">=" => t >= at,
                "<=" => t <= at,
                ">" => t > at,
                _ => t < at,
            }
        }));
    }
    Err(format!("Error in the JQL Query: cannot read '{cond}'"))
}

/// A JQL date, to the minute, read in the account's time zone `zone` as Jira reads it.
fn jql_date(text: &str, zone: FixedOffset) -> Option<DateTime<Utc>> {
    let naive = ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            ["%Y-%m-%d", "%Y/%m/%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    zone.from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn search(inner: &mut Inner, body: &Value, me: &str) -> Reply {
    let jql = body["jql"].as_str().unwrap_or("");
    let selected = match select(inner, jql, me) {
        Ok(s) => s,
        Err(message) => return jira_error(400, &[&message], json!({})),
    };
    inner.searches += 1;
    let now = inner.searches;
    let reconcile: Vec<u64> = if inner.cloud() {
        serde_json::from_value(body["reconcileIssues"].clone()).unwrap_or_default()
    } else {
        Vec::new()
    };
    if reconcile.len() > 50 {
        return jira_error(400, &["reconcileIssues accepts at most 50 ids."], json!({}));
    }
    let visible: Vec<usize> = selected
        .into_iter()
        .filter(|&n| {
            let i = &inner.issues[n];
            now > i.searchable_from || reconcile.contains(&i.id)
        })
        .collect();
    let max = body["maxResults"].as_u64().unwrap_or(50).min(100) as usize;
    let fields: Vec<String> =
        serde_json::from_value(body["fields"].clone()).unwrap_or_else(|_| vec!["id".into()]);
    let properties: Vec<String> =
        serde_json::from_value(body["properties"].clone()).unwrap_or_default();
    let start = if inner.cloud() {
        match body.get("nextPageToken").and_then(Value::as_str) {
            None => 0,
            Some(t) => match t.strip_prefix("page-").and_then(|n| n.parse().ok()) {
                Some(n) => n,
                None => return jira_error(400, &["Invalid nextPageToken."], json!({})),
            },
        }
    } else {
        body["startAt"].as_u64().unwrap_or(0) as usize
    };
    let page: Vec<Value> = visible
        .iter()
        .skip(start)
        .take(max)
        .map(|&n| inner.issue_json(&inner.issues[n], Some(&fields), &properties))
        .collect();
    let end = start + page.len();
    if inner.cloud() {
        let mut out = json!({"issues": page, "isLast": end >= visible.len()});
        if end < visible.len() {
            out["nextPageToken"] = json!(format!("page-{end}"));
        }
        reply(200, out)
    } else {
        reply(
            200,
            json!({"startAt": start, "maxResults": max, "total": visible.len(), "issues": page}),
        )
    }
}
