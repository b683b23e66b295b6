//! Tests of the GitLab emulator itself: every endpoint and behaviour a GitLab client relies
//! on, driven over real HTTP with a plain client so that every header and body is seen as
//! sent, plus its answers checked against GitLab's published OpenAPI description. These tests
//! must not reach the network beyond 127.0.0.1. Several projects: `projects.rs`.

mod projects;

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::gitlab::{
    BOT_USERNAME, DEVELOPER, DEVELOPER_TOKEN, Fault, FaultKind, GUEST, GUEST_TOKEN, GitLab,
    ISSUES_DISABLED_ID, IssueChange, LoggedRequest, MAINTAINER, MAX_COUNTED, OUTSIDER_TOKEN, OWNER,
    OWNER_TOKEN, PROJECT_BOT_TOKEN, PROJECT_ID, PROJECT_PATH, PROJECT_SEGMENT, REJECTED_TOKEN,
    REPORTER, REPORTER_TOKEN, RandomFaults,
};
use crate::support::http::client::{self, Answer};
use crate::support::http::contract::{self, Deviation, Leniency};

const ISSUES: &str = "/projects/42/issues";

/// Sends `method /api/v4{path}` with the token as `PRIVATE-TOKEN` and a JSON body;
/// `None` when the connection was dropped.
async fn send(
    gl: &GitLab,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<Answer> {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(token) = token {
        headers.push(("private-token", token));
    }
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    client::send(
        gl.addr(),
        method,
        &format!("/api/v4{path}"),
        &headers,
        &body,
    )
    .await
}

async fn get(gl: &GitLab, path: &str, token: &str) -> Answer {
    send(gl, "GET", path, Some(token), None)
        .await
        .expect("an answer")
}

async fn post(gl: &GitLab, path: &str, token: &str, body: Value) -> Answer {
    send(gl, "POST", path, Some(token), Some(&body))
        .await
        .expect("an answer")
}

async fn put(gl: &GitLab, path: &str, token: &str, body: Value) -> Answer {
    send(gl, "PUT", path, Some(token), Some(&body))
        .await
        .expect("an answer")
}

/// The iids of a list answer, in order.
fn iids(answer: &Answer) -> Vec<u64> {
    answer
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["iid"].as_u64().expect("an iid"))
        .collect()
}

