//! The command line: argument definitions, then resolution (config, rules, inputs) and the run.

use crate::config::{self, Config};
use crate::engine::catalog::{self, Pillar, Rule, Severity};
use crate::findings::baseline::Baseline;
use crate::findings::{self, RunResult, Verdict, WaiverProblem};
use crate::model::ResourceKind;
use crate::report::{self, Format, ReportOptions};
use crate::sources::{self, InputOptions, shape::InputKind};
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Exit codes: a public contract for CI.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;
/// A live scan (or the snapshot it wrote) could not read everything: some results are missing.
pub const EXIT_PARTIAL: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "ecslint",
    version,
    about = "A Well-Architected compliance linter for Amazon ECS"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint ECS, IAM and EC2 JSON documents (files, folders, or - for stdin).
    #[command(after_help = ACCEPTED_SHAPES)]
    Check(CheckArgs),
    /// Record today's findings (`-o FILE`) so that `check --baseline FILE` fails only on new ones.
    Baseline(BaselineArgs),
    /// Apply the safe fixes of the findings to the JSON files (`--diff` to preview).
    Fix(FixArgs),
    /// Read the ECS estate of an account through the AWS APIs into a snapshot (`-o FILE`).
    #[cfg(feature = "live")]
    Collect(Box<CollectArgs>),
    /// Read the ECS estate through the AWS APIs and lint it, as `check` does.
    #[cfg(feature = "live")]
    Scan(Box<ScanArgs>),
    /// Compare two audits (snapshots, folders or JSON reports): new, fixed and unchanged findings.
    Diff(Box<DiffArgs>),
    /// Combine snapshots into one snapshot, or JSON reports into one report (files or folders).
    Merge(MergeArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Test a team's rules (TOML files in DIR) against their pass.json and fail.json fixtures.
    TestRules {
        /// Folder of rule files; fixtures are in `<stem>/` beside each rule or in `fixtures/<stem>/`.
        dir: PathBuf,
    },
    /// Show a rule's documentation.
    Explain {
        /// Rule id or name (SEC101, privileged-container).
        rule: String,
    },
    /// Regenerate docs/rules/ from the rule files (`--check` fails when they are stale).
    #[command(hide = true)]
    GenDocs {
        #[arg(long)]
        check: bool,
    },
}

const ACCEPTED_SHAPES: &str = "Accepted documents (detected by shape):
  task definitions   register-task-definition input, describe-task-definition output, the unwrapped
                     task definition, a bare container-definition array (Terraform)
  services           create-service input, describe-services output, {\"service\": ...},
                     ecspresso service definitions (no serviceName; named after the file)
  clusters           describe-clusters output;  capacity providers: describe-capacity-providers output
  account settings   list-account-settings output (with or without --effective-settings)
  IAM                get-account-authorization-details, get-role, get-role-policy outputs;
                     get-policy-version output saved as <PolicyName>.json
  network            describe-subnets / -route-tables / -security-groups / -vpcs /
                     -internet-gateways / -nat-gateways outputs
  snapshot           one object holding several of the collections above

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage, config or input errors.";

/// What to lint and with which rules: shared by check, baseline and fix.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or folders to lint; folders are searched recursively.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Run only these rules: ids, id prefixes (SEC1), pillars (security) or names. Repeatable.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (same forms as --select). Repeatable.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Force the shape of every input instead of detecting it.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_kind: InputKind,
    /// Glob of files to read inside folders. Repeatable.
    #[arg(long, default_value = "*.json")]
    pub include: Vec<String>,
    /// Glob of files to skip. Repeatable.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// List the files skipped because they hold no ECS, IAM or EC2 document.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub lint: LintArgs,
    /// Output format (default: pretty).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when an unwaived finding is at or above this severity [default: info].
    #[arg(long, value_enum)]
    pub fail_on: Option<Severity>,
    /// Fail only on findings that are not in this baseline (see `ecslint baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub lint: LintArgs,
    /// Where to write the baseline.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub lint: LintArgs,
    /// Print the changes as a unified diff instead of writing the files.
    #[arg(long)]
    pub diff: bool,
}

