//! SARIF 2.1.0, built with serde-sarif's typed builders.
//!
//! GitHub code scanning reads `help.markdown`, `properties.tags`, `security-severity` and
//! `partialFingerprints`; waived findings carry `suppressions` (GitHub ignores those).

use super::ReportOptions;
use crate::engine::catalog::{Pillar, Rule, Severity};
use crate::findings::RunResult;
use serde_json::{Value, json};
use serde_sarif::sarif;
use std::collections::BTreeMap;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(super) fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

/// GitHub's scale: ≥9 critical, ≥7 high, ≥4 medium, >0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

pub(super) fn descriptor(
    rule: &Rule,
    severity: Severity,
    options: &ReportOptions,
) -> sarif::ReportingDescriptor {
    let mut properties = BTreeMap::new();
    let pillars: Vec<&str> = rule.file.pillars.iter().map(|p| p.as_str()).collect();
    properties.insert("pillars".to_string(), json!(pillars));
    properties.insert(
        "wellArchitected".to_string(),
        json!(rule.file.best_practices),
    );
    properties.insert("equivalents".to_string(), json!(rule.file.equivalents));
    properties.insert("resourceKind".to_string(), json!(rule.kind));
    properties.insert("precision".to_string(), json!("high"));
    properties.insert(
        "problem.severity".to_string(),
        json!(match level(severity) {
            sarif::ResultLevel::Error => "error",
            sarif::ResultLevel::Warning => "warning",
            _ => "recommendation",
        }),
    );
    if rule.file.pillars.contains(&Pillar::Security) {
        properties.insert(
            "security-severity".to_string(),
            json!(security_severity(severity)),
        );
    }
    // The security pillar's tag is "security", which is also the tag GitHub looks for.
    let tags: Vec<String> = rule
        .file
        .pillars
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    let level_value = serde_json::to_value(level(severity)).unwrap_or(Value::Null);
    sarif::ReportingDescriptor::builder()
        .id(rule.id())
        .name(rule.name())
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(rule.file.title.clone())
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(rule.file.docs.what.trim().to_string())
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(format!(
                    "{}\n\nFix: {}",
                    rule.file.docs.why.trim(),
                    rule.file.docs.fix.trim()
                ))
                .markdown(crate::docs::help_markdown(rule))
                .build(),
        )
        .help_uri(super::help_uri(rule, options))
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(level_value)
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// Turns a displayed path into a URI relative to `%SRCROOT%` (the working directory), or an
/// absolute `file://` URI for files outside it.
pub(super) fn artifact(path: &str, root: &std::path::Path) -> sarif::ArtifactLocation {
    let candidate = std::path::Path::new(path);
    let relative = if candidate.is_absolute() {
        candidate
            .strip_prefix(root)
            .ok()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
    } else {
        Some(path.trim_start_matches("./").to_string())
    };
    match relative {
        Some(relative) if !relative.starts_with("../") => sarif::ArtifactLocation::builder()
            .uri(encode_uri(&relative))
            .uri_base_id("%SRCROOT%")
            .build(),
        _ => sarif::ArtifactLocation::builder()
            .uri(format!("file://{}", encode_uri(path)))
            .build(),
    }
}

