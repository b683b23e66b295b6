//! Finding each task's issue among the issues of a repository: the one code path shared by
//! `sync` and `status`.
//!
//! The index is built from every issue listed (see [`fetch`]); it keeps only issues whose body
//! carries a task marker, counts only trusted authors (the syncing identity, or a repository
//! OWNER, MEMBER or COLLABORATOR), sets aside look-alikes from anyone else, and picks the oldest
//! trusted issue when a key has several. Building it is pure; only [`fetch`] talks to a tracker.
//!
//! [`fetch`] never uses the search API (rate-limited and eventually consistent). It makes:
//!
//! 1. `GET /user` for the identity (skipped without a token);
//! 2. a full listing of the issues carrying the first configured label, `state=all`, 100 a page,
//!    following `Link: next`;
//! 3. a listing of the issues opened by the identity, most recently updated first, so that an
//!    issue whose labels someone removed is still found and no duplicate is created. This
//!    listing stops at the first page holding an issue updated before the *watermark*: the
//!    newest `updated_at` seen by the last complete sync, which the tracker remembers between
//!    runs. That is safe because removing a label updates the issue (so it sorts above the
//!    watermark), and because sync puts the configured labels back on every issue it finds
//!    without them, so anything older than the watermark is found by the label listing. Without
//!    a watermark (first run, no cache) the listing is complete.
//!
//! A run with nothing new therefore costs ceil(issues/100) + 2 requests.
//!
//! Which watermark a sync may record is decided by [`settled_watermark`]: after a run without
//! writes, the newest `updated_at` it listed; after a run with writes, one more look at the
//! identity's recently updated issues (so that a label someone removed *during* the run is not
//! hidden below the new watermark), which costs ceil(issues written/100) requests in runs that
//! write anyway.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::marker;
use crate::model::TaskKey;
use crate::tracker::{Identity, IssueQuery, ListOrder, TrackedIssue, Tracker};

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
        let mut seen = BTreeSet::new();
        let mut index = IssueIndex::default();
        for issue in issues {
            if !seen.insert(issue.number) {
                continue;
            }
            let Some(key) = marker::find_key(&issue.body) else {
                continue;
            };
            let trusted = (!syncing_login.is_empty() && issue.author == syncing_login)
                || issue.author_association.is_trusted();
            if trusted {
                index.by_key.entry(key).or_default().push(issue);
            } else {
                index.untrusted.push((key, issue));
            }
        }
        for issues in index.by_key.values_mut() {
            issues.sort_by_key(|i| (i.created_at, i.number));
        }
        index.untrusted.sort_by_key(|(_, i)| i.number);
        index
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

/// What [`fetch`] found.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub index: IssueIndex,
    pub identity: Identity,
    /// The newest `updated_at` among the issues listed: the next watermark once a sync has
    /// brought every issue in step.
    pub newest_update: Option<DateTime<Utc>>,
    /// How many issues (pull requests left out) the listings returned, counting each once.
    pub listed: usize,
}

/// Lists the repository's issues as described in the module documentation and indexes them.
/// `labels` are the configured labels; the first is the one listed by.
pub async fn fetch<T: Tracker>(tracker: &T, labels: &[String]) -> anyhow::Result<Fetched> {
    let identity = tracker
        .identity()
        .await
        .context("cannot tell who the token belongs to")?;
    let mut issues = Vec::new();
    if let Some(label) = labels.first() {
        let query = IssueQuery {
            label: Some(label.clone()),
            ..IssueQuery::default()
        };
        list_all(tracker, &query, None, &mut issues)
            .await
            .with_context(|| format!("cannot list issues labelled {label:?}"))?;
    }
    if !identity.login.is_empty() {
        let query = IssueQuery {
            creator: Some(identity.login.clone()),
            order: ListOrder::RecentlyUpdated,
            ..IssueQuery::default()
        };
        // Without a label listing, only a complete creator listing finds everything.
        let watermark = if labels.is_empty() {
            None
        } else {
            tracker.creator_watermark()
        };
        list_all(tracker, &query, watermark, &mut issues)
            .await
            .with_context(|| format!("cannot list issues opened by {}", identity.login))?;
    }
    let newest_update = issues.iter().map(|i| i.updated_at).max();
    let listed = issues
        .iter()
        .map(|i| i.number)
        .collect::<BTreeSet<_>>()
        .len();
    Ok(Fetched {
        index: IssueIndex::build(issues, &identity.login),
        identity,
        newest_update,
        listed,
    })
}

/// Follows a listing page by page; with a watermark, stops after the first page that reaches
/// back past it (the listing is then ordered by update, newest first).
async fn list_all<T: Tracker>(
    tracker: &T,
    query: &IssueQuery,
    watermark: Option<DateTime<Utc>>,
    into: &mut Vec<TrackedIssue>,
) -> anyhow::Result<()> {
    let mut cursor: Option<String> = None;
    // A bound on pages guards against a server whose `next` links never end.
    for _ in 0..MAX_PAGES {
        let page = tracker.list_page(query, cursor.as_deref()).await?;
        let reached_watermark =
            watermark.is_some_and(|w| page.issues.iter().any(|i| i.updated_at < w));
        into.extend(page.issues);
        match page.next {
            Some(next) if !reached_watermark => cursor = Some(next),
            _ => return Ok(()),
        }
    }
    anyhow::bail!("the listing did not end after {MAX_PAGES} pages")
}

/// 100,000 issues at 100 a page.
const MAX_PAGES: usize = 1_000;

/// The watermark a sync that applied every change may record (see the module documentation).
/// `fetched_newest` is [`Fetched::newest_update`]; `wrote` says whether the run wrote.
/// `None` means: record nothing.
pub async fn settled_watermark<T: Tracker>(
    tracker: &T,
    labels: &[String],
    login: &str,
    fetched_newest: Option<DateTime<Utc>>,
    wrote: bool,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let Some(label) = labels.first() else {
        return Ok(None); // without a label listing the creator listing is always complete
    };
    if login.is_empty() || !wrote {
        return Ok(fetched_newest);
    }
    let query = IssueQuery {
        creator: Some(login.to_string()),
        order: ListOrder::RecentlyUpdated,
        ..IssueQuery::default()
    };
    let mut newest = fetched_newest;
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = tracker.list_page(&query, cursor.as_deref()).await?;
        let mut reached = false;
        for issue in &page.issues {
            if fetched_newest.is_some_and(|w| issue.updated_at < w) {
                reached = true;
                continue;
            }
            let unlabelled = !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(label));
            if unlabelled && marker::find_key(&issue.body).is_some() {
                // Someone took the label off since the listing: keep the older watermark so
                // that the next run still finds this issue.
                return Ok(fetched_newest);
            }
            newest = newest.max(Some(issue.updated_at));
        }
        match page.next {
            Some(next) if !reached => cursor = Some(next),
            _ => return Ok(newest),
        }
    }
    Ok(fetched_newest)
}
