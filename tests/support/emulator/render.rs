//! GitHub's JSON for the emulated objects: users, issues, comments, labels, milestones, the
//! repository and the rate-limit overview, with every field octocrab's models and GitHub's
//! OpenAPI description require.
//!
//! Rendering only reads state; it must not change it or decide anything about a request.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::state::{
    Comment, Event, EventKind, Issue, Label, Milestone, REPO_ID, Repo, Scope, Site, User,
};
use crate::support::http::query::encode_segment;

/// GitHub's timestamp format: `2011-04-22T13:33:48Z`.
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn opt_time(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(time(t))).unwrap_or(Value::Null)
}

/// A user as GitHub embeds one (`simple-user`), with links under `base`.
pub fn user(base: &str, user: &User) -> Value {
    let login = &user.login;
    let url = format!("{base}/users/{}", encode_segment(login));
    let html_url = match login.strip_suffix("[bot]") {
        Some(app) => format!("https://github.com/apps/{app}"),
        None => format!("https://github.com/{login}"),
    };
    json!({
        "login": login,
        "id": user.id,
        "node_id": format!("U_kgDO{:08}", user.id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", user.id),
        "gravatar_id": "",
        "url": url,
        "html_url": html_url,
        "followers_url": format!("{url}/followers"),
        "following_url": format!("{url}/following{{/other_user}}"),
        "gists_url": format!("{url}/gists{{/gist_id}}"),
        "starred_url": format!("{url}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{url}/subscriptions"),
        "organizations_url": format!("{url}/orgs"),
        "repos_url": format!("{url}/repos"),
        "events_url": format!("{url}/events{{/privacy}}"),
        "received_events_url": format!("{url}/received_events"),
        "type": user.kind,
        "user_view_type": "public",
        "site_admin": false,
    })
}

/// `GET /user`: the private profile of the caller.
pub fn private_user(base: &str, user: &User) -> Value {
    let mut value = self::user(base, user);
    let extra = json!({
        "name": user.login,
        "company": null,
        "blog": "",
        "location": null,
        "email": null,
        "hireable": null,
        "bio": null,
        "twitter_username": null,
        "notification_email": null,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": "2011-01-25T18:44:36Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": true,
    });
    merge(&mut value, extra);
    value
}

/// Renders objects of one repository with links under `base` (the emulator's API root).
pub struct Renderer<'a> {
    pub base: &'a str,
    pub site: &'a Site,
    pub repo: &'a Repo,
}