/// Where a live scan reads from.
#[cfg(feature = "live")]
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Region to read. Repeatable; default: the configured region.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Named profile from the AWS config files.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Send every call to this endpoint (a test server, a VPC endpoint).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// API calls under way at once (the SDK's adaptive retry slows down on throttling).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Read every region enabled for the account instead of --region.
    #[arg(long)]
    pub all_regions: bool,
    /// Read every ACTIVE revision of every family, not only the latest and those in use.
    #[arg(long)]
    pub all_revisions: bool,
    /// Assume this role (STS) and read its account. Repeatable: one snapshot per account.
    #[arg(long = "role-arn", value_name = "ARN")]
    pub role_arns: Vec<String>,
    /// Read the accounts listed in FILE: one per line, `ACCOUNT_ID [NAME]` (with --role-name) or
    /// `ROLE_ARN [NAME]`; `#` comments.
    #[arg(long, value_name = "FILE")]
    pub accounts_file: Option<PathBuf>,
    /// Read every ACTIVE account of the caller's AWS Organization (organizations:ListAccounts),
    /// entering each through --role-name; the caller's own account with its own credentials.
    #[arg(long, requires = "role_name")]
    pub organization: bool,
    /// The role to assume in accounts given by id (e.g. OrganizationAccountAccessRole, or
    /// `path/name`).
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// STS external id to present when assuming roles.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Accounts read at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub account_concurrency: usize,
    /// Regions read at once in each account.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub region_concurrency: usize,
}

#[cfg(feature = "live")]
impl LiveArgs {
    fn options(&self) -> Result<sources::live::LiveOptions, String> {
        let accounts = match &self.accounts_file {
            Some(path) => {
                let accounts = sources::live::read_accounts_file(path)?;
                if accounts.is_empty() {
                    return Err(format!("{}: lists no account", path.display()));
                }
                accounts
            }
            None => Vec::new(),
        };
        Ok(sources::live::LiveOptions {
            concurrency: self.concurrency,
            account_concurrency: self.account_concurrency,
            region_concurrency: self.region_concurrency,
            regions: self.regions.clone(),
            all_regions: self.all_regions,
            all_revisions: self.all_revisions,
            role_arns: self.role_arns.clone(),
            accounts,
            organization: self.organization,
            role_name: self.role_name.clone(),
            external_id: self.external_id.clone(),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        })
    }
}

#[cfg(feature = "live")]
#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub live: LiveArgs,
    /// The snapshot file; with several regions, one file per region (`NAME-REGION.json`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

#[cfg(feature = "live")]
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub live: LiveArgs,
    /// Keep the snapshot the scan read here (default: next to `-o`, or a temporary file).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub check: CheckArgs,
}

/// Formats of `ecslint diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Tables per pillar and account, then the new and fixed findings.
    Pretty,
    /// Everything, with each finding's state (docs/json-format.md).
    Json,
    /// SARIF 2.1.0 with `baselineState` new / unchanged / absent.
    Sarif,
    /// A self-contained HTML page.
    Html,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier audit: a JSON report, or snapshots / files / a folder to check.
    pub old: PathBuf,
    /// The later audit, in the same forms.
    pub new: PathBuf,
    #[arg(long, short = 'f', value_enum, default_value = "pretty")]
    pub format: DiffFormat,
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the later audit has new findings.
    #[arg(long)]
    pub fail_on_new: bool,
    /// Check only these rules (same forms as `check --select`).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Snapshots (`ecslint collect`) or JSON reports (`check --format json`); folders are read
    /// for `*.json`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Add the rules in DIR (TOML files) to the built-in ones. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Use this config file instead of the nearest ecslint.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any ecslint.toml.
    #[arg(long)]
    pub no_config: bool,
    /// Base URL of the rule documentation pages.
    #[arg(long, env = "ECSLINT_DOCS_URL", default_value = report::DEFAULT_DOCS_URL)]
    pub docs_url: String,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Only rules of this pillar.
    #[arg(long)]
    pub pillar: Option<String>,
    /// Only rules of this severity.
    #[arg(long, value_enum)]
    pub severity: Option<Severity>,
    /// Only rules for this resource kind (task-definition, service, cluster, ...).
    #[arg(long)]
    pub resource: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

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

