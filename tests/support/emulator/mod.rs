//! An in-process GitHub for the tests: a stateful HTTP server speaking the part of GitHub's
//! REST API that aftercare uses, so octocrab (in the test process) or the built binary (a
//! subprocess with `GITHUB_API_URL` set to [`Emulator::url`]) run against it unchanged.
//!
//! It hosts `acme/web` (id 1) and whatever repositories a test adds with
//! [`Emulator::add_repository`] (ids 2, 3, ...), each with its own issue numbers, labels,
//! milestones and collaborators; accounts, budgets, the clock and object ids (unique across
//! repositories, as GitHub's are) are shared. For each, it serves `GET /repos/{owner}/{name}`,
//! issues (list with `state`/`labels`/`creator`/`assignee`/`milestone`/`since`/`sort`/
//! `direction`/`per_page`/`page` and a `Link` header of absolute URLs, get, create, update),
//! comments (list, create), the timeline, labels (list, get, create, add to and remove from an
//! issue), milestones (list, get, create) and `GET …/assignees/{login}`, also under
//! `/repositories/{id}/...` (where GitHub's `Link` URLs point), plus `GET /user` and
//! `GET /rate_limit`, all also under `/api/v3` (GitHub Enterprise Server). Owner and name match
//! without regard to case; a repository never added answers 404, as GitHub does for a
//! private one the token cannot see. It behaves as GitHub does where clients trip: pull
//! requests in the issues list, unknown labels created on use, 422 for a non-collaborator
//! assignee, a body over 65,536 or a title over 256 characters; labels, assignees and
//! milestone silently dropped without push access to the repository; closing records
//! `completed` unless told otherwise, reopening `reopened`; `updated_at` moves on every change
//! (one second later than the previous change at least). A person may delete an issue
//! ([`Emulator::delete_issue`]), which no listing shows and no later issue's number reuses;
//! [`Emulator::new_actions_token`] mints the new `GITHUB_TOKEN` of each Actions run. The test
//! handle's methods act on `acme/web`; those ending in `_in` take the repository's full name.
//!
//! Every response carries `x-ratelimit-*` headers; each token has a budget (5,000 an hour,
//! 1,000 for [`ACTIONS_TOKEN`], 60 without a token) and gets 403 "API rate limit exceeded for
//! user ID N." when it is spent. GETs carry a strong `ETag`; a matching `If-None-Match` gets a
//! `304` that is not counted, nor is `GET /rate_limit`. An optional secondary limit answers a
//! write beyond K in W seconds with 403 and `retry-after`. Faults are scripted per method and
//! path suffix or by request number, or strike a seeded random share of all requests; besides
//! error answers and dropped connections, a fault can hold a request open without an answer so
//! that a test can kill the client mid-request. Everything is logged ([`Recorder::requests`],
//! reached through the handle) and the state is readable ([`Emulator::issues`]).
//!
//! This is test support: it must never be compiled into the shipped binary, and it must not
//! reach the network beyond its own 127.0.0.1 socket.
//!
//! ```ignore
//! use crate::support::emulator::{Emulator, Fault, OWNER_TOKEN};
//!
//! #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
//! async fn creates_one_issue_despite_a_lost_answer() {
//!     let gh = Emulator::start().await; // the repository acme/web exists
//!     gh.seed_issue(OWNER_TOKEN, "Existing", "body", &["postmortem"]);
//!     gh.inject(Fault::drop_after_write("POST", "/repos/acme/web/issues"));
//!     // ... run the binary with GITHUB_API_URL=gh.url() and GITHUB_TOKEN=OWNER_TOKEN ...
//!     assert_eq!(gh.issues().len(), 2);
//!     let writes = gh.requests().iter().filter(|r| r.method != "GET").count();
//!     assert_eq!(writes, 1);
//! }
//! ```
//!
//! Paths in faults and in the log are relative to the API root and without the query, as the
//! client sent them: page 2 of a listing is `/repositories/1/issues` (GitHub's `Link` URL), so
//! a fault meant for every page of the issue list uses the suffix `"/issues"` (and one meant
//! for every repository's, too).

