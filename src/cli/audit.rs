//! `collect`, `scan`, `diff` and `merge`: audits of accounts and their comparison.

#[allow(unused_imports)]
use super::*;

/// Writes one snapshot per region; returns their paths.
#[cfg(feature = "live")]
pub(super) fn write_snapshots(
    live: &LiveArgs,
    output: &std::path::Path,
) -> Result<Vec<PathBuf>, u8> {
    let snapshots = sources::live::collect(&live.options().map_err(fail)?).map_err(fail)?;
    let several = snapshots.len() > 1;
    let mut paths = Vec::new();
    for (region, snapshot) in snapshots {
        let path = if several {
            let stem = output
                .file_stem()
                .map_or("snapshot".into(), |s| s.to_string_lossy().into_owned());
            output.with_file_name(format!("{stem}-{region}.json"))
        } else {
            output.to_path_buf()
        };
        let mut text = serde_json::to_string_pretty(&snapshot).unwrap_or_default();
        text.push('\n');
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| fail(format!("{}: {e}", parent.display())))?;
        }
        write_output(Some(&path), &text)?;
        let meta = &snapshot["ecslintSnapshot"];
        let calls: u64 = meta["calls"].as_object().map_or(0, |c| {
            c.values().filter_map(serde_json::Value::as_u64).sum()
        });
        eprintln!(
            "{region}: {} task definitions, {} services, {} clusters in {calls} calls; {} calls failed -> {}",
            snapshot["taskDefinitions"].as_array().map_or(0, Vec::len),
            snapshot["services"].as_array().map_or(0, Vec::len),
            snapshot["clusters"].as_array().map_or(0, Vec::len),
            meta["collectionErrors"].as_array().map_or(0, Vec::len),
            path.display()
        );
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(feature = "live")]
pub(super) fn collect(args: CollectArgs) -> u8 {
    match write_snapshots(&args.live, &args.output) {
        Ok(_) => EXIT_CLEAN,
        Err(code) => code,
    }
}

/// `ecslint scan`: collect, then check the snapshot exactly as `check` would, so findings point
/// into the snapshot file (SARIF needs a physical location) and carry the resource ARNs.
#[cfg(feature = "live")]
pub(super) fn scan(mut args: ScanArgs) -> u8 {
    let temporary;
    let snapshot = match (&args.snapshot, &args.check.output) {
        (Some(path), _) => path.clone(),
        (None, Some(report)) => report.with_extension("snapshot.json"),
        (None, None) => {
            temporary =
                std::env::temp_dir().join(format!("ecslint-scan-{}.json", std::process::id()));
            temporary.clone()
        }
    };
    let paths = match write_snapshots(&args.live, &snapshot) {
        Ok(paths) => paths,
        Err(code) => return code,
    };
    args.check.lint.paths = paths;
    check(args.check)
}

/// One side of a diff as a JSON report: read as is when it is one, else checked.
pub(super) fn audit(
    path: &std::path::Path,
    args: &DiffArgs,
) -> Result<report::json::Report<'static>, u8> {
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
        include: vec!["*.json".into()],
        exclude: Vec::new(),
        verbose: false,
        common: args.common.clone(),
    };
    let (run, _) = judge(lint(&lint_args, None)?);
    report_input_errors(&run, &lint_args);
    // Read back through the report's own types: what `diff` compares is what was written.
    let mut bytes = Vec::new();
    report::json::write(&run, &ReportOptions::default(), &mut bytes).map_err(fail)?;
    report::json::read(&shown, &String::from_utf8_lossy(&bytes)).map_err(fail)
}

/// `ecslint diff OLD NEW`.
pub(super) fn diff(args: DiffArgs) -> u8 {
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

/// Reads the files under `inputs` (folders: `*.json`), in order, as (display path, text).
pub(super) fn read_inputs(inputs: &[PathBuf]) -> Result<Vec<(String, String)>, u8> {
    let found = sources::discover(inputs, &sources::InputOptions::default()).map_err(fail)?;
    if let Some(error) = found.errors.first() {
        return Err(fail(error));
    }
    found
        .inputs
        .iter()
        .map(|input| &input.path)
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| (path.display().to_string(), text))
                .map_err(|e| fail(format!("{}: cannot read: {e}", path.display())))
        })
        .collect()
}

/// `ecslint merge`: snapshots into a snapshot, or JSON reports into a report.
pub(super) fn merge(args: MergeArgs) -> u8 {
    let inputs = match read_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let Some((first, first_text)) = inputs.first() else {
        return fail("nothing to merge: no .json file in the inputs");
    };
    // The first input says what is merged; merging tells any other kind apart as it reads.
    let merged = if sources::snapshot::is_snapshot(first_text) {
        sources::snapshot::merge(&inputs)
    } else {
        let mut reports = Vec::new();
        for (path, text) in &inputs {
            if !report::merge::is_report_text(text) {
                let doc: serde_json::Value = match serde_json::from_str(text) {
                    Ok(doc) => doc,
                    Err(e) => {
                        return fail(format!(
                            "{path}:{}:{}: {}",
                            e.line(),
                            e.column(),
                            sources::json_reason(&e)
                        ));
                    }
                };
                return fail(if doc.get("ecslintSnapshot").is_some() {
                    format!(
                        "{path}: a snapshot ({first} is a report; merge snapshots or reports, not both)"
                    )
                } else {
                    format!("{path}: neither an ecslint snapshot nor an ecslint JSON report")
                });
            }
            match report::json::read(path, text) {
                Ok(report) => reports.push((path.clone(), report)),
                Err(message) => return fail(message),
            }
        }
        let mut text =
            serde_json::to_string_pretty(&report::merge::merge(&reports)).unwrap_or_default();
        text.push('\n');
        Ok(text)
    };
    match merged {
        Ok(text) => match write_output(args.output.as_deref(), &text) {
            Ok(()) => EXIT_CLEAN,
            Err(code) => code,
        },
        Err(message) => fail(message),
    }
}
