//! What the tests share: every rule's fixtures, a finding's path in its resource's document,
//! references between a fixture's resources rewritten as the other form writes them, and texts
//! linted with the built-in rules and given parameters.
#![allow(dead_code)]

use ecslint::engine::catalog::Rule;
use ecslint::engine::outcome::Location;
use ecslint::lint::Linted;
use serde_json::Value;
use std::path::Path;

/// `texts` (name, text) linted with the built-in rules, parameter values `given`, and every
/// outcome kept when `every_outcome`.
pub fn lint_texts(texts: Vec<(&str, &str)>, given: &[(&str, &str)], every_outcome: bool) -> Linted {
    let rules = ecslint::engine::catalog::builtin(&Default::default()).unwrap();
    let mut settings = ecslint::lint::Settings::with_rules(rules);
    settings.keep_every_outcome = every_outcome;
    settings.input.parameters = given
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let texts = texts
        .into_iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    ecslint::lint::lint(ecslint::lint::Inputs::Texts(texts), settings).unwrap()
}

/// Every rule's JSON fixtures, in order: (rule, file name, text).
pub fn fixtures(rules: &[Rule]) -> Vec<(&Rule, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut out = Vec::new();
    for rule in rules {
        let Some(dir) = ecslint::ruletest::fixture_dir(rule, &root) else {
            continue;
        };
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            out.push((rule, name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

/// The path of a finding in its resource's document: an API file's path starts at its root,
/// a translated resource's at its own.
pub fn document_path(linted: &Linted, at: &Location) -> String {
    // Every step of a normalized path ends with `]`, so a prefix of the text is a prefix of steps.
    let rest = linted
        .estate
        .resources
        .iter()
        .filter_map(|r| {
            at.path
                .strip_prefix(&ecslint::location::normalized_path(&r.origin.base))
        })
        .min_by_key(|rest| rest.len())
        .unwrap_or(&at.path[1..]);
    format!("${rest}")
}

/// Rewrites the values of members in `names` (and each element of a list of them) that
/// `reference` knows as another resource.
pub fn refer(value: &mut Value, names: &[&str], reference: &dyn Fn(&str) -> Option<Value>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let names_resource = names.contains(&key.as_str());
                match child {
                    Value::String(text) if names_resource => {
                        if let Some(written) = reference(text) {
                            *child = written;
                        }
                    }
                    Value::Array(items) if names_resource => {
                        for item in items.iter_mut() {
                            if let Some(written) = item.as_str().and_then(reference) {
                                *item = written;
                            }
                        }
                    }
                    other => refer(other, names, reference),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| refer(v, names, reference)),
        _ => {}
    }
}
