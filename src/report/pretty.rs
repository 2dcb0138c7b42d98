//! The console view: findings grouped by file with a code frame (miette), then the summary by
//! pillar and severity.

use super::ReportOptions;
use super::frame::{Frame, Handlers, Mask, handlers, render_frame};
use crate::engine::catalog::Severity;
use crate::findings::{Counts, RunResult};
use crate::location::LineCol;
use miette::SourceSpan;
use std::fmt::Write;

/// Renders a single input error (also used for rule-file errors on stderr).
pub fn render_input_error(
    error: &crate::model::input::InputError,
    options: &ReportOptions,
) -> String {
    match (&error.text, error.offset) {
        (Some(text), Some(offset)) => {
            let len = text[offset..].chars().next().map_or(0, char::len_utf8);
            render_frame(
                &handlers(options),
                Frame {
                    message: format!("{error}"),
                    code: "input-error".into(),
                    help: None,
                    label: "here".into(),
                    name: &error.path,
                    text,
                    span: SourceSpan::new(offset.into(), len),
                    at: error.location.unwrap_or(LineCol { line: 1, column: 1 }),
                    severity: miette::Severity::Error,
                    mask: Mask::AllValues,
                },
            )
        }
        _ => format!("  × {error}\n"),
    }
}

/// Findings rendered together, then written: bounds what is held beside the output.
const BATCH: usize = 1024;

