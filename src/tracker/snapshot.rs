//! The last complete view of a tracker's issues, kept between runs so that a run reads only
//! what changed since: the incremental listing, for any tracker.
//!
//! A [`Snapshot`] holds the issues a tracker's complete listing returns that belong to a task
//! (as [`TrackedIssue`]s keyed by their id), the [`Scope`] they were listed for, a *watermark*
//! (the newest update time the tracker reported when its listing began, on the tracker's own
//! clock) and when the last complete listing ran. [`choose`] decides how a run lists:
//!
//! - [`Listing::Full`] when there is no snapshot, when it describes another place, identity or
//!   set of labels, when it has no watermark, when its last complete listing is `full_every`
//!   old (deleted and transferred issues change no update time, so only a complete listing
//!   notices them) or in the future, and when asked to;
//! - [`Listing::Since`] otherwise: the tracker lists every issue updated since the watermark
//!   minus an overlap (for clocks and listings that lag), newest first, and the changes are
//!   [applied](Snapshot::apply) to the snapshot: an issue that left the scope (its label removed
//!   by someone else, its task marker removed) leaves the snapshot.
//!
//! A snapshot of a tracker whose issue text allows it keeps a *digest* of each description
//! instead of the description ([`Incremental::keeping_body_digests`]): a SHA-256 of the text as
//! the tracker compares it, which is all a run with nothing to change needs and a small part of
//! the memory (at 50,000 issues the descriptions are most of it). Such a description reads as
//! [`is_body_digest`]; the tracker's [`IssueText::same_body`](crate::tracker::IssueText::same_body)
//! compares it with a whole one, and a sync reads the whole description back
//! ([`Tracker::issue`](crate::tracker::Tracker::issue)) only for the issues it closes, whose
//! text it extends.
//!
//! A snapshot is only ever built from a listing that ended: a listing interrupted midway leaves
//! the previous snapshot as it was, which is still complete up to its own watermark. The
//! tracker stores it ([`write`], [`read`]) in a file of its own beside its cache, streamed so
//! that a large one is never held twice, and never with a token.
//!
//! [`Incremental`] runs it all for a tracker, which supplies only its two listings as a
//! [`Lister`] (`since` with `sort=updated` on GitHub, `updated_after` with
//! `order_by=updated_at` on GitLab, `updated >= "…"` on Jira at minute precision) and its
//! overlap: the tracker's [`Tracker::list`](crate::tracker::Tracker::list) calls
//! [`Incremental::list`], its [`Tracker::settle`](crate::tracker::Tracker::settle) calls
//! [`Incremental::settle`].

use std::collections::HashMap;
use std::future::Future;
use std::io::{BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::tracker::{TrackedIssue, TrackerError};

/// The snapshot file kept beside the cache file `cache.json`: `cache.snapshot.json`.
pub fn snapshot_path(cache_file: &Path) -> PathBuf {
    cache_file.with_extension("snapshot.json")
}

/// The snapshot file's format; a file of another version is not trusted. Version 2 may keep
/// digests of the descriptions instead of the descriptions.
const VERSION: u32 = 2;

/// How a description kept as a digest begins: a NUL, which no description a tracker serves
/// holds, so that no whole description reads as a digest.
const BODY_DIGEST_PREFIX: &str = "\0sha256:";

/// The digest that stands for a description whose compared form (see
/// [`IssueText::same_body`](crate::tracker::IssueText::same_body)) is `compared`.
pub fn body_digest_of(compared: &str) -> String {
    let hash = Sha256::digest(compared.as_bytes());
    let mut digest = String::with_capacity(BODY_DIGEST_PREFIX.len() + 43);
    digest.push_str(BODY_DIGEST_PREFIX);
    base64::engine::general_purpose::STANDARD_NO_PAD.encode_string(hash, &mut digest);
    digest
}

/// True when `body` is a digest kept by a snapshot, not a description.
pub fn is_body_digest(body: &str) -> bool {
    body.starts_with(BODY_DIGEST_PREFIX)
}

/// What a snapshot describes: one place on one tracker, as one identity sees it, listed by
/// the configured labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// The tracker's API address and the place in it: `https://api.github.com acme/web`.
    pub place: String,
    /// The syncing identity, whose own issues are part of the scope; empty without a token.
    pub login: String,
    /// The configured labels; the first is the one listed by.
    pub labels: Vec<String>,
}

