//! Choosing the tracker from `aftercare.yml` and the environment, and connecting to it.
//!
//! [`resolve`] turns the configuration into a [`Target`] without any request: which tracker,
//! which repository or project, which token. [`Target::connect`] builds the client, an
//! [`AnyTracker`], which the commands use through the [`Tracker`] interface like any single
//! tracker. Everything a command needs to know about a tracker without a token (the text of
//! its issues for a dry run, why a token is missing) is answered here too.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{Config, GitLabConfig, TrackerConfig};
use crate::model::TaskKey;
use crate::pacing::WritePacer;
use crate::plan::route::Routes;
use crate::tracker::fleet::{self, Fleet};
use crate::tracker::github::{self, GitHub};
use crate::tracker::gitlab::{self, GitLab};
use crate::tracker::jira::{self, Jira};
use crate::tracker::markdown::{self, Markdown};
use crate::tracker::{
    ConnectOptions, Identity, IssueComment, IssueEdit, IssueRef, IssueText, NewIssue,
    ReminderContent, RequestStats, SharedPacer, TrackedIssue, Tracker, TrackerError,
};

/// Where the issues are, and with which token, before any request.
#[derive(Debug, Clone)]
pub enum Target {
    GitHub(github::target::Target),
    GitLab(gitlab::target::Target, GitLabConfig),
    Jira(jira::target::Target),
}

/// Resolves the tracker of `config`. `flag_repo` is `--repo`, which names a GitHub repository.
pub fn resolve(
    config: &Config,
    flag_repo: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    root: &Path,
) -> anyhow::Result<Target> {
    match &config.tracker {
        TrackerConfig::GitHub => Ok(Target::GitHub(github::target::resolve(
            flag_repo, config, env, root,
        )?)),
        TrackerConfig::GitLab(gitlab) => {
            if flag_repo.is_some() {
                anyhow::bail!(
                    "--repo names a GitHub repository, but aftercare.yml's tracker is GitLab: \
                     set `tracker.project` instead"
                );
            }
            Ok(Target::GitLab(
                gitlab::target::resolve(gitlab, env)?,
                gitlab.clone(),
            ))
        }
        TrackerConfig::Jira(config) => {
            if flag_repo.is_some() {
                anyhow::bail!(
                    "--repo names a GitHub repository, but aftercare.yml's tracker is Jira: set \
                     `tracker.project` instead"
                );
            }
            Ok(Target::Jira(jira::target::resolve(config, env)))
        }
    }
}

