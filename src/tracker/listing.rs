//! How a tracker that lists by label and by author (GitHub, GitLab) finds every issue that may
//! be aftercare's, at the fewest requests.
//!
//! It never uses a search API (rate-limited and eventually consistent). [`list_marked`]
//! makes:
//!
//! 1. a full listing of the issues carrying the first configured label, `state=all`, 100 a page,
//!    following `Link: next`;
//! 2. a listing of the issues opened by the identity, most recently updated first, so that an
//!    issue whose labels someone removed is still found and no duplicate is created. This
//!    listing stops at the first page holding an issue updated before the *watermark*: the
//!    newest `updated_at` seen by the last complete sync, which the tracker remembers between
//!    runs, per login and per listed label (a new label in `aftercare.yml` starts without one).
//!    That is safe because removing a label updates the issue (so it sorts above the
//!    watermark), and because sync puts the configured labels back on every issue it finds
//!    without them, so anything older than the watermark is found by the label listing. Without
//!    a watermark (first run, no cache) the listing is complete.
//!
//! With `GET /user`, a run with nothing new therefore costs ceil(issues/100) + 2 requests.
//!
//! Which watermark a sync may record is decided by [`settled_watermark`]: after a run without
//! writes, the newest `updated_at` it listed; after a run with writes, one more look at the
//! identity's recently updated issues (so that a label someone removed *during* the run is not
//! hidden below the new watermark), which costs ceil(issues written/100) requests in runs that
//! write anyway.

use std::future::Future;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::tracker::{TrackedIssue, TrackerError};

/// Which issues to list. Listings always cover open and closed issues and use the largest page
/// the tracker allows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssueQuery {
    /// Only issues carrying this label.
    pub label: Option<String>,
    /// Only issues opened by this login.
    pub creator: Option<String>,
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
    /// Most recently updated first: lets a listing stop at a watermark.
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

/// Lists as the module documentation describes. `login` is the syncing identity (empty
/// without a token); `watermark` the one recorded for `labels[0]`.
pub async fn list_marked<P: Pages>(
    pages: &P,
    labels: &[String],
    login: &str,
    watermark: Option<DateTime<Utc>>,
) -> Result<Vec<TrackedIssue>, TrackerError> {
    let mut issues = Vec::new();
    if let Some(label) = labels.first() {
        let query = IssueQuery {
            label: Some(label.clone()),
            ..IssueQuery::default()
        };
        list_all(pages, &query, None, &mut issues)
            .await
            .with_context(|| format!("cannot list issues labelled {label:?}"))?;
    }
    if !login.is_empty() {
        let query = IssueQuery {
            creator: Some(login.to_string()),
            order: ListOrder::RecentlyUpdated,
            ..IssueQuery::default()
        };
        // Without a label listing, only a complete creator listing finds everything.
        let watermark = watermark.filter(|_| !labels.is_empty());
        list_all(pages, &query, watermark, &mut issues)
            .await
            .with_context(|| format!("cannot list issues opened by {login}"))?;
    }
    Ok(issues)
}

