//! The whole pipeline on mutated estates: several files (split at NUL bytes) loaded, linked and
//! evaluated together, then every reporter. Nothing may panic, every report must be written, and
//! the JSON and SARIF reports must be JSON.
#![no_main]
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::report::{Format, ReportOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn rules() -> Arc<[ecslint::engine::catalog::Rule]> {
    static RULES: OnceLock<Arc<[ecslint::engine::catalog::Rule]>> = OnceLock::new();
    RULES
        .get_or_init(|| ecslint::engine::catalog::builtin(&Default::default()).expect("built-in rules").into())
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let texts: Vec<(String, String)> = data
        .split(|b| *b == 0)
        .take(8)
        .enumerate()
        // Every other file is named YAML, so templates in both forms are read.
        .filter_map(|(index, part)| {
            let extension = if index % 2 == 1 { "yaml" } else { "json" };
            Some((format!("file{index}.{extension}"), std::str::from_utf8(part).ok()?.to_string()))
        })
        .collect();
    let mut linted = lint(Inputs::Texts(texts), Settings::with_rules(rules())).expect("in-memory inputs are always listed");
    let run = linted.judge();
    let options = ReportOptions::default();
    for format in [Format::Pretty, Format::Json, Format::Sarif, Format::SarifGithub, Format::Github, Format::Html] {
        let mut out = Vec::new();
        ecslint::report::write(format, &run, &options, &mut out).expect("a report is written");
        if matches!(format, Format::Json | Format::Sarif | Format::SarifGithub) {
            serde_json::from_slice::<serde_json::Value>(&out).expect("the report is JSON");
        }
    }
});
