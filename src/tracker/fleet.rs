//! Several repositories (or projects) of one tracker, behind the one [`Tracker`] interface.
//!
//! A [`Fleet`] holds one client per place: the configured repository and every other one a
//! task's or postmortem's `repo` names. Each client keeps its own listing state, cache file,
//! identity and trust rule (who may speak for a task is decided per repository); they share
//! one write pacer, because a tracker's limits on writes count per account, not per
//! repository. The fleet stamps every issue it hands out with its place
//! ([`IssueRef::place`]) and names issues outside the configured repository in full
//! (`acme/api#7`), and routes every write by the place of the issue or of the new issue. With a
//! single repository it is a thin pass-through: nothing is stamped and nothing is renamed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::model::TaskKey;
use crate::plan::issue_index::IssueIndex;
use crate::plan::route::{Routes, is_in, same_place};
use crate::tracker::retry::lock;
use crate::tracker::{
    Identity, IssueComment, IssueEdit, IssueRef, IssueText, NewIssue, ReminderContent,
    RequestStats, TrackedIssue, Tracker, TrackerError,
};

/// One client per place; the configured repository's first.
pub struct Fleet<T> {
    configured: T,
    others: Vec<(String, T)>,
    routes: Routes,
    /// The places written to in this run, so that only they settle their listing as changed.
    written: Mutex<BTreeSet<Option<String>>>,
    /// Where the places to read next time are remembered ([`remembered_places_file`]).
    memory: Option<PathBuf>,
}

/// What listing every place found.
#[derive(Debug, Default)]
pub struct FleetListing {
    /// The issues of every place that could be read, stamped with their place.
    pub issues: Vec<TrackedIssue>,
    /// The places that could not be read, named, with why.
    pub failed: Vec<(Option<String>, TrackerError)>,
}

impl<T: Tracker> Fleet<T> {
    /// A fleet of the configured repository alone.
    pub fn single(tracker: T) -> Fleet<T> {
        let routes = Routes::single(&tracker.place());
        Fleet::new(tracker, Vec::new(), routes)
    }

    /// A fleet of the configured repository and `others` (place name, client), routing tasks
    /// by `routes`.
    pub fn new(configured: T, others: Vec<(String, T)>, routes: Routes) -> Fleet<T> {
        Fleet {
            configured,
            others,
            routes,
            written: Mutex::new(BTreeSet::new()),
            memory: None,
        }
    }

    /// Remembers in `file` which places hold open issues, for the next runs to read
    /// ([`Fleet::remember`]).
    pub fn remembering(mut self, file: Option<PathBuf>) -> Fleet<T> {
        self.memory = file;
        self
    }

    /// Records the places other than the configured one that the next runs must read even if
    /// no task names them any more: every place a task names, and every place where `index`
    /// holds an open issue of aftercare's (so that a task moved away, or a deleted
    /// postmortem's, still has its old issue found and closed). Call after a complete sync.
    pub fn remember(&self, index: &IssueIndex) -> anyhow::Result<()> {
        let Some(file) = &self.memory else {
            return Ok(());
        };
        let mut places: Vec<String> = self.routes.others();
        for key in index.keys() {
            for issue in index.all(key).iter().filter(|i| i.state.is_open()) {
                if let Some(place) = &issue.issue.place {
                    if !places.iter().any(|p| same_place(p, place)) {
                        places.push(place.clone());
                    }
                }
            }
        }
        places.sort();
        if places.is_empty() && !file.exists() {
            return Ok(());
        }
        let text = serde_json::to_string_pretty(&places)?;
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(file, text + "\n")
            .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", file.display()))
    }

    /// The routes the fleet was built with.
    pub fn routes(&self) -> &Routes {
        &self.routes
    }

    /// Every place with its client, the configured repository (`None`) first.
    pub fn places(&self) -> impl Iterator<Item = (Option<&str>, &T)> {
        std::iter::once((None, &self.configured))
            .chain(self.others.iter().map(|(p, t)| (Some(p.as_str()), t)))
    }

    /// The client of a place; the configured one for a place the fleet does not hold.
    fn at(&self, place: Option<&str>) -> &T {
        self.places()
            .find(|(p, _)| is_in(*p, place))
            .map_or(&self.configured, |(_, t)| t)
    }

    /// Lists every place; a place that cannot be read is reported with its error and the
    /// others are still listed.
    pub async fn list_each(&self, labels: &[String]) -> FleetListing {
        let mut out = FleetListing::default();
        if !self.others.is_empty() {
            // One account: the other clients need not ask who it is.
            if let Ok(identity) = self.configured.identity().await {
                for (_, tracker) in &self.others {
                    tracker.adopt_identity(&identity);
                }
            }
        }
        for (place, tracker) in self.places() {
            match tracker.list(labels).await {
                Ok(issues) => out
                    .issues
                    .extend(issues.into_iter().map(|i| self.stamped(place, i))),
                Err(err) => out.failed.push((place.map(str::to_string), err)),
            }
        }
        out
    }

    /// `issue`, marked as being in `place` and named in full outside the configured
    /// repository.
    fn stamped(&self, place: Option<&str>, mut issue: TrackedIssue) -> TrackedIssue {
        stamp(place, &mut issue.issue);
        issue
    }

    fn wrote(&self, place: Option<&str>) {
        lock(&self.written).insert(place.map(str::to_string));
    }
}

