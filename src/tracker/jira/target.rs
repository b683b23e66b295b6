//! Where to sync on Jira: the site, the project and the credentials, from the `tracker:` block
//! and the environment.
//!
//! Jira Cloud authenticates with an Atlassian account's e-mail and an API token (`JIRA_EMAIL`,
//! `JIRA_API_TOKEN`, sent as HTTP Basic); Jira Data Center with a personal access token
//! (`JIRA_TOKEN`, sent as a Bearer token). Credentials come from the environment only, so they
//! never show in a file or a process list; an empty value counts as unset. Missing credentials,
//! or the other deployment's, are an error before any request ([`Target::credentials`] holds
//! the message, so that `sync --dry-run` can still plan without them). The link to a
//! postmortem file in an issue points at the repository of the CI run (GitHub Actions'
//! `GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`, GitLab CI's `CI_PROJECT_URL`), when there is one.
//! Nothing here prints or formats a secret.

use anyhow::bail;
use secrecy::SecretString;

use crate::config::{JiraConfig, JiraDeployment};

/// How requests authenticate.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Jira Cloud: HTTP Basic with the account's e-mail and an API token.
    Basic { email: String, token: SecretString },
    /// Jira Data Center: a personal access token as a Bearer token.
    Bearer { token: SecretString },
}

impl Credentials {
    /// The secret, to cut it out of error messages that might quote it.
    pub fn secret(&self) -> &SecretString {
        match self {
            Credentials::Basic { token, .. } | Credentials::Bearer { token } => token,
        }
    }
}

/// Everything needed to talk to one Jira project.
#[derive(Debug, Clone)]
pub struct Target {
    /// The site, `https://acme.atlassian.net`, without a trailing `/`.
    pub url: String,
    /// The project key, `OPS`.
    pub project: String,
    pub deployment: JiraDeployment,
    pub issue_type: String,
    pub dropped_resolutions: Vec<String>,
    /// The credentials, or what is wrong with those in the environment.
    pub credentials: Result<Credentials, String>,
    /// Where the repository's files are shown, `https://github.com/acme/web/blob/HEAD`.
    pub file_base: Option<String>,
}

impl Target {
    /// The REST API root: `{url}/rest/api/3` on Cloud, `{url}/rest/api/2` on Data Center.
    pub fn api_base(&self) -> String {
        match self.deployment {
            JiraDeployment::Cloud => format!("{}/rest/api/3", self.url),
            JiraDeployment::DataCenter => format!("{}/rest/api/2", self.url),
        }
    }

    /// The project's page, `{url}/browse/OPS`.
    pub fn web_url(&self) -> String {
        format!("{}/browse/{}", self.url, self.project)
    }
}

/// The credentials the deployment needs, from `env`; a clear error naming the variables when
/// they are missing or belong to the other deployment.
pub fn credentials(
    deployment: JiraDeployment,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Credentials> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let email = var("JIRA_EMAIL");
    let api_token = var("JIRA_API_TOKEN");
    let pat = var("JIRA_TOKEN");
    match deployment {
        JiraDeployment::Cloud => match (email, api_token) {
            (Some(email), Some(token)) => Ok(Credentials::Basic {
                email,
                token: SecretString::from(token),
            }),
            (None, None) if pat.is_some() => bail!(
                "JIRA_TOKEN is a Jira Data Center personal access token, but the tracker is Jira \
                 Cloud (`deployment: cloud`): set JIRA_EMAIL and JIRA_API_TOKEN, or set \
                 `deployment: datacenter` in aftercare.yml"
            ),
            (None, _) => bail!(
                "Jira Cloud needs the account's e-mail in JIRA_EMAIL and an API token in \
                 JIRA_API_TOKEN: JIRA_EMAIL is not set"
            ),
            (_, None) => bail!(
                "Jira Cloud needs the account's e-mail in JIRA_EMAIL and an API token in \
                 JIRA_API_TOKEN: JIRA_API_TOKEN is not set"
            ),
        },
        JiraDeployment::DataCenter => match pat {
            Some(token) => Ok(Credentials::Bearer {
                token: SecretString::from(token),
            }),
            None if api_token.is_some() || email.is_some() => bail!(
                "JIRA_EMAIL and JIRA_API_TOKEN are Jira Cloud credentials, but the tracker is \
                 Jira Data Center (`deployment: datacenter`): set JIRA_TOKEN to a personal \
                 access token, or set `deployment: cloud` in aftercare.yml"
            ),
            None => bail!("Jira Data Center needs a personal access token in JIRA_TOKEN"),
        },
    }
}

