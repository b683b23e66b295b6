//! What the GitHub and GitLab emulators share below their APIs: the socket and a server's
//! lifetime ([`listener`]), the handling of one request around a tracker's routes
//! ([`server`]), scripted and random faults ([`fault`]), the request log and the test's
//! controls over it ([`recorder`]), answers ([`reply`]), query strings ([`query`]), the
//! OpenAPI shape checker ([`contract`]) and a plain HTTP client for the emulators' own tests
//! ([`client`]).
//!
//! Nothing here knows a tracker's paths, JSON or headers.

pub mod client;
pub mod contract;
pub mod fault;
pub mod listener;
pub mod query;
pub mod recorder;
pub mod reply;
pub mod server;

use std::time::Instant;

use fault::FaultKind;

/// One request as an emulator saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// The request's number: 1 for the first the emulator received, counting every request.
    pub number: u64,
    pub method: String,
    /// Relative to the API root, without the query: `/repos/acme/web/issues`,
    /// `/projects/42/issues`.
    pub path: String,
    /// The raw query string without `?` (`""` when none).
    pub query: String,
    pub token: Option<String>,
    /// The status answered: 0 when the connection was dropped or the request stalled before
    /// handling; for a fault after the write (a dropped connection, a stall, an error status),
    /// the status of the handling, which the client never received.
    pub status: u16,
    /// The connection was cut instead of answering (either kind of dropped connection).
    pub dropped: bool,
    /// The request was held open without an answer ([`FaultKind::Stall`] or
    /// [`FaultKind::StallAfterWrite`]).
    pub stalled: bool,
    /// The scripted or random fault that struck the request, if any.
    pub fault: Option<FaultKind>,
    /// Whether it counted against the caller's rate limit. A refusal (bad credentials, a
    /// limit already reached) and an injected fault do not; a `drop_after_write` request
    /// does, since it was handled. (GitHub: neither does a 304 nor `GET /rate_limit`.)
    pub counted: bool,
    /// The request body as text.
    pub body: String,
    pub at: Instant,
}

impl LoggedRequest {
    /// The entry for a request just received, before any fault or handling.
    pub fn received(
        number: u64,
        method: &str,
        path: String,
        query: Option<&str>,
        token: Option<String>,
        body: &[u8],
    ) -> LoggedRequest {
        LoggedRequest {
            number,
            method: method.to_string(),
            path,
            query: query.unwrap_or_default().to_string(),
            token,
            status: 0,
            counted: false,
            dropped: false,
            stalled: false,
            fault: None,
            body: String::from_utf8_lossy(body).into_owned(),
            at: Instant::now(),
        }
    }
}

/// The canonical reason phrase of `status` ("Not Found"), or "Error".
pub fn reason(status: u16) -> &'static str {
    axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}
