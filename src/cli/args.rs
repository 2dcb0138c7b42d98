//! The command line's arguments (clap): one definition drives parsing and help.

use crate::engine::catalog::Severity;
use crate::report::{self, Format};
use crate::sources::shape::InputKind;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
  Auto Scaling       describe-auto-scaling-groups output (a capacity provider's group)
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
    #[arg(long, default_values_t = crate::sources::DEFAULT_INCLUDE.map(String::from))]
    pub include: Vec<String>,
    /// A CloudFormation template parameter's value (also pseudo parameters such as
    /// AWS::Region). Repeatable; wins over --parameters.
    #[arg(long, value_name = "KEY=VALUE")]
    pub parameter: Vec<String>,
    /// CloudFormation parameter values: `[{"ParameterKey": ..., "ParameterValue": ...}]` (as
    /// `aws cloudformation create-stack --parameters file://...` reads) or
    /// `{"Parameters": {...}}` (a CodePipeline template configuration). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub parameters: Vec<PathBuf>,
    /// A Terraform variable's value (as `terraform plan -var`): a string, or an HCL value
    /// such as `["a", "b"]`. Repeatable; wins over --var-file and tfvars files.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// A Terraform variable definitions file (`.tfvars`), read after the folder's
    /// `terraform.tfvars` and `*.auto.tfvars`. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
    /// Glob of files to skip. Repeatable.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Treat the files named like files found in a folder: skip those of no ECS, IAM or EC2
    /// shape (package.json, a workflow, a template without ECS resources) and pass when none
    /// is left. For hooks that hand over every changed file.
    #[arg(long)]
    pub skip_unrecognized: bool,
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
    /// Incremental scan: take the task definition revisions an earlier snapshot of `collect` or
    /// `scan` (or a merge of them) holds from it instead of describing them again. A folder
    /// gives the snapshots in it. Repeatable.
    #[arg(long, value_name = "SNAPSHOT")]
    pub since: Vec<PathBuf>,
}

#[cfg(feature = "live")]
impl LiveArgs {
    pub(super) fn options(&self) -> Result<crate::sources::live::LiveOptions, String> {
        let accounts = match &self.accounts_file {
            Some(path) => {
                let accounts = crate::sources::live::read_accounts_file(path)?;
                if accounts.is_empty() {
                    return Err(format!("{}: lists no account", path.display()));
                }
                accounts
            }
            None => Vec::new(),
        };
        Ok(crate::sources::live::LiveOptions {
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
            since: std::sync::Arc::new(crate::sources::live::read_since(&self.since)?),
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
