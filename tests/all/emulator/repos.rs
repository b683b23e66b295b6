//! Tests of the emulator hosting several repositories: each numbers its own issues and has its
//! own labels and collaborators, `/repos/{owner}/{name}` and `/repositories/{id}` reach it,
//! its URLs and `Link` headers name it, a repository never added answers 404, and every answer
//! still matches GitHub's OpenAPI description.

use serde_json::{Value, json};

use super::{get, octocrab_for, patch, post, send};
use crate::support::emulator::{
    ACTIONS_TOKEN, Account, COLLAB_TOKEN, Emulator, OUTSIDER_TOKEN, OWNER_TOKEN, contract,
};

/// `(number, title)` of each issue of a listing, in its order.
fn titles(list: &Value) -> Vec<(u64, String)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|i| {
            (
                i["number"].as_u64().expect("a number"),
                i["title"].as_str().expect("a title").to_string(),
            )
        })
        .collect()
}

fn label_names(issue: &Value) -> Vec<String> {
    issue["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l["name"].as_str().expect("a name").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_repository_numbers_its_own_issues_under_its_own_name() {
    let gh = Emulator::start().await;
    assert_eq!(gh.add_repository("acme/api", &["octocat", "hubot"]), 2);
    assert_eq!(gh.add_repository("globex/ops", &["hubot"]), 3);

    let mut created = Vec::new();
    for (path, token, title) in [
        ("/repos/acme/web/issues", OWNER_TOKEN, "Web 1"),
        ("/repos/acme/api/issues", OWNER_TOKEN, "Api 1"),
        ("/repos/globex/ops/issues", COLLAB_TOKEN, "Ops 1"),
        ("/repositories/2/issues", COLLAB_TOKEN, "Api 2"),
        ("/repos/ACME/Api/issues", OWNER_TOKEN, "Api 3"),
    ] {
        let answer = post(&gh, path, token, json!({"title": title})).await;
        assert_eq!(answer.status, 201, "POST {path}");
        created.push(answer.body);
    }
    let numbers: Vec<u64> = created
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 1, 1, 2, 3]);
    let mut ids: Vec<u64> = created.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5, "issue ids are unique across repositories");

    let base = gh.url();
    let api_3 = &created[4];
    assert_eq!(
        (
            api_3["url"].as_str(),
            api_3["repository_url"].as_str(),
            api_3["html_url"].as_str(),
        ),
        (
            Some(format!("{base}/repos/acme/api/issues/3").as_str()),
            Some(format!("{base}/repos/acme/api").as_str()),
            Some("https://github.com/acme/api/issues/3"),
        ),
        "a path in another case still answers with the repository's own names"
    );
    assert_eq!(
        created[2]["html_url"],
        "https://github.com/globex/ops/issues/1"
    );

    let web = get(&gh, "/repos/acme/web/issues?state=all", OWNER_TOKEN).await;
    assert_eq!(titles(&web.body), vec![(1, "Web 1".to_string())]);
    let api = get(&gh, "/repositories/2/issues?state=all", OWNER_TOKEN).await;
    assert_eq!(
        titles(&api.body),
        vec![
            (3, "Api 3".to_string()),
            (2, "Api 2".to_string()),
            (1, "Api 1".to_string()),
        ]
    );
    let by_id = get(&gh, "/repositories/3/issues/1", OUTSIDER_TOKEN).await;
    assert_eq!(
        (by_id.status, by_id.body["title"].as_str()),
        (200, Some("Ops 1"))
    );
    let missing = get(&gh, "/repos/globex/ops/issues/2", OWNER_TOKEN).await;
    assert_eq!(missing.status, 404, "globex/ops has only #1");

    let repository = get(&gh, "/repositories/3", COLLAB_TOKEN).await;
    assert_eq!(
        (
            repository.body["id"].clone(),
            repository.body["full_name"].clone(),
            repository.body["owner"]["login"].clone(),
            repository.body["owner"]["type"].clone(),
            repository.body["html_url"].clone(),
            repository.body["open_issues_count"].clone(),
        ),
        (
            json!(3),
            json!("globex/ops"),
            json!("globex"),
            json!("Organization"),
            json!("https://github.com/globex/ops"),
            json!(1),
        )
    );
    let web_repository = get(&gh, "/repos/acme/web", OWNER_TOKEN).await;
    assert_eq!(
        (
            web_repository.body["id"].clone(),
            web_repository.body["node_id"].clone()
        ),
        (json!(1), json!("R_kgDOAAAAAQ"))
    );
    assert_eq!(repository.body["node_id"], "R_kgDOAAAAAw");

    // The test handles: `_in` acts on the named repository, the others on acme/web.
    let seeded = gh.seed_issue_in("acme/api", OWNER_TOKEN, "Seeded", "b", &["postmortem"]);
    assert_eq!(seeded, 4);
    gh.close_issue_in("acme/api", 1, "not_planned");
    gh.delete_issue_in("acme/api", 2);
    let api: Vec<(u64, String, Option<String>, Vec<String>)> = gh
        .issues_in("acme/api")
        .into_iter()
        .map(|i| (i.number, i.state, i.state_reason, i.labels))
        .collect();
    assert_eq!(
        api,
        vec![
            (
                1,
                "closed".to_string(),
                Some("not_planned".to_string()),
                vec![]
            ),
            (3, "open".to_string(), None, vec![]),
            (4, "open".to_string(), None, vec!["postmortem".to_string()]),
        ]
    );
    let web: Vec<(u64, String)> = gh
        .issues()
        .into_iter()
        .map(|i| (i.number, i.state))
        .collect();
    assert_eq!(web, vec![(1, "open".to_string())]);
    assert_eq!(
        gh.labels(),
        vec!["bug", "documentation", "enhancement"],
        "a label used in acme/api is not one of acme/web's"
    );
    let labels = get(&gh, "/repos/acme/api/labels", OWNER_TOKEN).await;
    let names: Vec<&str> = labels
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["bug", "documentation", "enhancement", "postmortem"]
    );
    assert_eq!(
        labels.body[3]["url"],
        format!("{base}/repos/acme/api/labels/postmortem")
    );
    let again = post(
        &gh,
        "/repos/acme/api/issues",
        OWNER_TOKEN,
        json!({"title": "Api 5"}),
    )
    .await;
    assert_eq!(
        again.body["number"], 5,
        "a deleted issue's number is not reused"
    );

    // The log keeps each path as the client sent it.
    let paths: Vec<String> = gh
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        vec![
            "/repos/acme/web/issues",
            "/repos/acme/api/issues",
            "/repos/globex/ops/issues",
            "/repositories/2/issues",
            "/repos/ACME/Api/issues",
            "/repos/acme/api/issues",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_access_and_association_belong_to_each_repository() {
    let gh = Emulator::start().await;
    gh.add_repository("acme/api", &["octocat", "dev"]);
    gh.add_repository("globex/ops", &["octocat", "github-actions[bot]"]);
    gh.add_account("dev-token", Account::outsider("dev"));
    let web_milestone = gh.seed_milestone("Q3");

    // hubot, a collaborator of acme/web, is nobody in acme/api: what it may not set is
    // dropped without a word, as GitHub does.
    let by_hubot = post(
        &gh,
        "/repos/acme/api/issues",
        COLLAB_TOKEN,
        json!({"title": "From hubot", "labels": ["postmortem"], "assignees": ["octocat"], "milestone": 1}),
    )
    .await;
    assert_eq!(by_hubot.status, 201);
    assert_eq!(
        (
            by_hubot.body["author_association"].clone(),
            by_hubot.body["labels"].clone(),
            by_hubot.body["assignees"].clone(),
            by_hubot.body["milestone"].clone(),
        ),
        (json!("NONE"), json!([]), json!([]), Value::Null)
    );
    let in_web = post(
        &gh,
        "/repos/acme/web/issues",
        COLLAB_TOKEN,
        json!({"title": "From hubot", "labels": ["postmortem"], "milestone": web_milestone}),
    )
    .await;
    assert_eq!(
        (
            in_web.body["author_association"].clone(),
            label_names(&in_web.body)
        ),
        (json!("COLLABORATOR"), vec!["postmortem".to_string()]),
        "in acme/web hubot is still a collaborator"
    );
    let api_labels = get(&gh, "/repos/acme/api/labels", OWNER_TOKEN).await;
    assert_eq!(
        api_labels.body.as_array().map(Vec::len),
        Some(3),
        "no label was created in acme/api"
    );

    // dev, an account added after the repository and listed in it, is its collaborator there
    // and an outsider in acme/web.
    let by_dev = post(
        &gh,
        "/repos/acme/api/issues",
        "dev-token",
        json!({"title": "From dev", "labels": ["postmortem"], "assignees": ["octocat", "dev"]}),
    )
    .await;
    assert_eq!(by_dev.status, 201);
    assert_eq!(
        (
            by_dev.body["author_association"].clone(),
            label_names(&by_dev.body),
            by_dev.body["assignees"][1]["login"].clone(),
        ),
        (
            json!("COLLABORATOR"),
            vec!["postmortem".to_string()],
            json!("dev")
        )
    );
    let dev_in_web = post(
        &gh,
        "/repos/acme/web/issues",
        "dev-token",
        json!({"title": "From dev", "labels": ["postmortem"]}),
    )
    .await;
    assert_eq!(
        (
            dev_in_web.body["author_association"].clone(),
            dev_in_web.body["labels"].clone()
        ),
        (json!("NONE"), json!([]))
    );

    // octocat owns what acme owns, and is a collaborator of globex's repository.
    let by_octocat = post(
        &gh,
        "/repos/acme/api/issues",
        OWNER_TOKEN,
        json!({"title": "From octocat", "labels": ["postmortem"]}),
    )
    .await;
    assert_eq!(by_octocat.body["author_association"], "OWNER");
    let in_ops = post(
        &gh,
        "/repos/globex/ops/issues",
        OWNER_TOKEN,
        json!({"title": "From octocat"}),
    )
    .await;
    assert_eq!(in_ops.body["author_association"], "COLLABORATOR");
    // The Actions bot writes where it is listed, as NONE, and is nobody elsewhere.
    let bot_in_ops = post(
        &gh,
        "/repos/globex/ops/issues",
        ACTIONS_TOKEN,
        json!({"title": "By the bot", "labels": ["postmortem"]}),
    )
    .await;
    assert_eq!(
        (
            bot_in_ops.body["author_association"].clone(),
            label_names(&bot_in_ops.body)
        ),
        (json!("NONE"), vec!["postmortem".to_string()])
    );
    let bot_in_api = post(
        &gh,
        "/repos/acme/api/issues",
        ACTIONS_TOKEN,
        json!({"title": "By the bot", "labels": ["postmortem"]}),
    )
    .await;
    assert_eq!(bot_in_api.body["labels"], json!([]));

    // Without push access: no assignment, no label, no editing of another's issue.
    let assign_hubot = post(
        &gh,
        "/repos/acme/api/issues",
        OWNER_TOKEN,
        json!({"title": "x", "assignees": ["hubot"]}),
    )
    .await;
    assert_eq!(
        (
            assign_hubot.status,
            assign_hubot.body["errors"][0]["value"].clone()
        ),
        (422, json!("hubot"))
    );
    let statuses = [
        get(&gh, "/repos/acme/api/assignees/hubot", OWNER_TOKEN)
            .await
            .status,
        get(&gh, "/repos/acme/api/assignees/dev", OWNER_TOKEN)
            .await
            .status,
        get(&gh, "/repos/acme/web/assignees/hubot", OWNER_TOKEN)
            .await
            .status,
        get(&gh, "/repos/acme/web/assignees/dev", OWNER_TOKEN)
            .await
            .status,
        patch(
            &gh,
            "/repos/acme/api/issues/2",
            COLLAB_TOKEN,
            json!({"state": "closed"}),
        )
        .await
        .status,
        patch(
            &gh,
            "/repos/acme/api/issues/1",
            COLLAB_TOKEN,
            json!({"title": "Still mine"}),
        )
        .await
        .status,
        post(
            &gh,
            "/repos/acme/api/labels",
            COLLAB_TOKEN,
            json!({"name": "x"}),
        )
        .await
        .status,
        post(
            &gh,
            "/repos/acme/api/labels",
            "dev-token",
            json!({"name": "x"}),
        )
        .await
        .status,
        post(
            &gh,
            "/repos/acme/api/issues/1/labels",
            COLLAB_TOKEN,
            json!({"labels": ["x"]}),
        )
        .await
        .status,
    ];
    assert_eq!(statuses, [404, 204, 204, 404, 403, 200, 403, 201, 403]);
    let mut push = Vec::new();
    for token in [OWNER_TOKEN, COLLAB_TOKEN, "dev-token"] {
        let repository = get(&gh, "/repos/acme/api", token).await;
        push.push(repository.body["permissions"]["push"].clone());
    }
    assert_eq!(push, [json!(true), json!(false), json!(true)]);
    assert_eq!(
        gh.issues_in("acme/api")
            .iter()
            .map(|i| (i.author.as_str(), i.author_association.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("hubot", "NONE"),
            ("dev", "COLLABORATOR"),
            ("octocat", "OWNER"),
            ("github-actions[bot]", "NONE"),
        ]
    );
    // A comment carries the commenter's association in its repository.
    let comment = post(
        &gh,
        "/repos/acme/api/issues/3/comments",
        COLLAB_TOKEN,
        json!({"body": "seen"}),
    )
    .await;
    assert_eq!(
        (
            comment.status,
            comment.body["author_association"].clone(),
            comment.body["html_url"].clone()
        ),
        (
            201,
            json!("NONE"),
            json!(format!(
                "https://github.com/acme/api/issues/3#issuecomment-{}",
                comment.body["id"]
            ))
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_repository_paginates_with_its_own_link_urls() {
    let gh = Emulator::start().await;
    gh.add_repository("acme/api", &["octocat"]);
    for n in 1..=35 {
        gh.seed_issue_in(
            "acme/api",
            OWNER_TOKEN,
            &format!("Api {n}"),
            "",
            &["postmortem"],
        );
    }
    gh.seed_issue(OWNER_TOKEN, "Web 1", "", &["postmortem"]);

    let base = format!("{}/repositories/2/issues", gh.url());
    let first = get(
        &gh,
        "/repos/acme/api/issues?labels=postmortem&per_page=30",
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(first.body.as_array().map(Vec::len), Some(30));
    assert_eq!(first.body[0]["number"], 35);
    assert_eq!(
        first.header("link"),
        Some(
            format!(
                "<{base}?labels=postmortem&per_page=30&page=2>; rel=\"next\", <{base}?labels=postmortem&per_page=30&page=2>; rel=\"last\""
            )
            .as_str()
        )
    );
    let second = get(
        &gh,
        "/repositories/2/issues?labels=postmortem&per_page=30&page=2",
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(
        titles(&second.body),
        (1..=5)
            .rev()
            .map(|n| (n, format!("Api {n}")))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        second.header("link"),
        Some(
            format!(
                "<{base}?labels=postmortem&per_page=30&page=1>; rel=\"prev\", <{base}?labels=postmortem&per_page=30&page=1>; rel=\"first\""
            )
            .as_str()
        )
    );
    let comments_base = format!("{}/repositories/2/issues/1/comments", gh.url());
    for n in 1..=3 {
        post(
            &gh,
            "/repos/acme/api/issues/1/comments",
            OWNER_TOKEN,
            json!({"body": format!("comment {n}")}),
        )
        .await;
    }
    let comments = get(
        &gh,
        "/repos/acme/api/issues/1/comments?per_page=2",
        OWNER_TOKEN,
    )
    .await;
    assert_eq!(
        comments.header("link"),
        Some(
            format!(
                "<{comments_base}?per_page=2&page=2>; rel=\"next\", <{comments_base}?per_page=2&page=2>; rel=\"last\""
            )
            .as_str()
        )
    );

    // octocrab follows the Link URLs as it would on GitHub.
    let octocrab = octocrab_for(&gh, OWNER_TOKEN);
    let page = octocrab
        .issues("acme", "api")
        .list()
        .state(octocrab::params::State::All)
        .per_page(30)
        .send()
        .await
        .expect("the first page");
    let all = octocrab.all_pages(page).await.expect("every page");
    assert_eq!(all.len(), 35);
    assert_eq!(all[34].title, "Api 1");
    let followed: Vec<(String, String)> = gh
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/issues"))
        .map(|r| (r.path.clone(), r.query.clone()))
        .collect();
    assert_eq!(
        followed[2..],
        [
            (
                "/repos/acme/api/issues".to_string(),
                "state=all&per_page=30".to_string()
            ),
            (
                "/repositories/2/issues".to_string(),
                "state=all&per_page=30&page=2".to_string()
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_never_added_answers_not_found_to_everyone() {
    let gh = Emulator::start().await;
    gh.add_repository("acme/api", &["octocat"]);
    let mut answers = Vec::new();
    for (method, path, token) in [
        ("GET", "/repos/acme/secret", Some(OWNER_TOKEN)),
        ("GET", "/repos/acme/secret/issues", Some(OWNER_TOKEN)),
        ("GET", "/repos/acme/secret/issues/1", Some(COLLAB_TOKEN)),
        ("POST", "/repos/acme/secret/issues", Some(OWNER_TOKEN)),
        ("PATCH", "/repos/acme/secret/issues/1", Some(OWNER_TOKEN)),
        ("GET", "/repos/acme/secret/labels", None),
        ("GET", "/repos/globex/web/issues", Some(OUTSIDER_TOKEN)),
        ("GET", "/repositories/3/issues", Some(OWNER_TOKEN)),
        ("GET", "/repositories/0", Some(OWNER_TOKEN)),
        ("GET", "/repositories/api/issues", Some(OWNER_TOKEN)),
        ("GET", "/repos/acme", Some(OWNER_TOKEN)),
    ] {
        let body = json!({"title": "x"});
        let answer = send(&gh, method, path, token, &[], Some(&body))
            .await
            .expect("an answer");
        answers.push((
            format!("{method} {path}"),
            answer.status,
            answer.body["message"].clone(),
        ));
    }
    let expected: Vec<(String, u16, Value)> = answers
        .iter()
        .map(|(request, _, _)| (request.clone(), 404, json!("Not Found")))
        .collect();
    assert_eq!(answers, expected);
    assert_eq!(gh.issues_in("acme/api"), Vec::new(), "nothing was created");
}

/// The contract test's request: method and path template of the operation, then the concrete
/// path, token and body.
type Drive = (
    &'static str,
    &'static str,
    String,
    &'static str,
    Option<Value>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_about_a_second_repository_matches_githubs_openapi_description() {
    let Some(issues_doc) = contract::description_from_env("AFTERCARE_OPENAPI") else {
        return;
    };
    let Some(more_doc) = contract::description_from_env("AFTERCARE_OPENAPI_MORE") else {
        return;
    };
    let gh = Emulator::start().await;
    gh.add_repository("acme/api", &["octocat", "hubot"]);
    let first = gh.seed_issue_in("acme/api", OWNER_TOKEN, "First", "body", &["postmortem"]);
    gh.close_issue_in("acme/api", first, "completed");

    let api = "/repos/acme/api";
    let drives: Vec<Drive> = vec![
        (
            "get",
            "/repos/{owner}/{repo}",
            api.to_string(),
            COLLAB_TOKEN,
            None,
        ),
        (
            "get",
            "/repos/{owner}/{repo}",
            "/repositories/2".to_string(),
            OUTSIDER_TOKEN,
            None,
        ),
        (
            "post",
            "/repos/{owner}/{repo}/milestones",
            format!("{api}/milestones"),
            OWNER_TOKEN,
            Some(json!({"title": "v1", "due_on": "2026-12-31T00:00:00Z"})),
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues",
            format!("{api}/issues"),
            COLLAB_TOKEN,
            Some(
                json!({"title": "Second", "labels": ["sev2"], "assignees": ["octocat"], "milestone": 1}),
            ),
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues",
            format!("{api}/issues"),
            OUTSIDER_TOKEN,
            Some(json!({"title": "From outside", "labels": ["sev2"]})),
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues",
            format!("{api}/issues?state=all&per_page=1"),
            OWNER_TOKEN,
            None,
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues",
            "/repositories/2/issues?state=all&per_page=1&page=2".to_string(),
            OWNER_TOKEN,
            None,
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            format!("{api}/issues/2"),
            OWNER_TOKEN,
            None,
        ),
        (
            "patch",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            format!("{api}/issues/2"),
            COLLAB_TOKEN,
            Some(json!({"state": "closed", "state_reason": "not_planned"})),
        ),
        (
            "patch",
            "/repos/{owner}/{repo}/issues/{issue_number}",
            format!("{api}/issues/2"),
            OUTSIDER_TOKEN,
            Some(json!({"title": "Not mine"})),
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            format!("{api}/issues/1/comments"),
            OUTSIDER_TOKEN,
            Some(json!({"body": "Thanks"})),
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            format!("{api}/issues/1/comments"),
            OWNER_TOKEN,
            None,
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues/{issue_number}/timeline",
            format!("{api}/issues/1/timeline"),
            OWNER_TOKEN,
            None,
        ),
        (
            "post",
            "/repos/{owner}/{repo}/labels",
            format!("{api}/labels"),
            COLLAB_TOKEN,
            Some(json!({"name": "sev1", "color": "b60205"})),
        ),
        (
            "get",
            "/repos/{owner}/{repo}/labels",
            format!("{api}/labels"),
            OWNER_TOKEN,
            None,
        ),
        (
            "post",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            format!("{api}/issues/2/labels"),
            COLLAB_TOKEN,
            Some(json!({"labels": ["sev1"]})),
        ),
        (
            "delete",
            "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
            format!("{api}/issues/2/labels/sev2"),
            OWNER_TOKEN,
            None,
        ),
        (
            "get",
            "/repos/{owner}/{repo}/milestones",
            format!("{api}/milestones"),
            OWNER_TOKEN,
            None,
        ),
        (
            "get",
            "/repos/{owner}/{repo}/issues",
            "/repos/acme/secret/issues".to_string(),
            OWNER_TOKEN,
            None,
        ),
    ];
    let mut statuses = Vec::new();
    let mut failures = Vec::new();
    for (method, template, path, token, body) in drives {
        let answer = send(
            &gh,
            &method.to_uppercase(),
            &path,
            Some(token),
            &[],
            body.as_ref(),
        )
        .await
        .expect("an answer");
        statuses.push(answer.status);
        let doc = if contract::response_schema(&issues_doc, method, template, answer.status).is_ok()
        {
            &issues_doc
        } else {
            &more_doc
        };
        match contract::response_schema(doc, method, template, answer.status) {
            Err(e) => failures.push(format!("{method} {path}: {e}")),
            Ok(None) => {
                if !answer.body.is_null() {
                    failures.push(format!("{method} {path}: an undocumented body"));
                }
            }
            Ok(Some(schema)) => {
                for problem in contract::check(doc, schema, &answer.body) {
                    failures.push(format!("{method} {path} ({}): {problem}", answer.status));
                }
            }
        }
        for (key, value) in answer.body.as_object().into_iter().flatten() {
            if key.ends_with("url") && value.as_str().is_some_and(|u| u.contains("acme/web")) {
                failures.push(format!("{method} {path}: {key} names acme/web: {value}"));
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(
        statuses,
        vec![
            200, 200, 201, 201, 201, 200, 200, 200, 200, 403, 201, 200, 200, 201, 200, 200, 200,
            200, 404
        ]
    );
    assert_eq!(
        gh.issues_in("acme/api")
            .iter()
            .map(|i| (i.number, i.labels.clone(), i.milestone))
            .collect::<Vec<_>>(),
        vec![
            (1, vec!["postmortem".to_string()], None),
            (2, vec!["sev1".to_string()], Some(1)),
            (3, vec![], None),
        ]
    );
}
