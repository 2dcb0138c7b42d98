//! The audit report: one self-contained HTML file (inline CSS, no scripts, no network) with a
//! Well-Architected scorecard per pillar, the worst resources, findings by pillar → rule → resource
//! with the rule's docs, and what was not evaluated and why. Numbers come from the same summary as
//! the console and JSON reports, and carry `data-` attributes so tests can compare them.

use super::ReportOptions;
use crate::engine::catalog::{Pillar, Severity};
use crate::findings::{Counts, RunResult};
use std::collections::BTreeMap;
use std::fmt::Write;

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How much a finding or a pass of a rule of this severity weighs in a pillar's score.
fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 10.0,
        Severity::High => 5.0,
        Severity::Medium => 3.0,
        Severity::Low => 1.0,
        Severity::Info => 0.5,
    }
}

/// Per pillar: the share of severity-weighted evaluations that passed (None when nothing was decided).
pub fn scores(run: &RunResult<'_>) -> BTreeMap<Pillar, Option<f64>> {
    let mut sums: BTreeMap<Pillar, (f64, f64)> =
        Pillar::ALL.iter().map(|p| (*p, (0.0, 0.0))).collect();
    for (rule, counts) in run.counts.iter().enumerate() {
        let w = weight(run.severities[rule]);
        for pillar in &run.rules[rule].file.pillars {
            let entry = sums.entry(*pillar).or_default();
            entry.0 += w * counts.pass as f64;
            entry.1 += w * counts.fail as f64;
        }
    }
    sums.into_iter()
        .map(|(pillar, (pass, fail))| {
            (
                pillar,
                (pass + fail > 0.0).then(|| 100.0 * pass / (pass + fail)),
            )
        })
        .collect()
}

pub(super) const STYLE: &str = "
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bad: #a40e26; --ok: #116329; --warn: #7d4e00; }
body { font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--fg); margin: 0 auto; max-width: 72rem; padding: 1rem; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; } .card { border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; flex: 1 1 12rem; }
.score { font-size: 2rem; font-weight: 700; } .bad { color: var(--bad); } .ok { color: var(--ok); } .warn { color: var(--warn); }
.sev { font-weight: 600; text-transform: uppercase; font-size: .8rem; } code { font-size: .9em; overflow-wrap: anywhere; }
details { border: 1px solid var(--line); border-radius: .5rem; margin: .5rem 0; padding: .5rem .75rem; } summary { cursor: pointer; font-weight: 600; }
.muted { color: var(--muted); } ul.findings li { margin: .25rem 0; } .scroll { overflow-x: auto; }
@media print { details { break-inside: avoid; } details:not([open]) > *:not(summary) { display: block; } a { color: inherit; } }
";

fn counts_row(out: &mut String, label: &str, counts: &Counts, score: Option<f64>) {
    let score_text = score.map_or("–".to_string(), |s| format!("{s:.0}%"));
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">{}</th><td class=\"num\" data-score=\"{}\">{score_text}</td><td class=\"num\" data-pass=\"{p}\">{p}</td>\
         <td class=\"num\" data-fail=\"{f}\">{f}</td><td class=\"num\" data-not-applicable=\"{n}\">{n}</td>\
         <td class=\"num\" data-not-evaluated=\"{e}\">{e}</td><td class=\"num\" data-findings=\"{x}\">{x}</td></tr>",
        escape(label),
        score.map_or(String::new(), |s| format!("{s:.1}")),
        p = counts.pass,
        f = counts.fail,
        n = counts.not_applicable,
        e = counts.not_evaluated,
        x = counts.findings,
    );
}

