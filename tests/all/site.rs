//! `aftercare site`: the example postmortems synced to the GitHub emulator, with one issue
//! closed as completed and one as not planned, rendered and read back with an HTML parser
//! (every section, states, links to issues, one titled mark per timeline entry, the totals);
//! hostile titles staying text on every page; `--offline` writing the same pages with no
//! request and no token; stale pages removed; broken postmortems refused.

use std::collections::BTreeSet;
use std::path::Path;

use aftercare::model::{Moment, Postmortem, TaskKey};
use aftercare::tracker::markdown::task_marker;
use scraper::{ElementRef, Html, Selector};

use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{Emulator, OWNER_TOKEN};
use crate::support::examples::copy_of_examples;

/// The example pages, newest incident first as the index lists them.
const EXAMPLE_PAGES: [&str; 5] = [
    "2024-03-09-connection-pool-exhaustion",
    "2023-08-10-widgetworld-connection-pooling",
    "2023-05-10-ddos-database-overload",
    "2023-05-10-network-misconfiguration",
    "database-connection-bottleneck",
];

const DDOS: &str = "2023-05-10-ddos-database-overload";

fn live(dir: &Path, gh: &Emulator) -> Aftercare {
    Aftercare::new(dir)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", OWNER_TOKEN)
        .env("GITHUB_REPOSITORY", "acme/web")
}

async fn sync(dir: &Path, gh: &Emulator) {
    let out = Aftercare::sync_as_owner(gh, dir).run_async().await;
    assert_eq!(out.code, 0, "sync failed:\n{}\n{}", out.stdout, out.stderr);
}

fn succeeded(out: &Outcome, stdout: &str) {
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, stdout, ""),
        "site failed"
    );
}

/// The number of the issue carrying the marker of `pm/task`.
fn number(gh: &Emulator, pm: &str, task: &str) -> u64 {
    let marker = task_marker(&TaskKey::new(pm, task));
    let found: Vec<u64> = gh
        .issues()
        .into_iter()
        .filter(|i| i.body.contains(&marker))
        .map(|i| i.number)
        .collect();
    assert_eq!(found.len(), 1, "issues for {pm}/{task}: {found:?}");
    found[0]
}

fn select(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("selector {s}: {e}"))
}

/// The element's text with runs of white space made one space.
fn text(e: ElementRef) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn one<'a>(doc: &'a Html, s: &str) -> ElementRef<'a> {
    let found: Vec<ElementRef> = doc.select(&select(s)).collect();
    assert_eq!(found.len(), 1, "elements matching {s}");
    found[0]
}

fn read_site(dir: &Path) -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    pages.sort();
    pages
}

fn example_files() -> BTreeSet<String> {
    EXAMPLE_PAGES
        .iter()
        .map(|id| format!("{id}.html"))
        .chain(["index.html".to_string()])
        .collect()
}

