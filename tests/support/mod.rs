//! Test support shared by the integration tests: running the built binary, the GitHub and
//! GitLab emulators and what they share, copies of the example postmortems, and a headless
//! browser. Nothing here ships in the binary.
#![allow(dead_code)]

pub mod chromium;
pub mod cli;
pub mod emulator;
pub mod examples;
pub mod forge;
pub mod gitlab;
pub mod http;
pub mod jira;
pub mod routed;
