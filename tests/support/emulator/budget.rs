//! Rate limits as GitHub applies them: a primary budget per token that resets on the hour
//! (or when a test says), and an optional secondary limit on writes in one or more sliding
//! windows at once (GitHub's content-creation limit is 80 a minute and 500 an hour).
//!
//! Budgets only count; whether a request is counted (a 304 is not, `GET /rate_limit` is not)
//! is the server's decision.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::Utc;

/// One token's primary budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub limit: u32,
    pub used: u32,
}

impl Budget {
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }
}

#[derive(Debug)]
pub struct Limits {
    budgets: HashMap<String, Budget>,
    /// Explicit limits set by tests, kept across resets.
    limits: HashMap<String, u32>,
    /// UTC epoch seconds of the next reset.
    pub reset_at: i64,
    /// Secondary write limits: at most `max` writes in any span of `window`, for each pair.
    secondary: Vec<(u32, Duration)>,
    /// Times of the writes admitted within the longest window, oldest first.
    writes: VecDeque<Instant>,
}

/// The default hourly budget: 60 anonymous, 1,000 for an Actions token, 5,000 for others.
fn default_limit(token: &str) -> u32 {
    match token {
        "" => 60,
        t if t.starts_with(super::ACTIONS_TOKEN) => 1_000,
        _ => 5_000,
    }
}

impl Limits {
    pub fn new() -> Limits {
        Limits {
            budgets: HashMap::new(),
            limits: HashMap::new(),
            reset_at: Utc::now().timestamp() + 3_600,
            secondary: Vec::new(),
            writes: VecDeque::new(),
        }
    }

    fn roll_over(&mut self) {
        let now = Utc::now().timestamp();
        if now >= self.reset_at {
            self.budgets.clear();
            self.reset_at = now + 3_600;
        }
    }

    /// The budget of `token` (`""` for anonymous callers).
    pub fn budget(&mut self, token: &str) -> Budget {
        self.roll_over();
        let limit = self
            .limits
            .get(token)
            .copied()
            .unwrap_or_else(|| default_limit(token));
        *self
            .budgets
            .entry(token.to_string())
            .or_insert(Budget { limit, used: 0 })
    }

    pub fn spend(&mut self, token: &str) -> Budget {
        let budget = self.budget(token);
        let spent = Budget {
            used: (budget.used + 1).min(budget.limit),
            ..budget
        };
        self.budgets.insert(token.to_string(), spent);
        spent
    }

    pub fn set_limit(&mut self, token: &str, limit: u32) {
        self.limits.insert(token.to_string(), limit);
        let used = self.budget(token).used.min(limit);
        self.budgets
            .insert(token.to_string(), Budget { limit, used });
    }

    pub fn set_remaining(&mut self, token: &str, remaining: u32) {
        let budget = self.budget(token);
        let used = budget.limit.saturating_sub(remaining);
        self.budgets
            .insert(token.to_string(), Budget { used, ..budget });
    }

    pub fn set_reset_in(&mut self, d: Duration) {
        self.reset_at = Utc::now().timestamp() + d.as_secs() as i64;
    }

    pub fn set_secondary(&mut self, max_writes: u32, window: Duration) {
        self.set_secondary_windows(&[(max_writes, window)]);
    }

    /// Replaces the secondary write limits with every `(max_writes, window)` of `windows`.
    pub fn set_secondary_windows(&mut self, windows: &[(u32, Duration)]) {
        self.secondary = windows.to_vec();
        self.writes.clear();
    }

    /// For a write: `Err(retry_after_secs)` when it would exceed a secondary limit, otherwise
    /// records it.
    pub fn admit_write(&mut self) -> Result<(), u64> {
        self.admit_write_at(Instant::now())
    }

