//! How a tracker that lists by label and by author (GitHub, GitLab) lists issues: a complete
//! listing of every issue that may be aftercare's, or the changes since an earlier one.
//!
//! It never uses a search API (rate-limited and eventually consistent). Both kinds of listing
//! read pages of 100 issues (open and closed), most recently updated first, following the
//! tracker's next page:
//!
//! - [`list_complete`] lists the issues carrying the first configured label, then those the
//!   syncing identity opened (so that an issue whose labels someone removed is still found);
//! - [`list_changed`] lists every issue of the repository or project updated since a time
//!   (GitHub's `since`, GitLab's `updated_after`), and stops at the first page that reaches back
//!   past it even if the tracker ignored the parameter.
//!   One query covers labelled issues and the identity's own alike, and shows issues that left
//!   the scope (a label someone removed) so that they leave the snapshot too.
//!
//! Each returns its mark ([`Listed`]): the newest `updated_at` on the first page of the first
//! listing it read. How the two combine with the snapshot is [`crate::tracker::snapshot`]'s.

use std::future::Future;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::tracker::snapshot::Listed;
use crate::tracker::{TrackedIssue, TrackerError};

/// Which issues to list. Listings always cover open and closed issues and use the largest page
/// the tracker allows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssueQuery {
    /// Only issues carrying this label.
    pub label: Option<String>,
    /// Only issues opened by this login.
    pub creator: Option<String>,
    /// Only issues updated at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// How to order the listing.
    pub order: ListOrder,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListOrder {
    /// Oldest first: the order of a full listing.
    #[default]
    Created,
    /// Most recently created first: where an issue created a moment ago is found.
    NewestCreated,
    /// Most recently updated first: the first page holds the listing's mark.
    RecentlyUpdated,
}

/// One page of a listing, and where the next one is.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuePage {
    /// The issues on this page; pull requests are already left out.
    pub issues: Vec<TrackedIssue>,
    /// Opaque cursor of the next page, `None` on the last page.
    pub next: Option<String>,
}

