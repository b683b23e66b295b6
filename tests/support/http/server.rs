//! The handling of one request that every emulator shares: latency, numbering, the
//! scripted or random fault and where it strikes (before the handling, instead of it, or after
//! the write), the log entry, and the connection's ending. What the tracker does with the
//! request, and the headers it answers with, come from its [`Api`].
//!
//! The state and the record are both locked for the whole handling of one request (state
//! first), so that numbering, the change and the log entry stay in one order; no lock is held
//! across an `await`.

use std::sync::{Arc, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, Response, Uri};

use super::LoggedRequest;
use super::fault::FaultKind;
use super::listener::{Connection, Ending};
use super::recorder::{Recorder, ends_after_handling, ends_before_handling};
use super::reply::Reply;

/// One tracker's side of the handling.
pub trait Api: Send + Sync + 'static {
    /// Everything the tracker knows, behind one lock.
    type State;
    /// What the headers on every response report: the caller's rate-limit budget.
    type Usage;

    fn recorder(&self) -> &Recorder;
    fn lock(&self) -> MutexGuard<'_, Self::State>;
    /// The token a request carries.
    fn token(&self, headers: &HeaderMap) -> Option<String>;
    /// The path relative to the API root, as logged and matched by faults.
    fn relative_path(&self, path: &str) -> String;
    /// The answer to a fault that refuses the request unhandled (an error status, a "slow
    /// down", a token echoed back), given the caller's token (`""` for none).
    fn refusal(&self, fault: &FaultKind, token: &str) -> Option<Reply>;
    /// The tracker's answer for an error `status` sent instead of a handled result.
    fn error(&self, status: u16) -> Reply;
    /// The usage to report for `token` now.
    fn usage(&self, state: &mut Self::State, token: &str) -> Self::Usage;
    /// Handles the request, recording its status and whether it counted in `entry`.
    fn handle(
        &self,
        state: &mut Self::State,
        entry: &mut LoggedRequest,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> (Reply, Self::Usage);
    /// The response for `reply`, with the headers the tracker puts on every response.
    fn respond(&self, reply: Reply, usage: Self::Usage) -> Response<Body>;
}

/// The router serving `api`.
pub fn router<A: Api>(api: Arc<A>) -> Router {
    Router::new().fallback(handle::<A>).with_state(api)
}

async fn handle<A: Api>(
    State(api): State<Arc<A>>,
    ConnectInfo(connection): ConnectInfo<Connection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let latency = api.recorder().lock().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (response, ending) = dispatch(api.as_ref(), &method, &uri, &headers, &body);
    connection.end(ending).await;
    response
}

/// Numbers one request, applies its fault if it has one, and handles it under the locks;
/// returns the response and how the request ends.
fn dispatch<A: Api>(
    api: &A,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response<Body>, Ending) {
    let mut state = api.lock();
    let mut record = api.recorder().lock();
    record.received += 1;
    let mut entry = LoggedRequest::received(
        record.received,
        method.as_str(),
        api.relative_path(uri.path()),
        uri.query(),
        api.token(headers),
        body,
    );
    record.faults.strike(&mut entry);
    if let Some(ending) = ends_before_handling(&mut entry) {
        record.log.push(entry);
        return (Response::new(Body::empty()), ending);
    }
    let key = entry.token.clone().unwrap_or_default();
    if let Some(reply) = entry.fault.as_ref().and_then(|f| api.refusal(f, &key)) {
        entry.status = reply.status;
        record.log.push(entry);
        let usage = api.usage(&mut state, &key);
        return (api.respond(reply, usage), Ending::Answer);
    }
    let (reply, usage) = api.handle(&mut state, &mut entry, method, uri, headers, body);
    let (ending, instead) = ends_after_handling(&mut entry);
    let reply = match instead {
        Some(status) => api.error(status),
        None => reply,
    };
    record.log.push(entry);
    (api.respond(reply, usage), ending)
}
