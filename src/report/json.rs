//! The JSON report. Its shape is a public contract documented in `docs/json-format.md`;
//! `version` changes when a field is removed or changes meaning. Written straight to the output
//! from borrowed data, so a report of 100,000 findings is never held twice in memory.

use super::ReportOptions;
use super::json_elements::Layout;
use crate::engine::catalog::{Pillar, Severity};
use crate::findings::baseline::{BaselineEntry, BaselineState};
use crate::findings::{Evaluation, Judged, Outcome, RunResult, Summary, Waiver};
use crate::location::LineCol;
use crate::model::ResourceKind;
use crate::model::input::InputError;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::Write;

pub const FORMAT_VERSION: u32 = 1;

// The report's types: written from borrowed data (`Cow::Borrowed`), read back owned
// ([`read`]) by `diff` and `merge`, so what is written and what is read cannot drift apart.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRef<'a> {
    pub kind: ResourceKind,
    pub id: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub account: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingLocation<'a> {
    pub file: Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub start: LineCol,
    pub end: LineCol,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonFinding<'a> {
    pub rule: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub severity: Severity,
    pub pillars: Cow<'a, [Pillar]>,
    pub resource: ResourceRef<'a>,
    pub message: Cow<'a, str>,
    pub location: FindingLocation<'a>,
    pub fingerprint: Cow<'a, str>,
    pub waiver: Option<Cow<'a, Waiver>>,
    pub baseline_state: Option<BaselineState>,
    pub help_uri: Cow<'a, str>,
}

impl JsonFinding<'_> {
    /// The account the finding belongs to: its resource's, else its resource ARN's.
    pub fn account(&self) -> String {
        self.resource
            .account
            .as_deref()
            .or_else(|| crate::model::arn_account(&self.resource.id))
            .unwrap_or(crate::findings::NO_ACCOUNT)
            .to_string()
    }

    /// The key findings are sorted by: file, line, column, rule.
    pub fn order(&self) -> (&str, usize, usize, &str) {
        let start = self.location.start;
        (&self.location.file, start.line, start.column, &self.rule)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotEvaluated<'a> {
    pub rule: Cow<'a, str>,
    pub resource: ResourceRef<'a>,
    pub reason: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: "ecslint".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    pub version: u32,
    pub tool: Tool,
    pub summary: Summary,
    pub findings: Vec<JsonFinding<'a>>,
    #[serde(default)]
    pub not_evaluated: Vec<NotEvaluated<'a>>,
    #[serde(default)]
    pub input_errors: Cow<'a, [InputError]>,
    #[serde(default)]
    pub skipped: Cow<'a, [crate::model::input::Skipped]>,
    /// Expired or unused waivers, in words.
    #[serde(default)]
    pub waiver_problems: Vec<String>,
    pub absent: Option<Cow<'a, [BaselineEntry]>>,
    #[serde(default)]
    pub collection_errors: Vec<Cow<'a, str>>,
    /// The reports a merged report was made of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Vec<String>>,
}

/// Reads a JSON report written by this version of the format. Errors name the file, and the
/// line and column of a member that does not fit.
pub fn read(path: &str, text: &str) -> Result<Report<'static>, String> {
    #[derive(Deserialize)]
    struct Version {
        version: Option<serde_json::Value>,
    }
    let version = serde_json::from_str::<Version>(text)
        .map_err(|e| format!("{path}: not a JSON report: {e}"))?
        .version;
    if version != Some(serde_json::json!(FORMAT_VERSION)) {
        return Err(format!(
            "{path}: JSON report version {} is not {FORMAT_VERSION}",
            version.unwrap_or(serde_json::Value::Null)
        ));
    }
    serde_json::from_str(text).map_err(|e| format!("{path}: {e}"))
}

fn resource_ref<'a>(run: &'a RunResult<'_>, index: usize) -> ResourceRef<'a> {
    let resource = &run.estate.resources[index];
    ResourceRef {
        kind: resource.kind,
        id: Cow::Borrowed(&resource.id),
        name: Cow::Borrowed(&resource.name),
        account: crate::model::account_of(resource, &run.estate.files).map(Cow::Borrowed),
    }
}

