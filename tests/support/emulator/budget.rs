//! Rate limits as GitHub applies them: a primary budget per token that resets on the hour
//! (or when a test says), and an optional secondary limit on writes in a sliding window.
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
    secondary: Option<(u32, Duration)>,
    writes: VecDeque<Instant>,
}

/// The default hourly budget: 60 anonymous, 1,000 for the Actions token, 5,000 for others.
fn default_limit(token: &str) -> u32 {
    match token {
        "" => 60,
        super::ACTIONS_TOKEN => 1_000,
        _ => 5_000,
    }
}

impl Limits {
    pub fn new() -> Limits {
        Limits {
            budgets: HashMap::new(),
            limits: HashMap::new(),
            reset_at: Utc::now().timestamp() + 3_600,
            secondary: None,
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
        self.secondary = Some((max_writes, window));
        self.writes.clear();
    }

    /// For a write: `Err(retry_after_secs)` when it would exceed the secondary limit,
    /// otherwise records it.
    pub fn admit_write(&mut self) -> Result<(), u64> {
        let Some((max, window)) = self.secondary else {
            return Ok(());
        };
        let now = Instant::now();
        while self
            .writes
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.writes.pop_front();
        }
        if self.writes.len() as u32 >= max {
            let oldest = self.writes.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        self.writes.push_back(now);
        Ok(())
    }
}
