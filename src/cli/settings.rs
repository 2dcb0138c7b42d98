//! From arguments to a judged run: the config file and the rule folders resolved into
//! settings, the one `lint::lint` pipeline, and the messages every linting command prints.

#[allow(unused_imports)]
use crate::cli::*;

/// Loads the config (named, or found from `paths`) and the catalog as the common options say;
/// returns which config file was used.
pub fn resolve_for(
    common: &CommonArgs,
    paths: &[PathBuf],
) -> Result<(Config, Vec<Rule>, Option<PathBuf>), u8> {
    let (config, path) = resolve_config(common, paths)?;
    let rules = load_rules(common, &config)?;
    Ok((config, rules, path))
}

/// The config file (named, or found from `paths`) and what it says.
fn resolve_config(common: &CommonArgs, paths: &[PathBuf]) -> Result<(Config, Option<PathBuf>), u8> {
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
    Ok((config, path))
}

/// The catalog `config` and the common options ask for: the built-in rules and rule folders,
/// compiled with the config's parameters.
fn load_rules(common: &CommonArgs, config: &Config) -> Result<Vec<Rule>, u8> {
    let mut dirs = config.rules.clone();
    dirs.extend(common.rules.iter().cloned());
    let rules = crate::rule_files::load(&dirs, &config.params).map_err(rule_errors)?;
    for id in config.severity.keys().chain(config.params.keys()) {
        if !rules.iter().any(|r| r.id() == id) {
            return Err(fail(format!("config names unknown rule {id}")));
        }
    }
    Ok(rules)
}

/// [`resolve_for`] from the working directory (commands that lint no path).
pub fn resolve(common: &CommonArgs) -> Result<(Config, Vec<Rule>), u8> {
    resolve_for(common, &[]).map(|(config, rules, _)| (config, rules))
}

/// Phase timings on stderr when `ECSLINT_TIMINGS` is set: for profiling large estates.
#[derive(Clone)]
pub struct Timer {
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

    pub fn lap(&self, phase: &str) {
        if let (Some(start), Some(last)) = (self.start, self.last.get()) {
            let now = std::time::Instant::now();
            eprintln!(
                "timing: {phase:<10} {:>8.1} ms (total {:.1} ms){}",
                (now - last).as_secs_f64() * 1e3,
                (now - start).as_secs_f64() * 1e3,
                usage()
            );
            self.last.set(Some(now));
        }
    }
}

/// The process's CPU time (user and system, all threads) and its resident and peak memory,
/// where the system says (Linux): CPU time beside a phase's wall time tells how much of it ran
/// on one core.
fn usage() -> String {
    // Fields 14 and 15 of /proc/self/stat, after the command name in parentheses, in ticks.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: Option<u64> = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|n| n.parse::<u64>().ok())
        .sum();
    // Linux reports these in USER_HZ, 100 a second on every architecture it runs on.
    let cpu = ticks.map_or(String::new(), |ticks| format!(", cpu {} ms", ticks * 10));
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kb| kb.trim().parse::<u64>().ok())
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(rss), Some(peak)) => {
            format!("{cpu}, rss {} MB, peak {} MB", rss / 1024, peak / 1024)
        }
        _ => cpu,
    }
}

/// A lint run and what the CLI adds: the config's gate threshold, and the run's phase timer
/// (for the phases after linting).
pub struct Linted {
    linted: crate::lint::Linted,
    fail_on: Option<Severity>,
    pub timer: Timer,
}

/// The template parameter values of `--parameters` files, then `--parameter` pairs.
fn parameter_values(args: &LintArgs) -> Result<std::collections::BTreeMap<String, String>, u8> {
    let mut values = std::collections::BTreeMap::new();
    for path in &args.parameters {
        let read = crate::sources::template::read_parameters(path).map_err(fail)?;
        values.extend(read);
    }
    for pair in &args.parameter {
        let Some((key, value)) = pair.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(fail(format!("--parameter {pair:?}: expected KEY=VALUE")));
        };
        values.insert(key.trim().to_string(), value.to_string());
    }
    Ok(values)
}

/// The Terraform variable values of `--var` pairs, and the `--var-file` files.
fn variable_values(args: &LintArgs) -> Result<crate::sources::terraform::Variables, u8> {
    let mut variables = crate::sources::terraform::Variables {
        files: args.var_file.clone(),
        ..Default::default()
    };
    for pair in &args.var {
        let Some((name, value)) = pair.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(fail(format!("--var {pair:?}: expected NAME=VALUE")));
        };
        variables
            .values
            .insert(name.trim().to_string(), value.to_string());
    }
    Ok(variables)
}

/// Resolves config and catalog for `args`, then lints. `baseline`: compare with it when judging.
/// `edits`: the run edits the files it read (their texts are then all kept).
pub fn lint(args: &LintArgs, baseline: Option<Baseline>, edits: bool) -> Result<Linted, u8> {
    let (config, config_path) = resolve_config(&args.common, &args.paths)?;
    let input = InputOptions {
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        skip_unrecognized: args.skip_unrecognized,
        input_kind: args.input_kind,
        parameters: parameter_values(args)?,
        variables: variable_values(args)?,
        ..InputOptions::default()
    };
    let timer = Timer::start();
    // The catalog is compiled while the inputs are read: reading has stretches on one core
    // (a large file's text, a template's root), which the compilation fills.
    let (rules, loaded) = rayon::join(
        || load_rules(&args.common, &config),
        || {
            let discovered = crate::sources::discover(&args.paths, &input)?;
            Ok::<_, String>(crate::sources::load_discovered(discovered, &input))
        },
    );
    timer.lap("load");
    let mut rules = rules?;
    let loaded = loaded.map_err(fail)?;
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
        input,
        severity: config.severity,
        waivers: config.waivers,
        baseline,
        config_path: config_path.map(|p| p.display().to_string()),
        keep_every_outcome: false,
        release_texts: !edits,
    };
    let inputs = crate::lint::Inputs::Loaded(Box::new(loaded));
    let linted =
        crate::lint::lint_timed(inputs, settings, &|phase| timer.lap(phase)).map_err(fail)?;
    Ok(Linted {
        linted,
        fail_on: config.fail_on,
        timer,
    })
}

/// Judges a lint run (severities, waivers, baseline). The run borrows the rules and the estate
/// for the rest of the process; leaking them keeps the reporters' lifetimes simple and costs
/// nothing in a command-line run.
pub fn judge(linted: Linted) -> (RunResult<'static>, Option<Severity>) {
    let owned: &'static mut crate::lint::Linted = Box::leak(Box::new(linted.linted));
    (owned.judge(), linted.fail_on)
}

/// Reports rule files that could not be loaded, each with its place; the exit code for it.
pub fn rule_errors(errors: Vec<catalog::RuleError>) -> u8 {
    for error in &errors {
        eprintln!("error: {error}");
    }
    EXIT_ERROR
}

/// For messages on stderr: no colour.
pub fn plain_options(lint: &LintArgs) -> ReportOptions {
    ReportOptions {
        color: false,
        ..report_options(lint, None)
    }
}

pub fn report_input_errors(run: &RunResult<'_>, lint: &LintArgs) {
    for error in &run.input_errors {
        eprint!(
            "{}",
            report::pretty::render_input_error(error, &plain_options(lint))
        );
    }
}

/// Reads the baseline file of `--baseline`.
pub fn load_baseline(path: &std::path::Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
    Baseline::parse(&path.display().to_string(), &text)
}