impl Target {
    /// The tracker's name, `GitHub`.
    pub fn tracker_name(&self) -> &'static str {
        match self {
            Target::GitHub(_) => "GitHub",
            Target::GitLab(..) => "GitLab",
            Target::Jira(_) => "Jira",
        }
    }

    /// Where the issues are: `acme/web`, `group/project`.
    pub fn place(&self) -> String {
        match self {
            Target::GitHub(t) => t.repo.to_string(),
            Target::GitLab(t, _) => t.project.clone(),
            Target::Jira(t) => t.project.clone(),
        }
    }

    /// The page of the repository or project, `https://github.com/acme/web`.
    pub fn web_url(&self) -> String {
        match self {
            Target::GitHub(t) => t.repo_web_url(),
            Target::GitLab(t, _) => t.web_url.clone(),
            Target::Jira(t) => t.web_url(),
        }
    }

    /// Why no request can be made, when the token is missing.
    pub fn missing_token(&self) -> Option<String> {
        match self {
            Target::GitHub(t) if t.token.is_none() => {
                Some("set GITHUB_TOKEN or GH_TOKEN to a token that may write issues".to_string())
            }
            Target::GitLab(t, _) if t.token.is_none() => Some(t.missing_token()),
            Target::Jira(t) => t.credentials.as_ref().err().cloned(),
            _ => None,
        }
    }

    /// How the tracker writes issue text, for plans made without a request.
    pub fn text(&self) -> Box<dyn IssueText> {
        match self {
            Target::GitHub(t) => Box::new(Markdown {
                file_base: t.file_base.clone(),
                max_title_chars: markdown::GITHUB_MAX_TITLE_CHARS,
            }),
            Target::GitLab(t, _) => Box::new(Markdown {
                file_base: t.file_base.clone(),
                max_title_chars: markdown::GITLAB_MAX_TITLE_CHARS,
            }),
            Target::Jira(t) => Box::new(jira::text::JiraText {
                deployment: t.deployment,
                file_base: t.file_base.clone(),
            }),
        }
    }

    /// The same tracker, account and links, for the issues of another repository or project
    /// (a task's `repo`).
    pub fn at(&self, place: &str) -> anyhow::Result<Target> {
        if let Some(problem) = self.place_problem(place) {
            anyhow::bail!("{problem}");
        }
        Ok(match self {
            Target::GitHub(t) => Target::GitHub(github::target::Target {
                repo: github::target::RepoName::parse(place)
                    .ok_or_else(|| anyhow::anyhow!("`{place}` is not a GitHub repository"))?,
                ..t.clone()
            }),
            Target::GitLab(t, config) => Target::GitLab(
                gitlab::target::Target {
                    project: place.to_string(),
                    web_url: format!("{}/{place}", t.server),
                    ..t.clone()
                },
                config.clone(),
            ),
            Target::Jira(t) => Target::Jira(jira::target::Target {
                project: place.to_string(),
                ..t.clone()
            }),
        })
    }

    /// What is wrong with `place` as a `repo` of this tracker, if anything.
    pub fn place_problem(&self, place: &str) -> Option<String> {
        place_problem(self.kind(), place)
    }

    fn kind(&self) -> Kind {
        match self {
            Target::GitHub(_) => Kind::GitHub,
            Target::GitLab(..) => Kind::GitLab,
            Target::Jira(_) => Kind::Jira,
        }
    }

    /// One client per place of `routes` (the configured repository and every other `repo`
    /// the postmortems name), sharing one write pacer. Makes no request; must run inside the
    /// async runtime. Each other place keeps its caches in a file of its own beside
    /// `options.cache_file` ([`place_cache_file`]).
    pub fn connect_fleet(
        &self,
        options: ConnectOptions,
        mut routes: Routes,
    ) -> anyhow::Result<Fleet<AnyTracker>> {
        let memory = options
            .cache_file
            .as_deref()
            .map(fleet::remembered_places_file);
        if let Some(file) = &memory {
            let remembered = fleet::remembered_places(file);
            routes.also_read(
                remembered
                    .into_iter()
                    .filter(|p| self.place_problem(p).is_none())
                    .collect(),
            );
        }
        let pacer: Option<SharedPacer> = match self {
            Target::GitHub(_) => Some(WritePacer::github(options.write_interval)),
            Target::GitLab(..) => Some(WritePacer::tracker(
                options.write_interval,
                &gitlab::GITLAB_WINDOWS,
            )),
            Target::Jira(_) => None,
        }
        .map(|p| Arc::new(Mutex::new(p)));
        let options = ConnectOptions { pacer, ..options };
        let configured = self.connect(options.clone())?;
        let mut others = Vec::new();
        for place in routes.others() {
            let options = ConnectOptions {
                cache_file: options
                    .cache_file
                    .as_deref()
                    .map(|f| place_cache_file(f, &place)),
                ..options.clone()
            };
            let tracker = self.at(&place)?.connect(options)?;
            others.push((place, tracker));
        }
        Ok(Fleet::new(configured, others, routes).remembering(memory))
    }

    /// Builds the client. Makes no request; must run inside the async runtime.
    pub fn connect(&self, options: ConnectOptions) -> anyhow::Result<AnyTracker> {
        Ok(match self {
            Target::GitHub(t) => AnyTracker::GitHub(GitHub::connect(t, options)?),
            Target::GitLab(t, config) => AnyTracker::GitLab(GitLab::connect(t, config, options)?),
            Target::Jira(t) => AnyTracker::Jira(Jira::connect(t, options)?),
        })
    }
}

/// The trackers, for rules that need no target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    GitHub,
    GitLab,
    Jira,
}

impl Kind {
    /// The tracker `aftercare.yml` names.
    pub fn of(config: &TrackerConfig) -> Kind {
        match config {
            TrackerConfig::GitHub => Kind::GitHub,
            TrackerConfig::GitLab(_) => Kind::GitLab,
            TrackerConfig::Jira(_) => Kind::Jira,
        }
    }
}

/// What is wrong with `place` as a `repo` on tracker `kind`: GitHub wants `owner/name`, GitLab
/// a project path (`group/project`, subgroups allowed), Jira a project key (`OPS`).
pub fn place_problem(kind: Kind, place: &str) -> Option<String> {
    match kind {
        Kind::GitHub => github::target::RepoName::parse(place)
            .is_none()
            .then(|| format!("`repo` `{place}` is not a GitHub repository: expected `owner/name`")),
        Kind::GitLab => (!place.contains('/')).then(|| {
            format!(
                "`repo` `{place}` is not a GitLab project path: expected `group/project` \
                 (subgroups allowed)"
            )
        }),
        Kind::Jira => {
            let key = place.len() <= 255
                && place.starts_with(|c: char| c.is_ascii_uppercase())
                && place
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            (!key).then(|| {
                format!("`repo` `{place}` is not a Jira project key: expected a key like `OPS`")
            })
        }
    }
}

