//! Finding each task's issue among the issues a tracker listed: the one code path shared by
//! `sync` and `status`.
//!
//! The index keeps only issues that belong to a task (the tracker module reads which), counts
//! only those whose author the tracker trusts (the syncing identity, or someone with write
//! access by that tracker's rules), sets aside look-alikes from anyone else, and picks the
//! oldest trusted issue when a task has several. Building it is pure; [`fetch`] asks the
//! tracker for the identity and the listing, whose strategy (pages, watermarks, caches) is the
//! tracker's own.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};

use anyhow::Context;

use crate::model::TaskKey;
use crate::plan::route::is_in;
use crate::plan::{Change, Plan};
use crate::tracker::fleet::Fleet;
use crate::tracker::snapshot::is_body_digest;
use crate::tracker::{Identity, IssueRef, TrackedIssue, Tracker};

/// Every marked issue of a repository, grouped by task key.
///
/// The issues are kept in one list sorted by task, so that a large index costs no more than
/// the issues themselves: no allocation per task, no copy of a key.
#[derive(Debug, Clone, Default)]
pub struct IssueIndex {
    /// Trusted issues, by key, and oldest first within a key. The first of a key is the one
    /// that counts. Each has a task.
    trusted: Vec<TrackedIssue>,
    /// Issues with a marker from an untrusted author: ignored, reported as warnings.
    untrusted: Vec<(TaskKey, TrackedIssue)>,
}

/// The key of an issue in the index, which always has one.
fn key(issue: &TrackedIssue) -> &TaskKey {
    issue
        .task
        .as_ref()
        .expect("an indexed issue belongs to a task")
}

/// The order of trusted issues: by key, then oldest first.
fn by_key_oldest_first(a: &TrackedIssue, b: &TrackedIssue) -> Ordering {
    (key(a), a.created_at, a.issue.number, &a.issue.id).cmp(&(
        key(b),
        b.created_at,
        b.issue.number,
        &b.issue.id,
    ))
}

impl IssueIndex {
    /// Builds the index from listed issues (an issue listed twice counts once, as first
    /// listed). Issues that belong to no task are not part of the index.
    pub fn build(mut issues: Vec<TrackedIssue>) -> IssueIndex {
        let first: Vec<bool> = {
            let mut seen = HashSet::with_capacity(issues.len());
            issues
                .iter()
                .map(|i| seen.insert((i.issue.place.as_deref(), i.issue.id.as_str())))
                .collect()
        };
        let mut position = 0;
        issues.retain(|issue| {
            position += 1;
            first[position - 1] && issue.task.is_some()
        });
        drop(first);
        // Trusted first, in index order; then the others, by number.
        issues.sort_unstable_by(|a, b| match (a.trusted, b.trusted) {
            (true, true) => by_key_oldest_first(a, b),
            (false, false) => (a.issue.number, &a.issue.id).cmp(&(b.issue.number, &b.issue.id)),
            (a_trusted, b_trusted) => b_trusted.cmp(&a_trusted),
        });
        let trusted = issues.iter().take_while(|i| i.trusted).count();
        let untrusted = issues
            .split_off(trusted)
            .into_iter()
            .map(|issue| (key(&issue).clone(), issue))
            .collect();
        IssueIndex {
            trusted: issues,
            untrusted,
        }
    }

    /// The issue that counts for a task: the oldest trusted one.
    pub fn get(&self, key: &TaskKey) -> Option<&TrackedIssue> {
        self.all(key).first()
    }

    /// The issue that counts for a task whose issue lives in `place`: the oldest trusted one
    /// there, else (while a sync has yet to move it) the oldest anywhere.
    pub fn get_in(&self, key: &TaskKey, place: Option<&str>) -> Option<&TrackedIssue> {
        let all = self.all(key);
        all.iter()
            .find(|i| is_in(i.issue.place.as_deref(), place))
            .or(all.first())
    }