/// What holds for every page: no script anywhere, the policy, and links only to `https:`
/// addresses or to the site's own pages.
fn assert_safe(name: &str, html: &str, own: &BTreeSet<String>) {
    let doc = Html::parse_document(html);
    assert_eq!(doc.select(&select("script")).count(), 0, "{name}");
    assert!(!html.to_ascii_lowercase().contains("<script"), "{name}");
    for attribute in ["onload", "onerror", "onclick", "style"] {
        let on = format!("[{attribute}]");
        assert_eq!(doc.select(&select(&on)).count(), 0, "{name}: {attribute}");
    }
    let policy = one(&doc, r#"meta[http-equiv="Content-Security-Policy"]"#);
    let content = policy.value().attr("content").unwrap();
    assert!(
        content.starts_with("default-src 'none'; style-src 'sha256-"),
        "{name}: {content}"
    );
    assert_eq!(doc.select(&select("link, img, iframe, object")).count(), 0);
    for a in doc.select(&select("a")) {
        let href = a
            .value()
            .attr("href")
            .unwrap_or_else(|| panic!("{name}: a link"));
        assert!(
            href.starts_with("https://") || own.contains(href),
            "{name}: link to {href:?}"
        );
    }
}

/// The mark titles a timeline should carry: `time (kind): event`.
fn expected_marks(p: &Postmortem) -> Vec<(String, String)> {
    p.timeline
        .iter()
        .map(|e| {
            let kind = e.kind.map_or("other".to_string(), |k| {
                serde_json::to_value(k)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            });
            let time = match e.at {
                Some(Moment::DateTime(t)) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
                Some(Moment::Date(d)) => d.to_string(),
                Some(Moment::TimeOfDay(t)) => t.format("%H:%M").to_string(),
                None => "time not given".to_string(),
            };
            (kind.clone(), format!("{time} ({kind}): {}", e.event))
        })
        .collect()
}

fn examples() -> Vec<Postmortem> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = aftercare::format::load_dir(repo, Path::new("postmortems"));
    assert!(!loaded.has_errors());
    loaded.postmortems
}