/// Follows a listing page by page; with a watermark, stops after the first page that reaches
/// back past it (the listing is then ordered by update, newest first).
async fn list_all<P: Pages>(
    pages: &P,
    query: &IssueQuery,
    watermark: Option<DateTime<Utc>>,
    into: &mut Vec<TrackedIssue>,
) -> anyhow::Result<()> {
    let mut cursor: Option<String> = None;
    // A bound on pages guards against a server whose `next` links never end.
    for _ in 0..MAX_PAGES {
        let page = pages.page(query, cursor.as_deref()).await?;
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

/// The watermark a sync that applied every change may record (see the module documentation).
/// `fetched_newest` is the newest `updated_at` the run listed; `wrote` says whether the run
/// wrote. `None` means: record nothing.
pub async fn settled_watermark<P: Pages>(
    pages: &P,
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
        let page = pages.page(&query, cursor.as_deref()).await?;
        let mut reached = false;
        for issue in &page.issues {
            if fetched_newest.is_some_and(|w| issue.updated_at < w) {
                reached = true;
                continue;
            }
            let unlabelled = !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(label));
            if unlabelled && issue.task.is_some() {
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
    use crate::tracker::{IssueRef, IssueState};
    use chrono::TimeZone;
    use std::sync::Mutex;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, minute, 0).unwrap()
    }

    fn issue(number: u64, key: Option<&str>, author: &str, labels: &[&str]) -> TrackedIssue {
        TrackedIssue {
            issue: IssueRef::numbered(number, ""),
            task: key.and_then(TaskKey::parse),
            trusted: author != "mallory",
            title: format!("issue {number}"),
            body: String::new(),
            state: IssueState::Open,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            assignees: vec![],
            author: author.into(),
            owned: None,
            removed_by_aftercare: false,
            created_at: at(number as u32),
            updated_at: at(number as u32),
            closed_at: None,
        }
    }

    /// Issues in memory, listed 2 a page; records every listing asked for.
    struct Memory {
        issues: Vec<TrackedIssue>,
        pages: Mutex<Vec<(IssueQuery, usize)>>,
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
    fn without_a_watermark_both_listings_are_read_to_the_end() {
        let issues = vec![
            issue(1, Some("a/one"), "octocat", &["postmortem"]),
            issue(2, Some("a/two"), "octocat", &[]),
            issue(3, Some("a/three"), "octocat", &["postmortem"]),
            issue(4, Some("a/four"), "hubot", &["postmortem"]),
            issue(5, Some("a/five"), "octocat", &[]),
        ];
        let pages = memory(issues);
        let listed = block_on(list_marked(
            &pages,
            &["postmortem".to_string()],
            "octocat",
            None,
        ))
        .unwrap();
        assert_eq!(keys(&listed).len(), 5);
        let pages = pages.pages.lock().unwrap();
        // label: 3 issues → 2 pages; creator: 4 issues → 2 pages
        assert_eq!(pages.len(), 4);
    }

    #[test]
    fn with_a_watermark_the_creator_listing_stops_at_the_first_older_page() {
        let mut issues: Vec<_> = (1..=9)
            .map(|n| issue(n, Some(&format!("a/t{n}")), "octocat", &["postmortem"]))
            .collect();
        // Someone took the label off issue 3 after the last sync: it is updated last.
        issues[2].labels.clear();
        issues[2].updated_at = at(30);
        let pages = memory(issues);
        let listed = block_on(list_marked(
            &pages,
            &["postmortem".to_string()],
            "octocat",
            Some(at(9)),
        ))
        .unwrap();
        assert_eq!(keys(&listed).len(), 9);
        let pages = pages.pages.lock().unwrap();
        // Page 1 holds issues 3 and 9 (not older than the watermark), page 2 reaches past it;
        // the whole listing would be 5 pages.
        let creator_pages = pages.iter().filter(|(q, _)| q.creator.is_some()).count();
        assert_eq!(creator_pages, 2);
    }

    #[test]
    fn the_watermark_is_held_back_while_an_issue_lacks_the_label() {
        let labels = ["postmortem".to_string()];
        let mut issues: Vec<_> = (1..=4)
            .map(|n| issue(n, Some(&format!("a/t{n}")), "octocat", &["postmortem"]))
            .collect();
        let pages = memory(issues.clone());
        let settled = block_on(settled_watermark(
            &pages,
            &labels,
            "octocat",
            Some(at(2)),
            true,
        ));
        assert_eq!(settled.unwrap(), Some(at(4)));
        issues[3].labels.clear();
        let pages = memory(issues);
        let settled = block_on(settled_watermark(
            &pages,
            &labels,
            "octocat",
            Some(at(2)),
            true,
        ));
        assert_eq!(settled.unwrap(), Some(at(2)));
        let settled = block_on(settled_watermark(
            &pages,
            &labels,
            "octocat",
            Some(at(2)),
            false,
        ));
        assert_eq!(settled.unwrap(), Some(at(2)));
        // The unlabelled issue is on the first page; a run without writes lists nothing.
        assert_eq!(pages.pages.lock().unwrap().len(), 1);
        let settled = block_on(settled_watermark(&pages, &[], "octocat", Some(at(2)), true));
        assert_eq!(settled.unwrap(), None);
    }
}
