//! Which GitLab project to talk to, and with which token, from `aftercare.yml` and the
//! environment.
//!
//! - the server: `tracker.url`, else `CI_SERVER_URL` (set in GitLab CI), else
//!   `https://gitlab.com`; the API is the server's address + `/api/v4`;
//! - the project: `tracker.project` (a path such as `group/sub/project`, or a numeric id), else
//!   `CI_PROJECT_PATH`;
//! - the token: `GITLAB_TOKEN` (a personal, project or group access token with the `api`
//!   scope), sent as `PRIVATE-TOKEN`. GitLab CI's own `CI_JOB_TOKEN` cannot use the Issues API,
//!   so a run that only has that one stops before any request and says what to set instead;
//! - links to postmortem files: `CI_PROJECT_URL` when it is this project's, else the server's
//!   address and the project path, then `/-/blob/<branch>/`, with `CI_DEFAULT_BRANCH` or `HEAD`
//!   (which GitLab resolves to the default branch).
//!
//! Resolving reads only the environment it is given; it makes no request.

use anyhow::bail;
use secrecy::SecretString;

use crate::config::GitLabConfig;

/// gitlab.com, when neither the configuration nor GitLab CI names a server.
pub const DEFAULT_SERVER: &str = "https://gitlab.com";

/// Everything needed to talk to one project's issues.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server's address, `https://gitlab.example.com`, without a trailing `/`.
    pub server: String,
    /// The project as configured: a path or a numeric id.
    pub project: String,
    /// The project's page, `https://gitlab.example.com/group/project`.
    pub web_url: String,
    /// Where files of the default branch are shown, for links in issue bodies.
    pub file_base: String,
    /// `None` when `GITLAB_TOKEN` is not set.
    pub token: Option<SecretString>,
    /// Set when the only token around is GitLab CI's job token.
    pub only_job_token: bool,
}

impl Target {
    /// The REST API base, `https://gitlab.example.com/api/v4`.
    pub fn api_base(&self) -> String {
        format!("{}/api/v4", self.server)
    }

    /// The project as a path segment of the API: a numeric id as it is, a path URL-encoded.
    pub fn project_segment(&self) -> String {
        url::form_urlencoded::byte_serialize(self.project.as_bytes()).collect()
    }

    /// Why no request can be made without a token, worded for people.
    pub fn missing_token(&self) -> String {
        if self.only_job_token {
            "GitLab's CI job token (CI_JOB_TOKEN) cannot use the Issues API: set GITLAB_TOKEN \
             to a project access token with the `api` scope and at least the Reporter role \
             (Developer to create issues), as a masked CI/CD variable"
                .to_string()
        } else {
            "aftercare needs a GitLab token: set GITLAB_TOKEN to a personal, project or group \
             access token with the `api` scope"
                .to_string()
        }
    }
}

/// Resolves the target; see the module documentation for the order of sources.
pub fn resolve(
    config: &GitLabConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Target> {
    let server = config
        .url
        .clone()
        .or_else(|| non_empty(env("CI_SERVER_URL")))
        .unwrap_or_else(|| DEFAULT_SERVER.to_string())
        .trim()
        .trim_end_matches('/')
        .to_string();
    let ci_path = non_empty(env("CI_PROJECT_PATH"));
    let Some(project) = config.project.clone().or_else(|| ci_path.clone()) else {
        bail!(
            "cannot tell which GitLab project to use: set `tracker.project` in aftercare.yml \
             (a path such as group/project, or the numeric id), or run in GitLab CI where \
             CI_PROJECT_PATH is set"
        );
    };
    let project_url = match non_empty(env("CI_PROJECT_URL")) {
        Some(url) if ci_path.as_deref() == Some(project.as_str()) => {
            url.trim_end_matches('/').to_string()
        }
        _ if project.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{server}/projects/{project}")
        }
        _ => format!("{server}/{project}"),
    };
    let branch = non_empty(env("CI_DEFAULT_BRANCH")).unwrap_or_else(|| "HEAD".to_string());
    let token = non_empty(env("GITLAB_TOKEN")).map(SecretString::from);
    let only_job_token = token.is_none() && non_empty(env("CI_JOB_TOKEN")).is_some();
    Ok(Target {
        server,
        project,
        file_base: format!("{project_url}/-/blob/{branch}"),
        web_url: project_url,
        token,
        only_job_token,
    })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: Option<&str>, project: Option<&str>) -> GitLabConfig {
        GitLabConfig {
            url: url.map(str::to_string),
            project: project.map(str::to_string),
            dropped_labels: vec![],
        }
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn gitlab_ci_variables_fill_in_what_the_file_leaves_out() {
        let vars = env(&[
            ("CI_SERVER_URL", "https://gitlab.example.com"),
            ("CI_PROJECT_PATH", "ops/sre/postmortems"),
            (
                "CI_PROJECT_URL",
                "https://gitlab.example.com/ops/sre/postmortems",
            ),
            ("CI_DEFAULT_BRANCH", "main"),
            ("GITLAB_TOKEN", "glpat-x"),
        ]);
        let target = resolve(&config(None, None), &vars).unwrap();
        assert_eq!(target.api_base(), "https://gitlab.example.com/api/v4");
        assert_eq!(target.project_segment(), "ops%2Fsre%2Fpostmortems");
        assert_eq!(
            target.file_base,
            "https://gitlab.example.com/ops/sre/postmortems/-/blob/main"
        );
        assert!(target.token.is_some());
        assert!(!target.only_job_token);
    }

    #[test]
    fn the_file_wins_over_the_environment_and_gitlab_com_is_the_default() {
        let vars = env(&[("CI_PROJECT_PATH", "other/project")]);
        let target = resolve(&config(None, Some("acme/web")), &vars).unwrap();
        assert_eq!(target.server, "https://gitlab.com");
        assert_eq!(target.file_base, "https://gitlab.com/acme/web/-/blob/HEAD");
        let target = resolve(
            &config(Some("https://git.acme.io"), Some("4242")),
            &env(&[]),
        )
        .unwrap();
        assert_eq!(target.project_segment(), "4242");
        assert_eq!(
            target.file_base,
            "https://git.acme.io/projects/4242/-/blob/HEAD"
        );
    }

    #[test]
    fn only_a_job_token_is_named_as_such_and_no_project_is_an_error() {
        let vars = env(&[("CI_JOB_TOKEN", "x"), ("CI_PROJECT_PATH", "a/b")]);
        let target = resolve(&config(None, None), &vars).unwrap();
        assert!(target.token.is_none());
        assert!(target.only_job_token);
        assert!(target.missing_token().starts_with(
            "GitLab's CI job token (CI_JOB_TOKEN) cannot use the Issues API: set GITLAB_TOKEN"
        ));
        let err = resolve(&config(None, None), &env(&[])).unwrap_err();
        assert!(format!("{err}").starts_with("cannot tell which GitLab project to use"));
    }
}
