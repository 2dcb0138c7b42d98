//! The rule engine: the catalog of compiled rules and their evaluation over the model.
//!
//! **Invariant:** the engine does no IO (the embedded catalog is compiled in) and cannot fail on
//! any input: every (rule, resource) ends in one of four outcomes.

pub mod catalog;
pub mod eval;
mod finding;
mod linked;
pub mod outcome;
mod pattern_examples;
mod per_element;
mod query_check;
pub mod read_index;
pub mod rule_file;
mod undecided;
