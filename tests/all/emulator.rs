//! Tests of the GitHub emulator itself: every endpoint and behaviour the other tests rely on,
//! driven over real HTTP, plus octocrab running against it unchanged. These tests must not
//! reach the network beyond 127.0.0.1.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use std::io::{Read, Write};

use crate::support::emulator::{
    ACTIONS_TOKEN, Account, COLLAB_TOKEN, Emulator, Fault, OUTSIDER_TOKEN, OWNER_TOKEN,
};

/// What the raw client received.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A deliberately plain HTTP/1.1 client (one connection per request), so tests see exactly
/// what the emulator sent: status, every header, the body, or a dropped connection (`None`).
async fn send(
    gh: &Emulator,
    method: &str,
    path_and_query: &str,
    token: Option<&str>,
    extra_headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Option<Answer> {
    let addr = gh.addr();
    let prefix = gh
        .url()
        .splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!(
        "{method} {prefix}{path_and_query} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\nuser-agent: emulator-test\r\ncontent-length: {}\r\n",
        addr,
        body.len()
    );
    if let Some(token) = token {
        request.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    let raw = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).ok()?;
        stream.write_all(request.as_bytes()).ok()?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).ok()?;
        Some(raw)
    })
    .await
    .ok()??;
    if raw.is_empty() {
        return None;
    }
    let text = String::from_utf8(raw).expect("the emulator answers UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete HTTP head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).expect("the emulator answers JSON")
    };
    Some(Answer {
        status,
        headers,
        body,
    })
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
    assert!(elapsed < Duration::from_millis(50), "took {elapsed:?}");
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
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![0, 201]);
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

/// The description named by `AFTERCARE_OPENAPI`; `None` (and a plain note) when it is not set.
fn openapi() -> Option<Value> {
    let Some(path) = std::env::var_os("AFTERCARE_OPENAPI") else {
        println!("skipped: AFTERCARE_OPENAPI is not set");
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("AFTERCARE_OPENAPI is set to {path:?}, which cannot be read: {e}")
    });
    Some(serde_json::from_str(&text).expect("the OpenAPI description is JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_matches_githubs_openapi_description() {
    use crate::support::emulator::contract;

    let Some(doc) = openapi() else {
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
    let mut drives: Vec<(
        &str,
        &str,
        String,
        Option<&str>,
        Option<Value>,
        Vec<(&str, String)>,
    )> = vec![
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
