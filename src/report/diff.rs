//! Reporters for `ecslint diff`: the comparison of two audits as text, JSON, SARIF
//! (`baselineState`) and HTML. Like the other reporters they only format a [`Diff`].

use super::ReportOptions;
use super::compare::{Diff, DiffCounts, DiffState};
use super::json::JsonFinding;
use crate::engine::catalog::{Pillar, Rule};
use serde_json::{Value, json};

type Finding = JsonFinding<'static>;

/// A finding of a comparison, as the JSON report has it, with its state and account.
#[derive(serde::Serialize)]
struct Tagged<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    state: &'static str,
    account: String,
}
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const DIFF_FORMAT_VERSION: u32 = 1;

/// The per-pillar counts in the Well-Architected order, by title.
fn pillar_rows(diff: &Diff) -> Vec<(String, DiffCounts)> {
    let counts = diff.by_pillar();
    Pillar::ALL
        .iter()
        .map(|p| {
            (
                p.title().to_string(),
                counts.get(p.as_str()).copied().unwrap_or_default(),
            )
        })
        .collect()
}

fn position(finding: &Finding) -> String {
    let start = finding.location.start;
    format!("{}:{}:{}", finding.location.file, start.line, start.column)
}

/// The sources compared, and what makes the comparison doubtful.
fn cautions(diff: &Diff) -> Vec<String> {
    let mut out = Vec::new();
    for (label, side) in [("old", &diff.old), ("new", &diff.new)] {
        if !side.collection_errors.is_empty() {
            out.push(format!(
                "the {label} audit was a partial scan ({} calls failed): its findings are incomplete",
                side.collection_errors.len()
            ));
        }
        if side.input_errors > 0 {
            out.push(format!(
                "the {label} audit had {}",
                super::counted(side.input_errors, "input error", "input errors")
            ));
        }
    }
    if !diff.unverified.is_empty() {
        out.push(format!(
            "{} findings of the old audit could not be evaluated in the new one (not counted as fixed)",
            diff.unverified.len()
        ));
    }
    out
}

pub fn pretty(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Comparing {} ({} findings) with {} ({} findings)",
        diff.old.source, diff.old.findings, diff.new.source, diff.new.findings
    );
    for caution in cautions(diff) {
        let _ = writeln!(out, "  caution: {caution}");
    }
    let table = |out: &mut String, title: &str, rows: &[(String, DiffCounts)]| {
        let _ = writeln!(
            out,
            "\n  {title:<28} {:>6} {:>6} {:>10} {:>11}",
            "new", "fixed", "unchanged", "unverified"
        );
        for (key, c) in rows {
            let _ = writeln!(
                out,
                "  {:<28} {:>6} {:>6} {:>10} {:>11}",
                key, c.new, c.fixed, c.unchanged, c.unverified
            );
        }
    };
    table(&mut out, "pillar", &pillar_rows(diff));
    table(
        &mut out,
        "account",
        &diff.by_account().into_iter().collect::<Vec<_>>(),
    );
    let total = diff.total();
    let _ = writeln!(
        out,
        "\n  all findings: {} new, {} fixed, {} unchanged, {} unverified",
        total.new, total.fixed, total.unchanged, total.unverified
    );
    for (title, list) in [
        ("New findings", &diff.added),
        ("Fixed findings", &diff.fixed),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}:");
        for f in list {
            let _ = writeln!(
                out,
                "  {:<8} {} {}  {}\n           {}  [{}]",
                f.severity.as_str(),
                &*f.rule,
                &*f.name,
                &*f.message,
                position(f),
                &*f.resource.id,
            );
        }
    }
    out
}

