//! The emulated GitLab instance's data: users and their tokens, groups and projects with
//! their members and access levels, and each project's issues, notes, labels and merge
//! requests (with the issues each closes on merge), plus the clock that stamps them.
//!
//! This module holds data and the rules GitLab applies to it (who may read, create and edit,
//! whose labels and assignees are silently dropped, what closing and reopening record, which
//! changes leave a system note). It must not know about HTTP, JSON or rate limits: the routes
//! translate requests into these calls and render the results.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};

/// GitLab's access levels, as `members/all` answers them.
pub const GUEST: u8 = 10;
pub const REPORTER: u8 = 20;
pub const DEVELOPER: u8 = 30;
pub const MAINTAINER: u8 = 40;
pub const OWNER: u8 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub name: String,
    /// A project or group access token's bot user.
    pub bot: bool,
}

/// A group (`acme`, `acme/platform`): its members count in every project below it.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: u64,
    pub full_path: String,
    /// `(user id, access level)`.
    pub members: Vec<(u64, u8)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: u64,
    pub body: String,
    pub author: u64,
    /// Written by GitLab itself ("changed title from ..."), not by a person.
    pub system: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Unique on the instance.
    pub id: u64,
    /// Unique in the project: the `#12` people see.
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    pub open: bool,
    pub author: u64,
    pub assignees: Vec<u64>,
    /// Label names, sorted as GitLab returns them.
    pub labels: Vec<String>,
    pub notes: Vec<Note>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<u64>,
}

/// A merge request of the project. The issues it closes on merge are read from its
/// description when it is opened, by GitLab's default closing pattern (`Closes #1`,
/// `fixes #2 and #3`, `Resolves: #4`, `Implements #5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRequest {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: String,
    /// `opened`, `closed` or `merged`.
    pub state: &'static str,
    pub author: u64,
    pub source_branch: String,
    /// iids of the issues it closes when merged.
    pub closes: Vec<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub merged_at: Option<DateTime<Utc>>,
    pub merged_by: Option<u64>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: u64,
    /// `acme/platform/web`.
    pub full_path: String,
    /// Direct members: `(user id, access level)`.
    pub members: Vec<(u64, u8)>,
    /// Everyone may read it and open issues in it (a public project).
    pub public: bool,
    /// The Issues feature is on; when off, every issue endpoint answers 403.
    pub issues_enabled: bool,
    /// Label names in creation order (created on first use).
    pub labels: Vec<String>,
    pub issues: Vec<Issue>,
    pub next_iid: u64,
    pub merge_requests: Vec<MergeRequest>,
}

/// Why a write is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller may not do it: 403.
    Forbidden,
    /// No such issue: 404.
    NoIssue,
    /// A parameter GitLab validates: 400 with this `error`.
    Invalid(String),
    /// The model refused a field: 400 with `message: {field: [problem]}`.
    Unprocessable(&'static str, &'static str),
}

/// A change to an issue; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct IssueChange {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Replaces every label.
    pub labels: Option<Vec<String>>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    /// Replaces every assignee.
    pub assignees: Option<Vec<u64>>,
    /// `Some(true)` reopens, `Some(false)` closes.
    pub open: Option<bool>,
}

/// The longest title GitLab accepts.
pub const MAX_TITLE: usize = 255;
/// The longest description GitLab accepts (1,048,576 characters).
pub const MAX_DESCRIPTION: usize = 1_048_576;

#[derive(Debug)]
pub struct Instance {
    pub users: Vec<User>,
    pub tokens: HashMap<String, u64>,
    pub groups: Vec<Group>,
    pub projects: Vec<Project>,
    next_user_id: u64,
    next_issue_id: u64,
    next_note_id: u64,
    next_merge_request_id: u64,
    last_stamp: DateTime<Utc>,
    /// The least time between two changes' stamps (1 ms, GitLab's resolution, by default).
    pub clock_step: Duration,
}

impl Instance {
    pub fn new() -> Instance {
        Instance {
            users: Vec::new(),
            tokens: HashMap::new(),
            groups: Vec::new(),
            projects: Vec::new(),
            next_user_id: 1,
            next_issue_id: 1_001,
            next_note_id: 5_001,
            next_merge_request_id: 9_001,
            last_stamp: DateTime::<Utc>::MIN_UTC,
            clock_step: Duration::milliseconds(1),
        }
    }

