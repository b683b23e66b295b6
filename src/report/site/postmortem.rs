//! `<id>.html`: one postmortem as a page. The facts (severity, service, start, end, duration,
//! detection), the impact with the share of users, root cause, resolution, the timeline as a
//! picture and as text, lessons, the measures with their tasks and each task's state and
//! issue, and the incident's burn-down.

use std::collections::HashMap;

use maud::{Markup, html};

use super::{
    Shown, SiteInput, States, burndown_or_note, format, header_row, issue_link, issue_times,
    layout, progress, timeline,
};
use crate::model::{Postmortem, Task};
use crate::status::{IncidentStatus, ItemStatus};

pub fn page(input: &SiteInput, p: &Postmortem, incident: &IncidentStatus) -> Markup {
    let items: HashMap<&str, &ItemStatus> =
        incident.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let unmeasured: Vec<&Task> = p.tasks.iter().filter(|t| t.measure.is_none()).collect();
    let times: Vec<_> = issue_times(&incident.items).collect();
    let not_given = html! { span.muted { "not given" } };
    let moment = |m: &Option<crate::model::Moment>| match m {
        Some(m) => html! { (format::moment(m)) },
        None => not_given.clone(),
    };
    let body = html! {
        h1 { (p.title) }
        dl.facts #facts {
            dt { "Severity" } dd { (p.severity.as_deref().unwrap_or("not given")) }
            dt { "Service" } dd { (p.service.as_deref().unwrap_or("not given")) }
            dt { "Started" } dd { (moment(&p.started)) }
            dt { "Ended" } dd { (moment(&p.ended)) }
            dt { "Duration" } dd {
                @match format::duration(p) {
                    Some(d) => (format::duration_text(d)),
                    None => (not_given),
                }
            }
            dt { "Detected" } dd { (moment(&p.detected)) }
            dt { "Follow-ups" } dd { (progress(&incident.counts, input.states)) }
            dt { "File" } dd { code { (p.file_display()) } }
        }
        section #detection {
            h2 { "Detection" }
            @match &p.detection {
                Some(text) => (format::paragraphs(text)),
                None => p.muted { "Not recorded." },
            }
        }
        section #impact {
            h2 { "Impact" }
            (format::paragraphs(&p.impact.summary))
            @if let Some(percent) = p.impact.users_affected_percent {
                p.share { "Share of users affected: " strong { (format::share(percent)) } }
            }
        }
        section #root-cause {
            h2 { "Root cause" }
            (format::paragraphs(&p.root_cause))
        }
        section #resolution {
            h2 { "Resolution" }
            @match &p.resolution {
                Some(text) => (format::paragraphs(text)),
                None => p.muted { "Not recorded." },
            }
        }
        section #timeline {
            h2 { "Timeline" }
            @match timeline::svg(p) {
                Some(svg) => {
                    (svg)
                    (timeline::legend())
                    ol.timeline {
                        @for entry in &p.timeline {
                            li {
                                @match &entry.at {
                                    Some(at) => { strong { (format::moment(at)) } " " }
                                    None => {},
                                }
                                span class=(format!("kind kind-{}", timeline::kind_name(entry.kind))) {
                                    (timeline::kind_name(entry.kind))
                                }
                                " " (entry.event)
                            }
                        }
                    }
                }
                None => p.muted { "No timeline recorded." },
            }
        }
        section #lessons {
            h2 { "Lessons" }
            @match &p.lessons {
                Some(text) => (format::paragraphs(text)),
                None => p.muted { "Not recorded." },
            }
        }
        section #follow-ups {
            h2 { "Follow-ups" }
            @if p.tasks.is_empty() {
                p.muted { "No follow-ups." }
            }
            @for measure in &p.measures {
                @let tasks: Vec<&Task> =
                    p.tasks.iter().filter(|t| t.measure.as_deref() == Some(&measure.id)).collect();
                div.measure id=(format!("measure-{}", measure.id)) {
                    h3 { (measure.title) }
                    @if let Some(text) = &measure.description {
                        (format::paragraphs(text))
                    }
                    (task_table(input, &tasks, &items))
                }
            }
            @if !unmeasured.is_empty() {
                div.measure {
                    @if !p.measures.is_empty() {
                        h3 { "Other follow-ups" }
                    }
                    (task_table(input, &unmeasured, &items))
                }
            }
        }
        section #burn-down {
            h2 { "Burn-down" }
            (burndown_or_note(input, &times, &p.title))
        }
    };
    layout(&p.title, input, false, body)
}

fn task_table(input: &SiteInput, tasks: &[&Task], items: &HashMap<&str, &ItemStatus>) -> Markup {
    if tasks.is_empty() {
        return html! { p.muted { "No tasks under this measure." } };
    }
    html! {
        div.scroll {
            table.tasks {
                (header_row(&["Task", "Type", "Priority", "Owner", "Due", "State", "Issue"]))
                tbody {
                    @for task in tasks {
                        @let item = items.get(task.id.as_str()).copied();
                        tr id=(format!("task-{}", task.id)) data-state=[item.map(|i| Shown::of(i, input.states).as_str())] {
                            td { (task.title) }
                            td { (task.kind.map_or("—".to_string(), |k| k.to_string())) }
                            td { (task.priority.map_or("—".to_string(), |p| p.to_string())) }
                            td {
                                (item.and_then(|i| i.owner.as_deref())
                                    .or(task.owner.as_deref()).unwrap_or("—"))
                            }
                            td.nowrap { (item.and_then(|i| i.due).map_or("—".to_string(), |d| d.to_string())) }
                            td {
                                @if let Some(item) = item { (Shown::of(item, input.states).markup()) }
                            }
                            td {
                                @match (input.states, item) {
                                    (States::Known, Some(item)) => (issue_link(item)),
                                    _ => span.muted { "unknown" },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
