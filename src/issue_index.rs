//! Finding each task's issue among the issues of a repository: the one code path shared by
//! `sync` and `status`.
//!
//! The index is built from every issue listed (see [`fetch`]); it keeps only issues whose body
//! carries a task marker, counts only trusted authors (the syncing identity, or a repository
//! OWNER, MEMBER or COLLABORATOR), sets aside look-alikes from anyone else, and picks the oldest
//! trusted issue when a key has several. Building it is pure; only [`fetch`] talks to a tracker.

use std::collections::BTreeMap;

use crate::model::TaskKey;
use crate::tracker::TrackedIssue;

/// Every marked issue of a repository, grouped by task key.
#[derive(Debug, Clone, Default)]
pub struct IssueIndex {
    /// Trusted issues per key, oldest first. The first is the one that counts.
    by_key: BTreeMap<TaskKey, Vec<TrackedIssue>>,
    /// Issues with a marker from an untrusted author: ignored, reported as warnings.
    untrusted: Vec<(TaskKey, TrackedIssue)>,
}

impl IssueIndex {
    /// Builds the index from listed issues. `syncing_login` is the login issues created by this
    /// token are authored by. Issues without a marker are not part of the index.
    pub fn build(issues: Vec<TrackedIssue>, syncing_login: &str) -> IssueIndex {
        let _ = (issues, syncing_login);
        todo!("issue_index::build")
    }

    /// The issue that counts for a task: the oldest trusted one.
    pub fn get(&self, key: &TaskKey) -> Option<&TrackedIssue> {
        self.by_key.get(key).and_then(|v| v.first())
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