    /// The time of a change: now to the millisecond, and always at least `clock_step` after the
    /// previous change, so that `updated_at` moves on every change as GitLab's does.
    pub fn tick(&mut self) -> DateTime<Utc> {
        let now = Utc::now()
            .duration_trunc(Duration::milliseconds(1))
            .unwrap_or_else(|_| Utc::now());
        let stamp = now.max(self.last_stamp + self.clock_step);
        self.last_stamp = stamp;
        stamp
    }

    /// Adds a user; returns its id.
    pub fn add_user(&mut self, username: &str, name: &str, bot: bool) -> u64 {
        let id = self.next_user_id;
        self.next_user_id += 1;
        self.users.push(User {
            id,
            username: username.to_string(),
            name: name.to_string(),
            bot,
        });
        id
    }

    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The user a username names, compared without regard to case as GitLab does.
    pub fn user_named(&self, username: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username))
    }

    /// The user a token belongs to.
    pub fn token_user(&self, token: &str) -> Option<u64> {
        self.tokens.get(token).copied()
    }

    /// The project a path segment names: a numeric id or a full path (without regard to case).
    pub fn project_index(&self, id_or_path: &str) -> Option<usize> {
        match id_or_path.parse::<u64>() {
            Ok(id) => self.projects.iter().position(|p| p.id == id),
            Err(_) => self
                .projects
                .iter()
                .position(|p| p.full_path.eq_ignore_ascii_case(id_or_path)),
        }
    }

    /// Adds a public project with the Issues feature on at `full_path` (`acme/platform/api`),
    /// with direct `members`; returns its id, one above the highest so far, as GitLab numbers
    /// projects across the instance. Its namespace is a user's own when it is one segment
    /// naming a user (`devon/notes`): that user is then the project's Owner, as GitLab lists a
    /// personal project's owner. Otherwise the namespace's groups that do not exist yet are
    /// created, without members, so that the project inherits only the members of groups it
    /// is really placed in.
    pub fn add_project(&mut self, full_path: &str, members: Vec<(u64, u8)>) -> u64 {
        let id = self.projects.iter().map(|p| p.id).max().unwrap_or(0) + 1;
        let (namespace, _) = full_path
            .rsplit_once('/')
            .expect("a project path has a namespace");
        let mut members = members;
        match self.user_named(namespace).map(|u| u.id) {
            Some(owner) if !namespace.contains('/') => {
                members.retain(|(user, _)| *user != owner);
                members.push((owner, OWNER));
            }
            _ => {
                let mut path = String::new();
                for segment in namespace.split('/') {
                    if !path.is_empty() {
                        path.push('/');
                    }
                    path.push_str(segment);
                    if !self
                        .groups
                        .iter()
                        .any(|g| g.full_path.eq_ignore_ascii_case(&path))
                    {
                        let id = self.groups.iter().map(|g| g.id).max().unwrap_or(0) + 1;
                        self.groups.push(Group {
                            id,
                            full_path: path.clone(),
                            members: Vec::new(),
                        });
                    }
                }
            }
        }
        self.projects.push(Project {
            id,
            full_path: full_path.to_string(),
            members,
            public: true,
            issues_enabled: true,
            labels: Vec::new(),
            issues: Vec::new(),
            next_iid: 1,
            merge_requests: Vec::new(),
        });
        id
    }

    /// A user's access level in a project: the highest of a direct membership and the
    /// memberships of the groups above it (inherited), as `members/all` reports it.
    pub fn access(&self, project: &Project, user: u64) -> Option<u8> {
        let direct = project
            .members
            .iter()
            .filter(|(id, _)| *id == user)
            .map(|(_, level)| *level);
        let inherited = self
            .groups
            .iter()
            .filter(|g| project.full_path.starts_with(&format!("{}/", g.full_path)))
            .flat_map(|g| g.members.iter())
            .filter(|(id, _)| *id == user)
            .map(|(_, level)| *level);
        direct.chain(inherited).max()
    }

    /// Whether `user` (anonymous when `None`) can see the project at all.
    pub fn can_read(&self, project: &Project, user: Option<u64>) -> bool {
        project.public || user.is_some_and(|u| self.access(project, u).is_some())
    }

    /// Whether `user` may set labels and assignees in the project (Reporter or above);
    /// GitLab silently drops them for anyone else.
    pub fn can_set_metadata(&self, project: &Project, user: u64) -> bool {
        self.access(project, user).unwrap_or(0) >= REPORTER
    }

    /// Creates an issue in project `p` as `author`; returns its iid. Labels that do not exist
    /// are created; assignees who are not members are left out.
    pub fn create_issue(
        &mut self,
        p: usize,
        author: u64,
        title: &str,
        description: Option<String>,
        labels: Vec<String>,
        assignees: Vec<u64>,
    ) -> Result<u64, Refusal> {
        check_title(title)?;
        check_description(description.as_deref())?;
        let metadata = self.can_set_metadata(&self.projects[p], author);
        let assignees = if metadata {
            self.members_only(p, assignees)
        } else {
            Vec::new()
        };
        let labels = if metadata { labels } else { Vec::new() };
        let at = self.tick();
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        let project = &mut self.projects[p];
        let iid = project.next_iid;
        project.next_iid += 1;
        let labels = project.use_labels(Vec::new(), labels);
        project.issues.push(Issue {
            id,
            iid,
            title: title.to_string(),
            description,
            open: true,
            author,
            assignees,
            labels,
            notes: Vec::new(),
            created_at: at,
            updated_at: at,
            closed_at: None,
            closed_by: None,
        });
        Ok(iid)
    }

    /// The members among `users`, in the order given, each once.
    fn members_only(&self, p: usize, users: Vec<u64>) -> Vec<u64> {
        let mut kept: Vec<u64> = Vec::new();
        for user in users {
            if self.access(&self.projects[p], user).is_some() && !kept.contains(&user) {
                kept.push(user);
            }
        }
        kept
    }

    /// Applies `change` to issue `iid` of project `p` as `by`. The author and Reporters and
    /// above may edit; labels and assignees only from Reporters and above (silently dropped
    /// for others). A change of title, description or assignees leaves a system note;
    /// closing records who closed and when, reopening clears both.
    pub fn update_issue(
        &mut self,
        p: usize,
        iid: u64,
        by: u64,
        change: IssueChange,
    ) -> Result<(), Refusal> {
        let author = self.projects[p].issue(iid).ok_or(Refusal::NoIssue)?.author;
        let metadata = self.can_set_metadata(&self.projects[p], by);
        if !metadata && author != by {
            return Err(Refusal::Forbidden);
        }
        if let Some(title) = &change.title {
            check_title(title)?;
        }
        check_description(change.description.as_deref())?;
        let assignees = match change.assignees {
            Some(users) if metadata => Some(self.members_only(p, users)),
            _ => None,
        };
        let at = self.tick();
        let mut system: Vec<String> = Vec::new();
        let names: HashMap<u64, String> = self
            .users
            .iter()
            .map(|u| (u.id, u.username.clone()))
            .collect();
        let project = &mut self.projects[p];
        let (labels, add, remove) = if metadata {
            (change.labels, change.add_labels, change.remove_labels)
        } else {
            (None, Vec::new(), Vec::new())
        };
        let current = project
            .issue(iid)
            .map(|i| i.labels.clone())
            .unwrap_or_default();
        let base = labels.unwrap_or(current);
        let base: Vec<String> = base.into_iter().filter(|l| !remove.contains(l)).collect();
        let new_labels = project.use_labels(base, add);
        let issue = project.issue_mut(iid).ok_or(Refusal::NoIssue)?;
        let mut changed = false;
        if let Some(title) = change.title {
            if title != issue.title {
                system.push(format!(
                    "changed title from **{}** to **{}**",
                    issue.title, title
                ));
                issue.title = title;
                changed = true;
            }
        }
        if let Some(description) = change.description {
            if Some(&description) != issue.description.as_ref() {
                system.push("changed the description".to_string());
                issue.description = Some(description);
                changed = true;
            }
        }
        if let Some(assignees) = assignees {
            if assignees != issue.assignees {
                let mention = |ids: &[u64]| {
                    ids.iter()
                        .filter_map(|id| names.get(id))
                        .map(|n| format!("@{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let added: Vec<u64> = assignees
                    .iter()
                    .filter(|a| !issue.assignees.contains(a))
                    .copied()
                    .collect();
                let removed: Vec<u64> = issue
                    .assignees
                    .iter()
                    .filter(|a| !assignees.contains(a))
                    .copied()
                    .collect();
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("assigned to {}", mention(&added)));
                }
                if !removed.is_empty() {
                    parts.push(format!("unassigned {}", mention(&removed)));
                }
                system.push(parts.join(" and "));
                issue.assignees = assignees;
                changed = true;
            }
        }
        if new_labels != issue.labels {
            issue.labels = new_labels;
            changed = true;
        }
        match change.open {
            Some(false) if issue.open => {
                issue.open = false;
                issue.closed_at = Some(at);
                issue.closed_by = Some(by);
                changed = true;
            }
            Some(true) if !issue.open => {
                issue.open = true;
                issue.closed_at = None;
                issue.closed_by = None;
                changed = true;
            }
            _ => {}
        }
        if changed {
            issue.updated_at = at;
        }
        for body in system {
            let id = self.next_note_id;
            self.next_note_id += 1;
            if let Some(issue) = self.projects[p].issue_mut(iid) {
                issue.notes.push(Note {
                    id,
                    body,
                    author: by,
                    system: true,
                    created_at: at,
                    updated_at: at,
                });
            }
        }
        Ok(())
    }

    /// Adds a note by `by` to issue `iid` of project `p`; returns the note's id. A note moves
    /// the issue's `updated_at`, as on GitLab.
    pub fn add_note(&mut self, p: usize, iid: u64, by: u64, body: &str) -> Result<u64, Refusal> {
        if self.projects[p].issue(iid).is_none() {
            return Err(Refusal::NoIssue);
        }
        if body.trim().is_empty() {
            return Err(Refusal::Unprocessable("note", "can't be blank"));
        }
        if body.chars().count() > MAX_DESCRIPTION {
            return Err(Refusal::Unprocessable(
                "note",
                "is too long (maximum is 1000000 characters)",
            ));
        }
        let at = self.tick();
        let id = self.next_note_id;
        self.next_note_id += 1;
        let issue = self.projects[p].issue_mut(iid).ok_or(Refusal::NoIssue)?;
        issue.notes.push(Note {
            id,
            body: body.to_string(),
            author: by,
            system: false,
            created_at: at,
            updated_at: at,
        });
        issue.updated_at = at;
        Ok(id)
    }

    /// Opens a merge request in project `p` as `author`; returns its iid. The issues its
    /// description closes on merge that exist get a system note "mentioned in merge request".
    pub fn open_merge_request(
        &mut self,
        p: usize,
        author: u64,
        title: &str,
        description: &str,
    ) -> Result<u64, Refusal> {
        check_title(title)?;
        let at = self.tick();
        let id = self.next_merge_request_id;
        self.next_merge_request_id += 1;
        let project = &mut self.projects[p];
        let iid = project.merge_requests.len() as u64 + 1;
        let closes: Vec<u64> = closing_references(description)
            .into_iter()
            .filter(|n| project.issue(*n).is_some())
            .collect();
        project.merge_requests.push(MergeRequest {
            id,
            iid,
            title: title.to_string(),
            description: description.to_string(),
            state: "opened",
            author,
            source_branch: format!("change-{iid}"),
            closes: closes.clone(),
            created_at: at,
            updated_at: at,
            merged_at: None,
            merged_by: None,
            closed_at: None,
            closed_by: None,
        });
        for issue in closes {
            self.system_note(
                p,
                issue,
                author,
                &format!("mentioned in merge request !{iid}"),
            );
        }
        Ok(iid)
    }

    /// Merges merge request `iid` of project `p` as `by` (a Developer or above): the open
    /// issues it closes are closed by `by`, each with a system note, as GitLab does when a
    /// merge request reaches the default branch.
    pub fn merge(&mut self, p: usize, iid: u64, by: u64) -> Result<(), Refusal> {
        if self.access(&self.projects[p], by).unwrap_or(0) < DEVELOPER {
            return Err(Refusal::Forbidden);
        }
        let at = self.tick();
        let mr = (self.projects[p].merge_requests.iter_mut())
            .find(|m| m.iid == iid && m.state == "opened")
            .ok_or(Refusal::NoIssue)?;
        mr.state = "merged";
        mr.merged_at = Some(at);
        mr.merged_by = Some(by);
        mr.updated_at = at;
        let closes = mr.closes.clone();
        for issue in closes {
            let closed = match self.projects[p].issue_mut(issue) {
                Some(i) if i.open => {
                    i.open = false;
                    i.closed_at = Some(at);
                    i.closed_by = Some(by);
                    i.updated_at = at;
                    true
                }
                _ => false,
            };
            if closed {
                self.system_note(p, issue, by, &format!("closed via merge request !{iid}"));
            }
        }
        Ok(())
    }

    /// Closes merge request `iid` of project `p` unmerged, as `by`.
    pub fn close_merge_request(&mut self, p: usize, iid: u64, by: u64) -> Result<(), Refusal> {
        let at = self.tick();
        let mr = (self.projects[p].merge_requests.iter_mut())
            .find(|m| m.iid == iid && m.state == "opened")
            .ok_or(Refusal::NoIssue)?;
        mr.state = "closed";
        mr.closed_at = Some(at);
        mr.closed_by = Some(by);
        mr.updated_at = at;
        Ok(())
    }

    /// Adds a system note (GitLab's own) to issue `iid` of project `p`, by `by`.
    fn system_note(&mut self, p: usize, iid: u64, by: u64, body: &str) {
        let id = self.next_note_id;
        self.next_note_id += 1;
        let at = self.tick();
        if let Some(issue) = self.projects[p].issue_mut(iid) {
            issue.notes.push(Note {
                id,
                body: body.to_string(),
                author: by,
                system: true,
                created_at: at,
                updated_at: at,
            });
        }
    }
}

