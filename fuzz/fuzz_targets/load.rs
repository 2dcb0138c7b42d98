//! Shape detection, loading, linking, evaluation and location mapping on arbitrary files: no input
//! may panic, and every finding must point inside its file.
#![no_main]
use ecslint::lint::{Inputs, Settings, lint};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn rules() -> Arc<[ecslint::engine::catalog::Rule]> {
    static RULES: OnceLock<Arc<[ecslint::engine::catalog::Rule]>> = OnceLock::new();
    RULES
        .get_or_init(|| ecslint::engine::catalog::builtin(&Default::default()).expect("built-in rules").into())
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let settings = Settings { keep_every_outcome: true, ..Settings::with_rules(rules()) };
    let inputs = Inputs::Texts(vec![("fuzz.json".into(), text.to_string())]);
    let linted = lint(inputs, settings).expect("in-memory inputs are always listed");
    for evaluation in &linted.evaluations {
        for finding in &evaluation.findings {
            let text = linted.estate.files[finding.location.file].text();
            assert!(finding.location.byte_start <= finding.location.byte_end);
            assert!(finding.location.byte_end <= text.len());
        }
    }
});
