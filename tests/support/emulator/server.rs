//! The HTTP side of the emulator: accepts connections, numbers every request, authenticates
//! tokens, applies scripted and random faults, latency, rate limits and ETags, logs every
//! request, and hands the rest to the routes.
//!
//! It must not hold the state lock across an `await`, and it must not decide what an
//! endpoint does: that is the routes' business.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};
use serde_json::json;

use super::budget::{Budget, Limits};
use super::routes::{self, Reply, Request};
use super::state::{REPO_ID, Repo};
use crate::support::http::fault::FaultKind;
use crate::support::http::listener::{Connection, Ending};
use crate::support::http::query::{Query, decode};
use crate::support::http::{self, Faults, LoggedRequest, reason};

const SECONDARY_MESSAGE: &str =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
const SECONDARY_DOC: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
const PRIMARY_DOC: &str =
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits";

/// Everything the emulator knows, behind one lock.
#[derive(Debug)]
pub struct Inner {
    pub repo: Repo,
    pub limits: Limits,
    pub faults: Faults,
    pub latency: Duration,
    pub log: Vec<LoggedRequest>,
    /// How many requests arrived so far; the next one gets this number plus one.
    pub received: u64,
}

/// The state shared by the server and the test's [`super::Emulator`] handle.
#[derive(Debug)]
pub struct Shared {
    inner: Mutex<Inner>,
    /// The API root clients use, e.g. `http://127.0.0.1:PORT/api/v3`.
    pub base: String,
    /// The path prefix of the API root (`""` or `/api/v3`).
    pub prefix: String,
    request_ids: AtomicU64,
}

impl Shared {
    pub fn new(addr: SocketAddr, prefix: &str) -> Shared {
        Shared {
            inner: Mutex::new(Inner {
                repo: Repo::new(),
                limits: Limits::new(),
                faults: Faults::default(),
                latency: Duration::ZERO,
                log: Vec::new(),
                received: 0,
            }),
            base: format!("http://{addr}{prefix}"),
            prefix: prefix.to_string(),
            request_ids: AtomicU64::new(1),
        }
    }

    /// The state; a test that panicked while holding it does not poison it for others.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The router serving `shared`.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(connection): ConnectInfo<Connection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let latency = shared.lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (response, ending) = dispatch(&shared, &method, &uri, &headers, &body);
    connection.end(ending).await;
    response
}

/// The token of an `Authorization: Bearer X` or `Authorization: token X` header.
fn token_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
        Some(token.trim().to_string())
    } else {
        None
    }
}

/// The request path relative to the API root: the configured prefix (and `/api/v3`, which
/// GitHub Enterprise Server uses) removed.
fn relative_path<'a>(path: &'a str, prefix: &str) -> &'a str {
    let path = if prefix.is_empty() {
        path
    } else {
        path.strip_prefix(prefix).unwrap_or(path)
    };
    let path = path.strip_prefix("/api/v3").unwrap_or(path);
    if path.is_empty() { "/" } else { path }
}

/// Decoded path segments, `/repositories/1/...` rewritten to `/repos/acme/web/...`.
fn segments_of(path: &str) -> Vec<String> {
    let mut segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| decode(&s.replace('+', "%2B")))
        .collect();
    if segments.first().map(String::as_str) == Some("repositories") && segments.len() >= 2 {
        if segments[1] == REPO_ID.to_string() {
            segments.splice(0..2, ["repos", "acme", "web"].map(String::from));
        } else {
            segments.splice(0..2, ["repos", "-", "-"].map(String::from));
        }
    }
    segments
}