/// Pages of issue listings: a tracker's client, or issues in memory in tests.
pub trait Pages: Sync {
    /// One page of a listing; `cursor` is `None` for the first page, else a page's `next`.
    fn page(
        &self,
        query: &IssueQuery,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<IssuePage, TrackerError>> + Send;
}

/// 100,000 issues at 100 a page.
const MAX_PAGES: usize = 1_000;

/// Every issue carrying `labels[0]` and every issue `login` opened (empty: none). The mark is
/// that of the first of the two listings made.
pub async fn list_complete<P: Pages>(
    pages: &P,
    labels: &[String],
    login: &str,
) -> Result<Listed, TrackerError> {
    let mut listed = Listed::default();
    let mut first = true;
    if let Some(label) = labels.first() {
        let query = IssueQuery {
            label: Some(label.clone()),
            order: ListOrder::RecentlyUpdated,
            ..IssueQuery::default()
        };
        listed.mark = list_all(pages, &query, &mut listed.issues)
            .await
            .with_context(|| format!("cannot list issues labelled {label:?}"))?;
        first = false;
    }
    if !login.is_empty() {
        let query = IssueQuery {
            creator: Some(login.to_string()),
            order: ListOrder::RecentlyUpdated,
            ..IssueQuery::default()
        };
        let mark = list_all(pages, &query, &mut listed.issues)
            .await
            .with_context(|| format!("cannot list issues opened by {login}"))?;
        if first {
            listed.mark = mark;
        }
    }
    Ok(listed)
}

/// Every issue updated at or after `since` (all issues without it), whoever opened it and
/// whatever its labels.
pub async fn list_changed<P: Pages>(
    pages: &P,
    since: Option<DateTime<Utc>>,
) -> Result<Listed, TrackerError> {
    let query = IssueQuery {
        since,
        order: ListOrder::RecentlyUpdated,
        ..IssueQuery::default()
    };
    let mut listed = Listed::default();
    listed.mark = list_all(pages, &query, &mut listed.issues)
        .await
        .context("cannot list the issues updated since the last run")?;
    Ok(listed)
}

/// Follows a listing, ordered by update, page by page, and returns the newest `updated_at` of
/// its first page. With `since`, stops after the first page that reaches back past it.
async fn list_all<P: Pages>(
    pages: &P,
    query: &IssueQuery,
    into: &mut Vec<TrackedIssue>,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let mut cursor: Option<String> = None;
    let mut mark = None;
    // A bound on pages guards against a server whose `next` links never end.
    for page_number in 0..MAX_PAGES {
        let page = pages.page(query, cursor.as_deref()).await?;
        if page_number == 0 {
            mark = page.issues.iter().map(|i| i.updated_at).max();
        }
        let reached_since = query
            .since
            .is_some_and(|since| page.issues.iter().any(|i| i.updated_at < since));
        into.extend(
            page.issues
                .into_iter()
                .filter(|i| query.since.is_none_or(|since| i.updated_at >= since)),
        );
        match page.next {
            Some(next) if !reached_since => cursor = Some(next),
            _ => return Ok(mark),
        }
    }
    anyhow::bail!("the listing did not end after {MAX_PAGES} pages")
}

/// The issue for `key` among those `login` created last, if the tracker has one.
pub async fn find_created<P: Pages>(
    pages: &P,
    key: &crate::model::TaskKey,
    login: &str,
) -> Result<Option<TrackedIssue>, TrackerError> {
    let query = IssueQuery {
        creator: (!login.is_empty()).then(|| login.to_string()),
        order: ListOrder::NewestCreated,
        ..IssueQuery::default()
    };
    let page = pages.page(&query, None).await?;
    Ok(page
        .issues
        .into_iter()
        .filter(|i| i.author == login)
        .find(|i| i.task.as_ref() == Some(key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskKey;
    use crate::tracker::snapshot::fixtures::{at, issue};
    use std::sync::Mutex;

    /// Issues in memory, listed 2 a page; records every listing asked for.
    struct Memory {
        issues: Vec<TrackedIssue>,
        pages: Mutex<Vec<(IssueQuery, usize)>>,
        ignore_since: bool,
    }

    impl Pages for Memory {
        async fn page(
            &self,
            query: &IssueQuery,
            cursor: Option<&str>,
        ) -> Result<IssuePage, TrackerError> {
            let page: usize = cursor.map_or(0, |c| c.parse().unwrap());
            self.pages.lock().unwrap().push((query.clone(), page));
            let mut all: Vec<TrackedIssue> = self
                .issues
                .iter()
                .filter(|i| query.label.as_ref().is_none_or(|l| i.labels.contains(l)))
                .filter(|i| query.creator.as_ref().is_none_or(|c| &i.author == c))
                .filter(|i| self.ignore_since || query.since.is_none_or(|s| i.updated_at >= s))
                .cloned()
                .collect();
            if query.order == ListOrder::RecentlyUpdated {
                all.sort_by_key(|i| std::cmp::Reverse(i.updated_at));
            }
            let issues: Vec<_> = all.iter().skip(page * 2).take(2).cloned().collect();
            let next = (all.len() > (page + 1) * 2).then(|| (page + 1).to_string());
            Ok(IssuePage { issues, next })
        }
    }

    fn memory(issues: Vec<TrackedIssue>) -> Memory {
        Memory {
            issues,
            pages: Mutex::new(vec![]),
            ignore_since: false,
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn keys(issues: &[TrackedIssue]) -> std::collections::BTreeSet<TaskKey> {
        issues.iter().filter_map(|i| i.task.clone()).collect()
    }

    #[test]
    fn a_complete_listing_reads_both_listings_to_the_end_and_marks_the_first() {
        let mut issues = vec![
            issue(1, Some("a/one"), "octocat", &["postmortem"]),
            issue(2, Some("a/two"), "octocat", &[]),
            issue(3, Some("a/three"), "octocat", &["postmortem"]),
            issue(4, Some("a/four"), "hubot", &["postmortem"]),
            issue(5, Some("a/five"), "octocat", &[]),
        ];
        issues[0].updated_at = at(50);
        let pages = memory(issues);
        let listed = block_on(list_complete(
            &pages,
            &["postmortem".to_string()],
            "octocat",
        ))
        .unwrap();
        assert_eq!(keys(&listed.issues).len(), 5);
        assert_eq!(listed.mark, Some(at(50)));
        let pages = pages.pages.lock().unwrap();
        // label: 3 issues → 2 pages; creator: 4 issues → 2 pages
        assert_eq!(pages.len(), 4);
        assert!(
            pages
                .iter()
                .all(|(q, _)| q.order == ListOrder::RecentlyUpdated)
        );
    }

    #[test]
    fn without_labels_the_creator_listing_marks() {
        let pages = memory(vec![issue(7, Some("a/t7"), "octocat", &[])]);
        let listed = block_on(list_complete(&pages, &[], "octocat")).unwrap();
        assert_eq!((listed.issues.len(), listed.mark), (1, Some(at(7))));
        let listed = block_on(list_complete(&pages, &[], "")).unwrap();
        assert_eq!(listed, Listed::default());
    }

    #[test]
    fn the_changes_stop_at_the_first_page_reaching_back_past_since() {
        let issues: Vec<_> = (1..=9)
            .map(|n| issue(n, Some(&format!("a/t{n}")), "hubot", &["bug"]))
            .collect();
        // This server ignores `since`: the listing still stops, and leaves out older issues.
        let pages = Memory {
            ignore_since: true,
            ..memory(issues.clone())
        };
        let listed = block_on(list_changed(&pages, Some(at(6)))).unwrap();
        let numbers: Vec<_> = listed.issues.iter().map(|i| i.issue.number).collect();
        assert_eq!(numbers, [Some(9), Some(8), Some(7), Some(6)]);
        assert_eq!(listed.mark, Some(at(9)));
        assert_eq!(pages.pages.lock().unwrap().len(), 3);
        let pages = memory(issues);
        let listed = block_on(list_changed(&pages, Some(at(6)))).unwrap();
        assert_eq!(listed.issues.len(), 4);
        assert_eq!(pages.pages.lock().unwrap().len(), 2);
        let listed = block_on(list_changed(&pages, None)).unwrap();
        assert_eq!(listed.issues.len(), 9);
    }
}
