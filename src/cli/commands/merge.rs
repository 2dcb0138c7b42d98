//! `ecslint merge`: snapshots into one snapshot, or JSON reports into one report.

#[allow(unused_imports)]
use crate::cli::*;

/// Reads the files under `inputs` (folders: `*.json`), in order, as (display path, text).
pub fn read_inputs(inputs: &[PathBuf]) -> Result<Vec<(String, String)>, u8> {
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
pub fn merge(args: MergeArgs) -> u8 {
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
