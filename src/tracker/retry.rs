//! What every tracker client shares about waiting: how long one run may wait on a tracker's
//! refusals and failures, how backoff grows, and how a token quoted in an error is cut out.
//!
//! The rules are the same for every tracker: reads and idempotent edits are retried with
//! exponential backoff on 5xx, 429, timeouts and connection errors; a request refused by a rate
//! limit is retried after the wait the tracker asks for, up to [`MAX_RETRY_AFTER`]; a spent
//! budget is waited for when it comes back within [`MAX_RESET_WAIT`]; and all waits of a run
//! together stay within [`MAX_TOTAL_WAIT`], past which the run stops and says how far it got.

use std::sync::Mutex;

use secrecy::ExposeSecret;
use std::time::Duration;

/// The longest wait for a primary budget to come back; a reset further off stops the run.
pub const MAX_RESET_WAIT: Duration = Duration::from_secs(60);
/// The longest `retry-after` honoured for a secondary limit before stopping.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Attempts of one request before giving up (rate-limit waits included).
pub const MAX_ATTEMPTS: u32 = 6;
/// The first backoff after a 5xx or a transport error; it doubles on each attempt.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The most one run waits on a tracker's refusals and failures, all waits together (the pacing
/// of writes aside): past it, the run stops and says how far it got instead of waiting on.
pub const MAX_TOTAL_WAIT: Duration = Duration::from_secs(600);
/// What is left of the time one run may wait on a tracker.
#[derive(Debug)]
pub struct WaitAllowance {
    spent: Duration,
    max: Duration,
}

impl WaitAllowance {
    pub fn new(max: Duration) -> WaitAllowance {
        WaitAllowance {
            spent: Duration::ZERO,
            max,
        }
    }

    pub fn allows(&self, wait: Duration) -> bool {
        self.spent.saturating_add(wait) <= self.max
    }

    pub fn spend(&mut self, wait: Duration) {
        self.spent = self.spent.saturating_add(wait);
    }
}

pub fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF * 2u32.saturating_pow(attempt.saturating_sub(1).min(6))
}

/// The rule for an attempt (`attempt`, from 1) of `what` that failed with `err` without a
/// refusal: a request that is not safe to send again has an unknown outcome; one that is safe
/// is sent again after [`backoff`] while attempts and the run's waiting allowance last, and is
/// then unavailable. `Ok` is the wait before sending again; `Err`, the error to stop with.
pub fn after_failure(
    err: anyhow::Error,
    what: String,
    attempt: u32,
    safe_to_resend: bool,
    waiting: &WaitAllowance,
) -> Result<Duration, crate::tracker::TrackerError> {
    use crate::tracker::TrackerError;
    if !safe_to_resend {
        return Err(TrackerError::OutcomeUnknown { what, source: err });
    }
    let wait = backoff(attempt);
    if attempt >= MAX_ATTEMPTS || !waiting.allows(wait) {
        return Err(TrackerError::Unavailable(
            err.context(format!("{what} failed {attempt} times")),
        ));
    }
    Ok(wait)
}

/// `message` with every occurrence of the token replaced, for error messages that quote it.
pub fn without_secret(message: String, token: Option<&secrecy::SecretString>) -> String {
    match token.map(|t| t.expose_secret()).filter(|t| !t.is_empty()) {
        Some(token) if message.contains(token) => message.replace(token, "[token]"),
        _ => message,
    }
}

/// Locks a mutex, also after a panic elsewhere poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_millis(1000));
        assert_eq!(backoff(100), Duration::from_millis(32_000));
    }

    #[test]
    fn a_run_waits_at_most_ten_minutes_in_all() {
        let mut waiting = WaitAllowance::new(MAX_TOTAL_WAIT);
        // Two secondary limits at the longest honoured `retry-after` fill the allowance...
        assert!(waiting.allows(MAX_RETRY_AFTER));
        waiting.spend(MAX_RETRY_AFTER);
        assert!(waiting.allows(MAX_RETRY_AFTER));
        waiting.spend(MAX_RETRY_AFTER);
        assert_eq!(waiting.spent, Duration::from_secs(600));
        // ...after which not even the shortest backoff is waited for.
        assert!(waiting.allows(Duration::ZERO));
        assert!(!waiting.allows(backoff(1)));
    }

    #[test]
    fn a_failure_is_retried_while_safe_and_allowed_else_it_stops() {
        let err = || anyhow::anyhow!("no answer");
        let waiting = WaitAllowance::new(MAX_TOTAL_WAIT);
        assert!(matches!(
            after_failure(err(), "POST /x".into(), 1, false, &waiting),
            Err(crate::tracker::TrackerError::OutcomeUnknown { .. })
        ));
        assert!(matches!(
            after_failure(err(), "GET /x".into(), 2, true, &waiting),
            Ok(d) if d == backoff(2)
        ));
        let Err(stop) = after_failure(err(), "GET /x".into(), MAX_ATTEMPTS, true, &waiting) else {
            panic!("the last attempt stops")
        };
        assert_eq!(format!("{stop:#}"), "GET /x failed 6 times: no answer");
        let spent = WaitAllowance::new(Duration::ZERO);
        assert!(matches!(
            after_failure(err(), "GET /x".into(), 1, true, &spent),
            Err(crate::tracker::TrackerError::Unavailable(_))
        ));
    }
}
