//! Where to sync: repository, API base and token, from flags, configuration, environment and git.
//!
//! The repository is `--repo`, else `repo` in aftercare.yml, else `GITHUB_REPOSITORY`, else the
//! `origin` remote of the git checkout. The API base is `GITHUB_API_URL` (set by GitHub Actions
//! and for GitHub Enterprise Server), `https://api.github.com` otherwise. The token is
//! `GITHUB_TOKEN`, else `GH_TOKEN`; an empty value counts as unset. There is deliberately no
//! token flag: it would show in process lists. This module reads the environment only through
//! the function it is given and never prints or formats the token.

use std::fmt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use secrecy::SecretString;

/// The API base when `GITHUB_API_URL` is not set.
pub const DEFAULT_API_BASE: &str = "https://api.github.com";

/// A repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoName {
    pub owner: String,
    pub name: String,
}

impl RepoName {
    /// Parses `owner/name`; `None` unless both parts are plausible GitHub names.
    pub fn parse(s: &str) -> Option<RepoName> {
        let (owner, name) = s.trim().split_once('/')?;
        let ok = |p: &str| {
            !p.is_empty()
                && p.len() <= 100
                && p != "."
                && p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        (ok(owner) && ok(name)).then(|| RepoName {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// The repository named by a git remote URL: `git@host:owner/name.git`,
    /// `https://host/owner/name`, `ssh://git@host/owner/name.git`.
    pub fn from_remote_url(url: &str) -> Option<RepoName> {
        let url = url.trim().trim_end_matches('/');
        let url = url.strip_suffix(".git").unwrap_or(url);
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.split_once('/')?.1,
            None => url.rsplit_once(':')?.1,
        };
        let mut parts = path.rsplit('/');
        let name = parts.next()?;
        let owner = parts.next()?;
        RepoName::parse(&format!("{owner}/{name}"))
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Everything needed to talk to one repository's issues.
#[derive(Debug, Clone)]
pub struct Target {
    pub repo: RepoName,
    /// The REST API base, without a trailing `/`.
    pub api_base: String,
    /// `None` when neither `GITHUB_TOKEN` nor `GH_TOKEN` is set: reads are unauthenticated.
    pub token: Option<SecretString>,
    /// The web address of the server, `https://github.com` (from `GITHUB_SERVER_URL`, else
    /// derived from the API base).
    pub web_base: String,
    /// The token's login when it is known without asking GitHub ([`actions_login`]).
    pub known_login: Option<String>,
    /// Where the postmortems' files are shown, for links in issue bodies:
    /// `https://github.com/acme/web/blob/HEAD`, the configured repository's, also for issues
    /// in other repositories.
    pub file_base: String,
}

impl Target {
    /// The repository's page, `https://github.com/owner/name`.
    pub fn repo_web_url(&self) -> String {
        format!("{}/{}", self.web_base, self.repo)
    }
}

/// Resolves the target; see the module documentation for the order of sources.
pub fn resolve(
    flag_repo: Option<&str>,
    config: &crate::config::Config,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> anyhow::Result<Target> {
    let repo = resolve_repo(flag_repo, config, env, cwd)?;
    let api_base = api_base(env);
    let web_base = web_base(env, &api_base);
    Ok(Target {
        file_base: format!("{web_base}/{repo}/blob/HEAD"),
        repo,
        web_base,
        api_base,
        known_login: actions_login(env),
        token: token(env),
    })
}

/// Set by the Action to `true` when the token it passes is the workflow's own `GITHUB_TOKEN`
/// (`inputs.token == github.token`).
pub const TOKEN_IS_GITHUB_TOKEN: &str = "AFTERCARE_TOKEN_IS_GITHUB_TOKEN";

/// `github-actions[bot]` when the run is in GitHub Actions (`GITHUB_ACTIONS=true`) and the
/// Action vouches that `GITHUB_TOKEN` is the workflow's own token ([`TOKEN_IS_GITHUB_TOKEN`]).
/// A personal token or a GitHub App's token can be used in Actions too, and acts as another
/// login: without the Action's word the login is asked for.
pub fn actions_login(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let yes = |key: &str| env(key).is_some_and(|v| v.trim() == "true");
    (yes("GITHUB_ACTIONS")
        && yes(TOKEN_IS_GITHUB_TOKEN)
        && non_empty(env("GITHUB_TOKEN")).is_some())
    .then(|| super::ACTIONS_LOGIN.to_string())
}

/// The repository alone, in the documented order.
pub fn resolve_repo(
    flag_repo: Option<&str>,
    config: &crate::config::Config,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> anyhow::Result<RepoName> {
    let named = |value: &str, source: &str| {
        RepoName::parse(value)
            .with_context(|| format!("{source} {value:?} is not of the form OWNER/NAME"))
    };
    if let Some(flag) = flag_repo {
        return named(flag, "--repo");
    }
    if let Some(repo) = config.repo.as_deref() {
        return named(repo, "`repo` in aftercare.yml");
    }
    if let Some(repo) = non_empty(env("GITHUB_REPOSITORY")) {
        return named(&repo, "GITHUB_REPOSITORY");
    }
    if let Some(url) = origin_url(cwd) {
        return RepoName::from_remote_url(&url).with_context(|| {
            format!("the `origin` remote {url:?} does not name a repository OWNER/NAME")
        });
    }
    bail!(
        "cannot tell which repository to use: pass --repo OWNER/NAME, set `repo` in \
         aftercare.yml or GITHUB_REPOSITORY, or run inside a git checkout with an `origin` remote"
    )
}

/// The token from `GITHUB_TOKEN`, else `GH_TOKEN`; empty values count as unset.
pub fn token(env: &dyn Fn(&str) -> Option<String>) -> Option<SecretString> {
    non_empty(env("GITHUB_TOKEN"))
        .or_else(|| non_empty(env("GH_TOKEN")))
        .map(SecretString::from)
}

/// The API base from `GITHUB_API_URL`, else [`DEFAULT_API_BASE`].
pub fn api_base(env: &dyn Fn(&str) -> Option<String>) -> String {
    non_empty(env("GITHUB_API_URL"))
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|| DEFAULT_API_BASE.to_string())
}

/// The server's web address: `GITHUB_SERVER_URL`, else derived from the API base.
pub fn web_base(env: &dyn Fn(&str) -> Option<String>, api_base: &str) -> String {
    if let Some(server) = non_empty(env("GITHUB_SERVER_URL")) {
        return server.trim().trim_end_matches('/').to_string();
    }
    if api_base == DEFAULT_API_BASE {
        return "https://github.com".to_string();
    }
    match api_base.strip_suffix("/api/v3") {
        Some(server) => server.to_string(),
        None => "https://github.com".to_string(),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// The URL of the `origin` remote of the checkout at `cwd`, when git knows one.
fn origin_url(cwd: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(cwd)
        .args(["config", "--get", "remote.origin.url"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    non_empty(Some(
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    fn no_git() -> tempfile::TempDir {
        tempfile::tempdir().expect("a temporary directory")
    }

    #[test]
    fn flag_wins_over_config_and_environment() {
        let config = Config {
            repo: Some("cfg/repo".into()),
            ..Config::default()
        };
        let env = env_of(&[("GITHUB_REPOSITORY", "env/repo")]);
        let dir = no_git();
        let t = resolve(Some("flag/repo"), &config, &env, dir.path()).unwrap();
        assert_eq!(t.repo.to_string(), "flag/repo");
        let t = resolve(None, &config, &env, dir.path()).unwrap();
        assert_eq!(t.repo.to_string(), "cfg/repo");
        let t = resolve(None, &Config::default(), &env, dir.path()).unwrap();
        assert_eq!(t.repo.to_string(), "env/repo");
    }

    #[test]
    fn origin_remote_is_the_last_resort() {
        let dir = no_git();
        let git = |args: &[&str]| {
            Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(args)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        };
        if !git(&["init", "-q"]) {
            return; // no git on this machine: nothing to test
        }
        assert!(git(&[
            "remote",
            "add",
            "origin",
            "git@github.com:acme/web.git"
        ]));
        let t = resolve(None, &Config::default(), &env_of(&[]), dir.path()).unwrap();
        assert_eq!(t.repo.to_string(), "acme/web");
    }

    #[test]
    fn no_source_is_an_error_that_says_what_to_do() {
        let dir = no_git();
        let err = resolve(None, &Config::default(), &env_of(&[]), dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot tell which repository to use: pass --repo OWNER/NAME, set `repo` in \
             aftercare.yml or GITHUB_REPOSITORY, or run inside a git checkout with an `origin` remote"
        );
        let err = resolve(Some("nope"), &Config::default(), &env_of(&[]), dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--repo \"nope\" is not of the form OWNER/NAME"
        );
    }

    #[test]
    fn remote_urls_of_every_shape_name_the_repository() {
        for url in [
            "git@github.com:acme/web.git",
            "https://github.com/acme/web",
            "https://github.com/acme/web.git/",
            "ssh://git@ghe.example.com:2222/acme/web.git",
            "https://ghe.example.com/scm/acme/web",
        ] {
            assert_eq!(
                RepoName::from_remote_url(url).map(|r| r.to_string()),
                Some("acme/web".to_string()),
                "{url}"
            );
        }
        assert_eq!(RepoName::from_remote_url("/srv/git/web"), None);
    }

    #[test]
    fn token_prefers_github_token_and_ignores_empty_values() {
        let t = token(&env_of(&[("GITHUB_TOKEN", "a"), ("GH_TOKEN", "b")]));
        assert_eq!(t.map(|s| s.expose_secret().to_string()), Some("a".into()));
        let t = token(&env_of(&[("GITHUB_TOKEN", ""), ("GH_TOKEN", "b")]));
        assert_eq!(t.map(|s| s.expose_secret().to_string()), Some("b".into()));
        assert!(token(&env_of(&[("GH_TOKEN", " ")])).is_none());
    }

    #[test]
    fn the_actions_login_is_known_only_on_the_actions_word() {
        let vouched = [
            ("GITHUB_ACTIONS", "true"),
            (TOKEN_IS_GITHUB_TOKEN, "true"),
            ("GITHUB_TOKEN", "ghs_x"),
        ];
        assert_eq!(
            actions_login(&env_of(&vouched)).as_deref(),
            Some("github-actions[bot]")
        );
        for missing in 0..vouched.len() {
            let mut pairs = vouched.to_vec();
            pairs.remove(missing);
            assert_eq!(actions_login(&env_of(&pairs)), None, "without {missing}");
        }
        let personal = [
            ("GITHUB_ACTIONS", "true"),
            (TOKEN_IS_GITHUB_TOKEN, "false"),
            ("GITHUB_TOKEN", "ghp_x"),
        ];
        assert_eq!(actions_login(&env_of(&personal)), None);
    }

    #[test]
    fn api_and_web_bases_follow_the_environment() {
        let dir = no_git();
        let t = resolve(Some("a/b"), &Config::default(), &env_of(&[]), dir.path()).unwrap();
        assert_eq!(t.api_base, "https://api.github.com");
        assert_eq!(t.repo_web_url(), "https://github.com/a/b");
        let env = env_of(&[("GITHUB_API_URL", "https://ghe.example.com/api/v3/")]);
        let t = resolve(Some("a/b"), &Config::default(), &env, dir.path()).unwrap();
        assert_eq!(t.api_base, "https://ghe.example.com/api/v3");
        assert_eq!(t.repo_web_url(), "https://ghe.example.com/a/b");
    }
}
