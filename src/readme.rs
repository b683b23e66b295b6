//! Rewriting the status section of a README between its markers.
//!
//! [`section`] renders what goes between `<!-- aftercare:status:start -->` and
//! `<!-- aftercare:status:end -->`: the badge and a table of incidents, deterministic (no
//! timestamp) so that an unchanged status gives an unchanged file. [`replace_section`] puts it
//! in place and touches nothing outside the markers, keeping the file's line endings. Both are
//! pure; the command reads the file and writes it only when the text changed.

use std::path::{Component, Path};

use anyhow::bail;

use crate::badge::Badge;
use crate::report::markdown::{escape_text, incident_table, path_destination};
use crate::status::{IncidentStatus, StatusReport};

/// The line that opens the status section.
pub const START: &str = "<!-- aftercare:status:start -->";
/// The line that closes the status section.
pub const END: &str = "<!-- aftercare:status:end -->";

/// Where the section's badge image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadgeImage {
    /// A badge file written by `--badge`, as a path relative to the README.
    File(String),
    /// No badge file: a static shields.io image with the same label, message and colour.
    Shields,
}

/// The section's content, markers included. `file_link` gives the link of each postmortem file
/// relative to the README (or `None` for no link).
pub fn section(
    status: &StatusReport,
    badge: &BadgeImage,
    file_link: &dyn Fn(&IncidentStatus) -> Option<String>,
) -> String {
    let b = Badge::of(status);
    let dest = match badge {
        BadgeImage::File(path) => path_destination(path),
        BadgeImage::Shields => b.shields_url(),
    };
    let mut out = String::new();
    out.push_str(START);
    out.push('\n');
    out.push_str(&format!("![{}]({dest})\n\n", escape_text(&b.alt_text())));
    if status.incidents.is_empty() {
        out.push_str("No published postmortems.\n");
    } else {
        out.push_str(&incident_table(status, file_link, false));
    }
    // A blank line ends the table before the closing marker on every renderer.
    out.push('\n');
    out.push_str(END);
    out
}

/// Where `marker` stands on a line of its own (surrounding white space allowed): only there is
/// it a marker. A README that documents the markers in its prose, for example inside
/// backticks, keeps that prose untouched.
fn marker_offsets(readme: &str, marker: &str) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut line_start = 0;
    for line in readme.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim() == marker {
            let indent = content.len() - content.trim_start().len();
            offsets.push(line_start + indent);
        }
        line_start += line.len();
    }
    offsets
}

/// Replaces the text from the start marker to the end marker (both included) with `section`.
/// Markers count only on a line of their own. Fails when a marker is missing, repeated, or the
/// end comes first. The file's CRLF line
/// endings, if it uses them, are kept.
pub fn replace_section(readme: &str, section: &str) -> anyhow::Result<String> {
    let starts = marker_offsets(readme, START);
    let ends = marker_offsets(readme, END);
    let (start, end) = match (starts.as_slice(), ends.as_slice()) {
        ([], []) => {
            bail!("the markers {START} and {END} are missing; add them where the status should go")
        }
        ([], _) => bail!("the marker {START} is missing; add it before {END}"),
        (_, []) => bail!("the marker {END} is missing; add it after {START}"),
        ([s], [e]) if e > s => (*s, *e),
        ([_], [_]) => bail!("the marker {END} comes before {START}"),
        _ => bail!("the markers {START} and {END} must each appear once"),
    };
    let section = if readme.contains("\r\n") {
        section.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        section.to_string()
    };
    let mut out = String::with_capacity(readme.len() + section.len());
    out.push_str(&readme[..start]);
    out.push_str(&section);
    out.push_str(&readme[end + END.len()..]);
    Ok(out)
}