mod budget;
mod render;
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use crate::support::http::LoggedRequest;
pub use crate::support::http::contract;
pub use crate::support::http::fault::{Fault, FaultKind, RandomFaults};
pub use state::Account;

use crate::support::http::listener::Running;
use crate::support::http::recorder::Recorder;
use crate::support::http::server::router;

use server::Shared;
use state::{Issue, IssueChange, Scope};

/// The repository every test has, and the one the methods without `_in` act on.
const WEB: &str = "acme/web";

/// `octocat`, a person with push access, the OWNER of `acme/web`.
pub const OWNER_TOKEN: &str = "owner-token";
/// `hubot`, a person with push access, a COLLABORATOR of `acme/web`.
pub const COLLAB_TOKEN: &str = "collab-token";
/// `mallory`, a person without push access (author_association NONE).
pub const OUTSIDER_TOKEN: &str = "outsider-token";
/// The `GITHUB_TOKEN` of a GitHub Actions run: `GET /user` answers 403 "Resource not
/// accessible by integration"; what it creates is authored by `github-actions[bot]` (Bot).
pub const ACTIONS_TOKEN: &str = "actions-token";

/// The state of one issue (or pull request) of a repository.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueSnapshot {
    pub number: u64,
    pub id: u64,
    pub title: String,
    /// The body, `""` when it is null.
    pub body: String,
    /// "open" or "closed".
    pub state: String,
    pub state_reason: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub milestone: Option<u64>,
    /// The author's login.
    pub author: String,
    pub author_association: String,
    /// Comment bodies, oldest first.
    pub comments: Vec<String>,
    pub is_pull_request: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    shared: Arc<Shared>,
    running: Running,
}

impl Emulator {
    /// Starts on the current tokio runtime, on 127.0.0.1 and a free port.
    pub async fn start() -> Emulator {
        Emulator::start_with_prefix("").await
    }

    /// Starts with the API under `prefix` (GitHub Enterprise Server uses `/api/v3`).
    pub async fn start_with_prefix(prefix: &str) -> Emulator {
        let prefix = prefix.trim_end_matches('/').to_string();
        let (running, shared) = Running::start(
            move |addr| Arc::new(Shared::new(addr, &prefix)),
            router::<Shared>,
        )
        .await;
        let emulator = Emulator { shared, running };
        emulator.add_builtin_accounts();
        emulator
    }

    /// Starts on a thread of its own, for tests that are not async.
    pub fn start_blocking() -> Emulator {
        let (running, shared) =
            Running::start_blocking(|addr| Arc::new(Shared::new(addr, "")), router::<Shared>);
        let emulator = Emulator { shared, running };
        emulator.add_builtin_accounts();
        emulator
    }

    fn add_builtin_accounts(&self) {
        self.add_account(
            OWNER_TOKEN,
            Account {
                login: "octocat".to_string(),
                bot: false,
                push: true,
                association: "OWNER",
                user_forbidden: false,
            },
        );
        self.add_account(COLLAB_TOKEN, Account::collaborator("hubot"));
        self.add_account(OUTSIDER_TOKEN, Account::outsider("mallory"));
        self.add_account(ACTIONS_TOKEN, Account::actions());
    }

    /// The API root: `http://127.0.0.1:PORT` (plus the prefix, if any). Use it as
    /// `GITHUB_API_URL` or as octocrab's `base_uri`.
    pub fn url(&self) -> String {
        self.shared.base.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.running.addr
    }

    /// A new token of `github-actions[bot]`, as every GitHub Actions run gets one: each call
    /// mints another (`actions-token-2`, `actions-token-3`, ...), with the budget of
    /// [`ACTIONS_TOKEN`].
    pub fn new_actions_token(&self) -> String {
        let mut inner = self.shared.lock();
        let site = &mut inner.github.site;
        let token = format!("actions-token-{}", site.accounts.len());
        site.add_account(&token, Account::actions());
        token
    }