/// The issue numbers a description closes by GitLab's default closing pattern: a keyword
/// (close, closes, closed, closing, fix, fixes, fixed, fixing, resolve, resolves, resolved,
/// resolving, implement, implements, implemented, implementing; any case), an optional `:`,
/// then one or more `#N`, separated by commas, spaces or `and`, optionally after `issue` or
/// `issues`.
pub fn closing_references(description: &str) -> Vec<u64> {
    const KEYWORDS: &[&str] = &[
        "close",
        "closes",
        "closed",
        "closing",
        "fix",
        "fixes",
        "fixed",
        "fixing",
        "resolve",
        "resolves",
        "resolved",
        "resolving",
        "implement",
        "implements",
        "implemented",
        "implementing",
    ];
    let words: Vec<String> = description
        .replace(',', " , ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i].to_lowercase();
        let keyword = word.strip_suffix(':').unwrap_or(&word);
        i += 1;
        if !KEYWORDS.contains(&keyword) {
            continue;
        }
        if words.get(i).is_some_and(|w| w == ":") {
            i += 1;
        }
        if words
            .get(i)
            .is_some_and(|w| w.eq_ignore_ascii_case("issue") || w.eq_ignore_ascii_case("issues"))
        {
            i += 1;
        }
        while let Some(word) = words.get(i) {
            let reference = word
                .strip_prefix('#')
                .map(|n| n.trim_end_matches(['.', ';', ')']))
                .and_then(|n| n.parse::<u64>().ok());
            match reference {
                Some(n) => {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                    i += 1;
                }
                None if word == "," || word.eq_ignore_ascii_case("and") => i += 1,
                None => break,
            }
        }
    }
    out
}