/// The pagination headers of an answer, in a fixed order.
fn page_headers(answer: &Answer) -> Vec<(&'static str, String)> {
    [
        "x-page",
        "x-per-page",
        "x-next-page",
        "x-prev-page",
        "x-total",
        "x-total-pages",
    ]
    .into_iter()
    .map(|name| {
        (
            name,
            answer
                .header(name)
                .map(str::to_string)
                .unwrap_or_else(|| "(absent)".to_string()),
        )
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_the_user_of_a_token_and_refuses_a_bad_or_missing_one() {
    let gl = GitLab::start().await;
    let me = get(&gl, "/user", OWNER_TOKEN).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        (&me.body["id"], &me.body["username"], &me.body["bot"]),
        (&json!(1), &json!("ada"), &json!(false))
    );
    assert_eq!(me.body["web_url"], format!("{}/ada", gl.url()));
    let bot = get(&gl, "/user", PROJECT_BOT_TOKEN).await;
    assert_eq!(
        (&bot.body["username"], &bot.body["bot"]),
        (&json!(BOT_USERNAME), &json!(true))
    );
    let bearer = client::send(
        gl.addr(),
        "GET",
        "/api/v4/user",
        &[("authorization", &format!("Bearer {DEVELOPER_TOKEN}"))],
        "",
    )
    .await
    .expect("an answer");
    assert_eq!(bearer.body["username"], "devon");
    for token in [Some(REJECTED_TOKEN), None] {
        let refused = send(&gl, "GET", "/user", token, None)
            .await
            .expect("an answer");
        assert_eq!(
            (refused.status, refused.body),
            (401, json!({"message": "401 Unauthorized"}))
        );
    }
    let refused = get(&gl, ISSUES, REJECTED_TOKEN).await;
    assert_eq!(refused.status, 401, "a bad token is refused everywhere");
    let statuses: Vec<(u16, bool)> = gl
        .requests()
        .iter()
        .map(|r| (r.status, r.counted))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (200, true),
            (200, true),
            (200, true),
            (401, false),
            (401, true),
            (401, false)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looks_up_users_by_username_without_regard_to_case() {
    let gl = GitLab::start().await;
    let found = get(&gl, "/users?username=DEVON", OWNER_TOKEN).await;
    assert_eq!(found.status, 200);
    assert_eq!(
        found.body,
        json!([{
            "id": 2,
            "username": "devon",
            "public_email": null,
            "name": "Devon Park",
            "state": "active",
            "locked": false,
            "avatar_url": "https://secure.gravatar.com/avatar/2?s=80&d=identicon",
            "web_url": format!("{}/devon", gl.url()),
        }])
    );
    let missing = get(&gl, "/users?username=nobody", OWNER_TOKEN).await;
    assert_eq!((missing.status, missing.body), (200, json!([])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_all_answers_inherited_access_levels_as_integers() {
    let gl = GitLab::start().await;
    let extra = gl.add_user("olive", None, Some(OWNER));
    let mut levels = Vec::new();
    for name in ["ada", "devon", "rita", "gus", BOT_USERNAME, "olive"] {
        let id = gl.user_id(name);
        let member = get(
            &gl,
            &format!("/projects/{PROJECT_SEGMENT}/members/all/{id}"),
            OWNER_TOKEN,
        )
        .await;
        assert_eq!(member.status, 200, "{name}");
        assert_eq!(member.body["username"], json!(name));
        levels.push(member.body["access_level"].clone());
    }
    assert_eq!(
        levels,
        [MAINTAINER, DEVELOPER, REPORTER, GUEST, MAINTAINER, OWNER]
            .map(|l| json!(l))
            .to_vec()
    );
    assert_eq!(extra, gl.user_id("olive"));
    let mallory = gl.user_id("mallory");
    let outsider = get(
        &gl,
        &format!("/projects/42/members/all/{mallory}"),
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(
        (outsider.status, outsider.body),
        (404, json!({"message": "404 Not found"}))
    );
    let bad = get(&gl, "/projects/42/members/all/rita", OWNER_TOKEN).await;
    assert_eq!(
        (bad.status, bad.body),
        (400, json!({"error": "user_id is invalid"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_a_project_by_id_or_encoded_path_and_answers_404_for_others() {
    let gl = GitLab::start().await;
    gl.seed_issue(OWNER_TOKEN, "One", "", &[]);
    for path in [
        "/projects/42/issues".to_string(),
        format!("/projects/{PROJECT_SEGMENT}/issues"),
        "/projects/ACME%2FPlatform%2FWeb/issues".to_string(),
    ] {
        let answer = get(&gl, &path, OWNER_TOKEN).await;
        assert_eq!((answer.status, iids(&answer)), (200, vec![1]), "{path}");
    }
    for path in [
        "/projects/acme%2Fplatform%2Fnope/issues",
        "/projects/999/issues",
    ] {
        let answer = get(&gl, path, OWNER_TOKEN).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"message": "404 Project Not Found"})),
            "{path}"
        );
    }
    let unknown = get(&gl, "/projects/42/boards", OWNER_TOKEN).await;
    assert_eq!(
        (unknown.status, unknown.body),
        (404, json!({"error": "404 Not Found"}))
    );
    let issue = get(&gl, "/projects/42/issues/1", OWNER_TOKEN).await;
    assert_eq!(
        issue.body["web_url"],
        format!("{}/{PROJECT_PATH}/-/issues/1", gl.url())
    );
    assert_eq!(
        issue.body["references"],
        json!({"short": "#1", "relative": "#1", "full": "acme/platform/web#1"})
    );
    let missing = get(&gl, "/projects/42/issues/7", OWNER_TOKEN).await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "404 Not found"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_with_issues_disabled_answers_403_on_every_issue_endpoint() {
    let gl = GitLab::start().await;
    let base = format!("/projects/{ISSUES_DISABLED_ID}");
    let forbidden = json!({"message": "403 Forbidden"});
    let answers = vec![
        get(&gl, &format!("{base}/issues?state=all"), OWNER_TOKEN).await,
        post(
            &gl,
            &format!("{base}/issues"),
            OWNER_TOKEN,
            json!({"title": "x"}),
        )
        .await,
        get(&gl, &format!("{base}/issues/1"), OWNER_TOKEN).await,
        put(
            &gl,
            &format!("{base}/issues/1"),
            OWNER_TOKEN,
            json!({"title": "y"}),
        )
        .await,
        get(&gl, &format!("{base}/issues/1/notes"), OWNER_TOKEN).await,
        post(
            &gl,
            &format!("{base}/issues/1/notes"),
            OWNER_TOKEN,
            json!({"body": "z"}),
        )
        .await,
    ];
    for answer in &answers {
        assert_eq!((answer.status, &answer.body), (403, &forbidden));
    }
    let member = get(&gl, &format!("{base}/members/all/1"), OWNER_TOKEN).await;
    assert_eq!(member.status, 200, "the project itself still answers");
    gl.set_issues_enabled(false);
    assert_eq!(get(&gl, ISSUES, OWNER_TOKEN).await.status, 403);
    gl.set_issues_enabled(true);
    assert_eq!(get(&gl, ISSUES, OWNER_TOKEN).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginates_with_gitlabs_offset_headers_exactly() {
    let gl = GitLab::start().await;
    for n in 1..=5 {
        gl.seed_issue(OWNER_TOKEN, &format!("Issue {n}"), "", &["postmortem"]);
    }
    let url = gl.url();
    let query = "labels=postmortem&state=all&order_by=created_at&sort=asc&per_page=2";
    let link = |page: usize| {
        format!(
            "<{url}/api/v4/projects/{PROJECT_SEGMENT}/issues?id=acme%2Fplatform%2Fweb&labels=postmortem&order_by=created_at&page={page}&per_page=2&sort=asc&state=all&with_labels_details=false>"
        )
    };
    let first = get(
        &gl,
        &format!("/projects/{PROJECT_SEGMENT}/issues?{query}"),
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(iids(&first), vec![1, 2]);
    assert_eq!(
        page_headers(&first),
        vec![
            ("x-page", "1".to_string()),
            ("x-per-page", "2".to_string()),
            ("x-next-page", "2".to_string()),
            ("x-prev-page", String::new()),
            ("x-total", "5".to_string()),
            ("x-total-pages", "3".to_string()),
        ]
    );
    assert_eq!(
        first.header("link"),
        Some(
            format!(
                "{}; rel=\"next\", {}; rel=\"first\", {}; rel=\"last\"",
                link(2),
                link(1),
                link(3)
            )
            .as_str()
        )
    );
    let middle = get(
        &gl,
        &format!("/projects/{PROJECT_SEGMENT}/issues?{query}&page=2"),
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(iids(&middle), vec![3, 4]);
    assert_eq!(
        page_headers(&middle)[..4],
        [
            ("x-page", "2".to_string()),
            ("x-per-page", "2".to_string()),
            ("x-next-page", "3".to_string()),
            ("x-prev-page", "1".to_string()),
        ]
    );
    assert_eq!(
        middle.header("link"),
        Some(
            format!(
                "{}; rel=\"prev\", {}; rel=\"next\", {}; rel=\"first\", {}; rel=\"last\"",
                link(1),
                link(3),
                link(1),
                link(3)
            )
            .as_str()
        )
    );
    let last = get(
        &gl,
        &format!("/projects/{PROJECT_SEGMENT}/issues?{query}&page=3"),
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(iids(&last), vec![5]);
    assert_eq!(
        page_headers(&last),
        vec![
            ("x-page", "3".to_string()),
            ("x-per-page", "2".to_string()),
            ("x-next-page", String::new()),
            ("x-prev-page", "2".to_string()),
            ("x-total", "5".to_string()),
            ("x-total-pages", "3".to_string()),
        ]
    );
    assert_eq!(
        last.header("link"),
        Some(
            format!(
                "{}; rel=\"prev\", {}; rel=\"first\", {}; rel=\"last\"",
                link(2),
                link(1),
                link(3)
            )
            .as_str()
        )
    );
    let beyond = get(&gl, &format!("{ISSUES}?per_page=2&page=9"), OWNER_TOKEN).await;
    assert_eq!(iids(&beyond), Vec::<u64>::new());
    assert_eq!(
        page_headers(&beyond)[2..4],
        [
            ("x-next-page", String::new()),
            ("x-prev-page", String::new())
        ]
    );
    let empty = get(&gl, &format!("{ISSUES}?labels=nothing"), OWNER_TOKEN).await;
    assert_eq!(
        page_headers(&empty),
        vec![
            ("x-page", "1".to_string()),
            ("x-per-page", "20".to_string()),
            ("x-next-page", String::new()),
            ("x-prev-page", String::new()),
            ("x-total", "0".to_string()),
            ("x-total-pages", "1".to_string()),
        ]
    );
    let capped = get(&gl, &format!("{ISSUES}?per_page=500"), OWNER_TOKEN).await;
    assert_eq!(capped.header("x-per-page"), Some("100"));
    let bad = get(&gl, &format!("{ISSUES}?page=two"), OWNER_TOKEN).await;
    assert_eq!(
        (bad.status, bad.body),
        (400, json!({"error": "page is invalid"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_records_leave_out_the_totals_and_the_last_link() {
    assert_eq!(MAX_COUNTED, 10_000, "GitLab's threshold");
    let gl = GitLab::start().await;
    // A lower threshold keeps ten thousand issues out of the shared test process's memory.
    gl.set_max_counted(150);
    for n in 0..150 {
        gl.seed_issue(OWNER_TOKEN, &format!("Issue {n}"), "", &[]);
    }
    let at_the_threshold = get(&gl, &format!("{ISSUES}?per_page=100"), OWNER_TOKEN).await;
    assert_eq!(at_the_threshold.header("x-total"), Some("150"));
    assert!(
        at_the_threshold
            .header("link")
            .is_some_and(|l| l.ends_with("rel=\"last\"")),
        "{:?}",
        at_the_threshold.header("link")
    );
    gl.seed_issue(OWNER_TOKEN, "Issue 150", "", &[]);
    let page = get(&gl, &format!("{ISSUES}?per_page=100"), OWNER_TOKEN).await;
    assert_eq!(page.body.as_array().map(Vec::len), Some(100));
    assert_eq!(
        page_headers(&page)[2..],
        [
            ("x-next-page", "2".to_string()),
            ("x-prev-page", String::new()),
            ("x-total", "(absent)".to_string()),
            ("x-total-pages", "(absent)".to_string()),
        ]
    );
    let link = page.header("link").expect("a link header");
    assert!(link.ends_with("rel=\"first\""), "{link}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_label_filter_wants_every_label_and_knows_none_and_any() {
    let gl = GitLab::start().await;
    gl.seed_issue(OWNER_TOKEN, "a", "", &["alpha"]);
    gl.seed_issue(OWNER_TOKEN, "ab", "", &["alpha", "beta"]);
    gl.seed_issue(OWNER_TOKEN, "b", "", &["beta"]);
    gl.seed_issue(OWNER_TOKEN, "none", "", &[]);
    let cases = [
        ("labels=alpha,beta", vec![2]),
        ("labels=alpha", vec![2, 1]),
        ("labels=beta&sort=asc", vec![2, 3]),
        ("labels=None", vec![4]),
        ("labels=Any", vec![3, 2, 1]),
        ("labels=Alpha", vec![]),
        ("labels%5B%5D=alpha&labels%5B%5D=beta", vec![2]),
    ];
    for (query, expected) in cases {
        let answer = get(&gl, &format!("{ISSUES}?{query}"), OWNER_TOKEN).await;
        assert_eq!(iids(&answer), expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_by_creation_or_update_either_way_and_filters_by_state_and_author() {
    let gl = GitLab::start().await;
    gl.seed_issue(OWNER_TOKEN, "first", "", &[]);
    gl.seed_issue(OUTSIDER_TOKEN, "second", "", &[]);
    gl.seed_issue(OWNER_TOKEN, "third", "", &[]);
    gl.edit_issue_title(1, "first, edited");
    gl.close_issue(2);
    let cases = [
        ("", vec![3, 2, 1]),
        ("order_by=created_at&sort=asc", vec![1, 2, 3]),
        ("order_by=updated_at", vec![2, 1, 3]),
        ("order_by=updated_at&sort=asc", vec![3, 1, 2]),
        ("state=opened", vec![3, 1]),
        ("state=closed", vec![2]),
        ("author_username=ada", vec![3, 1]),
        ("author_username=MALLORY", vec![2]),
        ("author_username=nobody", vec![]),
        ("iids%5B%5D=1&iids%5B%5D=3", vec![3, 1]),
    ];
    for (query, expected) in cases {
        let answer = get(&gl, &format!("{ISSUES}?{query}"), OWNER_TOKEN).await;
        assert_eq!(iids(&answer), expected, "{query}");
    }
    for (query, error) in [
        ("state=open", "state does not have a valid value"),
        ("order_by=number", "order_by does not have a valid value"),
        ("sort=up", "sort does not have a valid value"),
        ("updated_after=yesterday", "updated_after is invalid"),
    ] {
        let answer = get(&gl, &format!("{ISSUES}?{query}"), OWNER_TOKEN).await;
        assert_eq!(
            (answer.status, answer.body),
            (400, json!({ "error": error })),
            "{query}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updated_after_keeps_issues_changed_at_or_after_the_time() {
    let gl = GitLab::start().await;
    gl.seed_issue(OWNER_TOKEN, "old", "", &[]);
    gl.seed_issue(OWNER_TOKEN, "touched", "", &[]);
    gl.seed_issue(OWNER_TOKEN, "new", "", &[]);
    gl.add_note(DEVELOPER_TOKEN, 2, "a note moves updated_at");
    let touched = gl.issue(2).expect("issue 2").updated_at;
    let stamp = touched.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let answer = get(
        &gl,
        &format!("{ISSUES}?updated_after={stamp}&order_by=updated_at"),
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(
        iids(&answer),
        vec![2],
        "inclusive, and the note moved #2 last"
    );
    let item = &answer.body[0];
    assert_eq!(item["updated_at"], json!(stamp));
    let shape = has_millisecond_format(item["created_at"].as_str().expect("a time"));
    assert!(shape, "{}", item["created_at"]);
}

/// `2024-05-01T12:00:00.123Z`: a timestamp with exactly three fractional digits and `Z`.
fn has_millisecond_format(t: &str) -> bool {
    let bytes = t.as_bytes();
    t.len() == 24
        && bytes[19] == b'.'
        && bytes[20..23].iter().all(u8::is_ascii_digit)
        && bytes[23] == b'Z'
        && chrono::DateTime::parse_from_rfc3339(t).is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_issues_from_json_or_form_bodies_dropping_what_the_caller_may_not_set() {
    let gl = GitLab::start().await;
    let devon = gl.user_id("devon");
    let mallory = gl.user_id("mallory");
    let created = post(
        &gl,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "Rotate the keys", "description": "<!-- aftercare:task=k -->",
               "labels": "postmortem,sev2", "assignee_ids": [devon, mallory]}),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(
        (
            &created.body["iid"],
            &created.body["state"],
            &created.body["labels"]
        ),
        (&json!(1), &json!("opened"), &json!(["postmortem", "sev2"]))
    );
    assert_eq!(created.body["assignees"][0]["username"], "devon");
    assert_eq!(created.body["assignee"]["username"], "devon");
    assert_eq!(created.body["author"]["username"], "ada");
    assert_eq!(created.body["closed_by"], Value::Null);
    let form = client::send(
        gl.addr(),
        "POST",
        "/api/v4/projects/acme%2Fplatform%2Fweb/issues",
        &[
            ("private-token", DEVELOPER_TOKEN),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &format!("title=From+a+form&labels=Sev+1%2Cpostmortem&assignee_ids%5B%5D={devon}"),
    )
    .await
    .expect("an answer");
    assert_eq!(form.status, 201);
    assert_eq!(form.body["labels"], json!(["Sev 1", "postmortem"]));
    assert_eq!(form.body["description"], Value::Null);
    let guest = post(
        &gl,
        ISSUES,
        GUEST_TOKEN,
        json!({"title": "By a guest", "labels": ["postmortem"], "assignee_ids": [devon]}),
    )
    .await;
    assert_eq!(guest.status, 201);
    assert_eq!(
        (&guest.body["labels"], &guest.body["assignees"]),
        (&json!([]), &json!([]))
    );
    let outsider = post(&gl, ISSUES, OUTSIDER_TOKEN, json!({"title": "Public"})).await;
    assert_eq!(
        outsider.status, 201,
        "anyone may open issues in a public project"
    );
    let missing = post(&gl, ISSUES, OWNER_TOKEN, json!({"description": "no title"})).await;
    assert_eq!(
        (missing.status, missing.body),
        (400, json!({"error": "title is missing"}))
    );
    let blank = post(&gl, ISSUES, OWNER_TOKEN, json!({"title": " "})).await;
    assert_eq!(
        (blank.status, blank.body),
        (400, json!({"message": {"title": ["can't be blank"]}}))
    );
    let long = post(&gl, ISSUES, OWNER_TOKEN, json!({"title": "t".repeat(256)})).await;
    assert_eq!(
        long.body,
        json!({"message": {"title": ["is too long (maximum is 255 characters)"]}})
    );
    let anonymous = send(&gl, "POST", ISSUES, None, Some(&json!({"title": "x"})))
        .await
        .expect("an answer");
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        gl.labels(),
        vec!["postmortem", "sev2", "Sev 1"],
        "unknown labels are created on use"
    );
    assert_eq!(gl.issues().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_add_and_remove_labels_without_touching_the_others() {
    let gl = GitLab::start().await;
    let iid = gl.seed_issue(OWNER_TOKEN, "Task", "body", &["postmortem", "team:web"]);
    let path = format!("{ISSUES}/{iid}");
    let added = put(
        &gl,
        &path,
        OWNER_TOKEN,
        json!({"add_labels": "not planned", "remove_labels": "postmortem,absent"}),
    )
    .await;
    assert_eq!(added.status, 200);
    assert_eq!(added.body["labels"], json!(["not planned", "team:web"]));
    let replaced = put(&gl, &path, OWNER_TOKEN, json!({"labels": ["b", "a"]})).await;
    assert_eq!(replaced.body["labels"], json!(["a", "b"]));
    let retitled = put(
        &gl,
        &path,
        REPORTER_TOKEN,
        json!({"title": "Task, renamed", "description": "new body"}),
    )
    .await;
    assert_eq!(
        (&retitled.body["title"], &retitled.body["description"]),
        (&json!("Task, renamed"), &json!("new body"))
    );
    let forbidden = put(&gl, &path, OUTSIDER_TOKEN, json!({"title": "mine"})).await;
    assert_eq!(
        (forbidden.status, forbidden.body),
        (403, json!({"message": "403 Forbidden"}))
    );
    let own = gl.seed_issue(OUTSIDER_TOKEN, "Mine", "", &[]);
    let by_author = put(
        &gl,
        &format!("{ISSUES}/{own}"),
        OUTSIDER_TOKEN,
        json!({"title": "Still mine", "add_labels": "postmortem"}),
    )
    .await;
    assert_eq!(
        (&by_author.body["title"], &by_author.body["labels"]),
        (&json!("Still mine"), &json!([])),
        "an author below Reporter edits the text but sets no labels"
    );
    let nothing = put(&gl, &path, OWNER_TOKEN, json!({"foo": 1})).await;
    assert_eq!(nothing.status, 400);
    assert!(
        nothing.body["error"]
            .as_str()
            .is_some_and(|e| e.ends_with("are missing, at least one parameter must be provided")),
        "{}",
        nothing.body
    );
    let missing = put(
        &gl,
        &format!("{ISSUES}/99"),
        OWNER_TOKEN,
        json!({"title": "x"}),
    )
    .await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "404 Not found"}))
    );
    let issue = gl.issue(iid).expect("the issue");
    assert_eq!(
        issue.system_notes,
        vec![
            "changed title from **Task** to **Task, renamed**".to_string(),
            "changed the description".to_string()
        ]
    );
    assert_eq!(issue.notes, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_events_close_and_reopen_recording_who_closed_and_when() {
    let gl = GitLab::start().await;
    let iid = gl.seed_issue(OWNER_TOKEN, "Task", "", &["postmortem"]);
    let path = format!("{ISSUES}/{iid}");
    let before = gl.issue(iid).expect("the issue").updated_at;
    let closed = put(
        &gl,
        &path,
        PROJECT_BOT_TOKEN,
        json!({"state_event": "close", "add_labels": "not planned"}),
    )
    .await;
    assert_eq!(closed.status, 200);
    assert_eq!(closed.body["state"], "closed");
    assert_eq!(closed.body["closed_by"]["username"], BOT_USERNAME);
    assert_eq!(closed.body["closed_at"], closed.body["updated_at"]);
    let after = gl.issue(iid).expect("the issue");
    assert!(
        after.updated_at > before,
        "updated_at moves on every change"
    );
    assert_eq!(after.closed_by.as_deref(), Some(BOT_USERNAME));
    let again = put(&gl, &path, OWNER_TOKEN, json!({"state_event": "close"})).await;
    assert_eq!(
        (again.status, &again.body["closed_by"]["username"]),
        (200, &json!(BOT_USERNAME)),
        "closing a closed issue changes nothing"
    );
    let reopened = put(
        &gl,
        &path,
        PROJECT_BOT_TOKEN,
        json!({"state_event": "reopen", "remove_labels": "not planned"}),
    )
    .await;
    assert_eq!(
        (
            &reopened.body["state"],
            &reopened.body["closed_at"],
            &reopened.body["closed_by"],
            &reopened.body["labels"]
        ),
        (
            &json!("opened"),
            &Value::Null,
            &Value::Null,
            &json!(["postmortem"])
        )
    );
    let bad = put(&gl, &path, OWNER_TOKEN, json!({"state_event": "closed"})).await;
    assert_eq!(
        (bad.status, bad.body),
        (
            400,
            json!({"error": "state_event does not have a valid value"})
        )
    );
    gl.close_issue(iid);
    assert_eq!(
        gl.issue(iid).and_then(|i| i.closed_by),
        Some("devon".to_string()),
        "a person closing in the UI"
    );
    gl.reopen_issue(iid);
    assert_eq!(gl.issue(iid).map(|i| i.state), Some("opened".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_are_created_and_listed_newest_first_unless_told() {
    let gl = GitLab::start().await;
    let iid = gl.seed_issue(OWNER_TOKEN, "Task", "", &[]);
    let path = format!("{ISSUES}/{iid}/notes");
    let first = post(
        &gl,
        &path,
        OWNER_TOKEN,
        json!({"body": "Dropped: removed from the postmortem"}),
    )
    .await;
    assert_eq!(first.status, 201);
    assert_eq!(
        (
            &first.body["body"],
            &first.body["system"],
            &first.body["noteable_iid"],
            &first.body["noteable_type"],
            &first.body["author"]["username"]
        ),
        (
            &json!("Dropped: removed from the postmortem"),
            &json!(false),
            &json!(iid),
            &json!("Issue"),
            &json!("ada")
        )
    );
    gl.add_note(REPORTER_TOKEN, iid, "second");
    let bodies = |answer: &Answer| -> Vec<String> {
        answer
            .body
            .as_array()
            .expect("a list")
            .iter()
            .map(|n| n["body"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let newest_first = get(&gl, &path, OWNER_TOKEN).await;
    assert_eq!(
        bodies(&newest_first),
        vec!["second", "Dropped: removed from the postmortem"]
    );
    assert_eq!(newest_first.header("x-total"), Some("2"));
    let oldest_first = get(&gl, &format!("{path}?sort=asc"), OWNER_TOKEN).await;
    assert_eq!(
        bodies(&oldest_first),
        vec!["Dropped: removed from the postmortem", "second"]
    );
    let missing = post(&gl, &path, OWNER_TOKEN, json!({})).await;
    assert_eq!(
        (missing.status, missing.body),
        (400, json!({"error": "body is missing"}))
    );
    let blank = post(&gl, &path, OWNER_TOKEN, json!({"body": ""})).await;
    assert_eq!(
        (blank.status, blank.body),
        (400, json!({"message": {"note": ["can't be blank"]}}))
    );
    let nowhere = post(
        &gl,
        &format!("{ISSUES}/99/notes"),
        OWNER_TOKEN,
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(nowhere.status, 404);
    let issue = get(&gl, &format!("{ISSUES}/{iid}"), OWNER_TOKEN).await;
    assert_eq!(issue.body["user_notes_count"], 2);
    assert_eq!(
        gl.issue(iid).map(|i| i.notes),
        Some(vec![
            "Dropped: removed from the postmortem".to_string(),
            "second".to_string()
        ])
    );
}

/// The properties of `APIEntitiesMergeRequestBasic` in GitLab's full OpenAPI description
/// (the shared subset leaves `closed_by` out). GitLab leaves out `title_html` and
/// `description_html` unless asked to render HTML, `allow_collaboration` and
/// `allow_maintainer_to_push` but for a fork, and `approvals_before_merge` outside its paid
/// tiers, and so does the emulator.
const MERGE_REQUEST_BASIC: &[&str] = &[
    "id",
    "iid",
    "project_id",
    "title",
    "description",
    "state",
    "created_at",
    "updated_at",
    "merged_by",
    "merge_user",
    "merged_at",
    "closed_by",
    "closed_at",
    "title_html",
    "description_html",
    "target_branch",
    "source_branch",
    "user_notes_count",
    "upvotes",
    "downvotes",
    "author",
    "assignees",
    "assignee",
    "reviewers",
    "source_project_id",
    "target_project_id",
    "labels",
    "draft",
    "imported",
    "imported_from",
    "work_in_progress",
    "milestone",
    "merge_when_pipeline_succeeds",
    "merge_status",
    "detailed_merge_status",
    "merge_after",
    "sha",
    "merge_commit_sha",
    "squash_commit_sha",
    "discussion_locked",
    "should_remove_source_branch",
    "force_remove_source_branch",
    "prepared_at",
    "allow_collaboration",
    "allow_maintainer_to_push",
    "reference",
    "references",
    "web_url",
    "time_stats",
    "squash",
    "squash_on_merge",
    "task_completion_status",
    "has_conflicts",
    "blocking_discussions_resolved",
    "approvals_before_merge",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_by_lists_every_merge_request_closing_an_issue_and_merging_closes_it() {
    let gl = GitLab::start().await;
    let one = gl.seed_issue(OWNER_TOKEN, "One", "", &[]);
    let two = gl.seed_issue(OWNER_TOKEN, "Two", "", &[]);
    let other = gl.seed_issue(OWNER_TOKEN, "Other", "", &[]);
    let first = gl.open_merge_request(
        DEVELOPER_TOKEN,
        "Both",
        &format!("Some text.\n\nCloses #{one}, #{two} and #99. Related to #{other}."),
    );
    let second = gl.open_merge_request(DEVELOPER_TOKEN, "Again", &format!("fixes: #{one}"));
    let third = gl.open_merge_request(DEVELOPER_TOKEN, "Dropped", &format!("Resolves #{one}"));
    assert_eq!(gl.closing_issues(first), vec![one, two]);
    assert_eq!(gl.closing_issues(second), vec![one]);
    gl.merge(first);
    gl.close_merge_request(third);

    let path = format!("{ISSUES}/{one}/closed_by");
    let answer = get(&gl, &path, OWNER_TOKEN).await;
    assert_eq!(answer.status, 200);
    let listed: Vec<(u64, &str)> = (answer.body.as_array().expect("a list").iter())
        .map(|m| (m["iid"].as_u64().unwrap(), m["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        vec![(third, "closed"), (second, "opened"), (first, "merged")],
        "every state, newest first"
    );
    for mr in answer.body.as_array().unwrap() {
        let keys: Vec<&String> = mr.as_object().unwrap().keys().collect();
        let unknown: Vec<&&String> = keys
            .iter()
            .filter(|k| !MERGE_REQUEST_BASIC.contains(&k.as_str()))
            .collect();
        assert_eq!(unknown, Vec::<&&String>::new());
        assert_eq!(mr["project_id"], json!(PROJECT_ID));
        assert_eq!(mr["author"]["username"], json!("devon"));
        assert!(has_millisecond_format(mr["created_at"].as_str().unwrap()));
    }
    let merged = &answer.body[2];
    assert_eq!(merged["merged_by"]["username"], json!("devon"));
    assert!(has_millisecond_format(
        merged["merged_at"].as_str().unwrap()
    ));
    assert_eq!(
        merged["references"]["full"],
        json!(format!("{PROJECT_PATH}!{first}"))
    );
    assert_eq!(answer.body[0]["merged_at"], Value::Null);
    assert_eq!(answer.body[0]["closed_by"]["username"], json!("devon"));
    assert_eq!(
        page_headers(&answer),
        vec![
            ("x-page", "1".to_string()),
            ("x-per-page", "20".to_string()),
            ("x-next-page", String::new()),
            ("x-prev-page", String::new()),
            ("x-total", "3".to_string()),
            ("x-total-pages", "1".to_string()),
        ]
    );
    let paged = get(&gl, &format!("{path}?per_page=2&page=2"), OWNER_TOKEN).await;
    assert_eq!(paged.body.as_array().map(Vec::len), Some(1));

    // Merging closed the issues it closes, as the merging user, with a system note.
    let closed = gl.issue(two).unwrap();
    assert_eq!(
        (closed.state.as_str(), closed.closed_by.as_deref()),
        ("closed", Some("devon"))
    );
    assert_eq!(
        closed.system_notes,
        vec![
            format!("mentioned in merge request !{first}"),
            format!("closed via merge request !{first}")
        ]
    );
    assert_eq!(gl.issue(other).unwrap().state, "opened");
    let none = get(&gl, &format!("{ISSUES}/{other}/closed_by"), OWNER_TOKEN).await;
    assert_eq!((none.status, none.body), (200, json!([])));
    let missing = get(&gl, &format!("{ISSUES}/99/closed_by"), OWNER_TOKEN).await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "404 Not found"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_rate_limit_headers_and_429_comes_with_retry_after() {
    let gl = GitLab::start().await;
    gl.set_request_limit(3, Duration::from_secs(60));
    let mut seen = Vec::new();
    for _ in 0..3 {
        let answer = get(&gl, "/user", OWNER_TOKEN).await;
        seen.push((
            answer.status,
            answer.header("ratelimit-limit").map(str::to_string),
            answer.header("ratelimit-observed").map(str::to_string),
            answer.header("ratelimit-remaining").map(str::to_string),
        ));
    }
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        seen,
        vec![
            (200, s("3"), s("1"), s("2")),
            (200, s("3"), s("2"), s("1")),
            (200, s("3"), s("3"), s("0")),
        ]
    );
    let refused = get(&gl, "/user", OWNER_TOKEN).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body, json!("Retry later\n"));
    assert_eq!(refused.header("content-type"), Some("text/plain"));
    let wait: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("retry-after in seconds");
    assert!((59..=60).contains(&wait), "{wait}");
    let reset: i64 = refused
        .header("ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .expect("ratelimit-reset in Unix seconds");
    let now = chrono::Utc::now().timestamp();
    assert!((now + 58..=now + 61).contains(&reset), "{reset} vs {now}");
    let reset_time = refused.header("ratelimit-resettime").expect("a reset time");
    assert_eq!(
        chrono::DateTime::parse_from_rfc2822(reset_time).map(|t| t.timestamp()),
        Ok(reset),
        "{reset_time}"
    );
    let other = get(&gl, "/user", DEVELOPER_TOKEN).await;
    assert_eq!(other.status, 200, "each token has its own limit");
    gl.set_request_limit(1, Duration::from_millis(200));
    assert_eq!(get(&gl, "/user", OWNER_TOKEN).await.status, 200);
    assert_eq!(get(&gl, "/user", OWNER_TOKEN).await.status, 429);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(get(&gl, "/user", OWNER_TOKEN).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_and_note_creation_limits_answer_429_with_retry_after() {
    let gl = GitLab::start().await;
    gl.set_issue_creation_limit(2, Duration::from_secs(30));
    gl.set_note_creation_limit(1, Duration::from_secs(20));
    let too_many = json!({"message": {"error": "This endpoint has been requested too many times. Try again later."}});
    for n in 0..2 {
        let created = post(&gl, ISSUES, OWNER_TOKEN, json!({"title": format!("t{n}")})).await;
        assert_eq!(created.status, 201);
    }
    let refused = post(&gl, ISSUES, OWNER_TOKEN, json!({"title": "t2"})).await;
    assert_eq!((refused.status, &refused.body), (429, &too_many));
    assert_eq!(refused.header("retry-after"), Some("30"));
    let other = post(&gl, ISSUES, DEVELOPER_TOKEN, json!({"title": "by devon"})).await;
    assert_eq!(other.status, 201, "the limit is per user");
    assert_eq!(
        get(&gl, ISSUES, OWNER_TOKEN).await.status,
        200,
        "reading is not limited"
    );
    let note = post(
        &gl,
        &format!("{ISSUES}/1/notes"),
        OWNER_TOKEN,
        json!({"body": "a"}),
    )
    .await;
    assert_eq!(note.status, 201);
    let refused = post(
        &gl,
        &format!("{ISSUES}/1/notes"),
        OWNER_TOKEN,
        json!({"body": "b"}),
    )
    .await;
    assert_eq!((refused.status, &refused.body), (429, &too_many));
    assert_eq!(refused.header("retry-after"), Some("20"));
    assert_eq!(gl.issues().len(), 3);
    assert_eq!(gl.issue(1).map(|i| i.notes), Some(vec!["a".to_string()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_strike_before_or_after_the_write() {
    let gl = GitLab::start().await;
    gl.inject(Fault::drop_connection("POST", "/issues"));
    let lost = send(
        &gl,
        "POST",
        ISSUES,
        Some(OWNER_TOKEN),
        Some(&json!({"title": "lost"})),
    )
    .await;
    assert!(lost.is_none(), "dropped before the write: no answer");
    assert_eq!(gl.issues().len(), 0, "and nothing written");
    gl.inject(Fault::drop_after_write("POST", "/projects/42/issues"));
    let lost = send(
        &gl,
        "POST",
        ISSUES,
        Some(OWNER_TOKEN),
        Some(&json!({"title": "kept"})),
    )
    .await;
    assert!(lost.is_none(), "dropped after the write: no answer");
    assert_eq!(
        gl.issues()
            .iter()
            .map(|i| i.title.as_str())
            .collect::<Vec<_>>(),
        vec!["kept"],
        "but the write was applied"
    );
    let mut after = Fault::status("PUT", "/issues/1", 502);
    after.kind = FaultKind::StatusAfterWrite(502);
    gl.inject(after);
    let gateway = put(
        &gl,
        &format!("{ISSUES}/1"),
        OWNER_TOKEN,
        json!({"state_event": "close"}),
    )
    .await;
    assert_eq!(
        (gateway.status, gateway.body),
        (502, json!({"message": "502 Bad Gateway"}))
    );
    assert_eq!(gl.issue(1).map(|i| i.state), Some("closed".to_string()));
    gl.inject(Fault::status("GET", "/issues", 503).times(2));
    gl.inject(Fault::secondary_limit("GET", "/user", 7));
    assert_eq!(get(&gl, ISSUES, OWNER_TOKEN).await.status, 503);
    assert_eq!(
        get(&gl, &format!("{ISSUES}?page=2"), OWNER_TOKEN)
            .await
            .status,
        503
    );
    assert_eq!(get(&gl, ISSUES, OWNER_TOKEN).await.status, 200);
    let slow_down = get(&gl, "/user", OWNER_TOKEN).await;
    assert_eq!(
        (slow_down.status, slow_down.header("retry-after")),
        (429, Some("7"))
    );
    gl.inject(Fault::echo_token("GET", "/user", 502));
    let echoed = get(&gl, "/user", OWNER_TOKEN).await;
    assert!(
        echoed.body["message"]
            .as_str()
            .is_some_and(|m| m.contains(OWNER_TOKEN)),
        "{}",
        echoed.body
    );
    assert_eq!(gl.pending_faults(), Vec::<Fault>::new());
    let log: Vec<(String, u16, bool, Option<FaultKind>)> = gl
        .requests()
        .iter()
        .map(|r: &LoggedRequest| (r.method.clone(), r.status, r.dropped, r.fault.clone()))
        .collect();
    assert_eq!(
        log,
        vec![
            ("POST".into(), 0, true, Some(FaultKind::DropConnection)),
            ("POST".into(), 201, true, Some(FaultKind::DropAfterWrite)),
            (
                "PUT".into(),
                200,
                false,
                Some(FaultKind::StatusAfterWrite(502))
            ),
            ("GET".into(), 503, false, Some(FaultKind::Status(503))),
            ("GET".into(), 503, false, Some(FaultKind::Status(503))),
            ("GET".into(), 200, false, None),
            ("GET".into(), 429, false, Some(FaultKind::SecondaryLimit(7))),
            ("GET".into(), 502, false, Some(FaultKind::EchoToken(502))),
        ]
    );
    assert_eq!(gl.requests()[3].path, "/projects/42/issues");
    assert_eq!(gl.requests()[4].query, "page=2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_random_faults_repeat_exactly() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let gl = GitLab::start().await;
        gl.set_random_faults(Some(RandomFaults::new(
            7,
            40,
            vec![
                FaultKind::Status(500),
                FaultKind::DropConnection,
                FaultKind::DropAfterWrite,
            ],
        )));
        let mut outcomes = Vec::new();
        for n in 0..12 {
            let answer = send(
                &gl,
                "POST",
                ISSUES,
                Some(OWNER_TOKEN),
                Some(&json!({"title": format!("t{n}")})),
            )
            .await;
            outcomes.push(answer.map(|a| a.status));
        }
        runs.push((outcomes, gl.issues().len()));
    }
    assert_eq!(runs[0], runs[1]);
    let (outcomes, created) = &runs[0];
    assert!(outcomes.iter().any(Option::is_none), "{outcomes:?}");
    assert!(outcomes.contains(&Some(201)), "{outcomes:?}");
    let answered_201 = outcomes.iter().filter(|o| **o == Some(201)).count();
    assert!(*created >= answered_201, "{created} vs {outcomes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn person_actions_and_forged_look_alikes_change_the_state_directly() {
    let gl = GitLab::start().await;
    let forged = gl.seed_issue(
        OUTSIDER_TOKEN,
        "Rotate the keys",
        "<!-- aftercare -->",
        &["postmortem"],
    );
    let by_guest = gl.seed_issue(
        GUEST_TOKEN,
        "Rotate the keys",
        "",
        &["postmortem", "postmortem"],
    );
    let issues = gl.issues();
    assert_eq!(
        issues
            .iter()
            .map(|i| (i.iid, i.author.as_str(), i.labels.clone()))
            .collect::<Vec<_>>(),
        vec![
            (forged, "mallory", vec!["postmortem".to_string()]),
            (by_guest, "gus", vec!["postmortem".to_string()]),
        ]
    );
    gl.set_issue_labels(forged, &["spam"]);
    gl.edit_issue_description(forged, "cleaned");
    gl.edit_as(
        OWNER_TOKEN,
        forged,
        IssueChange {
            assignees: Some(vec![gl.user_id("devon")]),
            ..IssueChange::default()
        },
    );
    let edited = gl.issue(forged).expect("the issue");
    assert_eq!(
        (edited.labels, edited.description, edited.assignees),
        (
            vec!["spam".to_string()],
            "cleaned".to_string(),
            vec!["devon".to_string()]
        )
    );
    assert_eq!(
        edited.system_notes,
        vec![
            "changed the description".to_string(),
            "assigned to @devon".to_string()
        ]
    );
    gl.delete_issue(by_guest);
    assert_eq!(gl.issue(by_guest), None);
    assert_eq!(
        gl.requests(),
        Vec::<LoggedRequest>::new(),
        "nothing is logged"
    );
    let next = post(&gl, ISSUES, OWNER_TOKEN, json!({"title": "after"})).await;
    assert_eq!(next.body["iid"], 3, "a deleted issue's iid is not reused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_get_distinct_iids_and_ordered_timestamps() {
    let gl = GitLab::start().await;
    let mut posts = tokio::task::JoinSet::new();
    for n in 0..10 {
        let addr = gl.addr();
        posts.spawn(async move {
            let body = json!({ "title": format!("t{n}") }).to_string();
            let headers = [
                ("private-token", OWNER_TOKEN),
                ("content-type", "application/json"),
            ];
            client::send(addr, "POST", "/api/v4/projects/42/issues", &headers, &body).await
        });
    }
    let answers: Vec<Answer> = posts
        .join_all()
        .await
        .into_iter()
        .map(|a| a.expect("an answer"))
        .collect();
    let mut created: Vec<u64> = answers
        .iter()
        .map(|a| a.body["iid"].as_u64().expect("an iid"))
        .collect();
    created.sort();
    assert_eq!(created, (1..=10).collect::<Vec<u64>>());
    let issues = gl.issues();
    let stamps: Vec<_> = issues.iter().map(|i| i.created_at).collect();
    assert!(
        stamps.windows(2).all(|w| w[0] < w[1]),
        "each change gets its own millisecond: {stamps:?}"
    );
    let numbers: Vec<u64> = gl.requests().iter().map(|r| r.number).collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<u64>>());
}

#[test]
fn starts_blocking_for_tests_that_are_not_async() {
    let gl = GitLab::start_blocking();
    let iid = gl.seed_issue(OWNER_TOKEN, "t", "b", &[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let answer = runtime.block_on(get(&gl, &format!("{ISSUES}/{iid}"), OWNER_TOKEN));
    assert_eq!((answer.status, &answer.body["title"]), (200, &json!("t")));
    assert_eq!(gl.api_url(), format!("{}/api/v4", gl.url()));
    assert_eq!(PROJECT_ID, 42);
}

/// How GitLab's description is looser than GitLab's answers (its README says so): nothing is
/// marked nullable, lists and list fields are declared as one entity, and a member's
/// `access_level` is declared a string while GitLab sends an integer.
fn gitlab_leniency() -> Leniency {
    Leniency {
        null_anywhere: true,
        lists_as_one_entity: true,
        deviations: vec![Deviation {
            schema: "APIEntitiesMember",
            property: "access_level",
            found: "integer",
        }],
    }
}

#[test]
fn the_lenient_checker_forgives_only_what_it_names() {
    let doc = json!({"components": {"schemas": {
        "Member": {"type": "object", "properties": {
            "access_level": {"type": "string"}, "name": {"type": "string"},
            "user": {"$ref": "#/components/schemas/User"}}},
        "User": {"type": "object", "properties": {"id": {"type": "integer"}}},
    }}});
    let member = json!({"$ref": "#/components/schemas/Member"});
    let user = json!({"$ref": "#/components/schemas/User"});
    let lenient = gitlab_leniency();
    let renamed = Leniency {
        deviations: vec![Deviation {
            schema: "Member",
            property: "access_level",
            found: "integer",
        }],
        ..lenient.clone()
    };
    let value = json!({"access_level": 30, "name": null, "user": [{"id": 1}, {"id": "2"}]});
    assert_eq!(
        contract::check(&doc, &member, &value),
        vec![
            "$.access_level: expected string, found 30".to_string(),
            "$.name: null where the schema does not allow it".to_string(),
            "$.user: expected object, found [{\"id\":1},{\"id\":\"2\"}]".to_string(),
        ]
    );
    assert_eq!(
        contract::check_leniently(&doc, &member, &value, &renamed),
        vec!["$.user[1].id: expected integer, found \"2\"".to_string()],
        "list items are still checked"
    );
    assert_eq!(
        contract::check_leniently(&doc, &member, &json!({"access_level": true}), &renamed),
        vec!["$.access_level: expected string, found true".to_string()],
        "a deviation accepts only the type it names"
    );
    assert_eq!(
        contract::check_leniently(&doc, &member, &value, &lenient)[0],
        "$.access_level: expected string, found 30",
        "a deviation applies only to the schema it names"
    );
    assert_eq!(
        contract::check_leniently(&doc, &user, &json!([{"id": 1}]), &lenient),
        Vec::<String>::new()
    );
}

/// One request of the contract test: method and path template of the operation, then the
/// concrete path (under `/api/v4`), token and body.
type Drive = (
    &'static str,
    &'static str,
    String,
    Option<&'static str>,
    Option<Value>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_matches_gitlabs_openapi_description() {
    let Some(doc) = contract::description_from_env("AFTERCARE_GITLAB_OPENAPI") else {
        return;
    };
    let gl = GitLab::start().await;
    let devon = gl.user_id("devon");
    let rita = gl.user_id("rita");
    let mallory = gl.user_id("mallory");
    let first = post(
        &gl,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "Seeded", "description": "- [x] done\n- [ ] not yet", "labels": "postmortem", "assignee_ids": [devon]}),
    )
    .await;
    assert_eq!(first.status, 201);
    gl.add_note(DEVELOPER_TOKEN, 1, "a note");
    let closed = gl.seed_issue(OUTSIDER_TOKEN, "Closed one", "", &["postmortem"]);
    gl.close_issue(closed);
    gl.edit_issue_title(closed, "Closed one, renamed");

    const ISSUES_T: &str = "/api/v4/projects/{id}/issues";
    const ISSUE_T: &str = "/api/v4/projects/{id}/issues/{issue_iid}";
    const NOTES_T: &str = "/api/v4/projects/{id}/issues/{noteable_id}/notes";
    const MEMBER_T: &str = "/api/v4/projects/{id}/members/all/{user_id}";
    let drives: Vec<Drive> = vec![
        (
            "get",
            "/api/v4/user",
            "/user".into(),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            "/api/v4/user",
            "/user".into(),
            Some(PROJECT_BOT_TOKEN),
            None,
        ),
        (
            "get",
            "/api/v4/user",
            "/user".into(),
            Some(REJECTED_TOKEN),
            None,
        ),
        (
            "get",
            "/api/v4/users",
            "/users?username=devon".into(),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            "/api/v4/users",
            "/users?username=nobody".into(),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            MEMBER_T,
            format!("/projects/42/members/all/{rita}"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            MEMBER_T,
            format!("/projects/42/members/all/{mallory}"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            MEMBER_T,
            "/projects/42/members/all/x".into(),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            ISSUES_T,
            format!("{ISSUES}?state=all&labels=postmortem"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            ISSUES_T,
            format!("/projects/{PROJECT_SEGMENT}/issues?per_page=1"),
            None,
            None,
        ),
        (
            "get",
            ISSUES_T,
            format!("{ISSUES}?state=bogus"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            ISSUES_T,
            "/projects/999/issues".into(),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            ISSUES_T,
            "/projects/43/issues".into(),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "post",
            ISSUES_T,
            ISSUES.into(),
            Some(PROJECT_BOT_TOKEN),
            Some(json!({"title": "New", "labels": "postmortem,new", "assignee_ids": [devon]})),
        ),
        (
            "post",
            ISSUES_T,
            ISSUES.into(),
            Some(OWNER_TOKEN),
            Some(json!({"labels": "x"})),
        ),
        (
            "post",
            ISSUES_T,
            "/projects/999/issues".into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "x"})),
        ),
        (
            "get",
            ISSUE_T,
            format!("{ISSUES}/1"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            ISSUE_T,
            format!("{ISSUES}/{closed}"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            ISSUE_T,
            format!("{ISSUES}/99"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "put",
            ISSUE_T,
            format!("{ISSUES}/1"),
            Some(OWNER_TOKEN),
            Some(json!({"state_event": "close", "add_labels": "not planned"})),
        ),
        (
            "put",
            ISSUE_T,
            format!("{ISSUES}/1"),
            Some(OWNER_TOKEN),
            Some(
                json!({"state_event": "reopen", "remove_labels": "not planned", "assignee_ids": []}),
            ),
        ),
        (
            "put",
            ISSUE_T,
            format!("{ISSUES}/1"),
            Some(OWNER_TOKEN),
            Some(json!({"title": ""})),
        ),
        (
            "put",
            ISSUE_T,
            format!("{ISSUES}/99"),
            Some(OWNER_TOKEN),
            Some(json!({"title": "z"})),
        ),
        (
            "get",
            NOTES_T,
            format!("{ISSUES}/1/notes"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            NOTES_T,
            format!("{ISSUES}/{closed}/notes?sort=asc"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "get",
            NOTES_T,
            format!("{ISSUES}/99/notes"),
            Some(OWNER_TOKEN),
            None,
        ),
        (
            "post",
            NOTES_T,
            format!("{ISSUES}/1/notes"),
            Some(OWNER_TOKEN),
            Some(json!({"body": "Closed: done"})),
        ),
        (
            "post",
            NOTES_T,
            format!("{ISSUES}/1/notes"),
            Some(OWNER_TOKEN),
            Some(json!({})),
        ),
        (
            "post",
            NOTES_T,
            format!("{ISSUES}/99/notes"),
            Some(OWNER_TOKEN),
            Some(json!({"body": "x"})),
        ),
    ];
    let leniency = gitlab_leniency();
    let mut statuses: Vec<u16> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut undocumented: Vec<String> = Vec::new();
    let mut driven: Vec<(String, String)> = Vec::new();
    for (method, template, path, token, body) in drives {
        let answer = send(&gl, &method.to_uppercase(), &path, token, body.as_ref())
            .await
            .expect("an answer");
        statuses.push(answer.status);
        driven.push((method.to_string(), template.to_string()));
        match contract::response_schema(&doc, method, template, answer.status) {
            Err(_) => undocumented.push(format!("{method} {path}: {}", answer.status)),
            Ok(None) => {
                // GitLab documents its errors by status only; each has a JSON message.
                if !(answer.body.get("message").is_some() || answer.body.get("error").is_some()) {
                    failures.push(format!(
                        "{method} {path}: {} without a message",
                        answer.status
                    ));
                }
            }
            Ok(Some(schema)) => {
                for problem in contract::check_leniently(&doc, schema, &answer.body, &leniency) {
                    failures.push(format!("{method} {path} ({}): {problem}", answer.status));
                }
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(
        statuses,
        vec![
            200, 200, 401, 200, 200, 200, 404, 400, 200, 200, 400, 404, 403, 201, 400, 404, 200,
            200, 404, 200, 200, 400, 404, 200, 200, 404, 201, 400, 404
        ]
    );
    assert_eq!(
        undocumented,
        vec!["get /projects/43/issues: 403".to_string(),],
        "GitLab's description documents no 403 for a project's issues"
    );
    let undriven: Vec<(String, String)> = contract::operations(&doc)
        .into_iter()
        .filter(|op| !driven.contains(op))
        .collect();
    assert_eq!(
        undriven,
        Vec::<(String, String)>::new(),
        "every operation is driven"
    );
}