    /// Adds the public repository `owner/name` with the next repository id (2, 3, ...), its
    /// own issue numbers, labels and milestones. Every account can read it and open issues in
    /// it; push access, with association COLLABORATOR, is for the logins in `collaborators`
    /// only (`octocat` listed in a repository of `acme` is its OWNER; a bot keeps NONE);
    /// anyone else is NONE, and GitHub drops the labels, assignees and milestone they set.
    /// Accounts added later follow the same rule. A repository never added answers 404 to
    /// every request, as GitHub does for a private repository the token cannot see.
    /// Returns the id.
    pub fn add_repository(&self, full_name: &str, collaborators: &[&str]) -> u64 {
        let Some((owner, name)) = full_name.split_once('/') else {
            panic!("{full_name:?} is not owner/name");
        };
        let collaborators = collaborators.iter().map(|c| c.to_string()).collect();
        let mut inner = self.shared.lock();
        inner
            .github
            .add_repository(owner, name, Some(collaborators))
    }

    /// Runs `change` on repository `full_name`, as tests seed state: with the clock held when
    /// `seeding`, not logged, no budget spent.
    fn in_repo<R>(
        &self,
        full_name: &str,
        seeding: bool,
        change: impl FnOnce(&mut Scope) -> R,
    ) -> R {
        let mut inner = self.shared.lock();
        let found = full_name
            .split_once('/')
            .and_then(|(owner, name)| inner.github.find(owner, name));
        let Some(index) = found else {
            panic!("the emulator has no repository {full_name}: add_repository first");
        };
        let mut scope = inner.github.scope(index);
        scope.site.seeding = seeding;
        let out = change(&mut scope);
        scope.site.seeding = false;
        out
    }

    /// Deletes an issue of `acme/web` as a person would in the UI (GitHub's REST API cannot):
    /// it is gone, and no listing says so.
    pub fn delete_issue(&self, number: u64) {
        self.delete_issue_in(WEB, number);
    }

    /// Deletes issue `number` of repository `full_name`; see [`Emulator::delete_issue`].
    pub fn delete_issue_in(&self, full_name: &str, number: u64) {
        self.in_repo(full_name, false, |s| {
            let before = s.repo.issues.len();
            s.repo.issues.retain(|i| i.number != number);
            assert!(
                s.repo.issues.len() < before,
                "the emulator has no issue #{number} in {full_name}"
            );
        });
    }

    /// Lets `token` act as `account` (replacing whatever it was).
    pub fn add_account(&self, token: &str, account: Account) {
        self.shared.lock().github.site.add_account(token, account);
    }

    /// Every issue and pull request of `acme/web`, by number.
    pub fn issues(&self) -> Vec<IssueSnapshot> {
        self.issues_in(WEB)
    }

    /// Every issue and pull request of repository `full_name`, by number.
    pub fn issues_in(&self, full_name: &str) -> Vec<IssueSnapshot> {
        self.in_repo(full_name, false, |s| {
            s.repo.issues.iter().map(snapshot).collect()
        })
    }

    /// One issue of `acme/web` by number.
    pub fn issue(&self, number: u64) -> Option<IssueSnapshot> {
        self.issues().into_iter().find(|i| i.number == number)
    }

    /// The names of the labels of `acme/web`, in creation order.
    pub fn labels(&self) -> Vec<String> {
        self.in_repo(WEB, false, |s| {
            s.repo.labels.iter().map(|l| l.name.clone()).collect()
        })
    }

    fn account(&self, token: &str) -> Account {
        let inner = self.shared.lock();
        match inner.github.site.account(token) {
            Some(account) => account.clone(),
            None => panic!("the emulator knows no token {token:?}: add_account first"),
        }
    }