/// The file beside the cache file that remembers which other places to read:
/// `.aftercare/cache.remembered-places.json`.
pub fn remembered_places_file(cache_file: &Path) -> PathBuf {
    cache_file.with_extension("remembered-places.json")
}

/// The places an earlier run remembered; none when the file is missing or unreadable (the
/// next complete sync writes it again).
pub fn remembered_places(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
        .unwrap_or_default()
}

/// `issue` as its own repository's client named it, before [`stamp`].
fn unstamped(issue: &IssueRef) -> IssueRef {
    let mut own = issue.clone();
    if let Some(place) = own.place.take() {
        if let Some(display) = own.display.strip_prefix(place.as_str()) {
            own.display = display.to_string();
        }
    }
    own
}

/// Marks `issue` as being in `place`, naming it `acme/api#7` when the tracker names issues by
/// number alone (`#7`); a Jira key names its project already.
pub fn stamp(place: Option<&str>, issue: &mut IssueRef) {
    let Some(place) = place else { return };
    if issue.place.is_none() {
        if issue.display.starts_with('#') {
            issue.display = format!("{place}{}", issue.display);
        }
        issue.place = Some(place.to_string());
    }
}

impl<T: Tracker> Tracker for Fleet<T> {
    fn name(&self) -> &'static str {
        self.configured.name()
    }

    fn place(&self) -> String {
        self.configured.place()
    }

    fn trust_rule(&self) -> &'static str {
        self.configured.trust_rule()
    }

    fn text(&self) -> &dyn IssueText {
        self.configured.text()
    }

    async fn identity(&self) -> Result<Identity, TrackerError> {
        self.configured.identity().await
    }

    /// Every place's issues; fails with the first place that cannot be read.
    async fn list(&self, labels: &[String]) -> Result<Vec<TrackedIssue>, TrackerError> {
        let mut listing = self.list_each(labels).await;
        match listing.failed.drain(..).next() {
            Some((_, err)) => Err(err),
            None => Ok(listing.issues),
        }
    }

    async fn issue(&self, issue: &IssueRef) -> Result<Option<TrackedIssue>, TrackerError> {
        let place = issue.place.as_deref();
        let now = self.at(place).issue(&unstamped(issue)).await?;
        Ok(now.map(|i| self.stamped(place, i)))
    }

    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        let place = issue.place.as_deref();
        self.wrote(place);
        let made = self.at(place).create_issue(issue).await?;
        Ok(self.stamped(place, made))
    }

    async fn edit_issue(
        &self,
        issue: &IssueRef,
        edit: &IssueEdit,
    ) -> Result<Option<TrackedIssue>, TrackerError> {
        let place = issue.place.as_deref();
        self.wrote(place);
        let edited = self.at(place).edit_issue(&unstamped(issue), edit).await?;
        Ok(edited.map(|i| self.stamped(place, i)))
    }

    async fn comment(&self, issue: &IssueRef, body: &str) -> Result<(), TrackerError> {
        let place = issue.place.as_deref();
        self.wrote(place);
        self.at(place).comment(&unstamped(issue), body).await
    }

    async fn remind(
        &self,
        issue: &IssueRef,
        reminder: &ReminderContent,
    ) -> Result<(), TrackerError> {
        let place = issue.place.as_deref();
        self.wrote(place);
        self.at(place).remind(&unstamped(issue), reminder).await
    }

    async fn comments(&self, issue: &IssueRef) -> Result<Vec<IssueComment>, TrackerError> {
        self.at(issue.place.as_deref())
            .comments(&unstamped(issue))
            .await
    }

    async fn closed_by_merge(&self, issue: &IssueRef) -> Result<Option<bool>, TrackerError> {
        self.at(issue.place.as_deref())
            .closed_by_merge(&unstamped(issue))
            .await
    }

    async fn find_created(&self, key: &TaskKey) -> Result<Option<TrackedIssue>, TrackerError> {
        let place = self.routes.place_of(key);
        let found = self.at(place).find_created(key).await?;
        Ok(found.map(|i| self.stamped(place, i)))
    }

    async fn settle(&self, labels: &[String], wrote: bool) {
        let written = lock(&self.written).clone();
        for (place, tracker) in self.places() {
            let here = written.iter().any(|w| is_in(w.as_deref(), place));
            tracker.settle(labels, wrote && here).await;
        }
    }

    fn stats(&self) -> RequestStats {
        let mut sum = RequestStats::default();
        for (_, tracker) in self.places() {
            let s = tracker.stats();
            sum.gets += s.gets;
            sum.not_modified += s.not_modified;
            sum.writes += s.writes;
            sum.retries += s.retries;
        }
        sum
    }

    fn save(&self) -> anyhow::Result<()> {
        let mut first = None;
        for (_, tracker) in self.places() {
            if let Err(err) = tracker.save() {
                first.get_or_insert(err);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_of_another_repository_is_named_in_full_and_handed_back_as_its_client_named_it() {
        let own = IssueRef::numbered(7, "https://github.com/acme/api/issues/7");
        let mut stamped = own.clone();
        stamp(Some("acme/api"), &mut stamped);
        assert_eq!(
            (stamped.display.as_str(), stamped.place.as_deref()),
            ("acme/api#7", Some("acme/api"))
        );
        assert_eq!(unstamped(&stamped), own);
        // The configured repository's issues are left as they are.
        let mut here = own.clone();
        stamp(None, &mut here);
        assert_eq!(here, own);
        assert_eq!(unstamped(&here), own);
    }
}
