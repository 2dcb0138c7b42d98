//! Merging JSON reports (`check --format json`) of separate jobs into one: findings and what was
//! not evaluated are united (a finding in several reports, such as one on an IAM role reported
//! by each region of its account, is kept once, by fingerprint); outcome counts are summed;
//! finding counts are recounted from the merged findings. Reports are read and written through
//! the JSON report's own types (`report::json`).

use super::json::{Report, Tool};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

/// Whether a text is an ecslint JSON report, without building the document (a snapshot given
/// instead may be hundreds of megabytes).
pub fn is_report_text(text: &str) -> bool {
    use serde::de::IgnoredAny;
    #[derive(serde::Deserialize)]
    struct Tool {
        name: String,
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        tool: Option<Tool>,
        findings: Option<Vec<IgnoredAny>>,
    }
    serde_json::from_str::<Probe>(text)
        .is_ok_and(|p| p.tool.is_some_and(|t| t.name == "ecslint") && p.findings.is_some())
}

/// Appends the items of `from` that `into` does not hold yet.
fn unite<T: Clone + PartialEq>(into: &mut Vec<T>, from: &[T]) {
    for item in from {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

/// One report from `inputs` (display path, report).
pub fn merge(inputs: &[(String, Report<'static>)]) -> Report<'static> {
    let mut findings = Vec::new();
    let mut fingerprints = HashSet::new();
    let mut not_evaluated = Vec::new();
    let mut not_evaluated_seen = HashSet::new();
    let (mut input_errors, mut skipped, mut waiver_problems) = (Vec::new(), Vec::new(), Vec::new());
    let (mut collection_errors, mut absent) = (Vec::new(), Vec::new());
    let mut any_baseline = false;
    let mut summary = crate::findings::Summary::default();
    for (_, report) in inputs {
        for finding in &report.findings {
            if finding.fingerprint.is_empty() || fingerprints.insert(finding.fingerprint.clone()) {
                findings.push(finding.clone());
            }
        }
        for entry in &report.not_evaluated {
            if not_evaluated_seen.insert((entry.rule.clone(), entry.resource.id.clone())) {
                not_evaluated.push(entry.clone());
            }
        }
        unite(&mut input_errors, &report.input_errors);
        unite(&mut skipped, &report.skipped);
        unite(&mut waiver_problems, &report.waiver_problems);
        unite(&mut collection_errors, &report.collection_errors);
        if let Some(entries) = &report.absent {
            any_baseline = true;
            unite(&mut absent, entries);
        }
        let part = &report.summary;
        summary.total.merge(&part.total);
        for (pillar, counts) in &part.by_pillar {
            summary.by_pillar.entry(*pillar).or_default().merge(counts);
        }
        summary.resources += part.resources;
        summary.files += part.files;
        summary.input_errors += part.input_errors;
        if let Some(states) = &part.baseline {
            let into = summary.baseline.get_or_insert_with(BTreeMap::new);
            for (state, n) in states {
                *into.entry(state.clone()).or_default() += n;
            }
        }
    }
    findings.sort_by(|a, b| a.order().cmp(&b.order()));
    // Finding counts from the merged findings, so that a finding kept once is counted once.
    summary.total.findings = findings.len();
    for counts in summary.by_pillar.values_mut() {
        counts.findings = 0;
    }
    for finding in &findings {
        if finding.waiver.is_none() {
            *summary.by_severity.entry(finding.severity).or_default() += 1;
            *summary
                .by_account
                .entry(finding.account())
                .or_default()
                .entry(finding.severity)
                .or_default() += 1;
        } else {
            summary.waived += 1;
        }
        for pillar in finding.pillars.iter() {
            summary.by_pillar.entry(*pillar).or_default().findings += 1;
        }
    }
    Report {
        version: super::json::FORMAT_VERSION,
        tool: Tool::this(),
        summary,
        findings,
        not_evaluated,
        input_errors: Cow::Owned(input_errors),
        skipped: Cow::Owned(skipped),
        waiver_problems,
        absent: any_baseline.then_some(Cow::Owned(absent)),
        collection_errors,
        merged: Some(inputs.iter().map(|(path, _)| path.clone()).collect()),
    }
}