impl Scope {
    /// True when a listing of this scope returns `issue`: it carries the first label (in any
    /// case) or the identity opened it.
    pub fn covers(&self, issue: &TrackedIssue) -> bool {
        let labelled = self
            .labels
            .first()
            .is_some_and(|label| issue.labels.iter().any(|l| l.eq_ignore_ascii_case(label)));
        labelled || (!self.login.is_empty() && issue.author == self.login)
    }
}

/// The issues of a scope as of a watermark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    version: u32,
    pub scope: Scope,
    /// Whether the issues' descriptions are kept as digests ([`body_digest_of`]).
    #[serde(default)]
    pub body_digests: bool,
    /// The newest update time the tracker reported when the last listing began; `None` when
    /// it reported none (no issue at all), which makes the next listing complete.
    pub watermark: Option<DateTime<Utc>>,
    /// When the last complete listing began, on this machine's clock.
    pub full_at: DateTime<Utc>,
    /// The issues of the scope that belong to a task, one per id, in no particular order (a
    /// plain list, so that handing them over allocates nothing).
    issues: Vec<TrackedIssue>,
}

/// How a run lists, as [`choose`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// Everything, for the reason given (for `-v`).
    Full(&'static str),
    /// Only the issues updated at or after this time.
    Since(DateTime<Utc>),
}

/// Why a run lists everything, or from when it lists the changes; see the module
/// documentation. `now` is this machine's clock.
pub fn choose(
    snapshot: Option<&Snapshot>,
    scope: &Scope,
    now: DateTime<Utc>,
    full_every: Duration,
    overlap: Duration,
    force_full: bool,
) -> Listing {
    if force_full {
        return Listing::Full("asked for with --full");
    }
    let Some(snapshot) = snapshot else {
        return Listing::Full("no snapshot of an earlier listing");
    };
    if snapshot.scope.place != scope.place {
        return Listing::Full("the snapshot is of another repository");
    }
    if snapshot.scope.login != scope.login {
        return Listing::Full("the snapshot was listed by another identity");
    }
    if snapshot.scope.labels != scope.labels {
        return Listing::Full("the configured labels changed");
    }
    let Some(watermark) = snapshot.watermark else {
        return Listing::Full("the last listing found no issue");
    };
    let age = now.signed_duration_since(snapshot.full_at);
    let due = chrono::Duration::from_std(full_every).unwrap_or(chrono::Duration::MAX);
    if age < chrono::Duration::zero() || age >= due {
        return Listing::Full("the last complete listing is older than full_every");
    }
    let overlap = chrono::Duration::from_std(overlap).unwrap_or_default();
    Listing::Since(watermark.checked_sub_signed(overlap).unwrap_or(watermark))
}

impl Snapshot {
    /// The snapshot of a complete listing of `scope` that began at `full_at` (this machine's
    /// clock) when the tracker's newest update time was `watermark`.
    pub fn complete(
        scope: Scope,
        issues: Vec<TrackedIssue>,
        watermark: Option<DateTime<Utc>>,
        full_at: DateTime<Utc>,
    ) -> Snapshot {
        let mut snapshot = Snapshot {
            version: VERSION,
            scope,
            body_digests: false,
            watermark,
            full_at,
            issues: Vec::new(),
        };
        snapshot.apply(issues, watermark);
        snapshot
    }

    /// Applies a complete listing of every issue updated since the watermark (minus the
    /// overlap), which began when the tracker's newest update time was `watermark`: changed
    /// issues replace their old state, issues that left the scope or lost their task leave the
    /// snapshot. An issue listed twice counts as last listed. Returns whether anything changed.
    pub fn apply(&mut self, changed: Vec<TrackedIssue>, watermark: Option<DateTime<Utc>>) -> bool {
        let newer = self.watermark.max(watermark);
        let mut modified = newer != self.watermark;
        self.watermark = newer;
        if changed.is_empty() {
            // Nothing listed: no index of the issues to build.
            return modified;
        }
        let mut position: HashMap<String, usize> = self
            .issues
            .iter()
            .enumerate()
            .map(|(i, issue)| (issue.issue.id.clone(), i))
            .collect();
        // Issues that left, by position; removed at the end so that positions hold.
        let mut gone = std::collections::HashSet::new();
        for issue in changed {
            let keep = self.keeps(&issue);
            match position.get(&issue.issue.id).copied() {
                Some(i) if keep => {
                    modified |= gone.remove(&i);
                    if self.issues[i] != issue {
                        self.issues[i] = issue;
                        modified = true;
                    }
                }
                Some(i) => modified |= gone.insert(i),
                None if keep => {
                    position.insert(issue.issue.id.clone(), self.issues.len());
                    self.issues.push(issue);
                    modified = true;
                }
                None => {}
            }
        }
        if !gone.is_empty() {
            let mut i = 0;
            self.issues.retain(|_| {
                i += 1;
                !gone.contains(&(i - 1))
            });
        }
        modified
    }

