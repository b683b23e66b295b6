//! Tests of the GitLab emulator hosting several projects: each numbers its own issues and merge
//! requests and has its own labels, notes and members (inherited only from the groups above
//! it), a project is reached by its id or its encoded path, its URLs and `Link` headers name
//! it, a project never added answers 404, and every answer still matches GitLab's OpenAPI
//! description.

use serde_json::{Value, json};

use super::{get, gitlab_leniency, iids, post, put, send};
use crate::support::gitlab::{
    BOT_USERNAME, DEVELOPER, DEVELOPER_TOKEN, GitLab, MAINTAINER, OUTSIDER_TOKEN, OWNER,
    OWNER_TOKEN, PROJECT_PATH, REPORTER, REPORTER_TOKEN,
};
use crate::support::http::contract;

const API: &str = "acme/platform/api";
const API_SEGMENT: &str = "acme%2Fplatform%2Fapi";
const OPS: &str = "infra/ops";
const OPS_SEGMENT: &str = "infra%2Fops";

/// `acme/platform/api` (44: ada a Maintainer, devon a Developer) and `infra/ops` (45: ada a
/// Maintainer), beside the configured project.
fn two_more(gl: &GitLab) -> (u64, u64) {
    let api = gl.add_project(API, &[("ada", 40), ("devon", 30)]);
    let ops = gl.add_project(OPS, &[("ada", 40)]);
    (api, ops)
}

