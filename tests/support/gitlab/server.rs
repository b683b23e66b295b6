//! GitLab's side of the HTTP handling ([`Api`]): the `PRIVATE-TOKEN` (or a bearer token),
//! what a refusing fault answers, credentials and the per-token request limit around the
//! routes, and the headers GitLab sends on every response (`RateLimit-*`, `x-request-id`).
//! Numbering, faults, the log and the connection are the shared server's
//! ([`crate::support::http::server`]).
//!
//! It must not decide what an endpoint does: that is the routes' business.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Response, Uri};
use chrono::{TimeZone, Utc};

use super::limits::{Limits, Usage, retry_after};
use super::routes::{self, Request, message, params_of, unauthorized};
use super::state::Instance;
use crate::support::http::fault::FaultKind;
use crate::support::http::query::{Query, decode};
use crate::support::http::recorder::Recorder;
use crate::support::http::reply::Reply;
use crate::support::http::server::Api;
use crate::support::http::{LoggedRequest, reason};

/// Where GitLab's REST API lives under the instance's root.
pub const API_PREFIX: &str = "/api/v4";
/// GitLab leaves out a list's totals and `last` link beyond this many records.
pub const MAX_COUNTED: usize = 10_000;

/// Everything the emulator knows, behind one lock.
#[derive(Debug)]
pub struct Inner {
    pub instance: Instance,
    pub limits: Limits,
    /// Beyond this many records a list leaves out `x-total`, `x-total-pages` and `last`.
    pub max_counted: usize,
}

/// The state shared by the server and the test's [`super::GitLab`] handle.
#[derive(Debug)]
pub struct Shared {
    inner: Mutex<Inner>,
    pub recorder: Recorder,
    /// The instance's root, `http://127.0.0.1:PORT`; the API is under `/api/v4`.
    pub web: String,
    request_ids: AtomicU64,
}

impl Shared {
    pub fn new(web: String) -> Shared {
        Shared {
            inner: Mutex::new(Inner {
                instance: Instance::new(),
                limits: Limits::new(),
                max_counted: MAX_COUNTED,
            }),
            recorder: Recorder::default(),
            web,
            request_ids: AtomicU64::new(1),
        }
    }

    /// The state; a test that panicked while holding it does not poison it for others.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The token of a `PRIVATE-TOKEN` header, else of `Authorization: Bearer X`.
fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(token) = headers.get("private-token").and_then(|v| v.to_str().ok()) {
        return Some(token.trim().to_string());
    }
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

impl Api for Shared {
    type State = Inner;
    type Usage = Usage;

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
        match path.strip_prefix(API_PREFIX) {
            Some("") => "/".to_string(),
            Some(relative) => relative.to_string(),
            None => path.to_string(),
        }
    }

    fn refusal(&self, fault: &FaultKind, token: &str) -> Option<Reply> {
        match fault {
            FaultKind::Status(status) => Some(error_reply(*status)),
            FaultKind::SecondaryLimit(secs) => Some(retry_later(*secs)),
            FaultKind::EchoToken(status) => Some(message(
                *status,
                &format!(
                    "{status} {}: the token '{token}' was rejected by the proxy",
                    reason(*status)
                ),
            )),
            _ => None,
        }
    }

    fn error(&self, status: u16) -> Reply {
        error_reply(status)
    }

    fn usage(&self, state: &mut Inner, token: &str) -> Usage {
        state.limits.requests.usage(token)
    }

    fn handle(
        &self,
        state: &mut Inner,
        entry: &mut LoggedRequest,
        _method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> (Reply, Usage) {
        let reply = handle_request(self, state, entry, uri.path(), headers, body);
        let usage = state
            .limits
            .requests
            .usage(entry.token.as_deref().unwrap_or_default());
        (reply, usage)
    }

    fn respond(&self, reply: Reply, usage: Usage) -> Response<Body> {
        respond(self, reply, usage)
    }
}

/// GitLab's answer for an error status: `{"message": "502 Bad Gateway"}`.
fn error_reply(status: u16) -> Reply {
    message(status, &format!("{status} {}", reason(status)))
}

/// Rack::Attack's answer to a throttled client: plain text and `Retry-After`.
fn retry_later(secs: u64) -> Reply {
    Reply::text(429, "Retry later\n").with_header("retry-after", secs.to_string())
}

/// Handles a request as GitLab would: outside `/api/v4` nothing; credentials; the request
/// limit; then the routes. Records the status and whether the request counted in `entry`.
fn handle_request(
    shared: &Shared,
    inner: &mut Inner,
    entry: &mut LoggedRequest,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let key = entry.token.clone().unwrap_or_default();
    let Some(relative) = path.strip_prefix(API_PREFIX) else {
        entry.status = 404;
        return Reply::text(404, "Not Found\n");
    };
    let caller = match &entry.token {
        Some(token) => match inner.instance.token_user(token) {
            Some(user) => Some(user),
            None => {
                entry.status = 401;
                return unauthorized();
            }
        },
        None => None,
    };
    if let Err(wait) = inner.limits.requests.admit(&key) {
        entry.status = 429;
        return retry_later(retry_after(wait));
    }
    entry.counted = true;
    let query = Query::parse(&entry.query);
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let reply = match params_of(&query, body, content_type) {
        Ok(params) => {
            let request = Request {
                method: &entry.method,
                raw_path: path,
                segments: relative
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| decode(&s.replace('+', "%2B")))
                    .collect(),
                query,
                params,
                web: &shared.web,
                caller,
                max_counted: inner.max_counted,
            };
            routes::answer(&mut inner.instance, &mut inner.limits, &request)
        }
        Err(()) => routes::error(400, "The provided content-type '' is not supported."),
    };
    entry.status = reply.status;
    reply
}

/// The HTTP response for `reply`, with the headers GitLab puts on every response.
fn respond(shared: &Shared, reply: Reply, usage: Usage) -> Response<Body> {
    let request_id = shared.request_ids.fetch_add(1, Ordering::Relaxed);
    let reset_time = Utc
        .timestamp_opt(usage.reset, 0)
        .single()
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = vec![
        (
            "cache-control".into(),
            "max-age=0, private, must-revalidate".into(),
        ),
        ("vary".into(), "Origin".into()),
        ("x-content-type-options".into(), "nosniff".into()),
        ("x-frame-options".into(), "SAMEORIGIN".into()),
        ("x-request-id".into(), format!("01EMU{request_id:021}")),
        ("ratelimit-observed".into(), usage.observed.to_string()),
        ("ratelimit-remaining".into(), usage.remaining().to_string()),
        ("ratelimit-reset".into(), usage.reset.to_string()),
        ("ratelimit-resettime".into(), reset_time),
        ("ratelimit-limit".into(), usage.limit.to_string()),
    ];
    reply.into_response(headers, "application/json")
}