/// Writes the report: each finding with its code frame (rendered on every core, a batch at a
/// time, written in order), then input errors, notes and the summary.
pub fn write(
    run: &RunResult<'_>,
    options: &ReportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let handlers = handlers(options);
    let judged = run.judged();
    for (batch_index, batch) in judged.chunks(BATCH).enumerate() {
        let texts: Vec<String> = (batch.par_iter().enumerate())
            .map(|(i, one)| {
                let index = batch_index * BATCH + i;
                let file = one.finding.location.file;
                let new_file = index == 0 || judged[index - 1].finding.location.file != file;
                finding_text(run, &handlers, one, new_file)
            })
            .collect();
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    out.write_all(closing(run, options).as_bytes())
}

/// One finding: its file's heading when it is the file's first, its message, and its frame.
fn finding_text(
    run: &RunResult<'_>,
    handlers: &Handlers,
    judged: &crate::findings::Judged<'_>,
    new_file: bool,
) -> String {
    let mut out = String::new();
    let finding = judged.finding;
    let rule = &run.rules[finding.rule];
    let file = &run.estate.files[finding.location.file];
    if new_file {
        let _ = writeln!(out, "\n── {} ──", file.path);
    }
    let severity = match judged.severity {
        Severity::Critical | Severity::High => miette::Severity::Error,
        Severity::Medium => miette::Severity::Warning,
        _ => miette::Severity::Advice,
    };
    let waived = judged
        .waiver
        .map(|w| format!(" [waived: {}]", run.waivers[w].reason))
        .unwrap_or_default();
    let state = judged
        .baseline_state
        .map(|s| format!(" [{}]", s.as_str()))
        .unwrap_or_default();
    let message = format!("{} ({}){waived}{state}", finding.message, judged.severity);
    let code = format!("{} {}", rule.id(), rule.name());
    let resource = &run.estate.resources[finding.resource];
    // A file whose text was released is read again; edited since, it is not quoted.
    let text = match rule.file.sensitive {
        true => None,
        false => Some(file.text()).filter(|text| text.len() >= finding.location.byte_end),
    };
    let Some(text) = text else {
        // The place only: a code frame would print the secret, or code that is not what was
        // judged.
        let why = match rule.file.sensitive {
            true => "value not shown",
            false => "the file changed since it was read",
        };
        let _ = writeln!(
            out,
            "  × {code}: {message}\n    at {}:{}:{} in {} {} ({why})\n",
            file.path,
            finding.location.start.line,
            finding.location.start.column,
            resource.kind,
            resource.name
        );
        return out;
    };
    let len = finding
        .location
        .byte_end
        .saturating_sub(finding.location.byte_start);
    out.push_str(&render_frame(
        handlers,
        Frame {
            message,
            code,
            help: Some(format!(
                "{} — see `ecslint explain {}`",
                rule.file.title,
                rule.id()
            )),
            label: format!("{} {}", resource.kind, resource.name),
            name: &file.path,
            text: &text,
            span: SourceSpan::new(finding.location.byte_start.into(), len),
            at: finding.location.start,
            // Sensitive rules print no frame at all (above).
            mask: Mask::UnlessHarmless { show_span: true },
            severity,
        },
    ));
    out
}

/// What follows the findings: input errors, waiver problems, notes, the summary.
fn closing(run: &RunResult<'_>, options: &ReportOptions) -> String {
    let mut out = String::new();
    if !run.input_errors.is_empty() {
        let _ = writeln!(out, "\n── input errors ──");
        for error in &run.input_errors {
            out.push_str(&render_input_error(error, options));
        }
    }
    for problem in &run.waiver_problems {
        let _ = writeln!(out, "  ! waiver: {problem}");
    }
    out.push_str(&skipped_note(run, options));
    for problem in run.collection_errors() {
        let _ = writeln!(out, "  ! partial scan: {problem}");
    }
    out.push_str(&summary_table(run));
    out
}

fn row(out: &mut String, label: &str, counts: &Counts, score: Option<f64>) {
    let score = score.map_or("–".to_string(), |s| format!("{s:.0}%"));
    let _ = writeln!(
        out,
        "  {label:<24} {score:>6} {:>6} {:>6} {:>6} {:>8} {:>9}",
        counts.pass, counts.fail, counts.not_applicable, counts.not_evaluated, counts.findings
    );
}

/// The per-pillar summary; the numbers are the same as the JSON report's `summary`.
pub fn summary_table(run: &RunResult<'_>) -> String {
    let summary = run.summary();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nSummary: {} in {}, {}, {}",
        super::counted(summary.resources, "resource", "resources"),
        super::counted(summary.files, "file", "files"),
        super::counted(run.rules.len(), "rule", "rules"),
        super::counted(summary.input_errors, "input error", "input errors")
    );
    let _ = writeln!(
        out,
        "  {:<24} {:>6} {:>6} {:>6} {:>6} {:>8} {:>9}",
        "pillar", "score", "pass", "fail", "n/a", "not eval", "findings"
    );
    // The same severity-weighted score as the HTML scorecard.
    let scores = super::html::scores(run);
    for (pillar, counts) in &summary.by_pillar {
        row(
            &mut out,
            pillar.title(),
            counts,
            scores.get(pillar).copied().flatten(),
        );
    }
    row(&mut out, "all rules", &summary.total, None);
    let severities: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {}", summary.by_severity.get(s).copied().unwrap_or(0), s))
        .collect();
    let _ = writeln!(
        out,
        "  findings by severity: {}; waived: {}",
        severities.join(", "),
        summary.waived
    );
    // An organization's audit: where the findings are.
    if summary.accounts_named() > 1 {
        for (account, counts) in &summary.by_account {
            let severities: Vec<String> = Severity::ALL
                .iter()
                .map(|s| format!("{} {}", counts.get(s).copied().unwrap_or(0), s))
                .collect();
            let _ = writeln!(out, "  account {account}: {}", severities.join(", "));
        }
    }
    if let Some(baseline) = &summary.baseline {
        let count = |state: &str| baseline.get(state).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "  against the baseline: {} new, {} unchanged, {} fixed",
            count("new"),
            count("unchanged"),
            count("absent")
        );
    }
    out
}

/// "3 files of no ECS shape skipped", and with `--verbose` which and why.
pub fn skipped_note(run: &RunResult<'_>, options: &ReportOptions) -> String {
    let mut out = String::new();
    if run.skipped.is_empty() {
        return out;
    }
    let count = run.skipped.len();
    let _ = writeln!(
        out,
        "  · {count} file{} of no ECS, IAM or EC2 shape skipped{}",
        if count == 1 { "" } else { "s" },
        if options.verbose {
            ":"
        } else {
            " (--verbose lists them)"
        }
    );
    if options.verbose {
        for skipped in &run.skipped {
            let _ = writeln!(out, "    {}: {}", skipped.path, skipped.reason);
        }
    }
    out
}