    fn keeps(&self, issue: &TrackedIssue) -> bool {
        issue.task.is_some() && self.scope.covers(issue)
    }

    /// How many issues it holds.
    pub fn len(&self) -> usize {
        self.issues.len()
    }

    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// The issues, in no particular order.
    pub fn issues(&self) -> impl Iterator<Item = &TrackedIssue> {
        self.issues.iter()
    }

    /// The issues, handed over.
    pub fn into_issues(self) -> Vec<TrackedIssue> {
        self.issues
    }
}

/// What one listing returned, and its *mark*: the newest update time on the first page of a
/// listing ordered by update, newest first. Any change the tracker makes after that page was
/// read gets a later update time, so a later listing of the changes since the mark (less an
/// overlap) sees every change this listing may have missed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listed {
    pub issues: Vec<TrackedIssue>,
    pub mark: Option<DateTime<Utc>>,
}

/// The two listings a tracker makes for [`Incremental`].
pub trait Lister: Sync {
    /// Every issue of `scope`: those carrying its first label and those its login opened.
    fn list_complete(
        &self,
        scope: &Scope,
    ) -> impl Future<Output = Result<Listed, TrackerError>> + Send;
    /// Every issue updated at or after `since` (every issue without it), whoever opened it
    /// and whatever its labels, so that issues leaving the scope are seen too.
    fn list_changed(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<Listed, TrackerError>> + Send;
}

/// How one tracker lists incrementally: where its snapshot is kept, how often it lists
/// everything, and how far back a listing of changes starts.
#[derive(Debug)]
pub struct Incremental {
    /// The snapshot file; `None` keeps none and lists everything on every run.
    pub path: Option<PathBuf>,
    pub full_every: Duration,
    pub overlap: Duration,
    /// List everything, whatever the snapshot (`--full`).
    pub force_full: bool,
    /// At 1 and above, says on standard error how each run lists.
    pub verbose: u8,
    /// The tracker's digest of a description, when its snapshot keeps digests instead of the
    /// descriptions ([`Incremental::keeping_body_digests`]).
    body_digest: Option<fn(&str) -> String>,
    /// The scope of the snapshot this run's listing wrote, for [`Incremental::settle`].
    written: Mutex<Option<Scope>>,
}

impl Incremental {
    pub fn new(
        path: Option<PathBuf>,
        full_every: Duration,
        overlap: Duration,
        force_full: bool,
        verbose: u8,
    ) -> Incremental {
        Incremental {
            path,
            full_every,
            overlap,
            force_full,
            verbose,
            body_digest: None,
            written: Mutex::new(None),
        }
    }

    /// The same, keeping each issue's description as `digest` gives it (a [`body_digest_of`]
    /// its compared form; a digest unchanged) in the snapshot and in what [`Incremental::list`]
    /// returns. For trackers whose
    /// [`IssueText::same_body`](crate::tracker::IssueText::same_body) compares such digests,
    /// and that read a whole issue back with
    /// [`Tracker::issue`](crate::tracker::Tracker::issue).
    pub fn keeping_body_digests(self, digest: fn(&str) -> String) -> Incremental {
        Incremental {
            body_digest: Some(digest),
            ..self
        }
    }

    /// `issues` as this tracker's snapshot keeps them.
    fn kept(&self, mut issues: Vec<TrackedIssue>) -> Vec<TrackedIssue> {
        if let Some(digest) = self.body_digest {
            for issue in &mut issues {
                issue.body = digest(&issue.body);
            }
        }
        issues
    }

    /// Whether `snapshot` keeps the descriptions as this tracker's snapshots do.
    fn keeps_bodies_alike(&self, snapshot: &Snapshot) -> bool {
        snapshot.body_digests == self.body_digest.is_some()
    }

    fn note(&self, message: impl FnOnce() -> String) {
        if self.verbose > 0 {
            eprintln!("{}", message());
        }
    }

