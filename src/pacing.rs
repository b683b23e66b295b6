//! When the next write to GitHub may go: a sliding-window pacer over the times of earlier writes.
//!
//! GitHub's secondary rate limits allow about 80 content-creating requests a minute and 500 an
//! hour, and its guidance is to keep writes at least a second apart. A [`WritePacer`] enforces
//! all three: given the times of the writes this run has made, [`WritePacer::wait`] answers how
//! long to wait before the next one and which rule holds it back. With the default interval of
//! one second the minute window never binds (at most 60 writes fit in any minute); the hour
//! window does, from the 501st write on, which then waits until the first has left the hour.
//!
//! The pacer is pure: it never reads the clock or sleeps (the tracker does both), so the tests
//! drive it with a fake clock. It only knows this run's writes; writes made elsewhere with the
//! same token within the hour still count at GitHub, and the tracker's retry on a
//! secondary-limit refusal covers them. An interval of zero switches pacing off entirely, for
//! GitHub Enterprise Server with rate limits disabled and for benchmarks.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// At most `max` writes in any span of `length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteWindow {
    pub max: usize,
    pub length: Duration,
}

/// GitHub's content-creation limits: 80 writes a minute and 500 an hour.
pub const GITHUB_WINDOWS: [WriteWindow; 2] = [
    WriteWindow {
        max: 80,
        length: Duration::from_secs(60),
    },
    WriteWindow {
        max: 500,
        length: Duration::from_secs(3_600),
    },
];

/// Which rule holds the next write back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCause {
    /// The least interval since the previous write.
    Interval,
    /// A window already holds its maximum of writes.
    Window(WriteWindow),
}

/// How long the next write must wait, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub duration: Duration,
    pub cause: WaitCause,
}

/// The times of earlier writes and the rules the next one must keep.
#[derive(Debug, Clone)]
pub struct WritePacer {
    interval: Duration,
    windows: Vec<WriteWindow>,
    /// The most recent writes, oldest first: as many as the largest window allows, which is
    /// all any rule needs to look at.
    sent: VecDeque<Instant>,
}

impl WritePacer {
    /// Writes at least `interval` apart and within every window of `windows`.
    pub fn new(interval: Duration, windows: &[WriteWindow]) -> WritePacer {
        WritePacer {
            interval,
            windows: windows.to_vec(),
            sent: VecDeque::new(),
        }
    }

    /// A tracker's pace: at least `interval` apart and within its `windows`. A zero interval
    /// switches pacing off entirely: no interval and no window.
    pub fn tracker(interval: Duration, windows: &[WriteWindow]) -> WritePacer {
        if interval.is_zero() {
            WritePacer::new(Duration::ZERO, &[])
        } else {
            WritePacer::new(interval, windows)
        }
    }

    /// GitHub's pace: at least `interval` apart and within [`GITHUB_WINDOWS`]; a zero interval
    /// switches pacing off entirely.
    pub fn github(interval: Duration) -> WritePacer {
        WritePacer::tracker(interval, &GITHUB_WINDOWS)
    }

    /// How long a write at `now` must wait; `None` when it may go at once.
    pub fn wait(&self, now: Instant) -> Option<Wait> {
        let mut earliest = now;
        let mut cause = None;
        let mut hold = |at: Instant, why: WaitCause| {
            if at > earliest {
                earliest = at;
                cause = Some(why);
            }
        };
        if let Some(last) = self.sent.back() {
            hold(*last + self.interval, WaitCause::Interval);
        }
        for window in &self.windows {
            // The write `max` places back must have left the window before the next one goes.
            if let Some(oldest_counted) = self
                .sent
                .len()
                .checked_sub(window.max)
                .and_then(|i| self.sent.get(i))
            {
                hold(*oldest_counted + window.length, WaitCause::Window(*window));
            }
        }
        cause.map(|cause| Wait {
            duration: earliest - now,
            cause,
        })
    }

    /// Records a write made at `at` (times must not go backwards).
    pub fn record(&mut self, at: Instant) {
        self.sent.push_back(at);
        let keep = self.windows.iter().map(|w| w.max).max().unwrap_or(0).max(1);
        while self.sent.len() > keep {
            self.sent.pop_front();
        }
    }

