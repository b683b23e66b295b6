//! Rate limits as GitLab applies them: a request limit per token (gitlab.com's authenticated
//! API limit, 2,000 a minute), reported on every response in the `RateLimit-*` headers, and
//! the application limits on creating issues (200 a minute) and notes (60 a minute) per user.
//! Each is a sliding window whose limit and length a test can set.
//!
//! Windows only count; which requests they apply to is the server's and the routes' business.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::Utc;

/// At most `limit` events per key in any span of `period`.
#[derive(Debug)]
pub struct Window {
    pub limit: u32,
    pub period: Duration,
    events: HashMap<String, VecDeque<Instant>>,
}

/// What a window reports for one key: the `RateLimit-*` headers' figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub limit: u32,
    /// Events within the window, this one included.
    pub observed: u32,
    /// Unix seconds when the window has room again (the oldest event leaves it).
    pub reset: i64,
}

impl Usage {
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.observed)
    }
}

impl Window {
    pub fn new(limit: u32, period: Duration) -> Window {
        Window {
            limit,
            period,
            events: HashMap::new(),
        }
    }

    fn prune(&mut self, key: &str, now: Instant) -> &mut VecDeque<Instant> {
        let period = self.period;
        let events = self.events.entry(key.to_string()).or_default();
        while events
            .front()
            .is_some_and(|t| now.duration_since(*t) >= period)
        {
            events.pop_front();
        }
        events
    }

    /// Counts an event for `key` if the window has room; otherwise how long until it has.
    pub fn admit(&mut self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let (limit, period) = (self.limit, self.period);
        let events = self.prune(key, now);
        if events.len() as u32 >= limit {
            let wait = events
                .front()
                .map(|t| period.saturating_sub(now.duration_since(*t)))
                .unwrap_or(period);
            return Err(wait);
        }
        events.push_back(now);
        Ok(())
    }

    /// The figures for `key` now.
    pub fn usage(&mut self, key: &str) -> Usage {
        let now = Instant::now();
        let (limit, period) = (self.limit, self.period);
        let events = self.prune(key, now);
        let until = events
            .front()
            .map(|t| period.saturating_sub(now.duration_since(*t)))
            .unwrap_or(period);
        Usage {
            limit,
            observed: events.len() as u32,
            reset: Utc::now().timestamp() + until.as_secs_f64().ceil() as i64,
        }
    }

    /// Forgets every event.
    pub fn clear(&mut self) {
        self.events.clear();
    }
}

/// The limits of one instance.
#[derive(Debug)]
pub struct Limits {
    /// Requests per token (`""` for anonymous requests).
    pub requests: Window,
    /// `POST .../issues` per user.
    pub issue_creation: Window,
    /// `POST .../notes` per user.
    pub note_creation: Window,
}

impl Limits {
    /// gitlab.com's limits.
    pub fn new() -> Limits {
        let minute = Duration::from_secs(60);
        Limits {
            requests: Window::new(2_000, minute),
            issue_creation: Window::new(200, minute),
            note_creation: Window::new(60, minute),
        }
    }
}

/// Whole seconds to wait for `d`, at least 1: `Retry-After`.
pub fn retry_after(d: Duration) -> u64 {
    (d.as_secs_f64().ceil() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_refuses_beyond_its_limit_and_reports_usage() {
        let mut w = Window::new(2, Duration::from_secs(60));
        assert_eq!(w.admit("a"), Ok(()));
        assert_eq!(w.admit("a"), Ok(()));
        let wait = w.admit("a").expect_err("the third is refused");
        assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60));
        assert_eq!(w.admit("b"), Ok(()), "each key has its own window");
        let usage = w.usage("a");
        assert_eq!((usage.limit, usage.observed, usage.remaining()), (2, 2, 0));
        assert_eq!(retry_after(wait), 60);
    }

    #[test]
    fn events_leave_the_window_after_its_period() {
        let mut w = Window::new(1, Duration::from_millis(30));
        assert_eq!(w.admit("a"), Ok(()));
        assert!(w.admit("a").is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(w.admit("a"), Ok(()));
        assert_eq!(w.usage("a").observed, 1);
    }
}