    /// Every issue of `scope` that belongs to a task, listed as [`choose`] decides, and the
    /// snapshot brought up to date. A damaged snapshot is reported and not trusted; a snapshot
    /// that cannot be written is reported and costs the next run a longer listing.
    pub async fn list<L: Lister>(
        &self,
        lister: &L,
        scope: Scope,
    ) -> Result<Vec<TrackedIssue>, TrackerError> {
        let Some(path) = &self.path else {
            return Ok(lister.list_complete(&scope).await?.issues);
        };
        let previous = match read(path) {
            Ok(Some(previous)) if !self.keeps_bodies_alike(&previous) => {
                self.note(|| "the snapshot keeps the descriptions otherwise".to_string());
                None
            }
            Ok(previous) => previous,
            Err(err) => {
                eprintln!("warning: ignoring the listing snapshot: {err:#}");
                None
            }
        };
        let now = Utc::now();
        let choice = choose(
            previous.as_ref(),
            &scope,
            now,
            self.full_every,
            self.overlap,
            self.force_full,
        );
        let (snapshot, changed) = match (choice, previous) {
            (Listing::Since(since), Some(mut snapshot)) => {
                self.note(|| format!("listing the issues updated since {}", since.to_rfc3339()));
                let Listed { issues, mark } = lister.list_changed(Some(since)).await?;
                let changed = snapshot.apply(self.kept(issues), mark);
                (snapshot, changed)
            }
            (choice, _) => {
                if let Listing::Full(why) = choice {
                    self.note(|| format!("listing every issue: {why}"));
                }
                let Listed { issues, mark } = lister.list_complete(&scope).await?;
                let mut snapshot = Snapshot::complete(scope.clone(), self.kept(issues), mark, now);
                snapshot.body_digests = self.body_digest.is_some();
                (snapshot, true)
            }
        };
        // Only a listing that ended gets here: the snapshot on disk is always a complete one.
        // Unchanged, it is on disk already.
        let saved = if changed {
            write(path, &snapshot)
        } else {
            Ok(())
        };
        match saved {
            Ok(()) => *self.written.lock().unwrap_or_else(|p| p.into_inner()) = Some(scope),
            Err(err) => eprintln!("warning: {err:#}"),
        }
        Ok(snapshot.into_issues())
    }

    /// After a run that wrote (`wrote`), lists the changes since the snapshot this run's
    /// listing of `scope` wrote (the run's own writes, and whatever people changed meanwhile)
    /// into it, so that the next run starts after them. On failure the snapshot stays as the
    /// listing left it: complete, from an earlier watermark.
    pub async fn settle<L: Lister>(&self, lister: &L, scope: &Scope, wrote: bool) {
        let Some(path) = &self.path else {
            return;
        };
        let written = self
            .written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if !wrote || written.as_ref() != Some(scope) {
            return;
        }
        let result = async {
            let mut snapshot = read(path)?
                .filter(|s| &s.scope == scope && self.keeps_bodies_alike(s))
                .context("the snapshot written by this run's listing is gone")?;
            let overlap = chrono::Duration::from_std(self.overlap).unwrap_or_default();
            let since = snapshot.watermark.map(|w| w - overlap);
            let Listed { issues, mark } = lister.list_changed(since).await?;
            if snapshot.apply(self.kept(issues), mark) {
                write(path, &snapshot)?;
            }
            Ok::<(), anyhow::Error>(())
        };
        if let Err(err) = result.await {
            self.note(|| {
                format!("warning: the listing snapshot is not brought up to date: {err:#}")
            });
        }
    }
}

/// Reads the snapshot at `path`: `Ok(None)` when there is none, an error when it cannot be read
/// or is not a snapshot of this version (the caller then lists everything).
pub fn read(path: &Path) -> anyhow::Result<Option<Snapshot>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let snapshot: Snapshot = serde_json::from_reader(BufReader::new(file))
        .with_context(|| format!("{} is not a valid snapshot", path.display()))?;
    anyhow::ensure!(
        snapshot.version == VERSION,
        "{} is a snapshot of another version",
        path.display()
    );
    Ok(Some(snapshot))
}

/// Writes `snapshot` to `path` whole or not at all (through a temporary file of this process
/// renamed over it, so that two runs at once never write into the same temporary file).
pub fn write(path: &Path, snapshot: &Snapshot) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    let write = || -> anyhow::Result<()> {
        let file = std::fs::File::create(&tmp)?;
        let mut out = BufWriter::new(file);
        serde_json::to_writer(&mut out, snapshot)?;
        out.flush()?;
        Ok(())
    };
    write().with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Removes the snapshot at `path`, if any, so that the next run lists everything.
