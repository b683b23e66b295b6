//! What aftercare writes about a task, as structured content for any tracker.
//!
//! [`issue_content`] gathers from the validated model everything a task's issue says: the
//! task's description, its incident and file, its measure, type, priority and due date. How
//! that reads on a tracker (Markdown with hidden notes, Atlassian Document Format, wiki markup)
//! is the tracker's [`crate::tracker::IssueText`]; nothing here formats text.

use crate::model::{Postmortem, Task};
use crate::tracker::{IssueContent, Owned};

/// The content of `task`'s issue, with nothing owned yet (the planner fills in the labels and
/// assignees it sets).
pub fn issue_content(pm: &Postmortem, task: &Task) -> IssueContent {
    IssueContent {
        key: pm.key_of(task),
        description: task.description.clone(),
        incident: pm.title.clone(),
        file: pm.file_display(),
        measure: task
            .measure
            .as_ref()
            .and_then(|id| pm.measures.iter().find(|m| &m.id == id))
            .map(|m| m.title.clone()),
        kind: task.kind,
        priority: task.priority,
        due: task.due,
        owned: Owned::default(),
    }
}
