//! The pure planner: from tasks and existing issues to the list of changes.
//!
//! [`plan`] compares every task of every published postmortem with the issue that counts for
//! it in the [`IssueIndex`] and decides, in one pass, what to do, following these rules:
//!
//! - no issue yet: create one;
//! - what the YAML owns differs (title, the body aftercare writes, the labels and assignee it
//!   set): update, keeping what people added: their labels and extra assignees stay, a
//!   configured or task label someone removed is put back, and a label or owner dropped from
//!   the YAML is taken off (aftercare knows which ones it set from a note in the body);
//! - a closed issue keeps its state (closing is how people report a task done or dropped),
//!   except that an issue aftercare itself closed as not planned because its task was removed
//!   is reopened when the task comes back;
//! - a task gone from the YAML, or whose postmortem was deleted or turned back into a draft:
//!   its open issue is closed as not planned, with a comment that says why;
//! - several trusted issues for one task: the oldest is kept, the other open ones are closed as
//!   duplicates with a comment naming the kept one;
//! - marked issues from untrusted authors change nothing and become warnings;
//! - a task whose `repo` names another repository than the one its open issue is in: a new
//!   issue is made there, and the old one is closed as not planned with a comment linking the
//!   new one ([`Change::Move`], applied after every create); a task a person closed stays
//!   closed where it is;
//! - tasks routed to a repository that could not be read are left alone, and so are their
//!   issues elsewhere.
//!
//! Nothing here does I/O or looks at the clock; the same inputs always give the same plan.

pub mod content;
pub mod issue_index;
pub mod route;

use std::collections::BTreeSet;

use crate::model::{Postmortem, PostmortemStatus, TaskKey};
use crate::plan::issue_index::IssueIndex;
use crate::plan::route::{Routes, is_in};
use crate::tracker::{
    IssueEdit, IssueRef, IssueState, IssueText, LabelChange, NewIssue, Owned, StateChange,
    TrackedIssue,
};

/// What the planner needs to know.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// Every postmortem loaded, drafts included (a draft's issues are closed).
    pub postmortems: &'a [Postmortem],
    pub index: &'a IssueIndex,
    /// The labels every issue carries, from aftercare.yml.
    pub labels: &'a [String],
    /// How the tracker writes issue text.
    pub text: &'a dyn IssueText,
    /// Who the tracker trusts besides the syncing identity, for warnings about look-alikes.
    pub trust_rule: &'a str,
    /// Where each task's issue lives.
    pub routes: &'a Routes,
    /// Places that could not be read: their tasks, and those tasks' issues elsewhere, are
    /// left alone.
    pub unreadable: &'a [Option<String>],
}

/// Why an issue is closed as not planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// The task is no longer in its postmortem.
    TaskRemoved { file: String },
    /// The postmortem is a draft again.
    Draft { file: String },
    /// No postmortem has this id any more.
    PostmortemGone,
}

/// One change to the tracker, or the decision to leave an issue alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Create {
        key: TaskKey,
        issue: NewIssue,
    },
    Update {
        key: TaskKey,
        issue: IssueRef,
        title: String,
        edit: Box<IssueEdit>,
    },
    /// Close as not planned; `edit` closes and notes it in the body, then `comment` says why.
    Close {
        key: TaskKey,
        issue: IssueRef,
        title: String,
        reason: Removal,
        edit: Box<IssueEdit>,
        comment: String,
    },
    Reopen {
        key: TaskKey,
        issue: IssueRef,
        title: String,
        edit: Box<IssueEdit>,
        comment: String,
    },
    CloseDuplicate {
        key: TaskKey,
        issue: IssueRef,
        title: String,
        kept: Box<IssueRef>,
        edit: Box<IssueEdit>,
        comment: String,
    },
    Unchanged {
        key: TaskKey,
        issue: IssueRef,
        title: String,
    },
    /// The task now lives in another place: once its issue there exists (`kept`, else the one
    /// this run creates), close this one as not planned, linking the new one.
    Move {
        key: TaskKey,
        issue: IssueRef,
        title: String,
        /// The place the task moved to, `None` for the configured repository.
        to: Option<String>,
        /// That place's name, `acme/api`.
        to_name: String,
        /// The task's issue in its new place, when it existed before this run.
        kept: Option<Box<IssueRef>>,
        edit: Box<IssueEdit>,
    },
}

impl Change {
    pub fn key(&self) -> &TaskKey {
        match self {
            Change::Create { key, .. }
            | Change::Update { key, .. }
            | Change::Close { key, .. }
            | Change::Reopen { key, .. }
            | Change::CloseDuplicate { key, .. }
            | Change::Unchanged { key, .. }
            | Change::Move { key, .. } => key,
        }
    }