pub fn json(diff: &Diff) -> Value {
    let tag = |list: &'_ [Finding], state: DiffState| -> Vec<Value> {
        list.iter()
            .map(|finding| {
                json!(Tagged {
                    finding,
                    state: state.as_str(),
                    account: finding.account(),
                })
            })
            .collect()
    };
    json!({
        "version": DIFF_FORMAT_VERSION,
        "tool": {"name": "ecslint", "version": env!("CARGO_PKG_VERSION")},
        "old": diff.old,
        "new": diff.new,
        "summary": {
            "total": diff.total(),
            "by_pillar": diff.by_pillar(),
            "by_account": diff.by_account(),
            "by_severity": diff.by_severity(),
        },
        "cautions": cautions(diff),
        "new_findings": tag(&diff.added, DiffState::New),
        "fixed": tag(&diff.fixed, DiffState::Fixed),
        "unchanged": tag(&diff.unchanged, DiffState::Unchanged),
        "unverified": tag(&diff.unverified, DiffState::Unverified),
    })
}

/// SARIF with every finding of the new audit (`baselineState` new or unchanged) and those of the
/// old audit that are gone (`absent`) or could not be evaluated again (`unchanged`, marked).
pub fn sarif(diff: &Diff, rules: &[Rule], options: &ReportOptions) -> sarif::Sarif {
    let root = std::env::current_dir().unwrap_or_default();
    let mut used: Vec<&str> = diff.states().map(|(_, f)| &*f.rule).collect();
    used.sort();
    used.dedup();
    let descriptors: Vec<sarif::ReportingDescriptor> = used
        .iter()
        .map(|id| match rules.iter().find(|r| r.id() == *id) {
            Some(rule) => super::sarif::descriptor(rule, rule.severity, options),
            // A rule the old audit ran and this ecslint does not know.
            None => sarif::ReportingDescriptor::builder().id(*id).build(),
        })
        .collect();
    let results = diff
        .states()
        .map(|(state, f)| {
            let severity = f.severity;
            let (start, end) = (f.location.start, f.location.end);
            let region = sarif::Region::builder()
                .start_line(start.line as i64)
                .start_column(start.column as i64)
                .end_line(end.line as i64)
                .end_column(end.column as i64)
                .build();
            let physical = sarif::PhysicalLocation::builder()
                .artifact_location(super::sarif::artifact(&f.location.file, &root))
                .region(region)
                .build();
            let logical = sarif::LogicalLocation::builder()
                .name(&*f.resource.name)
                .fully_qualified_name(&*f.resource.id)
                .kind(f.resource.kind.as_str())
                .build();
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert("ecslint/v1".to_string(), f.fingerprint.to_string());
            let mut properties = BTreeMap::new();
            properties.insert("severity".to_string(), json!(severity));
            properties.insert("account".to_string(), json!(f.account()));
            properties.insert("diffState".to_string(), json!(state.as_str()));
            let message = match state {
                DiffState::Fixed => {
                    format!("fixed since {}: {}", diff.old.source, &*f.message)
                }
                DiffState::Unverified => format!(
                    "not evaluated in {}, last seen in {}: {}",
                    diff.new.source, diff.old.source, &*f.message
                ),
                _ => f.message.to_string(),
            };
            let mut result = sarif::Result::builder()
                .rule_id(&*f.rule)
                .level(if state == DiffState::Fixed {
                    sarif::ResultLevel::None
                } else {
                    super::sarif::level(severity)
                })
                .message(sarif::Message::builder().text(message).build())
                .locations(vec![
                    sarif::Location::builder()
                        .physical_location(physical)
                        .logical_locations(vec![logical])
                        .build(),
                ])
                .partial_fingerprints(fingerprints)
                .properties(
                    sarif::PropertyBag::builder()
                        .additional_properties(properties)
                        .build(),
                )
                .build();
            result.rule_index = used.iter().position(|id| *id == &*f.rule).map(|i| i as i64);
            result.baseline_state = Some(json!(match state {
                DiffState::New => "new",
                DiffState::Fixed => "absent",
                DiffState::Unchanged | DiffState::Unverified => "unchanged",
            }));
            result
        })
        .collect();
    let notifications: Vec<sarif::Notification> = cautions(diff)
        .into_iter()
        .map(|caution| {
            sarif::Notification::builder()
                .level(json!("warning"))
                .message(sarif::Message::builder().text(caution).build())
                .build()
        })
        .collect();
    let complete = diff.new.collection_errors.is_empty() && diff.new.input_errors == 0;
    super::sarif::wrap(
        descriptors,
        results,
        notifications,
        complete,
        "ecslint-diff/",
    )
}

