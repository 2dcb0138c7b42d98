//! `ecslint diff`: two audits compared by fingerprint.

#[allow(unused_imports)]
use crate::cli::*;

/// One side of a diff as a JSON report: read as is when it is one, else checked.
pub fn audit(path: &std::path::Path, args: &DiffArgs) -> Result<report::json::Report<'static>, u8> {
    let shown = path.display().to_string();
    if path.is_file()
        && let Ok(text) = std::fs::read_to_string(path)
        && report::merge::is_report_text(&text)
    {
        return report::json::read(&shown, &text).map_err(fail);
    }
    let lint_args = LintArgs {
        paths: vec![path.to_path_buf()],
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        input_kind: InputKind::Auto,
        include: crate::sources::DEFAULT_INCLUDE.map(String::from).to_vec(),
        parameter: Vec::new(),
        parameters: Vec::new(),
        var: Vec::new(),
        var_file: Vec::new(),
        exclude: Vec::new(),
        skip_unrecognized: false,
        verbose: false,
        common: args.common.clone(),
    };
    let (run, _) = judge(lint(&lint_args, None, false)?);
    report_input_errors(&run, &lint_args);
    // Read back through the report's own types: what `diff` compares is what was written.
    let mut bytes = Vec::new();
    report::json::write(&run, &ReportOptions::default(), &mut bytes).map_err(fail)?;
    report::json::read(&shown, &String::from_utf8_lossy(&bytes)).map_err(fail)
}

/// `ecslint diff OLD NEW`.
pub fn diff(args: DiffArgs) -> u8 {
    let (old, new) = match (audit(&args.old, &args), audit(&args.new, &args)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let compared = report::compare::Diff::compare(
        &args.old.display().to_string(),
        &old,
        &args.new.display().to_string(),
        &new,
    );
    let options = ReportOptions {
        docs_url: args.common.docs_url.clone(),
        color: false,
        report_dir: Some(report_dir(args.output.as_deref())),
        verbose: false,
    };
    let text = match args.format {
        DiffFormat::Pretty => report::diff::pretty(&compared),
        DiffFormat::Json => {
            serde_json::to_string_pretty(&report::diff::json(&compared)).unwrap_or_default() + "\n"
        }
        DiffFormat::Sarif => {
            let rules = match resolve(&args.common) {
                Ok((_, rules)) => rules,
                Err(code) => return code,
            };
            serde_json::to_string_pretty(&report::diff::sarif(&compared, &rules, &options))
                .unwrap_or_default()
                + "\n"
        }
        DiffFormat::Html => report::diff::html(&compared, &options),
    };
    if let Err(code) = write_output(args.output.as_deref(), &text) {
        return code;
    }
    if compared.old.input_errors + compared.new.input_errors > 0 {
        EXIT_ERROR
    } else if args.fail_on_new && !compared.added.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
