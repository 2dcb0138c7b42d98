//! Findings: outcomes per (rule, resource), violations with their locations, waivers and the
//! summary reporters print.

pub mod baseline;
pub mod fix;
mod waivers;

use crate::engine::catalog::{Pillar, Rule, Severity};
pub use crate::engine::outcome::{Counts, Evaluation, Finding, Location, Outcome};
use crate::model::Estate;
use crate::model::input::InputError;
use baseline::{Baseline, BaselineEntry, BaselineState};
use rayon::prelude::*;
use std::collections::BTreeMap;
pub use waivers::{Waiver, apply_waivers, glob_match, tag_waivers, today};

/// How this run's findings compare with a baseline.
#[derive(Debug, Clone, Default)]
pub struct BaselineComparison {
    pub states: BTreeMap<(usize, usize), BaselineState>,
    /// Baseline findings no longer found.
    pub absent: Vec<BaselineEntry>,
}

pub fn baseline_entry(run: &RunResult<'_>, finding: &Finding) -> BaselineEntry {
    BaselineEntry {
        fingerprint: finding.fingerprint.to_string(),
        rule: run.rules[finding.rule].id().to_string(),
        resource: run.estate.resources[finding.resource].id.clone(),
        file: run.estate.files[finding.location.file].path.clone(),
        line: finding.location.start.line,
        column: finding.location.start.column,
        message: finding.message.to_string(),
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
    /// Its fix as a source planned it in its own syntax (a template, Terraform), when planned.
    pub planned_fix: Option<&'a fix::Edit>,
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
    /// Fixes planned in a template's or a Terraform file's own syntax, per (evaluation,
    /// finding) position (`lint::plan_fixes`); a fix in API JSON is planned from the finding
    /// itself ([`fix::edit_for`]).
    pub planned_fixes: BTreeMap<(usize, usize), fix::Edit>,
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
            planned_fixes: BTreeMap::new(),
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
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BTreeMap<String, usize>>,
}

impl Summary {
    /// How many accounts the findings name (an organization's audit has several).
    pub fn accounts_named(&self) -> usize {
        self.by_account.keys().filter(|a| *a != NO_ACCOUNT).count()
    }
}

/// Each key's place in the sorted order of `keys`, equal keys sharing one.
fn ranks<'k>(keys: impl Iterator<Item = &'k str>) -> Vec<usize> {
    let keys: Vec<&str> = keys.collect();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| keys[i]);
    let mut rank = vec![0; keys.len()];
    let mut current = 0;
    for (n, &i) in order.iter().enumerate() {
        if n > 0 && keys[i] != keys[order[n - 1]] {
            current += 1;
        }
        rank[i] = current;
    }
    rank
}

impl<'a> RunResult<'a> {
    /// Findings in report order (file, line, column, rule), with severity and waiver.
    pub fn judged(&self) -> Vec<Judged<'_>> {
        let mut all: Vec<Judged<'_>> = self.judged_unordered().collect();
        // Files and rules ranked once, by path and by id: a large estate has millions of
        // findings to order, most of them in a few files, whose paths compared equal at length.
        let file_rank = ranks(self.estate.files.iter().map(|f| f.path.as_str()));
        let rule_rank = ranks(self.rules.iter().map(Rule::id));
        all.par_sort_by_key(|j| {
            let location = &j.finding.location;
            (
                file_rank[location.file],
                location.start.line,
                location.start.column,
                rule_rank[j.finding.rule],
                j.finding.resource,
            )
        });
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
                        planned_fix: self.planned_fixes.get(&(e, f)),
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
                ("new".to_string(), 0),
                ("unchanged".to_string(), 0),
                ("absent".to_string(), comparison.absent.len()),
            ]);
            for state in comparison.states.values() {
                *counts.entry(state.as_str().to_string()).or_default() += 1;
            }
            summary.baseline = Some(counts);
        }
        summary
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranks_follow_the_sorted_order_and_equal_keys_share_one() {
        let keys = ["b.json", "a.json", "c.json", "a.json", "B.json"];
        assert_eq!(super::ranks(keys.into_iter()), vec![2, 1, 3, 1, 0]);
        assert!(super::ranks(std::iter::empty()).is_empty());
    }
}
