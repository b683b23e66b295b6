//! aftercare keeps incident postmortems as YAML files in a git repository, turns every
//! corrective task into exactly one issue in the team's tracker, and reads the issues back to report how much
//! of the corrective work is done.
//!
//! The crate is a pipeline with a pure core and an imperative shell:
//!
//! ```text
//! postmortems/*.yaml ──load──▶ model (validated) ──plan──▶ changes ──apply──▶ tracker
//!                                    │                                            │
//!                                    └──────────────status◀── issue states ◀──────┘
//!                                                      │
//!                                               report (text, json, markdown, badge, README)
//! ```
//!
//! [`format`] turns files into a validated [`model`] (and [`diagnostics`] for everything wrong
//! with them), [`plan`] compares tasks with the issues found by [`plan::issue_index`], [`sync`]
//! applies the plan through the [`tracker`] (whose writes [`pacing`] keeps within GitHub's
//! limits), and [`status`] and [`report`] read the state back.
//! Only [`sync`], [`tracker`] and the [`commands`] do I/O.

pub mod badge;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostics;
pub mod exit;
pub mod format;
pub mod import;
pub mod init;
pub mod manual;
pub mod model;
pub mod pacing;
pub mod plan;
pub mod readme;
pub mod remind;
pub mod report;
pub mod scaffold;
pub mod schema;
pub mod status;
pub mod stdout;
pub mod sync;
pub mod tracker;
