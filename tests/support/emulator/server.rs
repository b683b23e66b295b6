//! GitHub's side of the HTTP handling ([`Api`]): where the token is, what a refusing fault
//! answers, credentials, the primary budget, the secondary write limit and ETags around the
//! routes, and the headers GitHub puts on every response. Numbering, faults, the log and the
//! connection are the shared server's ([`crate::support::http::server`]).
//!
//! It must not decide what an endpoint does: that is the routes' business.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Response, Uri};
use serde_json::json;

use super::budget::{Budget, Limits};
use super::routes::{self, Reply, Request};
use super::state::Github;
use crate::support::http::fault::FaultKind;
use crate::support::http::query::{Query, decode};
use crate::support::http::recorder::Recorder;
use crate::support::http::server::Api;
use crate::support::http::{LoggedRequest, reason};

const SECONDARY_MESSAGE: &str =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
const SECONDARY_DOC: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
const PRIMARY_DOC: &str =
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits";

/// Everything the emulator knows, behind one lock.
#[derive(Debug)]
pub struct Inner {
    pub github: Github,
    pub limits: Limits,
}

/// The state shared by the server and the test's [`super::Emulator`] handle.
#[derive(Debug)]
pub struct Shared {
    inner: Mutex<Inner>,
    pub recorder: Recorder,
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
                github: Github::new(),
                limits: Limits::new(),
            }),
            recorder: Recorder::default(),
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

/// Decoded path segments.
fn segments_of(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| decode(&s.replace('+', "%2B")))
        .collect()
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

impl Api for Shared {
    type State = Inner;
    /// The caller's primary budget and when it resets.
    type Usage = (Budget, i64);

    fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        Shared::lock(self)
    }

    fn token(&self, headers: &HeaderMap) -> Option<String> {
        token_of(headers)
    }

    fn relative_path(&self, path: &str) -> String {
        relative_path(path, &self.prefix).to_string()
    }

    fn refusal(&self, fault: &FaultKind, token: &str) -> Option<Reply> {
        match fault {
            FaultKind::Status(status) => Some(error_reply(*status)),
            FaultKind::SecondaryLimit(secs) => Some(secondary(*secs)),
            FaultKind::EchoToken(status) => Some(Reply::json(
                *status,
                json!({
                    "message": format!(
                        "{}: the credentials 'token {token}' were rejected",
                        reason(*status)
                    ),
                    "documentation_url": "https://docs.github.com/rest"
                }),
            )),
            _ => None,
        }
    }

    fn error(&self, status: u16) -> Reply {
        error_reply(status)
    }

    fn usage(&self, state: &mut Inner, token: &str) -> (Budget, i64) {
        (state.limits.budget(token), state.limits.reset_at)
    }

    fn handle(
        &self,
        state: &mut Inner,
        entry: &mut LoggedRequest,
        method: &Method,
        _uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> (Reply, (Budget, i64)) {
        let (reply, budget) = handle_request(self, state, entry, method, headers, body);
        (reply, (budget, state.limits.reset_at))
    }

    fn respond(&self, reply: Reply, (budget, reset_at): (Budget, i64)) -> Response<Body> {
        respond(self, reply, budget, reset_at)
    }
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
        Some(t) => match inner.github.site.account(t).cloned() {
            Some(account) => Some(account),
            None => {
                let budget = inner.limits.budget(&budget_key);
                entry.status = 401;
                let reply = routes::message(401, "Bad credentials", "https://docs.github.com/rest");
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
                let id = inner.github.site.user(&a.login).map(|u| u.id).unwrap_or(0);
                format!("user ID {id}")
            }
            None => "127.0.0.1".to_string(),
        };
        entry.status = 403;
        let reply = routes::message(
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
        routes::answer(&mut inner.github, request)
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
    let request_id = shared.request_ids.fetch_add(1, Ordering::Relaxed);
    let headers: Vec<(String, String)> = vec![
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
    reply.into_response(headers, "application/json; charset=utf-8")
}
