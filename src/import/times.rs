//! Times as prose postmortems write them: `May 10, 2023, 14:00 UTC`, `March 9, 2024, 14:00 -
//! 18:30 (UTC)`, `from 3:00 PM to 4:30 PM (GMT)`, `2023-05-10 14:00`, a bare `9:15 AM`.
//!
//! Pure text scanning: it finds the time expressions in a line, with where they are, and reads
//! a duration (two of them joined by `to`, `-`, `until`...). It never supplies a date the text
//! does not give; the one inference it leaves to its caller is the next date for a time of day
//! after midnight.

use chrono::{FixedOffset, NaiveDate, NaiveTime};

/// A time expression found in text: as much of a date, a time and a zone as the text gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Byte range of the expression in the scanned text.
    pub start: usize,
    pub end: usize,
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    /// The zone written next to the time, as an offset from UTC.
    pub zone: Option<FixedOffset>,
}

/// A span of time: its start and end as written, the zone written after both applying to both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: Written,
    pub to: Written,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Zone abbreviations people write after a time, with their offset in minutes.
const ZONES: [(&str, i32); 16] = [
    ("utc", 0),
    ("gmt", 0),
    ("z", 0),
    ("bst", 60),
    ("cet", 60),
    ("cest", 120),
    ("eet", 120),
    ("eest", 180),
    ("ist", 330),
    ("jst", 540),
    ("est", -300),
    ("edt", -240),
    ("cst", -360),
    ("cdt", -300),
    ("pst", -480),
    ("pdt", -420),
];

/// Words that join the two ends of a duration.
const RANGE_WORDS: [&str; 8] = ["to", "until", "till", "through", "and", "-", "–", "—"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    Word(&'a str),
    Number(&'a str),
    /// `H:MM` or `HH:MM:SS`: hour, minute, second.
    Clock(u32, u32, u32),
    /// `YYYY-MM-DD`.
    IsoDate(NaiveDate),
    Punct(char),
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    token: Token<'a>,
    start: usize,
    end: usize,
}

fn tokens(text: &str) -> Vec<Tok<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &text[start..i];
            if let Some((token, end)) = iso_date(text, start).or_else(|| clock(text, start, i)) {
                out.push(Tok { token, start, end });
                i = end;
            } else {
                out.push(Tok {
                    token: Token::Number(digits),
                    start,
                    end: i,
                });
            }
        } else if b.is_ascii_alphabetic() {
            while i < bytes.len() && (bytes[i].is_ascii_alphabetic() || bytes[i] == b'.') {
                i += 1;
            }
            // A sentence's full stop is not part of the word, but `a.m.` keeps its dots.
            let mut end = i;
            let word = &text[start..end];
            if word.ends_with('.') && !matches!(word.to_ascii_lowercase().as_str(), "a.m." | "p.m.")
            {
                end -= word.len() - word.trim_end_matches('.').len();
            }
            out.push(Tok {
                token: Token::Word(&text[start..end]),
                start,
                end,
            });
            i = end.max(start + 1);
        } else if b.is_ascii_whitespace() {
            i += 1;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            i += c.len_utf8();
            let c = if matches!(c, '–' | '—') { '-' } else { c };
            out.push(Tok {
                token: Token::Punct(c),
                start,
                end: i,
            });
        }
    }
    out
}

/// `YYYY-MM-DD` at `start`, with the end of it.
fn iso_date(text: &str, start: usize) -> Option<(Token<'static>, usize)> {
    let candidate = text.get(start..start + 10)?;
    let date = crate::format::time::parse_date(candidate)?;
    let next = text.as_bytes().get(start + 10);
    if next.is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((Token::IsoDate(date), start + 10))
}