    /// All trusted issues of a key, oldest first (more than one means duplicates).
    pub fn all(&self, wanted: &TaskKey) -> &[TrackedIssue] {
        let start = self.trusted.partition_point(|i| key(i) < wanted);
        let len = self.trusted[start..].partition_point(|i| key(i) == wanted);
        &self.trusted[start..start + len]
    }

    /// Every key that has at least one trusted issue, in key order.
    pub fn keys(&self) -> impl Iterator<Item = &TaskKey> {
        self.trusted
            .chunk_by(|a, b| key(a) == key(b))
            .map(|same| key(&same[0]))
    }

    /// Marked issues from untrusted authors, which were ignored.
    pub fn untrusted(&self) -> &[(TaskKey, TrackedIssue)] {
        &self.untrusted
    }

    /// Puts `issue` as it is now in place of the issue with id `id` (`None`: the tracker no
    /// longer has it), where the index puts it by its task and trust.
    pub fn replace(&mut self, old: &IssueRef, issue: Option<TrackedIssue>) {
        let same = |i: &TrackedIssue| i.issue.id == old.id && i.issue.place == old.place;
        self.trusted.retain(|i| !same(i));
        self.untrusted.retain(|(_, i)| !same(i));
        let Some(issue) = issue else {
            return;
        };
        match issue.task.clone() {
            Some(_) if issue.trusted => {
                let at = self
                    .trusted
                    .partition_point(|i| by_key_oldest_first(i, &issue) == Ordering::Less);
                self.trusted.insert(at, issue);
            }
            Some(key) => {
                let at = self.untrusted.partition_point(|(_, i)| {
                    (i.issue.number, &i.issue.id) < (issue.issue.number, &issue.issue.id)
                });
                self.untrusted.insert(at, (key, issue));
            }
            None => {}
        }
    }
}

/// What [`fetch`] found.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub index: IssueIndex,
    pub identity: Identity,
    /// How many issues the listings returned, counting each once.
    pub listed: usize,
}

/// Asks the tracker who the token belongs to and for every issue that may be aftercare's, in
/// every place of the fleet, and indexes them. `labels` are the configured labels; the first
/// is the one listed by. A place that cannot be read is an error that names it.
pub async fn fetch<T: Tracker>(tracker: &Fleet<T>, labels: &[String]) -> anyhow::Result<Fetched> {
    let identity = tracker
        .identity()
        .await
        .context("cannot tell who the token belongs to")
        .with_context(|| format!("cannot read the issues of {}", tracker.place()))?;
    let listing = tracker.list_each(labels).await;
    if let Some((place, err)) = listing.failed.into_iter().next() {
        let name = tracker.routes().name(place.as_deref()).to_string();
        return Err(anyhow::Error::from(err).context(format!("cannot read the issues of {name}")));
    }
    let issues = listing.issues;
    let listed = issues
        .iter()
        .map(|i| (&i.issue.place, &i.issue.id))
        .collect::<BTreeSet<_>>()
        .len();
    Ok(Fetched {
        index: IssueIndex::build(issues),
        identity,
        listed,
    })
}