/// Everything a lint run produced, owned, before judging (severities, waivers, baseline).
struct Linted {
    config: Config,
    rules: Vec<Rule>,
    estate: crate::model::Estate,
    evaluations: Vec<crate::findings::Evaluation>,
    counts: Vec<findings::Counts>,
    input_errors: Vec<sources::InputError>,
    skipped: Vec<sources::Skipped>,
    /// The config file used, if any.
    config_path: Option<PathBuf>,
}

fn lint(args: &LintArgs) -> Result<Linted, u8> {
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
        (select.is_empty() || select.iter().any(|s| config::selects(s, rule)))
            && !ignore.iter().any(|s| config::selects(s, rule))
    });
    let options = InputOptions {
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        input_kind: args.input_kind,
    };
    let timer = Timer::start();
    let discovered = sources::discover(&args.paths, &options).map_err(fail)?;
    timer.lap("discover");
    let sources::Loaded {
        mut estate,
        errors: input_errors,
        skipped,
    } = sources::load_discovered(discovered, &options);
    timer.lap("load");
    crate::link_estate(&mut estate);
    timer.lap("link");
    let (evaluations, counts) = crate::engine::eval::evaluate_counted(&rules, &estate);
    timer.lap("evaluate");
    Ok(Linted {
        config,
        rules,
        estate,
        evaluations,
        counts,
        input_errors,
        skipped,
        config_path,
    })
}

/// Applies severity overrides, waivers and the baseline to a lint run.
fn judge(linted: Linted, baseline: Option<&Baseline>) -> (RunResult<'static>, Option<Severity>) {
    // The run borrows the rules and the estate for the rest of the process; leaking them keeps
    // the reporters' lifetimes simple and costs nothing in a command-line run.
    let Linted {
        config,
        rules,
        estate,
        evaluations,
        counts,
        input_errors,
        skipped,
        config_path,
    } = linted;
    let rules: &'static [Rule] = Box::leak(rules.into_boxed_slice());
    let estate: &'static crate::model::Estate = Box::leak(Box::new(estate));
    let severities: Vec<Severity> = rules
        .iter()
        .map(|r| config.severity.get(r.id()).copied().unwrap_or(r.severity))
        .collect();
    let mut run = RunResult {
        rules,
        estate,
        evaluations,
        counts,
        input_errors,
        skipped,
        config_path: config_path.map(|p| p.display().to_string()),
        waivers: config.waivers.clone(),
        waiver_problems: Vec::new(),
        severities,
        waived: BTreeMap::new(),
        baseline: None,
    };
    apply_waivers(&mut run);
    if let Some(baseline) = baseline {
        run.baseline = Some(findings::compare_with_baseline(&run, baseline));
    }
    (run, config.fail_on)
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

fn check(args: CheckArgs) -> u8 {
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(baseline) => baseline,
        Err(message) => return fail(message),
    };
    let linted = match lint(&args.lint) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let (run, config_fail_on) = judge(linted, baseline.as_ref());
    let format = args.format.unwrap_or(Format::Pretty);
    let options = report_options(&args.lint, args.output.as_deref());
    if let Some(path) = args.output.as_deref() {
        let baseline = args.baseline.as_deref().into_iter();
        if let Err(message) = crate::output::refuse_inputs(path, input_paths(&run).chain(baseline))
        {
            return fail(message);
        }
    }
    let written = match args.output.as_deref() {
        Some(path) => {
            crate::output::write_atomically(path, |out| report::write(format, &run, &options, out))
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            report::write(format, &run, &options, &mut out).and_then(|()| out.flush())
        }
    };
    if let Err(e) = written {
        let place = args
            .output
            .as_ref()
            .map_or("stdout".to_string(), |p| p.display().to_string());
        return fail(format!("{place}: {e}"));
    }
    if args.output.is_some() || format != Format::Pretty {
        // Keep the person at the terminal informed even when the report goes elsewhere.
        for error in &run.input_errors {
            eprint!("{}", report::pretty::render_input_error(error, &options));
        }
        for problem in &run.waiver_problems {
            eprintln!("warning: waiver: {problem}");
        }
        if options.verbose {
            eprint!("{}", report::pretty::skipped_note(&run, &options));
        }
    }
    let threshold = args.fail_on.or(config_fail_on).unwrap_or(Severity::Info);
    match run.verdict(threshold) {
        Verdict::InputError => EXIT_ERROR,
        Verdict::Partial => EXIT_PARTIAL,
        Verdict::Findings => EXIT_FINDINGS,
        Verdict::Clean => EXIT_CLEAN,
    }
}