pub fn render(run: &RunResult<'_>, options: &ReportOptions) -> String {
    let summary = run.summary();
    let scores = scores(run);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>ecslint Well-Architected report</title><style>{STYLE}</style></head><body>\n<header><h1>ecslint Well-Architected report</h1>\
         <p class=\"muted\">ecslint {} · {} in {} · {} · {}</p></header>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        super::counted(summary.resources, "resource", "resources"),
        super::counted(summary.files, "file", "files"),
        super::counted(run.rules.len(), "rule", "rules"),
        super::counted(summary.input_errors, "input error", "input errors")
    );

    // Scorecard.
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"scorecard\"><h2 id=\"scorecard\">Scorecard by pillar</h2><div class=\"cards\">"
    );
    for (pillar, counts) in &summary.by_pillar {
        let score = scores.get(pillar).copied().flatten();
        let class = match score {
            Some(s) if s >= 90.0 => "ok",
            Some(s) if s >= 70.0 => "warn",
            Some(_) => "bad",
            None => "muted",
        };
        let _ = writeln!(
            out,
            "<div class=\"card\"><h3>{}</h3><div class=\"score {class}\">{}</div><div class=\"muted\">{} failing, {} passing, {} not evaluated</div></div>",
            pillar.title(),
            score.map_or("–".to_string(), |s| format!("{s:.0}%")),
            counts.fail,
            counts.pass,
            counts.not_evaluated
        );
    }
    let _ = writeln!(
        out,
        "</div><p class=\"muted\">Score: the share of rule evaluations that passed, each weighted by the rule's severity \
         (critical 10, high 5, medium 3, low 1, info 0.5). Not applicable and not evaluated pairs do not count.</p>\
         <div class=\"scroll\"><table><caption class=\"muted\">Outcomes per pillar</caption><thead><tr><th scope=\"col\">Pillar</th><th scope=\"col\">Score</th>\
         <th scope=\"col\">Pass</th><th scope=\"col\">Fail</th><th scope=\"col\">Not applicable</th><th scope=\"col\">Not evaluated</th>\
         <th scope=\"col\">Findings</th></tr></thead><tbody id=\"pillars\">"
    );
    for (pillar, counts) in &summary.by_pillar {
        counts_row(
            &mut out,
            pillar.title(),
            counts,
            scores.get(pillar).copied().flatten(),
        );
    }
    let _ = writeln!(out, "</tbody><tfoot id=\"total\">");
    counts_row(&mut out, "All rules", &summary.total, None);
    let _ = writeln!(out, "</tfoot></table></div>");
    let severities: Vec<String> = Severity::ALL
        .iter()
        .map(|s| {
            let n = summary.by_severity.get(s).copied().unwrap_or(0);
            format!("<span data-severity-{s}=\"{n}\">{n} {s}</span>")
        })
        .collect();
    let _ = writeln!(
        out,
        "<p id=\"severities\">Findings by severity: {}; waived: <span data-waived=\"{w}\">{w}</span>.</p></section>",
        severities.join(", "),
        w = summary.waived
    );

    // An organization's audit: findings per account.
    if summary.accounts_named() > 1 {
        let _ = writeln!(
            out,
            "<section aria-labelledby=\"accounts\"><h2 id=\"accounts\">Findings by account</h2><div class=\"scroll\"><table><thead><tr>\
             <th scope=\"col\">Account</th>{}</tr></thead><tbody id=\"account-rows\">",
            Severity::ALL
                .iter()
                .map(|s| format!("<th scope=\"col\">{s}</th>"))
                .collect::<String>()
        );
        for (account, counts) in &summary.by_account {
            let cells: String = Severity::ALL
                .iter()
                .map(|s| {
                    let n = counts.get(s).copied().unwrap_or(0);
                    format!("<td class=\"num\" data-{s}=\"{n}\">{n}</td>")
                })
                .collect();
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th>{cells}</tr>",
                escape(account)
            );
        }
        let _ = writeln!(out, "</tbody></table></div></section>");
    }

    let judged = run.judged();
    // Worst resources.
    let mut by_resource: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
    for j in judged.iter().filter(|j| j.waiver.is_none()) {
        let entry = by_resource.entry(j.finding.resource).or_default();
        entry.0 += weight(j.severity);
        entry.1 += 1;
    }
    let mut worst: Vec<(usize, (f64, usize))> = by_resource.into_iter().collect();
    worst.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"worst\"><h2 id=\"worst\">Resources most in need of attention</h2><div class=\"scroll\"><table><thead><tr>\
         <th scope=\"col\">Resource</th><th scope=\"col\">Kind</th><th scope=\"col\">Findings</th><th scope=\"col\">Weight</th></tr></thead><tbody>"
    );
    for (resource, (w, count)) in worst.iter().take(10) {
        let r = &run.estate.resources[*resource];
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{count}</td><td class=\"num\">{w:.1}</td></tr>",
            escape(&r.id),
            r.kind
        );
    }
    let _ = writeln!(out, "</tbody></table></div></section>");

    // Findings by pillar → rule → resource.
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"findings\"><h2 id=\"findings\">Findings</h2>"
    );
    for pillar in Pillar::ALL {
        let rules: Vec<usize> = (0..run.rules.len())
            .filter(|&r| {
                run.rules[r].pillar() == pillar && judged.iter().any(|j| j.finding.rule == r)
            })
            .collect();
        if rules.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3>{}</h3>", pillar.title());
        for rule_index in rules {
            let rule = &run.rules[rule_index];
            let of_rule: Vec<_> = judged
                .iter()
                .filter(|j| j.finding.rule == rule_index)
                .collect();
            let severity = run.severities[rule_index];
            let _ = writeln!(
                out,
                "<details><summary><span class=\"sev\">{severity}</span> {} {} — {} ({} finding{})</summary>\
                 <p>{}</p><p><strong>Why it matters.</strong> {}</p><p><strong>How to fix it.</strong> {}</p>\
                 <p><a href=\"{}\">Rule reference</a></p><ul class=\"findings\">",
                rule.id(),
                escape(rule.name()),
                escape(&rule.file.title),
                of_rule.len(),
                if of_rule.len() == 1 { "" } else { "s" },
                escape(rule.file.docs.what.trim()),
                escape(rule.file.docs.why.trim()),
                escape(rule.file.docs.fix.trim()),
                escape(&super::help_uri(rule, options)),
            );
            for j in of_rule {
                let at = &j.finding.location;
                let file = &run.estate.files[at.file].path;
                let waived = j
                    .waiver
                    .map(|w| format!(" <em>(waived: {})</em>", escape(&run.waivers[w].reason)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<li>{}{waived}<br><span class=\"muted\"><a href=\"{}\"><code>{}:{}:{}</code></a> · <code>{}</code></span></li>",
                    escape(&j.finding.message),
                    escape(&super::file_link(file, options)),
                    escape(file),
                    at.start.line,
                    at.start.column,
                    escape(&run.estate.resources[j.finding.resource].id),
                );
            }
            let _ = writeln!(out, "</ul></details>");
        }
    }
    let _ = writeln!(out, "</section>");

    // Not evaluated, by reason.
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for e in run
        .evaluations
        .iter()
        .filter(|e| e.outcome == crate::findings::Outcome::NotEvaluated)
    {
        *reasons
            .entry(e.reason.as_deref().unwrap_or("unknown"))
            .or_default() += 1;
    }
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"gaps\"><h2 id=\"gaps\">Not evaluated, and why</h2>"
    );
    if reasons.is_empty() && run.input_errors.is_empty() && run.collection_errors().next().is_none()
    {
        let _ = writeln!(out, "<p>Every rule could be evaluated.</p>");
    } else {
        let _ = writeln!(out, "<ul>");
        for (reason, count) in &reasons {
            let _ = writeln!(out, "<li>{count} × {}</li>", escape(reason));
        }
        for error in &run.input_errors {
            let _ = writeln!(
                out,
                "<li>input error: <code>{}</code></li>",
                escape(&error.to_string())
            );
        }
        for error in run.collection_errors() {
            let _ = writeln!(out, "<li>partial scan: {}</li>", escape(error));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "</section>\n</main></body></html>");
    out
}
