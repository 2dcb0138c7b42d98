//! `rules`, `explain`, `test-rules` and `gen-docs`: the catalog itself.

#[allow(unused_imports)]
use super::*;

pub(super) fn list_rules(args: RulesArgs) -> u8 {
    let (_, rules) = match resolve(&args.common) {
        Ok(resolved) => resolved,
        Err(code) => return code,
    };
    let pillar = match args.pillar.as_deref().map(|p| Pillar::parse(p).ok_or(p)) {
        Some(Err(p)) => return fail(format!("unknown pillar {p:?}")),
        Some(Ok(p)) => Some(p),
        None => None,
    };
    let resource = match args
        .resource
        .as_deref()
        .map(|r| ResourceKind::parse(r).ok_or(r))
    {
        Some(Err(r)) => return fail(format!("unknown resource kind {r:?}")),
        Some(Ok(r)) => Some(r),
        None => None,
    };
    let shown: Vec<&Rule> = rules
        .iter()
        .filter(|r| pillar.is_none_or(|p| r.file.pillars.contains(&p)))
        .filter(|r| args.severity.is_none_or(|s| r.severity == s))
        .filter(|r| resource.is_none_or(|k| r.kind == k))
        .collect();
    if args.json {
        let rows: Vec<serde_json::Value> = shown
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id(), "name": r.name(), "title": r.file.title, "severity": r.severity,
                    "pillars": r.file.pillars, "resource": r.kind, "wellArchitected": r.file.best_practices,
                    "equivalents": r.file.equivalents,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n";
        return write_output(None, &text).map_or_else(|code| code, |()| EXIT_CLEAN);
    }
    let mut text = format!(
        "{:<8} {:<44} {:<9} {:<18} pillars\n",
        "id", "name", "severity", "resource"
    );
    for rule in &shown {
        let pillars: Vec<&str> = rule.file.pillars.iter().map(|p| p.as_str()).collect();
        text.push_str(&format!(
            "{:<8} {:<44} {:<9} {:<18} {}\n",
            rule.id(),
            rule.name(),
            rule.severity,
            rule.kind,
            pillars.join(",")
        ));
    }
    text.push_str(&format!("{} rules\n", shown.len()));
    write_output(None, &text).map_or_else(|code| code, |()| EXIT_CLEAN)
}

/// Reports rule files that could not be loaded, each with its place; the exit code for it.
pub(super) fn rule_errors(errors: Vec<catalog::RuleError>) -> u8 {
    for error in &errors {
        eprintln!("error: {error}");
    }
    EXIT_ERROR
}

pub(super) fn test_rules(dir: &std::path::Path) -> u8 {
    use crate::ruletest;
    let rules = match crate::rule_files::load_with(false, &[dir.to_path_buf()], &BTreeMap::new())
        .map_err(rule_errors)
    {
        Ok(rules) => rules,
        Err(code) => return code,
    };
    if rules.is_empty() {
        return fail(format!("{}: no rule files (*.toml)", dir.display()));
    }
    let mut failed = 0;
    let mut text = String::new();
    for rule in &rules {
        let verdict = match ruletest::fixture_dir(rule, dir) {
            Some(fixtures) => ruletest::check_rule(rule, &fixtures),
            None => Err(format!(
                "no fixtures: add {}/{{pass,fail}}.json beside the rule or under fixtures/",
                rule.stem()
            )),
        };
        match verdict {
            Ok(()) => text.push_str(&format!("ok     {} {}\n", rule.id(), rule.name())),
            Err(problem) => {
                failed += 1;
                text.push_str(&format!(
                    "FAILED {} {}: {problem}\n",
                    rule.id(),
                    rule.name()
                ));
            }
        }
    }
    text.push_str(&format!(
        "rule tests: {} passed, {failed} failed\n",
        rules.len() - failed
    ));
    if let Err(code) = write_output(None, &text) {
        return code;
    }
    if failed == 0 {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

pub(super) fn explain(wanted: &str) -> u8 {
    let rules = match catalog::builtin(&BTreeMap::new()).map_err(rule_errors) {
        Ok(rules) => rules,
        Err(code) => return code,
    };
    match rules
        .iter()
        .find(|r| r.id().eq_ignore_ascii_case(wanted) || r.name() == wanted)
    {
        Some(rule) => write_output(None, &crate::docs::help_markdown(rule))
            .map_or_else(|code| code, |()| EXIT_CLEAN),
        None => fail(format!("no rule {wanted:?}; `ecslint rules` lists them")),
    }
}

pub(super) fn gen_docs(check_only: bool) -> u8 {
    let rules = match catalog::builtin(&BTreeMap::new()).map_err(rule_errors) {
        Ok(rules) => rules,
        Err(code) => return code,
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, text) in crate::docs::all_pages(&rules, &repo) {
        let full = repo.join(&path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if check_only {
            stale.push(path);
        } else {
            if let Some(parent) = full.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = std::fs::write(&full, text) {
                return fail(format!("{path}: {e}"));
            }
            eprintln!("wrote {path}");
        }
    }
    if stale.is_empty() {
        EXIT_CLEAN
    } else {
        fail(format!(
            "stale docs (run `cargo run -- gen-docs`): {}",
            stale.join(", ")
        ))
    }
}
