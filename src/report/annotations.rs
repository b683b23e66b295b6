//! GitHub workflow annotations for overdue tasks: one `::warning file=…,line=…::` line per
//! task, pointing at the task in its YAML file so the warning shows up on it.
//!
//! Values are escaped the way the runner decodes them (`%`, CR and LF in the message; also `:`
//! and `,` in properties), so a title can neither end the command nor start another one.

use std::fmt::Write as _;

use crate::diagnostics::{escape_github_data, escape_github_property};
use crate::status::StatusReport;

/// One `::warning` line per overdue task, in report order.
pub fn overdue_warnings(status: &StatusReport) -> String {
    let mut out = String::new();
    for (incident, item) in status.overdue() {
        let mut message = format!("{} ({}/{}", item.title, incident.id, item.id);
        if let Some(p) = item.priority {
            let _ = write!(message, ", {p}");
        }
        message.push(')');
        if let Some(due) = item.due {
            let _ = write!(message, " was due {due} and");
        }
        message.push_str(" is still open");
        if let Some(n) = item.issue {
            let _ = write!(message, ": #{n}");
        }
        if let Some(url) = &item.url {
            let _ = write!(message, " {url}");
        }
        let _ = writeln!(
            out,
            "::warning file={},line={},title={}::{}",
            escape_github_property(&incident.file),
            item.line.max(1),
            escape_github_property("Overdue corrective task"),
            escape_github_data(&message),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::tests::sample_report;

    #[test]
    fn one_warning_per_overdue_task_at_its_line() {
        let mut report = sample_report();
        report.incidents[1].items[1].title = "multi\nline 100%, a:b".to_string();
        assert_eq!(
            overdue_warnings(&report),
            "::warning file=postmortems/2023-05-10-ddos.yaml,line=31,title=Overdue corrective task::\
             Task waf (2023-05-10-ddos/waf, P1) was due 2023-06-07 and is still open: #12 \
             https://github.com/acme/web/issues/12\n\
             ::warning file=postmortems/2023-07-02-dns.yaml,line=33,title=Overdue corrective task::\
             multi%0Aline 100%25, a:b (2023-07-02-dns/cache, P3) was due 2023-08-01 and is still \
             open: #21 https://github.com/acme/web/issues/21\n"
        );
    }

    #[test]
    fn a_file_name_with_commas_and_colons_stays_one_property() {
        let mut report = sample_report();
        report.incidents[0].file = "post,mortems/a:b.yaml".to_string();
        assert!(overdue_warnings(&report).starts_with(
            "::warning file=post%2Cmortems/a%3Ab.yaml,line=31,title=Overdue corrective task::"
        ));
    }
}