    /// The issue changed, `None` for a create.
    pub fn issue(&self) -> Option<&IssueRef> {
        match self {
            Change::Create { .. } => None,
            Change::Update { issue, .. }
            | Change::Close { issue, .. }
            | Change::Reopen { issue, .. }
            | Change::CloseDuplicate { issue, .. }
            | Change::Unchanged { issue, .. }
            | Change::Move { issue, .. } => Some(issue),
        }
    }

    /// The issue's title after the change.
    pub fn title(&self) -> &str {
        match self {
            Change::Create { issue, .. } => &issue.title,
            Change::Update { title, .. }
            | Change::Close { title, .. }
            | Change::Reopen { title, .. }
            | Change::CloseDuplicate { title, .. }
            | Change::Unchanged { title, .. }
            | Change::Move { title, .. } => title,
        }
    }

    /// The action's name as output shows it: `create`, `update`, `close`, `reopen`,
    /// `close-duplicate`, `unchanged`, `move`.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Create { .. } => "create",
            Change::Update { .. } => "update",
            Change::Close { .. } => "close",
            Change::Reopen { .. } => "reopen",
            Change::CloseDuplicate { .. } => "close-duplicate",
            Change::Unchanged { .. } => "unchanged",
            Change::Move { .. } => "move",
        }
    }

    /// True when applying the change writes to the tracker.
    pub fn is_write(&self) -> bool {
        !matches!(self, Change::Unchanged { .. })
    }
}

/// The changes, in the order they are applied, and what the planner wants people to know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub warnings: Vec<String>,
}

/// How many changes of each kind, as the summary line shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub closed: usize,
    pub reopened: usize,
    pub unchanged: usize,
    /// Issues closed because their task moved to another repository.
    pub moved: usize,
}

impl Summary {
    pub fn add(&mut self, change: &Change) {
        match change {
            Change::Create { .. } => self.created += 1,
            Change::Update { .. } => self.updated += 1,
            Change::Close { .. } | Change::CloseDuplicate { .. } => self.closed += 1,
            Change::Reopen { .. } => self.reopened += 1,
            Change::Unchanged { .. } => self.unchanged += 1,
            Change::Move { .. } => self.moved += 1,
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "created {}, updated {}, closed {}, reopened {}, unchanged {}",
            self.created, self.updated, self.closed, self.reopened, self.unchanged
        )?;
        if self.moved > 0 {
            write!(f, ", moved {}", self.moved)?;
        }
        Ok(())
    }
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        self.changes.iter().for_each(|c| s.add(c));
        s
    }

    /// The number of changes that write.
    pub fn writes(&self) -> usize {
        self.changes.iter().filter(|c| c.is_write()).count()
    }
}

/// What the YAML says a task's issue should be, in the tracker's text.
struct Desired {
    title: String,
    body: String,
    owned: Owned,
}

