//! Finding each task's issue among the issues a tracker listed: the one code path shared by
//! `sync` and `status`.
//!
//! The index keeps only issues that belong to a task (the tracker module reads which), counts
//! only those whose author the tracker trusts (the syncing identity, or someone with write
//! access by that tracker's rules), sets aside look-alikes from anyone else, and picks the
//! oldest trusted issue when a task has several. Building it is pure; [`fetch`] asks the
//! tracker for the identity and the listing, whose strategy (pages, watermarks, caches) is the
//! tracker's own.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;

use crate::model::TaskKey;
use crate::plan::route::is_in;
use crate::tracker::fleet::Fleet;
use crate::tracker::{Identity, TrackedIssue, Tracker};

/// Every marked issue of a repository, grouped by task key.
#[derive(Debug, Clone, Default)]
pub struct IssueIndex {
    /// Trusted issues per key, oldest first. The first is the one that counts.
    by_key: BTreeMap<TaskKey, Vec<TrackedIssue>>,
    /// Issues with a marker from an untrusted author: ignored, reported as warnings.
    untrusted: Vec<(TaskKey, TrackedIssue)>,
}

impl IssueIndex {
    /// Builds the index from listed issues (an issue listed twice counts once). Issues that
    /// belong to no task are not part of the index.
    pub fn build(issues: Vec<TrackedIssue>) -> IssueIndex {
        let mut seen = BTreeSet::new();
        let mut index = IssueIndex::default();
        for issue in issues {
            if !seen.insert((issue.issue.place.clone(), issue.issue.id.clone())) {
                continue;
            }
            let Some(key) = issue.task.clone() else {
                continue;
            };
            if issue.trusted {
                // Most keys have one issue: a vector of exactly one keeps a large index small.
                index
                    .by_key
                    .entry(key)
                    .or_insert_with(|| Vec::with_capacity(1))
                    .push(issue);
            } else {
                index.untrusted.push((key, issue));
            }
        }
        for issues in index.by_key.values_mut() {
            issues.sort_by(|a, b| {
                (a.created_at, a.issue.number, &a.issue.id).cmp(&(
                    b.created_at,
                    b.issue.number,
                    &b.issue.id,
                ))
            });
        }
        index.untrusted.sort_by(|(_, a), (_, b)| {
            (a.issue.number, &a.issue.id).cmp(&(b.issue.number, &b.issue.id))
        });
        index
    }

    /// The issue that counts for a task: the oldest trusted one.
    pub fn get(&self, key: &TaskKey) -> Option<&TrackedIssue> {
        self.by_key.get(key).and_then(|v| v.first())
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
    pub fn all(&self, key: &TaskKey) -> &[TrackedIssue] {
        self.by_key.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every key that has at least one trusted issue, in key order.
    pub fn keys(&self) -> impl Iterator<Item = &TaskKey> {
        self.by_key.keys()
    }

    /// Marked issues from untrusted authors, which were ignored.
    pub fn untrusted(&self) -> &[(TaskKey, TrackedIssue)] {
        &self.untrusted
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
}
