//! The example site in a real browser: every page of `aftercare site --offline` over the
//! examples, loaded in headless Chromium (the executable named by AFTERCARE_CHROMIUM), must log
//! no console error (a Content-Security-Policy violation is one), render something other than
//! one colour, and fit a 1280-pixel window. Pages built to break each rule show that the
//! checks catch what they are meant to.

use std::path::{Path, PathBuf};

use crate::support::chromium::{Browser, Look, WINDOW_WIDTH, has_more_than_one_colour};
use crate::support::cli::Aftercare;
use crate::support::examples::copy_of_examples;

/// The browser named by AFTERCARE_CHROMIUM; `None` (the test says it skipped) when unset.
fn chromium() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("AFTERCARE_CHROMIUM").filter(|p| !p.is_empty()) else {
        println!("skipped: AFTERCARE_CHROMIUM is not set");
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "AFTERCARE_CHROMIUM points at {}, which is not a file",
        path.display()
    );
    Some(path)
}

fn url(path: &Path) -> String {
    url::Url::from_file_path(path)
        .unwrap_or_else(|()| panic!("{} is not absolute", path.display()))
        .to_string()
}

/// What is wrong with a page's look, one line per problem.
fn problems(look: &Look) -> Vec<String> {
    let mut problems: Vec<String> = look.errors.clone();
    if !has_more_than_one_colour(&look.png) {
        problems.push("blank: the render is a single colour".to_string());
    }
    if look.scroll_width > WINDOW_WIDTH {
        problems.push(format!(
            "too wide: {} px in a {WINDOW_WIDTH}-pixel window",
            look.scroll_width
        ));
    }
    problems
}

#[test]
fn every_page_of_the_example_site_renders_cleanly_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let workspace = copy_of_examples();
    let out = Aftercare::new(workspace.path())
        .args(["site", "--offline"])
        .run();
    assert_eq!(out.code, 0, "{out:?}");
    let site = workspace.path().join("site");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 6);

    let mut browser = Browser::launch(&chromium);
    for page in &pages {
        let look = browser.look_at(&url(page));
        assert_eq!(problems(&look), Vec::<String>::new(), "{}", page.display());
        assert!(look.scroll_width > 0);
    }
}

#[test]
fn the_browser_checks_catch_errors_blank_pages_and_wide_pages() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, html: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, html).unwrap();
        path
    };
    let seen = "<p>Some text to see.</p>";
    let blocked_style = write(
        "blocked.html",
        &format!(
            "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" \
             content=\"default-src 'none'\"><style>p {{ color: red }}</style>{seen}"
        ),
    );
    let blank = write("blank.html", "<!DOCTYPE html><title>blank</title>");
    let wide = write(
        "wide.html",
        &format!("<!DOCTYPE html><div style=\"width: 2000px\">{seen}</div>"),
    );
    let fine = write("fine.html", &format!("<!DOCTYPE html>{seen}"));

    let mut browser = Browser::launch(&chromium);
    let blocked = problems(&browser.look_at(&url(&blocked_style)));
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert!(
        blocked[0].starts_with("CONSOLE security: ")
            && blocked[0].contains("Content Security Policy"),
        "{blocked:?}"
    );
    assert_eq!(
        problems(&browser.look_at(&url(&blank))),
        ["blank: the render is a single colour"]
    );
    assert_eq!(
        problems(&browser.look_at(&url(&wide))),
        ["too wide: 2008 px in a 1280-pixel window"]
    );
    assert_eq!(
        problems(&browser.look_at(&url(&fine))),
        Vec::<String>::new()
    );
}
