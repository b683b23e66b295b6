//! Which repository (or project) each task's issue lives in.
//!
//! A task's issue lives in the task's own `repo`, else its postmortem's `repo`, else the
//! repository `aftercare.yml` (or `--repo`, or the environment) names: the configured one. A
//! place is written `None` for the configured repository and `Some(name)` for any other, so
//! that the single-repository case, by far the most common, never has to name it. Places
//! compare without regard to case, as GitHub and GitLab paths do; the first spelling met in the
//! files is the one shown.
//!
//! Pure: [`Routes`] is built from validated postmortems, and [`problems`] checks each `repo`
//! against the configured tracker's rule for naming a place, at its file, line and column.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::model::{Postmortem, TaskKey};

/// Where every task's issue lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes {
    /// The configured repository's name, `acme/web`.
    configured: String,
    /// The place of each task that is not the configured one.
    elsewhere: BTreeMap<TaskKey, String>,
    /// Places no task names any more but whose issues must still be read: an earlier run
    /// left open issues there (a task moved away, or a postmortem deleted).
    also: Vec<String>,
}

impl Routes {
    /// Every task in the configured repository `configured`.
    pub fn single(configured: &str) -> Routes {
        Routes {
            configured: configured.to_string(),
            elsewhere: BTreeMap::new(),
            also: Vec::new(),
        }
    }

    /// The routes of every task of `postmortems` (drafts too: their issues are closed where
    /// they are).
    pub fn new(configured: &str, postmortems: &[Postmortem]) -> Routes {
        let mut routes = Routes::single(configured);
        let mut spellings: Vec<String> = Vec::new();
        for pm in postmortems {
            for task in &pm.tasks {
                let named = task.repo.as_ref().or(pm.repo.as_ref());
                let Some((name, _)) = named else { continue };
                if same_place(name, configured) {
                    continue;
                }
                let name = match spellings.iter().find(|s| same_place(s, name)) {
                    Some(first) => first.clone(),
                    None => {
                        spellings.push(name.clone());
                        name.clone()
                    }
                };
                routes.elsewhere.insert(pm.key_of(task), name);
            }
        }
        routes
    }

    /// The place of a task: `None` for the configured repository.
    pub fn place_of(&self, key: &TaskKey) -> Option<&str> {
        self.elsewhere.get(key).map(String::as_str)
    }

    /// The name of a place, the configured repository's for `None`.
    pub fn name<'a>(&'a self, place: Option<&'a str>) -> &'a str {
        place.unwrap_or(&self.configured)
    }

    /// The configured repository's name.
    pub fn configured(&self) -> &str {
        &self.configured
    }

    /// Reads `places` too, though no task names them (the configured one is left out).
    pub fn also_read(&mut self, places: Vec<String>) {
        let configured = self.configured.clone();
        self.also
            .extend(places.into_iter().filter(|p| !same_place(p, &configured)));
    }

    /// Every other place to read: those a task names and those [`Routes::also_read`] added,
    /// each once, in name order.
    pub fn others(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for place in self.elsewhere.values().chain(&self.also) {
            if !out.iter().any(|o| same_place(o, place)) {
                out.push(place.clone());
            }
        }
        out.sort();
        out
    }
}

/// Whether two names are the same place: GitHub and GitLab paths ignore case, and Jira keys
/// are upper case.
pub fn same_place(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Whether an issue in `issue_place` is in `place` (`None` is the configured repository).
pub fn is_in(issue_place: Option<&str>, place: Option<&str>) -> bool {
    match (issue_place, place) {
        (None, None) => true,
        (Some(a), Some(b)) => same_place(a, b),
        _ => false,
    }
}

/// An error at each `repo` that the tracker cannot name a place with; `rule` says what is
/// wrong with a name, or `None`.
pub fn problems(
    postmortems: &[Postmortem],
    rule: &dyn Fn(&str) -> Option<String>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for pm in postmortems {
        let named = pm
            .repo
            .iter()
            .chain(pm.tasks.iter().filter_map(|t| t.repo.as_ref()));
        for (name, position) in named {
            if let Some(problem) = rule(name) {
                out.push(Diagnostic::error(pm.file_display(), *position, problem));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Position, Task};

    fn task(id: &str, repo: Option<&str>) -> Task {
        Task {
            id: id.to_string(),
            title: id.to_string(),
            description: None,
            measure: None,
            kind: None,
            priority: None,
            owner: None,
            due: None,
            labels: vec![],
            verified_by: None,
            repo: repo.map(|r| {
                (
                    r.to_string(),
                    Position {
                        line: 9,
                        column: 11,
                    },
                )
            }),
            position: Position::default(),
        }
    }

    fn key(s: &str) -> TaskKey {
        TaskKey::parse(s).expect("a key")
    }

    #[test]
    fn a_task_goes_to_its_own_repo_else_its_postmortems_else_the_configured_one() {
        let routed = Postmortem {
            repo: Some(("acme/api".to_string(), Position { line: 3, column: 7 })),
            ..Postmortem::minimal("pm-a", vec![task("t1", None), task("t2", Some("acme/ops"))])
        };
        let plain =
            Postmortem::minimal("pm-b", vec![task("t1", None), task("t2", Some("Acme/Web"))]);
        let routes = Routes::new("acme/web", &[routed, plain]);
        assert_eq!(routes.place_of(&key("pm-a/t1")), Some("acme/api"));
        assert_eq!(routes.place_of(&key("pm-a/t2")), Some("acme/ops"));
        assert_eq!(routes.place_of(&key("pm-b/t1")), None);
        // The configured repository, in another case, is the configured repository.
        assert_eq!(routes.place_of(&key("pm-b/t2")), None);
        assert_eq!(routes.others(), ["acme/api", "acme/ops"]);
        let mut also = routes.clone();
        also.also_read(vec![
            "acme/old".into(),
            "ACME/web".into(),
            "acme/API".into(),
        ]);
        assert_eq!(also.others(), ["acme/api", "acme/old", "acme/ops"]);
        assert_eq!(routes.name(None), "acme/web");
        assert_eq!(routes.name(Some("acme/api")), "acme/api");
    }

    #[test]
    fn one_place_spelled_two_ways_is_one_place_named_as_first_written() {
        let pm = Postmortem::minimal(
            "pm-a",
            vec![task("t1", Some("acme/API")), task("t2", Some("acme/api"))],
        );
        let routes = Routes::new("acme/web", &[pm]);
        assert_eq!(routes.others(), ["acme/API"]);
        assert_eq!(routes.place_of(&key("pm-a/t2")), Some("acme/API"));
        assert!(is_in(Some("acme/api"), Some("ACME/API")));
        assert!(!is_in(None, Some("acme/api")));
        assert!(is_in(None, None));
    }

    #[test]
    fn a_repo_the_tracker_cannot_name_is_an_error_at_its_place() {
        let pm = Postmortem::minimal("pm-a", vec![task("t1", Some("api"))]);
        let rule = |name: &str| (!name.contains('/')).then(|| format!("`{name}` is no owner/name"));
        let found = problems(&[pm], &rule);
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["postmortems/pm-a.yaml:9:11: error: `api` is no owner/name"]
        );
    }
}