/// Resolves the target from the configuration and the environment. Makes no request.
pub fn resolve(config: &JiraConfig, env: &dyn Fn(&str) -> Option<String>) -> Target {
    Target {
        url: config.url.trim_end_matches('/').to_string(),
        project: config.project.clone(),
        deployment: config.deployment,
        issue_type: config.issue_type.clone(),
        dropped_resolutions: config.dropped_resolutions.clone(),
        credentials: credentials(config.deployment, env).map_err(|e| format!("{e:#}")),
        file_base: file_base(env),
    }
}

/// Where the CI run's repository shows its files: GitHub Actions, else GitLab CI.
pub fn file_base(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(repo) = var("GITHUB_REPOSITORY") {
        let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
        return Some(format!("{}/{repo}/blob/HEAD", server.trim_end_matches('/')));
    }
    let project = var("CI_PROJECT_URL")?;
    let branch = var("CI_DEFAULT_BRANCH").unwrap_or_else(|| "HEAD".into());
    Some(format!("{}/-/blob/{branch}", project.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn error(deployment: JiraDeployment, pairs: &[(&str, &str)]) -> String {
        format!("{:#}", credentials(deployment, &env(pairs)).unwrap_err())
    }

    #[test]
    fn cloud_takes_email_and_api_token_as_basic() {
        let c = credentials(
            JiraDeployment::Cloud,
            &env(&[("JIRA_EMAIL", "ops@acme.test"), ("JIRA_API_TOKEN", "t0k")]),
        )
        .unwrap();
        let Credentials::Basic { email, token } = c else {
            panic!("expected basic credentials")
        };
        assert_eq!(email, "ops@acme.test");
        assert_eq!(token.expose_secret(), "t0k");
    }

    #[test]
    fn data_center_takes_a_personal_access_token_as_bearer() {
        let c = credentials(JiraDeployment::DataCenter, &env(&[("JIRA_TOKEN", "pat")])).unwrap();
        assert!(matches!(c, Credentials::Bearer { token } if token.expose_secret() == "pat"));
    }

    #[test]
    fn the_file_link_points_at_the_ci_run_s_repository() {
        assert_eq!(
            file_base(&env(&[("GITHUB_REPOSITORY", "acme/web")])).as_deref(),
            Some("https://github.com/acme/web/blob/HEAD")
        );
        assert_eq!(
            file_base(&env(&[
                ("CI_PROJECT_URL", "https://gitlab.example.com/ops/pm"),
                ("CI_DEFAULT_BRANCH", "main")
            ]))
            .as_deref(),
            Some("https://gitlab.example.com/ops/pm/-/blob/main")
        );
        assert_eq!(file_base(&env(&[])), None);
    }

    #[test]
    fn missing_or_mismatched_credentials_say_what_to_set() {
        assert_eq!(
            error(JiraDeployment::Cloud, &[("JIRA_TOKEN", "pat")]),
            "JIRA_TOKEN is a Jira Data Center personal access token, but the tracker is Jira \
             Cloud (`deployment: cloud`): set JIRA_EMAIL and JIRA_API_TOKEN, or set \
             `deployment: datacenter` in aftercare.yml"
        );
        assert_eq!(
            error(
                JiraDeployment::Cloud,
                &[("JIRA_API_TOKEN", "t"), ("JIRA_EMAIL", " ")]
            ),
            "Jira Cloud needs the account's e-mail in JIRA_EMAIL and an API token in \
             JIRA_API_TOKEN: JIRA_EMAIL is not set"
        );
        assert_eq!(
            error(JiraDeployment::Cloud, &[("JIRA_EMAIL", "a@b.test")]),
            "Jira Cloud needs the account's e-mail in JIRA_EMAIL and an API token in \
             JIRA_API_TOKEN: JIRA_API_TOKEN is not set"
        );
        assert_eq!(
            error(JiraDeployment::DataCenter, &[("JIRA_API_TOKEN", "t")]),
            "JIRA_EMAIL and JIRA_API_TOKEN are Jira Cloud credentials, but the tracker is Jira \
             Data Center (`deployment: datacenter`): set JIRA_TOKEN to a personal access \
             token, or set `deployment: cloud` in aftercare.yml"
        );
        assert_eq!(
            error(JiraDeployment::DataCenter, &[]),
            "Jira Data Center needs a personal access token in JIRA_TOKEN"
        );
    }
}
