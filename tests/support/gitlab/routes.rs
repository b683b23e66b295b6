//! The REST endpoints under `/api/v4`: turns one authenticated request (method, path
//! segments, parameters from the query and a JSON or form body) into a change of the instance
//! and GitLab's answer, including its offset pagination headers and its application limits on
//! creating issues and notes. Merge requests are read only, through the issue's `closed_by`.
//!
//! Routes see the caller, the state and the limits, nothing else: authentication, the request
//! limit, faults and the request log belong to the server around them.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::limits::{Limits, Window, retry_after};
use super::render::Renderer;
use super::state::{Instance, IssueChange, Project, Refusal};
use crate::support::http::query::{Query, decode};
use crate::support::http::reply::Reply;

/// `{"message": "..."}`, GitLab's shape for most errors.
pub fn message(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({ "message": message }))
}

/// `{"error": "..."}`, GitLab's shape for a parameter that fails validation (400) and an
/// unknown route (404).
pub fn error(status: u16, error: &str) -> Reply {
    Reply::json(status, json!({ "error": error }))
}

pub fn unauthorized() -> Reply {
    message(401, "401 Unauthorized")
}

fn forbidden() -> Reply {
    message(403, "403 Forbidden")
}

fn project_not_found() -> Reply {
    message(404, "404 Project Not Found")
}

fn not_found() -> Reply {
    message(404, "404 Not found")
}

fn refused(refusal: Refusal) -> Reply {
    match refusal {
        Refusal::Forbidden => forbidden(),
        Refusal::NoIssue => not_found(),
        Refusal::Invalid(problem) => error(400, &problem),
        Refusal::Unprocessable(field, problem) => {
            Reply::json(400, json!({ "message": { field: [problem] } }))
        }
    }
}

/// An application limit's 429, with `Retry-After`.
fn too_many(wait: std::time::Duration) -> Reply {
    Reply::json(
        429,
        json!({"message": {"error": "This endpoint has been requested too many times. Try again later."}}),
    )
    .with_header("retry-after", retry_after(wait).to_string())
}

/// Everything a route needs to know about the request.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path as sent, still encoded (`/api/v4/projects/acme%2Fweb/issues`), for `Link`.
    pub raw_path: &'a str,
    /// Decoded path segments relative to `/api/v4`.
    pub segments: Vec<String>,
    pub query: Query,
    /// The parameters: the query's, then the body's (JSON or form) over them, as Grape merges
    /// them.
    pub params: Map<String, Value>,
    /// The instance's root, `http://127.0.0.1:PORT`.
    pub web: &'a str,
    pub caller: Option<u64>,
    /// Beyond this many records a list leaves out its totals and `last` link.
    pub max_counted: usize,
}

/// The parameters of a request: query pairs, then the body's (a JSON object, or a form)
/// over them. `key[]` pairs collect into an array under `key`. `Err` for a body that is
/// neither.
pub fn params_of(query: &Query, body: &[u8], content_type: &str) -> Result<Map<String, Value>, ()> {
    let mut params = form_pairs(&query.raw);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    let json = content_type.contains("json") || body.first() == Some(&b'{');
    let from_body = if json {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => object,
            _ => return Err(()),
        }
    } else {
        form_pairs(&Query::parse(&String::from_utf8_lossy(body)).raw)
    };
    params.extend(from_body);
    Ok(params)
}

fn form_pairs(raw: &[(String, String)]) -> Map<String, Value> {
    let mut params = Map::new();
    for (key, value) in raw {
        let key = decode(key);
        let value = Value::String(decode(value));
        match key.strip_suffix("[]") {
            Some(name) => match params
                .entry(name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![value]),
            },
            None => {
                params.insert(key, value);
            }
        }
    }
    params
}

/// Answers one request, changing `instance` for writes.
pub fn answer(instance: &mut Instance, limits: &mut Limits, req: &Request) -> Reply {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let method = req.method;
    match segs.as_slice() {
        ["user"] => only(method, "GET", || current_user(instance, req)),
        ["users"] => only(method, "GET", || list_users(instance, req)),
        ["projects", id, rest @ ..] => {
            let Some(p) = instance.project_index(id) else {
                return project_not_found();
            };
            if !instance.can_read(&instance.projects[p], req.caller) {
                return project_not_found();
            }
            project_route(instance, limits, req, p, rest)
        }
        _ => error(404, "404 Not Found"),
    }
}

/// `route()` for `expected`, 405 for another method.
fn only(method: &str, expected: &str, route: impl FnOnce() -> Reply) -> Reply {
    if method == expected {
        route()
    } else {
        error(405, "405 Method Not Allowed")
    }
}

