//! Rule reference pages (`docs/rules/<stem>.md`), generated from the rule files and their
//! fixtures. A test fails when the committed pages are stale; `ecslint gen-docs` rewrites them.

use crate::engine::catalog::Rule;
use std::fmt::Write;
use std::path::Path;

/// The "help" markdown shown in SARIF viewers and GitHub: the rule's docs without fixtures.
pub fn help_markdown(rule: &Rule) -> String {
    let docs = &rule.file.docs;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**{} {}**: {}\n",
        rule.id(),
        rule.name(),
        rule.file.title
    );
    let _ = writeln!(out, "## What it does\n{}\n", docs.what.trim());
    let _ = writeln!(out, "## Why is this bad?\n{}\n", docs.why.trim());
    let _ = writeln!(out, "## How to fix it\n{}\n", docs.fix.trim());
    if !docs.references.is_empty() {
        let _ = writeln!(out, "## References");
        for reference in &docs.references {
            let _ = writeln!(out, "- <{reference}>");
        }
    }
    out
}

/// The full reference page, with the rule's metadata and examples cut from its fixtures.
pub fn rule_page(rule: &Rule, fixtures: &Path) -> String {
    let file = &rule.file;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- Generated from {} by `ecslint gen-docs`; do not edit. -->",
        rule.source
    );
    let _ = writeln!(out, "# {} {}\n", rule.id(), rule.name());
    let _ = writeln!(out, "{}\n", file.title);
    let _ = writeln!(out, "| | |\n|---|---|");
    let pillars: Vec<&str> = file.pillars.iter().map(|p| p.title()).collect();
    let _ = writeln!(out, "| Pillars | {} |", pillars.join(", "));
    let _ = writeln!(
        out,
        "| Well-Architected | {} |",
        file.best_practices.join(", ")
    );
    let _ = writeln!(out, "| Severity | {} |", rule.severity);
    let _ = writeln!(out, "| Resource | {} |", rule.kind);
    for (label, ids) in file.equivalents.by_tool() {
        let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
        let _ = writeln!(out, "| {label} | {} |", ids.join(", "));
    }
    out.push('\n');
    let _ = writeln!(out, "## What it does\n\n{}\n", file.docs.what.trim());
    let _ = writeln!(out, "## Why is this bad?\n\n{}\n", file.docs.why.trim());
    let _ = writeln!(out, "## How to fix it\n\n{}\n", file.docs.fix.trim());
    if let Some(fix) = &file.fix {
        let target = if fix.path.is_empty() {
            "the violating value".to_string()
        } else {
            format!("`{}` under the violating node", fix.path.join("."))
        };
        let _ = writeln!(
            out,
            "## Automatic fix\n\n{}: sets {target} to `{}`. `ecslint fix` applies it (`--diff` to preview); SARIF results carry it as a `fix`.\n",
            fix.description, fix.value
        );
    }
    let _ = writeln!(out, "## How it is checked\n");
    if let Some(applies) = &file.applies_if {
        let _ = writeln!(
            out,
            "Applies when this query selects something:\n\n```jsonpath\n{}\n```\n",
            applies.get_ref().trim()
        );
    }
    if let Some(query) = &file.query {
        let _ = writeln!(
            out,
            "Each node this query selects is a violation:\n\n```jsonpath\n{}\n```\n",
            query.get_ref().trim()
        );
    }
    if let Some(missing) = &file.missing {
        let _ = writeln!(
            out,
            "The resource is in violation when this query selects nothing:\n\n```jsonpath\n{}\n```\n",
            missing.get_ref().trim()
        );
    }
    if !file.requires.is_empty() || !file.pass_requires.is_empty() {
        let _ = writeln!(
            out,
            "Needs to evaluate: {}; needs to pass: {}. When those are not in the input the outcome is *not evaluated*, never *pass*.\n",
            if file.requires.is_empty() {
                "-".to_string()
            } else {
                file.requires.join(", ")
            },
            if file.pass_requires.is_empty() {
                "-".to_string()
            } else {
                file.pass_requires.join(", ")
            },
        );
    }
    if !file.params.is_empty() {
        let _ = writeln!(
            out,
            "## Parameters\n\n| name | default | meaning |\n|---|---|---|"
        );
        for (name, param) in &file.params {
            let _ = writeln!(
                out,
                "| `{name}` | `{}` | {} |",
                param.default.display().replace('|', "\\|"),
                param.description
            );
        }
        out.push('\n');
    }
    for (title, fixture) in [
        ("Example: fails", "fail.json"),
        ("Example: passes", "pass.json"),
    ] {
        if let Ok(text) = std::fs::read_to_string(fixtures.join(rule.stem()).join(fixture)) {
            let _ = writeln!(out, "## {title}\n\n```json\n{}\n```\n", text.trim_end());
        }
    }
    if !file.docs.references.is_empty() {
        let _ = writeln!(out, "## References\n");
        for reference in &file.docs.references {
            let _ = writeln!(out, "- <{reference}>");
        }
    }
    out
}

/// The index page listing every rule by pillar.
pub fn index_page(rules: &[Rule]) -> String {
    let mut out = String::from(
        "<!-- Generated by `ecslint gen-docs`; do not edit. -->\n# Rule reference\n\n",
    );
    for pillar in crate::engine::catalog::Pillar::ALL {
        let of_pillar: Vec<&Rule> = rules.iter().filter(|r| r.pillar() == pillar).collect();
        let _ = writeln!(
            out,
            "## {} ({} rules)\n\n| id | name | severity | resource | title |\n|---|---|---|---|---|",
            pillar.title(),
            of_pillar.len()
        );
        for rule in of_pillar {
            let _ = writeln!(
                out,
                "| [{}]({}.md) | {} | {} | {} | {} |",
                rule.id(),
                rule.stem(),
                rule.name(),
                rule.severity,
                rule.kind,
                rule.file.title
            );
        }
        out.push('\n');
    }
    out
}

/// Every generated page: (path relative to the repository, contents).
pub fn all_pages(rules: &[Rule], repo: &Path) -> Vec<(String, String)> {
    let fixtures = repo.join("fixtures");
    let mut pages: Vec<(String, String)> = rules
        .iter()
        .filter(|r| r.source.starts_with("rules/"))
        .map(|rule| {
            (
                format!("docs/rules/{}.md", rule.stem()),
                rule_page(rule, &fixtures),
            )
        })
        .collect();
    let builtin: Vec<Rule> = rules
        .iter()
        .filter(|r| r.source.starts_with("rules/"))
        .cloned()
        .collect();
    pages.push(("docs/rules/README.md".to_string(), index_page(&builtin)));
    pages.extend(schemas());
    pages.push((
        "docs/facts.md".to_string(),
        crate::model::vocabulary::page(),
    ));
    pages
}

/// JSON schemas for rule files and `ecslint.toml`, generated from the types that read them, so
/// editors (e.g. Taplo, with `#:schema` on the first line) complete and check them.
pub fn schemas() -> Vec<(String, String)> {
    let render = |schema: schemars::Schema| {
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    };
    vec![
        (
            "schemas/rule.schema.json".to_string(),
            render(schemars::schema_for!(crate::engine::catalog::RuleFile)),
        ),
        (
            "schemas/ecslint.schema.json".to_string(),
            render(schemars::schema_for!(crate::config::Config)),
        ),
    ]
}
