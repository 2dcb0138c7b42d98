//! What a rule file holds, as read from TOML: identity, pillars and severity, queries, message,
//! parameters, equivalents in other tools, docs and fix. `catalog` compiles these into rules.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The six Well-Architected pillars.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Pillar {
    Security,
    Reliability,
    CostOptimization,
    PerformanceEfficiency,
    OperationalExcellence,
    Sustainability,
}

impl Pillar {
    pub const ALL: [Pillar; 6] = [
        Pillar::Security,
        Pillar::Reliability,
        Pillar::CostOptimization,
        Pillar::PerformanceEfficiency,
        Pillar::OperationalExcellence,
        Pillar::Sustainability,
    ];

    /// The rule-id prefix and folder of rules whose first pillar this is.
    pub fn prefix(self) -> &'static str {
        match self {
            Pillar::Security => "SEC",
            Pillar::Reliability => "REL",
            Pillar::CostOptimization => "COST",
            Pillar::PerformanceEfficiency => "PERF",
            Pillar::OperationalExcellence => "OPS",
            Pillar::Sustainability => "SUS",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Pillar::Security => "security",
            Pillar::Reliability => "reliability",
            Pillar::CostOptimization => "cost-optimization",
            Pillar::PerformanceEfficiency => "performance-efficiency",
            Pillar::OperationalExcellence => "operational-excellence",
            Pillar::Sustainability => "sustainability",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pillar::Security => "Security",
            Pillar::Reliability => "Reliability",
            Pillar::CostOptimization => "Cost Optimization",
            Pillar::PerformanceEfficiency => "Performance Efficiency",
            Pillar::OperationalExcellence => "Operational Excellence",
            Pillar::Sustainability => "Sustainability",
        }
    }

    pub fn parse(text: &str) -> Option<Pillar> {
        let lower = text.to_ascii_lowercase();
        Pillar::ALL
            .into_iter()
            .find(|p| p.as_str() == lower || p.prefix().eq_ignore_ascii_case(&lower))
    }
}

impl fmt::Display for Pillar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity, ordered from least to most severe.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    serde::Serialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule parameter's default value.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    Number(i64),
    Text(String),
    List(Vec<String>),
}

/// Replaces `{param.NAME}` with the parameter's value.
pub(super) fn substitute(
    query: &str,
    params: &BTreeMap<String, ParamValue>,
) -> Result<String, String> {
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(start) = rest.find("{param.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{param.".len()..];
        let end = after.find('}').ok_or("unclosed {param.…} in query")?;
        let name = &after[..end];
        let value = params
            .get(name)
            .ok_or_else(|| format!("query uses undeclared parameter {name:?}"))?;
        out.push_str(&value.spliced());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl ParamValue {
    /// The value as it is spliced into a query's single-quoted string or number position.
    pub(super) fn spliced(&self) -> String {
        match self {
            ParamValue::Number(n) => n.to_string(),
            ParamValue::Text(text) => escape_literal(text),
            ParamValue::List(items) => escape_literal(&items.join("|")),
        }
    }

    /// What kind of value this is, for errors.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            ParamValue::Number(_) => "a number",
            ParamValue::Text(_) => "a string",
            ParamValue::List(_) => "a list of strings",
        }
    }

    /// The text a pattern built from this parameter contains.
    pub(super) fn pattern_text(&self) -> Option<String> {
        match self {
            ParamValue::Number(_) => None,
            ParamValue::Text(text) => Some(text.clone()),
            ParamValue::List(items) => Some(items.join("|")),
        }
    }

    pub fn display(&self) -> String {
        match self {
            ParamValue::Number(n) => n.to_string(),
            ParamValue::Text(text) => format!("{text:?}"),
            ParamValue::List(items) => format!("{items:?}"),
        }
    }
}

fn escape_literal(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\'', "\\'")
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub default: ParamValue,
    pub description: String,
}

/// Where a rule also exists in other tools. Written snake_case in rule files, reported camelCase.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all(serialize = "camelCase"))]
pub struct Equivalents {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<Ids>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_config: Option<Ids>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_tower: Option<Ids>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prowler: Option<Ids>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkov: Option<Ids>,
}

impl Equivalents {
    /// (tool, its ids) for every tool named, in a fixed order.
    pub fn by_tool(&self) -> Vec<(&'static str, &[String])> {
        [
            ("Security Hub", &self.security_hub),
            ("AWS Config", &self.aws_config),
            ("Control Tower", &self.control_tower),
            ("Prowler", &self.prowler),
            ("Checkov", &self.checkov),
        ]
        .into_iter()
        .filter_map(|(tool, ids)| ids.as_ref().map(|ids| (tool, ids.as_slice())))
        .collect()
    }
}

/// One id of another tool, or several when the same check exists there more than once.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Ids {
    One(String),
    Many(Vec<String>),
}

impl Ids {
    pub fn as_slice(&self) -> &[String] {
        match self {
            Ids::One(id) => std::slice::from_ref(id),
            Ids::Many(ids) => ids,
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDocs {
    /// What it does.
    pub what: String,
    /// Why is this bad?
    pub why: String,
    /// How to fix it.
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
}

/// A rule file as written.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: String,
    pub name: String,
    pub title: String,
    pub pillars: Vec<Pillar>,
    pub best_practices: Vec<String>,
    pub severity: Severity,
    pub resource: String,
    /// Links or JSONPath queries that must be present before the rule can say anything.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Links or queries needed to *pass*: when one is unmet the rule can still fail on what it
    /// sees, but otherwise says NotEvaluated.
    #[serde(default)]
    pub pass_requires: Vec<String>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub applies_if: Option<toml::Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub query: Option<toml::Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub missing: Option<toml::Spanned<String>>,
    /// A condition on the whole resource (`$.networkMode == 'host'`): violations count only
    /// when it holds. JSONPath cannot filter the root node itself, so this fills that gap.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub when: Option<toml::Spanned<String>>,
    pub message: String,
    /// The member whose value decides, when the rule judges one: findings then point at it.
    #[serde(default)]
    pub judged: Option<Judged>,
    /// The matched value may be a secret: never print it, not even in a code frame.
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    #[serde(default)]
    pub equivalents: Equivalents,
    pub docs: RuleDocs,
    /// A safe mechanical fix, applied at the violating node.
    #[serde(default)]
    pub fix: Option<FixSpec>,
}

/// The member of the violating node that makes the rule fail (`readonlyRootFilesystem` of a
/// container). When it is present the finding is located at it, key to value, and `message`
/// is used (`{value}` is the member's value); when it is absent the finding points at the
/// violating node's first line with the `absent` message, which says what is missing.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Judged {
    /// JSONPath from the violating node, `$` being that node (for a `missing` rule, the
    /// resource): `$.readonlyRootFilesystem`, `$.settings[?@.name == 'containerInsights']`.
    #[schemars(with = "String")]
    pub member: toml::Spanned<String>,
    /// The message when the member is absent (the same placeholders as `message`). Leave it out
    /// when the query only selects nodes that have the member (`$.name` of a variable matched
    /// by name): the rule then needs no `fail-absent.json`.
    #[serde(default)]
    pub absent: Option<String>,
}

/// Sets `path` (member names, created when missing) under the violating node to `value`;
/// an empty path replaces the node itself.
#[derive(Debug, Clone, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    pub description: String,
    #[serde(default)]
    pub path: Vec<String>,
    pub value: serde_json::Value,
}
