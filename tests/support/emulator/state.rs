//! The emulated GitHub's data: accounts and users, and the repositories with their
//! collaborators, issues (and pull requests), comments, labels and milestones, plus the id
//! sequence and the clock that every repository shares.
//!
//! This module holds data and the rules GitHub applies to it (who may set what, which labels
//! get created, what closing records). It must not know about HTTP, JSON or rate limits: the
//! routes translate requests into these calls and render the results.

use chrono::{DateTime, TimeZone, Utc};

/// Who a token belongs to. `push` and `association` are what the account has on `acme/web`;
/// in a repository added with a list of collaborators, [`Repo::member`] decides them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The login shown as the author of what this account creates.
    pub login: String,
    /// `type: "Bot"` instead of `"User"`.
    pub bot: bool,
    /// Push access: without it, labels, assignees and milestone are silently dropped.
    pub push: bool,
    /// `author_association` on what this account creates: "OWNER", "COLLABORATOR", "NONE", ...
    pub association: &'static str,
    /// `GET /user` answers 403 "Resource not accessible by integration" (installation tokens).
    pub user_forbidden: bool,
}

impl Account {
    /// A person with push access, a collaborator on `acme/web`.
    pub fn collaborator(login: &str) -> Account {
        Account {
            login: login.to_string(),
            bot: false,
            push: true,
            association: "COLLABORATOR",
            user_forbidden: false,
        }
    }

    /// `github-actions[bot]`, as a GitHub Actions `GITHUB_TOKEN` acts.
    pub fn actions() -> Account {
        Account {
            login: "github-actions[bot]".to_string(),
            bot: true,
            push: true,
            association: "NONE",
            user_forbidden: true,
        }
    }

    /// A person without push access to `acme/web`.
    pub fn outsider(login: &str) -> Account {
        Account {
            login: login.to_string(),
            bot: false,
            push: false,
            association: "NONE",
            user_forbidden: false,
        }
    }
}

/// A known user: every account, plus the organisations that own repositories.
#[derive(Debug, Clone)]
pub struct User {
    pub login: String,
    pub id: u64,
    pub kind: &'static str,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub author: String,
    pub association: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Issue {
    pub number: u64,
    pub id: u64,
    pub title: String,
    pub body: Option<String>,
    pub open: bool,
    pub state_reason: Option<String>,
    /// Label names as stored in the repository's label list.
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub milestone: Option<u64>,
    pub author: String,
    pub association: String,
    pub is_pull_request: bool,
    pub comments: Vec<Comment>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    /// When a pull request was merged; always `None` for an issue.
    pub merged_at: Option<DateTime<Utc>>,
    /// The issue's timeline events, oldest first (comments are listed from `comments`).
    pub events: Vec<Event>,
}

/// One event of an issue's timeline.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: u64,
    pub actor: String,
    pub created_at: DateTime<Utc>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// Closed; `commit_id` is the commit that closed it (a merged pull request's merge commit).
    Closed {
        commit_id: Option<String>,
    },
    Reopened,
    /// Pull request `source` referenced the issue.
    CrossReferenced {
        source: u64,
    },
}

#[derive(Debug, Clone)]
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Milestone {
    pub number: u64,
    pub id: u64,
    pub title: String,
    pub description: Option<String>,
    pub open: bool,
    pub due_on: Option<DateTime<Utc>>,
    pub creator: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A validation failure, rendered by the routes as GitHub's 422 shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// `{"resource","code":"custom","field","message"}`
    Custom {
        resource: &'static str,
        field: &'static str,
        message: String,
    },
    /// `{"resource","code":"missing_field","field"}`
    Missing {
        resource: &'static str,
        field: &'static str,
    },
    /// `{"resource","field","code":"invalid","value"}`
    Value {
        resource: &'static str,
        field: &'static str,
        value: serde_json::Value,
    },
    /// `{"resource","code":"already_exists","field"}`
    Exists {
        resource: &'static str,
        field: &'static str,
    },
}

pub const OWNER_LOGIN: &str = "acme";
pub const REPO_NAME: &str = "web";
pub const REPO_ID: u64 = 1;
pub const MAX_BODY: usize = 65_536;
pub const MAX_TITLE: usize = 256;

