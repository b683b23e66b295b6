//! GitLab's JSON for the emulated objects: users (basic and the caller's own), members,
//! issues, notes and merge requests (`MergeRequestBasic`), with the fields GitLab sends and
//! its formats (millisecond timestamps, `access_level` as an integer, labels sorted by name,
//! `web_url` and `references`).
//!
//! Rendering only reads state; it must not change it or decide anything about a request.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::state::{Instance, Issue, MergeRequest, Note, Project, User};

/// GitLab's timestamp format: `2024-05-01T12:00:00.123Z`.
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn opt_time(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(time(t))).unwrap_or(Value::Null)
}

/// Renders objects with links under `web` (the instance's root, `http://127.0.0.1:PORT`).
pub struct Renderer<'a> {
    pub web: &'a str,
    pub instance: &'a Instance,
}

impl Renderer<'_> {
    fn api(&self) -> String {
        format!("{}/api/v4", self.web)
    }

    /// `APIEntitiesUserBasic`: what `GET /users` and an issue's `author` show.
    pub fn user_basic(&self, user: &User) -> Value {
        json!({
            "id": user.id,
            "username": user.username,
            "public_email": null,
            "name": user.name,
            "state": "active",
            "locked": false,
            "avatar_url": format!("https://secure.gravatar.com/avatar/{}?s=80&d=identicon", user.id),
            "web_url": format!("{}/{}", self.web, user.username),
        })
    }

    fn user_by_id(&self, id: u64) -> Value {
        self.instance
            .user(id)
            .map(|u| self.user_basic(u))
            .unwrap_or(Value::Null)
    }

    /// `GET /user`: the caller's own account. `last_activity_on` is left out: GitLab sends a
    /// date (`2026-11-30`) where its description declares a date-time.
    pub fn current_user(&self, user: &User) -> Value {
        let mut value = self.user_basic(user);
        merge(
            &mut value,
            json!({
                "created_at": "2023-01-09T10:00:00.000Z",
                "bio": "",
                "location": "",
                "linkedin": "",
                "twitter": "",
                "discord": "",
                "website_url": "",
                "organization": "",
                "job_title": "",
                "pronouns": null,
                "bot": user.bot,
                "work_information": null,
                "local_time": null,
                "last_sign_in_at": "2026-11-30T08:00:00.000Z",
                "confirmed_at": "2023-01-09T10:00:00.000Z",
                "email": format!("{}@example.com", user.username),
                "theme_id": 1,
                "color_scheme_id": 1,
                "projects_limit": 100_000,
                "current_sign_in_at": "2026-11-30T08:00:00.000Z",
                "identities": [],
                "can_create_group": !user.bot,
                "can_create_project": !user.bot,
                "two_factor_enabled": false,
                "external": false,
                "private_profile": false,
                "commit_email": format!("{}@example.com", user.username),
            }),
        );
        value
    }

    /// `GET /projects/:id/members/all/:user_id`.
    pub fn member(&self, user: &User, access_level: u8) -> Value {
        let mut value = self.user_basic(user);
        merge(
            &mut value,
            json!({
                "access_level": access_level,
                "created_at": "2023-01-09T10:00:00.000Z",
                "created_by": null,
                "expires_at": null,
                "membership_state": "active",
            }),
        );
        value
    }

    /// `APIEntitiesIssue`; `single` adds what GitLab shows only for one issue (`subscribed`).
    pub fn issue(&self, project: &Project, issue: &Issue, single: bool) -> Value {
        let api = format!("{}/projects/{}", self.api(), project.id);
        let assignees: Vec<Value> = issue
            .assignees
            .iter()
            .map(|id| self.user_by_id(*id))
            .collect();
        let user_notes = issue.notes.iter().filter(|n| !n.system).count();
        let (count, done) = task_list(issue.description.as_deref().unwrap_or_default());
        let mut value = json!({
            "id": issue.id,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": issue.description,
            "state": if issue.open { "opened" } else { "closed" },
            "created_at": time(issue.created_at),
            "updated_at": time(issue.updated_at),
            "closed_at": opt_time(issue.closed_at),
            "closed_by": issue.closed_by.map(|id| self.user_by_id(id)).unwrap_or(Value::Null),
            "labels": issue.labels,
            "milestone": null,
            "assignees": assignees,
            "author": self.user_by_id(issue.author),
            "type": "ISSUE",
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "user_notes_count": user_notes,
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "due_date": null,
            "confidential": false,
            "discussion_locked": null,
            "issue_type": "issue",
            "web_url": format!("{}/{}/-/issues/{}", self.web, project.full_path, issue.iid),
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": null,
                "human_total_time_spent": null,
            },
            "task_completion_status": {"count": count, "completed_count": done},
            "has_tasks": count > 0,
            "task_status": format!("{done} of {count} checklist items completed"),
            "_links": {
                "self": format!("{api}/issues/{}", issue.iid),
                "notes": format!("{api}/issues/{}/notes", issue.iid),
                "award_emoji": format!("{api}/issues/{}/award_emoji", issue.iid),
                "project": api,
                "closed_as_duplicate_of": null,
            },
            "references": {
                "short": format!("#{}", issue.iid),
                "relative": format!("#{}", issue.iid),
                "full": format!("{}#{}", project.full_path, issue.iid),
            },
            "severity": "UNKNOWN",
            "moved_to_id": null,
            "imported": false,
            "imported_from": "none",
            "service_desk_reply_to": null,
        });
        if single {
            merge(&mut value, json!({"subscribed": true}));
        }
        value
    }

    /// `APIEntitiesNote` of a note on issue `issue`.
    pub fn note(&self, project: &Project, issue: &Issue, note: &Note) -> Value {
        json!({
            "id": note.id,
            "type": null,
            "body": note.body,
            "author": self.user_by_id(note.author),
            "created_at": time(note.created_at),
            "updated_at": time(note.updated_at),
            "system": note.system,
            "noteable_id": issue.id,
            "noteable_type": "Issue",
            "project_id": project.id,
            "resolvable": false,
            "confidential": false,
            "internal": false,
            "imported": false,
            "imported_from": "none",
            "noteable_iid": issue.iid,
            "commands_changes": {},
        })
    }
}