pub fn remove(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Issues for the tests of incremental listings, here and in each tracker.
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::{DateTime, TimeZone, Utc};

    use crate::model::TaskKey;
    use crate::tracker::{IssueRef, IssueState, TrackedIssue};

    /// `minute` minutes into 2024.
    pub fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 0, minute, 0).unwrap()
    }

    /// Issue `number`, created and updated at minute `number`; trusted unless by `mallory`.
    pub fn issue(number: u64, task: Option<&str>, author: &str, labels: &[&str]) -> TrackedIssue {
        TrackedIssue {
            issue: IssueRef::numbered(number, ""),
            task: task.and_then(TaskKey::parse),
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
}

#[cfg(test)]
mod tests {
    use super::fixtures::{at, issue};
    use super::*;
    use crate::tracker::IssueState;

    fn scope() -> Scope {
        Scope {
            place: "https://api.github.com acme/web".into(),
            login: "octocat".into(),
            labels: vec!["postmortem".into()],
        }
    }

    const DAY: Duration = Duration::from_secs(86_400);
    const MINUTE: Duration = Duration::from_secs(60);

    fn ids(snapshot: &Snapshot) -> Vec<String> {
        snapshot.issues().map(|i| i.issue.id.clone()).collect()
    }

    #[test]
    fn only_issues_of_the_scope_with_a_task_are_kept() {
        let snapshot = Snapshot::complete(
            scope(),
            vec![
                issue(1, Some("a/one"), "hubot", &["Postmortem"]),
                issue(2, Some("a/two"), "octocat", &[]),
                issue(3, None, "octocat", &["postmortem"]),
                issue(4, Some("a/four"), "hubot", &["bug"]),
            ],
            Some(at(4)),
            at(10),
        );
        assert_eq!(ids(&snapshot), ["1", "2"]);
    }

    #[test]
    fn changes_replace_add_and_remove_issues_and_move_the_watermark_forward() {
        let mut snapshot = Snapshot::complete(
            scope(),
            vec![
                issue(1, Some("a/one"), "hubot", &["postmortem"]),
                issue(2, Some("a/two"), "octocat", &["postmortem"]),
                issue(3, Some("a/three"), "hubot", &["postmortem"]),
            ],
            Some(at(3)),
            at(10),
        );
        let mut closed = issue(2, Some("a/two"), "octocat", &[]);
        closed.state = IssueState::Done;
        snapshot.apply(
            vec![
                closed.clone(),
                issue(1, Some("a/one"), "hubot", &[]), // someone else's, label removed
                issue(3, None, "hubot", &["postmortem"]), // marker removed
                issue(5, Some("a/five"), "hubot", &["postmortem"]),
                issue(6, Some("a/six"), "mallory", &["bug"]),
            ],
            Some(at(6)),
        );
        assert_eq!(ids(&snapshot), ["2", "5"]);
        assert_eq!(snapshot.issues().next(), Some(&closed));
        assert_eq!(snapshot.watermark, Some(at(6)));
        assert!(!snapshot.apply(vec![], Some(at(5))));
        assert_eq!(snapshot.watermark, Some(at(6)), "never moves back");
        assert!(
            !snapshot.apply(vec![closed.clone()], Some(at(6))),
            "nothing new"
        );
        // Listed twice in one listing (it changed between two pages): the last one counts.
        assert!(snapshot.apply(
            vec![issue(2, Some("a/two"), "octocat", &["bug"]), closed.clone()],
            Some(at(6))
        ));
        assert_eq!(ids(&snapshot), ["2", "5"]);
        assert!(snapshot.apply(vec![issue(5, None, "hubot", &[])], None));
        assert_eq!(ids(&snapshot), ["2"]);
    }

    #[test]
    fn a_run_lists_the_changes_only_from_a_snapshot_of_the_same_scope_within_full_every() {
        let snapshot = Snapshot::complete(scope(), vec![], Some(at(30)), at(0));
        let choose_at = |s: Option<&Snapshot>, scope: &Scope, now, force| {
            choose(s, scope, now, DAY, MINUTE, force)
        };
        assert_eq!(
            choose_at(Some(&snapshot), &scope(), at(40), false),
            Listing::Since(at(29))
        );
        assert_eq!(
            choose_at(None, &scope(), at(40), false),
            Listing::Full("no snapshot of an earlier listing")
        );
        assert_eq!(
            choose_at(Some(&snapshot), &scope(), at(40), true),
            Listing::Full("asked for with --full")
        );
        let other = |f: &dyn Fn(&mut Scope)| {
            let mut s = scope();
            f(&mut s);
            choose_at(Some(&snapshot), &s, at(40), false)
        };
        assert_eq!(
            other(&|s| s.place = "https://api.github.com acme/api".into()),
            Listing::Full("the snapshot is of another repository")
        );
        assert_eq!(
            other(&|s| s.login = "hubot".into()),
            Listing::Full("the snapshot was listed by another identity")
        );
        assert_eq!(
            other(&|s| s.labels.push("incident".into())),
            Listing::Full("the configured labels changed")
        );
        let empty = Snapshot::complete(scope(), vec![], None, at(0));
        assert_eq!(
            choose_at(Some(&empty), &scope(), at(40), false),
            Listing::Full("the last listing found no issue")
        );
        let day_later = at(0) + chrono::Duration::days(1);
        assert_eq!(
            choose_at(Some(&snapshot), &scope(), day_later, false),
            Listing::Full("the last complete listing is older than full_every")
        );
        let before = at(0) - chrono::Duration::seconds(1);
        assert_eq!(
            choose_at(Some(&snapshot), &scope(), before, false),
            Listing::Full("the last complete listing is older than full_every")
        );
        assert_eq!(
            choose_at(
                Some(&snapshot),
                &scope(),
                day_later - chrono::Duration::seconds(1),
                false
            ),
            Listing::Since(at(29))
        );
    }

    /// A tracker whose listings return `issues`, counting its complete listings.
    struct Fixed {
        issues: Vec<TrackedIssue>,
        complete: std::sync::atomic::AtomicUsize,
    }

    impl Lister for Fixed {
        async fn list_complete(&self, _: &Scope) -> Result<Listed, TrackerError> {
            self.complete
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(Listed {
                issues: self.issues.clone(),
                mark: Some(at(1)),
            })
        }

        async fn list_changed(&self, _: Option<DateTime<Utc>>) -> Result<Listed, TrackerError> {
            Ok(Listed::default())
        }
    }

    #[tokio::test]
    async fn descriptions_kept_as_digests_are_only_trusted_by_a_tracker_that_keeps_them_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        let mut described = issue(1, Some("a/one"), "octocat", &["postmortem"]);
        described.body = "Text.\r\n\n<!-- aftercare:task=a/one -->\n".into();
        let lister = Fixed {
            issues: vec![described.clone()],
            complete: Default::default(),
        };
        let incremental = |digests: bool| {
            let incremental = Incremental::new(Some(path.clone()), DAY, MINUTE, false, 0);
            if digests {
                incremental.keeping_body_digests(crate::tracker::markdown::body_digest)
            } else {
                incremental
            }
        };
        let complete = || lister.complete.load(std::sync::atomic::Ordering::Relaxed);

        let listed = incremental(true).list(&lister, scope()).await.unwrap();
        let digest = crate::tracker::markdown::body_digest(&described.body);
        assert!(is_body_digest(&digest));
        assert_eq!(digest.len(), BODY_DIGEST_PREFIX.len() + 43);
        assert_eq!(listed[0].body, digest);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("aftercare:task"), "{text}");
        assert!(read(&path).unwrap().unwrap().body_digests);
        assert_eq!(complete(), 1);

        // The next run of the same tracker lists only the changes.
        let listed = incremental(true).list(&lister, scope()).await.unwrap();
        assert_eq!(listed[0].body, digest);
        assert_eq!(complete(), 1);

        // A tracker that keeps whole descriptions does not trust it, nor the other way round.
        let listed = incremental(false).list(&lister, scope()).await.unwrap();
        assert_eq!(listed, [described]);
        assert_eq!(complete(), 2);
        assert!(!read(&path).unwrap().unwrap().body_digests);
        incremental(true).list(&lister, scope()).await.unwrap();
        assert_eq!(complete(), 3);
    }

    #[test]
    fn a_snapshot_reads_back_as_written_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/snapshot.json");
        assert!(read(&path).unwrap().is_none());
        let snapshot = Snapshot::complete(
            scope(),
            vec![issue(1, Some("a/one"), "octocat", &["postmortem"])],
            Some(at(1)),
            at(2),
        );
        write(&path, &snapshot).unwrap();
        assert_eq!(read(&path).unwrap(), Some(snapshot));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert!(read(&path).is_err());
        std::fs::write(&path, text.replace("\"version\":2", "\"version\":1")).unwrap();
        assert!(
            read(&path)
                .unwrap_err()
                .to_string()
                .ends_with("is a snapshot of another version")
        );
        remove(&path).unwrap();
        remove(&path).unwrap();
        assert!(read(&path).unwrap().is_none());
    }
}