/// `ecslint baseline`: records today's findings (waived ones included: a waiver may expire).
fn record_baseline(args: BaselineArgs) -> u8 {
    let linted = match lint(&args.lint) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let (run, _) = judge(linted, None);
    report_input_errors(&run, &args.lint);
    let entries = run
        .judged()
        .iter()
        .map(|j| findings::baseline_entry(&run, j.finding))
        .collect();
    let baseline = Baseline::new(entries);
    if let Err(message) = crate::output::refuse_inputs(&args.output, input_paths(&run)) {
        return fail(message);
    }
    let mut text = serde_json::to_string_pretty(&baseline).unwrap_or_default();
    text.push('\n');
    if let Err(code) = write_output(Some(&args.output), &text) {
        return code;
    }
    eprintln!(
        "recorded {} findings in {}",
        baseline.findings.len(),
        args.output.display()
    );
    if run.input_errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}

/// For messages on stderr: no colour.
fn plain_options(lint: &LintArgs) -> ReportOptions {
    ReportOptions {
        color: false,
        ..report_options(lint, None)
    }
}

fn report_input_errors(run: &RunResult<'_>, lint: &LintArgs) {
    for error in &run.input_errors {
        eprint!(
            "{}",
            report::pretty::render_input_error(error, &plain_options(lint))
        );
    }
}

