//! An in-process GitLab for the tests, beside the GitHub one in [`crate::support::emulator`]:
//! a stateful HTTP server speaking the part of GitLab's REST API v4 that aftercare uses, so the
//! built binary (a subprocess pointed at [`GitLab::url`]) or a client in the test process runs
//! against it unchanged.
//!
//! Under `/api/v4` it serves `GET /user`, `GET /users?username=`,
//! `GET /projects/:id/members/all/:user_id` (inherited group memberships included,
//! `access_level` an integer as GitLab sends it), and project issues: list (`labels`, all of
//! which an issue must have, or `None`/`Any`; `state`; `author_username`/`author_id`;
//! `scope`; `iids[]`; `order_by` created_at, updated_at or title (other values GitLab accepts
//! order by created_at here); `sort`; `created_after`/`created_before`/`updated_after`/
//! `updated_before`, inclusive; `per_page` up to 100 and `page`), get, create (`title`,
//! `description`, `labels`, `assignee_ids`; unknown labels are created) and edit (`title`,
//! `description`, `labels` replacing, `add_labels`, `remove_labels`, `assignee_ids`,
//! `state_event` close or reopen), notes (list, newest first unless told, and create), and
//! the merge requests that close an issue on merge (`GET .../issues/:iid/closed_by`, whatever
//! their state, newest first, paginated). Merge requests exist only through the test's own
//! calls ([`GitLab::open_merge_request`], [`GitLab::merge`], [`GitLab::close_merge_request`]):
//! the issues one closes are read from its description by GitLab's default closing pattern,
//! and merging closes them as the merging user, each with a system note, as GitLab does.
//! `closed_by` is not in the OpenAPI subset the other endpoints are checked against; its
//! answer follows `APIEntitiesMergeRequestBasic` of GitLab's full description (checked by
//! field in the tests) and the route in GitLab's `lib/api/issues.rb`.
//! A project is addressed by its numeric id or its URL-encoded full path
//! (`acme%2Fplatform%2Fweb`); parameters come from the query and a JSON or form body, as Grape
//! merges them.
//!
//! It behaves as GitLab does where clients trip:
//! - offset pagination headers exactly as GitLab's `OffsetHeaderBuilder` writes them:
//!   `x-page`, `x-per-page`, `x-next-page` and `x-prev-page` (present but empty when there is
//!   no such page), `x-total`, `x-total-pages` (1 for an empty list), and `Link` with
//!   `prev`, `next`, `first`, `last` in that order as absolute URLs whose query holds every
//!   parameter (the path's `id` and the declared defaults such as `order_by=created_at`
//!   included) sorted by name; beyond 10,000 records ([`MAX_COUNTED`]) the totals and `last`
//!   are left out;
//! - labels sorted by name in every issue; `updated_at` with milliseconds, moving on every
//!   change and every note; closing records `closed_at` and `closed_by`, reopening clears
//!   them; a change of title, description or assignees leaves a system note (GitLab keeps
//!   label and state changes as resource events, which the notes list does not show);
//! - labels and assignees silently dropped for callers below Reporter (a Guest, a
//!   non-member opening an issue in the public project); assignees who are not members
//!   left out; only the author and Reporters and above may edit (403 otherwise);
//! - errors with GitLab's bodies: 401 `{"message":"401 Unauthorized"}` for a bad or missing
//!   token, 404 `{"message":"404 Project Not Found"}` for a project that does not exist,
//!   404 `{"message":"404 Not found"}` for a missing issue or non-member, 400
//!   `{"error":"title is missing"}` for a missing required parameter or `{"error":"state does
//!   not have a valid value"}` for a bad one, 400 `{"message":{"title":["can't be blank"]}}`
//!   for a value the model refuses;
//! - a project with the Issues feature disabled answers every issue endpoint 403
//!   `{"message":"403 Forbidden"}` (GitLab's API checks the `read_issue` ability, which a
//!   disabled feature removes, and answers with its generic `forbidden!`), while the project
//!   itself and its members still answer.
//!
//! Rate limits: every response carries `RateLimit-Limit`, `RateLimit-Observed`,
//! `RateLimit-Remaining`, `RateLimit-Reset` (Unix seconds) and `RateLimit-ResetTime` (an
//! HTTP date) for the caller's request limit (2,000 a minute per token, as gitlab.com's
//! authenticated API); beyond it, 429 `Retry later` in plain text with `Retry-After`, as
//! Rack::Attack answers. Creating issues (200 a minute per user) and notes (60 a minute) have
//! application limits answered with 429
//! `{"message":{"error":"This endpoint has been requested too many times. Try again later."}}`
//! and `Retry-After`. Each limit's size and window can be set ([`GitLab::set_request_limit`],
//! [`GitLab::set_issue_creation_limit`], [`GitLab::set_note_creation_limit`]). There are no
//! conditional requests (no `ETag`), as GitLab's API does not answer 304.
//!
//! Faults are the GitHub emulator's ([`Fault`], [`RandomFaults`], shared in
//! [`crate::support::http`]): scripted per method and path suffix or by request number, or a
//! seeded random share; an error status answers `{"message":"502 Bad Gateway"}`, and
//! [`FaultKind::SecondaryLimit`] answers Rack::Attack's 429 with `Retry-After`.
//!
//! The instance: user `ada` (a Maintainer of the project), `devon` (Developer), `rita`
//! (Reporter through the group `acme`, an inherited membership), `gus` (Guest), `mallory`
//! (no membership), the bot user of a project access token (Maintainer), each with a token
//! below, and [`REJECTED_TOKEN`], which GitLab refuses. The public project
//! [`PROJECT_PATH`] (id [`PROJECT_ID`]) lives in the group `acme/platform`, below `acme`;
//! [`ISSUES_DISABLED_PATH`] (id [`ISSUES_DISABLED_ID`]) beside it has issues turned off.
//!
//! A test adds more projects with [`GitLab::add_project`] (ids 44, 45, … in the order added),
//! each with its direct members. As on GitLab, users, tokens, the request limits and the ids
//! of issues, notes and merge requests are the instance's, unique across projects, while each
//! project numbers its own issues and merge requests from 1 (iids) and has its own labels,
//! notes and members; members of a group count in the projects below it only (`rita` is a
//! Reporter of every project under `acme`, and nothing in another group). Rendered
//! `web_url`s and `references` name the project's own path, `_links` its id. A project never
//! added answers 404 `{"message":"404 Project Not Found"}` on every route. The methods that
//! read or change issues act on [`PROJECT_PATH`]; each has an `_in` variant taking the
//! project's path ([`GitLab::issues_in`], [`GitLab::seed_issue_in`], …).
//!
//! This is test support: it must never be compiled into the shipped binary, and it must not
//! reach the network beyond its own 127.0.0.1 socket.
//!
//! ```ignore
//! use crate::support::gitlab::{GitLab, Fault, OWNER_TOKEN, OUTSIDER_TOKEN};
//!
//! #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
//! async fn creates_one_issue_despite_a_lost_answer() {
//!     let gl = GitLab::start().await;
//!     gl.seed_issue(OUTSIDER_TOKEN, "Look-alike", "<!-- aftercare:... -->", &["postmortem"]);
//!     gl.inject(Fault::drop_after_write("POST", "/issues"));
//!     // ... run the binary with the tracker's url = gl.url() and GITLAB_TOKEN=OWNER_TOKEN ...
//!     assert_eq!(gl.issues().len(), 2);
//! }
//! ```
//!
//! Paths in faults and in the log are relative to the API root (`/api/v4` removed) and
//! without the query, as the client sent them (still percent-encoded): a fault meant for
//! the issue list of a project addressed by path uses the suffix `"%2Fweb/issues"`, by id
//! `"/projects/42/issues"`, and `"/issues"` matches both.