impl Project {
    pub fn merge_request(&self, iid: u64) -> Option<&MergeRequest> {
        self.merge_requests.iter().find(|m| m.iid == iid)
    }

    pub fn issue(&self, iid: u64) -> Option<&Issue> {
        self.issues.iter().find(|i| i.iid == iid)
    }

    pub fn issue_mut(&mut self, iid: u64) -> Option<&mut Issue> {
        self.issues.iter_mut().find(|i| i.iid == iid)
    }

    /// `base` plus `added`, each label once, sorted as GitLab shows them; labels the project
    /// does not have yet are created.
    fn use_labels(&mut self, base: Vec<String>, added: Vec<String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for label in base.into_iter().chain(added) {
            let label = label.trim().to_string();
            if label.is_empty() || out.contains(&label) {
                continue;
            }
            if !self.labels.contains(&label) {
                self.labels.push(label.clone());
            }
            out.push(label);
        }
        out.sort();
        out
    }
}

fn check_title(title: &str) -> Result<(), Refusal> {
    if title.trim().is_empty() {
        return Err(Refusal::Unprocessable("title", "can't be blank"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(Refusal::Unprocessable(
            "title",
            "is too long (maximum is 255 characters)",
        ));
    }
    Ok(())
}

fn check_description(description: Option<&str>) -> Result<(), Refusal> {
    match description {
        Some(d) if d.chars().count() > MAX_DESCRIPTION => Err(Refusal::Unprocessable(
            "description",
            "is too long (maximum is 1048576 characters)",
        )),
        _ => Ok(()),
    }
}
