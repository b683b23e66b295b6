//! The REST endpoints: turns one authenticated request (method, path segments, query, JSON
//! body) into a change of the repository state and GitHub's JSON answer.
//!
//! Routes see the caller's account and the state, nothing else: authentication, rate limits,
//! ETags, faults and the request log belong to the server around them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::render::{Renderer, merge, private_user};
use super::state::{Account, Github, Invalid, IssueChange, Scope, Site};
use crate::support::http::query::{Query, encode_segment};
pub use crate::support::http::reply::Reply;

/// GitHub's error shape: `message`, `documentation_url` and the status as a string.
pub fn message(status: u16, message: &str, documentation_url: &str) -> Reply {
    Reply::json(
        status,
        json!({
            "message": message,
            "documentation_url": documentation_url,
            "status": status.to_string(),
        }),
    )
}

pub fn not_found() -> Reply {
    message(404, "Not Found", "https://docs.github.com/rest")
}

/// 422 "Validation Failed" with one error describing `invalid`.
pub fn validation_failed(invalid: Invalid, documentation_url: &str) -> Reply {
    let error = match invalid {
        Invalid::Custom {
            resource,
            field,
            message,
        } => {
            json!({"resource": resource, "code": "custom", "field": field, "message": message})
        }
        Invalid::Missing { resource, field } => {
            json!({"resource": resource, "code": "missing_field", "field": field})
        }
        Invalid::Value {
            resource,
            field,
            value,
        } => json!({"resource": resource, "field": field, "code": "invalid", "value": value}),
        Invalid::Exists { resource, field } => {
            json!({"resource": resource, "code": "already_exists", "field": field})
        }
    };
    Reply::json(
        422,
        json!({
            "message": "Validation Failed",
            "errors": [error],
            "documentation_url": documentation_url,
            "status": "422",
        }),
    )
}

/// Everything a route needs to know about the request besides its body.
pub struct Request<'a> {
    pub method: &'a str,
    /// Decoded path segments relative to the API root.
    pub segments: Vec<String>,
    pub query: Query,
    pub body: &'a [u8],
    /// The emulator's API root, e.g. `http://127.0.0.1:PORT` or `.../api/v3`.
    pub base: &'a str,
    pub caller: Option<&'a Account>,
}

const DOC_CREATE_ISSUE: &str = "https://docs.github.com/rest/issues/issues#create-an-issue";
const DOC_UPDATE_ISSUE: &str = "https://docs.github.com/rest/issues/issues#update-an-issue";
const DOC_COMMENT: &str = "https://docs.github.com/rest/issues/comments#create-an-issue-comment";
const DOC_LABEL: &str = "https://docs.github.com/rest/issues/labels#create-a-label";
const DOC_ADD_LABELS: &str = "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue";
const DOC_MILESTONE: &str = "https://docs.github.com/rest/issues/milestones#create-a-milestone";

/// Answers one request, changing a repository for writes: `/repos/{owner}/{name}/...` (the
/// names matched without regard to case) or `/repositories/{id}/...` reach it; a repository
/// the emulator does not host answers 404, as GitHub answers for one the caller cannot see.
pub fn answer(github: &mut Github, req: Request) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let method = req.method;
    let (index, rest) = match segs.as_slice() {
        ["user"] if method == "GET" => return get_user(&github.site, &req),
        ["rate_limit"] => return not_found(), // answered by the server, which owns the budgets
        ["repos", owner, name, rest @ ..] => (github.find(owner, name), rest),
        ["repositories", id, rest @ ..] => (
            id.parse::<u64>().ok().and_then(|id| github.find_id(id)),
            rest,
        ),
        _ => return not_found(),
    };
    let Some(index) = index else {
        return not_found();
    };
    let mut s = github.scope(index);
    let member = req.caller.map(|account| s.repo.member(account));
    // From here on the path is in the form GitHub's `Link` URLs use.
    let segments: Vec<String> = ["repositories".to_string(), s.repo.id.to_string()]
        .into_iter()
        .chain(rest.iter().map(|r| r.to_string()))
        .collect();
    let req = Request {
        segments,
        caller: member.as_ref(),
        ..req
    };
    let rest: Vec<&str> = req.segments[2..].iter().map(String::as_str).collect();
    repo_route(&mut s, &req, &rest)
}