/// `H:MM` or `HH:MM(:SS)` whose hour digits run from `start` to `digits_end`.
fn clock(text: &str, start: usize, digits_end: usize) -> Option<(Token<'static>, usize)> {
    let bytes = text.as_bytes();
    if digits_end - start > 2 || bytes.get(digits_end) != Some(&b':') {
        return None;
    }
    let two = |at: usize| -> Option<u32> {
        let d = bytes.get(at..at + 2)?;
        if d.iter().all(u8::is_ascii_digit) && !bytes.get(at + 2).is_some_and(u8::is_ascii_digit) {
            Some(u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
        } else {
            None
        }
    };
    let hour: u32 = text[start..digits_end].parse().ok()?;
    let minute = two(digits_end + 1)?;
    let mut end = digits_end + 3;
    let mut second = 0;
    if bytes.get(end) == Some(&b':') {
        if let Some(s) = two(end + 1) {
            second = s;
            end += 3;
        }
    }
    (hour < 24 && minute < 60 && second < 60).then_some((Token::Clock(hour, minute, second), end))
}

fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| *m == w || (w.len() == 3 && m.starts_with(&w)) || (w == "sept"))
        .map(|i| if w == "sept" { 9 } else { i as u32 + 1 })
}

/// The zone a text names as a word of its own (`Timeline (all times PDT)`), when it names one
/// other than `Z`.
pub fn zone_named(text: &str) -> Option<FixedOffset> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3)
        .find_map(zone_of)
}

fn zone_of(word: &str) -> Option<FixedOffset> {
    let w = word.to_ascii_lowercase();
    ZONES
        .iter()
        .find(|(name, _)| *name == w)
        .and_then(|(_, minutes)| FixedOffset::east_opt(minutes * 60))
}

struct Scanner<'t, 'a> {
    toks: &'t [Tok<'a>],
    at: usize,
}

impl<'a> Scanner<'_, 'a> {
    fn peek(&self, ahead: usize) -> Option<Token<'a>> {
        self.toks.get(self.at + ahead).map(|t| t.token)
    }

    /// A date at the cursor: `May 10, 2023`, `10 May 2023`, `2023-05-10`; consumed when found.
    fn date(&mut self) -> Option<NaiveDate> {
        match self.peek(0)? {
            Token::IsoDate(d) => {
                self.at += 1;
                Some(d)
            }
            Token::Word(w) => {
                let month = month_of(w)?;
                let Some(Token::Number(day)) = self.peek(1) else {
                    return None;
                };
                let (comma, year_at) = match self.peek(2) {
                    Some(Token::Punct(',')) => (true, 3),
                    _ => (false, 2),
                };
                let Some(Token::Number(year)) = self.peek(year_at) else {
                    return None;
                };
                let _ = comma;
                let date = ymd(year, month, day)?;
                self.at += year_at + 1;
                Some(date)
            }
            Token::Number(day) => {
                let Some(Token::Word(w)) = self.peek(1) else {
                    return None;
                };
                let month = month_of(w)?;
                let year_at = if self.peek(2) == Some(Token::Punct(',')) {
                    3
                } else {
                    2
                };
                let Some(Token::Number(year)) = self.peek(year_at) else {
                    return None;
                };
                let date = ymd(year, month, day)?;
                self.at += year_at + 1;
                Some(date)
            }
            _ => None,
        }
    }

    /// A time at the cursor: `14:00`, `9:15 AM`, `2 PM`; consumed when found.
    fn time(&mut self) -> Option<NaiveTime> {
        let (hour, minute, second, used) = match (self.peek(0)?, self.peek(1)) {
            (Token::Clock(h, m, s), _) => (h, m, s, 1),
            (Token::Number(h), Some(Token::Word(w))) if meridiem(w).is_some() => (
                h.parse::<u32>().ok().filter(|h| (1..=12).contains(h))?,
                0,
                0,
                1,
            ),
            _ => return None,
        };
        self.at += used;
        let mut hour = hour;
        if let Some(Token::Word(w)) = self.peek(0) {
            if let Some(pm) = meridiem(w) {
                if !(1..=12).contains(&hour) {
                    return None;
                }
                hour = match (pm, hour) {
                    (false, 12) => 0,
                    (true, h) if h < 12 => h + 12,
                    (_, h) => h,
                };
                self.at += 1;
            }
        }
        NaiveTime::from_hms_opt(hour, minute, second)
    }

    /// A zone at the cursor: `UTC`, `(GMT)`, `Z`; consumed when found.
    fn zone(&mut self) -> Option<FixedOffset> {
        match (self.peek(0)?, self.peek(1), self.peek(2)) {
            (Token::Word(w), _, _) if zone_of(w).is_some() => {
                self.at += 1;
                zone_of(w)
            }
            (Token::Punct('('), Some(Token::Word(w)), Some(Token::Punct(')')))
                if zone_of(w).is_some() =>
            {
                self.at += 3;
                zone_of(w)
            }
            _ => None,
        }
    }

    /// A whole expression at the cursor: a date, a time or both, and a zone.
    fn expression(&mut self) -> Option<Written> {
        let begin = self.at;
        let date = self.date();
        let after_date = self.at;
        if date.is_some()
            && (matches!(self.peek(0), Some(Token::Punct(',')))
                || matches!(self.peek(0), Some(Token::Word(w))
                    if w.eq_ignore_ascii_case("at") || w.eq_ignore_ascii_case("t")))
        {
            // `May 10, 2023, 14:00`, `May 10, 2023 at 14:00` or `2023-05-10T14:00`.
            self.at += 1;
        }
        let time = self.time();
        if time.is_none() {
            self.at = after_date;
        }
        if date.is_none() && time.is_none() {
            self.at = begin;
            return None;
        }
        let zone = if time.is_some() { self.zone() } else { None };
        let start = self.toks[begin].start;
        let end = self.toks[self.at - 1].end;
        Some(Written {
            start,
            end,
            date,
            time,
            zone,
        })
    }
}