fn etag_of(body: &[u8], token: &str) -> String {
    let mut first = DefaultHasher::new();
    body.hash(&mut first);
    token.hash(&mut first);
    let mut second = DefaultHasher::new();
    first.finish().hash(&mut second);
    body.len().hash(&mut second);
    format!("\"{:016x}{:016x}\"", first.finish(), second.finish())
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let Some(value) = headers.get("if-none-match").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

/// Numbers one request, applies its fault if it has one, and handles it under the lock;
/// returns the response and how the request ends.
fn dispatch(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response<Body>, Ending) {
    let mut inner = shared.lock();
    inner.received += 1;
    let path = relative_path(uri.path(), &shared.prefix).to_string();
    let mut entry = LoggedRequest::received(
        inner.received,
        method.as_str(),
        path,
        uri.query(),
        token_of(headers),
        body,
    );
    let budget_key = entry.token.clone().unwrap_or_default();
    let fault = inner.faults.strike(&mut entry);
    if let Some(ending) = http::ends_before_handling(&mut entry) {
        inner.log.push(entry);
        return (Response::new(Body::empty()), ending);
    }
    let refusal = match &fault {
        Some(FaultKind::Status(status)) => Some(error_reply(*status)),
        Some(FaultKind::SecondaryLimit(secs)) => Some(secondary(*secs)),
        Some(FaultKind::EchoToken(status)) => Some(Reply::json(
            *status,
            json!({
                "message": format!(
                    "{}: the credentials 'token {}' were rejected",
                    reason(*status),
                    budget_key
                ),
                "documentation_url": "https://docs.github.com/rest"
            }),
        )),
        _ => None,
    };
    if let Some(reply) = refusal {
        let budget = inner.limits.budget(&budget_key);
        entry.status = reply.status;
        inner.log.push(entry);
        return (
            respond(shared, reply, budget, inner.limits.reset_at),
            Ending::Answer,
        );
    }
    let (reply, budget) = handle_request(shared, &mut inner, &mut entry, method, headers, body);
    let (ending, instead) = http::ends_after_handling(&mut entry);
    let reply = match instead {
        Some(status) => error_reply(status),
        None => reply,
    };
    inner.log.push(entry);
    (
        respond(shared, reply, budget, inner.limits.reset_at),
        ending,
    )
}

/// A JSON error answer with the status's reason as its `message`.
fn error_reply(status: u16) -> Reply {
    Reply::json(
        status,
        json!({"message": reason(status), "documentation_url": "https://docs.github.com/rest"}),
    )
}

/// Handles a request as GitHub would: credentials, the primary budget, the secondary write
/// limit, then the routes and ETags. Records the status and whether the budget was spent in
/// `entry`; returns the reply and the budget to report.
fn handle_request(
    shared: &Shared,
    inner: &mut Inner,
    entry: &mut LoggedRequest,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> (Reply, Budget) {
    let budget_key = entry.token.clone().unwrap_or_default();
    let account = match &entry.token {
        Some(t) => match inner.repo.account(t).cloned() {
            Some(account) => Some(account),
            None => {
                let budget = inner.limits.budget(&budget_key);
                entry.status = 401;
                let reply = Reply::message(401, "Bad credentials", "https://docs.github.com/rest");
                return (reply, budget);
            }
        },
        None => None,
    };
    let is_rate_limit = entry.path == "/rate_limit";
    let is_write = !matches!(*method, Method::GET | Method::HEAD);
    let budget = inner.limits.budget(&budget_key);
    let mut reply = if is_rate_limit && *method == Method::GET {
        Reply::json(
            200,
            routes::rate_limit_body(budget.limit, budget.used, inner.limits.reset_at),
        )
    } else if budget.remaining() == 0 {
        let who = match &account {
            Some(a) => {
                let id = inner.repo.user(&a.login).map(|u| u.id).unwrap_or(0);
                format!("user ID {id}")
            }
            None => "127.0.0.1".to_string(),
        };
        entry.status = 403;
        let reply = Reply::message(
            403,
            &format!("API rate limit exceeded for {who}."),
            PRIMARY_DOC,
        );
        return (reply, budget);
    } else if let Err(secs) = if is_write {
        inner.limits.admit_write()
    } else {
        Ok(())
    } {
        entry.status = 403;
        return (secondary(secs), inner.limits.budget(&budget_key));
    } else {
        let request = Request {
            method: method.as_str(),
            segments: segments_of(&entry.path),
            query: Query::parse(&entry.query),
            body,
            base: &shared.base,
            caller: account.as_ref(),
        };
        routes::answer(&mut inner.repo, &request)
    };
    if *method == Method::GET && reply.status == 200 {
        let bytes = reply
            .body
            .take()
            .map(|b| serde_json::to_vec(&b).unwrap_or_default())
            .unwrap_or_default();
        let etag = etag_of(&bytes, &budget_key);
        if etag_matches(headers, &etag) {
            reply = Reply::empty(304);
        } else {
            reply.serialized = Some(bytes);
        }
        reply.headers.push(("etag".to_string(), etag));
    }
    let counted = !is_rate_limit && reply.status != 304;
    let budget = if counted {
        inner.limits.spend(&budget_key)
    } else {
        budget
    };
    entry.status = reply.status;
    entry.counted = counted;
    (reply, budget)
}

fn secondary(retry_after: u64) -> Reply {
    let mut reply = Reply::json(
        403,
        json!({"message": SECONDARY_MESSAGE, "documentation_url": SECONDARY_DOC, "status": "403"}),
    );
    reply
        .headers
        .push(("retry-after".to_string(), retry_after.to_string()));
    reply
}

/// The HTTP response for `reply`, with the headers GitHub puts on every response.
fn respond(shared: &Shared, reply: Reply, budget: Budget, reset_at: i64) -> Response<Body> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let has_body = reply.body.is_some() || reply.serialized.is_some();
    let body = match (reply.serialized, &reply.body) {
        (Some(bytes), _) => Body::from(bytes),
        (None, Some(value)) => Body::from(serde_json::to_vec(value).unwrap_or_default()),
        (None, None) => Body::empty(),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let request_id = shared.request_ids.fetch_add(1, Ordering::Relaxed);
    let mut headers: Vec<(String, String)> = vec![
        ("x-ratelimit-limit".into(), budget.limit.to_string()),
        (
            "x-ratelimit-remaining".into(),
            budget.remaining().to_string(),
        ),
        ("x-ratelimit-used".into(), budget.used.to_string()),
        ("x-ratelimit-reset".into(), reset_at.to_string()),
        ("x-ratelimit-resource".into(), "core".into()),
        (
            "x-github-media-type".into(),
            "github.v3; format=json".into(),
        ),
        ("x-github-api-version-selected".into(), "2022-11-28".into()),
        (
            "x-github-request-id".into(),
            format!("EMU:{request_id:08X}"),
        ),
    ];
    if has_body {
        headers.push((
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        ));
    }
    headers.extend(reply.headers);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
