//! Test support shared by the integration tests: running the built binary, and the GitHub
//! emulator. Nothing here ships in the binary.
#![allow(dead_code)]

pub mod cli;
pub mod emulator;