fn titles(issues: &[crate::support::gitlab::IssueSnapshot]) -> Vec<(u64, &str)> {
    issues.iter().map(|i| (i.iid, i.title.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_project_numbers_its_own_issues_under_its_own_path() {
    let gl = GitLab::start().await;
    assert_eq!(two_more(&gl), (44, 45));
    let mut created = Vec::new();
    for (path, title) in [
        ("/projects/42/issues".to_string(), "Web 1"),
        (format!("/projects/{API_SEGMENT}/issues"), "Api 1"),
        (format!("/projects/{OPS_SEGMENT}/issues"), "Ops 1"),
        ("/projects/44/issues".to_string(), "Api 2"),
        (
            "/projects/ACME%2FPlatform%2FApi/issues".to_string(),
            "Api 3",
        ),
    ] {
        let answer = post(&gl, &path, OWNER_TOKEN, json!({"title": title})).await;
        assert_eq!(answer.status, 201, "POST {path}");
        created.push(answer.body);
    }
    let field = |name: &str| -> Vec<u64> {
        created
            .iter()
            .map(|i| i[name].as_u64().expect("a number"))
            .collect()
    };
    assert_eq!(field("iid"), vec![1, 1, 1, 2, 3]);
    assert_eq!(field("project_id"), vec![42, 44, 45, 44, 44]);
    let mut ids = field("id");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5, "issue ids are unique on the instance");

    let url = gl.url();
    let api_3 = &created[4];
    assert_eq!(
        (
            &api_3["web_url"],
            &api_3["references"],
            &api_3["_links"]["self"],
            &api_3["_links"]["project"],
        ),
        (
            &json!(format!("{url}/{API}/-/issues/3")),
            &json!({"short": "#3", "relative": "#3", "full": "acme/platform/api#3"}),
            &json!(format!("{url}/api/v4/projects/44/issues/3")),
            &json!(format!("{url}/api/v4/projects/44")),
        ),
        "a path in another case still answers with the project's own path"
    );

    assert_eq!(titles(&gl.issues()), [(1, "Web 1")]);
    assert_eq!(
        titles(&gl.issues_in(API)),
        [(1, "Api 1"), (2, "Api 2"), (3, "Api 3")]
    );
    assert_eq!(titles(&gl.issues_in("Infra/Ops")), [(1, "Ops 1")]);
    assert_eq!(gl.issue_in(API, 2).map(|i| i.author), Some("ada".into()));

    // Reads reach the project by id or path; a list's links name the path as it was sent.
    for path in [
        "/projects/44/issues",
        "/projects/acme%2Fplatform%2Fapi/issues",
    ] {
        let list = get(&gl, &format!("{path}?per_page=2&sort=asc"), OWNER_TOKEN).await;
        assert_eq!((list.status, iids(&list)), (200, vec![1, 2]), "{path}");
    }
    let list = get(
        &gl,
        &format!("/projects/{OPS_SEGMENT}/issues?per_page=1"),
        OWNER_TOKEN,
    )
    .await;
    let first = format!(
        "<{url}/api/v4/projects/{OPS_SEGMENT}/issues?id=infra%2Fops&order_by=created_at&page=1&\
         per_page=1&sort=desc&state=all&with_labels_details=false>"
    );
    assert_eq!(
        list.header("link"),
        Some(format!("{first}; rel=\"first\", {first}; rel=\"last\"").as_str())
    );
    let one = get(&gl, "/projects/45/issues/1", OWNER_TOKEN).await;
    assert_eq!((one.status, &one.body["title"]), (200, &json!("Ops 1")));
    let missing = get(&gl, "/projects/45/issues/2", OWNER_TOKEN).await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "404 Not found"})),
        "iid 2 is another project's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_notes_and_merge_requests_belong_to_their_project() {
    let gl = GitLab::start().await;
    two_more(&gl);
    for (project, title) in [("42", "Web 1"), ("42", "Web 2"), ("44", "Api 1")] {
        let answer = post(
            &gl,
            &format!("/projects/{project}/issues"),
            OWNER_TOKEN,
            json!({"title": title, "labels": if project == "44" { "postmortem,backend" } else { "postmortem" }}),
        )
        .await;
        assert_eq!(answer.status, 201);
    }
    gl.seed_issue_in(API, OWNER_TOKEN, "Api 2", "", &["seeded"]);
    assert_eq!(gl.labels(), ["postmortem"]);
    assert_eq!(gl.labels_in(API), ["postmortem", "backend", "seeded"]);
    assert_eq!(gl.labels_in(OPS), Vec::<String>::new());

    let on_api = post(
        &gl,
        &format!("/projects/{API_SEGMENT}/issues/1/notes"),
        OWNER_TOKEN,
        json!({"body": "On the api issue"}),
    )
    .await;
    let on_web = post(
        &gl,
        "/projects/42/issues/1/notes",
        OWNER_TOKEN,
        json!({"body": "On the web issue"}),
    )
    .await;
    assert_eq!((on_api.status, on_web.status), (201, 201));
    assert_eq!(
        (&on_api.body["project_id"], &on_api.body["noteable_iid"]),
        (&json!(44), &json!(1))
    );
    assert_ne!(on_api.body["id"], on_web.body["id"], "note ids are unique");
    let notes = get(&gl, "/projects/44/issues/1/notes", OWNER_TOKEN).await;
    let bodies: Vec<&Value> = (notes.body.as_array().expect("a list").iter())
        .map(|n| &n["body"])
        .collect();
    assert_eq!(bodies, [&json!("On the api issue")]);
    gl.add_note_in(API, DEVELOPER_TOKEN, 2, "by devon");
    assert_eq!(gl.issue_in(API, 2).expect("api#2").notes, ["by devon"]);
    assert_eq!(gl.issue(2).expect("web#2").notes, Vec::<String>::new());

    let closed = put(
        &gl,
        &format!("/projects/{API_SEGMENT}/issues/1"),
        OWNER_TOKEN,
        json!({"state_event": "close", "add_labels": "not planned"}),
    )
    .await;
    assert_eq!(closed.status, 200);
    let (api_1, web_1) = (gl.issue_in(API, 1).unwrap(), gl.issue(1).unwrap());
    assert_eq!(
        (api_1.state.as_str(), api_1.labels),
        (
            "closed",
            vec!["backend".into(), "not planned".into(), "postmortem".into()]
        )
    );
    assert_eq!(
        (web_1.state.as_str(), web_1.labels),
        ("opened", vec!["postmortem".into()])
    );
    assert!(!gl.labels().contains(&"not planned".to_string()));

    // `Closes #2` names issue 2 of the merge request's own project; iids start at 1 in each.
    let in_api = gl.open_merge_request_in(API, DEVELOPER_TOKEN, "Api fix", "Closes #2");
    let in_web = gl.open_merge_request(DEVELOPER_TOKEN, "Web fix", "Closes #1");
    assert_eq!((in_api, in_web), (1, 1));
    assert_eq!(gl.closing_issues_in(API, in_api), [2]);
    gl.merge_in(API, in_api);
    let api_2 = gl.issue_in(API, 2).unwrap();
    assert_eq!(
        (api_2.state.as_str(), api_2.closed_by.as_deref()),
        ("closed", Some("devon"))
    );
    assert_eq!(
        gl.issue(2).unwrap().state,
        "opened",
        "web#2 is another issue"
    );
    let by = get(&gl, "/projects/44/issues/2/closed_by", OWNER_TOKEN).await;
    assert_eq!(
        (
            &by.body[0]["project_id"],
            &by.body[0]["references"]["full"],
            &by.body[0]["state"]
        ),
        (&json!(44), &json!("acme/platform/api!1"), &json!("merged"))
    );
    let web_by = get(&gl, "/projects/42/issues/1/closed_by", OWNER_TOKEN).await;
    assert_ne!(
        web_by.body[0]["id"], by.body[0]["id"],
        "merge request ids are unique"
    );
    let none = get(&gl, "/projects/42/issues/2/closed_by", OWNER_TOKEN).await;
    assert_eq!(none.body, json!([]));
}

