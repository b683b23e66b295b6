//! The integration tests, in one test binary to keep link time down. Each module tests one
//! command or component through its public surface: the built binary, or the emulator.

mod action;
mod browser;
mod check;
mod corpus;
mod emulator;
mod evidence;
mod examples;
mod faults;
mod gitlab;
mod gitlab_emulator;
mod gitlab_routing;
mod import;
mod incremental;
mod init;
mod jira;
mod malformed;
mod manual;
mod new;
mod pipe;
mod precommit;
mod remind;
mod routing;
mod site;
mod status;
#[path = "../support/mod.rs"]
mod support;
mod sync;
mod trust;
