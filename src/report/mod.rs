//! Reporters: one function per format over the same [`RunResult`]. Reporters only format; they
//! never decide outcomes.

pub mod compare;
pub mod diff;
mod frame;
pub mod github;
pub mod html;
pub mod json;
mod json_bytes;
mod json_elements;
mod mask;
pub use mask::masked_file;
mod mask_yaml;
pub mod merge;
pub mod pretty;
pub mod sarif;
mod sarif_result;
mod splice;

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
    /// Where the report is written, so the HTML report can link to the inputs relative to itself.
    pub report_dir: Option<std::path::PathBuf>,
    /// List the skipped files, not only their number.
    pub verbose: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            docs_url: DEFAULT_DOCS_URL.to_string(),
            color: false,
            report_dir: None,
            verbose: false,
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
        Format::Pretty => pretty::write(run, options, out),
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

/// A link from the report to an input file: relative to the report when both are under one folder
/// (a report kept beside its inputs, or a CI artifact of both), else an absolute `file://` URI.
pub fn file_link(path: &str, options: &ReportOptions) -> String {
    let Ok(file) = std::fs::canonicalize(path) else {
        return path.to_string();
    };
    let base = options
        .report_dir
        .as_deref()
        .map(|d| {
            if d.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                d
            }
        })
        .and_then(|d| std::fs::canonicalize(d).ok());
    let absolute = || format!("file://{}", sarif::encode_uri(&file.to_string_lossy()));
    let Some(base) = base else {
        return absolute();
    };
    let common = file
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    // Only the root in common: an absolute link says more than a long climb.
    if common <= 1 {
        return absolute();
    }
    let ups = base.components().count() - common;
    let mut relative: Vec<String> = vec!["..".to_string(); ups];
    relative.extend(
        file.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    sarif::encode_uri(&relative.join("/"))
}

/// `n` things in words: "1 file", "2 files".
pub fn counted(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

pub fn help_uri(rule: &Rule, options: &ReportOptions) -> String {
    format!("{}{}.md", options.docs_url, rule.stem())
}
