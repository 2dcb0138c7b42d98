//! Rule tests: each rule against its fixtures, keyed by the outcome they must give. Used by
//! `ecslint test-rules` for a team's rules and by ecslint's own catalog tests.
//!
//! - `fail.json` fails; `pass.json` passes; `fail-absent.json` fails at the owning object (rules
//!   with `[judged]` and an `absent` message);
//! - `not-applicable*.json`: every resource of the rule's kind is not applicable;
//! - `not-evaluated*.json`: at least one is not evaluated, with a reason, and none fails;
//! - `fix-before.json` → `fix-after.json`: the rule's fixes turn the one into the other exactly,
//!   and the result passes.

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
            .filter_map(|e| e.reason.as_deref().map(str::to_string))
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
    check_outcome_cases(rule, fixture_dir)?;
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

/// The fixture files of `dir` whose names start with `prefix`, sorted.
fn cases(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".json"))
        })
        .collect();
    found.sort();
    found
}

/// The not-applicable, not-evaluated and fix cases of a rule, where it has them.
fn check_outcome_cases(rule: &Rule, dir: &Path) -> Result<(), String> {
    let shown = |run: &FixtureRun| {
        let got: Vec<&str> = run.outcomes.iter().map(|o| o.as_str()).collect();
        format!(
            "{} ({}){}",
            if got.is_empty() {
                "no resource of its kind".to_string()
            } else {
                got.join(", ")
            },
            run.path.display(),
            if run.reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", run.reasons.join("; "))
            }
        )
    };
    for path in cases(dir, NOT_APPLICABLE) {
        let run = run_fixture(rule, &path)?;
        if run.outcomes.is_empty() || run.outcomes.iter().any(|o| *o != Outcome::NotApplicable) {
            return Err(format!("expected not applicable, got {}", shown(&run)));
        }
    }
    for path in cases(dir, NOT_EVALUATED) {
        let run = run_fixture(rule, &path)?;
        let not_evaluated = run.outcomes.contains(&Outcome::NotEvaluated);
        if !not_evaluated || run.outcomes.contains(&Outcome::Fail) || run.reasons.is_empty() {
            return Err(format!(
                "expected not evaluated with a reason, got {}",
                shown(&run)
            ));
        }
    }
    let (before, after) = (dir.join(FIX_BEFORE), dir.join(FIX_AFTER));
    match (before.is_file(), after.is_file()) {
        (false, false) => Ok(()),
        (true, true) => check_fix(rule, &before, &after),
        _ => Err(format!(
            "a fix case is {FIX_BEFORE} and {FIX_AFTER} together ({})",
            dir.display()
        )),
    }
}

/// The rule's fixes applied to `before` give `after` byte for byte, and `after` passes.
fn check_fix(rule: &Rule, before: &Path, after: &Path) -> Result<(), String> {
    use crate::findings::fix;
    let mut linted = lint(
        Inputs::Paths(vec![before.to_path_buf()]),
        Settings::with_rules(vec![rule.clone()]),
    )?;
    if let Some(error) = linted.input_errors.first() {
        return Err(error.to_string());
    }
    let run = linted.judge();
    let edits = fix::all_edits(&run);
    if edits.is_empty() {
        return Err(format!("{}: no fix to apply", before.display()));
    }
    let (fixed, _) = fix::apply(&run.estate.files[0].text(), &edits);
    let expected =
        std::fs::read_to_string(after).map_err(|e| format!("{}: {e}", after.display()))?;
    if fixed != expected {
        return Err(format!(
            "{} fixed is not {}:\n{fixed}",
            before.display(),
            after.display()
        ));
    }
    let run = run_fixture(rule, after)?;
    if run.outcomes.is_empty() || run.outcomes.iter().any(|o| *o != Outcome::Pass) {
        return Err(format!("{} does not pass after the fix", after.display()));
    }
    Ok(())
}

pub const NOT_APPLICABLE: &str = "not-applicable";
pub const NOT_EVALUATED: &str = "not-evaluated";
pub const FIX_BEFORE: &str = "fix-before.json";
pub const FIX_AFTER: &str = "fix-after.json";

/// The outcome cases a built-in rule must have: not applicable when `applies_if` can make it
/// so, not evaluated when `requires` or `pass_requires` can, a fix case when it has a fix.
pub fn missing_cases(rule: &Rule, dir: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    if rule.file.applies_if.is_some() && cases(dir, NOT_APPLICABLE).is_empty() {
        missing.push(format!("{NOT_APPLICABLE}.json (applies_if)"));
    }
    let needs = !rule.file.requires.is_empty() || !rule.file.pass_requires.is_empty();
    if needs && cases(dir, NOT_EVALUATED).is_empty() {
        missing.push(format!("{NOT_EVALUATED}.json (requires, pass_requires)"));
    }
    if rule.file.fix.is_some() && !dir.join(FIX_BEFORE).is_file() {
        missing.push(format!("{FIX_BEFORE} and {FIX_AFTER} (fix)"));
    }
    missing
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