/// Plans the changes; see the module documentation for the rules.
pub fn plan(input: PlanInput<'_>) -> Plan {
    let mut out = Plan::default();
    // One change for every task, and room made once: a plan over 50,000 tasks is large.
    out.changes.reserve_exact(
        (input.postmortems.iter())
            .filter(|p| p.status == PostmortemStatus::Published)
            .map(|p| p.tasks.len())
            .sum(),
    );
    let mut wanted: BTreeSet<TaskKey> = BTreeSet::new();
    let mut moves: Vec<Change> = Vec::new();

    for pm in input
        .postmortems
        .iter()
        .filter(|p| p.status == PostmortemStatus::Published)
    {
        for task in &pm.tasks {
            let key = pm.key_of(task);
            if !wanted.insert(key.clone()) {
                continue; // the loader reports duplicate ids; never plan a key twice
            }
            let place = input.routes.place_of(&key);
            if input.unreadable.iter().any(|u| is_in(u.as_deref(), place)) {
                continue; // its place could not be read: nothing is known, nothing is done
            }
            let owned = Owned {
                labels: union_labels(input.labels, &task.labels),
                assignees: task
                    .owner
                    .iter()
                    .map(|o| o.trim_start_matches('@').to_string())
                    .filter(|o| !o.is_empty())
                    .collect(),
            };
            let mut content = content::issue_content(pm, task);
            content.owned = owned.clone();
            let desired = Desired {
                title: input.text.title(&task.title),
                body: input.text.body(&content),
                owned,
            };
            let (issues, elsewhere): (Vec<&TrackedIssue>, Vec<&TrackedIssue>) = (input.index)
                .all(&key)
                .iter()
                .partition(|i| is_in(i.issue.place.as_deref(), place));
            let open_elsewhere: Vec<&TrackedIssue> = elsewhere
                .iter()
                .copied()
                .filter(|i| i.state.is_open())
                .collect();
            for old in &open_elsewhere {
                moves.push(Change::Move {
                    key: key.clone(),
                    issue: old.issue.clone(),
                    title: old.title.clone(),
                    to: place.map(str::to_string),
                    to_name: input.routes.name(place).to_string(),
                    kept: issues.first().map(|i| Box::new(i.issue.clone())),
                    edit: Box::new(IssueEdit {
                        body: Some(input.text.with_removal_note(&old.body))
                            .filter(|b| *b != old.body),
                        state: Some(StateChange::DropNotPlanned),
                        ..IssueEdit::default()
                    }),
                });
            }
            let closed_by_people = elsewhere
                .iter()
                .find(|i| !i.state.is_open() && !i.removed_by_aftercare);
            if let (true, true, Some(closed)) = (
                issues.is_empty(),
                open_elsewhere.is_empty(),
                closed_by_people,
            ) {
                // Closed by a person before its task moved: it stays closed where it is.
                out.changes.push(Change::Unchanged {
                    key: key.clone(),
                    issue: closed.issue.clone(),
                    title: closed.title.clone(),
                });
                continue;
            }
            let Some((kept, duplicates)) = issues.split_first() else {
                out.changes.push(Change::Create {
                    key: key.clone(),
                    issue: NewIssue {
                        key,
                        place: place.map(str::to_string),
                        title: desired.title,
                        body: desired.body,
                        labels: desired.owned.labels,
                        assignees: desired.owned.assignees,
                    },
                });
                continue;
            };
            out.changes.push(reconcile(
                &key,
                kept,
                &desired,
                &pm.file_display(),
                input.text,
            ));
            for dup in duplicates.iter().filter(|d| d.state.is_open()) {
                out.changes.push(Change::CloseDuplicate {
                    key: key.clone(),
                    issue: dup.issue.clone(),
                    title: dup.title.clone(),
                    kept: Box::new(kept.issue.clone()),
                    edit: Box::new(IssueEdit {
                        state: Some(StateChange::DropDuplicate),
                        ..IssueEdit::default()
                    }),
                    comment: format!(
                        "Duplicate of {}: aftercare keeps one issue per task (`{key}`), the \
                         oldest one.",
                        kept.issue
                    ),
                });
            }
        }
    }

    // A move closes the old issue only once the new one exists: after every create.
    out.changes.append(&mut moves);

    for key in input.index.keys().filter(|k| !wanted.contains(*k)) {
        let reason = removal_reason(input.postmortems, key);
        for issue in input.index.all(key).iter().filter(|i| i.state.is_open()) {
            let body = input.text.with_removal_note(&issue.body);
            out.changes.push(Change::Close {
                key: key.clone(),
                issue: issue.issue.clone(),
                title: issue.title.clone(),
                edit: Box::new(IssueEdit {
                    body: (body != issue.body).then_some(body),
                    state: Some(StateChange::DropNotPlanned),
                    ..IssueEdit::default()
                }),
                comment: removal_comment(key, &reason),
                reason: reason.clone(),
            });
        }
    }

    for (key, issue) in input.index.untrusted() {
        out.warnings.push(format!(
            "ignored issue {} by {}: it carries the marker of {key}, but its author is neither \
             the syncing identity nor {}",
            issue.issue, issue.author, input.trust_rule
        ));
    }
    out
}

