//! The manual pages of the command line, one per command, rendered by clap_mangen from the
//! same clap definitions that parse the arguments, so they cannot drift from `--help`.
//!
//! Pure: pages are returned as text; writing them out is the `man` command's business.

use clap::CommandFactory;

/// One manual page: `aftercare` or `aftercare-<command>`, in section 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's name, e.g. `aftercare-check`.
    pub name: String,
    /// The roff source.
    pub text: String,
}

impl Page {
    /// The page's file name, e.g. `aftercare-check.1`.
    pub fn file_name(&self) -> String {
        format!("{}.1", self.name)
    }
}

/// The page of `aftercare` followed by a page per command, in the order `--help` lists them.
pub fn pages() -> Vec<Page> {
    let mut command = crate::cli::Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = vec![page(&command)];
    pages.extend(
        command
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(page),
    );
    pages
}

fn page(command: &clap::Command) -> Page {
    let man = clap_mangen::Man::new(command.clone());
    let mut text = Vec::new();
    // Rendering into memory cannot fail.
    let _ = man.render(&mut text);
    Page {
        name: man.get_filename().trim_end_matches(".1").to_string(),
        text: String::from_utf8_lossy(&text).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_a_page_per_command() {
        let names: Vec<String> = pages().into_iter().map(|p| p.file_name()).collect();
        assert_eq!(
            names[..2],
            ["aftercare.1".to_string(), "aftercare-check.1".to_string()]
        );
        assert!(names.contains(&"aftercare-init.1".to_string()));
        let check = &pages()[1];
        assert!(
            check
                .text
                .starts_with(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH aftercare-check 1")
        );
    }
}