/// The path of `to` relative to the directory `from_dir`, with `/` separators, for a link.
/// Both must be absolute (canonical) paths; `None` when no relative path joins them (different
/// drives).
pub fn relative_path(from_dir: &Path, to: &Path) -> Option<String> {
    let from: Vec<Component> = from_dir.components().collect();
    let to: Vec<Component> = to.components().collect();
    if from.first() != to.first() {
        return None;
    }
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::status::tests::sample_report;

    const SECTION: &str = "<!-- aftercare:status:start -->
![corrective actions: 2/5 done](docs/badge.svg)

| Incident | Done | Progress | Overdue |
| --- | ---: | --- | ---: |
| [DDoS on the web tier](postmortems/2023-05-10-ddos.yaml) | 1/3 | ▓▓▓░░░░░░░ 33.3% | 1 |
| [DNS &lt;b&gt;outage&lt;/b&gt; \\| \\[x\\]\\(y\\)](postmortems/2023-07-02-dns.yaml) | 1/2 | ▓▓▓▓▓░░░░░ 50% | 1 |
| **Total** | 2/5 | ▓▓▓▓░░░░░░ 40% | 2 |

<!-- aftercare:status:end -->";

    fn rendered() -> String {
        section(
            &sample_report(),
            &BadgeImage::File("docs/badge.svg".to_string()),
            &|i| Some(path_destination(&i.file)),
        )
    }

    #[test]
    fn section_has_the_badge_and_a_linked_escaped_table() {
        assert_eq!(rendered(), SECTION);
        let shields = section(&sample_report(), &BadgeImage::Shields, &|_| None);
        assert!(shields.starts_with(
            "<!-- aftercare:status:start -->\n![corrective actions: 2/5 done](https://img.shields.io/badge/corrective%20actions-2%2F5%20done-red)\n"
        ));
        assert!(shields.contains("\n| DDoS on the web tier | 1/3 |"));
    }

    #[test]
    fn replacing_touches_nothing_outside_the_markers_and_is_idempotent() {
        let before = "# Project\n\nIntro.\n\n<!-- aftercare:status:start -->\nold\n<!-- aftercare:status:end -->\n\nRest.\n";
        let once = replace_section(before, &rendered()).unwrap();
        assert_eq!(once, format!("# Project\n\nIntro.\n\n{SECTION}\n\nRest.\n"));
        assert_eq!(replace_section(&once, &rendered()).unwrap(), once);
    }

    #[test]
    fn crlf_files_keep_their_line_endings() {
        let before =
            "a\r\n<!-- aftercare:status:start -->\r\n<!-- aftercare:status:end -->\r\nb\r\n";
        let after = replace_section(
            before,
            "<!-- aftercare:status:start -->\nx\n<!-- aftercare:status:end -->",
        )
        .unwrap();
        assert_eq!(
            after,
            "a\r\n<!-- aftercare:status:start -->\r\nx\r\n<!-- aftercare:status:end -->\r\nb\r\n"
        );
    }

    #[test]
    fn missing_repeated_or_reversed_markers_are_errors() {
        let err = |text: &str| format!("{:#}", replace_section(text, "x").unwrap_err());
        assert_eq!(
            err("# Project\n"),
            "the markers <!-- aftercare:status:start --> and <!-- aftercare:status:end --> are missing; add them where the status should go"
        );
        assert_eq!(
            err("<!-- aftercare:status:start -->\n"),
            "the marker <!-- aftercare:status:end --> is missing; add it after <!-- aftercare:status:start -->"
        );
        assert_eq!(
            err("<!-- aftercare:status:end -->\n"),
            "the marker <!-- aftercare:status:start --> is missing; add it before <!-- aftercare:status:end -->"
        );
        assert_eq!(
            err("<!-- aftercare:status:end -->\n<!-- aftercare:status:start -->\n"),
            "the marker <!-- aftercare:status:end --> comes before <!-- aftercare:status:start -->"
        );
        assert_eq!(
            err(
                "<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n  <!-- aftercare:status:start -->\n"
            ),
            "the markers <!-- aftercare:status:start --> and <!-- aftercare:status:end --> must each appear once"
        );
    }

    /// Regression: a README that documents the markers in its prose (as this project's own
    /// README does) was refused as having repeated markers.
    #[test]
    fn markers_mentioned_inside_a_line_of_prose_are_not_markers() {
        let readme = "# P\n\n<!-- aftercare:status:start -->\nold\n<!-- aftercare:status:end -->\n\n\
                      `--readme` rewrites what stands between `<!-- aftercare:status:start -->` \
                      and `<!-- aftercare:status:end -->`.\n";
        assert_eq!(
            replace_section(
                readme,
                "<!-- aftercare:status:start -->\nnew\n<!-- aftercare:status:end -->"
            )
            .unwrap(),
            "# P\n\n<!-- aftercare:status:start -->\nnew\n<!-- aftercare:status:end -->\n\n\
             `--readme` rewrites what stands between `<!-- aftercare:status:start -->` \
             and `<!-- aftercare:status:end -->`.\n"
        );
    }

    #[test]
    fn relative_paths_climb_out_of_the_readme_directory() {
        let rel = |a: &str, b: &str| relative_path(&PathBuf::from(a), &PathBuf::from(b));
        assert_eq!(
            rel("/r", "/r/postmortems/a.yaml").as_deref(),
            Some("postmortems/a.yaml")
        );
        assert_eq!(
            rel("/r/docs", "/r/postmortems/a.yaml").as_deref(),
            Some("../postmortems/a.yaml")
        );
        assert_eq!(
            rel("/r/docs", "/r/docs/badge.svg").as_deref(),
            Some("badge.svg")
        );
    }
}
