//! The GitHub implementation of the tracker, over octocrab.

use std::path::PathBuf;
use std::time::Duration;

use crate::repo_target::Target;
use crate::tracker::{
    Identity, IssueEdit, IssuePage, IssueQuery, NewIssue, TrackedIssue, Tracker, TrackerError,
};

/// How to connect.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// How many `-v` were given: at 1 and above every request is logged (never its headers).
    pub verbose: u8,
    /// Where ETags, cached bodies and the listing watermark are kept between runs; `None` keeps
    /// nothing.
    pub cache_file: Option<PathBuf>,
    /// Least time between two writes.
    pub write_interval: Duration,
}

/// A repository's issues on GitHub (or GitHub Enterprise Server).
pub struct GitHub {
    _private: (),
}

impl GitHub {
    /// Builds the client. Makes no request.
    pub fn connect(target: &Target, options: ConnectOptions) -> anyhow::Result<GitHub> {
        let _ = (target, options);
        anyhow::bail!("the GitHub client is not written yet")
    }
}

impl Tracker for GitHub {
    async fn identity(&self) -> Result<Identity, TrackerError> {
        Err(anyhow::anyhow!("not written yet").into())
    }
    async fn list_page(
        &self,
        _query: &IssueQuery,
        _cursor: Option<&str>,
    ) -> Result<IssuePage, TrackerError> {
        Err(anyhow::anyhow!("not written yet").into())
    }
    async fn create_issue(&self, _issue: &NewIssue) -> Result<TrackedIssue, TrackerError> {
        Err(anyhow::anyhow!("not written yet").into())
    }
    async fn edit_issue(&self, _n: u64, _edit: &IssueEdit) -> Result<TrackedIssue, TrackerError> {
        Err(anyhow::anyhow!("not written yet").into())
    }
    async fn comment(&self, _n: u64, _body: &str) -> Result<(), TrackerError> {
        Err(anyhow::anyhow!("not written yet").into())
    }
}
