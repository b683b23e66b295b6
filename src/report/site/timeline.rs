//! The timeline as a picture: one mark per entry on a time axis, in the order the postmortem
//! lists them, with the incident's window shaded behind.
//!
//! Times take their date the way validation does (a time of day falls on the start's date);
//! when the postmortem gives no date at all, the axis shows times of day. An entry without a
//! time is placed between its neighbours that have one. Every mark is a `<g>` with
//! `data-kind` and a `<title>` holding the entry's time and text; misleading paths and
//! escalations differ from the rest by shape and by colour. Pure: returns markup only.

use chrono::{DateTime, NaiveDate, TimeZone as _, Timelike as _, Utc};
use maud::{Markup, html};

use super::format;
use crate::format::time::{Comparable, comparable};
use crate::model::{Moment, Postmortem, TimelineEntry, TimelineKind};

const WIDTH: f64 = 960.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 48.0;
const TOP: f64 = 12.0;
const ROW: f64 = 22.0;
const AXIS_SPACE: f64 = 44.0;

/// The value of `data-kind` for an entry.
pub fn kind_name(kind: Option<TimelineKind>) -> &'static str {
    match kind.unwrap_or(TimelineKind::Other) {
        TimelineKind::Detection => "detection",
        TimelineKind::Investigation => "investigation",
        TimelineKind::Misleading => "misleading",
        TimelineKind::Escalation => "escalation",
        TimelineKind::Mitigation => "mitigation",
        TimelineKind::Resolution => "resolution",
        TimelineKind::Communication => "communication",
        TimelineKind::Other => "other",
    }
}

/// How a kind is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Circle,
    Diamond,
    Triangle,
}

fn shape_of(kind: Option<TimelineKind>) -> Shape {
    match kind {
        Some(TimelineKind::Misleading) => Shape::Diamond,
        Some(TimelineKind::Escalation) => Shape::Triangle,
        _ => Shape::Circle,
    }
}

/// A shape centred on (`x`, `y`), about 12 pixels across.
fn shape(shape: Shape, x: f64, y: f64) -> Markup {
    match shape {
        Shape::Circle => html! {
            circle class="mark-shape" cx=(px(x)) cy=(px(y)) r="6" {}
        },
        Shape::Diamond => html! {
            polygon class="mark-shape"
                points=(format!("{},{} {},{} {},{} {},{}", px(x), px(y - 7.5), px(x + 7.5), px(y),
                                px(x), px(y + 7.5), px(x - 7.5), px(y))) {}
        },
        Shape::Triangle => html! {
            polygon class="mark-shape"
                points=(format!("{},{} {},{} {},{}", px(x), px(y - 7.5), px(x + 7.0), px(y + 6.0),
                                px(x - 7.0), px(y + 6.0))) {}
        },
    }
}

