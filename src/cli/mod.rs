//! The command line: arguments (`args`), their resolution into settings and the shared
//! lint-and-judge step (`settings`), one module per command (`commands/`), and the helpers
//! every command uses to write its output.

use crate::config::{self, Config};
use crate::engine::catalog::{self, Pillar, Rule, Severity};
use crate::findings::baseline::Baseline;
use crate::findings::{self, RunResult, Verdict};
use crate::model::ResourceKind;
use crate::report::{self, Format, ReportOptions};
use crate::sources::{self, InputOptions, shape::InputKind};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

mod args;
mod commands;
mod settings;

pub use args::*;
use commands::*;
use settings::*;
/// Exit codes: a public contract for CI.
pub const EXIT_CLEAN: u8 = 0;

pub const EXIT_FINDINGS: u8 = 1;

pub const EXIT_ERROR: u8 = 2;

/// A live scan (or the snapshot it wrote) could not read everything: some results are missing.
pub const EXIT_PARTIAL: u8 = 3;

fn fail(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    EXIT_ERROR
}

pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Baseline(args) => record_baseline(args),
        Command::Fix(args) => fix(args),
        #[cfg(feature = "live")]
        Command::Collect(args) => collect(*args),
        #[cfg(feature = "live")]
        Command::Scan(args) => scan(*args),
        Command::Diff(args) => diff(*args),
        Command::Merge(args) => merge(args),
        Command::Rules(args) => list_rules(args),
        Command::Explain { rule } => explain(&rule),
        Command::TestRules { dir } => test_rules(&dir),
        Command::GenDocs { check } => gen_docs(check),
    }
}

/// `output`: where the report goes (None: stdout, then in colour on a terminal).
fn report_options(lint: &LintArgs, output: Option<&std::path::Path>) -> ReportOptions {
    let color = output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    ReportOptions {
        docs_url: lint.common.docs_url.clone(),
        color,
        report_dir: Some(report_dir(output)),
        verbose: lint.verbose,
    }
}

/// The folder a report is written to (the working directory for stdout).
fn report_dir(output: Option<&std::path::Path>) -> PathBuf {
    output
        .and_then(std::path::Path::parent)
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
}

/// The files a run read, for refusing to write over them.
/// The files a run read, with their identities where known.
fn input_paths<'a>(
    run: &'a RunResult<'_>,
) -> impl Iterator<Item = (&'a std::path::Path, Option<crate::model::FileIdentity>)> + 'a {
    run.estate
        .files
        .iter()
        .filter_map(|file| Some((file.source.as_deref()?, file.identity)))
}

fn write_output(output: Option<&std::path::Path>, text: &str) -> Result<(), u8> {
    match output {
        Some(path) => crate::output::write_atomically(path, |out| out.write_all(text.as_bytes()))
            .map_err(|e| fail(format!("{}: {e}", path.display()))),
        None => std::io::stdout().write_all(text.as_bytes()).map_err(fail),
    }
}