pub fn html(diff: &Diff, options: &ReportOptions) -> String {
    use super::html::{STYLE, escape};
    let mut out = String::new();
    let total = diff.total();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>ecslint audit comparison</title><style>{STYLE}</style></head><body>\n<header><h1>What changed between two audits</h1>\
         <p class=\"muted\">ecslint {} · from <code>{}</code> ({} findings) to <code>{}</code> ({} findings)</p></header>\n<main>\n\
         <section aria-labelledby=\"overview\"><h2 id=\"overview\">Overview</h2><div class=\"cards\">\
         <div class=\"card\"><h3>New</h3><div class=\"score bad\" data-total-new=\"{n}\">{n}</div></div>\
         <div class=\"card\"><h3>Fixed</h3><div class=\"score ok\" data-total-fixed=\"{x}\">{x}</div></div>\
         <div class=\"card\"><h3>Unchanged</h3><div class=\"score\" data-total-unchanged=\"{u}\">{u}</div></div>\
         <div class=\"card\"><h3>Unverified</h3><div class=\"score warn\" data-total-unverified=\"{v}\">{v}</div></div></div>",
        env!("CARGO_PKG_VERSION"),
        escape(&diff.old.source),
        diff.old.findings,
        escape(&diff.new.source),
        diff.new.findings,
        n = total.new,
        x = total.fixed,
        u = total.unchanged,
        v = total.unverified,
    );
    let cautions = cautions(diff);
    if !cautions.is_empty() {
        let _ = writeln!(out, "<ul>");
        for caution in cautions {
            let _ = writeln!(out, "<li class=\"warn\">{}</li>", escape(&caution));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "</section>");
    let table = |out: &mut String, id: &str, title: &str, rows: &[(String, DiffCounts)]| {
        let _ = writeln!(
            out,
            "<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">{title}</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\">New</th><th scope=\"col\">Fixed</th><th scope=\"col\">Unchanged</th><th scope=\"col\">Unverified</th></tr></thead><tbody id=\"{id}-rows\">",
            if id == "pillars" { "Pillar" } else { "Account" }
        );
        for (key, c) in rows {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td class=\"num\" data-new=\"{}\">{}</td><td class=\"num\" data-fixed=\"{}\">{}</td>\
                 <td class=\"num\" data-unchanged=\"{}\">{}</td><td class=\"num\" data-unverified=\"{}\">{}</td></tr>",
                escape(key),
                c.new,
                c.new,
                c.fixed,
                c.fixed,
                c.unchanged,
                c.unchanged,
                c.unverified,
                c.unverified
            );
        }
        let _ = writeln!(out, "</tbody></table></div></section>");
    };
    table(&mut out, "pillars", "By pillar", &pillar_rows(diff));
    table(
        &mut out,
        "accounts",
        "By account",
        &diff.by_account().into_iter().collect::<Vec<_>>(),
    );
    for (id, title, list) in [
        ("new", "New findings", &diff.added),
        ("fixed", "Fixed findings", &diff.fixed),
        ("unverified", "Not evaluated again", &diff.unverified),
    ] {
        let _ = writeln!(
            out,
            "<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">{title} ({})</h2>",
            list.len()
        );
        if list.is_empty() {
            let _ = writeln!(out, "<p class=\"muted\">None.</p></section>");
            continue;
        }
        let _ = writeln!(out, "<ul class=\"findings\">");
        for f in list {
            let help = format!(" · <a href=\"{}\">rule reference</a>", escape(&f.help_uri));
            let _ = writeln!(
                out,
                "<li><span class=\"sev\">{}</span> {} {} — {}<br><span class=\"muted\"><a href=\"{}\"><code>{}</code></a> · <code>{}</code>{help}</span></li>",
                escape(f.severity.as_str()),
                escape(&f.rule),
                escape(&f.name),
                escape(&f.message),
                escape(&super::file_link(&f.location.file, options)),
                escape(&position(f)),
                escape(&f.resource.id),
            );
        }
        let _ = writeln!(out, "</ul></section>");
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} findings unchanged.</p>\n</main></body></html>",
        total.unchanged
    );
    out
}