    fn seed(
        &self,
        full_name: &str,
        token: &str,
        title: &str,
        body: &str,
        labels: &[&str],
        pr: bool,
    ) -> u64 {
        let account = self.account(token);
        let labels = labels.iter().map(|l| l.to_string()).collect();
        let created = self.in_repo(full_name, true, |s| {
            let author = s.repo.member(&account);
            s.create_issue(
                &author,
                title,
                Some(body.to_string()),
                labels,
                Vec::new(),
                None,
                pr,
            )
        });
        match created {
            Ok(number) => number,
            Err(invalid) => panic!("the seed issue is invalid: {invalid:?}"),
        }
    }

    /// Creates an issue in `acme/web` directly in the state as the account of `token`: not
    /// logged, no budget spent. Returns its number.
    pub fn seed_issue(&self, token: &str, title: &str, body: &str, labels: &[&str]) -> u64 {
        self.seed(WEB, token, title, body, labels, false)
    }

    /// Creates an issue in repository `full_name` as [`Emulator::seed_issue`] does in
    /// `acme/web`, with the access `token` has there (without push access, `labels` are
    /// dropped). Returns its number.
    pub fn seed_issue_in(
        &self,
        full_name: &str,
        token: &str,
        title: &str,
        body: &str,
        labels: &[&str],
    ) -> u64 {
        self.seed(full_name, token, title, body, labels, false)
    }

    /// Creates a pull request in `acme/web` (it appears in the issues list with a
    /// `pull_request` key).
    pub fn seed_pull_request(&self, token: &str, title: &str, body: &str, labels: &[&str]) -> u64 {
        self.seed(WEB, token, title, body, labels, true)
    }

    /// Adds a comment to an issue of `acme/web` directly, as the account of `token`.
    pub fn seed_comment(&self, token: &str, number: u64, body: &str) {
        let account = self.account(token);
        let added = self.in_repo(WEB, true, |s| {
            let author = s.repo.member(&account);
            s.add_comment(&author, number, body)
        });
        match added {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the emulator has no issue #{number}"),
            Err(invalid) => panic!("the seed comment is invalid: {invalid:?}"),
        }
    }

    /// Creates a milestone in `acme/web` directly; returns its number.
    pub fn seed_milestone(&self, title: &str) -> u64 {
        let created = self.in_repo(WEB, false, |s| {
            s.create_milestone("octocat", title, None, true, None)
        });
        match created {
            Ok(m) => m.number,
            Err(invalid) => panic!("the seed milestone is invalid: {invalid:?}"),
        }
    }

    /// Changes issue `number` of `full_name` as a maintainer would in the UI.
    fn edit(&self, full_name: &str, number: u64, change: IssueChange) {
        let owner = self.account(OWNER_TOKEN);
        let edited = self.in_repo(full_name, true, |s| s.update_issue(&owner, number, change));
        match edited {
            Ok(true) => {}
            Ok(false) => panic!("the emulator has no issue #{number} in {full_name}"),
            Err(invalid) => panic!("the edit of #{number} is invalid: {invalid:?}"),
        }
    }

    /// Closes an issue of `acme/web` as a person would in the UI, with `reason` ("completed",
    /// "not_planned", "duplicate").
    pub fn close_issue(&self, number: u64, reason: &str) {
        self.close_issue_in(WEB, number, reason);
    }

    /// Closes issue `number` of repository `full_name`; see [`Emulator::close_issue`].
    pub fn close_issue_in(&self, full_name: &str, number: u64, reason: &str) {
        self.edit(
            full_name,
            number,
            IssueChange {
                open: Some(false),
                state_reason: Some(Some(reason.to_string())),
                ..IssueChange::default()
            },
        );
    }

    /// Merges pull request `pr`, which closes each issue of `closes` as completed with the
    /// merge commit (as `Fixes #N` in its description would). Returns the commit id.
    pub fn merge_pull_request(&self, pr: u64, closes: &[u64]) -> String {
        let owner = self.account(OWNER_TOKEN);
        self.in_repo(WEB, false, |s| s.merge_pull_request(&owner, pr, closes))
    }

    /// Reopens an issue (its `state_reason` becomes "reopened").
    pub fn reopen_issue(&self, number: u64) {
        self.edit(
            WEB,
            number,
            IssueChange {
                open: Some(true),
                ..IssueChange::default()
            },
        );
    }