/// The cache file of another place: `.aftercare/cache.json` becomes
/// `.aftercare/cache.acme__api.json` for `acme/api`.
pub fn place_cache_file(file: &Path, place: &str) -> PathBuf {
    let slug: String = place
        .chars()
        .map(|c| match c {
            '/' => "__".to_string(),
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') => {
                c.to_ascii_lowercase().to_string()
            }
            _ => "_".to_string(),
        })
        .collect();
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    let ext = file.extension().map(|e| e.to_string_lossy().into_owned());
    let name = match (stem, ext) {
        (Some(stem), Some(ext)) => format!("{stem}.{slug}.{ext}"),
        (Some(stem), None) => format!("{stem}.{slug}"),
        _ => format!("cache.{slug}.json"),
    };
    file.with_file_name(name)
}

/// Whichever tracker the configuration names, behind the one interface.
pub enum AnyTracker {
    GitHub(GitHub),
    GitLab(GitLab),
    Jira(Jira),
}

/// Calls the same method on whichever tracker it is.
macro_rules! each {
    ($self:ident, $t:ident => $call:expr) => {
        match $self {
            AnyTracker::GitHub($t) => $call,
            AnyTracker::GitLab($t) => $call,
            AnyTracker::Jira($t) => $call,
        }
    };
}

impl Tracker for AnyTracker {
    fn name(&self) -> &'static str {
        each!(self, t => t.name())
    }

    fn place(&self) -> String {
        each!(self, t => t.place())
    }

    fn trust_rule(&self) -> &'static str {
        each!(self, t => t.trust_rule())
    }

    fn text(&self) -> &dyn IssueText {
        each!(self, t => t.text())
    }

    async fn identity(&self) -> Result<Identity, TrackerError> {
        each!(self, t => t.identity().await)
    }

    fn adopt_identity(&self, identity: &Identity) {
        each!(self, t => t.adopt_identity(identity))
    }

    async fn list(&self, labels: &[String]) -> Result<Vec<TrackedIssue>, TrackerError> {
        each!(self, t => t.list(labels).await)
    }

    async fn create_issue(&self, issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        each!(self, t => t.create_issue(issue).await)
    }

    async fn edit_issue(
        &self,
        issue: &IssueRef,
        edit: &IssueEdit,
    ) -> Result<Option<TrackedIssue>, TrackerError> {
        each!(self, t => t.edit_issue(issue, edit).await)
    }

    async fn comment(&self, issue: &IssueRef, body: &str) -> Result<(), TrackerError> {
        each!(self, t => t.comment(issue, body).await)
    }

    async fn comments(&self, issue: &IssueRef) -> Result<Vec<IssueComment>, TrackerError> {
        each!(self, t => t.comments(issue).await)
    }

    async fn remind(
        &self,
        issue: &IssueRef,
        reminder: &ReminderContent,
    ) -> Result<(), TrackerError> {
        each!(self, t => t.remind(issue, reminder).await)
    }

    async fn closed_by_merge(&self, issue: &IssueRef) -> Result<Option<bool>, TrackerError> {
        each!(self, t => t.closed_by_merge(issue).await)
    }

    async fn find_created(&self, key: &TaskKey) -> Result<Option<TrackedIssue>, TrackerError> {
        each!(self, t => t.find_created(key).await)
    }

    async fn issue(&self, issue: &IssueRef) -> Result<Option<TrackedIssue>, TrackerError> {
        each!(self, t => t.issue(issue).await)
    }

    async fn settle(&self, labels: &[String], wrote: bool) {
        each!(self, t => t.settle(labels, wrote).await)
    }

    fn stats(&self) -> RequestStats {
        each!(self, t => t.stats())
    }

    fn save(&self) -> anyhow::Result<()> {
        each!(self, t => t.save())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tracker_names_its_places_its_own_way() {
        assert_eq!(place_problem(Kind::GitHub, "acme/api"), None);
        assert_eq!(
            place_problem(Kind::GitHub, "acme/api/v2").as_deref(),
            Some("`repo` `acme/api/v2` is not a GitHub repository: expected `owner/name`")
        );
        assert_eq!(place_problem(Kind::GitLab, "acme/platform/api"), None);
        assert_eq!(
            place_problem(Kind::GitLab, "api").as_deref(),
            Some(
                "`repo` `api` is not a GitLab project path: expected `group/project` \
                 (subgroups allowed)"
            )
        );
        assert_eq!(place_problem(Kind::Jira, "OPS2"), None);
        assert_eq!(
            place_problem(Kind::Jira, "acme/api").as_deref(),
            Some("`repo` `acme/api` is not a Jira project key: expected a key like `OPS`")
        );
    }

    #[test]
    fn every_other_place_keeps_its_caches_in_a_file_of_its_own() {
        let file = Path::new(".aftercare/cache.json");
        assert_eq!(
            place_cache_file(file, "Acme/API"),
            Path::new(".aftercare/cache.acme__api.json")
        );
        assert_eq!(
            place_cache_file(file, "acme-api/x"),
            Path::new(".aftercare/cache.acme-api__x.json")
        );
        assert_ne!(
            place_cache_file(file, "a-b/c"),
            place_cache_file(file, "a/b-c")
        );
    }
}
