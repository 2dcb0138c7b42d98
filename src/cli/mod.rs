//! The command line: arguments (`args`), resolution of config and catalog, one lint-and-judge
//! pipeline shared by the commands, and a module per group of commands.

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
mod audit;
mod catalog_cmds;
mod gate;

pub use args::*;
use audit::*;
use catalog_cmds::*;
use gate::*;

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

/// Loads the config (named, or found from `paths`) and the catalog as the common options say;
/// returns which config file was used.
fn resolve_for(
    common: &CommonArgs,
    paths: &[PathBuf],
) -> Result<(Config, Vec<Rule>, Option<PathBuf>), u8> {
    let path = if common.no_config {
        None
    } else {
        match &common.config {
            Some(path) => Some(path.clone()),
            None => config::discover_for(paths).map_err(fail)?,
        }
    };
    let config = match &path {
        Some(path) => config::load(path).map_err(fail)?,
        None => Config::default(),
    };
    let mut dirs = config.rules.clone();
    dirs.extend(common.rules.iter().cloned());
    let rules = crate::rule_files::load(&dirs, &config.params).map_err(rule_errors)?;
    for id in config.severity.keys().chain(config.params.keys()) {
        if !rules.iter().any(|r| r.id() == id) {
            return Err(fail(format!("config names unknown rule {id}")));
        }
    }
    Ok((config, rules, path))
}

/// [`resolve_for`] from the working directory (commands that lint no path).
fn resolve(common: &CommonArgs) -> Result<(Config, Vec<Rule>), u8> {
    resolve_for(common, &[]).map(|(config, rules, _)| (config, rules))
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

/// Phase timings on stderr when `ECSLINT_TIMINGS` is set: for profiling large estates.
struct Timer {
    start: Option<std::time::Instant>,
    last: std::cell::Cell<Option<std::time::Instant>>,
}

impl Timer {
    fn start() -> Timer {
        let start = std::env::var_os("ECSLINT_TIMINGS").map(|_| std::time::Instant::now());
        Timer {
            start,
            last: std::cell::Cell::new(start),
        }
    }

    fn lap(&self, phase: &str) {
        if let (Some(start), Some(last)) = (self.start, self.last.get()) {
            let now = std::time::Instant::now();
            eprintln!(
                "timing: {phase:<10} {:>8.1} ms (total {:.1} ms)",
                (now - last).as_secs_f64() * 1e3,
                (now - start).as_secs_f64() * 1e3
            );
            self.last.set(Some(now));
        }
    }
}

/// A lint run and what the CLI adds: the config's gate threshold.
struct Linted {
    linted: crate::lint::Linted,
    fail_on: Option<Severity>,
}

/// Resolves config and catalog for `args`, then lints. `baseline`: compare with it when judging.
fn lint(args: &LintArgs, baseline: Option<Baseline>) -> Result<Linted, u8> {
    let (config, mut rules, config_path) = resolve_for(&args.common, &args.paths)?;
    if args.verbose {
        match &config_path {
            Some(path) => eprintln!("config: {}", path.display()),
            None => eprintln!("config: none (defaults)"),
        }
    }
    let select: Vec<String> = config.select.iter().chain(&args.select).cloned().collect();
    let ignore: Vec<String> = config.ignore.iter().chain(&args.ignore).cloned().collect();
    let unknown = config::unknown_selectors(&select, &rules)
        .into_iter()
        .chain(config::unknown_selectors(&ignore, &rules))
        .map(str::to_string)
        .collect::<Vec<_>>();
    if !unknown.is_empty() {
        return Err(fail(format!("no rule matches {}", unknown.join(", "))));
    }
    rules.retain(|rule| {
        (select.is_empty() || select.iter().any(|s| rule.selected_by(s)))
            && !ignore.iter().any(|s| rule.selected_by(s))
    });
    let settings = crate::lint::Settings {
        rules: rules.into(),
        input: InputOptions {
            include: args.include.clone(),
            exclude: args.exclude.clone(),
            input_kind: args.input_kind,
        },
        severity: config.severity,
        waivers: config.waivers,
        baseline,
        config_path: config_path.map(|p| p.display().to_string()),
        keep_every_outcome: false,
    };
    let timer = Timer::start();
    let inputs = crate::lint::Inputs::Paths(args.paths.clone());
    let linted =
        crate::lint::lint_timed(inputs, settings, &|phase| timer.lap(phase)).map_err(fail)?;
    Ok(Linted {
        linted,
        fail_on: config.fail_on,
    })
}

/// Judges a lint run (severities, waivers, baseline). The run borrows the rules and the estate
/// for the rest of the process; leaking them keeps the reporters' lifetimes simple and costs
/// nothing in a command-line run.
fn judge(linted: Linted) -> (RunResult<'static>, Option<Severity>) {
    let owned: &'static mut crate::lint::Linted = Box::leak(Box::new(linted.linted));
    (owned.judge(), linted.fail_on)
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
fn input_paths<'a>(run: &'a RunResult<'_>) -> impl Iterator<Item = &'a std::path::Path> + 'a {
    run.estate
        .files
        .iter()
        .filter_map(|file| file.source.as_deref())
}

fn write_output(output: Option<&std::path::Path>, text: &str) -> Result<(), u8> {
    match output {
        Some(path) => crate::output::write_atomically(path, |out| out.write_all(text.as_bytes()))
            .map_err(|e| fail(format!("{}: {e}", path.display()))),
        None => std::io::stdout().write_all(text.as_bytes()).map_err(fail),
    }
}