pub(super) fn encode_uri(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The SARIF log. `for_github` drops what GitHub code scanning cannot represent: waived results
/// (it ignores `suppressions` and would open alerts for them) and results absent since the baseline.
pub fn to_log(run: &RunResult<'_>, options: &ReportOptions, for_github: bool) -> sarif::Sarif {
    let root = std::env::current_dir().unwrap_or_default();
    let mut log = skeleton(run, options);
    let items = items(run, for_github);
    let results = items
        .iter()
        .map(|item| result_of(run, item, &root))
        .collect();
    log.runs[0].results = Some(results);
    log
}

/// What the results are made of, in order: the findings in report order (without the waived
/// ones for GitHub), then those of the baseline that are gone.
fn items<'r>(run: &'r RunResult<'_>, for_github: bool) -> Vec<Item<'r>> {
    let absent = match &run.baseline {
        Some(comparison) if !for_github => comparison.absent.as_slice(),
        _ => &[],
    };
    (run.judged().into_iter())
        .filter(|judged| !(for_github && judged.waiver.is_some()))
        .map(Item::Finding)
        .chain(absent.iter().map(Item::Absent))
        .collect()
}

/// What a result is made of.
enum Item<'r> {
    Finding(crate::findings::Judged<'r>),
    Absent(&'r crate::findings::baseline::BaselineEntry),
}

fn result_of(run: &RunResult<'_>, item: &Item<'_>, root: &std::path::Path) -> sarif::Result {
    match item {
        Item::Finding(judged) => finding_result(run, judged, root),
        Item::Absent(entry) => absent_result(run, entry, root),
    }
}

/// The log without its results: rules, notifications, invocation.
fn skeleton(run: &RunResult<'_>, options: &ReportOptions) -> sarif::Sarif {
    let root = std::env::current_dir().unwrap_or_default();
    let rules: Vec<sarif::ReportingDescriptor> = run
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| descriptor(rule, run.severities[i], options))
        .collect();
    let notifications: Vec<sarif::Notification> = run
        .input_errors
        .iter()
        .map(|error| {
            let mut location = sarif::PhysicalLocation::builder()
                .artifact_location(artifact(&error.path, &root))
                .build();
            if let Some(at) = error.location {
                location.region = Some(
                    sarif::Region::builder()
                        .start_line(at.line as i64)
                        .start_column(at.column as i64)
                        .build(),
                );
            }
            sarif::Notification::builder()
                .level(json!("error"))
                .message(sarif::Message::builder().text(error.reason.clone()).build())
                .locations(vec![
                    sarif::Location::builder()
                        .physical_location(location)
                        .build(),
                ])
                .build()
        })
        .chain(run.collection_errors().map(|problem| {
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(
                    sarif::Message::builder()
                        .text(format!("partial scan: {problem}"))
                        .build(),
                )
                .build()
        }))
        .chain((!run.skipped.is_empty()).then(|| {
            sarif::Notification::builder()
                .level(json!("note"))
                .message(
                    sarif::Message::builder()
                        .text(format!(
                            "{} file(s) of no ECS, IAM or EC2 shape skipped",
                            run.skipped.len()
                        ))
                        .build(),
                )
                .build()
        }))
        .chain(run.waiver_problems.iter().map(|problem| {
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(sarif::Message::builder().text(problem.to_string()).build())
                .build()
        }))
        .collect();
    let complete = run.input_errors.is_empty() && run.collection_errors().next().is_none();
    let mut log = wrap(rules, Vec::new(), notifications, complete, "ecslint/");
    log.runs[0].results = None;
    // Which config decided the run, for whoever reads the log later.
    if let Some(invocation) = log.runs[0].invocations.as_mut().and_then(|i| i.first_mut()) {
        let mut properties = BTreeMap::new();
        properties.insert(
            "ecslintConfig".to_string(),
            json!(run.config_path.as_deref()),
        );
        invocation.properties = Some(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        );
    }
    log
}

/// The SARIF result of one finding.
fn finding_result(
    run: &RunResult<'_>,
    judged: &crate::findings::Judged<'_>,
    root: &std::path::Path,
) -> sarif::Result {
    let finding = judged.finding;
    let rule = &run.rules[finding.rule];
    let resource = &run.estate.resources[finding.resource];
    let at = &finding.location;
    let region = sarif::Region::builder()
        .start_line(at.start.line as i64)
        .start_column(at.start.column as i64)
        .end_line(at.end.line as i64)
        .end_column(at.end.column as i64)
        .build();
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(artifact(&run.estate.files[at.file].path, root))
        .region(region)
        .build();
    let logical = sarif::LogicalLocation::builder()
        .name(resource.name.clone())
        .fully_qualified_name(resource.id.clone())
        .kind(resource.kind.as_str())
        .build();
    let location = sarif::Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("ecslint/v1".to_string(), finding.fingerprint.to_string());
    let mut properties = BTreeMap::new();
    properties.insert("severity".to_string(), json!(judged.severity));
    properties.insert("jsonPath".to_string(), json!(at.path));
    let mut properties = properties;
    if let Some(state) = judged.baseline_state {
        properties.insert("baselineState".to_string(), json!(state));
    }
    let builder = sarif::Result::builder()
        .rule_id(rule.id())
        .rule_index(finding.rule as i64)
        .level(level(judged.severity))
        .message(
            sarif::Message::builder()
                .text(finding.message.clone())
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        );
    let mut result = match judged.waiver {
        Some(w) => builder
            .suppressions(vec![suppression(&run.waivers[w])])
            .build(),
        None => builder.build(),
    };
    result.baseline_state = judged.baseline_state.map(|state| json!(state));
    if let Some(edit) = crate::findings::fix::edit_of(run, judged) {
        result.fixes = Some(vec![sarif_fix(run, &edit, root)]);
    }
    result
}

/// How a waived finding's result says it is waived.
pub(super) fn suppression(waiver: &crate::findings::Waiver) -> sarif::Suppression {
    sarif::Suppression::builder()
        .kind(json!(if waiver.from_tag {
            "inSource"
        } else {
            "external"
        }))
        .status(json!("accepted"))
        .justification(waiver.reason.clone())
        .build()
}

/// One run of ecslint in a log: its rules, results and notifications, paths relative to the
/// working directory (`%SRCROOT%`), columns in UTF-16 code units.
pub(super) fn wrap(
    rules: Vec<sarif::ReportingDescriptor>,
    results: Vec<sarif::Result>,
    notifications: Vec<sarif::Notification>,
    complete: bool,
    automation_id: &str,
) -> sarif::Sarif {
    let root = std::env::current_dir().unwrap_or_default();
    let mut invocation = sarif::Invocation::builder()
        .execution_successful(complete)
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let mut base_ids = BTreeMap::new();
    let mut root_uri = format!("file://{}", encode_uri(&root.to_string_lossy()));
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    base_ids.insert(
        "%SRCROOT%".to_string(),
        sarif::ArtifactLocation::builder().uri(root_uri).build(),
    );
    let driver = sarif::ToolComponent::builder()
        .name("ecslint")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/ecslint/ecslint")
        .rules(rules)
        .build();
    let run_log = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("utf16CodeUnits"))
        .original_uri_base_ids(base_ids)
        .automation_details(
            sarif::RunAutomationDetails::builder()
                .id(automation_id)
                .build(),
        )
        .build();
    sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run_log])
        .build()
}