/// The access level `members/all` answers for `username` in `project`, `None` for a 404.
async fn level(gl: &GitLab, project: &str, username: &str) -> Option<u64> {
    let user = gl.user_id(username);
    let answer = get(
        gl,
        &format!("/projects/{project}/members/all/{user}"),
        OWNER_TOKEN,
    )
    .await;
    match answer.status {
        200 => answer.body["access_level"].as_u64(),
        404 => {
            assert_eq!(answer.body, json!({"message": "404 Not found"}));
            None
        }
        status => panic!("{project}, {username}: {status}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_is_per_project_and_inherited_only_from_the_groups_above() {
    let gl = GitLab::start().await;
    gl.add_project(API, &[("devon", MAINTAINER.into())]);
    gl.add_project(OPS, &[("ada", DEVELOPER.into())]);
    gl.add_project("gus/notes", &[]);
    let people = ["ada", "devon", "rita", "gus", BOT_USERNAME];
    let mut levels = Vec::new();
    for project in ["42", API_SEGMENT, OPS_SEGMENT, "gus%2Fnotes"] {
        for name in people {
            levels.push(level(&gl, project, name).await);
        }
    }
    let (m, d, r, g, o) = (
        Some(u64::from(MAINTAINER)),
        Some(u64::from(DEVELOPER)),
        Some(u64::from(REPORTER)),
        Some(10),
        Some(u64::from(OWNER)),
    );
    assert_eq!(
        levels,
        [
            // acme/platform/web: as populated.
            [m, d, r, g, m],
            // acme/platform/api: devon directly, rita through acme; web's members are not here.
            [None, m, r, None, None],
            // infra/ops, in a group of its own: acme's Reporter is nobody here.
            [d, None, None, None, None],
            // gus's own project: gus is its Owner.
            [None, None, None, o, None],
        ]
        .concat()
    );
    gl.add_member(OPS, "rita", REPORTER);
    assert_eq!(level(&gl, OPS_SEGMENT, "rita").await, r);

    // What a caller may set follows its access there: rita (a Reporter of acme/platform/api
    // through acme) keeps her labels, mallory's are dropped, and in infra/ops ada (a Developer
    // there) edits what devon (nobody there) may not.
    let mut kept = Vec::new();
    for token in [REPORTER_TOKEN, OUTSIDER_TOKEN] {
        let answer = post(
            &gl,
            &format!("/projects/{API_SEGMENT}/issues"),
            token,
            json!({"title": "Labelled", "labels": "postmortem"}),
        )
        .await;
        assert_eq!(answer.status, 201);
        kept.push(answer.body["labels"].clone());
    }
    assert_eq!(kept, [json!(["postmortem"]), json!([])]);
    let ops = post(
        &gl,
        "/projects/45/issues",
        OWNER_TOKEN,
        json!({"title": "Ops"}),
    )
    .await;
    assert_eq!(ops.status, 201);
    let by_devon = put(
        &gl,
        "/projects/45/issues/1",
        DEVELOPER_TOKEN,
        json!({"title": "x"}),
    )
    .await;
    assert_eq!(
        (by_devon.status, by_devon.body),
        (403, json!({"message": "403 Forbidden"}))
    );
    let by_ada = put(
        &gl,
        "/projects/45/issues/1",
        OWNER_TOKEN,
        json!({"title": "Ops!"}),
    )
    .await;
    assert_eq!(by_ada.status, 200);
}

/// Every route of a project, at `project` (an id or an encoded path): status and body.
async fn every_route(gl: &GitLab, project: &str) -> Vec<(u16, Value)> {
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/issues".into(), None),
        ("POST", "/issues".into(), Some(json!({"title": "x"}))),
        ("GET", "/issues/1".into(), None),
        ("PUT", "/issues/1".into(), Some(json!({"title": "y"}))),
        ("GET", "/issues/1/notes".into(), None),
        ("POST", "/issues/1/notes".into(), Some(json!({"body": "z"}))),
        ("GET", "/issues/1/closed_by".into(), None),
        ("GET", format!("/members/all/{}", gl.user_id("ada")), None),
    ];
    let mut out = Vec::new();
    for (method, rest, body) in &routes {
        let path = format!("/projects/{project}{rest}");
        let answer = send(gl, method, &path, Some(OWNER_TOKEN), body.as_ref())
            .await
            .expect("an answer");
        out.push((answer.status, answer.body));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_never_added_answers_404_on_every_route() {
    let gl = GitLab::start().await;
    let not_found = json!({"message": "404 Project Not Found"});
    for project in [API_SEGMENT, "44"] {
        let answers = every_route(&gl, project).await;
        assert_eq!(answers.len(), 8);
        assert!(
            answers.iter().all(|(s, b)| (*s, b) == (404, &not_found)),
            "{project}: {answers:#?}"
        );
    }
    assert_eq!(gl.add_project(API, &[("ada", 40)]), 44);
    for project in [API_SEGMENT, "44"] {
        let statuses: Vec<u16> = (every_route(&gl, project).await.into_iter())
            .map(|(s, _)| s)
            .collect();
        assert_eq!(
            statuses,
            [200, 201, 200, 200, 200, 201, 200, 200],
            "{project}"
        );
    }
    assert_eq!(gl.issues_in(API).len(), 2);
    assert_eq!(gl.issues(), Vec::new(), "{PROJECT_PATH} is untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_about_an_added_project_match_gitlabs_openapi_description() {
    let Some(doc) = contract::description_from_env("AFTERCARE_GITLAB_OPENAPI") else {
        return;
    };
    let gl = GitLab::start().await;
    two_more(&gl);
    let devon = gl.user_id("devon");
    const ISSUES_T: &str = "/api/v4/projects/{id}/issues";
    const ISSUE_T: &str = "/api/v4/projects/{id}/issues/{issue_iid}";
    const NOTES_T: &str = "/api/v4/projects/{id}/issues/{noteable_id}/notes";
    const MEMBER_T: &str = "/api/v4/projects/{id}/members/all/{user_id}";
    let issues = format!("/projects/{API_SEGMENT}/issues");
    let drives: Vec<(&str, &str, String, Option<Value>)> = vec![
        (
            "post",
            ISSUES_T,
            issues.clone(),
            Some(json!({"title": "New", "labels": "postmortem", "assignee_ids": [devon]})),
        ),
        ("get", ISSUES_T, format!("{issues}?labels=postmortem"), None),
        ("get", ISSUES_T, "/projects/45/issues".into(), None),
        ("get", ISSUES_T, "/projects/46/issues".into(), None),
        ("get", ISSUE_T, format!("{issues}/1"), None),
        (
            "put",
            ISSUE_T,
            "/projects/44/issues/1".into(),
            Some(json!({"state_event": "close", "add_labels": "not planned"})),
        ),
        (
            "post",
            NOTES_T,
            format!("{issues}/1/notes"),
            Some(json!({"body": "Moved"})),
        ),
        ("get", NOTES_T, format!("{issues}/1/notes"), None),
        (
            "get",
            MEMBER_T,
            format!("/projects/44/members/all/{devon}"),
            None,
        ),
        (
            "get",
            MEMBER_T,
            format!("/projects/{OPS_SEGMENT}/members/all/{devon}"),
            None,
        ),
    ];
    let leniency = gitlab_leniency();
    let mut statuses = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for (method, template, path, body) in drives {
        let answer = send(
            &gl,
            &method.to_uppercase(),
            &path,
            Some(OWNER_TOKEN),
            body.as_ref(),
        )
        .await
        .expect("an answer");
        statuses.push(answer.status);
        match contract::response_schema(&doc, method, template, answer.status) {
            Err(problem) => failures.push(format!("{method} {path}: {problem}")),
            Ok(None) => assert!(answer.body.get("message").is_some(), "{path}"),
            Ok(Some(schema)) => {
                for problem in contract::check_leniently(&doc, schema, &answer.body, &leniency) {
                    failures.push(format!("{method} {path} ({}): {problem}", answer.status));
                }
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(statuses, [201, 200, 200, 404, 200, 200, 201, 200, 200, 404]);
}
