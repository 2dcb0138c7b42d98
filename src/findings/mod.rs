//! Findings: outcomes per (rule, resource), violations with their locations, waivers and the
//! summary reporters print.

pub mod baseline;
pub mod diff;
pub mod fix;

use crate::engine::catalog::{Pillar, Rule, Severity};
pub use crate::engine::outcome::{Counts, Evaluation, Finding, Location, Outcome};
use crate::model::input::InputError;
use crate::model::{Estate, IGNORE_TAG};
use baseline::{Baseline, BaselineEntry, BaselineState};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A waiver from the config file.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Rule id (or prefix, or pillar) the waiver covers.
    pub rule: String,
    /// Glob over the resource id or name (`*` matches any run of characters, `?` one).
    pub resource: String,
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver stops applying after that day.
    #[serde(default)]
    pub expires: Option<String>,
    /// Set for waivers read from an `ecslint:ignore` tag on the resource itself.
    #[serde(skip)]
    pub from_tag: bool,
}

/// Waivers from `ecslint:ignore` tags on the resources.
pub fn tag_waivers(estate: &Estate) -> Vec<Waiver> {
    estate
        .resources
        .iter()
        .flat_map(|resource| {
            resource.ignore.iter().map(move |rule| Waiver {
                rule: rule.clone(),
                resource: resource.id.clone(),
                reason: format!("{IGNORE_TAG} tag on {} {}", resource.kind, resource.name),
                expires: None,
                from_tag: true,
            })
        })
        .collect()
}

/// How this run's findings compare with a baseline.
#[derive(Debug, Clone, Default)]
pub struct BaselineComparison {
    pub states: BTreeMap<(usize, usize), BaselineState>,
    /// Baseline findings no longer found.
    pub absent: Vec<BaselineEntry>,
}

pub fn baseline_entry(run: &RunResult<'_>, finding: &Finding) -> BaselineEntry {
    BaselineEntry {
        fingerprint: finding.fingerprint.clone(),
        rule: run.rules[finding.rule].id().to_string(),
        resource: run.estate.resources[finding.resource].id.clone(),
        file: run.estate.files[finding.location.file].path.clone(),
        line: finding.location.start.line,
        column: finding.location.start.column,
        message: finding.message.clone(),
    }
}

pub fn compare_with_baseline(run: &RunResult<'_>, baseline: &Baseline) -> BaselineComparison {
    let known = baseline.fingerprints();
    let mut seen = std::collections::BTreeSet::new();
    let mut comparison = BaselineComparison::default();
    for (e, evaluation) in run.evaluations.iter().enumerate() {
        for (f, finding) in evaluation.findings.iter().enumerate() {
            let state = if known.contains(finding.fingerprint.as_str()) {
                seen.insert(finding.fingerprint.as_str());
                BaselineState::Unchanged
            } else {
                BaselineState::New
            };
            comparison.states.insert((e, f), state);
        }
    }
    // A rule that was not run this time cannot say its findings are gone.
    let ran: std::collections::BTreeSet<&str> = run.rules.iter().map(Rule::id).collect();
    comparison.absent = baseline
        .findings
        .iter()
        .filter(|entry| {
            !seen.contains(entry.fingerprint.as_str()) && ran.contains(entry.rule.as_str())
        })
        .cloned()
        .collect();
    comparison
}

/// A finding with what the gate needs to know about it.
#[derive(Debug, Clone)]
pub struct Judged<'a> {
    pub finding: &'a Finding,
    pub severity: Severity,
    /// The waiver that covers it, by index into the run's waivers.
    pub waiver: Option<usize>,
    /// New or unchanged, when the run compares with a baseline.
    pub baseline_state: Option<BaselineState>,
}

