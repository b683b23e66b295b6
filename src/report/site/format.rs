//! How the site writes times, durations, shares and prose: small pure functions the pages
//! share, returning plain strings or escaped markup.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use maud::{Markup, html};

use crate::format::time::{Comparable, comparable};
use crate::model::{Moment, Postmortem};

/// A moment as people read it: `2023-05-10 14:00 UTC`, `2023-05-10`, or `14:00` for a time of
/// day; a date-time keeps the offset it was given in (`2023-05-10 16:00 +02:00`).
pub fn moment(m: &Moment) -> String {
    match m {
        Moment::DateTime(t) => {
            let zone = if t.offset().local_minus_utc() == 0 {
                "UTC".to_string()
            } else {
                t.format("%:z").to_string()
            };
            format!("{} {zone}", t.format("%Y-%m-%d %H:%M"))
        }
        Moment::Date(d) => d.format("%Y-%m-%d").to_string(),
        Moment::TimeOfDay(t) => t.format("%H:%M").to_string(),
    }
}

/// The date a postmortem is listed under: its start's date, else its end's.
pub fn listed_date(p: &Postmortem) -> Option<NaiveDate> {
    p.started
        .and_then(|m| m.date())
        .or_else(|| p.ended.and_then(|m| m.date()))
}

/// How long the incident lasted, when its start and end say it: two date-times, two times of
/// day (on the start's day), or a start with a date and an end time of day on that day.
pub fn duration(p: &Postmortem) -> Option<Duration> {
    let (started, ended) = (p.started?, p.ended?);
    let base = started.date();
    let at = |m: Moment| -> Option<NaiveDateTime> {
        match comparable(m, base) {
            Comparable::Instant(t) => Some(t.naive_utc()),
            Comparable::TimeOfDay(t) => Some(NaiveDate::MIN.and_time(t)),
            Comparable::Date(_) => None,
        }
    };
    let length = at(ended)? - at(started)?;
    (length >= Duration::zero()).then_some(length)
}

/// A duration in the largest units that matter: `45 min`, `4 h`, `12 h 30 min`, `2 d 3 h`.
pub fn duration_text(d: Duration) -> String {
    let minutes = d.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours, mins) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// A share of users: `30%`, `12.5%`.
pub fn share(percent: f64) -> String {
    crate::report::format_percent(percent)
}

/// Prose from a postmortem as paragraphs: blank lines separate them, single line breaks stay
/// within one.
pub fn paragraphs(text: &str) -> Markup {
    html! {
        @for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p { (paragraph) }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveTime};

    use super::*;

    fn at(s: &str) -> Moment {
        crate::format::time::parse_moment(s).expect("a moment")
    }

    fn lasting(started: &str, ended: &str) -> Option<String> {
        let p = Postmortem {
            started: Some(at(started)),
            ended: Some(at(ended)),
            ..Postmortem::minimal("x", vec![])
        };
        duration(&p).map(duration_text)
    }

    #[test]
    fn moments_read_as_given() {
        assert_eq!(moment(&at("2023-05-10T14:00:00Z")), "2023-05-10 14:00 UTC");
        assert_eq!(
            moment(&Moment::DateTime(
                DateTime::parse_from_rfc3339("2023-05-10T16:00:00+02:00").unwrap()
            )),
            "2023-05-10 16:00 +02:00"
        );
        assert_eq!(moment(&at("2023-05-10")), "2023-05-10");
        assert_eq!(
            moment(&Moment::TimeOfDay(
                NaiveTime::from_hms_opt(9, 5, 0).unwrap()
            )),
            "09:05"
        );
    }

    #[test]
    fn durations_come_from_comparable_ends_only() {
        assert_eq!(
            lasting("2023-05-10T14:00:00Z", "2023-05-11T02:00:00Z").as_deref(),
            Some("12 h")
        );
        assert_eq!(lasting("10:00", "14:00").as_deref(), Some("4 h"));
        assert_eq!(lasting("10:00", "10:45").as_deref(), Some("45 min"));
        assert_eq!(
            lasting("2023-05-10T14:00:00Z", "16:30").as_deref(),
            Some("2 h 30 min")
        );
        assert_eq!(
            lasting("2023-05-10T00:00:00Z", "2023-05-12T03:10:00Z").as_deref(),
            Some("2 d 3 h")
        );
        assert_eq!(
            lasting("2023-05-10T00:00:00Z", "2023-05-12T00:00:00Z").as_deref(),
            Some("2 d")
        );
        assert_eq!(lasting("2023-05-10", "2023-05-11"), None);
        assert_eq!(lasting("14:00", "10:00"), None);
        assert_eq!(duration(&Postmortem::minimal("x", vec![])), None);
    }

    #[test]
    fn prose_becomes_escaped_paragraphs() {
        assert_eq!(
            paragraphs("First <b>one</b>\nstill first.\n\n\n Second & last.\n").into_string(),
            "<p>First &lt;b&gt;one&lt;/b&gt;\nstill first.</p><p>Second &amp; last.</p>"
        );
    }
}