/// `ecslint fix`: applies the fixes of unwaived findings, file by file, byte for byte.
fn fix(args: FixArgs) -> u8 {
    let linted = match lint(&args.lint) {
        Ok(linted) => linted,
        Err(code) => return code,
    };
    let (run, _) = judge(linted, None);
    report_input_errors(&run, &args.lint);
    let mut by_file: BTreeMap<usize, Vec<findings::fix::Edit>> = BTreeMap::new();
    for judged in run.judged() {
        if judged.waiver.is_none()
            && let Some(edit) = findings::fix::edit_for(&run, judged.finding)
        {
            by_file.entry(edit.file).or_default().push(edit);
        }
    }
    let mut total = 0;
    // Files that could not be written safely: reported, the others still fixed.
    let mut refused = 0;
    // What goes to stdout, written once so a closed pipe is an error, not a panic.
    let mut shown = String::new();
    for (file_index, edits) in &by_file {
        let file = &run.estate.files[*file_index];
        let (fixed, applied) = findings::fix::apply(&file.text, edits);
        if args.diff {
            total += applied;
            let diff = similar::TextDiff::from_lines(&file.text, &fixed);
            shown.push_str(
                &diff
                    .unified_diff()
                    .context_radius(2)
                    .header(&file.path, &file.path)
                    .to_string(),
            );
            continue;
        }
        if file.path == "<stdin>" {
            total += applied;
            shown.push_str(if file.had_bom { "\u{feff}" } else { "" });
            shown.push_str(&fixed);
            continue;
        }
        let bom = if file.had_bom { "\u{feff}" } else { "" };
        // The path it was read from, never its rendering; inside the given paths, not a link,
        // and unchanged since it was read.
        let Some(target) = file.source.as_deref() else {
            continue;
        };
        if let Some(problem) = crate::output::fix_target_problem(target, &args.lint.paths) {
            let _ = fail(format!("{}: not fixed: {problem}", file.path));
            refused += 1;
            continue;
        }
        let read_as = format!("{bom}{}", file.text);
        if std::fs::read(target).ok().as_deref() != Some(read_as.as_bytes()) {
            let message = format!("{}: not fixed: it changed since it was read", file.path);
            let _ = fail(message);
            refused += 1;
            continue;
        }
        let written = crate::output::write_atomically(target, |out| {
            out.write_all(bom.as_bytes())?;
            out.write_all(fixed.as_bytes())
        });
        if let Err(e) = written {
            let _ = fail(format!("{}: {e}", file.path));
            refused += 1;
            continue;
        }
        total += applied;
        eprintln!("fixed {}: {applied} change(s)", file.path);
    }
    if let Err(code) = write_output(None, &shown) {
        return code;
    }
    eprintln!(
        "{total} fix(es) {} in {} file(s)",
        if args.diff { "to apply" } else { "applied" },
        by_file.len() - refused
    );
    if run.input_errors.is_empty() && refused == 0 {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    }
}

/// Marks findings covered by a live waiver (from the config, or an `ecslint:ignore` tag on the
/// resource); reports expired and unused config waivers.
fn apply_waivers(run: &mut RunResult<'_>) {
    let today = findings::today();
    let configured = run.waivers.len();
    run.waivers.extend(findings::tag_waivers(run.estate));
    let mut used = vec![false; run.waivers.len()];
    for (e, evaluation) in run.evaluations.iter().enumerate() {
        for (f, finding) in evaluation.findings.iter().enumerate() {
            let rule = &run.rules[finding.rule];
            let resource = &run.estate.resources[finding.resource];
            for (w, waiver) in run.waivers.iter().enumerate() {
                let covers = config::selects(&waiver.rule, rule)
                    && (findings::glob_match(&waiver.resource, &resource.id)
                        || findings::glob_match(&waiver.resource, &resource.name));
                if !covers {
                    continue;
                }
                used[w] = true;
                let expired = waiver
                    .expires
                    .as_deref()
                    .is_some_and(|day| day < today.as_str());
                if !expired {
                    run.waived.insert((e, f), w);
                    break;
                }
            }
        }
    }
    for (w, waiver) in run.waivers.iter().enumerate().take(configured) {
        if let Some(day) = waiver
            .expires
            .as_deref()
            .filter(|day| *day < today.as_str())
        {
            run.waiver_problems.push(WaiverProblem::Expired {
                rule: waiver.rule.clone(),
                resource: waiver.resource.clone(),
                day: day.to_string(),
                reason: waiver.reason.clone(),
            });
        } else if !used[w] {
            run.waiver_problems.push(WaiverProblem::Unused {
                rule: waiver.rule.clone(),
                resource: waiver.resource.clone(),
            });
        }
    }
}

