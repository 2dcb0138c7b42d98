//! Merging JSON reports (`check --format json`) of separate jobs into one: findings and what was
//! not evaluated are united (a finding in several reports, such as one on an IAM role reported
//! by each region of its account, is kept once, by fingerprint); outcome counts are summed;
//! finding counts are recounted from the merged findings.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};

/// Whether a document is an ecslint JSON report.
pub fn is_report(doc: &Value) -> bool {
    doc.pointer("/tool/name") == Some(&json!("ecslint"))
        && doc.get("findings").is_some_and(Value::is_array)
}

/// [`is_report`] on the text, without building the document (a snapshot given instead may be
/// hundreds of megabytes).
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

/// A report of another format version cannot be read field by field.
pub fn check_version(path: &str, report: &Value) -> Result<(), String> {
    match report.get("version") {
        Some(version) if *version == json!(super::json::FORMAT_VERSION) => Ok(()),
        other => Err(format!(
            "{path}: JSON report version {} is not {}",
            other.unwrap_or(&Value::Null),
            super::json::FORMAT_VERSION
        )),
    }
}

/// One report from `inputs` (display path, parsed report).
pub fn merge(inputs: &[(String, Value)]) -> Result<Value, String> {
    let mut findings = Vec::new();
    let mut fingerprints = HashSet::new();
    let mut not_evaluated = Vec::new();
    let mut not_evaluated_seen = HashSet::new();
    let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut summary = Map::new();
    for (path, report) in inputs {
        check_version(path, report)?;
        for finding in report["findings"].as_array().into_iter().flatten() {
            let key = finding["fingerprint"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if key.is_empty() || fingerprints.insert(key) {
                findings.push(finding.clone());
            }
        }
        for entry in report["notEvaluated"].as_array().into_iter().flatten() {
            let key = (
                entry["rule"].to_string(),
                entry["resource"]["id"].to_string(),
            );
            if not_evaluated_seen.insert(key) {
                not_evaluated.push(entry.clone());
            }
        }
        for key in [
            "inputErrors",
            "waiverProblems",
            "collectionErrors",
            "absent",
        ] {
            let list = lists.entry(key).or_default();
            for item in report[key].as_array().into_iter().flatten() {
                if !list.contains(item) {
                    list.push(item.clone());
                }
            }
        }
        if let Some(Value::Object(part)) = report.get("summary") {
            add_counts(&mut summary, part);
        }
    }
    findings.sort_by(|a, b| {
        let key = |f: &Value| {
            (
                f.pointer("/location/file")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                f.pointer("/location/start/line").and_then(Value::as_u64),
                f.pointer("/location/start/column").and_then(Value::as_u64),
                f["rule"].as_str().map(str::to_string),
            )
        };
        key(a).cmp(&key(b))
    });
    // Finding counts from the merged findings, so that a finding kept once is counted once.
    let mut by_severity: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_pillar: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_account: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut waived = 0;
    for finding in &findings {
        if finding["waiver"].is_null() {
            let severity = finding["severity"].as_str().unwrap_or("?");
            *by_severity.entry(severity.into()).or_default() += 1;
            *by_account
                .entry(crate::findings::diff::account(finding))
                .or_default()
                .entry(severity.into())
                .or_default() += 1;
        } else {
            waived += 1;
        }
        for pillar in finding["pillars"].as_array().into_iter().flatten() {
            *by_pillar
                .entry(pillar.as_str().unwrap_or("?").into())
                .or_default() += 1;
        }
    }
    summary.insert("by_severity".into(), json!(by_severity));
    summary.insert("by_account".into(), json!(by_account));
    summary.insert("waived".into(), json!(waived));
    if let Some(Value::Object(pillars)) = summary.get_mut("by_pillar") {
        for (pillar, counts) in pillars.iter_mut() {
            counts["findings"] = json!(by_pillar.get(pillar).copied().unwrap_or(0));
        }
    }
    if let Some(total) = summary.get_mut("total") {
        total["findings"] = json!(findings.len());
    }
    let mut out = Map::new();
    out.insert("version".into(), json!(super::json::FORMAT_VERSION));
    out.insert(
        "tool".into(),
        json!({"name": "ecslint", "version": env!("CARGO_PKG_VERSION")}),
    );
    out.insert("summary".into(), Value::Object(summary));
    out.insert("findings".into(), Value::Array(findings));
    out.insert("notEvaluated".into(), Value::Array(not_evaluated));
    for (key, list) in lists {
        let empty_absent = key == "absent" && list.is_empty();
        out.insert(
            key.into(),
            if empty_absent {
                Value::Null
            } else {
                Value::Array(list)
            },
        );
    }
    out.insert(
        "merged".into(),
        json!(inputs.iter().map(|(path, _)| path).collect::<Vec<_>>()),
    );
    Ok(Value::Object(out))
}

/// Adds the numbers of `part` into `into`, member by member.
fn add_counts(into: &mut Map<String, Value>, part: &Map<String, Value>) {
    for (key, value) in part {
        match (into.get_mut(key), value) {
            (Some(Value::Object(mine)), Value::Object(theirs)) => add_counts(mine, theirs),
            (Some(Value::Number(mine)), Value::Number(theirs)) => {
                *mine = (mine.as_u64().unwrap_or(0) + theirs.as_u64().unwrap_or(0)).into();
            }
            (None, _) => {
                into.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
}