/// A fix as one replacement in the finding's file (an insertion has an empty deleted region).
pub(super) fn sarif_fix(
    run: &RunResult<'_>,
    edit: &crate::findings::fix::Edit,
    root: &std::path::Path,
) -> sarif::Fix {
    let file = &run.estate.files[edit.file];
    let (start, end) = (file.line_col(edit.start), file.line_col(edit.end));
    let region = sarif::Region::builder()
        .start_line(start.line as i64)
        .start_column(start.column as i64)
        .end_line(end.line as i64)
        .end_column(end.column as i64)
        .build();
    let replacement = sarif::Replacement::builder()
        .deleted_region(region)
        .inserted_content(
            sarif::ArtifactContent::builder()
                .text(edit.text.clone())
                .build(),
        )
        .build();
    let change = sarif::ArtifactChange::builder()
        .artifact_location(artifact(&file.path, root))
        .replacements(vec![replacement])
        .build();
    sarif::Fix::builder()
        .description(
            sarif::Message::builder()
                .text(edit.description.clone())
                .build(),
        )
        .artifact_changes(vec![change])
        .build()
}

/// A finding of the baseline that this run no longer has, at its recorded place.
fn absent_result(
    run: &RunResult<'_>,
    entry: &crate::findings::baseline::BaselineEntry,
    root: &std::path::Path,
) -> sarif::Result {
    let region = sarif::Region::builder()
        .start_line(entry.line as i64)
        .start_column(entry.column as i64)
        .build();
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(artifact(&entry.file, root))
        .region(region)
        .build();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("ecslint/v1".to_string(), entry.fingerprint.clone());
    let mut result = sarif::Result::builder()
        .rule_id(entry.rule.clone())
        .level(sarif::ResultLevel::None)
        .message(
            sarif::Message::builder()
                .text(format!("fixed since the baseline: {}", entry.message))
                .build(),
        )
        .locations(vec![
            sarif::Location::builder()
                .physical_location(physical)
                .build(),
        ])
        .partial_fingerprints(fingerprints)
        .build();
    result.rule_index = run
        .rules
        .iter()
        .position(|r| r.id() == entry.rule)
        .map(|i| i as i64);
    result.baseline_state = Some(json!("absent"));
    result
}