fn meridiem(word: &str) -> Option<bool> {
    match word.to_ascii_lowercase().as_str() {
        "am" | "a.m." => Some(false),
        "pm" | "p.m." => Some(true),
        _ => None,
    }
}

fn ymd(year: &str, month: u32, day: &str) -> Option<NaiveDate> {
    if year.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month, day.parse().ok()?)
}

/// Every time expression in `text`, in order.
pub fn find_all(text: &str) -> Vec<Written> {
    let toks = tokens(text);
    let mut scanner = Scanner { toks: &toks, at: 0 };
    let mut found = Vec::new();
    while scanner.at < toks.len() {
        match scanner.expression() {
            Some(w) => found.push(w),
            None => scanner.at += 1,
        }
    }
    found
}

/// The time expression that opens `text` (after nothing but brackets), and the text after it
/// and its separator (`:`, `-`, `–`, `—` or `|`), as timeline lines begin: `14:00 UTC: …`.
pub fn leading(text: &str) -> Option<(Written, &str)> {
    let body = text.trim_start_matches(['[', '(']);
    let offset = text.len() - body.len();
    let first = find_all(body).into_iter().next()?;
    if first.start != 0 || first.time.is_none() && first.date.is_none() {
        return None;
    }
    let rest = body[first.end..]
        .trim_start_matches([']', ')'])
        .trim_start();
    let separated = rest
        .strip_prefix(':')
        .or_else(|| rest.strip_prefix('-'))
        .or_else(|| rest.strip_prefix('–'))
        .or_else(|| rest.strip_prefix('—'))
        .or_else(|| rest.strip_prefix('|'));
    // Without a separator, a time of day followed by a word still opens the line: `14:00 Paged`.
    let bare = || {
        let spaced = body[first.end..].starts_with([' ', '\t']);
        (first.time.is_some() && spaced && rest.starts_with(char::is_alphabetic)).then_some(rest)
    };
    let after = separated.or_else(bare)?.trim_start();
    if after.is_empty() {
        return None;
    }
    let written = Written {
        start: first.start + offset,
        end: first.end + offset,
        ..first
    };
    Some((written, after))
}