fn get_user(site: &Site, req: &Request) -> Reply {
    let Some(caller) = req.caller else {
        return message(
            401,
            "Requires authentication",
            "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        );
    };
    if caller.user_forbidden {
        return message(
            403,
            "Resource not accessible by integration",
            "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        );
    }
    match site.user(&caller.login) {
        Some(user) => Reply::json(200, private_user(req.base, user)),
        None => not_found(),
    }
}

fn repo_route(s: &mut Scope, req: &Request, rest: &[&str]) -> Reply {
    let method = req.method;
    let push = req.caller.is_some_and(|c| c.push);
    match rest {
        [] if method == "GET" => {
            let r = Renderer::new(req.base, s);
            Reply::json(200, r.repository(push))
        }
        ["issues"] if method == "GET" => list_issues(s, req),
        ["issues"] if method == "POST" => create_issue(s, req),
        ["issues", n] => match (n.parse::<u64>(), method) {
            (Ok(n), "GET") => get_issue(s, req, n),
            (Ok(n), "PATCH") => update_issue(s, req, n),
            _ => not_found(),
        },
        ["issues", n, "comments"] => match (n.parse::<u64>(), method) {
            (Ok(n), "GET") => list_comments(s, req, n),
            (Ok(n), "POST") => create_comment(s, req, n),
            _ => not_found(),
        },
        ["issues", n, "timeline"] => match (n.parse::<u64>(), method) {
            (Ok(n), "GET") => list_timeline(s, req, n),
            _ => not_found(),
        },
        ["issues", n, "labels"] => match (n.parse::<u64>(), method) {
            (Ok(n), "GET") => match s.repo.issue(n) {
                Some(issue) => {
                    let r = Renderer::new(req.base, s);
                    paginate(&issue.labels, req, |l| r.label_by_name(l))
                }
                None => not_found(),
            },
            (Ok(n), "POST") => add_issue_labels(s, req, n),
            _ => not_found(),
        },
        ["issues", n, "labels", name] => match (n.parse::<u64>(), method) {
            (Ok(n), "DELETE") => remove_issue_label(s, req, n, name),
            _ => not_found(),
        },
        ["labels"] if method == "GET" => {
            let r = Renderer::new(req.base, s);
            paginate(&s.repo.labels, req, |l| r.label(l))
        }
        ["labels"] if method == "POST" => create_label(s, req),
        ["labels", name] if method == "GET" => match s.repo.label(name) {
            Some(label) => {
                let r = Renderer::new(req.base, s);
                Reply::json(200, r.label(label))
            }
            None => not_found(),
        },
        ["milestones"] if method == "GET" => list_milestones(s, req),
        ["milestones"] if method == "POST" => create_milestone(s, req),
        ["milestones", n] if method == "GET" => {
            let found = n
                .parse::<u64>()
                .ok()
                .and_then(|n| s.repo.milestones.iter().find(|m| m.number == n));
            match found {
                Some(m) => {
                    let r = Renderer::new(req.base, s);
                    Reply::json(200, r.milestone(m))
                }
                None => not_found(),
            }
        }
        ["assignees", login] if method == "GET" => match s.assignable(login) {
            Some(_) => Reply::empty(204),
            None => not_found(),
        },
        _ => not_found(),
    }
}

/// One page of `items` as GitHub cuts it, with a `Link` header of absolute URLs under
/// `/repositories/{id}`.
/// Only the page's items are rendered, so listing thousands of issues stays linear.
fn paginate<T>(items: &[T], req: &Request, render: impl Fn(&T) -> Value) -> Reply {
    let per_page = req
        .query
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(30)
        .min(100);
    let page = req
        .query
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let last = items.len().div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(items.len());
    let end = start.saturating_add(per_page).min(items.len());
    let body = Value::Array(items[start..end].iter().map(render).collect());
    let mut reply = Reply::json(200, body);
    let path: String = {
        let segs: Vec<String> = req.segments.iter().map(|s| encode_segment(s)).collect();
        format!("{}/{}", req.base, segs.join("/"))
    };
    let link = |p: usize, rel: &str| format!("<{path}?{}>; rel=\"{rel}\"", req.query.with_page(p));
    let mut links = Vec::new();
    if page > 1 {
        links.push(link((page - 1).min(last), "prev"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
    }
    if !links.is_empty() {
        reply = reply.with_header("link", links.join(", "));
    }
    reply
}

fn parse_body(req: &Request) -> Result<Value, Reply> {
    if req.body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(req.body)
        .map_err(|_| message(400, "Problems parsing JSON", "https://docs.github.com/rest"))
}

fn require_caller<'a>(req: &Request<'a>) -> Result<&'a Account, Reply> {
    req.caller.ok_or_else(|| {
        message(
            401,
            "Requires authentication",
            "https://docs.github.com/rest",
        )
    })
}

/// `labels` given as names or as `{"name": ...}` objects.
fn label_names(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A title may be a string or an integer.
fn title_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A milestone given as a number or a numeric string; `Some(None)` for an explicit null.
fn milestone_of(value: &Value) -> Result<Option<u64>, Value> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_u64().map(Some).ok_or(value.clone()),
        Value::String(s) => s.parse().map(Some).map_err(|_| value.clone()),
        _ => Err(value.clone()),
    }
}

fn list_issues(s: &Scope, req: &Request) -> Reply {
    let q = &req.query;
    let state = q.get("state").unwrap_or_else(|| "open".to_string());
    if !["open", "closed", "all"].contains(&state.as_str()) {
        return validation_failed(
            Invalid::Value {
                resource: "Issue",
                field: "state",
                value: Value::String(state),
            },
            "https://docs.github.com/rest/issues/issues#list-repository-issues",
        );
    }
    let since = match q.get("since") {
        Some(s) => match DateTime::parse_from_rfc3339(&s.replace(' ', "+")) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                return validation_failed(
                    Invalid::Value {
                        resource: "Issue",
                        field: "since",
                        value: Value::String(s),
                    },
                    "https://docs.github.com/rest/issues/issues#list-repository-issues",
                );
            }
        },
        None => None,
    };
    let labels: Vec<String> = q
        .get("labels")
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let creator = q.get("creator");
    let assignee = q.get("assignee");
    let milestone = q.get("milestone");
    let mut issues: Vec<_> = s
        .repo
        .issues
        .iter()
        .filter(|i| match state.as_str() {
            "open" => i.open,
            "closed" => !i.open,
            _ => true,
        })
        .filter(|i| {
            labels
                .iter()
                .all(|l| i.labels.iter().any(|il| il.eq_ignore_ascii_case(l)))
        })
        .filter(|i| {
            creator
                .as_deref()
                .is_none_or(|c| i.author.eq_ignore_ascii_case(c))
        })
        .filter(|i| match assignee.as_deref() {
            None => true,
            Some("none") => i.assignees.is_empty(),
            Some("*") => !i.assignees.is_empty(),
            Some(a) => i.assignees.iter().any(|x| x.eq_ignore_ascii_case(a)),
        })
        .filter(|i| match milestone.as_deref() {
            None => true,
            Some("none") => i.milestone.is_none(),
            Some("*") => i.milestone.is_some(),
            Some(m) => m.parse::<u64>().ok() == i.milestone,
        })
        .filter(|i| since.is_none_or(|s| i.updated_at >= s))
        .collect();
    let sort = q.get("sort").unwrap_or_else(|| "created".to_string());
    let ascending = q.get("direction").as_deref() == Some("asc");
    issues.sort_by(|a, b| {
        let order = match sort.as_str() {
            "updated" => a.updated_at.cmp(&b.updated_at),
            "comments" => a.comments.len().cmp(&b.comments.len()),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then(a.number.cmp(&b.number));
        if ascending { order } else { order.reverse() }
    });
    let r = Renderer::new(req.base, s);
    paginate(&issues, req, |i| r.issue(i))
}