/// The marks of a page's timeline: (`data-kind`, the `<title>` child's text).
fn marks(doc: &Html) -> Vec<(String, String)> {
    doc.select(&select("svg.timeline [data-kind]"))
        .map(|g| {
            let title = g
                .children()
                .find_map(ElementRef::wrap)
                .filter(|c| c.value().name() == "title")
                .unwrap_or_else(|| panic!("a mark without a <title> first: {}", g.html()));
            (
                g.value().attr("data-kind").unwrap().to_string(),
                text(title),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_shows_closed_issues_links_totals_and_marked_timelines() {
    let gh = Emulator::start().await;
    let workspace = copy_of_examples();
    let dir = workspace.path();
    sync(dir, &gh).await;
    let done = number(&gh, DDOS, "evaluate-ddos-detection");
    let dropped = number(&gh, DDOS, "real-time-traffic-analysis");
    gh.close_issue(done, "completed");
    gh.close_issue(dropped, "not_planned");

    gh.clear_requests();
    let out = live(dir, &gh).arg("site").run_async().await;
    succeeded(&out, "wrote 6 pages to site (task states from acme/web)\n");
    // The same reads as `status`: who the token is, the one page of labelled issues, and the
    // recent page of the identity's own issues.
    let requests = |gh: &Emulator| -> Vec<(String, String)> {
        gh.requests()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    };
    let site_requests = requests(&gh);
    gh.clear_requests();
    let status = live(dir, &gh)
        .args(["status", "--format", "json"])
        .run_async()
        .await;
    assert_eq!(status.code, 0, "{status:?}");
    assert_eq!(site_requests, requests(&gh));
    assert_eq!(
        site_requests,
        [
            ("GET".to_string(), "/user".to_string()),
            ("GET".to_string(), "/repos/acme/web/issues".to_string()),
            ("GET".to_string(), "/repos/acme/web/issues".to_string()),
        ]
    );
    let pages = read_site(&dir.join("site"));
    let own = example_files();
    assert_eq!(
        pages
            .iter()
            .map(|(n, _)| n.clone())
            .collect::<BTreeSet<_>>(),
        own
    );
    for (name, html) in &pages {
        assert_safe(name, html, &own);
    }
    let page = |name: &str| {
        let html = &pages.iter().find(|(n, _)| n == name).unwrap().1;
        Html::parse_document(html)
    };

    let index = page("index.html");
    assert_eq!(
        text(one(&index, "#totals")),
        "1 of 33 follow-ups done (3%) in 5 postmortems; 1 dropped, 32 open, 0 overdue, 0 \
         without an issue."
    );
    assert_eq!(
        one(&index, ".badge svg").value().attr("aria-label"),
        Some("corrective actions: 1/33 done")
    );
    let rows: Vec<(String, String, String)> = index
        .select(&select("#incidents tbody tr"))
        .map(|row| {
            let link = row.select(&select("td a")).next().unwrap();
            let cells: Vec<String> = row.select(&select("td")).map(text).collect();
            (
                link.value().attr("href").unwrap().to_string(),
                cells[5].clone(),
                cells[6].clone(),
            )
        })
        .collect();
    let expected_rows: Vec<(String, String, String)> = EXAMPLE_PAGES
        .iter()
        .map(|id| {
            let progress = match *id {
                DDOS => "1 of 7 done, 1 dropped",
                "2024-03-09-connection-pool-exhaustion" => "0 of 4 done",
                "2023-05-10-network-misconfiguration" => "0 of 6 done",
                _ => "0 of 8 done",
            };
            (format!("{id}.html"), progress.to_string(), "0".to_string())
        })
        .collect();
    assert_eq!(rows, expected_rows);
    assert!(text(one(&index, "main")).contains("No follow-up is overdue."));
    // The emulator's clock has whole seconds and may close an issue in the second the last
    // one was opened, so the peak is counted here from the issues' times.
    let issues = gh.issues();
    let first_opened = issues.iter().map(|i| i.created_at).min().unwrap();
    let peak = issues
        .iter()
        .map(|at| {
            let opened = issues
                .iter()
                .filter(|i| i.created_at <= at.created_at)
                .count();
            let closed = issues
                .iter()
                .filter(|i| i.closed_at.is_some_and(|c| c <= at.created_at))
                .count();
            opened - closed
        })
        .max()
        .unwrap();
    assert!(peak == 33 || peak == 34, "{peak}");
    let day = first_opened.date_naive();
    assert_eq!(
        text(one(&index, "svg.burndown > title")),
        format!(
            "All incidents: open follow-ups from {day} to {}, {peak} at most, 32 at the end",
            day.succ_opt().unwrap()
        )
    );

    for p in examples() {
        let doc = page(&format!("{}.html", p.id));
        assert_eq!(text(one(&doc, "h1")), p.title);
        for section in [
            "#facts",
            "#detection",
            "#impact",
            "#root-cause",
            "#resolution",
            "#timeline",
            "#lessons",
            "#follow-ups",
            "#burn-down",
        ] {
            one(&doc, section);
        }
        assert_eq!(marks(&doc), expected_marks(&p), "{}", p.id);
        assert_eq!(
            doc.select(&select("ol.timeline > li")).count(),
            p.timeline.len()
        );
        one(&doc, "#burn-down svg.burndown");
        for task in &p.tasks {
            let row = one(&doc, &format!("#task-{}", task.id));
            let n = number(&gh, &p.id, &task.id);
            let state = match n {
                n if n == done => "done",
                n if n == dropped => "dropped",
                _ => "open",
            };
            assert_eq!(row.value().attr("data-state"), Some(state), "{}", task.id);
            let cells: Vec<ElementRef> = row.select(&select("td")).collect();
            assert_eq!(text(cells[0]), task.title);
            assert_eq!(text(cells[5]), state);
            let link = one_in(cells[6], "a");
            assert_eq!(
                link.value().attr("href"),
                Some(format!("https://github.com/acme/web/issues/{n}").as_str())
            );
            assert_eq!(text(link), format!("#{n}"));
        }
    }

    // The examples' misleading paths and escalations are marked, each by its own shape.
    let ddos = page(&format!("{DDOS}.html"));
    let kinds: Vec<String> = marks(&ddos).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "misleading").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "escalation").count(), 3);
    assert_eq!(
        ddos.select(&select(r#"[data-kind="misleading"] > polygon"#))
            .count(),
        1
    );
    assert_eq!(
        ddos.select(&select(r#"[data-kind="escalation"] > polygon"#))
            .count(),
        3
    );
    assert_eq!(
        ddos.select(&select(r#"[data-kind="investigation"] > circle"#))
            .count(),
        5
    );
    assert_eq!(text(one(&ddos, ".share")), "Share of users affected: 30%");
    let facts: Vec<String> = ddos.select(&select("#facts dd")).map(text).collect();
    assert_eq!(
        facts,
        [
            "not given",
            "not given",
            "2023-05-10 14:00 UTC",
            "2023-05-11 02:00 UTC",
            "12 h",
            "2023-05-10 14:00 UTC",
            "1 of 7 done, 1 dropped",
            "postmortems/2023-05-10-ddos-database-overload.yaml",
        ]
    );
}

fn one_in<'a>(e: ElementRef<'a>, s: &str) -> ElementRef<'a> {
    let found: Vec<ElementRef> = e.select(&select(s)).collect();
    assert_eq!(found.len(), 1, "elements matching {s} in {}", e.html());
    found[0]
}

const HOSTILE: &str = r#"<script>alert("x")</script> & "quoted" </td></table>"#;

fn hostile_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aftercare.yml"),
        "repo: acme/web\nlabels: [postmortem]\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("postmortems")).unwrap();
    let yaml = format!(
        r#"id: 2024-03-09-dns
title: '{HOSTILE}'
status: published
service: '{HOSTILE}'
started: 2024-03-09T10:00:00Z
ended: 2024-03-09T11:00:00Z
impact:
  summary: '{HOSTILE}'
root_cause: '{HOSTILE}'
timeline:
  - at: "10:00"
    kind: misleading
    event: '{HOSTILE}'
measures:
  - id: cache
    title: '{HOSTILE}'
tasks:
  - id: cache
    title: '{HOSTILE}'
    measure: cache
    owner: octocat
    priority: P1
    due: 2020-01-01
"#
    );
    std::fs::write(dir.path().join("postmortems/2024-03-09-dns.yaml"), yaml).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_title_is_text_on_every_page_never_markup() {
    let gh = Emulator::start().await;
    let workspace = hostile_fixture();
    let dir = workspace.path();
    sync(dir, &gh).await;
    let out = live(dir, &gh).arg("site").run_async().await;
    succeeded(&out, "wrote 2 pages to site (task states from acme/web)\n");
    let off = Aftercare::new(dir)
        .args(["site", "--offline", "--out", "offline"])
        .run_async()
        .await;
    succeeded(
        &off,
        "wrote 2 pages to offline (offline: task states unknown)\n",
    );

    let own: BTreeSet<String> = ["index.html", "2024-03-09-dns.html"]
        .map(String::from)
        .into();
    for (site, states) in [("site", "overdue"), ("offline", "unknown")] {
        let pages = read_site(&dir.join(site));
        for (name, html) in &pages {
            assert_safe(name, html, &own);
            assert!(
                html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;"),
                "{name}"
            );
        }
        let index = Html::parse_document(&pages[1].1);
        let title = one(&index, "#incidents tbody td a");
        assert_eq!(text(title), HOSTILE);
        let page = Html::parse_document(&pages[0].1);
        assert_eq!(text(one(&page, "h1")), HOSTILE);
        assert_eq!(text(one(&page, "head > title")), HOSTILE);
        assert_eq!(text(one(&page, ".measure h3")), HOSTILE);
        let row = one(&page, "#task-cache");
        assert_eq!(row.value().attr("data-state"), Some(states));
        assert_eq!(text(row.select(&select("td")).next().unwrap()), HOSTILE);
        let marks = marks(&page);
        assert_eq!(
            marks,
            [(
                "misleading".to_string(),
                format!("10:00 (misleading): {HOSTILE}")
            )]
        );
        if site == "site" {
            // The overdue task is listed on the index too, as text.
            let overdue = one(&index, "#overdue tbody tr");
            assert_eq!(text(overdue.select(&select("td")).next().unwrap()), HOSTILE);
        } else {
            assert_eq!(index.select(&select("#overdue")).count(), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_writes_the_same_pages_with_no_request_and_no_token() {
    let gh = Emulator::start().await;
    let workspace = copy_of_examples();
    let dir = workspace.path();
    sync(dir, &gh).await;
    let out = live(dir, &gh).arg("site").run_async().await;
    succeeded(&out, "wrote 6 pages to site (task states from acme/web)\n");
    gh.clear_requests();

    // The emulator's address is given, but no token: nothing may be asked of it.
    let off = Aftercare::new(dir)
        .args(["site", "--offline", "--out", "offline"])
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_REPOSITORY", "acme/web")
        .run_async()
        .await;
    succeeded(
        &off,
        "wrote 6 pages to offline (offline: task states unknown)\n",
    );
    assert_eq!(gh.requests().len(), 0);

    let files = |site: &str| -> BTreeSet<String> {
        read_site(&dir.join(site))
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    assert_eq!(files("offline"), files("site"));
    assert_eq!(files("offline"), example_files());
    let own = example_files();
    for (name, html) in read_site(&dir.join("offline")) {
        assert_safe(&name, &html, &own);
        let doc = Html::parse_document(&html);
        for row in doc.select(&select("tr[data-state]")) {
            assert_eq!(row.value().attr("data-state"), Some("unknown"), "{name}");
        }
        assert_eq!(
            doc.select(&select("tr[data-state]")).count(),
            match name.as_str() {
                "index.html" => 0,
                "2024-03-09-connection-pool-exhaustion.html" => 4,
                "2023-05-10-network-misconfiguration.html" => 6,
                _ => 8,
            },
            "{name}"
        );
        assert_eq!(doc.select(&select("svg.burndown")).count(), 0, "{name}");
    }
    let index =
        Html::parse_document(&std::fs::read_to_string(dir.join("offline/index.html")).unwrap());
    assert_eq!(
        text(one(&index, "#totals")),
        "34 follow-ups in 5 postmortems; their states are unknown (rendered offline)."
    );
    assert_eq!(
        one(&index, ".badge svg").value().attr("aria-label"),
        Some("corrective actions: unknown")
    );
}

#[test]
fn pages_of_postmortems_that_are_gone_are_removed_and_other_files_kept() {
    let workspace = copy_of_examples();
    let dir = workspace.path();
    let site = dir.join("public");
    std::fs::create_dir(&site).unwrap();
    let ours = "<!DOCTYPE html><html><head><meta name=\"generator\" content=\"aftercare\">";
    std::fs::write(site.join("2020-01-01-gone.html"), ours).unwrap();
    std::fs::write(site.join("about.html"), "<p>kept</p>").unwrap();
    std::fs::write(site.join("CNAME"), "postmortems.example.com\n").unwrap();
    let out = Aftercare::new(dir)
        .args(["site", "--offline", "--out", "public"])
        .run();
    succeeded(
        &out,
        "wrote 6 pages to public (offline: task states unknown); removed 1 stale page\n",
    );
    let mut expected = example_files();
    expected.insert("about.html".to_string());
    expected.insert("CNAME".to_string());
    let found: BTreeSet<String> = read_site(&site).into_iter().map(|(n, _)| n).collect();
    assert_eq!(found, expected);
}

#[test]
fn broken_postmortems_are_refused_before_anything_is_written() {
    let workspace = copy_of_examples();
    let dir = workspace.path();
    std::fs::write(
        dir.join("postmortems/broken.yaml"),
        "id: broken\ntitle: Broken\nimpact:\n  summary: x\n",
    )
    .unwrap();
    let out = Aftercare::new(dir).args(["site", "--offline"]).run();
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "postmortems/broken.yaml:1:1: error: missing field `root_cause` in the postmortem\n\
         error: 1 error in the postmortems; the site would leave their tasks out (see \
         `aftercare check`)\n"
    );
    assert!(!dir.join("site").exists());
}
