//! Tests of the GitHub emulator itself: every endpoint and behaviour the other tests rely on,
//! driven over real HTTP, plus octocrab running against it unchanged. These tests must not
//! reach the network beyond 127.0.0.1.

mod repos;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use std::io::{Read, Write};

use crate::support::emulator::{
    ACTIONS_TOKEN, Account, COLLAB_TOKEN, Emulator, Fault, FaultKind, OUTSIDER_TOKEN, OWNER_TOKEN,
};
use crate::support::http::client::{self, Answer};

/// Sends one request with a plain HTTP client (see [`client::send`]), under the emulator's
/// prefix and with the token as a bearer token; `None` when the connection was dropped.
async fn send(
    gh: &Emulator,
    method: &str,
    path_and_query: &str,
    token: Option<&str>,
    extra_headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<Answer> {
    let prefix = gh
        .url()
        .splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default();
    let authorization = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(value) = &authorization {
        headers.push(("authorization", value));
    }
    headers.extend_from_slice(extra_headers);
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    client::send(
        gh.addr(),
        method,
        &format!("{prefix}{path_and_query}"),
        &headers,
        &body,
    )
    .await
}

async fn get(gh: &Emulator, path: &str, token: &str) -> Answer {
    send(gh, "GET", path, Some(token), &[], None)
        .await
        .expect("an answer")
}

async fn post(gh: &Emulator, path: &str, token: &str, body: Value) -> Answer {
    send(gh, "POST", path, Some(token), &[], Some(&body))
        .await
        .expect("an answer")
}

async fn patch(gh: &Emulator, path: &str, token: &str, body: Value) -> Answer {
    send(gh, "PATCH", path, Some(token), &[], Some(&body))
        .await
        .expect("an answer")
}

fn octocrab_for(gh: &Emulator, token: &str) -> octocrab::Octocrab {
    octocrab::Octocrab::builder()
        .base_uri(gh.url())
        .expect("the emulator's URL is a URI")
        .personal_token(token.to_string())
        .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
        .build()
        .expect("octocrab builds")
}

const ISSUES: &str = "/repos/acme/web/issues";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_in_a_few_milliseconds_on_a_local_port() {
    let started = Instant::now();
    let gh = Emulator::start().await;
    let elapsed = started.elapsed();
    println!("the emulator started in {elapsed:?}");
    assert!(elapsed < Duration::from_millis(250), "took {elapsed:?}");
    assert_eq!(gh.url(), format!("http://127.0.0.1:{}", gh.addr().port()));
    assert!(gh.issues().is_empty());
    assert!(gh.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_user_answers_each_builtin_identity() {
    let gh = Emulator::start().await;
    let owner = get(&gh, "/user", OWNER_TOKEN).await;
    assert_eq!(owner.status, 200);
    assert_eq!(owner.body["login"], "octocat");
    assert_eq!(owner.body["id"], 1);
    assert_eq!(owner.body["type"], "User");
    assert_eq!(get(&gh, "/user", COLLAB_TOKEN).await.body["login"], "hubot");
    assert_eq!(
        get(&gh, "/user", OUTSIDER_TOKEN).await.body["login"],
        "mallory"
    );
    let actions = get(&gh, "/user", ACTIONS_TOKEN).await;
    assert_eq!(actions.status, 403);
    assert_eq!(
        actions.body["message"],
        "Resource not accessible by integration"
    );
    let stranger = get(&gh, "/user", "no-such-token").await;
    assert_eq!(stranger.status, 401);
    assert_eq!(stranger.body["message"], "Bad credentials");
    let anonymous = send(&gh, "GET", "/user", None, &[], None)
        .await
        .expect("an answer");
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["message"], "Requires authentication");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_gets_and_lists_an_issue() {
    let gh = Emulator::start().await;
    let created = post(
        &gh,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "Add a canary", "body": "<!-- aftercare:x -->", "labels": ["postmortem"]}),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["number"], 1);
    assert_eq!(created.body["state"], "open");
    assert_eq!(created.body["user"]["login"], "octocat");
    assert_eq!(created.body["author_association"], "OWNER");
    assert_eq!(
        created.body["html_url"],
        "https://github.com/acme/web/issues/1"
    );
    assert_eq!(
        created.body["url"],
        format!("{}/repos/acme/web/issues/1", gh.url())
    );
    assert_eq!(
        created.header("location"),
        Some(format!("{}/repos/acme/web/issues/1", gh.url()).as_str())
    );
    assert_eq!(created.body["labels"][0]["name"], "postmortem");
    assert_eq!(created.body["labels"][0]["color"], "ededed");

    let fetched = get(&gh, "/repos/acme/web/issues/1", OWNER_TOKEN).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, created.body);

    let listed = get(&gh, ISSUES, OWNER_TOKEN).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body, json!([created.body]));
    assert_eq!(listed.header("link"), None);

    let missing = get(&gh, "/repos/acme/web/issues/2", OWNER_TOKEN).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["message"], "Not Found");
    assert_eq!(
        get(&gh, "/repos/acme/other/issues", OWNER_TOKEN)
            .await
            .status,
        404
    );

    let issues = gh.issues();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].title, "Add a canary");
    assert_eq!(issues[0].body, "<!-- aftercare:x -->");
    assert_eq!(issues[0].labels, vec!["postmortem".to_string()]);
    assert_eq!(issues[0].author, "octocat");
    assert_eq!(
        gh.labels(),
        vec!["bug", "documentation", "enhancement", "postmortem"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginates_with_a_link_header_formatted_as_github_does() {
    let gh = Emulator::start().await;
    for n in 1..=250 {
        gh.seed_issue(OWNER_TOKEN, &format!("Task {n}"), "", &["postmortem"]);
    }
    let base = format!("{}/repositories/1/issues", gh.url());
    let first = get(
        &gh,
        "/repos/acme/web/issues?state=all&per_page=100",
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(first.body.as_array().map(Vec::len), Some(100));
    assert_eq!(first.body[0]["number"], 250, "newest first by default");
    assert_eq!(
        first.header("link"),
        Some(
            format!(
                "<{base}?state=all&per_page=100&page=2>; rel=\"next\", <{base}?state=all&per_page=100&page=3>; rel=\"last\""
            )
            .as_str()
        )
    );
    let second = get(
        &gh,
        "/repositories/1/issues?state=all&per_page=100&page=2",
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(second.body.as_array().map(Vec::len), Some(100));
    assert_eq!(second.body[0]["number"], 150);
    assert_eq!(
        second.header("link"),
        Some(
            format!(
                "<{base}?state=all&per_page=100&page=1>; rel=\"prev\", <{base}?state=all&per_page=100&page=3>; rel=\"next\", <{base}?state=all&per_page=100&page=3>; rel=\"last\", <{base}?state=all&per_page=100&page=1>; rel=\"first\""
            )
            .as_str()
        )
    );
    let third = get(
        &gh,
        "/repositories/1/issues?state=all&per_page=100&page=3",
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(third.body.as_array().map(Vec::len), Some(50));
    assert_eq!(third.body[49]["number"], 1);
    assert_eq!(
        third.header("link"),
        Some(
            format!(
                "<{base}?state=all&per_page=100&page=2>; rel=\"prev\", <{base}?state=all&per_page=100&page=1>; rel=\"first\""
            )
            .as_str()
        )
    );
    let default_page = get(&gh, ISSUES, OWNER_TOKEN).await;
    assert_eq!(
        default_page.body.as_array().map(Vec::len),
        Some(30),
        "30 per page by default"
    );
    let capped = get(&gh, "/repos/acme/web/issues?per_page=500", OWNER_TOKEN).await;
    assert_eq!(
        capped.body.as_array().map(Vec::len),
        Some(100),
        "at most 100 per page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_every_request_and_counts_it_against_the_budget() {
    let gh = Emulator::start().await;
    get(&gh, "/repos/acme/web/issues?state=all", OWNER_TOKEN).await;
    post(&gh, ISSUES, COLLAB_TOKEN, json!({"title": "t"})).await;
    let log = gh.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].path.as_str(),
            log[0].query.as_str()
        ),
        ("GET", ISSUES, "state=all")
    );
    assert_eq!(log[0].token.as_deref(), Some(OWNER_TOKEN));
    assert_eq!((log[0].status, log[0].counted), (200, true));
    assert_eq!((log[1].method.as_str(), log[1].status), ("POST", 201));
    assert_eq!(log[1].body, r#"{"title":"t"}"#);
    assert_eq!(gh.count("POST", "/issues"), 1);
    assert_eq!(gh.remaining(OWNER_TOKEN), 4_999);
    assert_eq!(gh.remaining(COLLAB_TOKEN), 4_999);
    gh.clear_requests();
    assert!(gh.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn octocrab_lists_across_pages_creates_updates_closes_and_comments() {
    use octocrab::models::IssueState;
    use octocrab::models::issues::IssueStateReason;
    use octocrab::params::State;

    let gh = Emulator::start().await;
    for n in 1..=120 {
        gh.seed_issue(OWNER_TOKEN, &format!("Seed {n}"), "seed", &["postmortem"]);
    }
    gh.seed_pull_request(COLLAB_TOKEN, "A pull request", "", &["postmortem"]);
    let crab = octocrab_for(&gh, OWNER_TOKEN);
    let page = crab
        .issues("acme", "web")
        .list()
        .state(State::All)
        .labels(&["postmortem".to_string()])
        .per_page(50)
        .send()
        .await
        .expect("the first page");
    assert_eq!(page.number_of_pages(), Some(3));
    let all = crab.all_pages(page).await.expect("every page");
    assert_eq!(all.len(), 121);
    assert_eq!(all.iter().filter(|i| i.pull_request.is_some()).count(), 1);

    let created = crab
        .issues("acme", "web")
        .create("Rotate the keys")
        .body("<!-- aftercare:k -->")
        .labels(vec!["postmortem".to_string(), "sev1".to_string()])
        .assignees(vec!["hubot".to_string()])
        .send()
        .await
        .expect("the create");
    assert_eq!(created.number, 122);
    assert_eq!(created.assignees[0].login, "hubot");

    let updated = crab
        .issues("acme", "web")
        .update(122)
        .title("Rotate the signing keys")
        .send()
        .await
        .expect("the update");
    assert_eq!(updated.title, "Rotate the signing keys");
    assert!(updated.updated_at > created.updated_at);

    let closed = crab
        .issues("acme", "web")
        .update(122)
        .state(IssueState::Closed)
        .state_reason(IssueStateReason::NotPlanned)
        .send()
        .await
        .expect("the close");
    assert_eq!(closed.state, IssueState::Closed);
    assert_eq!(closed.state_reason, Some(IssueStateReason::NotPlanned));
    assert!(closed.closed_at.is_some());

    let comment = crab
        .issues("acme", "web")
        .create_comment(122, "Closed by aftercare")
        .await
        .expect("the comment");
    assert_eq!(comment.body.as_deref(), Some("Closed by aftercare"));

    let snapshot = gh.issue(122).expect("issue 122");
    assert_eq!(snapshot.title, "Rotate the signing keys");
    assert_eq!(snapshot.state, "closed");
    assert_eq!(snapshot.state_reason.as_deref(), Some("not_planned"));
    assert_eq!(
        snapshot.labels,
        vec!["postmortem".to_string(), "sev1".to_string()]
    );
    assert_eq!(snapshot.comments, vec!["Closed by aftercare".to_string()]);
    let log = gh.requests();
    let methods: Vec<&str> = log.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(
        methods,
        vec!["GET", "GET", "GET", "POST", "PATCH", "PATCH", "POST"]
    );
    assert_eq!(log[1].path, "/repositories/1/issues");
    assert!(log.iter().all(|r| r.token.as_deref() == Some(OWNER_TOKEN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drops_the_connection_before_or_after_a_write() {
    let gh = Emulator::start().await;
    gh.inject(Fault::drop_connection("POST", ISSUES));
    let lost = send(
        &gh,
        "POST",
        ISSUES,
        Some(OWNER_TOKEN),
        &[],
        Some(&json!({"title": "a"})),
    )
    .await;
    assert!(lost.is_none());
    assert!(gh.issues().is_empty(), "nothing happened");
    gh.inject(Fault::drop_after_write("POST", ISSUES));
    let lost = send(
        &gh,
        "POST",
        ISSUES,
        Some(OWNER_TOKEN),
        &[],
        Some(&json!({"title": "b"})),
    )
    .await;
    assert!(lost.is_none());
    assert_eq!(gh.issues().len(), 1, "the create happened");
    assert_eq!(gh.issues()[0].title, "b");
    let statuses: Vec<(u16, bool, bool)> = gh
        .requests()
        .iter()
        .map(|r| (r.status, r.dropped, r.counted))
        .collect();
    assert_eq!(statuses, vec![(0, true, false), (201, true, true)]);
    let answered = post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "c"})).await;
    assert_eq!(
        answered.status, 201,
        "faults fire once unless told otherwise"
    );
}

#[test]
fn starts_blocking_for_tests_that_are_not_async() {
    let gh = Emulator::start_blocking();
    let number = gh.seed_issue(OWNER_TOKEN, "t", "b", &[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let answer = runtime.block_on(get(&gh, "/repos/acme/web/issues/1", OWNER_TOKEN));
    assert_eq!((number, answer.status), (1, 200));
    assert_eq!(answer.body["title"], "t");
    let _ = Account::outsider("x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timelines_and_comment_lists_match_githubs_openapi_description() {
    use crate::support::emulator::contract;

    let Some(doc) = contract::description_from_env("AFTERCARE_OPENAPI_MORE") else {
        return;
    };
    let gh = Emulator::start().await;
    let issue = gh.seed_issue(OWNER_TOKEN, "Fix it", "", &["postmortem"]);
    gh.seed_comment(COLLAB_TOKEN, issue, "on it");
    gh.close_issue(issue, "completed");
    gh.reopen_issue(issue);
    let pr = gh.seed_pull_request(COLLAB_TOKEN, "The fix", "Fixes #1", &[]);
    let commit = gh.merge_pull_request(pr, &[issue]);

    let timeline = get(&gh, "/repos/acme/web/issues/1/timeline", OWNER_TOKEN).await;
    assert_eq!(timeline.status, 200);
    let events: Vec<(&str, Value)> = timeline
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["commit_id"].clone()))
        .collect();
    assert_eq!(
        events,
        vec![
            ("commented", Value::Null),
            ("closed", Value::Null),
            ("reopened", Value::Null),
            ("cross-referenced", Value::Null),
            ("closed", json!(commit)),
        ]
    );
    let source = &timeline.body[3]["source"]["issue"];
    assert_eq!(
        (
            source["number"].clone(),
            source["pull_request"]["merged_at"].is_string()
        ),
        (json!(pr), true)
    );
    let comments = get(&gh, "/repos/acme/web/issues/1/comments", OWNER_TOKEN).await;
    assert_eq!(comments.status, 200);
    assert_eq!(comments.body[0]["body"], "on it");

    let mut failures = Vec::new();
    for (template, answer) in [
        (
            "/repos/{owner}/{repo}/issues/{issue_number}/timeline",
            &timeline,
        ),
        (
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            &comments,
        ),
    ] {
        let schema = contract::response_schema(&doc, "get", template, 200)
            .expect("a documented answer")
            .expect("a schema");
        for problem in contract::check(&doc, schema, &answer.body) {
            failures.push(format!("GET {template}: {problem}"));
        }
    }
    assert_eq!(failures, Vec::<String>::new());
}

/// One request of the contract test: method and path template of the operation, then the
/// concrete path, token, body and extra headers.
type Drive = (
    &'static str,
    &'static str,
    String,
    Option<&'static str>,
    Option<Value>,
    Vec<(&'static str, String)>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_matches_githubs_openapi_description() {
    use crate::support::emulator::contract;

    let Some(doc) = contract::description_from_env("AFTERCARE_OPENAPI") else {
        return;
    };
    let gh = Emulator::start().await;
    let milestone = gh.seed_milestone("Q3 follow-ups");
    let first = post(
        &gh,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "Seeded", "body": "b", "labels": ["postmortem"], "assignees": ["hubot"], "milestone": milestone}),
    )
    .await;
    assert_eq!(first.status, 201);
    gh.seed_comment(COLLAB_TOKEN, 1, "a comment");
    gh.seed_pull_request(COLLAB_TOKEN, "A pull request", "", &[]);
    let closed = gh.seed_issue(ACTIONS_TOKEN, "Closed one", "", &["postmortem"]);
    gh.close_issue(closed, "not_planned");
    gh.seed_issue(OUTSIDER_TOKEN, "From outside", "", &[]);

    let long_body = "x".repeat(65_537);
    let etag = get(&gh, "/repos/acme/web/issues/4", OWNER_TOKEN)
        .await
        .header("etag")
        .expect("an etag")
        .to_string();
    // (operation, concrete request) for every operation, each answer checked below.
    let mut drives: Vec<Drive> = vec![
        (
            "get",
            "/repos/{owner}/{repo}/issues",
            format!("{ISSUES}?state=all"),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues",
            format!("{ISSUES}?state=bogus"),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues",
            "/repos/acme/nope/issues".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues",
            ISSUES.into(),
            Some(COLLAB_TOKEN),
            Some(
                json!({"title": "New", "labels": ["postmortem", "brand-new"], "assignees": ["octocat"], "milestone": milestone}),
            ),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues",
            ISSUES.into(),
            Some(ACTIONS_TOKEN),
            Some(json!({"title": "By the bot"})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues",
            ISSUES.into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "Long", "body": long_body})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues",
            "/repos/acme/nope/issues".into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "x"})),
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/1".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/2".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/4".into(),
            Some(OWNER_TOKEN),
            None,
            vec![("if-none-match", etag)],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/99".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "patch",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/1".into(),
            Some(OWNER_TOKEN),
            Some(json!({"state": "closed", "state_reason": "completed"})),
            vec![],
        ),
        (
            "patch",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/1".into(),
            Some(OWNER_TOKEN),
            Some(json!({"state": "open"})),
            vec![],
        ),
        (
            "patch",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/1".into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "y".repeat(257)})),
            vec![],
        ),
        (
            "patch",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/1".into(),
            Some(OUTSIDER_TOKEN),
            Some(json!({"title": "mine now"})),
            vec![],
        ),
        (
            "patch",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            "/repos/acme/web/issues/99".into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "z"})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            "/repos/acme/web/issues/1/comments".into(),
            Some(OWNER_TOKEN),
            Some(json!({"body": "Done"})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            "/repos/acme/web/issues/1/comments".into(),
            Some(OWNER_TOKEN),
            Some(json!({"body": ""})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            "/repos/acme/web/issues/99/comments".into(),
            Some(OWNER_TOKEN),
            Some(json!({"body": "x"})),
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/labels",
            "/repos/acme/web/labels".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/labels",
            "/repos/acme/nope/labels".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/labels",
            "/repos/acme/web/labels".into(),
            Some(OWNER_TOKEN),
            Some(json!({"name": "sev1", "color": "b60205", "description": "Severity 1"})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/labels",
            "/repos/acme/web/labels".into(),
            Some(OWNER_TOKEN),
            Some(json!({"name": "sev1"})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/labels",
            "/repos/acme/nope/labels".into(),
            Some(OWNER_TOKEN),
            Some(json!({"name": "x"})),
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/milestones",
            "/repos/acme/web/milestones".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}/milestones",
            "/repos/acme/nope/milestones".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/milestones",
            "/repos/acme/web/milestones".into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "v2", "due_on": "2026-12-31T00:00:00Z"})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/milestones",
            "/repos/acme/web/milestones".into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "v2"})),
            vec![],
        ),
        (
            "post",
            "/repos/{owner}/{repo}/milestones",
            "/repos/acme/nope/milestones".into(),
            Some(OWNER_TOKEN),
            Some(json!({"title": "v3"})),
            vec![],
        ),
        (
            "get",
            "/rate_limit",
            "/rate_limit".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/user",
            "/user".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/user",
            "/user".into(),
            Some(ACTIONS_TOKEN),
            None,
            vec![],
        ),
        ("get", "/user", "/user".into(), None, None, vec![]),
        (
            "get",
            "/repos/{owner}/{repo}",
            "/repos/acme/web".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
        (
            "get",
            "/repos/{owner}/{repo}",
            "/repos/acme/nope".into(),
            Some(OWNER_TOKEN),
            None,
            vec![],
        ),
    ];
    let mut expected_statuses: Vec<u16> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut driven: Vec<(String, String)> = Vec::new();
    for (method, template, path, token, body, headers) in drives.drain(..) {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let answer = send(
            &gh,
            &method.to_uppercase(),
            &path,
            token,
            &headers,
            body.as_ref(),
        )
        .await
        .expect("an answer");
        expected_statuses.push(answer.status);
        driven.push((method.to_string(), template.to_string()));
        match contract::response_schema(&doc, method, template, answer.status) {
            Err(e) => failures.push(format!("{method} {path}: {e}")),
            Ok(None) => {
                if !answer.body.is_null() {
                    failures.push(format!(
                        "{method} {path}: {} has a body the description does not",
                        answer.status
                    ));
                }
            }
            Ok(Some(schema)) => {
                for problem in contract::check(&doc, schema, &answer.body) {
                    failures.push(format!("{method} {path} ({}): {problem}", answer.status));
                }
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(
        expected_statuses,
        vec![
            200, 422, 404, 201, 201, 422, 404, 200, 200, 304, 404, 200, 200, 422, 403, 404, 201,
            422, 404, 200, 404, 201, 422, 404, 200, 404, 201, 422, 404, 200, 200, 403, 401, 200,
            404
        ]
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

#[test]
fn the_contract_checker_finds_missing_and_mistyped_properties() {
    use crate::support::emulator::contract;

    let doc = json!({"components": {"schemas": {
        "user": {"type": "object", "required": ["login", "id"], "properties": {
            "login": {"type": "string"}, "id": {"type": "integer"},
            "seen": {"type": "string", "format": "date-time", "nullable": true},
            "kind": {"type": "string", "enum": ["User", "Bot"]}}},
        "either": {"oneOf": [{"$ref": "#/components/schemas/user"}, {"type": "array", "items": {"type": "integer"}}]},
    }}});
    let user = json!({"$ref": "#/components/schemas/user"});
    assert_eq!(
        contract::check(&doc, &user, &json!({"login": "a", "id": 1, "seen": null})),
        Vec::<String>::new()
    );
    assert_eq!(
        contract::check(
            &doc,
            &user,
            &json!({"login": 5, "seen": "yesterday", "kind": "Robot"})
        ),
        vec![
            "$: missing required property \"id\"".to_string(),
            "$.kind: \"Robot\" is not one of [String(\"User\"), String(\"Bot\")]".to_string(),
            "$.login: expected string, found 5".to_string(),
            "$.seen: \"yesterday\" is not a date-time".to_string(),
        ]
    );
    assert_eq!(
        contract::check(&doc, &user, &Value::Null),
        vec!["$: null where the schema does not allow it".to_string()]
    );
    let either = json!({"$ref": "#/components/schemas/either"});
    assert_eq!(
        contract::check(&doc, &either, &json!([1, 2])),
        Vec::<String>::new()
    );
    assert_eq!(contract::check(&doc, &either, &json!(["x"])).len(), 1);
}

fn numbers(answer: &Answer) -> Vec<u64> {
    answer
        .body
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["number"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_issues_with_githubs_filters_and_includes_pull_requests() {
    let gh = Emulator::start().await;
    let m = gh.seed_milestone("Q3");
    post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "1", "labels": ["postmortem", "sev1"], "assignees": ["hubot"], "milestone": m})).await;
    post(
        &gh,
        ISSUES,
        COLLAB_TOKEN,
        json!({"title": "2", "labels": ["postmortem"]}),
    )
    .await;
    gh.seed_pull_request(COLLAB_TOKEN, "3", "", &["postmortem"]);
    post(
        &gh,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "4", "labels": ["Postmortem", "SEV1"]}),
    )
    .await;
    gh.close_issue(4, "completed");
    gh.seed_comment(OWNER_TOKEN, 2, "one");
    gh.seed_comment(OWNER_TOKEN, 2, "two");
    gh.seed_comment(OWNER_TOKEN, 3, "one");

    let list = |query: &'static str| {
        let gh = &gh;
        async move { numbers(&get(gh, &format!("{ISSUES}?{query}"), OWNER_TOKEN).await) }
    };
    assert_eq!(
        list("").await,
        vec![3, 2, 1],
        "open by default, newest first"
    );
    assert_eq!(list("state=closed").await, vec![4]);
    assert_eq!(list("state=all").await, vec![4, 3, 2, 1]);
    assert_eq!(
        list("state=all&labels=postmortem,sev1").await,
        vec![4, 1],
        "labels AND, any case"
    );
    assert_eq!(list("state=all&labels=postmortem%2Csev1").await, vec![4, 1]);
    assert_eq!(list("state=all&labels=nothing").await, Vec::<u64>::new());
    assert_eq!(list("state=all&creator=hubot").await, vec![3, 2]);
    assert_eq!(list("state=all&assignee=hubot").await, vec![1]);
    assert_eq!(list("state=all&assignee=none").await, vec![4, 3, 2]);
    assert_eq!(list("state=all&assignee=*").await, vec![1]);
    assert_eq!(list("state=all&milestone=1").await, vec![1]);
    assert_eq!(list("state=all&milestone=none").await, vec![4, 3, 2]);
    assert_eq!(list("state=all&direction=asc").await, vec![1, 2, 3, 4]);
    assert_eq!(list("state=all&sort=comments").await, vec![2, 3, 4, 1]);
    assert_eq!(list("state=all&sort=updated").await, vec![3, 2, 4, 1]);
    let updated_of_2 = gh
        .issue(2)
        .expect("#2")
        .updated_at
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let since = format!("{ISSUES}?state=all&since={updated_of_2}");
    assert_eq!(numbers(&get(&gh, &since, OWNER_TOKEN).await), vec![3, 2]);

    let all = get(&gh, &format!("{ISSUES}?state=all"), OWNER_TOKEN).await;
    let pr = &all.body[1];
    assert_eq!(pr["number"], 3);
    assert_eq!(pr["html_url"], "https://github.com/acme/web/pull/3");
    assert_eq!(
        pr["pull_request"]["url"],
        format!("{}/repos/acme/web/pulls/3", gh.url())
    );
    assert!(all.body[2].get("pull_request").is_none());
    assert!(gh.issue(3).expect("#3").is_pull_request);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejects_long_bodies_long_titles_and_unassignable_people_as_github_does() {
    let gh = Emulator::start().await;
    let body_limit = post(
        &gh,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "t", "body": "é".repeat(65_537)}),
    )
    .await;
    assert_eq!(body_limit.status, 422);
    assert_eq!(
        body_limit.body,
        json!({"message":"Validation Failed","errors":[{"resource":"Issue","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}],"documentation_url":"https://docs.github.com/rest/issues/issues#create-an-issue","status":"422"})
    );
    let at_limit = post(
        &gh,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "t".repeat(256), "body": "é".repeat(65_536)}),
    )
    .await;
    assert_eq!(at_limit.status, 201, "exactly at both limits is fine");
    let title_limit = post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "t".repeat(257)})).await;
    assert_eq!(title_limit.status, 422);
    assert_eq!(
        title_limit.body["errors"],
        json!([{"resource":"Issue","code":"custom","field":"title","message":"title is too long (maximum is 256 characters)"}])
    );
    let untitled = post(&gh, ISSUES, OWNER_TOKEN, json!({"body": "b"})).await;
    assert_eq!(
        untitled.body["errors"],
        json!([{"resource":"Issue","code":"missing_field","field":"title"}])
    );
    let stranger = post(
        &gh,
        ISSUES,
        OWNER_TOKEN,
        json!({"title": "t", "assignees": ["mallory"]}),
    )
    .await;
    assert_eq!(stranger.status, 422);
    assert_eq!(
        stranger.body["errors"],
        json!([{"resource":"Issue","field":"assignees","code":"invalid","value":"mallory"}])
    );
    let patched = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"body": "x".repeat(65_537)}),
    )
    .await;
    assert_eq!(patched.status, 422);
    assert_eq!(
        patched.body["documentation_url"],
        "https://docs.github.com/rest/issues/issues#update-an-issue"
    );
    let comment = post(
        &gh,
        "/repos/acme/web/issues/1/comments",
        OWNER_TOKEN,
        json!({"body": "x".repeat(65_537)}),
    )
    .await;
    assert_eq!(comment.status, 422);
    assert_eq!(
        comment.body["errors"],
        json!([{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}])
    );
    let garbage = send(
        &gh,
        "POST",
        ISSUES,
        Some(OWNER_TOKEN),
        &[],
        Some(&json!("not an object")),
    )
    .await
    .expect("an answer");
    assert_eq!(garbage.status, 422);
    assert_eq!(gh.issues().len(), 1, "only the issue at the limits exists");
    assert_eq!(gh.issues()[0].body.chars().count(), 65_536);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_unknown_labels_and_drops_what_a_caller_without_push_may_not_set() {
    let gh = Emulator::start().await;
    let m = gh.seed_milestone("Q3");
    let outsider = post(
        &gh,
        ISSUES,
        OUTSIDER_TOKEN,
        json!({"title": "From outside", "labels": ["postmortem"], "assignees": ["hubot"], "milestone": m}),
    )
    .await;
    assert_eq!(outsider.status, 201);
    assert_eq!(outsider.body["labels"], json!([]));
    assert_eq!(outsider.body["assignees"], json!([]));
    assert_eq!(outsider.body["milestone"], Value::Null);
    assert_eq!(outsider.body["author_association"], "NONE");
    assert_eq!(
        gh.labels(),
        vec!["bug", "documentation", "enhancement"],
        "no label created"
    );
    let edit = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OUTSIDER_TOKEN,
        json!({"title": "Renamed", "labels": ["x"]}),
    )
    .await;
    assert_eq!(edit.status, 200, "authors may edit their own issue");
    assert_eq!(
        (edit.body["title"].as_str(), edit.body["labels"].clone()),
        (Some("Renamed"), json!([]))
    );

    let collab = post(
        &gh,
        ISSUES,
        COLLAB_TOKEN,
        json!({"title": "t", "labels": ["Bug", {"name": "sev2"}], "milestone": m}),
    )
    .await;
    assert_eq!(collab.body["author_association"], "COLLABORATOR");
    assert_eq!(
        collab.body["labels"][0]["name"], "bug",
        "an existing label keeps its name"
    );
    assert_eq!(collab.body["labels"][1]["name"], "sev2");
    assert_eq!(collab.body["labels"][1]["color"], "ededed");
    assert_eq!(collab.body["milestone"]["number"], 1);
    assert_eq!(collab.body["milestone"]["open_issues"], 1);
    patch(
        &gh,
        "/repos/acme/web/issues/2",
        OWNER_TOKEN,
        json!({"labels": ["sev3"]}),
    )
    .await;
    assert_eq!(
        gh.labels(),
        vec!["bug", "documentation", "enhancement", "sev2", "sev3"]
    );
    assert_eq!(gh.issue(2).expect("#2").labels, vec!["sev3".to_string()]);
    let not_theirs = patch(
        &gh,
        "/repos/acme/web/issues/2",
        OUTSIDER_TOKEN,
        json!({"title": "mine"}),
    )
    .await;
    assert_eq!(not_theirs.status, 403);

    let bot = post(
        &gh,
        ISSUES,
        ACTIONS_TOKEN,
        json!({"title": "By the workflow", "labels": ["postmortem"]}),
    )
    .await;
    assert_eq!(bot.body["user"]["login"], "github-actions[bot]");
    assert_eq!(bot.body["user"]["type"], "Bot");
    assert_eq!(bot.body["user"]["id"], 41_898_282);
    assert_eq!(bot.body["labels"][0]["name"], "postmortem");
    assert_eq!(gh.issue(3).expect("#3").author, "github-actions[bot]");

    gh.add_account(
        "dependabot-token",
        Account {
            login: "dependabot[bot]".into(),
            bot: true,
            push: false,
            association: "NONE",
            user_forbidden: true,
        },
    );
    let added = post(
        &gh,
        ISSUES,
        "dependabot-token",
        json!({"title": "Bump", "labels": ["deps"]}),
    )
    .await;
    assert_eq!(
        (added.status, added.body["user"]["type"].as_str()),
        (201, Some("Bot"))
    );
    assert_eq!(added.body["labels"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_state_reasons_and_moves_updated_at_on_every_change() {
    let gh = Emulator::start().await;
    let created = post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "t"})).await;
    assert_eq!(created.body["state_reason"], Value::Null);
    let closed = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"state": "closed"}),
    )
    .await;
    assert_eq!(
        (
            closed.body["state"].as_str(),
            closed.body["state_reason"].as_str()
        ),
        (Some("closed"), Some("completed"))
    );
    assert_eq!(closed.body["closed_by"]["login"], "octocat");
    assert!(closed.body["closed_at"].is_string());
    assert!(closed.body["updated_at"].as_str() > created.body["updated_at"].as_str());
    let ignored = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"state_reason": "not_planned"}),
    )
    .await;
    assert_eq!(
        ignored.body["state_reason"], "completed",
        "ignored unless the state changes"
    );
    assert_eq!(
        ignored.body["updated_at"], closed.body["updated_at"],
        "nothing changed"
    );
    let reopened = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"state": "open"}),
    )
    .await;
    assert_eq!(
        (
            reopened.body["state"].as_str(),
            reopened.body["state_reason"].as_str()
        ),
        (Some("open"), Some("reopened"))
    );
    assert_eq!(reopened.body["closed_at"], Value::Null);
    let duplicate = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"state": "closed", "state_reason": "duplicate"}),
    )
    .await;
    assert_eq!(duplicate.body["state_reason"], "duplicate");
    let wrong = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"state": "open", "state_reason": "bored"}),
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.body["errors"],
        json!([{"resource":"Issue","field":"state_reason","code":"invalid","value":"bored"}])
    );
    let before = gh.issue(1).expect("#1").updated_at;
    post(
        &gh,
        "/repos/acme/web/issues/1/comments",
        COLLAB_TOKEN,
        json!({"body": "why?"}),
    )
    .await;
    let after_comment = gh.issue(1).expect("#1").updated_at;
    assert!(after_comment > before, "a comment moves updated_at");
    gh.edit_issue_body(1, "edited in the UI");
    gh.set_issue_labels(1, &["postmortem"]);
    gh.reopen_issue(1);
    let snapshot = gh.issue(1).expect("#1");
    assert!(snapshot.updated_at > after_comment);
    assert_eq!(
        (
            snapshot.body.as_str(),
            snapshot.state.as_str(),
            snapshot.state_reason.as_deref()
        ),
        ("edited in the UI", "open", Some("reopened"))
    );
    gh.close_issue(1, "not_planned");
    assert_eq!(
        gh.issue(1).expect("#1").state_reason.as_deref(),
        Some("not_planned")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_comments_labels_milestones_assignees_and_the_repository() {
    let gh = Emulator::start().await;
    gh.seed_issue(OWNER_TOKEN, "t", "b", &["bug"]);
    let comment = post(
        &gh,
        "/repos/acme/web/issues/1/comments",
        COLLAB_TOKEN,
        json!({"body": "first"}),
    )
    .await;
    assert_eq!(comment.status, 201);
    assert_eq!(comment.body["user"]["login"], "hubot");
    assert_eq!(comment.body["author_association"], "COLLABORATOR");
    assert_eq!(
        comment.body["issue_url"],
        format!("{}/repos/acme/web/issues/1", gh.url())
    );
    let comments = get(&gh, "/repos/acme/web/issues/1/comments", OWNER_TOKEN).await;
    assert_eq!(comments.body.as_array().map(Vec::len), Some(1));
    assert_eq!(comments.body[0]["body"], "first");
    assert_eq!(
        get(&gh, "/repos/acme/web/issues/1", OWNER_TOKEN).await.body["comments"],
        1
    );

    let label = post(
        &gh,
        "/repos/acme/web/labels",
        OWNER_TOKEN,
        json!({"name": "sev 1", "color": "#B60205", "description": "Severity one"}),
    )
    .await;
    assert_eq!(label.status, 201);
    assert_eq!(
        label.body["url"],
        format!("{}/repos/acme/web/labels/sev%201", gh.url())
    );
    assert_eq!(label.body["color"], "B60205");
    let exists = post(
        &gh,
        "/repos/acme/web/labels",
        OWNER_TOKEN,
        json!({"name": "SEV 1"}),
    )
    .await;
    assert_eq!(
        (exists.status, exists.body["errors"].clone()),
        (
            422,
            json!([{"resource":"Label","code":"already_exists","field":"name"}])
        )
    );
    assert_eq!(
        post(
            &gh,
            "/repos/acme/web/labels",
            OUTSIDER_TOKEN,
            json!({"name": "x"})
        )
        .await
        .status,
        403
    );
    assert_eq!(
        get(&gh, "/repos/acme/web/labels/sev%201", OWNER_TOKEN)
            .await
            .body["description"],
        "Severity one"
    );
    let names: Vec<String> = get(&gh, "/repos/acme/web/labels", OWNER_TOKEN)
        .await
        .body
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["name"].as_str().map(String::from))
        .collect();
    assert_eq!(names, vec!["bug", "documentation", "enhancement", "sev 1"]);
    let added = post(
        &gh,
        "/repos/acme/web/issues/1/labels",
        OWNER_TOKEN,
        json!({"labels": ["sev 1", "new-one"]}),
    )
    .await;
    assert_eq!(added.status, 200);
    assert_eq!(
        gh.issue(1).expect("#1").labels,
        vec!["bug", "sev 1", "new-one"]
    );
    assert_eq!(
        post(
            &gh,
            "/repos/acme/web/issues/1/labels",
            OUTSIDER_TOKEN,
            json!({"labels": ["x"]})
        )
        .await
        .status,
        403
    );
    let removed = send(
        &gh,
        "DELETE",
        "/repos/acme/web/issues/1/labels/sev%201",
        Some(OWNER_TOKEN),
        &[],
        None,
    )
    .await
    .expect("an answer");
    assert_eq!(removed.status, 200);
    assert_eq!(removed.body.as_array().map(Vec::len), Some(2));
    let again = send(
        &gh,
        "DELETE",
        "/repos/acme/web/issues/1/labels/sev%201",
        Some(OWNER_TOKEN),
        &[],
        None,
    )
    .await
    .expect("an answer");
    assert_eq!(
        (again.status, again.body["message"].as_str()),
        (404, Some("Label does not exist"))
    );
    assert_eq!(gh.issue(1).expect("#1").labels, vec!["bug", "new-one"]);
    assert_eq!(
        get(&gh, "/repos/acme/web/issues/1/labels", OWNER_TOKEN)
            .await
            .body
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let milestone = post(
        &gh,
        "/repos/acme/web/milestones",
        OWNER_TOKEN,
        json!({"title": "v1", "due_on": "2026-12-31T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        (milestone.status, milestone.body["number"].as_u64()),
        (201, Some(1))
    );
    post(
        &gh,
        "/repos/acme/web/milestones",
        OWNER_TOKEN,
        json!({"title": "old", "state": "closed"}),
    )
    .await;
    assert_eq!(
        post(
            &gh,
            "/repos/acme/web/milestones",
            OUTSIDER_TOKEN,
            json!({"title": "x"})
        )
        .await
        .status,
        403
    );
    let open = get(&gh, "/repos/acme/web/milestones", OWNER_TOKEN).await;
    assert_eq!(open.body.as_array().map(Vec::len), Some(1));
    assert_eq!(open.body[0]["due_on"], "2026-12-31T00:00:00Z");
    assert_eq!(
        get(&gh, "/repos/acme/web/milestones?state=all", OWNER_TOKEN)
            .await
            .body
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        get(&gh, "/repos/acme/web/milestones/2", OWNER_TOKEN)
            .await
            .body["state"],
        "closed"
    );
    let set = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"milestone": 1, "assignees": ["octocat", "hubot"]}),
    )
    .await;
    assert_eq!(
        (
            set.body["milestone"]["title"].as_str(),
            set.body["assignee"]["login"].as_str()
        ),
        (Some("v1"), Some("octocat"))
    );
    assert_eq!(gh.issue(1).expect("#1").assignees, vec!["octocat", "hubot"]);
    let cleared = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"milestone": null, "assignees": []}),
    )
    .await;
    assert_eq!(
        (
            cleared.body["milestone"].clone(),
            cleared.body["assignee"].clone()
        ),
        (Value::Null, Value::Null)
    );
    let unknown = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"milestone": 9}),
    )
    .await;
    assert_eq!(
        unknown.body["errors"],
        json!([{"resource":"Issue","field":"milestone","code":"invalid","value":9}])
    );

    assert_eq!(
        get(&gh, "/repos/acme/web/assignees/hubot", OWNER_TOKEN)
            .await
            .status,
        204
    );
    assert_eq!(
        get(&gh, "/repos/acme/web/assignees/mallory", OWNER_TOKEN)
            .await
            .status,
        404
    );
    assert_eq!(
        get(
            &gh,
            "/repos/acme/web/assignees/github-actions%5Bbot%5D",
            OWNER_TOKEN
        )
        .await
        .status,
        404
    );

    let repo = get(&gh, "/repos/acme/web", OWNER_TOKEN).await;
    assert_eq!(
        (
            repo.body["full_name"].as_str(),
            repo.body["permissions"]["push"].as_bool()
        ),
        (Some("acme/web"), Some(true))
    );
    assert_eq!(repo.body["open_issues_count"], 1);
    assert_eq!(
        get(&gh, "/repos/acme/web", OUTSIDER_TOKEN).await.body["permissions"]["push"],
        false
    );
    assert_eq!(
        get(&gh, "/repos/ACME/Web", OWNER_TOKEN).await.status,
        200,
        "names are case-insensitive"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_each_token_and_says_so_in_every_answer() {
    let gh = Emulator::start().await;
    let answer = get(&gh, "/user", OWNER_TOKEN).await;
    assert_eq!(answer.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(answer.header("x-ratelimit-remaining"), Some("4999"));
    assert_eq!(answer.header("x-ratelimit-used"), Some("1"));
    assert_eq!(answer.header("x-ratelimit-resource"), Some("core"));
    let reset: i64 = answer
        .header("x-ratelimit-reset")
        .and_then(|r| r.parse().ok())
        .expect("a reset");
    let in_an_hour = chrono::Utc::now().timestamp() + 3_600;
    assert!((in_an_hour - 5..=in_an_hour).contains(&reset), "{reset}");
    let actions = get(&gh, "/repos/acme/web", ACTIONS_TOKEN).await;
    assert_eq!(actions.header("x-ratelimit-limit"), Some("1000"));
    let anonymous = send(&gh, "GET", "/repos/acme/web", None, &[], None)
        .await
        .expect("an answer");
    assert_eq!(
        (anonymous.status, anonymous.header("x-ratelimit-limit")),
        (200, Some("60"))
    );

    let overview = get(&gh, "/rate_limit", OWNER_TOKEN).await;
    assert_eq!(overview.body["resources"]["core"]["remaining"], 4999);
    assert_eq!(overview.body["rate"]["used"], 1);
    assert_eq!(
        overview.header("x-ratelimit-remaining"),
        Some("4999"),
        "GET /rate_limit is free"
    );

    gh.set_rate_limit(COLLAB_TOKEN, 3);
    get(&gh, "/user", COLLAB_TOKEN).await;
    get(&gh, "/user", COLLAB_TOKEN).await;
    let last = post(&gh, ISSUES, COLLAB_TOKEN, json!({"title": "t"})).await;
    assert_eq!(
        (last.status, last.header("x-ratelimit-remaining")),
        (201, Some("0"))
    );
    let spent = post(&gh, ISSUES, COLLAB_TOKEN, json!({"title": "u"})).await;
    assert_eq!(spent.status, 403);
    assert_eq!(
        spent.body["message"],
        "API rate limit exceeded for user ID 2."
    );
    assert_eq!(
        (
            spent.header("x-ratelimit-remaining"),
            spent.header("x-ratelimit-used")
        ),
        (Some("0"), Some("3"))
    );
    assert_eq!(gh.issues().len(), 1, "the refused create did not happen");
    assert_eq!(
        get(&gh, "/user", OWNER_TOKEN).await.status,
        200,
        "other tokens are unaffected"
    );
    let counted: Vec<bool> = gh
        .requests()
        .iter()
        .filter(|r| r.token.as_deref() == Some(COLLAB_TOKEN))
        .map(|r| r.counted)
        .collect();
    assert_eq!(counted, vec![true, true, true, false]);

    gh.set_remaining(OWNER_TOKEN, 0);
    assert_eq!(
        get(&gh, "/user", OWNER_TOKEN).await.body["message"],
        "API rate limit exceeded for user ID 1."
    );
    gh.set_reset_in(Duration::ZERO);
    let refreshed = get(&gh, "/user", OWNER_TOKEN).await;
    assert_eq!(
        (refreshed.status, refreshed.header("x-ratelimit-remaining")),
        (200, Some("4999")),
        "a reset refills the budget"
    );
    assert_eq!(
        gh.remaining(COLLAB_TOKEN),
        3,
        "an explicit limit survives the reset"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_a_matching_if_none_match_with_a_free_304() {
    let gh = Emulator::start().await;
    gh.seed_issue(OWNER_TOKEN, "t", "b", &[]);
    let path = format!("{ISSUES}?state=all&per_page=100");
    let first = get(&gh, &path, OWNER_TOKEN).await;
    let etag = first.header("etag").expect("an etag").to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34,
        "{etag}"
    );
    let again = send(
        &gh,
        "GET",
        &path,
        Some(OWNER_TOKEN),
        &[("if-none-match", &etag)],
        None,
    )
    .await
    .expect("an answer");
    assert_eq!((again.status, again.body.clone()), (304, Value::Null));
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(
        again.header("x-ratelimit-remaining"),
        Some("4999"),
        "a 304 costs nothing"
    );
    let weak = send(
        &gh,
        "GET",
        &path,
        Some(OWNER_TOKEN),
        &[("if-none-match", &format!("W/{etag}"))],
        None,
    )
    .await
    .expect("an answer");
    assert_eq!(weak.status, 304);
    assert_ne!(
        get(&gh, &path, COLLAB_TOKEN).await.header("etag"),
        Some(etag.as_str()),
        "ETags vary by token"
    );
    gh.close_issue(1, "completed");
    let changed = send(
        &gh,
        "GET",
        &path,
        Some(OWNER_TOKEN),
        &[("if-none-match", &etag)],
        None,
    )
    .await
    .expect("an answer");
    assert_eq!(changed.status, 200, "a change makes a new ETag");
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    let counted: Vec<(u16, bool)> = gh
        .requests()
        .iter()
        .filter(|r| r.token.as_deref() == Some(OWNER_TOKEN))
        .map(|r| (r.status, r.counted))
        .collect();
    assert_eq!(
        counted,
        vec![(200, true), (304, false), (304, false), (200, true)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_writes_beyond_the_secondary_limit_with_retry_after() {
    let gh = Emulator::start().await;
    gh.set_secondary_write_limit(2, Duration::from_millis(1_500));
    assert_eq!(
        post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "1"}))
            .await
            .status,
        201
    );
    assert_eq!(
        patch(
            &gh,
            "/repos/acme/web/issues/1",
            OWNER_TOKEN,
            json!({"title": "1b"})
        )
        .await
        .status,
        200
    );
    let third = post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "2"})).await;
    assert_eq!(third.status, 403);
    assert_eq!(
        third.body,
        json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", "status": "403"})
    );
    assert_eq!(third.header("retry-after"), Some("2"));
    assert_eq!(
        get(&gh, ISSUES, OWNER_TOKEN).await.status,
        200,
        "reads are not limited"
    );
    assert_eq!(gh.issues().len(), 1);
    let refused = gh.requests()[2].clone();
    assert_eq!(
        (refused.status, refused.counted),
        (403, false),
        "a refused write costs no budget"
    );
    assert_eq!(
        gh.remaining(OWNER_TOKEN),
        4_997,
        "two writes and one read were counted"
    );
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    assert_eq!(
        post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "2"}))
            .await
            .status,
        201
    );
    assert_eq!(gh.issues().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_answer_the_next_matching_requests_then_stop() {
    let gh = Emulator::start().await;
    gh.inject(Fault::status("POST", ISSUES, 502).times(2));
    gh.inject(Fault::status("*", "/user", 503));
    gh.inject(Fault::status("GET", "/issues", 429));
    gh.inject(Fault::secondary_limit("PATCH", "/issues/1", 7));
    assert_eq!(gh.pending_faults().len(), 4);
    assert_eq!(gh.pending_faults()[0].kind, FaultKind::Status(502));
    assert_eq!(gh.pending_faults()[0].times, 2);
    let first = post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "t"})).await;
    assert_eq!(
        (first.status, first.body["message"].as_str()),
        (502, Some("Bad Gateway"))
    );
    assert_eq!(
        post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "t"}))
            .await
            .status,
        502
    );
    assert!(gh.issues().is_empty(), "a faulted request changes nothing");
    assert_eq!(
        post(&gh, ISSUES, OWNER_TOKEN, json!({"title": "t"}))
            .await
            .status,
        201
    );
    assert_eq!(get(&gh, "/user", OWNER_TOKEN).await.status, 503);
    assert_eq!(get(&gh, "/user", OWNER_TOKEN).await.status, 200);
    assert_eq!(
        get(&gh, "/repositories/1/issues?page=2", OWNER_TOKEN)
            .await
            .status,
        429,
        "suffixes match GitHub's Link paths too"
    );
    let limited = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"state": "closed"}),
    )
    .await;
    assert_eq!(
        (limited.status, limited.header("retry-after")),
        (403, Some("7"))
    );
    assert!(
        limited.body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("You have exceeded a secondary rate limit"))
    );
    assert_eq!(gh.issue(1).expect("#1").state, "open");
    assert!(gh.pending_faults().is_empty());
    let log: Vec<(u16, bool)> = gh
        .requests()
        .iter()
        .map(|r| (r.status, r.counted))
        .collect();
    assert_eq!(
        log,
        vec![
            (502, false),
            (502, false),
            (201, true),
            (503, false),
            (200, true),
            (429, false),
            (403, false)
        ]
    );
    assert_eq!(gh.remaining(OWNER_TOKEN), 4_998, "faults spend no budget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn octocrab_sees_a_dropped_create_as_a_transport_error_after_the_issue_exists() {
    let gh = Emulator::start().await;
    gh.inject(Fault::drop_after_write("POST", ISSUES));
    let crab = octocrab_for(&gh, OWNER_TOKEN);
    let outcome = crab
        .issues("acme", "web")
        .create("Lost answer")
        .send()
        .await;
    let error = format!("{outcome:?}");
    assert!(
        error.contains("IncompleteMessage"),
        "a transport error, not an answer: {error}"
    );
    assert_eq!(gh.issues().len(), 1);
    gh.inject(Fault::drop_connection("GET", "/issues/1"));
    let outcome = crab.issues("acme", "web").get(1).await;
    assert!(outcome.is_err());
    assert_eq!(
        crab.issues("acme", "web")
            .get(1)
            .await
            .expect("the issue")
            .title,
        "Lost answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adds_latency_to_every_answer() {
    let gh = Emulator::start().await;
    gh.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(get(&gh, "/user", OWNER_TOKEN).await.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    gh.set_latency(Duration::ZERO);
    let started = Instant::now();
    get(&gh, "/user", OWNER_TOKEN).await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_under_the_enterprise_server_prefix() {
    let gh = Emulator::start_with_prefix("/api/v3").await;
    assert_eq!(
        gh.url(),
        format!("http://127.0.0.1:{}/api/v3", gh.addr().port())
    );
    for n in 1..=3 {
        gh.seed_issue(OWNER_TOKEN, &format!("{n}"), "", &[]);
    }
    let first = get(&gh, "/repos/acme/web/issues?per_page=2", OWNER_TOKEN).await;
    let base = format!("{}/repositories/1/issues", gh.url());
    assert_eq!(
        first.header("link"),
        Some(
            format!(
                "<{base}?per_page=2&page=2>; rel=\"next\", <{base}?per_page=2&page=2>; rel=\"last\""
            )
            .as_str()
        )
    );
    assert_eq!(
        first.body[0]["url"],
        format!("{}/repos/acme/web/issues/3", gh.url())
    );
    let crab = octocrab_for(&gh, OWNER_TOKEN);
    let page = crab
        .issues("acme", "web")
        .list()
        .per_page(2)
        .send()
        .await
        .expect("a page");
    let all = crab.all_pages(page).await.expect("all pages");
    assert_eq!(all.len(), 3);
    assert_eq!(
        gh.requests().last().map(|r| r.path.clone()),
        Some("/repositories/1/issues".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_many_issues_keeps_the_clock_on_real_time() {
    let gh = Emulator::start().await;
    for n in 0..300 {
        gh.seed_issue(OWNER_TOKEN, &format!("{n}"), "", &[]);
    }
    for n in 1..=300 {
        gh.close_issue(n, "completed");
    }
    let latest = gh
        .issues()
        .iter()
        .map(|i| i.updated_at)
        .max()
        .expect("issues");
    assert!(
        latest <= chrono::Utc::now() + chrono::Duration::seconds(2),
        "{latest}"
    );
    gh.close_issue(1, "not_planned");
    gh.reopen_issue(1);
    let reopened = gh.issue(1).expect("#1");
    assert!(
        reopened.updated_at > reopened.created_at + chrono::Duration::seconds(1),
        "each direct edit moves updated_at"
    );
    let first = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"title": "a"}),
    )
    .await;
    let second = patch(
        &gh,
        "/repos/acme/web/issues/1",
        OWNER_TOKEN,
        json!({"title": "b"}),
    )
    .await;
    assert!(second.body["updated_at"].as_str() > first.body["updated_at"].as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn octocrab_reads_users_repositories_rate_limits_labels_milestones_and_comments() {
    let gh = Emulator::start().await;
    let crab = octocrab_for(&gh, OWNER_TOKEN);
    let me = crab.current().user().await.expect("the user");
    assert_eq!((me.login.as_str(), me.id.0), ("octocat", 1));
    let bot = octocrab_for(&gh, ACTIONS_TOKEN).current().user().await;
    assert!(
        matches!(&bot, Err(octocrab::Error::GitHub { source, .. }) if source.message == "Resource not accessible by integration"),
        "{bot:?}"
    );
    let repo = crab
        .repos("acme", "web")
        .get()
        .await
        .expect("the repository");
    assert_eq!(repo.full_name.as_deref(), Some("acme/web"));
    assert_eq!(repo.permissions.map(|p| p.push), Some(true));
    let limits = crab.ratelimit().get().await.expect("the rate limit");
    assert_eq!(
        (limits.resources.core.limit, limits.resources.core.remaining),
        (5_000, 4_998)
    );

    let issues = crab.issues("acme", "web");
    let label = issues
        .create_label("sev-1", "b60205", "Severity one")
        .await
        .expect("a label");
    assert_eq!(
        (label.name.as_str(), label.color.as_str()),
        ("sev-1", "b60205")
    );
    assert_eq!(
        issues
            .get_label("sev-1")
            .await
            .expect("the label")
            .description
            .as_deref(),
        Some("Severity one")
    );
    let labels = issues
        .list_labels_for_repo()
        .per_page(2)
        .send()
        .await
        .expect("labels");
    assert_eq!(crab.all_pages(labels).await.expect("every label").len(), 4);
    let milestone = issues
        .create_milestone("Q3")
        .send()
        .await
        .expect("a milestone");
    assert_eq!(milestone.number, 1);
    assert_eq!(
        issues.get_milestone(1).await.expect("the milestone").title,
        "Q3"
    );
    assert_eq!(
        issues
            .list_milestones()
            .send()
            .await
            .expect("milestones")
            .items
            .len(),
        1
    );

    let number = issues
        .create("t")
        .milestone(1u64)
        .send()
        .await
        .expect("an issue")
        .number;
    let added = issues
        .add_labels(number, &["sev-1".to_string(), "postmortem".to_string()])
        .await
        .expect("labels added");
    assert_eq!(added.len(), 2);
    let left = issues
        .remove_label(number, "sev-1")
        .await
        .expect("a label removed");
    assert_eq!(
        left.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        vec!["postmortem"]
    );
    assert!(issues.check_assignee("hubot").await.expect("an answer"));
    assert!(!issues.check_assignee("mallory").await.expect("an answer"));
    for n in 0..3 {
        issues
            .create_comment(number, format!("comment {n}"))
            .await
            .expect("a comment");
    }
    let comments = issues
        .list_comments(number)
        .per_page(2)
        .send()
        .await
        .expect("comments");
    let all = crab.all_pages(comments).await.expect("every comment");
    assert_eq!(
        all.iter()
            .filter_map(|c| c.body.as_deref())
            .collect::<Vec<_>>(),
        vec!["comment 0", "comment 1", "comment 2"]
    );
    let issue = issues.get(number).await.expect("the issue");
    assert_eq!(
        (issue.comments, issue.milestone.map(|m| m.title)),
        (3, Some("Q3".to_string()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_unknown_paths_bad_json_and_both_authorization_schemes() {
    let gh = Emulator::start().await;
    let unknown = get(&gh, "/repos/acme/web/pulls", OWNER_TOKEN).await;
    assert_eq!(
        (unknown.status, unknown.body.clone()),
        (
            404,
            json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
        )
    );
    assert_eq!(
        get(&gh, "/repositories/2/issues", OWNER_TOKEN).await.status,
        404
    );
    assert_eq!(
        send(
            &gh,
            "DELETE",
            "/repos/acme/web/issues/1",
            Some(OWNER_TOKEN),
            &[],
            None
        )
        .await
        .expect("an answer")
        .status,
        404
    );
    let raw = send(
        &gh,
        "POST",
        ISSUES,
        Some(OWNER_TOKEN),
        &[("content-type", "application/json")],
        None,
    )
    .await
    .expect("an answer");
    assert_eq!(raw.status, 422, "an empty body has no title");
    let addr = gh.addr();
    let garbled = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("a connection");
        let body = "{not json";
        let request = format!(
            "POST /repos/acme/web/issues HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: token {OWNER_TOKEN}\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("a write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("a read");
        answer
    })
    .await
    .expect("the request");
    assert!(garbled.starts_with("HTTP/1.1 400"), "{garbled}");
    assert!(
        garbled.contains(r#""message":"Problems parsing JSON""#),
        "{garbled}"
    );
    assert_eq!(
        gh.requests()[4].token.as_deref(),
        Some(OWNER_TOKEN),
        "`token X` is read like `Bearer X`"
    );
    let enterprise = get(&gh, "/api/v3/user", OWNER_TOKEN).await;
    assert_eq!(
        enterprise.body["login"], "octocat",
        "/api/v3 is accepted too"
    );
    assert_eq!(gh.requests()[5].path, "/user");
}
