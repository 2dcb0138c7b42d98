//! Shape detection, loading, linking, evaluation and location mapping on arbitrary files: no input
//! may panic, and every finding must point inside its file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rules() -> &'static [ecslint::engine::catalog::Rule] {
    static RULES: OnceLock<Vec<ecslint::engine::catalog::Rule>> = OnceLock::new();
    RULES.get_or_init(|| ecslint::engine::catalog::builtin(&Default::default()).expect("built-in rules"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let kind = ecslint::sources::shape::InputKind::Auto;
    let Ok((file, resources)) = ecslint::sources::load_text("fuzz.json", text.to_string(), kind) else { return };
    let mut estate = ecslint::model::Estate { files: vec![file], resources, ..Default::default() };
    ecslint::link_estate(&mut estate);
    for evaluation in ecslint::engine::eval::evaluate(rules(), &estate) {
        for finding in &evaluation.findings {
            let text = &estate.files[finding.location.file].text;
            assert!(finding.location.byte_start <= finding.location.byte_end);
            assert!(finding.location.byte_end <= text.len());
        }
    }
});
