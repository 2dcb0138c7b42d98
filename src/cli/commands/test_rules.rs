//! `ecslint test-rules`: a folder of rules against their fixtures.

#[allow(unused_imports)]
use crate::cli::*;

pub fn test_rules(dir: &std::path::Path) -> u8 {
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