    /// Replaces the assignees of an issue, as a person would.
    pub fn set_issue_assignees(&self, number: u64, assignees: &[&str]) {
        self.edit(
            WEB,
            number,
            IssueChange {
                assignees: Some(assignees.iter().map(|a| a.to_string()).collect()),
                ..IssueChange::default()
            },
        );
    }

    /// Replaces the labels of an issue (unknown labels are created).
    pub fn set_issue_labels(&self, number: u64, labels: &[&str]) {
        self.set_issue_labels_in(WEB, number, labels);
    }

    /// Replaces the labels of an issue of `full_name`, as someone with triage access there
    /// would.
    pub fn set_issue_labels_in(&self, full_name: &str, number: u64, labels: &[&str]) {
        self.edit(
            full_name,
            number,
            IssueChange {
                labels: Some(labels.iter().map(|l| l.to_string()).collect()),
                ..IssueChange::default()
            },
        );
    }

    /// Replaces the body of an issue.
    pub fn edit_issue_body(&self, number: u64, body: &str) {
        self.edit(
            WEB,
            number,
            IssueChange {
                body: Some(Some(body.to_string())),
                ..IssueChange::default()
            },
        );
    }

    /// Replaces the title of an issue.
    pub fn edit_issue_title(&self, number: u64, title: &str) {
        self.edit(
            WEB,
            number,
            IssueChange {
                title: Some(title.to_string()),
                ..IssueChange::default()
            },
        );
    }

    /// Sets the hourly budget of `token` (the anonymous budget with `""`).
    pub fn set_rate_limit(&self, token: &str, limit: u32) {
        self.shared.lock().limits.set_limit(token, limit);
    }

    /// Sets what is left of the budget of `token`.
    pub fn set_remaining(&self, token: &str, remaining: u32) {
        self.shared.lock().limits.set_remaining(token, remaining);
    }

    /// What is left of the budget of `token`.
    pub fn remaining(&self, token: &str) -> u32 {
        self.shared.lock().limits.budget(token).remaining()
    }

    /// Moves the next reset of every budget to `d` from now (`x-ratelimit-reset`); at that
    /// moment every budget is full again.
    pub fn set_reset_in(&self, d: Duration) {
        self.shared.lock().limits.set_reset_in(d);
    }

    /// Answers a write beyond `max_writes` within `window` with a secondary-limit 403.
    pub fn set_secondary_write_limit(&self, max_writes: u32, window: Duration) {
        self.shared.lock().limits.set_secondary(max_writes, window);
    }

    /// Answers a write with a secondary-limit 403 whenever any `(max_writes, window)` of
    /// `windows` is full, with `retry-after` until all have room: GitHub's content-creation
    /// limit is `&[(80, 60 s), (500, 3,600 s)]`.
    pub fn set_secondary_write_limits(&self, windows: &[(u32, Duration)]) {
        self.shared.lock().limits.set_secondary_windows(windows);
    }
}

/// The request log and the fault controls: `requests`, `count`, `clear_requests`, `inject`,
/// `pending_faults`, `set_random_faults`, `stalled_request`, `set_latency`.
impl Deref for Emulator {
    type Target = Recorder;

    fn deref(&self) -> &Recorder {
        &self.shared.recorder
    }
}

fn snapshot(i: &Issue) -> IssueSnapshot {
    IssueSnapshot {
        number: i.number,
        id: i.id,
        title: i.title.clone(),
        body: i.body.clone().unwrap_or_default(),
        state: if i.open { "open" } else { "closed" }.to_string(),
        state_reason: i.state_reason.clone(),
        labels: i.labels.clone(),
        assignees: i.assignees.clone(),
        milestone: i.milestone,
        author: i.author.clone(),
        author_association: i.association.clone(),
        comments: i.comments.iter().map(|c| c.body.clone()).collect(),
        is_pull_request: i.is_pull_request,
        created_at: i.created_at,
        updated_at: i.updated_at,
        closed_at: i.closed_at,
    }
}