/// Reads back whole the issues `plan` closes because their task is gone when the listing kept
/// only a digest of their description ([`is_body_digest`]): closing adds a note to the
/// description, so it must be known. Each such issue in `index` is replaced by the tracker's
/// answer (or leaves it, when the tracker no longer has it). Returns whether any was read, in
/// which case the plan is to be made again from the index.
pub async fn read_closed_whole<T: Tracker>(
    tracker: &T,
    plan: &Plan,
    index: &mut IssueIndex,
) -> anyhow::Result<bool> {
    let digested: Vec<IssueRef> = plan
        .changes
        .iter()
        .filter_map(|change| match change {
            // A close, and a move's close, note the removal in the description.
            Change::Close { key, issue, .. } | Change::Move { key, issue, .. } => index
                .all(key)
                .iter()
                .find(|i| i.issue == *issue && is_body_digest(&i.body))
                .map(|i| i.issue.clone()),
            _ => None,
        })
        .collect();
    for issue in &digested {
        let now = tracker
            .issue(issue)
            .await
            .with_context(|| format!("cannot read issue {issue}"))?;
        index.replace(issue, now);
    }
    Ok(!digested.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::{IssueRef, IssueState};
    use chrono::{DateTime, TimeZone, Utc};

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, minute, 0).unwrap()
    }

    fn issue(number: u64, key: Option<&str>, trusted: bool) -> TrackedIssue {
        TrackedIssue {
            issue: IssueRef::numbered(number, ""),
            task: key.and_then(TaskKey::parse),
            trusted,
            title: format!("issue {number}"),
            body: String::new(),
            state: IssueState::Open,
            labels: vec![],
            assignees: vec![],
            author: if trusted { "octocat" } else { "mallory" }.into(),
            owned: None,
            removed_by_aftercare: false,
            created_at: at(number as u32),
            updated_at: at(number as u32),
            closed_at: None,
        }
    }

    #[test]
    fn build_keeps_trusted_marked_issues_oldest_first_and_sets_outsiders_aside() {
        let mut older = issue(2, Some("a/t"), true);
        older.created_at = at(0);
        let index = IssueIndex::build(vec![
            issue(5, Some("a/t"), true),
            older.clone(),
            older.clone(), // listed twice: by label and by creator
            issue(7, Some("a/t"), false),
            issue(8, None, true),
        ]);
        let key = TaskKey::new("a", "t");
        assert_eq!(index.get(&key).and_then(|i| i.issue.number), Some(2));
        assert_eq!(
            index
                .all(&key)
                .iter()
                .map(|i| i.issue.display.as_str())
                .collect::<Vec<_>>(),
            ["#2", "#5"]
        );
        assert_eq!(index.keys().count(), 1);
        assert_eq!(index.untrusted().len(), 1);
        assert_eq!(index.untrusted()[0].1.issue.display, "#7");
    }

    fn displays(issues: &[TrackedIssue]) -> Vec<&str> {
        issues.iter().map(|i| i.issue.display.as_str()).collect()
    }

    #[test]
    fn keys_come_in_order_an_issue_listed_twice_counts_as_first_listed_and_can_be_replaced() {
        let mut retitled = issue(4, Some("a/t"), true);
        retitled.title = "retitled".into();
        let mut index = IssueIndex::build(vec![
            issue(9, Some("b/u"), true),
            issue(4, Some("a/t"), true),
            retitled.clone(),
            issue(3, Some("a/t"), true),
            issue(8, Some("c/v"), false),
            issue(6, Some("a/s"), false),
        ]);
        let key = |k: &str| TaskKey::parse(k).unwrap();
        assert_eq!(
            index.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
            ["a/t", "b/u"]
        );
        assert_eq!(displays(index.all(&key("a/t"))), ["#3", "#4"]);
        assert_eq!(index.all(&key("a/t"))[1].title, "issue 4");
        assert_eq!(displays(index.all(&key("c/v"))), Vec::<&str>::new());
        assert_eq!(index.get(&key("a/a")), None);
        assert_eq!(
            index
                .untrusted()
                .iter()
                .map(|(k, i)| (k.to_string(), i.issue.number))
                .collect::<Vec<_>>(),
            [("a/s".to_string(), Some(6)), ("c/v".to_string(), Some(8))]
        );

        index.replace(&IssueRef::numbered(4, ""), Some(retitled.clone()));
        assert_eq!(index.all(&key("a/t"))[1], retitled);
        index.replace(&IssueRef::numbered(3, ""), None);
        assert_eq!(displays(index.all(&key("a/t"))), ["#4"]);
        index.replace(
            &IssueRef::numbered(9, ""),
            Some(issue(9, Some("a/s"), true)),
        );
        assert_eq!(
            index.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
            ["a/s", "a/t"]
        );
        index.replace(
            &IssueRef::numbered(4, ""),
            Some(issue(4, Some("a/t"), false)),
        );
        assert_eq!(index.keys().count(), 1);
        assert_eq!(index.untrusted().len(), 3);
    }
}