impl<'a> Renderer<'a> {
    pub fn new(base: &'a str, scope: &'a Scope) -> Renderer<'a> {
        Renderer {
            base,
            site: scope.site,
            repo: scope.repo,
        }
    }

    /// `…/repos/{owner}/{name}`, with the repository's own spelling.
    fn repo_url(&self) -> String {
        format!("{}/repos/{}", self.base, self.repo.full_name())
    }

    /// `https://github.com/{owner}/{name}`.
    fn html_root(&self) -> String {
        format!("https://github.com/{}", self.repo.full_name())
    }

    pub fn user_by_login(&self, login: &str) -> Value {
        match self.site.user(login) {
            Some(user) => self.user(user),
            None => self.user(&User {
                login: login.to_string(),
                id: 0,
                kind: "User",
            }),
        }
    }

    pub fn user(&self, user: &User) -> Value {
        self::user(self.base, user)
    }

    pub fn label(&self, label: &Label) -> Value {
        json!({
            "id": label.id,
            "node_id": format!("LA_kwDO{:08}", label.id),
            "url": format!("{}/labels/{}", self.repo_url(), encode_segment(&label.name)),
            "name": label.name,
            "color": label.color,
            "default": false,
            "description": label.description,
        })
    }

    pub fn label_by_name(&self, name: &str) -> Value {
        match self.repo.label(name) {
            Some(label) => self.label(label),
            None => self.label(&Label {
                id: 0,
                name: name.to_string(),
                color: "ededed".to_string(),
                description: None,
            }),
        }
    }

    pub fn milestone(&self, m: &Milestone) -> Value {
        let issues = self
            .repo
            .issues
            .iter()
            .filter(|i| i.milestone == Some(m.number));
        let (open, closed) =
            issues.fold(
                (0u64, 0u64),
                |(o, c), i| {
                    if i.open { (o + 1, c) } else { (o, c + 1) }
                },
            );
        let url = format!("{}/milestones/{}", self.repo_url(), m.number);
        json!({
            "url": url,
            "html_url": format!("{}/milestone/{}", self.html_root(), m.number),
            "labels_url": format!("{url}/labels"),
            "id": m.id,
            "node_id": format!("MI_kwDO{:08}", m.id),
            "number": m.number,
            "state": if m.open { "open" } else { "closed" },
            "title": m.title,
            "description": m.description,
            "creator": self.user_by_login(&m.creator),
            "open_issues": open,
            "closed_issues": closed,
            "created_at": time(m.created_at),
            "updated_at": time(m.updated_at),
            "closed_at": opt_time(m.closed_at),
            "due_on": opt_time(m.due_on),
        })
    }

    fn reactions(url: &str) -> Value {
        json!({
            "url": format!("{url}/reactions"),
            "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
            "confused": 0, "heart": 0, "rocket": 0, "eyes": 0,
        })
    }

    pub fn issue(&self, issue: &Issue) -> Value {
        let url = format!("{}/issues/{}", self.repo_url(), issue.number);
        let kind = if issue.is_pull_request {
            "pull"
        } else {
            "issues"
        };
        let html_url = format!("{}/{kind}/{}", self.html_root(), issue.number);
        let assignees: Vec<Value> = issue
            .assignees
            .iter()
            .map(|a| self.user_by_login(a))
            .collect();
        let milestone = issue
            .milestone
            .and_then(|n| self.repo.milestones.iter().find(|m| m.number == n))
            .map(|m| self.milestone(m))
            .unwrap_or(Value::Null);
        let mut value = json!({
            "url": url,
            "repository_url": self.repo_url(),
            "labels_url": format!("{url}/labels{{/name}}"),
            "comments_url": format!("{url}/comments"),
            "events_url": format!("{url}/events"),
            "html_url": html_url,
            "id": issue.id,
            "node_id": format!("I_kwDO{:08}", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user_by_login(&issue.author),
            "labels": issue.labels.iter().map(|l| self.label_by_name(l)).collect::<Vec<_>>(),
            "state": if issue.open { "open" } else { "closed" },
            "locked": false,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "assignees": assignees,
            "milestone": milestone,
            "comments": issue.comments.len(),
            "created_at": time(issue.created_at),
            "updated_at": time(issue.updated_at),
            "closed_at": opt_time(issue.closed_at),
            "closed_by": issue.closed_by.as_deref().map(|l| self.user_by_login(l)).unwrap_or(Value::Null),
            "author_association": issue.association,
            "active_lock_reason": null,
            "body": issue.body,
            "reactions": Renderer::reactions(&url),
            "timeline_url": format!("{url}/timeline"),
            "performed_via_github_app": null,
            "state_reason": issue.state_reason,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
        });
        if issue.is_pull_request {
            let pulls = format!("{}/pulls/{}", self.repo_url(), issue.number);
            merge(
                &mut value,
                json!({
                    "draft": false,
                    "pull_request": {
                        "url": pulls,
                        "html_url": html_url,
                        "diff_url": format!("{html_url}.diff"),
                        "patch_url": format!("{html_url}.patch"),
                        "merged_at": issue.merged_at.map(time),
                    }
                }),
            );
        }
        value
    }

    pub fn comment(&self, issue: &Issue, comment: &Comment) -> Value {
        let url = format!("{}/issues/comments/{}", self.repo_url(), comment.id);
        json!({
            "id": comment.id,
            "node_id": format!("IC_kwDO{:08}", comment.id),
            "url": url,
            "html_url": format!(
                "{}/issues/{}#issuecomment-{}",
                self.html_root(),
                issue.number,
                comment.id
            ),
            "issue_url": format!("{}/issues/{}", self.repo_url(), issue.number),
            "body": comment.body,
            "user": self.user_by_login(&comment.author),
            "created_at": time(comment.created_at),
            "updated_at": time(comment.updated_at),
            "author_association": comment.association,
            "reactions": Renderer::reactions(&url),
            "performed_via_github_app": null,
        })
    }

    /// One event of `GET …/issues/{n}/timeline`: a `closed` or `reopened` state change (with
    /// the closing commit, if any), or a `cross-referenced` event naming the pull request.
    pub fn timeline_event(&self, event: &Event) -> Value {
        let actor = self.user_by_login(&event.actor);
        let at = time(event.created_at);
        match &event.kind {
            EventKind::CrossReferenced { source } => {
                let source = self
                    .repo
                    .issues
                    .iter()
                    .find(|i| i.number == *source)
                    .map(|i| self.issue(i));
                json!({
                    "event": "cross-referenced",
                    "actor": actor,
                    "created_at": at,
                    "updated_at": at,
                    "source": {"type": "issue", "issue": source},
                })
            }
            EventKind::Closed { .. } | EventKind::Reopened => {
                let (name, commit) = match &event.kind {
                    EventKind::Closed { commit_id } => ("closed", commit_id.clone()),
                    _ => ("reopened", None),
                };
                let commit_url = commit
                    .as_ref()
                    .map(|c| format!("{}/commits/{c}", self.repo_url()));
                json!({
                    "id": event.id,
                    "node_id": format!("SCE_lADO{:08}", event.id),
                    "url": format!("{}/issues/events/{}", self.repo_url(), event.id),
                    "actor": actor,
                    "event": name,
                    "commit_id": commit,
                    "commit_url": commit_url,
                    "created_at": at,
                    "performed_via_github_app": null,
                })
            }
        }
    }

    /// `GET /repos/{owner}/{name}`, with the caller's permissions.
    pub fn repository(&self, push: bool) -> Value {
        let api = self.repo_url();
        let full_name = self.repo.full_name();
        let owner = self.user_by_login(&self.repo.owner);
        let open_issues = self.repo.issues.iter().filter(|i| i.open).count();
        let description = if self.repo.id == REPO_ID {
            "The acme website".to_string()
        } else {
            format!("The {} repository", self.repo.name)
        };
        let mut value = json!({
            "id": self.repo.id,
            "node_id": format!("R_kgDO{}", node_id_digits(self.repo.id)),
            "name": self.repo.name,
            "full_name": full_name,
            "owner": owner,
            "private": false,
            "html_url": self.html_root(),
            "description": description,
            "fork": false,
            "url": api,
            "git_url": format!("git://github.com/{full_name}.git"),
            "ssh_url": format!("git@github.com:{full_name}.git"),
            "clone_url": format!("https://github.com/{full_name}.git"),
            "svn_url": self.html_root(),
            "mirror_url": null,
            "homepage": null,
            "language": "Rust",
        });
        merge(
            &mut value,
            json!({
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "subscribers_count": 1,
            "network_count": 0,
            "size": 100,
            "default_branch": "main",
            "open_issues_count": open_issues,
            "open_issues": open_issues,
            "is_template": false,
            "topics": [],
            "has_issues": true,
            "has_projects": true,
            "has_wiki": true,
            "has_pages": false,
            "has_downloads": true,
            "has_discussions": false,
            "archived": false,
            "disabled": false,
            "visibility": "public",
            "pushed_at": "2026-01-01T00:00:00Z",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "permissions": {
                "admin": push, "maintain": push, "push": push, "triage": push, "pull": true,
            },
            "allow_forking": true,
            "web_commit_signoff_required": false,
            "license": null,
            }),
        );
        let templates = [
            ("archive_url", "/{archive_format}{/ref}"),
            ("assignees_url", "/assignees{/user}"),
            ("blobs_url", "/git/blobs{/sha}"),
            ("branches_url", "/branches{/branch}"),
            ("collaborators_url", "/collaborators{/collaborator}"),
            ("comments_url", "/comments{/number}"),
            ("commits_url", "/commits{/sha}"),
            ("compare_url", "/compare/{base}...{head}"),
            ("contents_url", "/contents/{+path}"),
            ("contributors_url", "/contributors"),
            ("deployments_url", "/deployments"),
            ("downloads_url", "/downloads"),
            ("events_url", "/events"),
            ("forks_url", "/forks"),
            ("git_commits_url", "/git/commits{/sha}"),
            ("git_refs_url", "/git/refs{/sha}"),
            ("git_tags_url", "/git/tags{/sha}"),
            ("hooks_url", "/hooks"),
            ("issue_comment_url", "/issues/comments{/number}"),
            ("issue_events_url", "/issues/events{/number}"),
            ("issues_url", "/issues{/number}"),
            ("keys_url", "/keys{/key_id}"),
            ("labels_url", "/labels{/name}"),
            ("languages_url", "/languages"),
            ("merges_url", "/merges"),
            ("milestones_url", "/milestones{/number}"),
            (
                "notifications_url",
                "/notifications{?since,all,participating}",
            ),
            ("pulls_url", "/pulls{/number}"),
            ("releases_url", "/releases{/id}"),
            ("stargazers_url", "/stargazers"),
            ("statuses_url", "/statuses/{sha}"),
            ("subscribers_url", "/subscribers"),
            ("subscription_url", "/subscription"),
            ("tags_url", "/tags"),
            ("teams_url", "/teams"),
            ("trees_url", "/git/trees{/sha}"),
        ];
        if let Value::Object(map) = &mut value {
            for (key, suffix) in templates {
                map.insert(key.to_string(), Value::String(format!("{api}{suffix}")));
            }
        }
        value
    }
}

/// The id as 32 bits in base64 without padding, as repository node ids end: 1 is `AAAAAQ`.
fn node_id_digits(id: u64) -> String {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bits = (id & 0xffff_ffff) << 4;
    (0..6)
        .rev()
        .map(|i| DIGITS[((bits >> (6 * i)) & 63) as usize] as char)
        .collect()
}

/// Copies the keys of `extra` (an object) into `value` (an object).
pub fn merge(value: &mut Value, extra: Value) {
    if let (Value::Object(map), Value::Object(extra)) = (value, extra) {
        map.extend(extra);
    }
}
