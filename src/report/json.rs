//! The JSON report. Its shape is a public contract documented in `docs/json-format.md`;
//! `version` changes when a field is removed or changes meaning.

use super::ReportOptions;
use crate::findings::RunResult;
use serde_json::{Value, json};

pub const FORMAT_VERSION: u32 = 1;

pub fn to_value(run: &RunResult<'_>, options: &ReportOptions) -> Value {
    let findings: Vec<Value> = run
        .judged()
        .iter()
        .map(|judged| {
            let finding = judged.finding;
            let rule = &run.rules[finding.rule];
            let resource = &run.estate.resources[finding.resource];
            let location = &finding.location;
            json!({
                "rule": rule.id(),
                "name": rule.name(),
                "severity": judged.severity,
                "pillars": rule.file.pillars,
                "resource": { "kind": resource.kind, "id": resource.id, "name": resource.name },
                "message": finding.message,
                "location": {
                    "file": run.estate.files[location.file].path,
                    "path": location.path,
                    "start": location.start,
                    "end": location.end,
                },
                "fingerprint": finding.fingerprint,
                "waiver": judged.waiver.map(|w| &run.waivers[w]),
                "baselineState": judged.baseline_state,
                "helpUri": super::help_uri(rule, options),
            })
        })
        .collect();
    let not_evaluated: Vec<Value> = run
        .evaluations
        .iter()
        .filter(|e| e.outcome == crate::findings::Outcome::NotEvaluated)
        .map(|e| {
            let resource = &run.estate.resources[e.resource];
            json!({
                "rule": run.rules[e.rule].id(),
                "resource": { "kind": resource.kind, "id": resource.id, "name": resource.name },
                "reason": e.reason,
            })
        })
        .collect();
    let errors: Vec<Value> = run.input_errors.iter().map(|e| json!(e)).collect();
    json!({
        "version": FORMAT_VERSION,
        "tool": { "name": "ecslint", "version": env!("CARGO_PKG_VERSION") },
        "summary": run.summary(),
        "findings": findings,
        "notEvaluated": not_evaluated,
        "inputErrors": errors,
        "waiverProblems": run.waiver_problems,
        "absent": run.baseline.as_ref().map(|b| &b.absent),
    })
}

pub fn render(run: &RunResult<'_>, options: &ReportOptions) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(run, options)).unwrap_or_default();
    text.push('\n');
    text
}
