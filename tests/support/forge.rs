//! One face for every tracker emulator, so that the same proofs (the crash matrix, hostile
//! answers, two syncs at once) run against each tracker with the same figures.
//!
//! A [`Forge`] starts its emulator, prepares a copy of the examples whose configuration points
//! at it, runs `aftercare sync` as its syncing identity, and reads back every issue as a
//! [`Filed`]: the task it belongs to, whether it is open, and why it was dropped, in the same
//! words for every tracker.

use std::ops::Deref;
use std::path::Path;

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::find_key;
use chrono::{DateTime, Utc};

use super::cli::Aftercare;
use super::emulator::{self, Emulator};
use super::examples::{copy_of_examples, use_gitlab};
use super::gitlab::{self, GitLab};
use super::http::recorder::Recorder;

/// An issue as every proof reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Filed {
    pub key: Option<TaskKey>,
    /// The issue's number (GitHub) or iid (GitLab).
    pub number: u64,
    pub title: String,
    pub open: bool,
    /// Why a closed issue was dropped (`not planned`, `duplicate`); `None` while open or done.
    pub dropped_as: Option<String>,
    pub author: String,
    /// The comments (notes) people and aftercare wrote, oldest first.
    pub comments: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A tracker emulator the fault proofs run against.
pub trait Forge: Deref<Target = Recorder> + Sized {
    /// The tracker's name in figures and messages: `GitHub`.
    const NAME: &'static str;
    /// The login of the identity `sync` runs as.
    const SYNCING_LOGIN: &'static str;
    /// Starts the emulator on a thread of its own.
    fn start() -> Self;
    /// A copy of the examples whose configuration points at this emulator.
    fn examples(&self) -> tempfile::TempDir;
    /// `aftercare sync --write-interval-ms 0` in `dir` as the syncing identity.
    fn sync(&self, dir: &Path) -> Aftercare;
    /// Every issue.
    fn filed(&self) -> Vec<Filed>;
    /// The requests of a first sync of the examples: the identity, two listings per
    /// repository, one create per task, one look at the fresh issues per repository.
    const FIRST_SYNC_REQUESTS: u64 = 38;
}

/// GitHub with the examples routed across three repositories (`acme/web`, `acme/api`,
/// `acme/ops`; see `routing.rs`), so that the proofs hold across repositories.
pub struct Routed(pub Emulator);

impl Deref for Routed {
    type Target = Recorder;

    fn deref(&self) -> &Recorder {
        &self.0
    }
}

impl Forge for Routed {
    const NAME: &'static str = "GitHub, three repositories";
    const SYNCING_LOGIN: &'static str = "octocat";
    // The identity, then per repository its two listings, its login (the client of each
    // repository keeps its own cache), its creates and a look at its fresh issues.
    const FIRST_SYNC_REQUESTS: u64 = 44;

    fn start() -> Self {
        let gh = Emulator::start_blocking();
        super::routed::three_repositories(&gh);
        Routed(gh)
    }

    fn examples(&self) -> tempfile::TempDir {
        super::routed::routed_examples()
    }

    fn sync(&self, dir: &Path) -> Aftercare {
        Aftercare::sync_as_owner(&self.0, dir)
    }

    fn filed(&self) -> Vec<Filed> {
        let mut all = self.0.filed();
        for repo in ["acme/api", "acme/ops"] {
            all.extend(self.0.issues_in(repo).into_iter().map(github_filed));
        }
        all
    }
}

fn github_filed(i: emulator::IssueSnapshot) -> Filed {
    Filed {
        key: find_key(&i.body),
        number: i.number,
        title: i.title,
        open: i.state == "open",
        dropped_as: match (i.state.as_str(), i.state_reason.as_deref()) {
            ("closed", Some("not_planned")) => Some("not planned".into()),
            ("closed", Some("duplicate")) => Some("duplicate".into()),
            _ => None,
        },
        author: i.author,
        comments: i.comments,
        created_at: i.created_at,
    }
}

impl Forge for Emulator {
    const NAME: &'static str = "GitHub";
    const SYNCING_LOGIN: &'static str = "octocat";

    fn start() -> Self {
        Emulator::start_blocking()
    }

    fn examples(&self) -> tempfile::TempDir {
        copy_of_examples()
    }

    fn sync(&self, dir: &Path) -> Aftercare {
        Aftercare::sync_as_owner(self, dir)
    }

    fn filed(&self) -> Vec<Filed> {
        self.issues().into_iter().map(github_filed).collect()
    }
}

impl Forge for GitLab {
    const NAME: &'static str = "GitLab";
    const SYNCING_LOGIN: &'static str = "ada";

    fn start() -> Self {
        GitLab::start_blocking()
    }

    fn examples(&self) -> tempfile::TempDir {
        let dir = copy_of_examples();
        use_gitlab(dir.path(), &self.url(), gitlab::PROJECT_PATH);
        dir
    }

    fn sync(&self, dir: &Path) -> Aftercare {
        gitlab_sync(dir)
    }

    fn filed(&self) -> Vec<Filed> {
        self.issues().into_iter().map(gitlab_filed).collect()
    }
}

/// `aftercare sync` as `ada`, a Maintainer of every project it syncs to, without pacing.
fn gitlab_sync(dir: &Path) -> Aftercare {
    Aftercare::new(dir)
        .args(["sync", "--write-interval-ms", "0"])
        .env("GITLAB_TOKEN", gitlab::OWNER_TOKEN)
}

fn gitlab_filed(i: gitlab::IssueSnapshot) -> Filed {
    let open = i.state == "opened";
    let has = |label: &str| i.labels.iter().any(|l| l == label);
    Filed {
        key: find_key(&i.description),
        number: i.iid,
        title: i.title,
        open,
        dropped_as: if open {
            None
        } else if has("duplicate") {
            Some("duplicate".into())
        } else if has("not planned") {
            Some("not planned".into())
        } else {
            None
        },
        author: i.author,
        comments: i.notes,
        created_at: i.created_at,
    }
}

/// GitLab with the examples routed across three projects (`acme/platform/web`, configured;
/// `acme/platform/api`; `infra/ops`, in another group; see `gitlab_routing.rs`), so that the
/// proofs hold across projects.
pub struct RoutedGitLab(pub GitLab);

impl Deref for RoutedGitLab {
    type Target = Recorder;

    fn deref(&self) -> &Recorder {
        &self.0
    }
}

impl Forge for RoutedGitLab {
    const NAME: &'static str = "GitLab, three projects";
    const SYNCING_LOGIN: &'static str = "ada";
    // The identity, then per project its two listings, its creates and a look at its fresh
    // issues, as `Routed`; and for each of the two other projects a `GET /user` of its own:
    // GitLab names authors by id, which the login the other clients adopt does not carry (each
    // client keeps the user in its own cache file, so later runs do not ask).
    const FIRST_SYNC_REQUESTS: u64 = 46;

    fn start() -> Self {
        let gl = GitLab::start_blocking();
        super::routed::three_projects(&gl);
        RoutedGitLab(gl)
    }

    fn examples(&self) -> tempfile::TempDir {
        super::routed::routed_gitlab_examples(&self.0)
    }

    fn sync(&self, dir: &Path) -> Aftercare {
        gitlab_sync(dir)
    }

    fn filed(&self) -> Vec<Filed> {
        let mut all = self.0.issues();
        for path in [
            super::routed::GITLAB_API_PROJECT,
            super::routed::GITLAB_OPS_PROJECT,
        ] {
            all.extend(self.0.issues_in(path));
        }
        all.into_iter().map(gitlab_filed).collect()
    }
}
