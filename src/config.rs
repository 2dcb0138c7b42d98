//! `ecslint.toml`: file options (all optional), found upward from the working directory.

use crate::engine::catalog::{ParamValue, Pillar, Rule, Severity};
use crate::findings::Waiver;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "ecslint.toml";

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Rules to run: ids, id prefixes (`SEC1`), pillars or rule names. Empty means all.
    #[serde(default)]
    pub select: Vec<String>,
    /// Rules to skip, same forms as `select`.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Exit 1 when an unwaived finding is at or above this severity.
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// Severity overrides by rule id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Parameter overrides: `[params.SEC107] names = [...]`.
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, ParamValue>>,
    /// Extra rule folders, relative to the config file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
}

/// Finds `ecslint.toml` in `start` or its ancestors.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut config: Config = toml::from_str(&text).map_err(|e| {
        let at = e.span().map(|s| {
            let before = &text[..s.start.min(text.len())];
            format!(
                ":{}:{}",
                before.matches('\n').count() + 1,
                before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1
            )
        });
        format!(
            "{}{}: {}",
            path.display(),
            at.unwrap_or_default(),
            e.message()
        )
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    config.rules = config.rules.iter().map(|dir| base.join(dir)).collect();
    for waiver in &config.waivers {
        if let Some(expires) = &waiver.expires
            && !is_date(expires)
        {
            return Err(format!(
                "{}: waiver for {}: expires {expires:?} is not YYYY-MM-DD",
                path.display(),
                waiver.rule
            ));
        }
    }
    Ok(config)
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Whether a selector (`SEC101`, `SEC1`, `security`, `privileged-container`) names a rule.
pub fn selects(selector: &str, rule: &Rule) -> bool {
    let upper = selector.to_ascii_uppercase();
    rule.id().starts_with(&upper)
        || rule.name() == selector
        || Pillar::ALL
            .iter()
            .any(|p| p.as_str().eq_ignore_ascii_case(selector) && rule.file.pillars.contains(p))
}

/// Checks that every selector names at least one rule, so a typo is not silently ignored.
pub fn unknown_selectors<'a>(selectors: &'a [String], rules: &[Rule]) -> Vec<&'a str> {
    selectors
        .iter()
        .filter(|s| !rules.iter().any(|r| selects(s, r)))
        .map(String::as_str)
        .collect()
}
