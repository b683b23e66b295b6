//! The `--format json` report: the serde form of [`StatusReport`], pretty-printed.
//!
//! The shape is a public interface documented in the README; this renderer adds nothing to it
//! and takes nothing away.

use super::Report;
use crate::status::StatusReport;

/// Prints the status as JSON.
pub struct JsonReport;

impl Report for JsonReport {
    fn render(&self, status: &StatusReport) -> String {
        // The report holds only strings, numbers, booleans and nulls; serialising it cannot
        // fail, but a failure must still not panic.
        let mut out = serde_json::to_string_pretty(status)
            .unwrap_or_else(|err| serde_json::json!({ "error": err.to_string() }).to_string());
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::tests::sample_report;

    #[test]
    fn json_report_parses_back_with_every_documented_field() {
        let out = JsonReport.render(&sample_report());
        assert!(out.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            value["totals"],
            serde_json::json!({"postmortems": 2, "tasks": 6, "done": 2, "open": 2, "dropped": 1,
                               "missing": 1, "unverified": 0, "overdue": 2, "percent": 40.0})
        );
        let keys: Vec<&str> = value["incidents"][0]["items"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "due", "id", "issue", "overdue", "owner", "priority", "ref", "repo", "state",
                "title", "url"
            ]
        );
        assert_eq!(
            value["incidents"][1]["items"][1]["title"],
            "<script>&\"'| ] ( [x](javascript:alert(1))"
        );
    }
}
