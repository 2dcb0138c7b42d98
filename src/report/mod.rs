//! Reporters: one function per format over the same [`RunResult`]. Reporters only format; they
//! never decide outcomes.

pub mod diff;
pub mod github;
pub mod html;
pub mod json;
pub mod merge;
pub mod pretty;
pub mod sarif;

use crate::engine::catalog::Rule;
use crate::findings::RunResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Findings grouped by file with code frames, then a summary (default on a terminal).
    Pretty,
    /// Stable JSON (see docs/json-format.md).
    Json,
    /// SARIF 2.1.0 for IDE viewers and audits: waived results kept with their suppressions.
    Sarif,
    /// SARIF 2.1.0 for GitHub code scanning upload: waived and absent results left out.
    SarifGithub,
    /// GitHub Actions workflow annotations.
    Github,
    /// A self-contained HTML audit report with a scorecard per Well-Architected pillar.
    Html,
}

/// Options shared by the reporters.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Base URL of the rule docs; a rule's page is `{docs_url}{stem}.md`.
    pub docs_url: String,
    /// Colour and unicode in the pretty output.
    pub color: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            docs_url: DEFAULT_DOCS_URL.to_string(),
            color: false,
        }
    }
}

pub const DEFAULT_DOCS_URL: &str = "https://github.com/ecslint/ecslint/blob/main/docs/rules/";

/// Writes the report in `format` to `out`.
pub fn write(
    format: Format,
    run: &RunResult<'_>,
    options: &ReportOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Pretty => out.write_all(pretty::render(run, options).as_bytes()),
        Format::Json => json::write(run, options, out),
        Format::Sarif => sarif::write(run, options, false, out),
        Format::SarifGithub => sarif::write(run, options, true, out),
        Format::Github => out.write_all(github::render(run).as_bytes()),
        Format::Html => out.write_all(html::render(run, options).as_bytes()),
    }
}

/// The report in `format` as a string.
pub fn render(format: Format, run: &RunResult<'_>, options: &ReportOptions) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(format, run, options, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

pub fn help_uri(rule: &Rule, options: &ReportOptions) -> String {
    format!("{}{}.md", options.docs_url, rule.stem())
}
