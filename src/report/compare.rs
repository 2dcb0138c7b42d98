//! Audit-to-audit comparison: which findings are new, fixed or unchanged between two JSON
//! reports (two snapshots are first checked into reports, so both routes compare the same way).
//! Findings are matched by fingerprint, which ignores lines and formatting. A finding of the old
//! report whose rule could not be evaluated on its resource in the new one is `unverified`, never
//! fixed; waived findings are left out of the comparison and only counted.

use super::json::{JsonFinding, Report};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

type Finding = JsonFinding<'static>;

/// One side of a comparison, as people need to know it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    /// What was compared: the paths given on the command line.
    pub source: String,
    /// Unwaived findings.
    pub findings: usize,
    pub waived: usize,
    pub input_errors: usize,
    /// What the scans behind it could not read; a fix seen against a partial scan is doubtful.
    pub collection_errors: Vec<String>,
}

/// Where a finding stands between the two audits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffState {
    New,
    Fixed,
    Unchanged,
    Unverified,
}

impl DiffState {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffState::New => "new",
            DiffState::Fixed => "fixed",
            DiffState::Unchanged => "unchanged",
            DiffState::Unverified => "unverified",
        }
    }
}

/// Counts per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffCounts {
    pub new: usize,
    pub fixed: usize,
    pub unchanged: usize,
    pub unverified: usize,
}

#[derive(Debug, Clone)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    /// Findings of the new report only (JSON report findings, as written).
    pub added: Vec<Finding>,
    /// Findings of the old report only, whose rule was evaluated on the resource again.
    pub fixed: Vec<Finding>,
    /// Findings in both (as in the new report).
    pub unchanged: Vec<Finding>,
    /// Findings of the old report the new one could not evaluate.
    pub unverified: Vec<Finding>,
}

fn unwaived<'r>(report: &'r Report<'static>) -> impl Iterator<Item = &'r Finding> {
    report.findings.iter().filter(|f| f.waiver.is_none())
}

fn side(source: &str, report: &Report<'static>) -> Side {
    let findings = unwaived(report).count();
    Side {
        source: source.to_string(),
        findings,
        waived: report.findings.len() - findings,
        input_errors: report.input_errors.len(),
        collection_errors: report
            .collection_errors
            .iter()
            .map(|e| e.to_string())
            .collect(),
    }
}

impl Diff {
    pub fn compare(
        old_source: &str,
        old: &Report<'static>,
        new_source: &str,
        new: &Report<'static>,
    ) -> Diff {
        let old_prints: HashSet<&str> = unwaived(old).map(|f| &*f.fingerprint).collect();
        let new_prints: HashSet<&str> = unwaived(new).map(|f| &*f.fingerprint).collect();
        let not_evaluated: HashSet<(&str, &str)> = new
            .not_evaluated
            .iter()
            .map(|e| (&*e.rule, &*e.resource.id))
            .collect();
        let mut diff = Diff {
            old: side(old_source, old),
            new: side(new_source, new),
            added: Vec::new(),
            fixed: Vec::new(),
            unchanged: Vec::new(),
            unverified: Vec::new(),
        };
        for finding in unwaived(new) {
            if old_prints.contains(&*finding.fingerprint) {
                diff.unchanged.push(finding.clone());
            } else {
                diff.added.push(finding.clone());
            }
        }
        for finding in unwaived(old).filter(|f| !new_prints.contains(&*f.fingerprint)) {
            if not_evaluated.contains(&(&*finding.rule, &*finding.resource.id)) {
                diff.unverified.push(finding.clone());
            } else {
                diff.fixed.push(finding.clone());
            }
        }
        diff
    }

    /// Every finding with its state, in report order within each state.
    pub fn states(&self) -> impl Iterator<Item = (DiffState, &Finding)> {
        [
            (DiffState::New, &self.added),
            (DiffState::Fixed, &self.fixed),
            (DiffState::Unchanged, &self.unchanged),
            (DiffState::Unverified, &self.unverified),
        ]
        .into_iter()
        .flat_map(|(state, list)| list.iter().map(move |f| (state, f)))
    }

    fn count_by(&self, keys: impl Fn(&Finding) -> Vec<String>) -> BTreeMap<String, DiffCounts> {
        let mut counts: BTreeMap<String, DiffCounts> = BTreeMap::new();
        for (state, finding) in self.states() {
            for key in keys(finding) {
                let entry = counts.entry(key).or_default();
                match state {
                    DiffState::New => entry.new += 1,
                    DiffState::Fixed => entry.fixed += 1,
                    DiffState::Unchanged => entry.unchanged += 1,
                    DiffState::Unverified => entry.unverified += 1,
                }
            }
        }
        counts
    }

    pub fn total(&self) -> DiffCounts {
        DiffCounts {
            new: self.added.len(),
            fixed: self.fixed.len(),
            unchanged: self.unchanged.len(),
            unverified: self.unverified.len(),
        }
    }

    /// Per pillar, every pillar listed (a finding counts under each pillar of its rule).
    pub fn by_pillar(&self) -> BTreeMap<String, DiffCounts> {
        let mut counts =
            self.count_by(|f| f.pillars.iter().map(|p| p.as_str().to_string()).collect());
        for pillar in crate::engine::catalog::Pillar::ALL {
            counts.entry(pillar.as_str().to_string()).or_default();
        }
        counts
    }

    pub fn by_account(&self) -> BTreeMap<String, DiffCounts> {
        self.count_by(|f| vec![f.account()])
    }

    pub fn by_severity(&self) -> BTreeMap<String, DiffCounts> {
        self.count_by(|f| vec![f.severity.as_str().to_string()])
    }
}
