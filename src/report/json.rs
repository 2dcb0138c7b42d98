//! The JSON report. Its shape is a public contract documented in `docs/json-format.md`;
//! `version` changes when a field is removed or changes meaning. Written straight to the output
//! from borrowed data, so a report of 100,000 findings is never held twice in memory.

use super::ReportOptions;
use crate::engine::catalog::{Pillar, Severity};
use crate::findings::baseline::{BaselineEntry, BaselineState};
use crate::findings::{Outcome, RunResult, Summary, Waiver};
use crate::location::LineCol;
use crate::model::ResourceKind;
use crate::model::input::InputError;
use serde::Serialize;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct ResourceRef<'a> {
    kind: ResourceKind,
    id: &'a str,
    name: &'a str,
    account: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingLocation<'a> {
    file: &'a str,
    path: &'a str,
    start: LineCol,
    end: LineCol,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: Severity,
    pillars: &'a [Pillar],
    resource: ResourceRef<'a>,
    message: &'a str,
    location: FindingLocation<'a>,
    fingerprint: &'a str,
    waiver: Option<&'a Waiver>,
    baseline_state: Option<BaselineState>,
    help_uri: String,
}

#[derive(Serialize)]
struct NotEvaluated<'a> {
    rule: &'a str,
    resource: ResourceRef<'a>,
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    not_evaluated: Vec<NotEvaluated<'a>>,
    input_errors: &'a [InputError],
    skipped: &'a [crate::model::input::Skipped],
    waiver_problems: &'a [crate::findings::WaiverProblem],
    absent: Option<&'a [BaselineEntry]>,
    collection_errors: Vec<&'a str>,
}

fn resource_ref<'a>(run: &'a RunResult<'_>, index: usize) -> ResourceRef<'a> {
    let resource = &run.estate.resources[index];
    ResourceRef {
        kind: resource.kind,
        id: &resource.id,
        name: &resource.name,
        account: crate::model::account_of(resource, &run.estate.files),
    }
}

pub fn write(
    run: &RunResult<'_>,
    options: &ReportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let findings = run
        .judged()
        .into_iter()
        .map(|judged| {
            let finding = judged.finding;
            let rule = &run.rules[finding.rule];
            let location = &finding.location;
            JsonFinding {
                rule: rule.id(),
                name: rule.name(),
                severity: judged.severity,
                pillars: &rule.file.pillars,
                resource: resource_ref(run, finding.resource),
                message: &finding.message,
                location: FindingLocation {
                    file: &run.estate.files[location.file].path,
                    path: &location.path,
                    start: location.start,
                    end: location.end,
                },
                fingerprint: &finding.fingerprint,
                waiver: judged.waiver.map(|w| &run.waivers[w]),
                baseline_state: judged.baseline_state,
                help_uri: super::help_uri(rule, options),
            }
        })
        .collect();
    let not_evaluated = run
        .evaluations
        .iter()
        .filter(|e| e.outcome == Outcome::NotEvaluated)
        .map(|e| NotEvaluated {
            rule: run.rules[e.rule].id(),
            resource: resource_ref(run, e.resource),
            reason: e.reason.as_deref(),
        })
        .collect();
    let report = Report {
        version: FORMAT_VERSION,
        tool: Tool {
            name: "ecslint",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: run.summary(),
        findings,
        not_evaluated,
        input_errors: &run.input_errors,
        skipped: &run.skipped,
        waiver_problems: &run.waiver_problems,
        absent: run.baseline.as_ref().map(|b| b.absent.as_slice()),
        collection_errors: run.collection_errors().collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
