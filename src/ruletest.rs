//! Rule tests: each rule against its `pass.json` and `fail.json` fixtures. Used by
//! `ecslint test-rules` for a team's rules and by ecslint's own catalog tests.

use crate::engine::catalog::Rule;
use crate::engine::outcome::Outcome;
use crate::lint::{Inputs, Linted, Settings, lint};
use std::path::{Path, PathBuf};

/// What one fixture gave.
#[derive(Debug, Clone)]
pub struct FixtureRun {
    pub path: PathBuf,
    pub outcomes: Vec<Outcome>,
    /// `RULE resource at line:col-line:col path | message` of each finding.
    pub findings: Vec<String>,
    /// Why the outcome was not evaluated or not applicable, when known.
    pub reasons: Vec<String>,
    /// Per finding: shown at its violating node rather than at a member of it.
    pub at_node: Vec<bool>,
}

/// Lints one fixture file with one rule.
pub fn run_fixture(rule: &Rule, path: &Path) -> Result<FixtureRun, String> {
    let settings = Settings {
        keep_every_outcome: true,
        ..Settings::with_rules(vec![rule.clone()])
    };
    let linted = lint(Inputs::Paths(vec![path.to_path_buf()]), settings)?;
    if let Some(error) = linted.input_errors.first() {
        return Err(error.to_string());
    }
    let Linted {
        estate,
        evaluations,
        ..
    } = linted;
    Ok(FixtureRun {
        path: path.to_path_buf(),
        outcomes: evaluations.iter().map(|e| e.outcome).collect(),
        findings: evaluations
            .iter()
            .flat_map(|e| &e.findings)
            .map(|f| {
                let at = &f.location;
                format!(
                    "{} {} at {}:{}-{}:{} {} | {}",
                    rule.id(),
                    estate.resources[f.resource].name,
                    at.start.line,
                    at.start.column,
                    at.end.line,
                    at.end.column,
                    at.path,
                    f.message
                )
            })
            .collect(),
        reasons: evaluations
            .iter()
            .filter_map(|e| e.reason.clone())
            .collect(),
        at_node: evaluations
            .iter()
            .flat_map(|e| &e.findings)
            .map(|f| f.node == Some(f.location.byte_start))
            .collect(),
    })
}

/// The fixture of a rule that judges a member, where that member is absent.
pub const ABSENT_FIXTURE: &str = "fail-absent.json";

/// The verdict on one rule: `None` when both fixtures behave, otherwise what went wrong.
pub fn check_rule(rule: &Rule, fixture_dir: &Path) -> Result<(), String> {
    let fail = run_fixture(rule, &fixture_dir.join("fail.json"))?;
    if !fail.outcomes.contains(&Outcome::Fail) {
        let got: Vec<&str> = fail.outcomes.iter().map(|o| o.as_str()).collect();
        return Err(format!(
            "expected to fail, but {} ({}){}",
            if got.is_empty() {
                "no resource of its kind was found".to_string()
            } else {
                format!("was {}", got.join(", "))
            },
            fail.path.display(),
            if fail.reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", fail.reasons.join("; "))
            }
        ));
    }
    if rule.judged_member.is_some() {
        check_judged(rule, &fail, fixture_dir)?;
    }
    let pass = run_fixture(rule, &fixture_dir.join("pass.json"))?;
    if pass.outcomes.is_empty() || pass.outcomes.iter().any(|o| *o != Outcome::Pass) {
        let got: Vec<&str> = pass.outcomes.iter().map(|o| o.as_str()).collect();
        return Err(format!(
            "expected to pass, but was {} ({}){}{}",
            if got.is_empty() {
                "never evaluated".to_string()
            } else {
                got.join(", ")
            },
            pass.path.display(),
            pass.findings
                .iter()
                .map(|f| format!("\n      {f}"))
                .collect::<String>(),
            if pass.reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", pass.reasons.join("; "))
            }
        ));
    }
    Ok(())
}

/// A rule that judges a member shows both forms: `fail.json` sets the member (the finding is
/// at it), `fail-absent.json` lacks it (the finding is at the owning object) unless the rule
/// says the member is never absent (no `absent` message).
fn check_judged(rule: &Rule, fail: &FixtureRun, fixture_dir: &Path) -> Result<(), String> {
    if !fail.at_node.contains(&false) {
        return Err(format!(
            "{}: no finding at the judged member; set it to a failing value there",
            fail.path.display()
        ));
    }
    if rule
        .file
        .judged
        .as_ref()
        .is_some_and(|j| j.absent.is_none())
    {
        return Ok(());
    }
    let absent_path = fixture_dir.join(ABSENT_FIXTURE);
    if !absent_path.is_file() {
        return Err(format!(
            "a rule with [judged] needs {} (the member absent)",
            absent_path.display()
        ));
    }
    let absent = run_fixture(rule, &absent_path)?;
    if !absent.outcomes.contains(&Outcome::Fail) || absent.at_node.contains(&false) {
        return Err(format!(
            "{}: expected to fail at the owning object, got {:?}",
            absent.path.display(),
            absent.findings
        ));
    }
    Ok(())
}

/// Where a rule's fixtures are: beside its file (`<dir>/<stem>/`), or in a `fixtures/` folder in
/// or next to the rules folder.
pub fn fixture_dir(rule: &Rule, rules_root: &Path) -> Option<PathBuf> {
    let stem = rule.stem();
    let beside = Path::new(&rule.source).parent().map(|p| p.join(&stem));
    [
        beside,
        Some(rules_root.join("fixtures").join(&stem)),
        rules_root.parent().map(|p| p.join("fixtures").join(&stem)),
    ]
    .into_iter()
    .flatten()
    .find(|dir| dir.join("fail.json").is_file() || dir.join("pass.json").is_file())
}
