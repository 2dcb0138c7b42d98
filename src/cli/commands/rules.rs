//! `ecslint rules` and `ecslint explain`: the catalog, listed and explained.

#[allow(unused_imports)]
use crate::cli::*;

pub fn list_rules(args: RulesArgs) -> u8 {
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

pub fn explain(wanted: &str) -> u8 {
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