/// Everything one run produced, for the reporters.
pub struct RunResult<'a> {
    pub rules: &'a [Rule],
    pub estate: &'a Estate,
    /// The evaluations that failed or could not be evaluated; passes and not-applicable ones are
    /// only counted (there are millions of them in a large estate).
    pub evaluations: Vec<Evaluation>,
    /// Outcome counts per rule index, over every evaluation.
    pub counts: Vec<Counts>,
    pub input_errors: Vec<InputError>,
    /// Files found by walking folders that hold no ECS, IAM or EC2 document.
    pub skipped: Vec<crate::model::input::Skipped>,
    /// The `ecslint.toml` the run used, if any.
    pub config_path: Option<String>,
    pub waivers: Vec<Waiver>,
    /// Problems with configured waivers (expired, unused).
    pub waiver_problems: Vec<WaiverProblem>,
    /// Effective severity per rule index.
    pub severities: Vec<Severity>,
    /// Waiver index per (evaluation, finding) position.
    pub waived: BTreeMap<(usize, usize), usize>,
    pub baseline: Option<BaselineComparison>,
}

/// What is wrong with a configured waiver. Typed so the verdict never depends on wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaiverProblem {
    /// Past its `expires` day: the findings it covered count again, and the gate fails.
    Expired {
        rule: String,
        resource: String,
        day: String,
        reason: String,
    },
    /// Matched no finding: reported, but it does not fail the gate.
    Unused { rule: String, resource: String },
}

impl WaiverProblem {
    /// Whether this problem alone makes the run fail (exit 1).
    pub fn fails_gate(&self) -> bool {
        matches!(self, WaiverProblem::Expired { .. })
    }
}

impl std::fmt::Display for WaiverProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaiverProblem::Expired {
                rule,
                resource,
                day,
                reason,
            } => write!(
                f,
                "the waiver for {rule} on {resource:?} expired on {day} ({reason})"
            ),
            WaiverProblem::Unused { rule, resource } => {
                write!(
                    f,
                    "the waiver for {rule} on {resource:?} matched no finding"
                )
            }
        }
    }
}

impl serde::Serialize for WaiverProblem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How a run ends, decided from typed results only; the CLI maps it to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// Unwaived findings at or above the threshold (not in the baseline), or an expired waiver.
    Findings,
    /// An input could not be read or no ECS document was found: the result cannot be trusted.
    InputError,
    /// A live scan could not read everything.
    Partial,
}

impl<'a> RunResult<'a> {
    /// A run as evaluated, before it is judged: the rules' own severities, no waiver, no
    /// baseline, nothing skipped.
    pub fn new(
        rules: &'a [Rule],
        estate: &'a Estate,
        evaluations: Vec<Evaluation>,
        counts: Vec<Counts>,
        input_errors: Vec<InputError>,
    ) -> Self {
        RunResult {
            rules,
            estate,
            evaluations,
            counts,
            input_errors,
            skipped: Vec::new(),
            config_path: None,
            waivers: Vec::new(),
            waiver_problems: Vec::new(),
            severities: rules.iter().map(|rule| rule.severity).collect(),
            waived: BTreeMap::new(),
            baseline: None,
        }
    }
}

impl RunResult<'_> {
    /// The run's verdict at `threshold`. Input errors outrank a partial scan, which outranks
    /// findings: a gate must not report "findings only" when it could not read everything.
    pub fn verdict(&self, threshold: Severity) -> Verdict {
        if !self.input_errors.is_empty() {
            return Verdict::InputError;
        }
        if self.collection_errors().next().is_some() {
            return Verdict::Partial;
        }
        let failing = self.judged_unordered().any(|j| {
            j.waiver.is_none()
                && j.severity >= threshold
                && j.baseline_state != Some(BaselineState::Unchanged)
        });
        if failing || self.waiver_problems.iter().any(WaiverProblem::fails_gate) {
            Verdict::Findings
        } else {
            Verdict::Clean
        }
    }
}

/// What findings on resources of no known account are counted under.
pub const NO_ACCOUNT: &str = "(no account)";

/// The per-pillar and per-severity summary every reporter shows.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub total: Counts,
    pub by_pillar: BTreeMap<Pillar, Counts>,
    pub by_severity: BTreeMap<Severity, usize>,
    /// Unwaived findings per account (from the resource's ARN or its snapshot; files without
    /// either: "(no account)"), by severity.
    pub by_account: BTreeMap<String, BTreeMap<Severity, usize>>,
    pub resources: usize,
    pub files: usize,
    pub input_errors: usize,
    pub waived: usize,
    /// New / unchanged / absent findings, when compared with a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BTreeMap<&'static str, usize>>,
}

