//! `index.html`: every published incident, newest first, with its follow-ups' progress, and
//! the totals, badge and overall burn-down as `status` reports them.

use std::cmp::Reverse;

use maud::{Markup, PreEscaped, html};

use super::{
    SiteInput, States, burndown_or_note, format, header_row, issue_link, issue_times, layout,
    page_file, progress,
};
use crate::badge::Badge;
use crate::model::Postmortem;
use crate::report::format_percent;
use crate::status::IncidentStatus;

pub fn page(input: &SiteInput, published: &[(&Postmortem, &IncidentStatus)]) -> Markup {
    let mut listed: Vec<&(&Postmortem, &IncidentStatus)> = published.iter().collect();
    listed.sort_by_key(|(p, _)| (Reverse(format::listed_date(p)), p.id.as_str()));
    let status = input.status;
    let totals = &status.totals.counts;
    let badge = match input.states {
        States::Known => Badge::of(status),
        States::Unknown => Badge {
            message: "unknown".to_string(),
            color: "lightgrey",
        },
    };
    let all_times: Vec<_> = status
        .incidents
        .iter()
        .flat_map(|i| issue_times(&i.items))
        .collect();
    let body = html! {
        h1 { "Postmortems" }
        section.totals aria-label="Totals" {
            // The badge is the shields-style SVG of `status --badge`: our own numbers, its text
            // XML-escaped by the renderer.
            p.badge { (PreEscaped(badge.svg())) }
            @match input.states {
                States::Known => {
                    p id="totals" {
                        (totals.done) " of " (totals.planned()) " follow-ups done ("
                        (format_percent(totals.percent())) ") in "
                        (status.totals.postmortems) " postmortems; "
                        (totals.dropped) " dropped, " (totals.open) " open, "
                        (totals.overdue) " overdue, " (totals.missing) " without an issue."
                    }
                }
                States::Unknown => {
                    p id="totals" {
                        (totals.tasks) " follow-ups in " (status.totals.postmortems)
                        " postmortems; their states are unknown (rendered offline)."
                    }
                }
            }
        }
        h2 { "Incidents" }
        @if listed.is_empty() {
            p { "No published postmortems." }
        } @else {
            div.scroll {
                table id="incidents" {
                    (header_row(&["Incident", "Severity", "Service", "Date", "Duration", "Follow-ups", "Overdue"]))
                    tbody {
                        @for (postmortem, incident) in &listed {
                            tr {
                                td { a href=(page_file(&postmortem.id)) { (postmortem.title) } }
                                td { (postmortem.severity.as_deref().unwrap_or("—")) }
                                td { (postmortem.service.as_deref().unwrap_or("—")) }
                                td.nowrap {
                                    @match format::listed_date(postmortem) {
                                        Some(d) => (d.format("%Y-%m-%d")),
                                        None => span.muted { "not given" },
                                    }
                                }
                                td.nowrap {
                                    @match format::duration(postmortem) {
                                        Some(d) => (format::duration_text(d)),
                                        None => "—",
                                    }
                                }
                                td { (progress(&incident.counts, input.states)) }
                                td.num {
                                    @match input.states {
                                        States::Known => (incident.counts.overdue),
                                        States::Unknown => span.muted { "unknown" },
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if input.states == States::Known {
            h2 { "Overdue follow-ups" }
            @let overdue: Vec<_> = status.overdue().collect();
            @if overdue.is_empty() {
                p { "No follow-up is overdue." }
            } @else {
                div.scroll {
                    table id="overdue" {
                        (header_row(&["Task", "Incident", "Priority", "Due", "Owner", "Issue"]))
                        tbody {
                            @for (incident, item) in overdue {
                                tr {
                                    td { (item.title) }
                                    td { a href=(page_file(&incident.id)) { (incident.title) } }
                                    td { (item.priority.map_or("—".to_string(), |p| p.to_string())) }
                                    td.nowrap { (item.due.map_or("—".to_string(), |d| d.to_string())) }
                                    td { (item.owner.as_deref().unwrap_or("—")) }
                                    td { (issue_link(item)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Burn-down" }
        (burndown_or_note(input, &all_times, "All incidents"))
    };
    layout("Postmortems", input, true, body)
}
