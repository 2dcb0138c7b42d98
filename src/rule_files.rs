//! Rule folders: the team rules named by `--rules` or `rules = [...]` in ecslint.toml, read from
//! disk and compiled with the built-in ones (the engine itself reads no file).

use crate::engine::catalog::{self, ParamValue, Rule, RuleError};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Loads the built-in rules and any from `extra_dirs`, applying parameter overrides by rule id.
pub fn load(
    extra_dirs: &[PathBuf],
    overrides: &BTreeMap<String, BTreeMap<String, ParamValue>>,
) -> Result<Vec<Rule>, Vec<RuleError>> {
    load_with(true, extra_dirs, overrides)
}

/// Like [`load`], with or without the built-in rules (`test-rules` tests only a team's own).
pub fn load_with(
    builtin: bool,
    extra_dirs: &[PathBuf],
    overrides: &BTreeMap<String, BTreeMap<String, ParamValue>>,
) -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut sources = if builtin {
        catalog::builtin_texts()
    } else {
        Vec::new()
    };
    let mut errors = Vec::new();
    for dir in extra_dirs {
        let walker = ignore::WalkBuilder::new(dir)
            .standard_filters(false)
            .build();
        let mut found: Vec<PathBuf> = walker
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        found.sort();
        for path in found {
            match std::fs::read_to_string(&path) {
                Ok(text) => sources.push((path.display().to_string(), text)),
                Err(e) => errors.push(RuleError {
                    source: path.display().to_string(),
                    text: String::new(),
                    span: None,
                    reason: format!("cannot read: {e}"),
                }),
            }
        }
    }
    match catalog::compile_all(&sources, overrides) {
        Ok(rules) if errors.is_empty() => Ok(rules),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}