mod limits;
mod render;
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::task_marker;
use chrono::{DateTime, Utc};

pub use crate::support::http::LoggedRequest;
pub use crate::support::http::fault::{Fault, FaultKind, RandomFaults};
pub use server::MAX_COUNTED;
pub use state::{DEVELOPER, GUEST, IssueChange, MAINTAINER, OWNER, REPORTER};

use crate::support::http::listener::Running;
use crate::support::http::recorder::Recorder;
use crate::support::http::server::router;
use server::Shared;
use state::{Group, Instance, Project};

/// `ada`, a Maintainer (40) of the project, directly.
pub const OWNER_TOKEN: &str = "glpat-ada-maintainer";
/// `devon`, a Developer (30) of the project, directly.
pub const DEVELOPER_TOKEN: &str = "glpat-devon-developer";
/// `rita`, a Reporter (20) through the group `acme` (an inherited membership only).
pub const REPORTER_TOKEN: &str = "glpat-rita-reporter";
/// `gus`, a Guest (10) of the project, directly.
pub const GUEST_TOKEN: &str = "glpat-gus-guest";
/// `mallory`, no membership; may read the public project and open issues in it.
pub const OUTSIDER_TOKEN: &str = "glpat-mallory-outsider";
/// A project access token: its bot user [`BOT_USERNAME`] is a Maintainer (40).
pub const PROJECT_BOT_TOKEN: &str = "glpat-project-42-bot";
/// A token GitLab refuses (revoked or expired): 401 on every request.
pub const REJECTED_TOKEN: &str = "glpat-revoked";

