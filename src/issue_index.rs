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
//!    runs, per login and per listed label (a new label in `aftercare.yml` starts without one).
//!    That is safe because removing a label updates the issue (so it sorts above the
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
        let watermark = labels
            .first()
            .and_then(|label| tracker.creator_watermark(label));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::{
        AuthorAssociation, IssueEdit, IssuePage, IssueState, NewIssue, TrackerError,
    };
    use chrono::TimeZone;
    use std::sync::Mutex;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, minute, 0).unwrap()
    }

    fn issue(number: u64, key: Option<&str>, author: &str, labels: &[&str]) -> TrackedIssue {
        TrackedIssue {
            number,
            title: format!("issue {number}"),
            body: key
                .map(|k| format!("text\n<!-- aftercare:task={k} -->"))
                .unwrap_or_default(),
            state: IssueState::Open,
            state_reason: None,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            assignees: vec![],
            author: author.into(),
            author_association: if author == "mallory" {
                AuthorAssociation::None
            } else {
                AuthorAssociation::Contributor
            },
            created_at: at(number as u32),
            updated_at: at(number as u32),
            closed_at: None,
            url: String::new(),
        }
    }

    /// Issues in memory, listed 2 a page; records every listing asked for.
    struct Memory {
        issues: Vec<TrackedIssue>,
        watermark: Option<DateTime<Utc>>,
        pages: Mutex<Vec<(IssueQuery, usize)>>,
    }

    impl Tracker for Memory {
        async fn identity(&self) -> Result<Identity, TrackerError> {
            Ok(Identity {
                login: "octocat".into(),
            })
        }
        async fn list_page(
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
            Ok(IssuePage {
                raw_len: issues.len(),
                issues,
                next,
            })
        }
        async fn create_issue(&self, _: &NewIssue) -> Result<TrackedIssue, TrackerError> {
            unreachable!()
        }
        async fn edit_issue(&self, _: u64, _: &IssueEdit) -> Result<TrackedIssue, TrackerError> {
            unreachable!()
        }
        async fn comment(&self, _: u64, _: &str) -> Result<(), TrackerError> {
            unreachable!()
        }
        fn creator_watermark(&self, _label: &str) -> Option<DateTime<Utc>> {
            self.watermark
        }
    }

    fn memory(issues: Vec<TrackedIssue>, watermark: Option<DateTime<Utc>>) -> Memory {
        Memory {
            issues,
            watermark,
            pages: Mutex::new(vec![]),
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn build_keeps_trusted_marked_issues_oldest_first_and_sets_outsiders_aside() {
        let mut older = issue(2, Some("a/t"), "octocat", &[]);
        older.created_at = at(0);
        let index = IssueIndex::build(
            vec![
                issue(5, Some("a/t"), "octocat", &[]),
                older.clone(),
                older.clone(), // listed twice: by label and by creator
                issue(7, Some("a/t"), "mallory", &[]),
                issue(8, None, "octocat", &[]),
            ],
            "octocat",
        );
        let key = TaskKey::new("a", "t");
        assert_eq!(index.get(&key).map(|i| i.number), Some(2));
        assert_eq!(
            index.all(&key).iter().map(|i| i.number).collect::<Vec<_>>(),
            [2, 5]
        );
        assert_eq!(index.keys().count(), 1);
        assert_eq!(index.untrusted().len(), 1);
        assert_eq!(index.untrusted()[0].1.number, 7);
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
        let tracker = memory(issues, None);
        let fetched = block_on(fetch(&tracker, &["postmortem".to_string()])).unwrap();
        assert_eq!(fetched.index.keys().count(), 4, "hubot is not trusted here");
        assert_eq!(fetched.listed, 5);
        assert_eq!(fetched.newest_update, Some(at(5)));
        let pages = tracker.pages.lock().unwrap();
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
        let tracker = memory(issues, Some(at(9)));
        let fetched = block_on(fetch(&tracker, &["postmortem".to_string()])).unwrap();
        assert_eq!(fetched.index.keys().count(), 9);
        let pages = tracker.pages.lock().unwrap();
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
        let tracker = memory(issues.clone(), None);
        let settled = block_on(settled_watermark(
            &tracker,
            &labels,
            "octocat",
            Some(at(2)),
            true,
        ));
        assert_eq!(settled.unwrap(), Some(at(4)));
        issues[3].labels.clear();
        let tracker = memory(issues, None);
        let settled = block_on(settled_watermark(
            &tracker,
            &labels,
            "octocat",
            Some(at(2)),
            true,
        ));
        assert_eq!(settled.unwrap(), Some(at(2)));
        let settled = block_on(settled_watermark(
            &tracker,
            &labels,
            "octocat",
            Some(at(2)),
            false,
        ));
        assert_eq!(settled.unwrap(), Some(at(2)));
        // The unlabelled issue is on the first page; a run without writes lists nothing.
        assert_eq!(tracker.pages.lock().unwrap().len(), 1);
        let settled = block_on(settled_watermark(
            &tracker,
            &[],
            "octocat",
            Some(at(2)),
            true,
        ));
        assert_eq!(settled.unwrap(), None);
    }
}
