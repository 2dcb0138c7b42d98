//! Soundness of what the engine assumes a rule reads (`ReadIndex::may_read`): an undecided value is
//! tried only where a rule may read, so any member whose value changes a rule's outcome must be
//! one it says it may read. Checked on every rule's fixtures: each scalar member of each
//! resource, set to another value or removed, either leaves the rule's outcomes unchanged or is
//! at a path the rule may read.

use ecslint::engine::catalog::{self, Rule};
use ecslint::engine::outcome::Outcome;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::location::Step;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn outcomes(rule: &Rule, text: &str) -> Option<Vec<(usize, Outcome, usize)>> {
    let settings = Settings {
        keep_every_outcome: true,
        ..Settings::with_rules(vec![rule.clone()])
    };
    let linted = lint(
        Inputs::Texts(vec![("f.json".into(), text.into())]),
        settings,
    )
    .ok()?;
    if !linted.input_errors.is_empty() {
        return None;
    }
    Some(
        linted
            .evaluations
            .iter()
            .map(|e| (e.resource, e.outcome, e.findings.len()))
            .collect(),
    )
}

/// Every scalar leaf of `value`, by path.
fn leaves(value: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(Step::Key(k.clone()));
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                leaves(v, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

fn set(value: &mut Value, path: &[Step], to: Option<Value>) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let mut node = value;
    for step in parent {
        node = match (step, node) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k).unwrap(),
            (Step::Index(i), Value::Array(a)) => &mut a[*i],
            _ => return,
        };
    }
    match (last, node, to) {
        (Step::Key(k), Value::Object(m), Some(to)) => {
            m.insert(k.clone(), to);
        }
        (Step::Key(k), Value::Object(m), None) => {
            m.remove(k);
        }
        (Step::Index(i), Value::Array(a), Some(to)) => a[*i] = to,
        _ => {}
    }
}

#[test]
fn every_member_that_changes_a_verdict_is_one_the_rule_may_read() {
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let (mut tried, mut unsound) = (0, Vec::new());
    // What the engine asks before trying a value in place of an undecided one.
    let index = ecslint::engine::read_index::ReadIndex::new(&rules);
    for (number, rule) in rules.iter().enumerate().filter(|(_, r)| r.reads.is_some()) {
        let Some(dir) = ecslint::ruletest::fixture_dir(rule, &root) else {
            continue;
        };
        for name in ["pass.json", "fail.json"] {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let Some(expected) = outcomes(rule, &text) else {
                continue;
            };
            let loaded = ecslint::sources::load_texts(
                vec![("f.json".into(), text.clone())],
                &Default::default(),
            );
            let file: Value = serde_json::from_str(&text).unwrap();
            for resource in &loaded.estate.resources {
                if resource.kind != rule.kind {
                    continue;
                }
                let doc = resource.document(&loaded.estate.files);
                let mut paths = Vec::new();
                leaves(&doc, &mut Vec::new(), &mut paths);
                for path in paths {
                    if index.may_read(number, &index.names(&path)) {
                        continue;
                    }
                    let in_file: Vec<Step> =
                        resource.origin.base.iter().chain(&path).cloned().collect();
                    for to in [None, Some(Value::from("unknown")), Some(Value::from(0))] {
                        let mut changed = file.clone();
                        set(&mut changed, &in_file, to.clone());
                        tried += 1;
                        let got = outcomes(rule, &changed.to_string());
                        if got.is_some() && got.as_ref() != Some(&expected) {
                            unsound.push(format!("{} {name}: {path:?} = {to:?}", rule.id()));
                        }
                    }
                }
            }
        }
    }
    none_unsound(tried, &unsound, "rules");
}

/// Facts are derived again for a value tried only when a fact may read it
/// (`vocabulary::facts_may_read`): every other member, set to another value or removed, leaves
/// every resource's facts as they were. Checked on every rule's fixtures.
#[test]
fn every_member_that_changes_a_fact_is_one_a_fact_may_read() {
    use ecslint::model::{facts, vocabulary};
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let (mut tried, mut unsound) = (0, Vec::new());
    for rule in &rules {
        let Some(dir) = ecslint::ruletest::fixture_dir(rule, &root) else {
            continue;
        };
        for name in ["pass.json", "fail.json"] {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let mut estate =
                ecslint::sources::load_texts(vec![("f.json".into(), text)], &Default::default())
                    .estate;
            ecslint::lint::link_estate(&mut estate);
            let index = estate.index.take().unwrap();
            for (i, resource) in estate.resources.iter().enumerate() {
                let doc = resource.document(&estate.files);
                let Some(expected) = facts::of(&estate, &index, i, &doc) else {
                    continue;
                };
                let mut paths = Vec::new();
                leaves(&doc, &mut Vec::new(), &mut paths);
                for path in paths {
                    if vocabulary::facts_may_read(resource.kind, &path) {
                        continue;
                    }
                    for to in [None, Some(Value::from("unknown")), Some(Value::from(0))] {
                        let mut changed = doc.clone();
                        set(&mut changed, &path, to.clone());
                        tried += 1;
                        if facts::of(&estate, &index, i, &changed).as_ref() != Some(&expected) {
                            unsound.push(format!("{} {name}: {path:?} = {to:?}", rule.id()));
                        }
                    }
                }
            }
        }
    }
    none_unsound(tried, &unsound, "facts");
}

/// Fails listing the values that changed what `what` said, or when too few were tried to tell.
fn none_unsound(tried: usize, unsound: &[String], what: &str) {
    assert!(
        unsound.is_empty(),
        "{} unsound:\n{}",
        unsound.len(),
        unsound.join("\n")
    );
    assert!(tried > 1000, "only {tried} tries");
    eprintln!("{tried} values tried where {what} do not read");
}
