//! The whole pipeline on mutated estates: several files (split at NUL bytes) loaded, linked and
//! evaluated together, then every reporter. Nothing may panic, every report must be written, and
//! the JSON and SARIF reports must be JSON.
#![no_main]
use ecslint::findings::RunResult;
use ecslint::report::{Format, ReportOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rules() -> &'static [ecslint::engine::catalog::Rule] {
    static RULES: OnceLock<Vec<ecslint::engine::catalog::Rule>> = OnceLock::new();
    RULES.get_or_init(|| ecslint::engine::catalog::builtin(&Default::default()).expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let mut estate = ecslint::model::Estate::default();
    let mut input_errors = Vec::new();
    for (index, part) in data.split(|b| *b == 0).take(8).enumerate() {
        let Ok(text) = std::str::from_utf8(part) else { continue };
        let name = format!("file{index}.json");
        match ecslint::sources::load_text(&name, text.to_string(), ecslint::sources::shape::InputKind::Auto) {
            Ok((file, mut resources)) => {
                let file_index = estate.files.len();
                for resource in &mut resources {
                    resource.origin.file = file_index;
                }
                estate.files.push(file);
                estate.resources.extend(resources);
            }
            Err(error) => input_errors.push(error),
        }
    }
    ecslint::link_estate(&mut estate);
    let rules = rules();
    let (evaluations, counts) = ecslint::engine::eval::evaluate_counted(rules, &estate);
    let run = RunResult::new(rules, &estate, evaluations, counts, input_errors);
    let options = ReportOptions::default();
    for format in [Format::Pretty, Format::Json, Format::Sarif, Format::SarifGithub, Format::Github, Format::Html] {
        let mut out = Vec::new();
        ecslint::report::write(format, &run, &options, &mut out).expect("a report is written");
        if matches!(format, Format::Json | Format::Sarif | Format::SarifGithub) {
            serde_json::from_slice::<serde_json::Value>(&out).expect("the report is JSON");
        }
    }
});