/// The project access token's bot user, named as GitLab names them.
pub const BOT_USERNAME: &str = "project_42_bot_3c8d0b1e4f7a2956";
/// The project aftercare syncs to: public, in the group `acme/platform`.
pub const PROJECT_ID: u64 = 42;
pub const PROJECT_PATH: &str = "acme/platform/web";
/// `PROJECT_PATH` as a path segment: `acme%2Fplatform%2Fweb`.
pub const PROJECT_SEGMENT: &str = "acme%2Fplatform%2Fweb";
/// A project beside it with the Issues feature disabled.
pub const ISSUES_DISABLED_ID: u64 = 43;
pub const ISSUES_DISABLED_PATH: &str = "acme/platform/handbook";

/// The state of one issue of the project.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueSnapshot {
    pub iid: u64,
    pub id: u64,
    pub title: String,
    /// The description, `""` when it is null.
    pub description: String,
    /// "opened" or "closed".
    pub state: String,
    /// Sorted by name.
    pub labels: Vec<String>,
    /// Usernames.
    pub assignees: Vec<String>,
    /// The author's username.
    pub author: String,
    /// Who closed it, while it is closed.
    pub closed_by: Option<String>,
    /// Bodies of the notes people wrote, oldest first.
    pub notes: Vec<String>,
    /// Bodies of GitLab's own notes ("changed title from ..."), oldest first.
    pub system_notes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A running GitLab. Dropping it stops the server.
pub struct GitLab {
    shared: Arc<Shared>,
    running: Running,
}

fn shared_for(addr: SocketAddr) -> Arc<Shared> {
    Arc::new(Shared::new(format!("http://{addr}")))
}

impl GitLab {
    /// Starts on the current tokio runtime, on 127.0.0.1 and a free port.
    pub async fn start() -> GitLab {
        let (running, shared) = Running::start(shared_for, router::<Shared>).await;
        let gitlab = GitLab { shared, running };
        gitlab.populate();
        gitlab
    }

    /// Starts on a thread of its own, for tests that are not async.
    pub fn start_blocking() -> GitLab {
        let (running, shared) = Running::start_blocking(shared_for, router::<Shared>);
        let gitlab = GitLab { shared, running };
        gitlab.populate();
        gitlab
    }

    /// The users, tokens, groups and projects described in the module's documentation.
    fn populate(&self) {
        let mut inner = self.shared.lock();
        let i = &mut inner.instance;
        let ada = i.add_user("ada", "Ada Lovelace", false);
        let devon = i.add_user("devon", "Devon Park", false);
        let rita = i.add_user("rita", "Rita Levi", false);
        let gus = i.add_user("gus", "Gus Grissom", false);
        let mallory = i.add_user("mallory", "Mallory Mal", false);
        let bot = i.add_user(BOT_USERNAME, "aftercare sync", true);
        for (token, user) in [
            (OWNER_TOKEN, ada),
            (DEVELOPER_TOKEN, devon),
            (REPORTER_TOKEN, rita),
            (GUEST_TOKEN, gus),
            (OUTSIDER_TOKEN, mallory),
            (PROJECT_BOT_TOKEN, bot),
        ] {
            i.tokens.insert(token.to_string(), user);
        }
        i.groups.push(Group {
            id: 10,
            full_path: "acme".to_string(),
            members: vec![(rita, REPORTER)],
        });
        i.groups.push(Group {
            id: 11,
            full_path: "acme/platform".to_string(),
            members: Vec::new(),
        });
        let project = |id, path: &str, members, issues_enabled| Project {
            id,
            full_path: path.to_string(),
            members,
            public: true,
            issues_enabled,
            labels: Vec::new(),
            issues: Vec::new(),
            next_iid: 1,
            merge_requests: Vec::new(),
        };
        let members = vec![
            (ada, MAINTAINER),
            (devon, DEVELOPER),
            (gus, GUEST),
            (bot, MAINTAINER),
        ];
        i.projects
            .push(project(PROJECT_ID, PROJECT_PATH, members.clone(), true));
        i.projects.push(project(
            ISSUES_DISABLED_ID,
            ISSUES_DISABLED_PATH,
            members,
            false,
        ));
    }