impl Summary {
    /// How many accounts the findings name (an organization's audit has several).
    pub fn accounts_named(&self) -> usize {
        self.by_account.keys().filter(|a| *a != NO_ACCOUNT).count()
    }
}

impl<'a> RunResult<'a> {
    /// Findings in report order (file, line, column, rule), with severity and waiver.
    pub fn judged(&self) -> Vec<Judged<'_>> {
        let mut all: Vec<Judged<'_>> = self.judged_unordered().collect();
        // Borrowed keys: a large estate has millions of findings to order.
        let key = |j: &Judged<'_>| {
            (
                self.estate.files[j.finding.location.file].path.as_str(),
                j.finding.location.start.line,
                j.finding.location.start.column,
                self.rules[j.finding.rule].id(),
                j.finding.resource,
            )
        };
        all.par_sort_by(|a, b| key(a).cmp(&key(b)));
        all
    }

    /// Every finding with its severity, waiver and baseline state, in evaluation order (for
    /// counting and testing without the cost of ordering).
    pub fn judged_unordered(&self) -> impl Iterator<Item = Judged<'_>> {
        self.evaluations
            .iter()
            .enumerate()
            .flat_map(move |(e, evaluation)| {
                evaluation
                    .findings
                    .iter()
                    .enumerate()
                    .map(move |(f, finding)| Judged {
                        finding,
                        severity: self.severities[finding.rule],
                        waiver: self.waived.get(&(e, f)).copied(),
                        baseline_state: self
                            .baseline
                            .as_ref()
                            .and_then(|b| b.states.get(&(e, f)).copied()),
                    })
            })
    }

    /// What the live scans behind the inputs could not read: the run is partial.
    pub fn collection_errors(&self) -> impl Iterator<Item = &str> {
        self.estate
            .files
            .iter()
            .flat_map(|f| f.collection_errors.iter().map(String::as_str))
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            resources: self.estate.resources.len(),
            files: self.estate.files.len(),
            input_errors: self.input_errors.len(),
            waived: self.waived.len(),
            ..Summary::default()
        };
        for pillar in Pillar::ALL {
            summary.by_pillar.insert(pillar, Counts::default());
        }
        for (rule, counts) in self.counts.iter().enumerate() {
            summary.total.merge(counts);
            for pillar in &self.rules[rule].file.pillars {
                summary.by_pillar.entry(*pillar).or_default().merge(counts);
            }
        }
        for judged in self.judged_unordered() {
            if judged.waiver.is_none() {
                *summary.by_severity.entry(judged.severity).or_default() += 1;
                let resource = &self.estate.resources[judged.finding.resource];
                let account =
                    crate::model::account_of(resource, &self.estate.files).unwrap_or(NO_ACCOUNT);
                *summary
                    .by_account
                    .entry(account.to_string())
                    .or_default()
                    .entry(judged.severity)
                    .or_default() += 1;
            }
        }
        if let Some(comparison) = &self.baseline {
            let mut counts = BTreeMap::from([
                ("new", 0),
                ("unchanged", 0),
                ("absent", comparison.absent.len()),
            ]);
            for state in comparison.states.values() {
                *counts.entry(state.as_str()).or_default() += 1;
            }
            summary.baseline = Some(counts);
        }
        summary
    }
}

/// Today's date as `YYYY-MM-DD` (UTC), for waiver expiry. Nothing in the environment changes
/// it: a gate's expiry check must not be switched off from outside.
pub fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    civil_date(seconds.div_euclid(86_400))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whether a waiver's glob matches a resource id or name: `*` any run of characters, `?` any one
/// (as in IAM; neither occurs in ARNs or ECS names, so nothing needs escaping).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    crate::model::iam::wildcard_match(pattern, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_517), "2026-03-05");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "arn:aws:ecs:*:service/prod/*",
            "arn:aws:ecs:eu-west-1:1:service/prod/web"
        ));
        assert!(!glob_match("web", "web-2"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("web-?", "web-2"));
        assert!(!glob_match("web-?", "web-22"));
        assert!(glob_match("api:?", "api:7") && !glob_match("api:?", "api:"));
    }
}
