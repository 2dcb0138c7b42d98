//! ecslint: a Well-Architected compliance linter for Amazon ECS.
//!
//! The data flows one way: [`sources`] → [`model`] → [`engine`] → [`findings`] → [`report`].
//! See `docs/ARCHITECTURE.md`.

pub mod cli;
pub mod config;
pub mod docs;
pub mod engine;
pub mod findings;
pub mod location;
pub mod model;
pub mod output;
pub mod report;
pub mod rule_files;
pub mod ruletest;
pub mod sources;

/// Links the resources of an estate and derives the facts rules query.
pub fn link_estate(estate: &mut model::Estate) {
    let index = model::link::Index::build(estate);
    estate.links = model::link::link(estate, &index);
    model::facts::derive(estate, &index);
    estate.index = Some(index);
}