/// What every repository shares, as on GitHub: the accounts and users, one sequence of ids
/// (an issue's, a comment's or a label's id is unique across repositories) and the clock.
#[derive(Debug)]
pub struct Site {
    pub accounts: Vec<(String, Account)>,
    pub users: Vec<User>,
    /// Set while tests seed state directly; see [`Site::tick`].
    pub seeding: bool,
    next_id: u64,
    last_tick: i64,
}

/// One repository: its issues, labels and milestones and who may push to it.
#[derive(Debug)]
pub struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    /// `None` for `acme/web`, where each account's own `push` and `association` hold; else the
    /// logins with push access (see [`Repo::member`]).
    pub collaborators: Option<Vec<String>>,
    pub issues: Vec<Issue>,
    pub labels: Vec<Label>,
    pub milestones: Vec<Milestone>,
    /// Issues ever numbered, deleted ones included: GitHub never gives a number twice.
    pub numbered: u64,
}

/// Everything the emulator hosts: the shared [`Site`] and the repositories, `acme/web` first.
#[derive(Debug)]
pub struct Github {
    pub site: Site,
    pub repos: Vec<Repo>,
}

/// One repository together with what it shares with the others, for reading and changing it.
pub struct Scope<'a> {
    pub site: &'a mut Site,
    pub repo: &'a mut Repo,
}

/// What a change to an issue asks for; `None` leaves a field alone.
#[derive(Debug, Default, Clone)]
pub struct IssueChange {
    pub title: Option<String>,
    pub body: Option<Option<String>>,
    pub open: Option<bool>,
    pub state_reason: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    pub assignees: Option<Vec<String>>,
    pub milestone: Option<Option<u64>>,
    /// The commit that closes the issue, when closing it (GitHub sets it when a merged pull
    /// request or a pushed commit closes an issue).
    pub closing_commit: Option<String>,
}

impl Github {
    /// `acme/web` (id 1), owned by the organisation `acme`, with no account yet.
    pub fn new() -> Github {
        let mut github = Github {
            site: Site {
                accounts: Vec::new(),
                users: Vec::new(),
                seeding: false,
                next_id: 1_000_001,
                last_tick: 0,
            },
            repos: Vec::new(),
        };
        github.add_repository(OWNER_LOGIN, REPO_NAME, None);
        github
    }

    /// Adds `owner/name` with the next repository id and GitHub's default labels; its owner
    /// becomes a known organisation unless it is a known user. Returns the id.
    pub fn add_repository(
        &mut self,
        owner: &str,
        name: &str,
        collaborators: Option<Vec<String>>,
    ) -> u64 {
        assert!(
            self.find(owner, name).is_none(),
            "the emulator already has {owner}/{name}"
        );
        if self.site.user(owner).is_none() {
            let organisations = self
                .site
                .users
                .iter()
                .filter(|u| u.kind == "Organization")
                .count() as u64;
            self.site.users.push(User {
                login: owner.to_string(),
                id: 9_000 + organisations,
                kind: "Organization",
            });
        }
        let id = self.repos.len() as u64 + 1;
        let mut repo = Repo {
            id,
            owner: owner.to_string(),
            name: name.to_string(),
            collaborators,
            issues: Vec::new(),
            labels: Vec::new(),
            milestones: Vec::new(),
            numbered: 0,
        };
        for label in ["bug", "documentation", "enhancement"] {
            repo.labels.push(Label {
                id: self.site.fresh_id(),
                name: label.to_string(),
                color: "d73a4a".to_string(),
                description: None,
            });
        }
        self.repos.push(repo);
        id
    }

    /// The index of `owner/name`, matched without regard to case as GitHub does.
    pub fn find(&self, owner: &str, name: &str) -> Option<usize> {
        self.repos
            .iter()
            .position(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    /// The index of the repository with id `id`.
    pub fn find_id(&self, id: u64) -> Option<usize> {
        self.repos.iter().position(|r| r.id == id)
    }

    /// The repository at `index` with the shared state, to read or change it.
    pub fn scope(&mut self, index: usize) -> Scope<'_> {
        Scope {
            site: &mut self.site,
            repo: &mut self.repos[index],
        }
    }
}

impl Site {
    pub fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Now, to the second, strictly later than every earlier tick: `updated_at` moves on every
    /// change even when changes come faster than one a second.
    /// While `seeding` (direct state edits by tests), the clock does not advance: seeding
    /// hundreds of issues must not move the clock minutes ahead of real time.
    pub fn tick(&mut self) -> DateTime<Utc> {
        let step = if self.seeding { 0 } else { 1 };
        let now = Utc::now().timestamp().max(self.last_tick + step);
        self.last_tick = now;
        Utc.timestamp_opt(now, 0).single().unwrap_or_default()
    }