/// The change for a task whose issue exists.
fn reconcile(
    key: &TaskKey,
    issue: &TrackedIssue,
    desired: &Desired,
    file: &str,
    text: &dyn IssueText,
) -> Change {
    let previously = issue.owned.clone().unwrap_or_default();
    let mut edit = IssueEdit::default();
    if issue.title != desired.title {
        edit.title = Some(desired.title.clone());
    }
    if !text.same_body(&issue.body, &desired.body) {
        edit.body = Some(desired.body.clone());
    }
    if let Some(all) = merge(&issue.labels, &previously.labels, &desired.owned.labels) {
        let has = |set: &[String], name: &str| set.iter().any(|s| s.eq_ignore_ascii_case(name));
        edit.labels = Some(LabelChange {
            add: all
                .iter()
                .filter(|l| !has(&issue.labels, l))
                .cloned()
                .collect(),
            remove: (issue.labels.iter())
                .filter(|l| !has(&all, l))
                .cloned()
                .collect(),
            all,
        });
    }
    if let Some(assignees) = merge(
        &issue.assignees,
        &previously.assignees,
        &desired.owned.assignees,
    ) {
        edit.assignees = Some(assignees);
    }
    let reopen = matches!(issue.state, IssueState::Dropped(_)) && issue.removed_by_aftercare;
    if reopen {
        edit.state = Some(StateChange::Reopen);
        return Change::Reopen {
            key: key.clone(),
            issue: issue.issue.clone(),
            title: desired.title.clone(),
            edit: Box::new(edit),
            comment: format!(
                "Reopened by aftercare: task `{}` is back in `{file}`.",
                key.task()
            ),
        };
    }
    if edit.is_empty() {
        Change::Unchanged {
            key: key.clone(),
            issue: issue.issue.clone(),
            title: issue.title.clone(),
        }
    } else {
        Change::Update {
            key: key.clone(),
            issue: issue.issue.clone(),
            title: desired.title.clone(),
            edit: Box::new(edit),
        }
    }
}

/// The new set when it differs from `current`: what people added stays, what aftercare set
/// before but the YAML no longer has goes, and what the YAML has is (put) back. Names compare
/// case-insensitively, as GitHub's do.
fn merge(current: &[String], previously: &[String], now: &[String]) -> Option<Vec<String>> {
    let has = |set: &[String], name: &str| set.iter().any(|s| s.eq_ignore_ascii_case(name));
    let mut result: Vec<String> = current
        .iter()
        .filter(|c| has(now, c) || !has(previously, c))
        .cloned()
        .collect();
    for name in now {
        if !has(&result, name) {
            result.push(name.clone());
        }
    }
    let unchanged = result.len() == current.len() && result.iter().all(|r| has(current, r));
    (!unchanged).then_some(result)
}

/// Configured labels, then the task's own, each once.
fn union_labels(config: &[String], task: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for label in config.iter().chain(task) {
        let label = label.trim();
        if !label.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(label)) {
            out.push(label.to_string());
        }
    }
    out
}

fn removal_reason(postmortems: &[Postmortem], key: &TaskKey) -> Removal {
    match postmortems.iter().find(|p| p.id == key.postmortem()) {
        Some(pm) if pm.status == PostmortemStatus::Draft => Removal::Draft {
            file: pm.file_display(),
        },
        Some(pm) => Removal::TaskRemoved {
            file: pm.file_display(),
        },
        None => Removal::PostmortemGone,
    }
}