    /// How many recorded writes lie within `length` before `now`.
    pub fn sent_within(&self, length: Duration, now: Instant) -> usize {
        self.sent
            .iter()
            .filter(|t| now.saturating_duration_since(**t) < length)
            .count()
    }
}

/// The line that tells people a window holds the run back: `sent` writes were made within
/// `window`, and the next goes after `wait`, at `resume`.
pub fn window_notice(
    window: WriteWindow,
    sent: usize,
    wait: Duration,
    resume: DateTime<Utc>,
) -> String {
    format!(
        "pacing: GitHub allows {} writes {} and this run made {sent} in the last {}, so none is \
         left; waiting {} until {} before the next write",
        window.max,
        per_span(window.length),
        span(window.length),
        span(wait),
        resume.format("%H:%M:%S UTC")
    )
}

/// `an hour`, `a minute`, else `every 90 s`.
fn per_span(length: Duration) -> String {
    match length.as_secs() {
        3_600 => "an hour".to_string(),
        60 => "a minute".to_string(),
        secs => format!("every {secs} s"),
    }
}

/// A span in words, rounded up: `hour`, `minute`, `52 min`, `45 s`.
fn span(length: Duration) -> String {
    let secs = length.as_secs() + u64::from(length.subsec_nanos() > 0);
    match secs {
        3_600 => "hour".to_string(),
        60 => "minute".to_string(),
        s if s > 60 => format!("{} min", s.div_ceil(60)),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3_600);

    /// Writes `count` times, each as early as the pacer allows, starting at `start`; returns
    /// the time of every write.
    fn schedule(pacer: &mut WritePacer, start: Instant, count: usize) -> Vec<Instant> {
        let mut now = start;
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            if let Some(wait) = pacer.wait(now) {
                now += wait.duration;
            }
            assert_eq!(pacer.wait(now), None, "after waiting, a write may go");
            pacer.record(now);
            times.push(now);
        }
        times
    }

    /// The most writes found in any span of `length` (a span starting at each write).
    fn most_in_any(times: &[Instant], length: Duration) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t - *start < length)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn the_first_write_goes_at_once() {
        let pacer = WritePacer::github(SECOND);
        assert_eq!(pacer.wait(Instant::now()), None);
    }

    #[test]
    fn a_write_waits_for_the_rest_of_the_interval() {
        let t0 = Instant::now();
        let mut pacer = WritePacer::github(SECOND);
        pacer.record(t0);
        assert_eq!(
            pacer.wait(t0 + Duration::from_millis(300)),
            Some(Wait {
                duration: Duration::from_millis(700),
                cause: WaitCause::Interval,
            })
        );
        assert_eq!(pacer.wait(t0 + SECOND), None);
    }

    #[test]
    fn a_thousand_writes_at_the_default_pace_stay_within_both_windows() {
        let t0 = Instant::now();
        let mut pacer = WritePacer::github(SECOND);
        let times = schedule(&mut pacer, t0, 1_000);
        assert_eq!(most_in_any(&times, MINUTE), 60);
        assert_eq!(most_in_any(&times, HOUR), 500);
        // Writes 1 to 500 go a second apart; write 501 waits until the first has left the
        // hour; the rest follow a second apart, as the earlier ones leave the hour in turn.
        assert_eq!(times[499] - t0, 499 * SECOND);
        assert_eq!(times[500] - t0, HOUR);
        assert_eq!(times[999] - t0, HOUR + 499 * SECOND);
    }

    #[test]
    fn write_501_waits_until_the_first_leaves_the_hour_window() {
        let t0 = Instant::now();
        let mut pacer = WritePacer::github(SECOND);
        let times = schedule(&mut pacer, t0, 500);
        let now = times[499] + SECOND;
        assert_eq!(pacer.sent_within(HOUR, now), 500);
        assert_eq!(
            pacer.wait(now),
            Some(Wait {
                duration: HOUR - 500 * SECOND,
                cause: WaitCause::Window(GITHUB_WINDOWS[1]),
            })
        );
        assert_eq!(
            pacer
                .wait(t0 + HOUR - Duration::from_millis(1))
                .map(|w| w.duration),
            Some(Duration::from_millis(1))
        );
        assert_eq!(pacer.wait(t0 + HOUR), None);
    }

    #[test]
    fn a_short_interval_is_held_by_the_minute_window() {
        let t0 = Instant::now();
        let mut pacer = WritePacer::github(Duration::from_millis(100));
        let times = schedule(&mut pacer, t0, 81);
        assert_eq!(times[79] - t0, 79 * Duration::from_millis(100));
        // The 81st write waits until the first is a minute old.
        assert_eq!(times[80] - t0, MINUTE);
        assert_eq!(most_in_any(&times, MINUTE), 80);
    }

    #[test]
    fn the_minute_window_reports_its_cause() {
        let t0 = Instant::now();
        let mut pacer = WritePacer::github(Duration::from_millis(100));
        schedule(&mut pacer, t0, 80);
        assert_eq!(
            pacer.wait(t0 + 8 * SECOND),
            Some(Wait {
                duration: 52 * SECOND,
                cause: WaitCause::Window(GITHUB_WINDOWS[0]),
            })
        );
    }

    #[test]
    fn the_notice_says_what_was_sent_how_long_it_waits_and_when_it_resumes() {
        use chrono::TimeZone;
        let resume = Utc.with_ymd_and_hms(2024, 5, 1, 15, 42, 7).unwrap();
        assert_eq!(
            window_notice(GITHUB_WINDOWS[1], 500, HOUR - 500 * SECOND, resume),
            "pacing: GitHub allows 500 writes an hour and this run made 500 in the last hour, \
             so none is left; waiting 52 min until 15:42:07 UTC before the next write"
        );
        assert_eq!(
            window_notice(GITHUB_WINDOWS[0], 80, Duration::from_millis(44_200), resume),
            "pacing: GitHub allows 80 writes a minute and this run made 80 in the last minute, \
             so none is left; waiting 45 s until 15:42:07 UTC before the next write"
        );
    }

    #[test]
    fn a_zero_interval_switches_pacing_off() {
        let t0 = Instant::now();
        let mut pacer = WritePacer::github(Duration::ZERO);
        for _ in 0..1_000 {
            pacer.record(t0);
        }
        assert_eq!(pacer.wait(t0), None);
    }

    /// Regression: GitLab's pacer kept its 60-a-minute window at `--write-interval-ms 0`, so a
    /// first sync of 5,000 tasks against a GitLab without limits took over 80 minutes.
    #[test]
    fn a_zero_interval_switches_any_trackers_windows_off() {
        let t0 = Instant::now();
        let minute = [WriteWindow {
            max: 60,
            length: Duration::from_secs(60),
        }];
        let mut off = WritePacer::tracker(Duration::ZERO, &minute);
        let mut on = WritePacer::tracker(Duration::from_millis(1), &minute);
        for i in 0..60u32 {
            off.record(t0 + i * Duration::from_millis(1));
            on.record(t0 + i * Duration::from_millis(1));
        }
        let now = t0 + Duration::from_millis(60);
        assert_eq!(off.wait(now), None);
        assert_eq!(
            on.wait(now).map(|w| w.duration),
            Some(Duration::from_secs(60) - Duration::from_millis(60))
        );
    }

    #[test]
    fn only_as_many_writes_as_the_largest_window_are_kept() {
        let t0 = Instant::now();
        let mut pacer = WritePacer::github(SECOND);
        for i in 0..2_000u32 {
            pacer.record(t0 + i * SECOND);
        }
        assert_eq!(pacer.sent.len(), 500);
        assert_eq!(pacer.sent_within(HOUR, t0 + 2_000 * SECOND), 500);
        // The writes at 1,941 s to 1,999 s lie within the minute before 2,000 s; the one at
        // 1,940 s has just left it.
        assert_eq!(pacer.sent_within(MINUTE, t0 + 2_000 * SECOND), 59);
    }
}