    pub fn add_account(&mut self, token: &str, account: Account) {
        let id = match account.login.as_str() {
            "octocat" => 1,
            "hubot" => 2,
            "mallory" => 3,
            "github-actions[bot]" => 41_898_282,
            _ => self
                .users
                .iter()
                .find(|u| u.login == account.login)
                .map(|u| u.id)
                .unwrap_or(100 + self.users.len() as u64),
        };
        self.users.retain(|u| u.login != account.login);
        self.users.push(User {
            login: account.login.clone(),
            id,
            kind: if account.bot { "Bot" } else { "User" },
        });
        self.accounts.retain(|(t, _)| t != token);
        self.accounts.push((token.to_string(), account));
    }

    pub fn account(&self, token: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, a)| a)
    }

    pub fn user(&self, login: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }
}

impl Repo {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// How `account` acts in this repository. On `acme/web`, as the account says. Elsewhere
    /// only a listed login has push access and is a COLLABORATOR (a bot keeps its own
    /// association), `octocat` listed in a repository of `acme` is its OWNER, and so is the
    /// user who owns the repository; anyone else reads without push access, as NONE.
    pub fn member(&self, account: &Account) -> Account {
        let Some(collaborators) = &self.collaborators else {
            return account.clone();
        };
        let login = account.login.as_str();
        let listed = collaborators.iter().any(|c| c.eq_ignore_ascii_case(login));
        let owner = login.eq_ignore_ascii_case(&self.owner)
            || (listed && login == "octocat" && self.owner.eq_ignore_ascii_case(OWNER_LOGIN));
        let association = match (owner, listed) {
            (true, _) => "OWNER",
            (false, true) if account.bot => account.association,
            (false, true) => "COLLABORATOR",
            (false, false) => "NONE",
        };
        Account {
            push: owner || listed,
            association,
            ..account.clone()
        }
    }

    /// Issue `number`: issues are numbered from 1 in creation order (a deleted issue leaves a
    /// gap), so they are sorted by number.
    pub fn issue(&self, number: u64) -> Option<&Issue> {
        let index = self
            .issues
            .binary_search_by_key(&number, |i| i.number)
            .ok()?;
        self.issues.get(index)
    }

    pub fn issue_mut(&mut self, number: u64) -> Option<&mut Issue> {
        let index = self
            .issues
            .binary_search_by_key(&number, |i| i.number)
            .ok()?;
        self.issues.get_mut(index)
    }

    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
    }

    pub fn check_title(title: &str) -> Result<(), Invalid> {
        if title.trim().is_empty() {
            return Err(Invalid::Missing {
                resource: "Issue",
                field: "title",
            });
        }
        if title.chars().count() > MAX_TITLE {
            return Err(Invalid::Custom {
                resource: "Issue",
                field: "title",
                message: format!("title is too long (maximum is {MAX_TITLE} characters)"),
            });
        }
        Ok(())
    }

    pub fn check_body(resource: &'static str, body: &str) -> Result<(), Invalid> {
        if body.chars().count() > MAX_BODY {
            return Err(Invalid::Custom {
                resource,
                field: "body",
                message: format!("body is too long (maximum is {MAX_BODY} characters)"),
            });
        }
        Ok(())
    }

    pub fn check_milestone(&self, milestone: Option<u64>) -> Result<(), Invalid> {
        match milestone {
            Some(n) if !self.milestones.iter().any(|m| m.number == n) => Err(Invalid::Value {
                resource: "Issue",
                field: "milestone",
                value: serde_json::Value::from(n),
            }),
            _ => Ok(()),
        }
    }
}

