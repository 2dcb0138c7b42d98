//! One module per command; each takes its parsed arguments and returns the exit code.

mod baseline;
mod check;
mod collect;
mod diff;
mod fix;
mod gen_docs;
mod merge;
mod rules;
mod test_rules;

pub use baseline::record_baseline;
pub use check::check;
#[cfg(feature = "live")]
pub use collect::{collect, scan};
pub use diff::diff;
pub use fix::fix;
pub use gen_docs::gen_docs;
pub use merge::merge;
pub use rules::{explain, list_rules};
pub use test_rules::test_rules;
