//! Test support shared by the integration tests: running the built binary, the GitHub
//! emulator, copies of the example postmortems, and a headless browser.
//! Nothing here ships in the binary.
#![allow(dead_code)]

pub mod chromium;
pub mod cli;
pub mod emulator;
pub mod examples;
