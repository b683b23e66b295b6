//! The shields.io-style SVG badge and its endpoint JSON.
//!
//! The badge says how much corrective work is done (`corrective actions | 12/34 done`), in a
//! colour from red through yellow to green by percent, and red whenever a P1 task is overdue.
//! The SVG is rendered by the `shields` crate, which produces what shields.io produces for the
//! same label, message and colour: flat style, Verdana text widths, `<title>` and `aria-label`,
//! text XML-escaped, no external reference. This module does no I/O; the command writes the
//! files.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::status::StatusReport;

/// The badge's label.
pub const LABEL: &str = "corrective actions";

/// What a badge shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// `12/34 done`: done tasks over tasks not dropped.
    pub message: String,
    /// A shields.io colour name.
    pub color: &'static str,
}

impl Badge {
    /// The badge of a status.
    pub fn of(status: &StatusReport) -> Badge {
        let totals = &status.totals.counts;
        let color = if status.has_overdue_p1() {
            "red"
        } else {
            color_for_percent(totals.percent())
        };
        Badge {
            message: format!("{}/{} done", totals.done, totals.planned()),
            color,
        }
    }

    /// `corrective actions: 12/34 done`, the badge's text alternative.
    pub fn alt_text(&self) -> String {
        format!("{LABEL}: {}", self.message)
    }

    /// The self-contained SVG.
    pub fn svg(&self) -> String {
        let params = shields::BadgeParams {
            message_color: Some(self.color),
            ..shields::BadgeParams::new(LABEL, &self.message)
        };
        let mut svg = shields::render_badge_svg(&params);
        if !svg.ends_with('\n') {
            svg.push('\n');
        }
        svg
    }

    /// The shields.io endpoint JSON (`https://img.shields.io/endpoint?url=…`).
    pub fn endpoint_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Endpoint<'a> {
            schema_version: u8,
            label: &'a str,
            message: &'a str,
            color: &'a str,
        }
        let endpoint = Endpoint {
            schema_version: 1,
            label: LABEL,
            message: &self.message,
            color: self.color,
        };
        let mut json = serde_json::to_string(&endpoint).unwrap_or_default();
        json.push('\n');
        json
    }

    /// A static shields.io image URL showing the same badge, for a README without a badge file.
    pub fn shields_url(&self) -> String {
        format!(
            "https://img.shields.io/badge/{}-{}-{}",
            static_badge_part(LABEL),
            static_badge_part(&self.message),
            static_badge_part(self.color)
        )
    }
}

/// Red below 20%, then orange, yellow, yellowgreen and green, bright green from 90%.
pub fn color_for_percent(percent: f64) -> &'static str {
    match percent {
        p if p >= 90.0 => "brightgreen",
        p if p >= 75.0 => "green",
        p if p >= 60.0 => "yellowgreen",
        p if p >= 40.0 => "yellow",
        p if p >= 20.0 => "orange",
        _ => "red",
    }
}

/// Where the endpoint JSON of a badge file goes: the same path with the extension `.json`.
/// `None` when that is the badge file itself.
pub fn endpoint_path(svg: &Path) -> Option<PathBuf> {
    let json = svg.with_extension("json");
    (json != svg).then_some(json)
}

/// One part of a static badge path: `-` and `_` doubled as shields.io wants, everything but
/// letters and digits percent-encoded.
fn static_badge_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.replace('-', "--").replace('_', "__").bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::tests::sample_report;

    #[test]
    fn colour_goes_from_red_through_yellow_to_green() {
        let colours: Vec<&str> = [0.0, 19.9, 20.0, 40.0, 60.0, 75.0, 89.9, 90.0, 100.0]
            .into_iter()
            .map(color_for_percent)
            .collect();
        assert_eq!(
            colours,
            [
                "red",
                "red",
                "orange",
                "yellow",
                "yellowgreen",
                "green",
                "green",
                "brightgreen",
                "brightgreen"
            ]
        );
    }

    #[test]
    fn an_overdue_p1_task_makes_the_badge_red() {
        let mut report = sample_report();
        report.totals.counts.done = 5;
        assert_eq!(report.totals.counts.percent(), 100.0);
        assert_eq!(
            Badge::of(&report),
            Badge {
                message: "5/5 done".to_string(),
                color: "red"
            }
        );
        report.incidents[0].items[0].overdue = false;
        assert_eq!(Badge::of(&report).color, "brightgreen");
    }

    #[test]
    fn svg_is_well_formed_labelled_and_self_contained() {
        let badge = Badge {
            message: "12/34 done".to_string(),
            color: "yellow",
        };
        let svg = badge.svg();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.attribute("aria-label"),
            Some("corrective actions: 12/34 done")
        );
        let title = root.children().find(|n| n.has_tag_name("title")).unwrap();
        assert_eq!(title.text(), Some("corrective actions: 12/34 done"));
        assert!(svg.contains("fill=\"#dfb317\""), "{svg}");
        assert!(!svg.contains("href"), "no external reference: {svg}");
        // Wider text makes a wider badge.
        let wide = Badge {
            message: "1234/5678 done".to_string(),
            color: "red",
        };
        let width = |s: &str| {
            roxmltree::Document::parse(s)
                .unwrap()
                .root_element()
                .attribute("width")
                .unwrap()
                .parse::<u32>()
                .unwrap()
        };
        assert!(width(&wide.svg()) > width(&svg));
    }

    #[test]
    fn endpoint_json_and_static_url_carry_the_same_badge() {
        let badge = Badge {
            message: "12/34 done".to_string(),
            color: "yellowgreen",
        };
        assert_eq!(
            badge.endpoint_json(),
            "{\"schemaVersion\":1,\"label\":\"corrective actions\",\"message\":\"12/34 done\",\"color\":\"yellowgreen\"}\n"
        );
        assert_eq!(
            badge.shields_url(),
            "https://img.shields.io/badge/corrective%20actions-12%2F34%20done-yellowgreen"
        );
    }

    #[test]
    fn endpoint_file_sits_beside_the_badge() {
        assert_eq!(
            endpoint_path(Path::new("docs/status.svg")),
            Some(PathBuf::from("docs/status.json"))
        );
        assert_eq!(
            endpoint_path(Path::new("badge")),
            Some(PathBuf::from("badge.json"))
        );
        assert_eq!(endpoint_path(Path::new("badge.json")), None);
    }
}
