//! The rule catalog's own tests: every rule against its fixtures, catalog invariants, generated
//! docs and SARIF validity. One harness walks every rule.

use ecslint::engine::catalog::{self, Pillar, Rule};
use ecslint::ruletest;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rules() -> Vec<Rule> {
    catalog::builtin(&BTreeMap::new()).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

#[test]
fn every_rule_fails_its_fail_fixture_and_passes_its_pass_fixture() {
    let mut problems = Vec::new();
    for rule in rules() {
        let dir = repo().join("fixtures").join(rule.stem());
        if let Err(problem) = ruletest::check_rule(&rule, &dir) {
            problems.push(format!("{}: {problem}", rule.stem()));
        }
        for case in ruletest::missing_cases(&rule, &dir) {
            problems.push(format!("{}: needs the case {case}", rule.stem()));
        }
        // The exact findings of the fail fixtures: rule, line:column and message; for a rule
        // that judges a member, with it present and absent.
        let mut findings = ruletest::run_fixture(&rule, &dir.join("fail.json"))
            .unwrap()
            .findings;
        let absent = dir.join(ruletest::ABSENT_FIXTURE);
        if absent.is_file() {
            findings.push(format!("-- {}", ruletest::ABSENT_FIXTURE));
            findings.extend(ruletest::run_fixture(&rule, &absent).unwrap().findings);
        }
        insta::assert_snapshot!(rule.stem(), findings.join("\n"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn catalog_invariants() {
    let rules = rules();
    assert!(rules.len() >= 60, "only {} rules", rules.len());
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for rule in &rules {
        let id = rule.id();
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert!(
            names.insert(rule.name().to_string()),
            "duplicate name {}",
            rule.name()
        );
        let pillar = rule.pillar();
        let digits = id
            .strip_prefix(pillar.prefix())
            .unwrap_or_else(|| panic!("{id}: prefix is not {}", pillar.prefix()));
        assert!(
            digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()),
            "{id}: not PREFIX + 3 digits"
        );
        assert!(
            !digits.starts_with('9'),
            "{id}: 9xx ids are left to teams' own rules"
        );
        let folder = format!("rules/{}/{}.toml", pillar.as_str(), rule.stem());
        assert_eq!(
            rule.source, folder,
            "{id}: file must be in its first pillar's folder and named by its stem"
        );
        let name = rule.name();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !name.starts_with("ensure"),
            "{id}: name {name:?} is not kebab-case naming the bad state"
        );
        let docs = &rule.file.docs;
        for (section, text) in [("what", &docs.what), ("why", &docs.why), ("fix", &docs.fix)] {
            assert!(
                text.trim().len() > 20,
                "{id}: docs.{section} is missing or too short"
            );
        }
        assert!(!docs.references.is_empty(), "{id}: no references");
        assert!(
            !rule.file.best_practices.is_empty(),
            "{id}: no Well-Architected best practice"
        );
        for bp in &rule.file.best_practices {
            assert!(
                ["SEC", "REL", "COST", "PERF", "OPS", "SUS"]
                    .iter()
                    .any(|p| bp.starts_with(p))
                    && bp.contains("-BP"),
                "{id}: {bp} is not a Well-Architected best-practice id"
            );
        }
        let fixtures = repo().join("fixtures").join(rule.stem());
        for fixture in ["pass.json", "fail.json"] {
            assert!(
                fixtures.join(fixture).is_file(),
                "{id}: missing fixtures/{}/{fixture}",
                rule.stem()
            );
        }
    }
    for pillar in Pillar::ALL {
        assert!(
            rules.iter().any(|r| r.pillar() == pillar),
            "no rule for {pillar}"
        );
    }
}

/// Equivalents are a public contract: each id must be one of that tool's ECS checks as listed in
/// `data/peer-checks.toml` (with its source and the day it was read), and not a retired one.
#[test]
fn every_equivalent_is_a_current_check_of_its_tool() {
    let lists: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("data/peer-checks.toml")).unwrap())
            .unwrap();
    let strings = |value: &toml::Value| -> Vec<String> {
        match value {
            toml::Value::String(id) => vec![id.clone()],
            toml::Value::Array(ids) => ids
                .iter()
                .map(|id| id.as_str().unwrap().to_string())
                .collect(),
            other => panic!("not an id or a list of ids: {other}"),
        }
    };
    let mut problems = Vec::new();
    for rule in rules() {
        let text = std::fs::read_to_string(repo().join(&rule.source)).unwrap();
        let file: toml::Table = toml::from_str(&text).unwrap();
        let Some(equivalents) = file.get("equivalents").and_then(toml::Value::as_table) else {
            continue;
        };
        for (tool, ids) in equivalents {
            let Some(list) = lists.get(tool).and_then(toml::Value::as_table) else {
                problems.push(format!("{}: no list of {tool} checks", rule.id()));
                continue;
            };
            assert!(
                list.contains_key("source") && list.contains_key("read"),
                "{tool}"
            );
            let known = strings(&list["ids"]);
            let retired = strings(&list["retired"]);
            for id in strings(ids) {
                if !known.contains(&id) {
                    problems.push(format!("{}: {tool} has no check {id}", rule.id()));
                } else if retired.contains(&id) {
                    problems.push(format!("{}: {tool} retired {id}", rule.id()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rule_docs_are_generated_and_current() {
    let rules = rules();
    let mut stale = Vec::new();
    for (path, text) in ecslint::docs::all_pages(&rules, &repo()) {
        if std::fs::read_to_string(repo().join(&path)).ok().as_deref() != Some(text.as_str()) {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "stale docs, run `cargo run -- gen-docs`: {stale:?}"
    );
}

#[test]
fn fixture_folders_all_belong_to_a_rule() {
    let stems: BTreeSet<String> = rules().iter().map(Rule::stem).collect();
    for entry in std::fs::read_dir(repo().join("fixtures")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            assert!(stems.contains(&name), "fixtures/{name} has no rule");
        }
    }
}

#[test]
fn rule_files_and_configs_validate_against_the_generated_schemas() {
    let load = |path: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(repo().join(path)).unwrap()).unwrap()
    };
    let rule_schema = jsonschema::validator_for(&load("schemas/rule.schema.json")).unwrap();
    for rule in rules() {
        let text = std::fs::read_to_string(repo().join(&rule.source)).unwrap();
        let as_json = serde_json::to_value(toml::from_str::<toml::Table>(&text).unwrap()).unwrap();
        let errors: Vec<String> = rule_schema
            .iter_errors(&as_json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", rule.source);
    }
    let bad = serde_json::json!({"id": "X", "severity": "extreme"});
    assert!(!rule_schema.is_valid(&bad));
    let config_schema = jsonschema::validator_for(&load("schemas/ecslint.schema.json")).unwrap();
    let config: toml::Table = toml::from_str(
        "select = [\"security\"]\nfail_on = \"high\"\n[severity]\nSEC115 = \"low\"\n[params.SEC107]\nnames = \"(?i).*KEY.*\"\n\
         [[waivers]]\nrule = \"SEC111\"\nresource = \"log-*\"\nreason = \"reviewed\"\nexpires = \"2027-01-01\"\n",
    )
    .unwrap();
    assert!(config_schema.is_valid(&serde_json::to_value(config).unwrap()));
    assert!(!config_schema.is_valid(&serde_json::json!({"fail_on": "sometimes"})));
}
