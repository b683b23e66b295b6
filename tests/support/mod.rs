//! Test support shared by the integration tests: running the built binary, the GitHub and
//! GitLab emulators and what they share, and copies of the example postmortems. Nothing here
//! ships in the binary.
#![allow(dead_code)]

pub mod cli;
pub mod emulator;
pub mod examples;
pub mod forge;
pub mod gitlab;
pub mod http;