fn list_rules(args: RulesArgs) -> u8 {
    let (_, rules) = match resolve(&args.common) {
        Ok(resolved) => resolved,
        Err(code) => return code,
    };
    let pillar = match args.pillar.as_deref().map(|p| Pillar::parse(p).ok_or(p)) {
        Some(Err(p)) => return fail(format!("unknown pillar {p:?}")),
        Some(Ok(p)) => Some(p),
        None => None,
    };
    let resource = match args
        .resource
        .as_deref()
        .map(|r| ResourceKind::parse(r).ok_or(r))
    {
        Some(Err(r)) => return fail(format!("unknown resource kind {r:?}")),
        Some(Ok(r)) => Some(r),
        None => None,
    };
    let shown: Vec<&Rule> = rules
        .iter()
        .filter(|r| pillar.is_none_or(|p| r.file.pillars.contains(&p)))
        .filter(|r| args.severity.is_none_or(|s| r.severity == s))
        .filter(|r| resource.is_none_or(|k| r.kind == k))
        .collect();
    if args.json {
        let rows: Vec<serde_json::Value> = shown
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id(), "name": r.name(), "title": r.file.title, "severity": r.severity,
                    "pillars": r.file.pillars, "resource": r.kind, "wellArchitected": r.file.best_practices,
                    "equivalents": r.file.equivalents,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n";
        return write_output(None, &text).map_or_else(|code| code, |()| EXIT_CLEAN);
    }
    let mut text = format!(
        "{:<8} {:<44} {:<9} {:<18} pillars\n",
        "id", "name", "severity", "resource"
    );
    for rule in &shown {
        let pillars: Vec<&str> = rule.file.pillars.iter().map(|p| p.as_str()).collect();
        text.push_str(&format!(
            "{:<8} {:<44} {:<9} {:<18} {}\n",
            rule.id(),
            rule.name(),
            rule.severity,
            rule.kind,
            pillars.join(",")
        ));
    }
    text.push_str(&format!("{} rules\n", shown.len()));
    write_output(None, &text).map_or_else(|code| code, |()| EXIT_CLEAN)
}

/// Reports rule files that could not be loaded, each with its place; the exit code for it.
fn rule_errors(errors: Vec<catalog::RuleError>) -> u8 {
    for error in &errors {
        eprintln!("error: {error}");
    }
    EXIT_ERROR
}

