//! `fix` on arbitrary documents: the fixes of every finding, applied together, must leave a
//! document that still parses as JSON, and applying the fixes again must change nothing.
#![no_main]
use ecslint::findings::fix;
use ecslint::lint::{Inputs, Settings, lint};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn rules() -> Arc<[ecslint::engine::catalog::Rule]> {
    static RULES: OnceLock<Arc<[ecslint::engine::catalog::Rule]>> = OnceLock::new();
    RULES
        .get_or_init(|| ecslint::engine::catalog::builtin(&Default::default()).expect("built-in rules").into())
        .clone()
}

/// The text after applying every fix of every finding.
fn fixed(text: &str) -> Option<(String, usize)> {
    let inputs = Inputs::Texts(vec![("fuzz.json".into(), text.to_string())]);
    let mut linted = lint(inputs, Settings::with_rules(rules())).ok()?;
    if !linted.input_errors.is_empty() {
        return None;
    }
    let run = linted.judge();
    let edits = fix::all_edits(&run);
    Some(fix::apply(&run.estate.files[0].text(), &edits))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Only documents that parse: a fix must never break one (BOM aside, as the loader strips it).
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if serde_json::from_str::<serde_json::Value>(body).is_err() {
        return;
    }
    let Some((once, applied)) = fixed(body) else { return };
    if applied == 0 {
        return;
    }
    assert!(
        serde_json::from_str::<serde_json::Value>(&once).is_ok(),
        "a fix broke the document:\n{body}\n->\n{once}"
    );
    // Converges: fixes of fixes eventually change nothing (overlapping edits wait for a rerun).
    let mut current = once;
    for _ in 0..4 {
        match fixed(&current) {
            Some((next, 0)) => {
                assert_eq!(next, current);
                return;
            }
            Some((next, _)) => current = next,
            None => panic!("a fixed document no longer loads:\n{current}"),
        }
    }
});