pub fn write(
    run: &RunResult<'_>,
    options: &ReportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // Each element is made as it is serialized, not all beforehand: a large estate's findings
    // are hundreds of MB as report structures. A rule's help link is made once.
    let help: Vec<String> = run
        .rules
        .iter()
        .map(|rule| super::help_uri(rule, options))
        .collect();
    let judged = run.judged();
    let not_evaluated: Vec<&Evaluation> = run
        .evaluations
        .iter()
        .filter(|e| e.outcome == Outcome::NotEvaluated)
        .collect();
    let report = Report {
        version: FORMAT_VERSION,
        tool: Tool::this(),
        summary: run.summary(),
        findings: Vec::new(),
        not_evaluated: Vec::new(),
        input_errors: Cow::Borrowed(&run.input_errors),
        skipped: Cow::Borrowed(&run.skipped),
        waiver_problems: run
            .waiver_problems
            .iter()
            .map(ToString::to_string)
            .collect(),
        absent: run
            .baseline
            .as_ref()
            .map(|b| Cow::Borrowed(b.absent.as_slice())),
        collection_errors: run.collection_errors().map(Cow::Borrowed).collect(),
        merged: None,
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    write_with_findings(
        &report,
        (&judged, |judged: &Judged<'_>| {
            json_finding(run, &help, judged)
        }),
        (&not_evaluated, |e: &&Evaluation| NotEvaluated {
            rule: Cow::Borrowed(run.rules[e.rule].id()),
            resource: resource_ref(run, e.resource),
            reason: e.reason.as_deref().map(Cow::Borrowed),
        }),
        &mut out,
    )?;
    out.write_all(b"\n")?;
    out.flush()
}

fn json_finding<'a>(
    run: &'a RunResult<'_>,
    help: &'a [String],
    judged: &Judged<'a>,
) -> JsonFinding<'a> {
    let finding = judged.finding;
    let rule = &run.rules[finding.rule];
    let location = &finding.location;
    JsonFinding {
        rule: Cow::Borrowed(rule.id()),
        name: Cow::Borrowed(rule.name()),
        severity: judged.severity,
        pillars: Cow::Borrowed(&rule.file.pillars),
        resource: resource_ref(run, finding.resource),
        message: Cow::Borrowed(&finding.message),
        location: FindingLocation {
            file: Cow::Borrowed(&run.estate.files[location.file].path),
            path: Cow::Borrowed(&location.path),
            start: location.start,
            end: location.end,
        },
        fingerprint: Cow::Borrowed(&finding.fingerprint),
        waiver: judged.waiver.map(|w| Cow::Borrowed(&run.waivers[w])),
        baseline_state: judged.baseline_state,
        help_uri: Cow::Borrowed(&help[finding.rule]),
    }
}