fn project_route(
    instance: &mut Instance,
    limits: &mut Limits,
    req: &Request,
    p: usize,
    rest: &[&str],
) -> Reply {
    let method = req.method;
    match rest {
        ["members", "all", user] => only(method, "GET", || member(instance, req, p, user)),
        ["issues", more @ ..] => {
            if !instance.projects[p].issues_enabled {
                return forbidden();
            }
            match more {
                [] => match method {
                    "GET" => list_issues(instance, req, p),
                    "POST" => create_issue(instance, limits, req, p),
                    _ => error(405, "405 Method Not Allowed"),
                },
                [iid, tail @ ..] => {
                    let Ok(iid) = iid.parse::<u64>() else {
                        return error(400, "issue_iid is invalid");
                    };
                    match (tail, method) {
                        ([], "GET") => get_issue(instance, req, p, iid),
                        ([], "PUT") => update_issue(instance, req, p, iid),
                        (["notes"], "GET") => list_notes(instance, req, p, iid),
                        (["notes"], "POST") => create_note(instance, limits, req, p, iid),
                        (["closed_by"], "GET") => closed_by(instance, req, p, iid),
                        ([] | ["notes"] | ["closed_by"], _) => error(405, "405 Method Not Allowed"),
                        _ => error(404, "404 Not Found"),
                    }
                }
            }
        }
        _ => error(404, "404 Not Found"),
    }
}

fn current_user(instance: &Instance, req: &Request) -> Reply {
    match req.caller.and_then(|id| instance.user(id)) {
        Some(user) => {
            let render = Renderer {
                web: req.web,
                instance,
            };
            Reply::json(200, render.current_user(user))
        }
        None => unauthorized(),
    }
}

fn list_users(instance: &Instance, req: &Request) -> Reply {
    let render = Renderer {
        web: req.web,
        instance,
    };
    let users: Vec<_> = match string_param(&req.params, "username") {
        Some(name) => instance.user_named(&name).into_iter().collect(),
        None => instance.users.iter().collect(),
    };
    paginate(&users, req, &[], |u| render.user_basic(u))
}

fn member(instance: &Instance, req: &Request, p: usize, user: &str) -> Reply {
    let Ok(user) = user.parse::<u64>() else {
        return error(400, "user_id is invalid");
    };
    let project = &instance.projects[p];
    match (instance.user(user), instance.access(project, user)) {
        (Some(u), Some(level)) => {
            let render = Renderer {
                web: req.web,
                instance,
            };
            Reply::json(200, render.member(u, level))
        }
        _ => not_found(),
    }
}