fn test_rules(dir: &std::path::Path) -> u8 {
    use crate::ruletest;
    let rules = match crate::rule_files::load_with(false, &[dir.to_path_buf()], &BTreeMap::new())
        .map_err(rule_errors)
    {
        Ok(rules) => rules,
        Err(code) => return code,
    };
    if rules.is_empty() {
        return fail(format!("{}: no rule files (*.toml)", dir.display()));
    }
    let mut failed = 0;
    let mut text = String::new();
    for rule in &rules {
        let verdict = match ruletest::fixture_dir(rule, dir) {
            Some(fixtures) => ruletest::check_rule(rule, &fixtures),
            None => Err(format!(
                "no fixtures: add {}/{{pass,fail}}.json beside the rule or under fixtures/",
                rule.stem()
            )),
        };
        match verdict {
            Ok(()) => text.push_str(&format!("ok     {} {}\n", rule.id(), rule.name())),
            Err(problem) => {
                failed += 1;
                text.push_str(&format!(
                    "FAILED {} {}: {problem}\n",
                    rule.id(),
                    rule.name()
                ));
            }
        }
    }
    text.push_str(&format!(
        "rule tests: {} passed, {failed} failed\n",
        rules.len() - failed
    ));
    if let Err(code) = write_output(None, &text) {
        return code;
    }
    if failed == 0 {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

/// Writes one snapshot per region; returns their paths.
#[cfg(feature = "live")]
fn write_snapshots(live: &LiveArgs, output: &std::path::Path) -> Result<Vec<PathBuf>, u8> {
    let snapshots = sources::live::collect(&live.options().map_err(fail)?).map_err(fail)?;
    let several = snapshots.len() > 1;
    let mut paths = Vec::new();
    for (region, snapshot) in snapshots {
        let path = if several {
            let stem = output
                .file_stem()
                .map_or("snapshot".into(), |s| s.to_string_lossy().into_owned());
            output.with_file_name(format!("{stem}-{region}.json"))
        } else {
            output.to_path_buf()
        };
        let mut text = serde_json::to_string_pretty(&snapshot).unwrap_or_default();
        text.push('\n');
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| fail(format!("{}: {e}", parent.display())))?;
        }
        write_output(Some(&path), &text)?;
        let meta = &snapshot["ecslintSnapshot"];
        let calls: u64 = meta["calls"].as_object().map_or(0, |c| {
            c.values().filter_map(serde_json::Value::as_u64).sum()
        });
        eprintln!(
            "{region}: {} task definitions, {} services, {} clusters in {calls} calls; {} calls failed -> {}",
            snapshot["taskDefinitions"].as_array().map_or(0, Vec::len),
            snapshot["services"].as_array().map_or(0, Vec::len),
            snapshot["clusters"].as_array().map_or(0, Vec::len),
            meta["collectionErrors"].as_array().map_or(0, Vec::len),
            path.display()
        );
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(feature = "live")]
fn collect(args: CollectArgs) -> u8 {
    match write_snapshots(&args.live, &args.output) {
        Ok(_) => EXIT_CLEAN,
        Err(code) => code,
    }
}

/// `ecslint scan`: collect, then check the snapshot exactly as `check` would, so findings point
/// into the snapshot file (SARIF needs a physical location) and carry the resource ARNs.
#[cfg(feature = "live")]
fn scan(mut args: ScanArgs) -> u8 {
    let temporary;
    let snapshot = match (&args.snapshot, &args.check.output) {
        (Some(path), _) => path.clone(),
        (None, Some(report)) => report.with_extension("snapshot.json"),
        (None, None) => {
            temporary =
                std::env::temp_dir().join(format!("ecslint-scan-{}.json", std::process::id()));
            temporary.clone()
        }
    };
    let paths = match write_snapshots(&args.live, &snapshot) {
        Ok(paths) => paths,
        Err(code) => return code,
    };
    args.check.lint.paths = paths;
    check(args.check)
}

/// One side of a diff as a JSON report: read as is when it is one, else checked.
fn audit(path: &std::path::Path, args: &DiffArgs) -> Result<serde_json::Value, u8> {
    if path.is_file()
        && let Ok(text) = std::fs::read_to_string(path)
        && report::merge::is_report_text(&text)
    {
        let doc: serde_json::Value = serde_json::from_str(&text).map_err(fail)?;
        report::merge::check_version(&path.display().to_string(), &doc).map_err(fail)?;
        return Ok(doc);
    }
    let lint_args = LintArgs {
        paths: vec![path.to_path_buf()],
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        input_kind: InputKind::Auto,
        include: vec!["*.json".into()],
        exclude: Vec::new(),
        verbose: false,
        common: args.common.clone(),
    };
    let (run, _) = judge(lint(&lint_args)?, None);
    report_input_errors(&run, &lint_args);
    let mut bytes = Vec::new();
    report::json::write(&run, &ReportOptions::default(), &mut bytes).map_err(fail)?;
    serde_json::from_slice(&bytes).map_err(fail)
}

/// `ecslint diff OLD NEW`.
fn diff(args: DiffArgs) -> u8 {
    let (old, new) = match (audit(&args.old, &args), audit(&args.new, &args)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let compared = findings::diff::Diff::compare(
        &args.old.display().to_string(),
        &old,
        &args.new.display().to_string(),
        &new,
    );
    let options = ReportOptions {
        docs_url: args.common.docs_url.clone(),
        color: false,
        report_dir: Some(report_dir(args.output.as_deref())),
        verbose: false,
    };
    let text = match args.format {
        DiffFormat::Pretty => report::diff::pretty(&compared),
        DiffFormat::Json => {
            serde_json::to_string_pretty(&report::diff::json(&compared)).unwrap_or_default() + "\n"
        }
        DiffFormat::Sarif => {
            let rules = match resolve(&args.common) {
                Ok((_, rules)) => rules,
                Err(code) => return code,
            };
            serde_json::to_string_pretty(&report::diff::sarif(&compared, &rules, &options))
                .unwrap_or_default()
                + "\n"
        }
        DiffFormat::Html => report::diff::html(&compared, &options),
    };
    if let Err(code) = write_output(args.output.as_deref(), &text) {
        return code;
    }
    if compared.old.input_errors + compared.new.input_errors > 0 {
        EXIT_ERROR
    } else if args.fail_on_new && !compared.added.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Reads the files under `inputs` (folders: `*.json`), in order, as (display path, text).
fn read_inputs(inputs: &[PathBuf]) -> Result<Vec<(String, String)>, u8> {
    let found = sources::discover(inputs, &sources::InputOptions::default()).map_err(fail)?;
    if let Some(error) = found.errors.first() {
        return Err(fail(error));
    }
    found
        .inputs
        .iter()
        .map(|input| &input.path)
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| (path.display().to_string(), text))
                .map_err(|e| fail(format!("{}: cannot read: {e}", path.display())))
        })
        .collect()
}

