//! The burn-down: how many follow-ups were open over time, from their issues' opening and
//! closing times, as a step line with labelled axes.
//!
//! An issue counts as open from its creation until it was closed (as done or dropped alike);
//! tasks without an issue have no times and are not drawn. Pure: returns markup only.

use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};

use super::timeline::px;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 56.0;

/// The number of open issues after each change, starting at the first opening.
pub fn steps(issues: &[(DateTime<Utc>, Option<DateTime<Utc>>)]) -> Vec<(DateTime<Utc>, usize)> {
    let mut events: Vec<(DateTime<Utc>, i64)> = Vec::with_capacity(issues.len() * 2);
    for (opened, closed) in issues {
        events.push((*opened, 1));
        if let Some(closed) = closed {
            events.push(((*closed).max(*opened), -1));
        }
    }
    // At the same instant openings come first, so the count never dips below zero.
    events.sort_by_key(|(at, delta)| (*at, -delta));
    let mut open = 0i64;
    let mut out: Vec<(DateTime<Utc>, usize)> = Vec::new();
    for (at, delta) in events {
        open += delta;
        let count = open.max(0) as usize;
        match out.last_mut() {
            Some(last) if last.0 == at => last.1 = count,
            _ => out.push((at, count)),
        }
    }
    out
}

/// The picture, up to `now`; `None` when no follow-up has an issue with known times.
pub fn svg(
    issues: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
    label: &str,
) -> Option<Markup> {
    let steps = steps(issues);
    let (start, _) = *steps.first()?;
    let end = steps.last().map_or(now, |(at, _)| now.max(*at));
    let end = if end - start < Duration::days(1) {
        start + Duration::days(1)
    } else {
        end
    };
    let peak = steps.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let now_open = steps.last().map_or(0, |(_, n)| *n);
    let y_step = peak.div_ceil(4).max(1);
    let y_top = peak.div_ceil(y_step) * y_step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let span = (end - start).num_seconds() as f64;
    let x = |at: DateTime<Utc>| LEFT + (at - start).num_seconds() as f64 / span * plot_w;
    let y = |n: usize| TOP + plot_h - n as f64 / y_top as f64 * plot_h;
    let mut path = format!("M{},{}", px(x(start)), px(y(0)));
    for (at, n) in &steps {
        path.push_str(&format!(" H{} V{}", px(x(*at)), px(y(*n))));
    }
    path.push_str(&format!(" H{}", px(x(end))));
    let days = (end - start).num_days().max(1);
    let day_step = [1, 2, 7, 14, 30, 61, 91, 182, 365, 730, 1825]
        .into_iter()
        .find(|s| days / s <= 6)
        .unwrap_or(3650);
    let first_tick = start.date_naive().succ_opt().unwrap_or(start.date_naive());
    let x_ticks: Vec<DateTime<Utc>> = (0..)
        .map(|i| {
            first_tick.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(i * day_step)
        })
        .take_while(|t| *t <= end)
        .collect();
    let description = format!(
        "{label}: open follow-ups from {} to {}, {peak} at most, {now_open} at the end",
        start.format("%Y-%m-%d"),
        end.format("%Y-%m-%d")
    );
    Some(html! {
        svg class="chart burndown" xmlns="http://www.w3.org/2000/svg" role="img"
            viewBox=(format!("0 0 {} {}", px(WIDTH), px(HEIGHT)))
            width=(px(WIDTH)) height=(px(HEIGHT)) aria-label=(description) {
            title { (description) }
            @for n in (0..=y_top).step_by(y_step) {
                line class="grid" x1=(px(LEFT)) y1=(px(y(n))) x2=(px(LEFT + plot_w)) y2=(px(y(n))) {}
                text x=(px(LEFT - 8.0)) y=(px(y(n) + 4.0)) text-anchor="end" { (n) }
            }
            @for t in &x_ticks {
                line class="grid" x1=(px(x(*t))) y1=(px(TOP)) x2=(px(x(*t)))
                    y2=(px(TOP + plot_h + 4.0)) {}
                text x=(px(x(*t))) y=(px(TOP + plot_h + 18.0)) text-anchor="middle" {
                    (t.format("%Y-%m-%d"))
                }
            }
            line class="axis" x1=(px(LEFT)) y1=(px(TOP)) x2=(px(LEFT)) y2=(px(TOP + plot_h)) {}
            line class="axis" x1=(px(LEFT)) y1=(px(TOP + plot_h)) x2=(px(LEFT + plot_w))
                y2=(px(TOP + plot_h)) {}
            path class="line" d=(path) {}
            text x=(px(LEFT + plot_w / 2.0)) y=(px(HEIGHT - 8.0)) text-anchor="middle" {
                "date (UTC)"
            }
            text x="0" y="0" text-anchor="middle"
                transform=(format!("translate(16 {}) rotate(-90)", px(TOP + plot_h / 2.0))) {
                "open follow-ups"
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, d, h, 0, 0).unwrap()
    }

    #[test]
    fn open_issues_are_counted_from_opening_to_closing() {
        let issues = [
            (day(1, 0), Some(day(5, 0))),
            (day(1, 0), None),
            (day(2, 0), Some(day(2, 0))),
            (day(3, 0), Some(day(4, 0))),
        ];
        assert_eq!(
            steps(&issues),
            vec![
                (day(1, 0), 2),
                (day(2, 0), 2),
                (day(3, 0), 3),
                (day(4, 0), 2),
                (day(5, 0), 1),
            ]
        );
        assert_eq!(steps(&[]), vec![]);
    }

    #[test]
    fn the_picture_has_labelled_axes_and_a_step_line() {
        let issues = [(day(1, 0), Some(day(3, 0))), (day(1, 0), None)];
        let svg = svg(&issues, day(11, 0), "All incidents")
            .expect("a picture")
            .into_string();
        assert!(svg.contains(
            "<title>All incidents: open follow-ups from 2024-01-01 to 2024-01-11, 2 at most, \
             1 at the end</title>"
        ));
        assert!(svg.contains(">open follow-ups</text>"));
        assert!(svg.contains(">date (UTC)</text>"));
        assert!(svg.contains(">2024-01-02</text>"));
        // Labels 0, 1, 2 on the y axis, and the line from 0 up to 2, down to
        // 1 on the 3rd, flat to the 11th.
        for n in ["0", "1", "2"] {
            assert!(
                svg.contains(&format!("text-anchor=\"end\">{n}</text>")),
                "{n}"
            );
        }
        assert!(
            svg.contains("d=\"M64,204 H64 V16 H238.4 V110 H936\""),
            "{svg}"
        );
        assert!(super::svg(&[], day(1, 0), "x").is_none());
    }
}
