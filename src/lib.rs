//! ecslint: a Well-Architected compliance linter for Amazon ECS.
//!
//! The data flows one way: [`sources`] → [`model`] → [`engine`] → [`findings`] → [`report`];
//! [`lint::lint`] is the pipeline every caller uses.
//! See `docs/ARCHITECTURE.md`.

pub mod allocator;
pub mod cli;
pub mod config;
pub mod docs;
pub mod engine;
pub mod findings;
pub mod lint;
pub mod location;
pub mod model;
pub mod output;
pub mod report;
pub mod rule_files;
pub mod ruletest;
pub mod sources;