    /// The instance's root, `http://127.0.0.1:PORT`: the tracker's `url`. The API is under
    /// `/api/v4`.
    pub fn url(&self) -> String {
        self.shared.web.clone()
    }

    /// The API root, `http://127.0.0.1:PORT/api/v4`.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.shared.web, server::API_PREFIX)
    }

    pub fn addr(&self) -> SocketAddr {
        self.running.addr
    }

    /// Adds a user (without a token unless `token` is given) with `access` in the project
    /// (`None`: not a member); returns its id.
    pub fn add_user(&self, username: &str, token: Option<&str>, access: Option<u8>) -> u64 {
        let id = {
            let mut inner = self.shared.lock();
            let i = &mut inner.instance;
            let id = i.add_user(username, username, false);
            if let Some(token) = token {
                i.tokens.insert(token.to_string(), id);
            }
            id
        };
        if let Some(level) = access {
            self.add_member(PROJECT_PATH, username, level);
        }
        id
    }

    /// The id of the user named `username`.
    pub fn user_id(&self, username: &str) -> u64 {
        match self.shared.lock().instance.user_named(username) {
            Some(user) => user.id,
            None => panic!("the emulator has no user {username:?}"),
        }
    }

    /// Adds a public project with the Issues feature on at `path` (`acme/platform/api`) and
    /// returns its id (44, 45, …). `members` are direct memberships: `(username, access
    /// level)`. It numbers its own issues and merge requests from 1 and has its own labels;
    /// users, tokens and ids are the instance's. It inherits the members of the groups above
    /// it: one under `acme` has `rita` as a Reporter, one in another group nobody but its
    /// members; a group its path names that does not exist yet is created without members.
    /// Under a user's own namespace (`devon/notes`) that user is its Owner.
    pub fn add_project(&self, path: &str, members: &[(&str, u32)]) -> u64 {
        let mut inner = self.shared.lock();
        let i = &mut inner.instance;
        assert!(
            path.contains('/'),
            "a project path has a namespace: {path:?}"
        );
        assert!(
            i.project_index(path).is_none(),
            "the emulator has a project {path:?} already"
        );
        let members: Vec<(u64, u8)> = members
            .iter()
            .map(|(name, level)| {
                let user = match i.user_named(name) {
                    Some(user) => user.id,
                    None => panic!("the emulator has no user {name:?}"),
                };
                let level = u8::try_from(*level).expect("an access level");
                (user, level)
            })
            .collect();
        i.add_project(path, members)
    }

    /// Makes `username` a direct member of the project at `path` with access `level` (or
    /// changes its level there).
    pub fn add_member(&self, path: &str, username: &str, level: u8) {
        let user = self.user_id(username);
        self.with_project_in(path, |p| {
            p.members.retain(|(id, _)| *id != user);
            p.members.push((user, level));
        });
    }

    /// Turns the Issues feature of the project on or off.
    pub fn set_issues_enabled(&self, enabled: bool) {
        self.set_issues_enabled_in(PROJECT_PATH, enabled);
    }

    /// Turns the Issues feature of the project at `path` on or off.
    pub fn set_issues_enabled_in(&self, path: &str, enabled: bool) {
        self.with_project_in(path, |p| p.issues_enabled = enabled);
    }

    /// `f` on the instance and the index of the project at `path`; panics for a project
    /// never added.
    fn with_instance_in<T>(&self, path: &str, f: impl FnOnce(&mut Instance, usize) -> T) -> T {
        let mut inner = self.shared.lock();
        let Some(p) = inner.instance.project_index(path) else {
            panic!("the emulator has no project {path:?}: add_project first")
        };
        f(&mut inner.instance, p)
    }

    fn with_project_in<T>(&self, path: &str, f: impl FnOnce(&mut Project) -> T) -> T {
        self.with_instance_in(path, |i, p| f(&mut i.projects[p]))
    }

    fn user_of(&self, token: &str) -> u64 {
        match self.shared.lock().instance.token_user(token) {
            Some(user) => user,
            None => panic!("the emulator knows no token {token:?}"),
        }
    }

    /// Every issue of the project, by iid.
    pub fn issues(&self) -> Vec<IssueSnapshot> {
        self.issues_in(PROJECT_PATH)
    }

    /// Every issue of the project at `path`, by iid.
    pub fn issues_in(&self, path: &str) -> Vec<IssueSnapshot> {
        self.with_instance_in(path, |i, p| Self::snapshots(i, p))
    }

    fn snapshots(i: &Instance, p: usize) -> Vec<IssueSnapshot> {
        let name = |id: u64| i.user(id).map(|u| u.username.clone()).unwrap_or_default();
        let mut issues: Vec<IssueSnapshot> = i.projects[p]
            .issues
            .iter()
            .map(|issue| IssueSnapshot {
                iid: issue.iid,
                id: issue.id,
                title: issue.title.clone(),
                description: issue.description.clone().unwrap_or_default(),
                state: if issue.open { "opened" } else { "closed" }.to_string(),
                labels: issue.labels.clone(),
                assignees: issue.assignees.iter().map(|a| name(*a)).collect(),
                author: name(issue.author),
                closed_by: issue.closed_by.map(name),
                notes: notes_of(issue, false),
                system_notes: notes_of(issue, true),
                created_at: issue.created_at,
                updated_at: issue.updated_at,
                closed_at: issue.closed_at,
            })
            .collect();
        issues.sort_by_key(|i| i.iid);
        issues
    }

    /// One issue by iid.
    pub fn issue(&self, iid: u64) -> Option<IssueSnapshot> {
        self.issue_in(PROJECT_PATH, iid)
    }

    /// One issue of the project at `path` by iid.
    pub fn issue_in(&self, path: &str, iid: u64) -> Option<IssueSnapshot> {
        self.issues_in(path).into_iter().find(|i| i.iid == iid)
    }

    /// The iid of the issue whose description carries the marker of `postmortem/task`.
    pub fn iid_of(&self, postmortem: &str, task: &str) -> u64 {
        self.iid_of_in(PROJECT_PATH, postmortem, task)
    }

    /// The iid of the issue of the project at `path` whose description carries the marker of
    /// `postmortem/task`.
    pub fn iid_of_in(&self, path: &str, postmortem: &str, task: &str) -> u64 {
        let marker = task_marker(&TaskKey::new(postmortem, task));
        self.issues_in(path)
            .into_iter()
            .find(|i| i.description.contains(&marker))
            .map(|i| i.iid)
            .unwrap_or_else(|| panic!("{path} has no issue for {postmortem}/{task}"))
    }

    /// The project's label names, in creation order.
    pub fn labels(&self) -> Vec<String> {
        self.labels_in(PROJECT_PATH)
    }

    /// The label names of the project at `path`, in creation order.
    pub fn labels_in(&self, path: &str) -> Vec<String> {
        self.with_project_in(path, |p| p.labels.clone())
    }

    /// Creates an issue directly in the state as the user of `token` (any user: a forged
    /// look-alike by `mallory` or `gus` keeps its labels): not logged, no limit spent.
    /// Returns its iid.
    pub fn seed_issue(&self, token: &str, title: &str, description: &str, labels: &[&str]) -> u64 {
        self.seed_issue_in(PROJECT_PATH, token, title, description, labels)
    }

    /// [`GitLab::seed_issue`] in the project at `path`.
    pub fn seed_issue_in(
        &self,
        path: &str,
        token: &str,
        title: &str,
        description: &str,
        labels: &[&str],
    ) -> u64 {
        let author = self.user_of(token);
        self.with_instance_in(path, |i, p| {
            let iid = match i.create_issue(
                p,
                author,
                title,
                Some(description.to_string()),
                Vec::new(),
                Vec::new(),
            ) {
                Ok(iid) => iid,
                Err(refusal) => panic!("the seed issue is invalid: {refusal:?}"),
            };
            let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
            for label in &labels {
                if !i.projects[p].labels.contains(label) {
                    i.projects[p].labels.push(label.clone());
                }
            }
            let issue = i.projects[p].issue_mut(iid).expect("just created");
            issue.labels = labels;
            issue.labels.sort();
            issue.labels.dedup();
            iid
        })
    }

    /// Changes an issue as the person of `token` would in the UI.
    pub fn edit_as(&self, token: &str, iid: u64, change: IssueChange) {
        self.edit_as_in(PROJECT_PATH, token, iid, change);
    }

    /// Changes an issue of the project at `path` as the person of `token` would in the UI.
    pub fn edit_as_in(&self, path: &str, token: &str, iid: u64, change: IssueChange) {
        let by = self.user_of(token);
        let edited = self.with_instance_in(path, |i, p| i.update_issue(p, iid, by, change));
        if let Err(refusal) = edited {
            panic!("the edit of {path}#{iid} is refused: {refusal:?}");
        }
    }

    /// `devon` (a Developer) closes an issue in the UI.
    pub fn close_issue(&self, iid: u64) {
        self.close_issue_in(PROJECT_PATH, iid);
    }

    /// `devon` closes an issue of the project at `path` (he must be allowed to there).
    pub fn close_issue_in(&self, path: &str, iid: u64) {
        self.edit_as_in(
            path,
            DEVELOPER_TOKEN,
            iid,
            IssueChange {
                open: Some(false),
                ..IssueChange::default()
            },
        );
    }

    /// `devon` reopens an issue.
    pub fn reopen_issue(&self, iid: u64) {
        self.edit_as(
            DEVELOPER_TOKEN,
            iid,
            IssueChange {
                open: Some(true),
                ..IssueChange::default()
            },
        );
    }

    /// `devon` replaces the labels of an issue (unknown labels are created).
    pub fn set_issue_labels(&self, iid: u64, labels: &[&str]) {
        self.edit_as(
            DEVELOPER_TOKEN,
            iid,
            IssueChange {
                labels: Some(labels.iter().map(|l| l.to_string()).collect()),
                ..IssueChange::default()
            },
        );
    }

    /// `devon` replaces the title of an issue.
    pub fn edit_issue_title(&self, iid: u64, title: &str) {
        self.edit_as(
            DEVELOPER_TOKEN,
            iid,
            IssueChange {
                title: Some(title.to_string()),
                ..IssueChange::default()
            },
        );
    }

    /// `devon` replaces the description of an issue.
    pub fn edit_issue_description(&self, iid: u64, description: &str) {
        self.edit_as(
            DEVELOPER_TOKEN,
            iid,
            IssueChange {
                description: Some(description.to_string()),
                ..IssueChange::default()
            },
        );
    }

    /// Adds a note to an issue as the person of `token`.
    pub fn add_note(&self, token: &str, iid: u64, body: &str) {
        self.add_note_in(PROJECT_PATH, token, iid, body);
    }

    /// Adds a note to an issue of the project at `path` as the person of `token`.
    pub fn add_note_in(&self, path: &str, token: &str, iid: u64, body: &str) {
        let by = self.user_of(token);
        let added = self.with_instance_in(path, |i, p| i.add_note(p, iid, by, body));
        if let Err(refusal) = added {
            panic!("the note on {path}#{iid} is refused: {refusal:?}");
        }
    }

    /// Opens a merge request as the person of `token`, directly in the state; the issues its
    /// description closes (`Closes #3`) are closed when it is merged. Returns its iid.
    pub fn open_merge_request(&self, token: &str, title: &str, description: &str) -> u64 {
        self.open_merge_request_in(PROJECT_PATH, token, title, description)
    }

    /// [`GitLab::open_merge_request`] in the project at `path`: `#3` names that project's
    /// issue 3.
    pub fn open_merge_request_in(
        &self,
        path: &str,
        token: &str,
        title: &str,
        description: &str,
    ) -> u64 {
        let author = self.user_of(token);
        let opened = self.with_instance_in(path, |i, p| {
            i.open_merge_request(p, author, title, description)
        });
        match opened {
            Ok(iid) => iid,
            Err(refusal) => panic!("the merge request is refused: {refusal:?}"),
        }
    }

    /// `devon` (a Developer) merges a merge request: the open issues it closes are closed.
    pub fn merge(&self, iid: u64) {
        self.merge_in(PROJECT_PATH, iid);
    }

    /// `devon` merges merge request `iid` of the project at `path` (he must be a Developer
    /// there).
    pub fn merge_in(&self, path: &str, iid: u64) {
        let by = self.user_of(DEVELOPER_TOKEN);
        let merged = self.with_instance_in(path, |i, p| i.merge(p, iid, by));
        if let Err(refusal) = merged {
            panic!("merging {path}!{iid} is refused: {refusal:?}");
        }
    }

    /// `devon` closes a merge request without merging it.
    pub fn close_merge_request(&self, iid: u64) {
        let by = self.user_of(DEVELOPER_TOKEN);
        let closed = self.with_instance_in(PROJECT_PATH, |i, p| i.close_merge_request(p, iid, by));
        if let Err(refusal) = closed {
            panic!("closing !{iid} is refused: {refusal:?}");
        }
    }

    /// The iids of the issues merge request `iid` closes on merge.
    pub fn closing_issues(&self, iid: u64) -> Vec<u64> {
        self.closing_issues_in(PROJECT_PATH, iid)
    }

    /// The iids of the issues merge request `iid` of the project at `path` closes on merge.
    pub fn closing_issues_in(&self, path: &str, iid: u64) -> Vec<u64> {
        self.with_project_in(path, |p| {
            p.merge_request(iid)
                .map(|m| m.closes.clone())
                .unwrap_or_default()
        })
    }

    /// Deletes an issue, as a project owner can; its iid is not reused.
    pub fn delete_issue(&self, iid: u64) {
        self.delete_issue_in(PROJECT_PATH, iid);
    }

    /// Deletes an issue of the project at `path`; its iid is not reused.
    pub fn delete_issue_in(&self, path: &str, iid: u64) {
        let removed = self.with_project_in(path, |p| {
            let before = p.issues.len();
            p.issues.retain(|i| i.iid != iid);
            before != p.issues.len()
        });
        assert!(removed, "the emulator has no issue {path}#{iid}");
    }

    /// Leaves out a list's totals and `last` link beyond `records` instead of GitLab's
    /// [`MAX_COUNTED`] (10,000), so that a test need not create ten thousand issues.
    pub fn set_max_counted(&self, records: usize) {
        self.shared.lock().max_counted = records;
    }

    /// Stamps every change at least `step` after the one before, as a sync paced at one write
    /// a `step` does, even when the test writes faster (the bench's first sync of thousands).
    pub fn set_clock_step(&self, step: Duration) {
        let step = chrono::Duration::from_std(step).unwrap_or(chrono::Duration::milliseconds(1));
        self.shared.lock().instance.clock_step = step;
    }

    /// At most `limit` requests per token in any span of `window` (gitlab.com: 2,000 a
    /// minute); forgets the requests counted so far.
    pub fn set_request_limit(&self, limit: u32, window: Duration) {
        let mut inner = self.shared.lock();
        inner.limits.requests = limits::Window::new(limit, window);
    }

    /// At most `limit` issues created per user in any span of `window` (gitlab.com: 200 a
    /// minute).
    pub fn set_issue_creation_limit(&self, limit: u32, window: Duration) {
        self.shared.lock().limits.issue_creation = limits::Window::new(limit, window);
    }

    /// At most `limit` notes created per user in any span of `window` (gitlab.com: 60 a
    /// minute).
    pub fn set_note_creation_limit(&self, limit: u32, window: Duration) {
        self.shared.lock().limits.note_creation = limits::Window::new(limit, window);
    }
}

/// The request log and the fault controls: `requests`, `count`, `clear_requests`, `inject`,
/// `pending_faults`, `set_random_faults`, `stalled_request`, `set_latency`.
impl Deref for GitLab {
    type Target = Recorder;

    fn deref(&self) -> &Recorder {
        &self.shared.recorder
    }
}

/// The bodies of an issue's system notes (`system`) or people's notes, oldest first.
fn notes_of(issue: &state::Issue, system: bool) -> Vec<String> {
    issue
        .notes
        .iter()
        .filter(|n| n.system == system)
        .map(|n| n.body.clone())
        .collect()
}
