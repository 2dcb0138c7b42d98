//! `ecslint.toml`: file options (all optional), found upward from the linted paths to the
//! repository root.

use crate::engine::catalog::{ParamValue, Rule, Severity};
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

/// Finds `ecslint.toml` in `start` or its ancestors, up to the repository root (the first
/// folder holding `.git`): a file in `/tmp` or a home folder never applies to a repository.
pub fn discover(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// The config of the linted paths, found from each of them as ruff does (stdin and no path: the
/// working directory). Paths under different configs are an error: the run would apply one
/// file's rules to another's files.
pub fn discover_for(paths: &[PathBuf]) -> Result<Option<PathBuf>, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("working directory: {e}"))?;
    let starts: Vec<PathBuf> = if paths.is_empty() {
        vec![cwd.clone()]
    } else {
        paths
            .iter()
            .map(|path| {
                let absolute = if path.as_os_str() == "-" {
                    cwd.clone()
                } else {
                    cwd.join(path)
                };
                let absolute = absolute.canonicalize().unwrap_or(absolute);
                if absolute.is_dir() {
                    absolute
                } else {
                    absolute
                        .parent()
                        .map_or(absolute.clone(), Path::to_path_buf)
                }
            })
            .collect()
    };
    let mut found: Option<Option<PathBuf>> = None;
    for start in &starts {
        let config = discover(start);
        match &found {
            Some(earlier) if *earlier != config => {
                let name = |c: &Option<PathBuf>| {
                    c.as_ref()
                        .map_or("none".to_string(), |p| p.display().to_string())
                };
                return Err(format!(
                    "the paths given have different {FILE_NAME} files ({} and {}); lint them \
                     separately or name one with --config",
                    name(earlier),
                    name(&config)
                ));
            }
            _ => found = Some(config),
        }
    }
    Ok(found.flatten())
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
                "{}: waiver for {}: expires {expires:?} is not YYYY-MM-DD (a real calendar day)",
                path.display(),
                waiver.rule
            ));
        }
    }
    Ok(config)
}

/// A real calendar day written `YYYY-MM-DD` (`2027-02-30` and `9999-99-99` are not).
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// Checks that every selector names at least one rule, so a typo is not silently ignored.
pub fn unknown_selectors<'a>(selectors: &'a [String], rules: &[Rule]) -> Vec<&'a str> {
    selectors
        .iter()
        .filter(|s| !rules.iter().any(|r| r.selected_by(s)))
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn expiry_dates_are_real_days() {
        for day in ["2027-03-01", "2028-02-29", "2000-02-29", "2026-12-31"] {
            assert!(is_date(day), "{day}");
        }
        for day in [
            "9999-99-99",
            "2027-02-29",
            "1900-02-29",
            "2027-04-31",
            "2027-13-01",
            "2027-00-10",
            "2027-1-01",
        ] {
            assert!(!is_date(day), "{day}");
        }
    }
}
