//! Parsing the time forms a postmortem may use, and comparing times that can be compared.
//!
//! A time is an RFC 3339 date-time with offset, a date, or a time of day in UTC. This module is
//! pure text-to-value conversion; it reports nothing itself and never guesses a missing date
//! except where the format says so (a timeline time of day takes its date from `started`).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::model::Moment;

/// The forms accepted, for error messages.
pub const TIME_FORMS: &str = "expected a date-time like `2023-05-10T14:00:00Z`, a date like `2023-05-10` or a time of day like `14:00`";

/// Parses one of the three time forms.
pub fn parse_moment(text: &str) -> Option<Moment> {
    let text = text.trim();
    if let Some(date) = parse_date(text) {
        return Some(Moment::Date(date));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(Moment::DateTime(t));
    }
    parse_time_of_day(text).map(Moment::TimeOfDay)
}

/// `YYYY-MM-DD`, exactly.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// `HH:MM` or `HH:MM:SS`, two digits each.
fn parse_time_of_day(text: &str) -> Option<NaiveTime> {
    let b = text.as_bytes();
    let digits_at = |idx: &[usize]| idx.iter().all(|&i| b[i].is_ascii_digit());
    match b.len() {
        5 if b[2] == b':' && digits_at(&[0, 1, 3, 4]) => {
            NaiveTime::parse_from_str(text, "%H:%M").ok()
        }
        8 if b[2] == b':' && b[5] == b':' && digits_at(&[0, 1, 3, 4, 6, 7]) => {
            NaiveTime::parse_from_str(text, "%H:%M:%S").ok()
        }
        _ => None,
    }
}

/// A time reduced to what it can be compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparable {
    Instant(DateTime<Utc>),
    Date(NaiveDate),
    TimeOfDay(NaiveTime),
}

/// Reduces a moment for comparison; a time of day takes its date from `base` when it has one.
pub fn comparable(moment: Moment, base: Option<NaiveDate>) -> Comparable {
    match moment {
        Moment::DateTime(t) => Comparable::Instant(t.with_timezone(&Utc)),
        Moment::Date(d) => Comparable::Date(d),
        Moment::TimeOfDay(t) => match base {
            Some(d) => Comparable::Instant(d.and_time(t).and_utc()),
            None => Comparable::TimeOfDay(t),
        },
    }
}

/// Whether `later` is before `earlier`, when the two can be compared at all: two instants, two
/// dates or two times of day compare directly; a date and an instant compare by date (the
/// instant's UTC date); a time of day without a date compares with nothing else.
pub fn is_before(later: Comparable, earlier: Comparable) -> Option<bool> {
    use Comparable::*;
    match (later, earlier) {
        (Instant(a), Instant(b)) => Some(a < b),
        (Date(a), Date(b)) => Some(a < b),
        (TimeOfDay(a), TimeOfDay(b)) => Some(a < b),
        (Date(a), Instant(b)) => Some(a < b.date_naive()),
        (Instant(a), Date(b)) => Some(a.date_naive() < b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_parse_and_nothing_else_does() {
        assert_eq!(
            parse_moment("2023-05-10T14:00:00Z").map(|m| m.to_string()),
            Some("2023-05-10T14:00:00Z".to_string())
        );
        assert_eq!(
            parse_moment("2023-05-10T14:00:00+02:00").map(|m| m.to_string()),
            Some("2023-05-10T14:00:00+02:00".to_string())
        );
        // Every spelling the schema's pattern admits parses.
        for other in [
            "2023-05-10 14:00:00Z",
            "2023-05-10t14:00:00z",
            "2023-05-10T14:00:00.5+02:00",
        ] {
            assert!(
                matches!(parse_moment(other), Some(Moment::DateTime(_))),
                "{other}"
            );
        }
        assert_eq!(
            parse_moment("2023-05-10").map(|m| m.to_string()),
            Some("2023-05-10".into())
        );
        assert_eq!(
            parse_moment("14:00").map(|m| m.to_string()),
            Some("14:00".into())
        );
        assert_eq!(
            parse_moment("09:05:30").map(|m| m.to_string()),
            Some("09:05".into())
        );
        for bad in [
            "",
            "14",
            "24:00",
            "14:60",
            "2023-02-30",
            "2023-5-10",
            "2023-05-10T14:00:00",
            "2023-05-10T14:00Z",
            "yesterday",
            "1400",
            "+2023-05-10",
        ] {
            assert_eq!(parse_moment(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn comparisons_happen_only_where_both_sides_are_comparable() {
        let d = |s: &str| parse_date(s).unwrap();
        let m = |s: &str| parse_moment(s).unwrap();
        let base = Some(d("2023-05-10"));
        let t14 = comparable(m("14:00"), base);
        let t1330z = comparable(m("2023-05-10T13:30:00Z"), base);
        assert_eq!(is_before(t1330z, t14), Some(true));
        assert_eq!(is_before(t14, t1330z), Some(false));
        let free = comparable(m("14:00"), None);
        assert_eq!(is_before(free, t1330z), None);
        assert_eq!(
            is_before(comparable(m("2023-05-09"), None), t14),
            Some(true)
        );
        assert_eq!(
            is_before(comparable(m("2023-05-10"), None), t14),
            Some(false)
        );
    }
}