/// `ecslint merge`: snapshots into a snapshot, or JSON reports into a report.
fn merge(args: MergeArgs) -> u8 {
    let inputs = match read_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let Some((first, first_text)) = inputs.first() else {
        return fail("nothing to merge: no .json file in the inputs");
    };
    // The first input says what is merged; merging tells any other kind apart as it reads.
    let merged = if sources::snapshot::is_snapshot(first_text) {
        sources::snapshot::merge(&inputs)
    } else {
        let mut reports = Vec::new();
        for (path, text) in &inputs {
            let doc: serde_json::Value = match serde_json::from_str(text) {
                Ok(doc) => doc,
                Err(e) => {
                    return fail(format!(
                        "{path}:{}:{}: {}",
                        e.line(),
                        e.column(),
                        sources::json_reason(&e)
                    ));
                }
            };
            if !report::merge::is_report(&doc) {
                return fail(if doc.get("ecslintSnapshot").is_some() {
                    format!(
                        "{path}: a snapshot ({first} is a report; merge snapshots or reports, not both)"
                    )
                } else {
                    format!("{path}: neither an ecslint snapshot nor an ecslint JSON report")
                });
            }
            reports.push((path.clone(), doc));
        }
        report::merge::merge(&reports).map(|merged| {
            let mut text = serde_json::to_string_pretty(&merged).unwrap_or_default();
            text.push('\n');
            text
        })
    };
    match merged {
        Ok(text) => match write_output(args.output.as_deref(), &text) {
            Ok(()) => EXIT_CLEAN,
            Err(code) => code,
        },
        Err(message) => fail(message),
    }
}

fn explain(wanted: &str) -> u8 {
    let rules = match catalog::builtin(&BTreeMap::new()).map_err(rule_errors) {
        Ok(rules) => rules,
        Err(code) => return code,
    };
    match rules
        .iter()
        .find(|r| r.id().eq_ignore_ascii_case(wanted) || r.name() == wanted)
    {
        Some(rule) => write_output(None, &crate::docs::help_markdown(rule))
            .map_or_else(|code| code, |()| EXIT_CLEAN),
        None => fail(format!("no rule {wanted:?}; `ecslint rules` lists them")),
    }
}

fn gen_docs(check_only: bool) -> u8 {
    let rules = match catalog::builtin(&BTreeMap::new()).map_err(rule_errors) {
        Ok(rules) => rules,
        Err(code) => return code,
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, text) in crate::docs::all_pages(&rules, &repo) {
        let full = repo.join(&path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if check_only {
            stale.push(path);
        } else {
            if let Some(parent) = full.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(&full, text) {
                return fail(format!("{path}: {e}"));
            }
            eprintln!("wrote {path}");
        }
    }
    if stale.is_empty() {
        EXIT_CLEAN
    } else {
        fail(format!(
            "stale docs (run `cargo run -- gen-docs`): {}",
            stale.join(", ")
        ))
    }
}