impl Renderer<'_> {
    /// `APIEntitiesMergeRequestBasic`, as `GET /projects/:id/issues/:iid/closed_by` lists
    /// merge requests. GitLab's description declares `assignees` and `reviewers` as one entity
    /// where GitLab sends a list, as it does for issues.
    pub fn merge_request_basic(&self, project: &Project, mr: &MergeRequest) -> Value {
        let author = self.user_by_id(mr.author);
        let merged = mr.state == "merged";
        let mut value = json!({
            "id": mr.id,
            "iid": mr.iid,
            "project_id": project.id,
            "title": mr.title,
            "description": mr.description,
            "state": mr.state,
            "created_at": time(mr.created_at),
            "updated_at": time(mr.updated_at),
            "merged_by": mr.merged_by.map(|id| self.user_by_id(id)).unwrap_or(Value::Null),
            "merge_user": mr.merged_by.map(|id| self.user_by_id(id)).unwrap_or(Value::Null),
            "merged_at": opt_time(mr.merged_at),
            "closed_by": mr.closed_by.map(|id| self.user_by_id(id)).unwrap_or(Value::Null),
            "closed_at": opt_time(mr.closed_at),
            "target_branch": "main",
            "source_branch": mr.source_branch,
            "user_notes_count": 0,
            "upvotes": 0,
            "downvotes": 0,
        });
        merge(
            &mut value,
            json!({
            "author": author,
            "assignees": [],
            "assignee": null,
            "reviewers": [],
            "source_project_id": project.id,
            "target_project_id": project.id,
            "labels": [],
            "draft": false,
            "imported": false,
            "imported_from": "none",
            "work_in_progress": false,
            "milestone": null,
            "merge_when_pipeline_succeeds": false,
            "merge_status": if merged { "can_be_merged" } else { "unchecked" },
            "detailed_merge_status": if merged { "not_open" } else { "mergeable" },
            "merge_after": null,
            "sha": format!("{:040x}", mr.id),
            "merge_commit_sha": merged.then(|| format!("{:040x}", mr.id + 1)),
            "squash_commit_sha": null,
            "discussion_locked": null,
            "should_remove_source_branch": null,
            "force_remove_source_branch": true,
            "prepared_at": time(mr.created_at),
            "reference": format!("!{}", mr.iid),
            "references": {
                "short": format!("!{}", mr.iid),
                "relative": format!("!{}", mr.iid),
                "full": format!("{}!{}", project.full_path, mr.iid),
            },
            "web_url": format!("{}/{}/-/merge_requests/{}", self.web, project.full_path, mr.iid),
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": null,
                "human_total_time_spent": null,
            },
            "squash": false,
            "squash_on_merge": false,
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_conflicts": false,
            "blocking_discussions_resolved": true,
            }),
        );
        value
    }
}

/// Checklist items in a description (`- [ ]` and `- [x]`): how many, how many done.
fn task_list(description: &str) -> (usize, usize) {
    let mut count = 0;
    let mut done = 0;
    for line in description.lines() {
        let line = line.trim_start();
        let rest = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("* "))
            .unwrap_or_default();
        if rest.starts_with("[ ]") {
            count += 1;
        } else if rest.starts_with("[x]") || rest.starts_with("[X]") {
            count += 1;
            done += 1;
        }
    }
    (count, done)
}

/// Adds the keys of `extra` to the object `value`.
pub fn merge(value: &mut Value, extra: Value) {
    if let (Some(object), Value::Object(extra)) = (value.as_object_mut(), extra) {
        object.extend(extra);
    }
}
