//! Baselines: today's findings recorded by fingerprint, so a gate fails only on new ones.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const BASELINE_VERSION: u32 = 1;

/// Whether a finding was in the baseline (SARIF `baselineState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Unchanged,
    Absent,
}

impl BaselineState {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Absent => "absent",
        }
    }
}

/// One recorded finding. Position and message are kept for people and for reporting findings
/// that have gone; only the fingerprint is compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub resource: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    pub fn new(mut findings: Vec<BaselineEntry>) -> Self {
        findings.sort_by(|a, b| {
            (&a.file, a.line, &a.rule, &a.fingerprint).cmp(&(
                &b.file,
                b.line,
                &b.rule,
                &b.fingerprint,
            ))
        });
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: BASELINE_VERSION,
            findings,
        }
    }

    /// Reads a baseline's text; `shown` names it in errors.
    pub fn parse(shown: &str, text: &str) -> Result<Baseline, String> {
        let baseline: Baseline = serde_json::from_str(text).map_err(|e| {
            format!(
                "{shown}:{}:{}: not an ecslint baseline: {e}",
                e.line(),
                e.column()
            )
        })?;
        if baseline.version != BASELINE_VERSION {
            return Err(format!(
                "{shown}: baseline version {} is not {BASELINE_VERSION}",
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn fingerprints(&self) -> BTreeSet<&str> {
        self.findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect()
    }
}