fn removal_comment(key: &TaskKey, reason: &Removal) -> String {
    let why = match reason {
        Removal::TaskRemoved { file } => {
            format!("task `{}` was removed from `{file}`", key.task())
        }
        Removal::Draft { file } => format!(
            "postmortem `{}` (`{file}`) is a draft again, and drafts are not tracked",
            key.postmortem()
        ),
        Removal::PostmortemGone => {
            format!("no postmortem has the id `{}` any more", key.postmortem())
        }
    };
    format!(
        "Closed as not planned by aftercare: {why}. If the task comes back, this issue is \
         reopened."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Priority, Task, TaskType};
    use crate::tracker::markdown::{self as marker, Markdown};
    use chrono::{DateTime, TimeZone, Utc};

    const WEB: &str = "https://github.com/acme/web";
    const TRUST: &str = "a repository owner, member or collaborator";

    fn text() -> Markdown {
        Markdown {
            file_base: format!("{WEB}/blob/HEAD"),
            max_title_chars: marker::GITHUB_MAX_TITLE_CHARS,
        }
    }

    fn task(id: &str, title: &str) -> Task {
        Task {
            id: id.into(),
            title: title.into(),
            description: Some(format!("Do {id}.")),
            measure: None,
            kind: Some(TaskType::Prevent),
            priority: Some(Priority::P2),
            owner: Some("alice".into()),
            due: None,
            labels: vec!["security".into()],
            verified_by: None,
            repo: None,
            position: Default::default(),
        }
    }

    fn pm(id: &str, status: PostmortemStatus, tasks: Vec<Task>) -> Postmortem {
        Postmortem {
            status,
            ..Postmortem::minimal(id, tasks)
        }
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, day, 0, 0, 0).unwrap()
    }

    /// An issue exactly as aftercare would have created it for `task` of `pm`.
    fn issue_for(number: u64, pm: &Postmortem, task_id: &str) -> TrackedIssue {
        let labels = config_labels();
        let plan = plan(PlanInput {
            postmortems: std::slice::from_ref(pm),
            index: &IssueIndex::default(),
            labels: &labels,
            text: &text(),
            trust_rule: TRUST,
            routes: &Routes::single("acme/web"),
            unreadable: &[],
        });
        let Some(Change::Create { issue, .. }) =
            plan.changes.into_iter().find(|c| c.key().task() == task_id)
        else {
            panic!("no create for {task_id}");
        };
        TrackedIssue {
            issue: IssueRef::numbered(number, format!("{WEB}/issues/{number}")),
            task: marker::find_key(&issue.body),
            trusted: true,
            owned: marker::find_owned(&issue.body),
            removed_by_aftercare: false,
            title: issue.title,
            body: issue.body,
            state: IssueState::Open,
            labels: issue.labels,
            assignees: issue.assignees,
            author: "octocat".into(),
            created_at: at(number as u32),
            updated_at: at(number as u32),
            closed_at: None,
        }
    }

    fn config_labels() -> Vec<String> {
        vec!["postmortem".into()]
    }

    fn run(postmortems: &[Postmortem], issues: Vec<TrackedIssue>) -> Plan {
        let index = IssueIndex::build(issues);
        plan(PlanInput {
            postmortems,
            index: &index,
            labels: &config_labels(),
            text: &text(),
            trust_rule: TRUST,
            routes: &Routes::single("acme/web"),
            unreadable: &[],
        })
    }

    fn actions(plan: &Plan) -> Vec<String> {
        plan.changes
            .iter()
            .map(|c| match c.issue() {
                Some(n) => format!("{} {n} {}", c.action(), c.key()),
                None => format!("{} {}", c.action(), c.key()),
            })
            .collect()
    }

    #[test]
    fn every_task_without_an_issue_is_created_with_labels_assignee_and_marker() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One"), task("t2", "Two")],
        )];
        let plan = run(&pms, vec![]);
        assert_eq!(actions(&plan), ["create pm-a/t1", "create pm-a/t2"]);
        let Change::Create { issue, .. } = &plan.changes[0] else {
            panic!()
        };
        assert_eq!(issue.title, "One");
        assert_eq!(issue.labels, ["postmortem", "security"]);
        assert_eq!(issue.assignees, ["alice"]);
        assert_eq!(
            marker::find_key(&issue.body),
            Some(TaskKey::new("pm-a", "t1"))
        );
        assert_eq!(
            plan.summary().to_string(),
            "created 2, updated 0, closed 0, reopened 0, unchanged 0"
        );
    }

    /// `issue` as found in `place` (another repository).
    fn in_place(mut issue: TrackedIssue, place: &str) -> TrackedIssue {
        crate::tracker::fleet::stamp(Some(place), &mut issue.issue);
        issue
    }

    fn routed(
        pms: &[Postmortem],
        issues: Vec<TrackedIssue>,
        unreadable: &[Option<String>],
    ) -> Plan {
        let index = IssueIndex::build(issues);
        plan(PlanInput {
            postmortems: pms,
            index: &index,
            labels: &config_labels(),
            text: &text(),
            trust_rule: TRUST,
            routes: &Routes::new("acme/web", pms),
            unreadable,
        })
    }

    fn at_repo(mut t: Task, repo: &str) -> Task {
        t.repo = Some((repo.to_string(), Default::default()));
        t
    }

    #[test]
    fn a_task_with_a_repo_is_created_there_and_its_issue_there_counts() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![at_repo(task("t1", "One"), "acme/api"), task("t2", "Two")],
        )];
        let plan = routed(&pms, vec![], &[]);
        let places: Vec<Option<&str>> = (plan.changes.iter())
            .map(|c| match c {
                Change::Create { issue, .. } => issue.place.as_deref(),
                _ => panic!("only creates"),
            })
            .collect();
        assert_eq!(places, [Some("acme/api"), None]);
        let there = in_place(issue_for(1, &pms[0], "t1"), "acme/api");
        let here = issue_for(1, &pms[0], "t2");
        let plan = routed(&pms, vec![there, here], &[]);
        assert_eq!(
            actions(&plan),
            ["unchanged acme/api#1 pm-a/t1", "unchanged #1 pm-a/t2"]
        );
    }

    #[test]
    fn a_task_moved_to_another_repo_is_created_there_then_its_old_issue_moved_last() {
        let before = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One"), task("t2", "Two")],
        )];
        let old = issue_for(7, &before[0], "t1");
        let other = issue_for(8, &before[0], "t2");
        let after = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![at_repo(task("t1", "One"), "acme/api"), task("t2", "Two")],
        )];
        let plan = routed(&after, vec![old.clone(), other.clone()], &[]);
        assert_eq!(
            actions(&plan),
            ["create pm-a/t1", "unchanged #8 pm-a/t2", "move #7 pm-a/t1"]
        );
        let Change::Move {
            to,
            to_name,
            kept,
            edit,
            ..
        } = &plan.changes[2]
        else {
            panic!()
        };
        assert_eq!(
            (to.as_deref(), to_name.as_str(), kept),
            (Some("acme/api"), "acme/api", &None)
        );
        assert_eq!(edit.state, Some(StateChange::DropNotPlanned));
        assert!(
            edit.body
                .as_deref()
                .is_some_and(|b| b.contains(&old.body[..20]))
        );
        assert_eq!(
            plan.summary().to_string(),
            "created 1, updated 0, closed 0, reopened 0, unchanged 1, moved 1"
        );

        // A run stopped after the create: the new issue is known, the old one still moves.
        let new = in_place(issue_for(1, &after[0], "t1"), "acme/api");
        let plan = routed(&after, vec![old.clone(), other.clone(), new], &[]);
        assert_eq!(
            actions(&plan),
            [
                "unchanged acme/api#1 pm-a/t1",
                "unchanged #8 pm-a/t2",
                "move #7 pm-a/t1"
            ]
        );
        let Change::Move { kept, .. } = &plan.changes[2] else {
            panic!()
        };
        assert_eq!(
            kept.as_ref().map(|k| k.display.as_str()),
            Some("acme/api#1")
        );
    }

    #[test]
    fn a_task_moved_back_reopens_the_issue_aftercare_closed_and_moves_the_other() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut old = issue_for(7, &pms[0], "t1");
        old.state = IssueState::Dropped("not planned".into());
        old.removed_by_aftercare = true;
        let there = in_place(issue_for(1, &pms[0], "t1"), "acme/api");
        let plan = routed(&pms, vec![old, there], &[]);
        assert_eq!(
            actions(&plan),
            ["reopen #7 pm-a/t1", "move acme/api#1 pm-a/t1"]
        );
        let Change::Move {
            to, to_name, kept, ..
        } = &plan.changes[1]
        else {
            panic!()
        };
        assert_eq!((to, to_name.as_str()), (&None, "acme/web"));
        assert_eq!(kept.as_ref().map(|k| k.display.as_str()), Some("#7"));
    }

    #[test]
    fn a_task_a_person_closed_stays_closed_where_it_is_when_its_repo_changes() {
        let before = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut done = issue_for(7, &before[0], "t1");
        done.state = IssueState::Done;
        let after = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![at_repo(task("t1", "One"), "acme/api")],
        )];
        let plan = routed(&after, vec![done], &[]);
        assert_eq!(actions(&plan), ["unchanged #7 pm-a/t1"]);
    }

    #[test]
    fn tasks_of_a_repo_that_could_not_be_read_are_left_alone_and_so_are_their_issues() {
        let before = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One"), task("t2", "Two")],
        )];
        let old = issue_for(7, &before[0], "t1");
        let after = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![
                at_repo(task("t1", "One"), "acme/api"),
                at_repo(task("t2", "Two"), "acme/api"),
            ],
        )];
        let plan = routed(&after, vec![old], &[Some("acme/api".to_string())]);
        assert_eq!(actions(&plan), Vec::<String>::new());
    }

    #[test]
    fn an_issue_in_step_is_unchanged() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let issue = issue_for(1, &pms[0], "t1");
        let plan = run(&pms, vec![issue]);
        assert_eq!(actions(&plan), ["unchanged #1 pm-a/t1"]);
        assert_eq!(plan.writes(), 0);
    }

    #[test]
    fn a_title_edit_updates_the_same_issue_and_only_what_changed() {
        let mut pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let issue = issue_for(1, &pms[0], "t1");
        pms[0].tasks[0].title = "One, renamed".into();
        let plan = run(&pms, vec![issue]);
        assert_eq!(actions(&plan), ["update #1 pm-a/t1"]);
        let Change::Update { edit, .. } = &plan.changes[0] else {
            panic!()
        };
        assert_eq!(edit.title.as_deref(), Some("One, renamed"));
        assert_eq!(edit.body, None);
        assert_eq!(edit.labels, None);
        assert_eq!(edit.assignees, None);
        assert_eq!(edit.state, None);
    }

    #[test]
    fn labels_and_assignees_people_added_are_kept_and_removed_owned_labels_put_back() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut issue = issue_for(1, &pms[0], "t1");
        issue.labels = vec!["triaged".into(), "postmortem".into()]; // someone removed "security"
        issue.assignees = vec!["alice".into(), "bob".into()];
        let plan = run(&pms, vec![issue]);
        let Change::Update { edit, .. } = &plan.changes[0] else {
            panic!("{plan:?}")
        };
        assert_eq!(
            edit.labels.as_ref().map(|l| l.all.as_slice()),
            Some(
                &[
                    "triaged".to_string(),
                    "postmortem".into(),
                    "security".into()
                ][..]
            )
        );
        assert_eq!(edit.assignees, None);
    }

    #[test]
    fn a_label_or_owner_dropped_from_the_yaml_is_taken_off_but_peoples_stay() {
        let mut pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut issue = issue_for(1, &pms[0], "t1");
        issue.labels.push("triaged".into());
        issue.assignees.push("bob".into());
        pms[0].tasks[0].labels = vec!["reliability".into()];
        pms[0].tasks[0].owner = Some("carol".into());
        let plan = run(&pms, vec![issue]);
        let Change::Update { edit, .. } = &plan.changes[0] else {
            panic!("{plan:?}")
        };
        assert_eq!(
            edit.labels.as_ref().map(|l| l.all.as_slice()),
            Some(
                &[
                    "postmortem".to_string(),
                    "triaged".into(),
                    "reliability".into()
                ][..]
            )
        );
        assert_eq!(
            edit.assignees.as_deref(),
            Some(&["bob".to_string(), "carol".into()][..])
        );
        assert!(edit.body.is_some(), "the ownership note changes");
    }

    #[test]
    fn label_case_differences_are_not_changes() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut issue = issue_for(1, &pms[0], "t1");
        issue.labels = vec!["Postmortem".into(), "SECURITY".into()];
        assert_eq!(actions(&run(&pms, vec![issue])), ["unchanged #1 pm-a/t1"]);
    }

    #[test]
    fn a_closed_issue_keeps_its_state_even_when_its_content_changes() {
        let mut pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut issue = issue_for(1, &pms[0], "t1");
        issue.state = IssueState::Done;
        assert_eq!(
            actions(&run(&pms, vec![issue.clone()])),
            ["unchanged #1 pm-a/t1"]
        );
        pms[0].tasks[0].title = "Renamed".into();
        let plan = run(&pms, vec![issue.clone()]);
        let Change::Update { edit, .. } = &plan.changes[0] else {
            panic!()
        };
        assert_eq!(edit.state, None);
        // A person closing as not planned is also left alone: only aftercare's own note reopens.
        issue.state = IssueState::Dropped("not planned".into());
        pms[0].tasks[0].title = "One".into();
        assert_eq!(actions(&run(&pms, vec![issue])), ["unchanged #1 pm-a/t1"]);
    }

    #[test]
    fn a_removed_task_is_closed_as_not_planned_with_a_comment_saying_why() {
        let full = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One"), task("t2", "Two")],
        )];
        let issues = vec![issue_for(1, &full[0], "t1"), issue_for(2, &full[0], "t2")];
        let trimmed = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let plan = run(&trimmed, issues);
        assert_eq!(actions(&plan), ["unchanged #1 pm-a/t1", "close #2 pm-a/t2"]);
        let Change::Close {
            edit,
            comment,
            reason,
            ..
        } = &plan.changes[1]
        else {
            panic!()
        };
        assert_eq!(
            reason,
            &Removal::TaskRemoved {
                file: "postmortems/pm-a.yaml".into()
            }
        );
        assert_eq!(
            comment,
            "Closed as not planned by aftercare: task `t2` was removed from \
             `postmortems/pm-a.yaml`. If the task comes back, this issue is reopened."
        );
        assert_eq!(edit.state, Some(StateChange::DropNotPlanned));
        assert!(marker::closed_for_removal(edit.body.as_deref().unwrap()));
        assert_eq!(plan.summary().closed, 1);
    }

    #[test]
    fn a_draft_or_deleted_postmortem_closes_its_open_issues_and_creates_nothing() {
        let published = pm("pm-a", PostmortemStatus::Published, vec![task("t1", "One")]);
        let issue = issue_for(1, &published, "t1");
        let mut draft = published.clone();
        draft.status = PostmortemStatus::Draft;
        let plan = run(std::slice::from_ref(&draft), vec![issue.clone()]);
        assert_eq!(actions(&plan), ["close #1 pm-a/t1"]);
        let Change::Close { comment, .. } = &plan.changes[0] else {
            panic!()
        };
        assert_eq!(
            comment,
            "Closed as not planned by aftercare: postmortem `pm-a` (`postmortems/pm-a.yaml`) is \
             a draft again, and drafts are not tracked. If the task comes back, this issue is \
             reopened."
        );
        let plan = run(&[], vec![issue]);
        let Change::Close { reason, .. } = &plan.changes[0] else {
            panic!()
        };
        assert_eq!(reason, &Removal::PostmortemGone);
        assert_eq!(actions(&run(&[draft], vec![])), Vec::<String>::new());
    }

    #[test]
    fn a_removed_task_whose_issue_is_already_closed_changes_nothing() {
        let full = pm("pm-a", PostmortemStatus::Published, vec![task("t1", "One")]);
        let mut issue = issue_for(1, &full, "t1");
        issue.state = IssueState::Done;
        let empty = [pm("pm-a", PostmortemStatus::Published, vec![])];
        assert_eq!(run(&empty, vec![issue]).changes, vec![]);
    }

    #[test]
    fn a_task_that_comes_back_reopens_the_issue_aftercare_closed() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut issue = issue_for(1, &pms[0], "t1");
        issue.body = marker::with_closed_note(&issue.body);
        issue.removed_by_aftercare = true;
        issue.state = IssueState::Dropped("not planned".into());
        let plan = run(&pms, vec![issue]);
        assert_eq!(actions(&plan), ["reopen #1 pm-a/t1"]);
        let Change::Reopen { edit, comment, .. } = &plan.changes[0] else {
            panic!()
        };
        assert_eq!(edit.state, Some(StateChange::Reopen));
        assert!(!marker::closed_for_removal(edit.body.as_deref().unwrap()));
        assert_eq!(
            comment,
            "Reopened by aftercare: task `t1` is back in `postmortems/pm-a.yaml`."
        );
        assert_eq!(plan.summary().reopened, 1);
    }

    #[test]
    fn duplicates_keep_the_oldest_and_close_the_other_open_ones() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let kept = issue_for(3, &pms[0], "t1");
        let mut newer = issue_for(7, &pms[0], "t1");
        newer.author = "collaborator".into();
        newer.trusted = true;
        let mut closed_dup = issue_for(9, &pms[0], "t1");
        closed_dup.state = IssueState::Done;
        let plan = run(&pms, vec![newer, closed_dup, kept]);
        assert_eq!(
            actions(&plan),
            ["unchanged #3 pm-a/t1", "close-duplicate #7 pm-a/t1"]
        );
        let Change::CloseDuplicate {
            kept,
            edit,
            comment,
            ..
        } = &plan.changes[1]
        else {
            panic!()
        };
        assert_eq!(kept.display, "#3");
        assert_eq!(edit.state, Some(StateChange::DropDuplicate));
        assert_eq!(
            comment,
            "Duplicate of #3: aftercare keeps one issue per task (`pm-a/t1`), the oldest one."
        );
    }

    #[test]
    fn an_outsiders_look_alike_is_ignored_and_warned_about() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut fake = issue_for(1, &pms[0], "t1");
        fake.author = "mallory".into();
        fake.trusted = false;
        fake.state = IssueState::Done;
        let plan = run(&pms, vec![fake]);
        assert_eq!(actions(&plan), ["create pm-a/t1"]);
        assert_eq!(
            plan.warnings,
            [
                "ignored issue #1 by mallory: it carries the marker of pm-a/t1, but its author is \
              neither the syncing identity nor a repository owner, member or collaborator"
            ]
        );
    }

    #[test]
    fn issues_without_a_marker_are_not_touched() {
        let pms = [pm(
            "pm-a",
            PostmortemStatus::Published,
            vec![task("t1", "One")],
        )];
        let mut other = issue_for(1, &pms[0], "t1");
        other.body = "a bug report".into();
        other.task = None;
        assert_eq!(actions(&run(&pms, vec![other])), ["create pm-a/t1"]);
    }

    #[test]
    fn merge_keeps_order_and_reports_no_change_as_none() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(merge(&s(&["a", "b"]), &s(&["a"]), &s(&["a"])), None);
        assert_eq!(
            merge(&s(&["x"]), &s(&["a"]), &s(&["a", "b"])),
            Some(s(&["x", "a", "b"]))
        );
        assert_eq!(merge(&s(&["a", "x"]), &s(&["a"]), &s(&[])), Some(s(&["x"])));
    }
}