pub fn write(
    run: &RunResult<'_>,
    options: &ReportOptions,
    for_github: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use std::io::Write;
    // Results are built and serialized on every core a batch at a time, never held together:
    // a large estate has hundreds of thousands of them.
    let root = std::env::current_dir().unwrap_or_default();
    let log = skeleton(run, options);
    let document = LogWithoutResults {
        schema: log.schema.as_deref(),
        version: &log.version,
        runs: [RunWithoutResults {
            run: &log.runs[0],
            results: [],
        }],
    };
    let document = serde_json::to_string_pretty(&document)?;
    let items = items(run, for_github);
    // Elements of `runs[0].results`: four levels in.
    const DEPTH: usize = 4;
    let results = super::sarif_result::Results::new(run, &root, DEPTH);
    let render = |item: &Item<'_>, at: super::splice::Element| match item {
        // A finding's result written straight from the finding; the rest built and serialized.
        Item::Finding(judged) => results.finding(judged),
        Item::Absent(_) => at.bytes(&result_of(run, item, &root)),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    super::splice::write_with_elements(&document, "results", DEPTH, &items, render, &mut out)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[derive(serde::Serialize)]
struct RunWithoutResults<'a> {
    #[serde(flatten)]
    run: &'a sarif::Run,
    results: [sarif::Result; 0],
}

/// The log with its results empty, in the order the log is written (the results are filled
/// in by [`super::splice`]).
#[derive(serde::Serialize)]
struct LogWithoutResults<'a> {
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    schema: Option<&'a str>,
    version: &'a Value,
    runs: [RunWithoutResults<'a>; 1],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::baseline::Baseline;
    use crate::lint::{Inputs, Settings, lint};

    /// Each finding's result written by hand (`sarif_result.rs`) is the bytes serde_json writes
    /// for the result built for it: on every rule's fixtures, with fixes, waivers and the
    /// baseline states of a baseline holding every other finding.
    #[test]
    fn results_written_by_hand_are_the_built_ones() {
        let rules: Vec<Rule> = crate::engine::catalog::builtin(&BTreeMap::new()).unwrap();
        let inputs = || Inputs::Paths(vec!["fixtures".into()]);
        let mut first = lint(inputs(), Settings::with_rules(rules.clone())).unwrap();
        let first = first.judge();
        let entries = (first.judged().iter().step_by(2))
            .map(|j| crate::findings::baseline_entry(&first, j.finding))
            .collect();
        let settings = Settings {
            waivers: vec![crate::findings::Waiver {
                rule: "SEC".into(),
                resource: "*1*".into(),
                reason: "a \"reason\"".into(),
                expires: None,
                from_tag: false,
            }],
            baseline: Some(Baseline::new(entries)),
            ..Settings::with_rules(rules)
        };
        let mut linted = lint(inputs(), settings).unwrap();
        let run = linted.judge();
        let root = std::env::current_dir().unwrap();
        let judged = run.judged();
        let has = |f: &dyn Fn(&crate::findings::Judged<'_>) -> bool| judged.iter().any(f);
        assert!(judged.len() > 100, "{}", judged.len());
        assert!(has(&|j| j.waiver.is_some()) && has(&|j| j.baseline_state.is_some()));
        assert!(has(
            &|j| crate::findings::fix::edit_for(&run, j.finding).is_some()
        ));
        let results = super::super::sarif_result::Results::new(&run, &root, 4);
        for j in &judged {
            let ours = results.finding(j).unwrap();
            let built = super::super::splice::Element::at(4)
                .bytes(&finding_result(&run, j, &root))
                .unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(built).unwrap()
            );
        }
    }
}