/// A coordinate with at most one decimal.
pub fn px(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// Where the entries, and the incident's start and end, fall in time.
#[derive(Debug, Clone, PartialEq)]
struct Placed {
    /// Seconds on the axis for every entry, in order; entries without a time interpolated.
    entries: Vec<f64>,
    /// Whether an entry had a time of its own.
    timed: Vec<bool>,
    /// The incident's start and end, when both are known.
    window: Option<(f64, f64)>,
    /// Whether the axis has calendar dates; if not, it shows times of day.
    dated: bool,
}

/// Seconds since the epoch of a moment, a time of day taking its date from `base` (or falling
/// on 1970-01-01 when there is none).
fn seconds(m: Moment, base: Option<NaiveDate>) -> f64 {
    match comparable(m, base) {
        Comparable::Instant(t) => t.timestamp() as f64,
        Comparable::Date(d) => d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp() as f64,
        Comparable::TimeOfDay(t) => f64::from(t.num_seconds_from_midnight()),
    }
}

fn place(p: &Postmortem) -> Placed {
    let moments = p
        .timeline
        .iter()
        .filter_map(|e| e.at)
        .chain(p.started)
        .chain(p.ended);
    let first_date = moments.clone().find_map(|m| m.date());
    let base = p.started.and_then(|m| m.date()).or(first_date);
    let known: Vec<Option<f64>> = p
        .timeline
        .iter()
        .map(|e| e.at.map(|m| seconds(m, base)))
        .collect();
    let window = match (p.started, p.ended) {
        (Some(s), Some(e)) => Some((seconds(s, base), seconds(e, base))).filter(|(s, e)| s <= e),
        _ => None,
    };
    let mut entries = Vec::with_capacity(known.len());
    for (i, at) in known.iter().enumerate() {
        let value = match at {
            Some(v) => *v,
            None => {
                let before = known[..i]
                    .iter()
                    .enumerate()
                    .rev()
                    .find_map(|(j, v)| v.map(|v| (j, v)));
                let after = known[i + 1..]
                    .iter()
                    .enumerate()
                    .find_map(|(j, v)| v.map(|v| (i + 1 + j, v)));
                match (before, after) {
                    (Some((j, a)), Some((k, b))) => a + (b - a) * (i - j) as f64 / (k - j) as f64,
                    (Some((_, a)), None) => a,
                    (None, Some((_, b))) => b,
                    // No entry has a time: spread them a minute apart.
                    (None, None) => i as f64 * 60.0,
                }
            }
        };
        entries.push(value);
    }
    Placed {
        timed: known.iter().map(Option::is_some).collect(),
        entries,
        window,
        dated: base.is_some(),
    }
}

/// Tick spacing in seconds: the first that keeps the axis to at most eight ticks.
fn tick_step(span: f64) -> f64 {
    const STEPS: [f64; 14] = [
        300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0, 172800.0,
        604800.0, 2592000.0, 31536000.0,
    ];
    STEPS
        .into_iter()
        .find(|step| span / step <= 8.0)
        .unwrap_or(31536000.0)
}

/// The picture of a postmortem's timeline; `None` when it has no entries.
pub fn svg(p: &Postmortem) -> Option<Markup> {
    if p.timeline.is_empty() {
        return None;
    }
    let placed = place(p);
    let all = placed
        .entries
        .iter()
        .copied()
        .chain(placed.window.into_iter().flat_map(|(s, e)| [s, e]));
    let (mut lo, mut hi) = all.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi - lo < 600.0 {
        let middle = (lo + hi) / 2.0;
        (lo, hi) = (middle - 300.0, middle + 300.0);
    }
    let plot = WIDTH - LEFT - RIGHT;
    let x = |v: f64| LEFT + (v - lo) / (hi - lo) * plot;
    let rows = p.timeline.len() as f64;
    let axis_y = TOP + rows * ROW + 6.0;
    let height = axis_y + AXIS_SPACE;
    let any_time = placed.timed.iter().any(|t| *t);
    let step = tick_step(hi - lo);
    let ticks: Vec<f64> = {
        let first = (lo / step).ceil() * step;
        (0..)
            .map(|i| first + f64::from(i) * step)
            .take_while(|t| *t <= hi)
            .collect()
    };
    let label = |t: f64, previous: Option<f64>| -> (String, Option<String>) {
        let at: DateTime<Utc> = Utc.timestamp_opt(t as i64, 0).single().unwrap_or_default();
        let time = at.format("%H:%M").to_string();
        let new_day = previous.is_none_or(|p| {
            Utc.timestamp_opt(p as i64, 0)
                .single()
                .map(|p| p.date_naive())
                != Some(at.date_naive())
        });
        let date = (placed.dated && (new_day || step >= 86400.0))
            .then(|| at.format("%Y-%m-%d").to_string());
        (time, date)
    };
    let description = format!(
        "{} timeline entries on a time axis{}",
        p.timeline.len(),
        if placed.dated {
            ""
        } else {
            " of times of day (UTC)"
        }
    );
    Some(html! {
        svg class="chart timeline" xmlns="http://www.w3.org/2000/svg" role="group"
            viewBox=(format!("0 0 {} {}", px(WIDTH), px(height)))
            width=(px(WIDTH)) height=(px(height)) aria-label=(description) {
            @if let Some((s, e)) = placed.window {
                rect class="window" x=(px(x(s))) y=(px(TOP - 6.0))
                    width=(px((x(e) - x(s)).max(1.0))) height=(px(rows * ROW + 6.0)) {
                    title { "The incident, from its start to its end" }
                }
            }
            line class="axis" x1=(px(LEFT)) y1=(px(axis_y)) x2=(px(LEFT + plot)) y2=(px(axis_y)) {}
            @if any_time {
                @for (i, t) in ticks.iter().enumerate() {
                    @let (time, date) = label(*t, i.checked_sub(1).map(|j| ticks[j]));
                    line class="grid" x1=(px(x(*t))) y1=(px(TOP - 6.0)) x2=(px(x(*t)))
                        y2=(px(axis_y + 4.0)) {}
                    text x=(px(x(*t))) y=(px(axis_y + 18.0)) text-anchor="middle" { (time) }
                    @if let Some(date) = date {
                        text x=(px(x(*t))) y=(px(axis_y + 34.0)) text-anchor="middle" { (date) }
                    }
                }
            } @else {
                text x=(px(LEFT)) y=(px(axis_y + 18.0)) { "No entry gives a time: marks are in order only." }
            }
            @for (i, entry) in p.timeline.iter().enumerate() {
                @let cx = x(placed.entries[i]);
                @let cy = TOP + i as f64 * ROW + ROW / 2.0 - 6.0;
                g class=(format!("mark kind-{}", kind_name(entry.kind))) data-kind=(kind_name(entry.kind))
                    role="img" {
                    title { (mark_title(entry)) }
                    line class="guide" x1=(px(LEFT)) y1=(px(cy)) x2=(px(cx)) y2=(px(cy)) {}
                    (shape(shape_of(entry.kind), cx, cy))
                    text x=(px(cx + 11.0)) y=(px(cy + 4.0)) { (i + 1) }
                }
            }
        }
    })
}

/// The text a mark reads out: `14:30 (investigation): The database was under load.`
pub fn mark_title(entry: &TimelineEntry) -> String {
    let time = entry
        .at
        .as_ref()
        .map(format::moment)
        .unwrap_or_else(|| "time not given".to_string());
    format!("{time} ({}): {}", kind_name(entry.kind), entry.event)
}

/// The key to the marks' shapes and colours.
pub fn legend() -> Markup {
    let item = |s: Shape, class: &str, text: &str| {
        html! {
            li {
                svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"
                    aria-hidden="true" {
                    g class=(class) { (shape(s, 8.0, 8.5)) }
                }
                (text)
            }
        }
    };
    html! {
        ul.legend {
            (item(Shape::Circle, "kind-other", "an entry"))
            (item(Shape::Diamond, "kind-misleading", "a misleading path"))
            (item(Shape::Triangle, "kind-escalation", "an escalation"))
            li {
                svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"
                    aria-hidden="true" {
                    rect class="window" x="0" y="2" width="16" height="12" {}
                }
                "the incident, from start to end"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::time::parse_moment;

    fn entry(at: Option<&str>, kind: Option<TimelineKind>, event: &str) -> TimelineEntry {
        TimelineEntry {
            at: at.map(|s| parse_moment(s).expect("a moment")),
            kind,
            event: event.to_string(),
        }
    }

    fn with(
        started: Option<&str>,
        ended: Option<&str>,
        timeline: Vec<TimelineEntry>,
    ) -> Postmortem {
        Postmortem {
            started: started.and_then(parse_moment),
            ended: ended.and_then(parse_moment),
            timeline,
            ..Postmortem::minimal("x", vec![])
        }
    }

    #[test]
    fn times_of_day_take_the_start_date_and_untimed_entries_sit_between_neighbours() {
        let p = with(
            Some("2023-05-10T14:00:00Z"),
            Some("2023-05-11T02:00:00Z"),
            vec![
                entry(Some("14:00"), Some(TimelineKind::Detection), "a"),
                entry(None, Some(TimelineKind::Escalation), "b"),
                entry(None, None, "c"),
                entry(Some("15:30"), None, "d"),
                entry(Some("2023-05-11T02:00:00Z"), None, "e"),
                entry(None, None, "f"),
            ],
        );
        let start = 1_683_727_200.0; // 2023-05-10T14:00:00Z
        let placed = place(&p);
        assert_eq!(
            placed.entries,
            vec![
                start,
                start + 1800.0,
                start + 3600.0,
                start + 5400.0,
                start + 43200.0,
                start + 43200.0
            ]
        );
        assert_eq!(placed.timed, vec![true, false, false, true, true, false]);
        assert_eq!(placed.window, Some((start, start + 43200.0)));
        assert!(placed.dated);
    }

    #[test]
    fn without_any_date_the_axis_shows_times_of_day() {
        let p = with(
            Some("10:00"),
            Some("14:00"),
            vec![
                entry(Some("09:00"), Some(TimelineKind::Detection), "a"),
                entry(Some("11:00"), Some(TimelineKind::Misleading), "b & <c>"),
            ],
        );
        let placed = place(&p);
        assert_eq!(placed.entries, vec![9.0 * 3600.0, 11.0 * 3600.0]);
        assert_eq!(placed.window, Some((36000.0, 50400.0)));
        assert!(!placed.dated);
        let svg = svg(&p).expect("a picture").into_string();
        assert!(svg.contains(">09:00</text>"), "{svg}");
        assert!(!svg.contains("1970"), "{svg}");
        assert!(svg.contains(
            "<g class=\"mark kind-misleading\" data-kind=\"misleading\" role=\"img\">\
             <title>11:00 (misleading): b &amp; &lt;c&gt;</title>"
        ));
        assert_eq!(svg.matches("data-kind=").count(), 2);
    }

    #[test]
    fn entries_without_times_are_spread_in_order() {
        let p = with(
            None,
            None,
            vec![entry(None, None, "a"), entry(None, None, "b")],
        );
        assert_eq!(place(&p).entries, vec![0.0, 60.0]);
        let svg = svg(&p).expect("a picture").into_string();
        assert!(svg.contains("No entry gives a time"));
        assert!(svg.contains("<title>time not given (other): a</title>"));
        assert!(super::svg(&with(None, None, vec![])).is_none());
    }

    #[test]
    fn misleading_and_escalation_marks_differ_in_shape() {
        assert_eq!(shape_of(Some(TimelineKind::Misleading)), Shape::Diamond);
        assert_eq!(shape_of(Some(TimelineKind::Escalation)), Shape::Triangle);
        assert_eq!(shape_of(Some(TimelineKind::Detection)), Shape::Circle);
        assert_eq!(shape_of(None), Shape::Circle);
        assert_eq!(tick_step(3600.0 * 12.0), 7200.0);
        assert_eq!(tick_step(1800.0), 300.0);
        assert_eq!(px(1.25), "1.3");
        assert_eq!(px(2.0), "2");
    }
}