/// A parameter as a string (numbers too); `None` when absent or null.
fn string_param(params: &Map<String, Value>, key: &str) -> Option<String> {
    match params.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list parameter given as an array or as a comma-separated string.
fn list_param(params: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    let items: Vec<String> = match params.get(key)? {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .flat_map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        Value::Number(n) => vec![n.to_string()],
        Value::Null => Vec::new(),
        _ => return Some(vec!["\u{0}".to_string()]),
    };
    Some(
        items
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// `assignee_ids`: user ids as an array or a comma-separated string; `0` or empty unassigns.
fn ids_param(params: &Map<String, Value>, key: &str) -> Result<Option<Vec<u64>>, Reply> {
    let Some(items) = list_param(params, key) else {
        return Ok(None);
    };
    let mut ids = Vec::new();
    for item in items {
        match item.parse::<u64>() {
            Ok(0) => {}
            Ok(id) => ids.push(id),
            Err(_) => return Err(error(400, &format!("{key} is invalid"))),
        }
    }
    Ok(Some(ids))
}

/// A validated choice among `values`, or `default`.
fn choice(
    params: &Map<String, Value>,
    key: &str,
    values: &[&str],
    default: &str,
) -> Result<String, Reply> {
    match string_param(params, key) {
        None => Ok(default.to_string()),
        Some(v) if values.contains(&v.as_str()) => Ok(v),
        Some(_) => Err(error(400, &format!("{key} does not have a valid value"))),
    }
}

fn time_param(params: &Map<String, Value>, key: &str) -> Result<Option<DateTime<Utc>>, Reply> {
    let Some(text) = string_param(params, key) else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map(|d| Some(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
        })
        .map_err(|_| error(400, &format!("{key} is invalid")))
}

fn positive_param(params: &Map<String, Value>, key: &str) -> Result<Option<usize>, Reply> {
    match string_param(params, key) {
        None => Ok(None),
        Some(v) => v
            .parse::<usize>()
            .map(Some)
            .map_err(|_| error(400, &format!("{key} is invalid"))),
    }
}

const ORDER_BY: &[&str] = &[
    "created_at",
    "due_date",
    "label_priority",
    "milestone_due",
    "popularity",
    "priority",
    "relative_position",
    "title",
    "updated_at",
    "weight",
];

fn list_issues(instance: &Instance, req: &Request, p: usize) -> Reply {
    match filter_issues(instance, req, p) {
        Ok(reply) => reply,
        Err(reply) => reply,
    }
}

fn filter_issues(instance: &Instance, req: &Request, p: usize) -> Result<Reply, Reply> {
    let params = &req.params;
    let state = choice(params, "state", &["opened", "closed", "all"], "all")?;
    let order_by = choice(params, "order_by", ORDER_BY, "created_at")?;
    let sort = choice(params, "sort", &["asc", "desc"], "desc")?;
    let scope = choice(
        params,
        "scope",
        &[
            "created_by_me",
            "assigned_to_me",
            "created-by-me",
            "assigned-to-me",
            "all",
        ],
        "all",
    )?;
    let labels = list_param(params, "labels");
    let author = string_param(params, "author_username");
    let author_id = positive_param(params, "author_id")?;
    let iids = ids_param(params, "iids")?;
    let updated_after = time_param(params, "updated_after")?;
    let updated_before = time_param(params, "updated_before")?;
    let created_after = time_param(params, "created_after")?;
    let created_before = time_param(params, "created_before")?;
    let author_of = |id: u64| instance.user(id).map(|u| u.username.as_str());
    let project = &instance.projects[p];
    let mut issues: Vec<_> = project
        .issues
        .iter()
        .filter(|i| match state.as_str() {
            "opened" => i.open,
            "closed" => !i.open,
            _ => true,
        })
        .filter(|i| match labels.as_deref() {
            None | Some([]) => true,
            Some([only]) if only.eq_ignore_ascii_case("none") => i.labels.is_empty(),
            Some([only]) if only.eq_ignore_ascii_case("any") => !i.labels.is_empty(),
            Some(wanted) => wanted.iter().all(|w| i.labels.contains(w)),
        })
        .filter(|i| {
            author
                .as_deref()
                .is_none_or(|a| author_of(i.author).is_some_and(|n| n.eq_ignore_ascii_case(a)))
        })
        .filter(|i| author_id.is_none_or(|a| i.author == a as u64))
        .filter(|i| iids.as_ref().is_none_or(|ids| ids.contains(&i.iid)))
        .filter(|i| match scope.as_str() {
            "created_by_me" | "created-by-me" => Some(i.author) == req.caller,
            "assigned_to_me" | "assigned-to-me" => {
                req.caller.is_some_and(|c| i.assignees.contains(&c))
            }
            _ => true,
        })
        .filter(|i| updated_after.is_none_or(|t| i.updated_at >= t))
        .filter(|i| updated_before.is_none_or(|t| i.updated_at <= t))
        .filter(|i| created_after.is_none_or(|t| i.created_at >= t))
        .filter(|i| created_before.is_none_or(|t| i.created_at <= t))
        .collect();
    sort_as_asked(&mut issues, &sort, |a, b| {
        match order_by.as_str() {
            "updated_at" => a.updated_at.cmp(&b.updated_at),
            "title" => a.title.cmp(&b.title),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then(a.id.cmp(&b.id))
    });
    let render = Renderer {
        web: req.web,
        instance,
    };
    let defaults = [
        ("order_by", "created_at"),
        ("sort", "desc"),
        ("state", "all"),
        ("with_labels_details", "false"),
    ];
    Ok(paginate(&issues, req, &defaults, |i| {
        render.issue(project, i, false)
    }))
}

/// Sorts `items` by `ascending`, reversed unless `sort` is `asc`.
fn sort_as_asked<T>(items: &mut [&T], sort: &str, ascending: impl Fn(&T, &T) -> Ordering) {
    items.sort_by(|a, b| {
        let ordering = ascending(a, b);
        if sort == "asc" {
            ordering
        } else {
            ordering.reverse()
        }
    });
}

/// One page of `items` as GitLab's offset pagination cuts it (20 a page unless `per_page`
/// says, at most 100), with its headers: `x-page`, `x-per-page`, `x-next-page` and
/// `x-prev-page` (empty when there is none), `x-total` and `x-total-pages` (at least 1), and
/// `Link` with `prev`, `next`, `first` and `last` as absolute URLs whose query holds every
/// parameter (the declared `defaults` and the path's `id` too) sorted by name, as Rails'
/// `to_query` writes it. Beyond `max_counted` items (GitLab: 10,000) the totals and `last`
/// are left out.
fn paginate<T>(
    items: &[T],
    req: &Request,
    defaults: &[(&str, &str)],
    render: impl Fn(&T) -> Value,
) -> Reply {
    let per_page = match positive_param(&req.params, "per_page") {
        Ok(n) => n.filter(|n| *n > 0).unwrap_or(20).min(100),
        Err(reply) => return reply,
    };
    let page = match positive_param(&req.params, "page") {
        Ok(n) => n.filter(|n| *n > 0).unwrap_or(1),
        Err(reply) => return reply,
    };
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let body = Value::Array(items[start..end].iter().map(render).collect());
    let next = (page < total_pages).then_some(page + 1);
    let prev = (page > 1 && page <= total_pages).then(|| page - 1);
    let counted = total <= req.max_counted;
    let mut params: Vec<(String, Value)> = defaults
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    params.retain(|(k, _)| !req.params.contains_key(k));
    params.extend(
        req.params
            .iter()
            .filter(|(k, _)| *k != "page" && *k != "per_page")
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    if req.segments.first().map(String::as_str) == Some("projects") {
        if let Some(id) = req.segments.get(1) {
            params.push(("id".to_string(), Value::String(id.clone())));
        }
    }
    params.push(("per_page".to_string(), Value::String(per_page.to_string())));
    let href = |page: usize| {
        let mut pairs: Vec<String> = params.iter().flat_map(|(k, v)| to_query(k, v)).collect();
        pairs.push(format!("page={page}"));
        pairs.sort();
        format!("<{}{}?{}>", req.web, req.raw_path, pairs.join("&"))
    };
    let mut links = Vec::new();
    if let Some(prev) = prev {
        links.push(format!("{}; rel=\"prev\"", href(prev)));
    }
    if let Some(next) = next {
        links.push(format!("{}; rel=\"next\"", href(next)));
    }
    links.push(format!("{}; rel=\"first\"", href(1)));
    if counted {
        links.push(format!("{}; rel=\"last\"", href(total_pages)));
    }
    let show = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut reply = Reply::json(200, body)
        .with_header("link", links.join(", "))
        .with_header("x-next-page", show(next))
        .with_header("x-page", page.to_string())
        .with_header("x-per-page", per_page.to_string())
        .with_header("x-prev-page", show(prev));
    if counted {
        reply = reply
            .with_header("x-total", total.to_string())
            .with_header("x-total-pages", total_pages.to_string());
    }
    reply
}

/// One parameter as Rails' `to_query` writes it: `key=value`, or `key%5B%5D=item` for each
/// item of an array, both escaped as `CGI.escape` does.
fn to_query(key: &str, value: &Value) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| {
                format!(
                    "{}={}",
                    cgi_escape(&format!("{key}[]")),
                    cgi_escape(&text(item))
                )
            })
            .collect(),
        other => vec![format!("{}={}", cgi_escape(key), cgi_escape(&text(other)))],
    }
}

/// Ruby's `CGI.escape`: unreserved characters kept, a space as `+`, the rest `%XX`.
fn cgi_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn get_issue(instance: &Instance, req: &Request, p: usize, iid: u64) -> Reply {
    let project = &instance.projects[p];
    match project.issue(iid) {
        Some(issue) => {
            let render = Renderer {
                web: req.web,
                instance,
            };
            Reply::json(200, render.issue(project, issue, true))
        }
        None => not_found(),
    }
}

/// Admits one event of an application limit for the caller, or its 429.
fn admit(window: &mut Window, caller: u64) -> Result<(), Reply> {
    window.admit(&caller.to_string()).map_err(too_many)
}

fn create_issue(instance: &mut Instance, limits: &mut Limits, req: &Request, p: usize) -> Reply {
    let Some(caller) = req.caller else {
        return unauthorized();
    };
    if let Err(reply) = admit(&mut limits.issue_creation, caller) {
        return reply;
    }
    let params = &req.params;
    let Some(title) = string_param(params, "title") else {
        return error(400, "title is missing");
    };
    let description = string_param(params, "description");
    let labels = list_param(params, "labels").unwrap_or_default();
    let assignees = match ids_param(params, "assignee_ids") {
        Ok(ids) => ids.unwrap_or_default(),
        Err(reply) => return reply,
    };
    match instance.create_issue(p, caller, &title, description, labels, assignees) {
        Ok(iid) => {
            let mut reply = get_issue(instance, req, p, iid);
            reply.status = 201;
            reply
        }
        Err(refusal) => refused(refusal),
    }
}

/// The parameters a PUT may carry; GitLab wants at least one of them.
const UPDATE_PARAMS: &[&str] = &[
    "assignee_id",
    "assignee_ids",
    "confidential",
    "created_at",
    "description",
    "discussion_locked",
    "due_date",
    "labels",
    "add_labels",
    "remove_labels",
    "milestone_id",
    "state_event",
    "title",
    "issue_type",
    "weight",
    "epic_id",
    "epic_iid",
];

fn update_issue(instance: &mut Instance, req: &Request, p: usize, iid: u64) -> Reply {
    let Some(caller) = req.caller else {
        return unauthorized();
    };
    let params = &req.params;
    if !UPDATE_PARAMS.iter().any(|k| params.contains_key(*k)) {
        return error(
            400,
            &format!(
                "{} are missing, at least one parameter must be provided",
                UPDATE_PARAMS.join(", ")
            ),
        );
    }
    let open = match choice(params, "state_event", &["close", "reopen"], "") {
        Ok(event) => match event.as_str() {
            "close" => Some(false),
            "reopen" => Some(true),
            _ => None,
        },
        Err(reply) => return reply,
    };
    let assignees = match ids_param(params, "assignee_ids") {
        Ok(ids) => ids,
        Err(reply) => return reply,
    };
    let change = IssueChange {
        title: string_param(params, "title"),
        description: string_param(params, "description"),
        labels: list_param(params, "labels"),
        add_labels: list_param(params, "add_labels").unwrap_or_default(),
        remove_labels: list_param(params, "remove_labels").unwrap_or_default(),
        assignees,
        open,
    };
    match instance.update_issue(p, iid, caller, change) {
        Ok(()) => get_issue(instance, req, p, iid),
        Err(refusal) => refused(refusal),
    }
}

fn list_notes(instance: &Instance, req: &Request, p: usize, iid: u64) -> Reply {
    let project: &Project = &instance.projects[p];
    let Some(issue) = project.issue(iid) else {
        return not_found();
    };
    let params = &req.params;
    let order_by = match choice(
        params,
        "order_by",
        &["created_at", "updated_at"],
        "created_at",
    ) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let sort = match choice(params, "sort", &["asc", "desc"], "desc") {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let mut notes: Vec<_> = issue.notes.iter().collect();
    sort_as_asked(&mut notes, &sort, |a, b| {
        match order_by.as_str() {
            "updated_at" => a.updated_at.cmp(&b.updated_at),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then(a.id.cmp(&b.id))
    });
    let render = Renderer {
        web: req.web,
        instance,
    };
    let defaults = [("order_by", "created_at"), ("sort", "desc")];
    paginate(&notes, req, &defaults, |n| render.note(project, issue, n))
}

/// The merge requests that close issue `iid` when merged, whatever their state, newest first
/// (`MergeRequestsFinder`'s default order), paginated.
fn closed_by(instance: &Instance, req: &Request, p: usize, iid: u64) -> Reply {
    let project: &Project = &instance.projects[p];
    if project.issue(iid).is_none() {
        return not_found();
    }
    let mut closing: Vec<_> = (project.merge_requests.iter())
        .filter(|m| m.closes.contains(&iid))
        .collect();
    sort_as_asked(&mut closing, "desc", |a, b| {
        a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id))
    });
    let render = Renderer {
        web: req.web,
        instance,
    };
    paginate(&closing, req, &[], |m| {
        render.merge_request_basic(project, m)
    })
}

fn create_note(
    instance: &mut Instance,
    limits: &mut Limits,
    req: &Request,
    p: usize,
    iid: u64,
) -> Reply {
    let Some(caller) = req.caller else {
        return unauthorized();
    };
    if instance.projects[p].issue(iid).is_none() {
        return not_found();
    }
    if let Err(reply) = admit(&mut limits.note_creation, caller) {
        return reply;
    }
    let Some(body) = string_param(&req.params, "body") else {
        return error(400, "body is missing");
    };
    match instance.add_note(p, iid, caller, &body) {
        Ok(id) => {
            let project = &instance.projects[p];
            let issue = project.issue(iid).expect("the note's issue exists");
            let note = issue
                .notes
                .iter()
                .find(|n| n.id == id)
                .expect("the note was added");
            let render = Renderer {
                web: req.web,
                instance,
            };
            Reply::json(201, render.note(project, issue, note))
        }
        Err(refusal) => refused(refusal),
    }
}