/// Writes `report` as pretty JSON with the findings and the rules not evaluated that the two
/// pairs of items and makers give in its empty members of those names: the same bytes
/// `serde_json::to_writer_pretty` writes for the whole. Those two are serialized on every core
/// (they are most of a large report's bytes), each element made as it is serialized.
fn write_with_findings<'r, F: Sync, N: Sync>(
    report: &Report<'_>,
    (findings, finding): (&[F], impl Fn(&F) -> JsonFinding<'r> + Sync),
    (not_evaluated, entry): (&[N], impl Fn(&N) -> NotEvaluated<'r> + Sync),
    out: &mut impl Write,
) -> std::io::Result<()> {
    use super::splice::{Element, split_at_empty, write_elements};
    let document = serde_json::to_string_pretty(report)?;
    let cut = split_at_empty(&document, "findings", 2).and_then(|(head, rest)| {
        let (middle, tail) = split_at_empty(rest, "notEvaluated", 2)?;
        Some((head, middle, tail))
    });
    let Some((head, middle, tail)) = cut else {
        return out.write_all(document.as_bytes());
    };
    out.write_all(head.as_bytes())?;
    // The elements of both arrays are inside the report object and the array.
    let layout = Layout::at(2);
    let finding = |f: &F, _: Element| layout.finding(&finding(f));
    write_elements(findings, layout.depth(), finding, out)?;
    out.write_all(middle.as_bytes())?;
    let entry = |n: &N, _: Element| Ok(layout.not_evaluated(&entry(n)));
    write_elements(not_evaluated, layout.depth(), entry, out)?;
    out.write_all(tail.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::catalog::{Pillar, Severity};

    /// A finding of each kind of resource, severity, number of pillars, waiver and baseline
    /// state in turn, with texts that need escapes.
    fn finding(i: usize) -> JsonFinding<'static> {
        let at = |line| LineCol { line, column: 3 };
        let waiver = Waiver {
            rule: "SEC".into(),
            resource: "app*".into(),
            reason: format!("accepted \"risk\" {i}"),
            expires: i.is_multiple_of(2).then(|| "2027-01-31".into()),
            from_tag: false,
        };
        JsonFinding {
            rule: Cow::Owned(format!("SEC{i:03}")),
            name: Cow::Borrowed("a-rule"),
            severity: Severity::ALL[i % Severity::ALL.len()],
            pillars: Cow::Owned(Pillar::ALL[..i % 3].to_vec()),
            resource: ResourceRef {
                kind: ResourceKind::ALL[i % ResourceKind::ALL.len()],
                id: Cow::Owned(format!("arn:aws:ecs:eu-west-1:1:task-definition/app{i}:1")),
                name: Cow::Owned(format!("app{i}\u{1}\t")),
                account: i.is_multiple_of(2).then_some(Cow::Borrowed("111122223333")),
            },
            message: Cow::Owned(format!(
                "Container \"app\" of app{i} runs as root\nbecause… \\ \u{1f} 😀"
            )),
            location: FindingLocation {
                file: Cow::Borrowed("infra/main.tf"),
                path: Cow::Owned(format!("containerDefinitions[{i}].user")),
                start: at(i),
                end: at(i + 1),
            },
            fingerprint: Cow::Owned(format!("{i:032x}")),
            waiver: i.is_multiple_of(5).then_some(Cow::Owned(waiver)),
            baseline_state: [
                None,
                Some(BaselineState::New),
                Some(BaselineState::Unchanged),
            ][i % 3],
            help_uri: "https://example.test/rules/SEC001.md".into(),
        }
    }

    /// The findings and rules not evaluated written on every core, a batch at a time, give the
    /// bytes serde_json writes for the whole report: across batches, and with none.
    #[test]
    fn findings_written_apart_read_as_the_whole() {
        for count in [0, 1, 3, 4100] {
            let findings: Vec<JsonFinding> = (0..count).map(finding).collect();
            let not_evaluated: Vec<NotEvaluated> = (0..count / 2 + 1)
                .map(|i| NotEvaluated {
                    rule: Cow::Owned(format!("REL{i}")),
                    resource: finding(i).resource,
                    reason: (i % 3 != 0).then_some(Cow::Borrowed("a field the rule needs")),
                })
                .collect();
            let report = Report {
                version: FORMAT_VERSION,
                tool: Tool::this(),
                summary: Summary::default(),
                findings: Vec::new(),
                not_evaluated: Vec::new(),
                input_errors: Cow::Owned(Vec::new()),
                skipped: Cow::Owned(Vec::new()),
                waiver_problems: vec!["a \"findings\": [] problem".into()],
                absent: None,
                collection_errors: Vec::new(),
                merged: None,
            };
            let mut written = Vec::new();
            write_with_findings(
                &report,
                (&findings, |f: &JsonFinding<'static>| f.clone()),
                (&not_evaluated, |n: &NotEvaluated<'static>| n.clone()),
                &mut written,
            )
            .unwrap();
            let whole = Report {
                findings,
                not_evaluated,
                ..report
            };
            let expected = serde_json::to_string_pretty(&whole).unwrap();
            assert!(
                String::from_utf8(written).unwrap() == expected,
                "{count} findings"
            );
        }
    }
}
