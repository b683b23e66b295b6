//! Choosing the tracker from `aftercare.yml` and the environment, and connecting to it.
//!
//! [`resolve`] turns the configuration into a [`Target`] without any request: which tracker,
//! which repository or project, which token. [`Target::connect`] builds the client, an
//! [`AnyTracker`], which the commands use through the [`Tracker`] interface like any single
//! tracker. Everything a command needs to know about a tracker without a token (the text of
//! its issues for a dry run, why a token is missing) is answered here too.

use std::path::Path;

use crate::config::{Config, GitLabConfig, TrackerConfig};
use crate::model::TaskKey;
use crate::tracker::github::{self, GitHub};
use crate::tracker::gitlab::{self, GitLab};
use crate::tracker::jira::{self, Jira};
use crate::tracker::markdown::{self, Markdown};
use crate::tracker::{
    ConnectOptions, Identity, IssueComment, IssueEdit, IssueRef, IssueText, NewIssue, RequestStats,
    TrackedIssue, Tracker, TrackerError,
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
                file_base: format!("{}/blob/HEAD", t.repo_web_url()),
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

    /// Builds the client. Makes no request; must run inside the async runtime.
    pub fn connect(&self, options: ConnectOptions) -> anyhow::Result<AnyTracker> {
        Ok(match self {
            Target::GitHub(t) => AnyTracker::GitHub(GitHub::connect(t, options)?),
            Target::GitLab(t, config) => AnyTracker::GitLab(GitLab::connect(t, config, options)?),
            Target::Jira(t) => AnyTracker::Jira(Jira::connect(t, options)?),
        })
    }
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