impl Scope<'_> {
    /// The time of a change to issue `number`: a tick, and later than the issue's last change
    /// even while seeding, so its `updated_at` always moves.
    pub fn stamp_for(&mut self, number: u64) -> DateTime<Utc> {
        let tick = self.site.tick();
        let after_last = self
            .repo
            .issue(number)
            .map(|i| i.updated_at + chrono::Duration::seconds(1))
            .unwrap_or(tick);
        let stamp = tick.max(after_last);
        self.site.last_tick = self.site.last_tick.max(stamp.timestamp());
        stamp
    }

    /// The user `login` when issues of this repository can be assigned to them: a person with
    /// push access to it.
    pub fn assignable(&self, login: &str) -> Option<&User> {
        let (_, account) = self
            .site
            .accounts
            .iter()
            .rev()
            .find(|(_, a)| a.login.eq_ignore_ascii_case(login))?;
        let member = self.repo.member(account);
        if member.push && !member.bot {
            self.site.user(login)
        } else {
            None
        }
    }

    /// The stored name of `name`, creating the label (colour `ededed`) when it does not exist,
    /// as GitHub does when an issue uses an unknown label.
    pub fn ensure_label(&mut self, name: &str) -> String {
        if let Some(label) = self.repo.label(name) {
            return label.name.clone();
        }
        let id = self.site.fresh_id();
        self.repo.labels.push(Label {
            id,
            name: name.to_string(),
            color: "ededed".to_string(),
            description: None,
        });
        name.to_string()
    }

    pub fn create_label(
        &mut self,
        name: &str,
        color: Option<&str>,
        description: Option<String>,
    ) -> Result<Label, Invalid> {
        if name.trim().is_empty() {
            return Err(Invalid::Missing {
                resource: "Label",
                field: "name",
            });
        }
        if self.repo.label(name).is_some() {
            return Err(Invalid::Exists {
                resource: "Label",
                field: "name",
            });
        }
        let color = color
            .unwrap_or("ededed")
            .trim_start_matches('#')
            .to_string();
        if color.len() != 6 || !color.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Invalid::Value {
                resource: "Label",
                field: "color",
                value: serde_json::Value::String(color),
            });
        }
        if description
            .as_deref()
            .is_some_and(|d| d.chars().count() > 100)
        {
            return Err(Invalid::Custom {
                resource: "Label",
                field: "description",
                message: "description is too long (maximum is 100 characters)".to_string(),
            });
        }
        let id = self.site.fresh_id();
        let label = Label {
            id,
            name: name.to_string(),
            color,
            description,
        };
        self.repo.labels.push(label.clone());
        Ok(label)
    }

    pub fn create_milestone(
        &mut self,
        creator: &str,
        title: &str,
        description: Option<String>,
        open: bool,
        due_on: Option<DateTime<Utc>>,
    ) -> Result<Milestone, Invalid> {
        if title.trim().is_empty() {
            return Err(Invalid::Missing {
                resource: "Milestone",
                field: "title",
            });
        }
        if self.repo.milestones.iter().any(|m| m.title == title) {
            return Err(Invalid::Exists {
                resource: "Milestone",
                field: "title",
            });
        }
        let now = self.site.tick();
        let id = self.site.fresh_id();
        let milestone = Milestone {
            number: self.repo.milestones.len() as u64 + 1,
            id,
            title: title.to_string(),
            description,
            open,
            due_on,
            creator: creator.to_string(),
            created_at: now,
            updated_at: now,
            closed_at: if open { None } else { Some(now) },
        };
        self.repo.milestones.push(milestone.clone());
        Ok(milestone)
    }

    fn check_assignees(&self, assignees: &[String]) -> Result<Vec<String>, Invalid> {
        let mut out: Vec<String> = Vec::new();
        for login in assignees {
            match self.assignable(login) {
                Some(user) => {
                    if !out.contains(&user.login) {
                        out.push(user.login.clone());
                    }
                }
                _ => {
                    return Err(Invalid::Value {
                        resource: "Issue",
                        field: "assignees",
                        value: serde_json::Value::String(login.clone()),
                    });
                }
            }
        }
        Ok(out)
    }

    fn store_labels(&mut self, names: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in names.iter().filter(|n| !n.trim().is_empty()) {
            let stored = self.ensure_label(name);
            if !out.contains(&stored) {
                out.push(stored);
            }
        }
        out
    }

    /// Creates an issue (or a pull request) as the account behind `token`. Without push access,
    /// labels, assignees and milestone are dropped without a word, as GitHub does.
    #[allow(clippy::too_many_arguments)]
    pub fn create_issue(
        &mut self,
        author: &Account,
        title: &str,
        body: Option<String>,
        labels: Vec<String>,
        assignees: Vec<String>,
        milestone: Option<u64>,
        is_pull_request: bool,
    ) -> Result<u64, Invalid> {
        Repo::check_title(title)?;
        if let Some(body) = &body {
            Repo::check_body("Issue", body)?;
        }
        let (labels, assignees, milestone) = if author.push {
            let assignees = self.check_assignees(&assignees)?;
            self.repo.check_milestone(milestone)?;
            (self.store_labels(&labels), assignees, milestone)
        } else {
            (Vec::new(), Vec::new(), None)
        };
        let now = self.site.tick();
        let id = self.site.fresh_id();
        self.repo.numbered += 1;
        let number = self.repo.numbered;
        self.repo.issues.push(Issue {
            number,
            id,
            title: title.to_string(),
            body,
            open: true,
            state_reason: None,
            labels,
            assignees,
            milestone,
            author: author.login.clone(),
            association: author.association.to_string(),
            is_pull_request,
            comments: Vec::new(),
            created_at: now,
            updated_at: now,
            closed_at: None,
            closed_by: None,
            merged_at: None,
            events: Vec::new(),
        });
        Ok(number)
    }

    /// Merges pull request `pr` as `actor`, closing each issue in `closes` with the merge
    /// commit, as GitHub does for a pull request that says `Fixes #N`: the pull request gets
    /// `merged_at`, each issue a `cross-referenced` event naming it and a `closed` event with
    /// the commit. Returns the merge commit's id.
    pub fn merge_pull_request(&mut self, actor: &Account, pr: u64, closes: &[u64]) -> String {
        let now = self.site.tick();
        let commit = format!("{:040x}", 0xa11ce_u64 * 1_000 + pr);
        let pull = self.repo.issue_mut(pr).expect("a pull request");
        assert!(pull.is_pull_request, "#{pr} is not a pull request");
        pull.merged_at = Some(now);
        pull.open = false;
        pull.closed_at = Some(now);
        for &number in closes {
            let id = self.site.fresh_id();
            self.repo
                .issue_mut(number)
                .expect("an issue the pull request closes")
                .events
                .push(Event {
                    id,
                    actor: actor.login.clone(),
                    created_at: now,
                    kind: EventKind::CrossReferenced { source: pr },
                });
            let change = IssueChange {
                open: Some(false),
                state_reason: Some(Some("completed".to_string())),
                closing_commit: Some(commit.clone()),
                ..IssueChange::default()
            };
            self.update_issue(actor, number, change)
                .expect("a valid close");
        }
        commit
    }

    /// Applies `change` to issue `number` as `actor`; `Ok(false)` when the issue does not exist.
    /// Fields the actor may not set are dropped; `updated_at` moves only when something changed.
    pub fn update_issue(
        &mut self,
        actor: &Account,
        number: u64,
        mut change: IssueChange,
    ) -> Result<bool, Invalid> {
        if self.repo.issue(number).is_none() {
            return Ok(false);
        }
        if let Some(title) = &change.title {
            Repo::check_title(title)?;
        }
        if let Some(Some(body)) = &change.body {
            Repo::check_body("Issue", body)?;
        }
        if let Some(Some(reason)) = &change.state_reason {
            if !["completed", "not_planned", "duplicate", "reopened"].contains(&reason.as_str()) {
                return Err(Invalid::Value {
                    resource: "Issue",
                    field: "state_reason",
                    value: serde_json::Value::String(reason.clone()),
                });
            }
        }
        if actor.push {
            if let Some(assignees) = &change.assignees {
                change.assignees = Some(self.check_assignees(assignees)?);
            }
            if let Some(milestone) = change.milestone {
                self.repo.check_milestone(milestone)?;
            }
            if let Some(labels) = &change.labels {
                let labels = labels.clone();
                change.labels = Some(self.store_labels(&labels));
            }
        } else {
            change.labels = None;
            change.assignees = None;
            change.milestone = None;
        }
        let now = self.stamp_for(number);
        let event_id = self.site.fresh_id();
        let Some(issue) = self.repo.issue_mut(number) else {
            return Ok(false);
        };
        let mut changed = false;
        if let Some(title) = change.title.filter(|t| *t != issue.title) {
            issue.title = title;
            changed = true;
        }
        if let Some(body) = change.body.filter(|b| *b != issue.body) {
            issue.body = body;
            changed = true;
        }
        if let Some(open) = change.open.filter(|o| *o != issue.open) {
            issue.open = open;
            changed = true;
            if open {
                issue.state_reason = Some("reopened".to_string());
                issue.closed_at = None;
                issue.closed_by = None;
                issue.events.push(Event {
                    id: event_id,
                    actor: actor.login.clone(),
                    created_at: now,
                    kind: EventKind::Reopened,
                });
            } else {
                let reason = change
                    .state_reason
                    .flatten()
                    .filter(|r| r != "reopened")
                    .unwrap_or_else(|| "completed".to_string());
                issue.state_reason = Some(reason);
                issue.closed_at = Some(now);
                issue.closed_by = Some(actor.login.clone());
                issue.events.push(Event {
                    id: event_id,
                    actor: actor.login.clone(),
                    created_at: now,
                    kind: EventKind::Closed {
                        commit_id: change.closing_commit.clone(),
                    },
                });
            }
        }
        if let Some(labels) = change.labels.filter(|l| *l != issue.labels) {
            issue.labels = labels;
            changed = true;
        }
        if let Some(assignees) = change.assignees.filter(|a| *a != issue.assignees) {
            issue.assignees = assignees;
            changed = true;
        }
        if let Some(milestone) = change.milestone.filter(|m| *m != issue.milestone) {
            issue.milestone = milestone;
            changed = true;
        }
        if changed {
            issue.updated_at = now;
        }
        Ok(true)
    }

    /// Adds a comment; `Ok(None)` when the issue does not exist.
    pub fn add_comment(
        &mut self,
        author: &Account,
        number: u64,
        body: &str,
    ) -> Result<Option<Comment>, Invalid> {
        if self.repo.issue(number).is_none() {
            return Ok(None);
        }
        if body.trim().is_empty() {
            return Err(Invalid::Missing {
                resource: "IssueComment",
                field: "body",
            });
        }
        Repo::check_body("IssueComment", body)?;
        let now = self.stamp_for(number);
        let id = self.site.fresh_id();
        let comment = Comment {
            id,
            body: body.to_string(),
            author: author.login.clone(),
            association: author.association.to_string(),
            created_at: now,
            updated_at: now,
        };
        let Some(issue) = self.repo.issue_mut(number) else {
            return Ok(None);
        };
        issue.comments.push(comment.clone());
        issue.updated_at = now;
        Ok(Some(comment))
    }

    /// Adds labels to an issue (creating unknown ones); `false` when the issue does not exist.
    pub fn add_issue_labels(&mut self, number: u64, names: &[String]) -> bool {
        if self.repo.issue(number).is_none() {
            return false;
        }
        let stored = self.store_labels(names);
        let now = self.stamp_for(number);
        if let Some(issue) = self.repo.issue_mut(number) {
            let before = issue.labels.len();
            for name in stored {
                if !issue.labels.contains(&name) {
                    issue.labels.push(name);
                }
            }
            if issue.labels.len() != before {
                issue.updated_at = now;
            }
        }
        true
    }

    /// Removes one label from an issue: `None` when the issue does not exist, `Some(false)` when
    /// the label is not on it.
    pub fn remove_issue_label(&mut self, number: u64, name: &str) -> Option<bool> {
        let now = self.stamp_for(number);
        let issue = self.repo.issue_mut(number)?;
        let before = issue.labels.len();
        issue.labels.retain(|l| !l.eq_ignore_ascii_case(name));
        if issue.labels.len() == before {
            return Some(false);
        }
        issue.updated_at = now;
        Some(true)
    }
}