/// The first duration in `text`: two time expressions joined by `to`, `-`, `until`,
/// `through` or `and`. The end takes the start's date when it has none, and the next day when
/// it would otherwise end before it starts; a zone written only after the end applies to both.
pub fn range(text: &str) -> Option<Range> {
    let found = find_all(text);
    for pair in found.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.time.is_none() || b.time.is_none() {
            continue;
        }
        let between = text[a.end..b.start].trim().to_ascii_lowercase();
        if !RANGE_WORDS.contains(&between.as_str()) {
            continue;
        }
        let zone = b.zone.or(a.zone);
        let from = Written {
            zone: a.zone.or(zone),
            ..a
        };
        let mut to = Written { zone, ..b };
        if to.date.is_none() {
            if let (Some(d), Some(ft), Some(tt)) = (from.date, from.time, to.time) {
                to.date = if tt < ft { d.succ_opt() } else { Some(d) };
            }
        }
        return Some(Range { from, to });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(w: &Written) -> String {
        format!(
            "{}|{}|{}",
            w.date.map_or("-".into(), |d| d.to_string()),
            w.time.map_or("-".into(), |t| t.format("%H:%M").to_string()),
            w.zone.map_or("-".into(), |z| z.to_string())
        )
    }

    #[test]
    fn the_common_forms_are_found_with_what_they_give() {
        let cases = [
            ("May 10, 2023, 14:00 UTC", "2023-05-10|14:00|+00:00"),
            ("May 10, 2023, 09:00 AM", "2023-05-10|09:00|-"),
            ("August 11, 2023, 06:00 PM (UTC)", "2023-08-11|18:00|+00:00"),
            ("at 9:00 AM:", "-|09:00|-"),
            ("12:30 AM", "-|00:30|-"),
            ("12:00 PM", "-|12:00|-"),
            ("2 PM", "-|14:00|-"),
            ("2023-05-10 14:00", "2023-05-10|14:00|-"),
            ("10 March 2024, 14:00 PST", "2024-03-10|14:00|-08:00"),
            ("Sept 3, 2022", "2022-09-03|-|-"),
            ("on March 9, 2024.", "2024-03-09|-|-"),
        ];
        for (text, expected) in cases {
            let found = find_all(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(show(&found[0]), expected, "{text}");
        }
        for none in [
            "",
            "about 4 hours",
            "30% of users",
            "25:00",
            "May 2023",
            "1400",
        ] {
            assert_eq!(find_all(none), vec![], "{none}");
        }
    }

    #[test]
    fn durations_read_both_ends_and_carry_the_date_and_zone() {
        let show_range =
            |text: &str| range(text).map(|r| format!("{} -> {}", show(&r.from), show(&r.to)));
        assert_eq!(
            show_range("May 10, 2023, 14:00 UTC to May 11, 2023, 02:00 UTC").as_deref(),
            Some("2023-05-10|14:00|+00:00 -> 2023-05-11|02:00|+00:00")
        );
        assert_eq!(
            show_range("March 9, 2024, 14:00 - 18:30 (UTC)").as_deref(),
            Some("2024-03-09|14:00|+00:00 -> 2024-03-09|18:30|+00:00")
        );
        assert_eq!(
            show_range("The outage lasted 4 hours, from 10:00 AM to 2:00 PM (GMT).").as_deref(),
            Some("-|10:00|+00:00 -> -|14:00|+00:00")
        );
        assert_eq!(
            show_range("March 9, 2024, 22:00 – 01:30").as_deref(),
            Some("2024-03-09|22:00|- -> 2024-03-10|01:30|-")
        );
        assert_eq!(
            show_range("from 3:00 PM until 4:30 PM (GMT)").as_deref(),
            Some("-|15:00|+00:00 -> -|16:30|+00:00")
        );
        assert_eq!(show_range("14:00 and then much later 15:00"), None);
        assert_eq!(show_range("no times at all"), None);
    }

    #[test]
    fn a_leading_time_is_split_from_its_event() {
        let (w, rest) = leading("14:00 UTC: The issue was detected.").unwrap();
        assert_eq!(
            (show(&w).as_str(), rest),
            ("-|14:00|+00:00", "The issue was detected.")
        );
        let (w, rest) = leading("May 10, 2023, 09:15 AM (UTC): Detected.").unwrap();
        assert_eq!(
            (show(&w).as_str(), rest),
            ("2023-05-10|09:15|+00:00", "Detected.")
        );
        let (w, rest) = leading("[14:05] - paged").unwrap();
        assert_eq!((show(&w).as_str(), rest), ("-|14:05|-", "paged"));
        assert_eq!(leading("Misleading paths: none"), None);
        assert_eq!(leading("At 14:00: something"), None);
        assert_eq!(leading("14:00"), None);
        let (w, rest) = leading("22:40 Alert: lag").unwrap();
        assert_eq!((show(&w).as_str(), rest), ("-|22:40|-", "Alert: lag"));
        assert_eq!(leading("May 10, 2023 was a bad day"), None);
        assert_eq!(
            zone_named("Timeline (all times PDT)")
                .map(|z| z.to_string())
                .as_deref(),
            Some("-07:00")
        );
        assert_eq!(zone_named("Zebra timeline"), None);
    }
}