    /// [`Limits::admit_write`] for a write arriving at `now`. A refused write is not recorded;
    /// `retry-after` is the wait until every window has room again, in whole seconds, at least 1.
    fn admit_write_at(&mut self, now: Instant) -> Result<(), u64> {
        let Some(longest) = self.secondary.iter().map(|(_, w)| *w).max() else {
            return Ok(());
        };
        while self
            .writes
            .front()
            .is_some_and(|t| now.duration_since(*t) >= longest)
        {
            self.writes.pop_front();
        }
        let mut wait = Duration::ZERO;
        for &(max, window) in &self.secondary {
            let within: Vec<Instant> = self
                .writes
                .iter()
                .copied()
                .filter(|t| now.duration_since(*t) < window)
                .collect();
            // Room comes back when the write `max` places back has left the window; a window
            // that allows no write never has room.
            if within.len() >= max as usize {
                let leaves = if max == 0 {
                    now + window
                } else {
                    within[within.len() - max as usize] + window
                };
                wait = wait.max(leaves.duration_since(now));
            }
        }
        if wait.is_zero() {
            self.writes.push_back(now);
            return Ok(());
        }
        Err(wait.as_secs_f64().ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3_600);

    /// Offers one write at each time (seconds after `t0`); the answer to each.
    fn offer(limits: &mut Limits, t0: Instant, at_secs: &[u64]) -> Vec<Result<(), u64>> {
        at_secs
            .iter()
            .map(|s| limits.admit_write_at(t0 + Duration::from_secs(*s)))
            .collect()
    }

    #[test]
    fn without_a_secondary_limit_every_write_is_admitted() {
        let mut limits = Limits::new();
        let t0 = Instant::now();
        assert!(
            offer(&mut limits, t0, &[0; 1_000])
                .iter()
                .all(Result::is_ok)
        );
    }

    #[test]
    fn the_minute_window_refuses_the_81st_write_until_the_first_80_have_left() {
        let mut limits = Limits::new();
        limits.set_secondary_windows(&[(80, MINUTE), (500, HOUR)]);
        let t0 = Instant::now();
        assert!(offer(&mut limits, t0, &[0; 80]).iter().all(Result::is_ok));
        assert_eq!(limits.admit_write_at(t0 + 59 * SECOND + SECOND / 2), Err(1));
        assert_eq!(offer(&mut limits, t0, &[60]), vec![Ok(())]);
    }

    #[test]
    fn the_hour_window_holds_when_the_minute_window_has_room() {
        let mut limits = Limits::new();
        limits.set_secondary_windows(&[(80, MINUTE), (500, HOUR)]);
        let t0 = Instant::now();
        // 500 writes a second apart never fill a minute, but they fill the hour.
        let seconds: Vec<u64> = (0..500).collect();
        assert!(offer(&mut limits, t0, &seconds).iter().all(Result::is_ok));
        assert_eq!(offer(&mut limits, t0, &[500]), vec![Err(3_100)]);
        assert_eq!(offer(&mut limits, t0, &[3_599]), vec![Err(1)]);
        assert_eq!(offer(&mut limits, t0, &[3_600]), vec![Ok(())]);
        // Each later write waits for the next of the first hour's writes to leave.
        assert_eq!(offer(&mut limits, t0, &[3_600]), vec![Err(1)]);
        assert_eq!(offer(&mut limits, t0, &[3_601]), vec![Ok(())]);
    }

    #[test]
    fn retry_after_covers_the_window_that_needs_longest() {
        let windows = [(2, 10 * SECOND), (3, MINUTE)];
        let t0 = Instant::now();
        // Only the minute is full at 21 s and 30 s: its first write leaves at 60 s.
        let mut limits = Limits::new();
        limits.set_secondary_windows(&windows);
        assert_eq!(
            offer(&mut limits, t0, &[0, 1, 20, 21, 30]),
            vec![Ok(()), Ok(()), Ok(()), Err(39), Err(30)]
        );
        // Both are full at 57 s: the minute has room at 60 s, the ten seconds only at 65 s.
        let mut limits = Limits::new();
        limits.set_secondary_windows(&windows);
        assert_eq!(
            offer(&mut limits, t0, &[0, 55, 56, 57, 60, 65]),
            vec![Ok(()), Ok(()), Ok(()), Err(8), Err(5), Ok(())]
        );
    }

    #[test]
    fn a_window_that_allows_no_write_refuses_every_one() {
        let mut limits = Limits::new();
        limits.set_secondary(0, MINUTE);
        let t0 = Instant::now();
        assert_eq!(offer(&mut limits, t0, &[0, 120]), vec![Err(60), Err(60)]);
    }
}