fn get_issue(s: &Scope, req: &Request, number: u64) -> Reply {
    match s.repo.issue(number) {
        Some(issue) => {
            let r = Renderer::new(req.base, s);
            Reply::json(200, r.issue(issue))
        }
        None => not_found(),
    }
}

fn create_issue(s: &mut Scope, req: &Request) -> Reply {
    let caller = match require_caller(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let Some(title) = body.get("title").and_then(title_of) else {
        return validation_failed(
            Invalid::Missing {
                resource: "Issue",
                field: "title",
            },
            DOC_CREATE_ISSUE,
        );
    };
    let text = body.get("body").and_then(Value::as_str).map(str::to_string);
    let labels = body.get("labels").map(label_names).unwrap_or_default();
    let mut assignees = body.get("assignees").map(string_list).unwrap_or_default();
    if let Some(one) = body.get("assignee").and_then(Value::as_str) {
        assignees.insert(0, one.to_string());
    }
    let milestone = match body.get("milestone").map(milestone_of) {
        None => None,
        Some(Ok(m)) => m,
        Some(Err(value)) => {
            return validation_failed(
                Invalid::Value {
                    resource: "Issue",
                    field: "milestone",
                    value,
                },
                DOC_CREATE_ISSUE,
            );
        }
    };
    match s.create_issue(caller, &title, text, labels, assignees, milestone, false) {
        Ok(number) => {
            let r = Renderer::new(req.base, s);
            let Some(issue) = s.repo.issue(number) else {
                return not_found();
            };
            let value = r.issue(issue);
            let location = value["url"].as_str().unwrap_or_default().to_string();
            Reply::json(201, value).with_header("location", location)
        }
        Err(invalid) => validation_failed(invalid, DOC_CREATE_ISSUE),
    }
}

fn update_issue(s: &mut Scope, req: &Request, number: u64) -> Reply {
    let caller = match require_caller(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let Some(issue) = s.repo.issue(number) else {
        return not_found();
    };
    if !caller.push && !issue.author.eq_ignore_ascii_case(&caller.login) {
        return message(
            403,
            "Must have admin rights to Repository.",
            DOC_UPDATE_ISSUE,
        );
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let mut change = IssueChange::default();
    if let Some(title) = body.get("title") {
        match title_of(title) {
            Some(t) => change.title = Some(t),
            None => {
                return validation_failed(
                    Invalid::Missing {
                        resource: "Issue",
                        field: "title",
                    },
                    DOC_UPDATE_ISSUE,
                );
            }
        }
    }
    if let Some(text) = body.get("body") {
        change.body = Some(text.as_str().map(str::to_string));
    }
    if let Some(state) = body.get("state") {
        change.open = match state.as_str() {
            Some("open") => Some(true),
            Some("closed") => Some(false),
            _ => {
                return validation_failed(
                    Invalid::Value {
                        resource: "Issue",
                        field: "state",
                        value: state.clone(),
                    },
                    DOC_UPDATE_ISSUE,
                );
            }
        };
    }
    if let Some(reason) = body.get("state_reason") {
        change.state_reason = Some(reason.as_str().map(str::to_string));
    }
    if let Some(labels) = body.get("labels") {
        change.labels = Some(label_names(labels));
    }
    if let Some(assignees) = body.get("assignees") {
        change.assignees = Some(string_list(assignees));
    } else if let Some(one) = body.get("assignee") {
        change.assignees = Some(string_list(one));
    }
    if let Some(milestone) = body.get("milestone") {
        match milestone_of(milestone) {
            Ok(m) => change.milestone = Some(m),
            Err(value) => {
                return validation_failed(
                    Invalid::Value {
                        resource: "Issue",
                        field: "milestone",
                        value,
                    },
                    DOC_UPDATE_ISSUE,
                );
            }
        }
    }
    match s.update_issue(caller, number, change) {
        Ok(true) => get_issue(s, req, number),
        Ok(false) => not_found(),
        Err(invalid) => validation_failed(invalid, DOC_UPDATE_ISSUE),
    }
}

fn list_comments(s: &Scope, req: &Request, number: u64) -> Reply {
    let Some(issue) = s.repo.issue(number) else {
        return not_found();
    };
    let r = Renderer::new(req.base, s);
    paginate(&issue.comments, req, |c| r.comment(issue, c))
}

/// The timeline: the issue's events and its comments (`commented`), oldest first.
fn list_timeline(s: &Scope, req: &Request, number: u64) -> Reply {
    let Some(issue) = s.repo.issue(number) else {
        return not_found();
    };
    let r = Renderer::new(req.base, s);
    let mut entries: Vec<(DateTime<Utc>, u64, Value)> = issue
        .events
        .iter()
        .map(|e| (e.created_at, e.id, r.timeline_event(e)))
        .collect();
    for c in &issue.comments {
        let mut comment = r.comment(issue, c);
        merge(
            &mut comment,
            json!({"event": "commented", "actor": r.user_by_login(&c.author)}),
        );
        entries.push((c.created_at, c.id, comment));
    }
    entries.sort_by_key(|(at, id, _)| (*at, *id));
    paginate(&entries, req, |(_, _, v)| v.clone())
}

fn create_comment(s: &mut Scope, req: &Request, number: u64) -> Reply {
    let caller = match require_caller(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let text = body.get("body").and_then(Value::as_str).unwrap_or_default();
    match s.add_comment(caller, number, text) {
        Ok(Some(comment)) => {
            let Some(issue) = s.repo.issue(number) else {
                return not_found();
            };
            let r = Renderer::new(req.base, s);
            let value = r.comment(issue, &comment);
            let location = value["url"].as_str().unwrap_or_default().to_string();
            Reply::json(201, value).with_header("location", location)
        }
        Ok(None) => not_found(),
        Err(invalid) => validation_failed(invalid, DOC_COMMENT),
    }
}

fn issue_labels(s: &Scope, req: &Request, number: u64) -> Reply {
    let Some(issue) = s.repo.issue(number) else {
        return not_found();
    };
    let r = Renderer::new(req.base, s);
    let labels: Vec<Value> = issue.labels.iter().map(|l| r.label_by_name(l)).collect();
    Reply::json(200, Value::Array(labels))
}

fn add_issue_labels(s: &mut Scope, req: &Request, number: u64) -> Reply {
    let caller = match require_caller(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if !caller.push {
        return message(403, "Must have admin rights to Repository.", DOC_ADD_LABELS);
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let names = match &body {
        Value::Object(o) => o.get("labels").map(label_names).unwrap_or_default(),
        other => label_names(other),
    };
    if names.is_empty() {
        return validation_failed(
            Invalid::Missing {
                resource: "Label",
                field: "labels",
            },
            DOC_ADD_LABELS,
        );
    }
    if !s.add_issue_labels(number, &names) {
        return not_found();
    }
    issue_labels(s, req, number)
}

fn remove_issue_label(s: &mut Scope, req: &Request, number: u64, name: &str) -> Reply {
    let caller = match require_caller(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if !caller.push {
        return message(403, "Must have admin rights to Repository.", DOC_ADD_LABELS);
    }
    match s.remove_issue_label(number, name) {
        Some(true) => issue_labels(s, req, number),
        Some(false) => message(
            404,
            "Label does not exist",
            "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue",
        ),
        None => not_found(),
    }
}

fn create_label(s: &mut Scope, req: &Request) -> Reply {
    let caller = match require_caller(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if !caller.push {
        return message(403, "Must have admin rights to Repository.", DOC_LABEL);
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let color = body.get("color").and_then(Value::as_str);
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    match s.create_label(name, color, description) {
        Ok(label) => {
            let r = Renderer::new(req.base, s);
            let value = r.label(&label);
            let location = value["url"].as_str().unwrap_or_default().to_string();
            Reply::json(201, value).with_header("location", location)
        }
        Err(invalid) => validation_failed(invalid, DOC_LABEL),
    }
}

fn list_milestones(s: &Scope, req: &Request) -> Reply {
    let state = req.query.get("state").unwrap_or_else(|| "open".to_string());
    let ascending = req.query.get("direction").as_deref() != Some("desc");
    let mut milestones: Vec<_> = s
        .repo
        .milestones
        .iter()
        .filter(|m| match state.as_str() {
            "closed" => !m.open,
            "all" => true,
            _ => m.open,
        })
        .collect();
    milestones.sort_by(|a, b| {
        let order = a
            .due_on
            .is_none()
            .cmp(&b.due_on.is_none())
            .then(a.due_on.cmp(&b.due_on))
            .then(a.number.cmp(&b.number));
        if ascending { order } else { order.reverse() }
    });
    let r = Renderer::new(req.base, s);
    paginate(&milestones, req, |m| r.milestone(m))
}

fn create_milestone(s: &mut Scope, req: &Request) -> Reply {
    let caller = match require_caller(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if !caller.push {
        return message(403, "Must have admin rights to Repository.", DOC_MILESTONE);
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let open = body.get("state").and_then(Value::as_str) != Some("closed");
    let due_on = match body.get("due_on").and_then(Value::as_str) {
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                return validation_failed(
                    Invalid::Value {
                        resource: "Milestone",
                        field: "due_on",
                        value: Value::String(s.to_string()),
                    },
                    DOC_MILESTONE,
                );
            }
        },
        None => None,
    };
    match s.create_milestone(&caller.login, title, description, open, due_on) {
        Ok(milestone) => {
            let r = Renderer::new(req.base, s);
            let value = r.milestone(&milestone);
            let location = value["url"].as_str().unwrap_or_default().to_string();
            Reply::json(201, value).with_header("location", location)
        }
        Err(invalid) => validation_failed(invalid, DOC_MILESTONE),
    }
}

/// `GET /rate_limit` for a budget: `resources.core` and the closing-down `rate`.
pub fn rate_limit_body(limit: u32, used: u32, reset: i64) -> Value {
    let core = json!({
        "limit": limit,
        "remaining": limit.saturating_sub(used),
        "reset": reset,
        "used": used,
        "resource": "core",
    });
    let other = |name: &str, limit: u32| json!({"limit": limit, "remaining": limit, "reset": reset, "used": 0, "resource": name});
    let rate = core.clone();
    json!({
        "resources": {
            "core": core,
            "search": other("search", 30),
            "graphql": other("graphql", 5000),
            "integration_manifest": other("integration_manifest", 5000),
            "code_search": other("code_search", 10),
        },
        "rate": rate,
    })
}
