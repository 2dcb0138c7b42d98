//! The rule catalog: rule files (TOML) parsed, checked and compiled.
//!
//! The built-in rules are embedded at build time (see `build.rs`); `--rules DIR` adds a team's own.

use crate::model::ResourceKind;
use jsonpath_rfc9535::JsonPath;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

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

impl ParamValue {
    /// The value as it is spliced into a query's single-quoted string or number position.
    fn spliced(&self) -> String {
        match self {
            ParamValue::Number(n) => n.to_string(),
            ParamValue::Text(text) => escape_literal(text),
            ParamValue::List(items) => escape_literal(&items.join("|")),
        }
    }

    /// What kind of value this is, for errors.
    fn kind(&self) -> &'static str {
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

/// A requirement, compiled.
#[derive(Debug, Clone)]
pub enum Requirement {
    Link(String),
    /// The resource must be complete (not a bare container-definition array).
    TaskAttributes,
    Query(JsonPath),
    /// `!$...`: the query must select nothing (e.g. no subnet whose route table is unknown).
    Absent(JsonPath),
}

/// How a rule finds violations.
#[derive(Debug, Clone)]
pub enum Check {
    /// Each node the query selects is a violation.
    Matches(JsonPath),
    /// The query must select something; when it selects nothing the resource is in violation.
    Missing(JsonPath),
}

/// A rule ready to run.
#[derive(Debug, Clone)]
pub struct Rule {
    pub file: RuleFile,
    /// Where the rule came from (`rules/security/SEC101-privileged-container.toml`).
    pub source: String,
    pub kind: ResourceKind,
    pub severity: Severity,
    pub params: BTreeMap<String, ParamValue>,
    pub requires: Vec<Requirement>,
    pub pass_requires: Vec<Requirement>,
    pub applies_if: Option<JsonPath>,
    /// `when`, compiled as `$[?(when)]`: non-empty exactly when the condition holds.
    pub when: Option<JsonPath>,
    pub check: Check,
    /// The query reads `_links`, so it runs on a document with linked resources attached.
    pub uses_links: bool,
    /// `judged.member`, compiled.
    pub judged_member: Option<JsonPath>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.file.id
    }
    pub fn name(&self) -> &str {
        &self.file.name
    }
    /// `SEC101-privileged-container`: the stem of the rule's file, fixtures and docs.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.file.id, self.file.name)
    }
    pub fn pillar(&self) -> Pillar {
        self.file.pillars[0]
    }
}

/// A rule file that could not be loaded, located in that file.
#[derive(Debug, Clone)]
pub struct RuleError {
    pub source: String,
    pub text: String,
    pub span: Option<std::ops::Range<usize>>,
    pub reason: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.span {
            Some(span) => {
                let before = &self.text[..span.start.min(self.text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                write!(f, "{}:{line}:{column}: {}", self.source, self.reason)
            }
            None => write!(f, "{}: {}", self.source, self.reason),
        }
    }
}

/// Parses and compiles one rule file. `overrides` replaces parameter defaults.
pub fn compile(
    source: &str,
    text: &str,
    overrides: &BTreeMap<String, ParamValue>,
) -> Result<Rule, RuleError> {
    let error = |span: Option<std::ops::Range<usize>>, reason: String| RuleError {
        source: source.to_string(),
        text: text.to_string(),
        span,
        reason,
    };
    let file: RuleFile =
        toml::from_str(text).map_err(|e| error(e.span(), e.message().to_string()))?;
    let kind = ResourceKind::parse(&file.resource).ok_or_else(|| {
        error(
            find_key(text, "resource"),
            format!(
                "unknown resource kind {:?}; one of: {}",
                file.resource,
                ResourceKind::ALL.map(|k| k.as_str()).join(", ")
            ),
        )
    })?;
    if file.pillars.is_empty() {
        return Err(error(
            find_key(text, "pillars"),
            "a rule needs at least one pillar".into(),
        ));
    }
    for key in overrides.keys() {
        if !file.params.contains_key(key) {
            return Err(error(
                None,
                format!("rule {} has no parameter {key:?}", file.id),
            ));
        }
    }
    for (name, value) in overrides {
        let expected = &file.params[name].default;
        if std::mem::discriminant(value) != std::mem::discriminant(expected) {
            return Err(error(
                None,
                format!(
                    "parameter {name:?} of rule {} should be {}, like its default {}",
                    file.id,
                    expected.kind(),
                    expected.display()
                ),
            ));
        }
    }
    let params: BTreeMap<String, ParamValue> = file
        .params
        .iter()
        .map(|(name, param)| {
            (
                name.clone(),
                overrides.get(name).unwrap_or(&param.default).clone(),
            )
        })
        .collect();
    let compile_query = |spanned: &toml::Spanned<String>| -> Result<JsonPath, RuleError> {
        let query = substitute(spanned.get_ref(), &params)
            .map_err(|reason| error(Some(spanned.span()), reason))?;
        super::query_check::lint_query(&query, &params, overrides)
            .map_err(|reason| error(Some(spanned.span()), reason))?;
        if let Some(reason) = crate::model::vocabulary::unknown_names(kind, &query) {
            return Err(error(Some(spanned.span()), reason));
        }
        JsonPath::parse(&query)
            .map_err(|e| error(Some(spanned.span()), format!("invalid JSONPath query: {e}")))
    };
    let templates =
        std::iter::once(&file.message).chain(file.judged.as_ref().and_then(|j| j.absent.as_ref()));
    for template in templates {
        if let Some(reason) = unknown_placeholder(template, &params) {
            return Err(error(find_key(text, "message"), reason));
        }
    }
    let check = match (&file.query, &file.missing) {
        (Some(query), None) => Check::Matches(compile_query(query)?),
        (None, Some(missing)) => Check::Missing(compile_query(missing)?),
        _ => {
            return Err(error(
                None,
                "a rule needs exactly one of `query` or `missing`".into(),
            ));
        }
    };
    let applies_if = file.applies_if.as_ref().map(compile_query).transpose()?;
    let when = file
        .when
        .as_ref()
        .map(|w| {
            compile_query(&toml::Spanned::new(
                w.span(),
                format!("$[?({})]", w.get_ref().trim()),
            ))
        })
        .transpose()?;
    let requirement = |text: &String| -> Result<Requirement, RuleError> {
        if let Some(query_text) = text
            .strip_prefix('!')
            .filter(|t| t.starts_with('$'))
            .or(text.starts_with('$').then_some(text.as_str()))
        {
            let query = substitute(query_text, &params).map_err(|reason| error(None, reason))?;
            super::query_check::lint_query(&query, &params, overrides)
                .map_err(|reason| error(None, reason))?;
            if let Some(reason) = crate::model::vocabulary::unknown_names(kind, &query) {
                return Err(error(None, reason));
            }
            let compiled = JsonPath::parse(&query)
                .map_err(|e| error(None, format!("invalid JSONPath in requires: {e}")))?;
            return Ok(if text.starts_with('!') {
                Requirement::Absent(compiled)
            } else {
                Requirement::Query(compiled)
            });
        }
        if text == "taskAttributes" {
            return Ok(Requirement::TaskAttributes);
        }
        if crate::model::vocabulary::link_names(kind).contains(&text.as_str()) {
            Ok(Requirement::Link(text.clone()))
        } else {
            Err(error(
                None,
                format!(
                    "{kind} has no link {text:?}; it has: {}",
                    crate::model::vocabulary::link_names(kind).join(", ")
                ),
            ))
        }
    };
    let requires = file
        .requires
        .iter()
        .map(requirement)
        .collect::<Result<Vec<_>, _>>()?;
    let pass_requires = file
        .pass_requires
        .iter()
        .map(requirement)
        .collect::<Result<Vec<_>, _>>()?;
    let uses_links = [&file.query, &file.missing, &file.applies_if, &file.when]
        .into_iter()
        .flatten()
        .any(|q| q.get_ref().contains("_links"));
    let judged_member = file
        .judged
        .as_ref()
        .map(|judged| compile_query(&judged.member))
        .transpose()?;
    Ok(Rule {
        severity: file.severity,
        source: source.to_string(),
        kind,
        params,
        requires,
        pass_requires,
        applies_if,
        when,
        check,
        uses_links,
        judged_member,
        file,
    })
}

/// Why a message names a placeholder rendering cannot fill, if it does: `{resource}`,
/// `{container}`, `{value}`, `{match.FIELD}` and `{param.NAME}` of a declared parameter.
fn unknown_placeholder(template: &str, params: &BTreeMap<String, ParamValue>) -> Option<String> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            return Some(format!("unclosed `{{` in message {template:?}"));
        };
        let name = &rest[start + 1..start + end];
        let known = matches!(name, "resource" | "container" | "value")
            || name.strip_prefix("match.").is_some_and(|f| !f.is_empty())
            || name
                .strip_prefix("param.")
                .is_some_and(|p| params.contains_key(p));
        if !known {
            return Some(format!(
                "message placeholder {{{name}}} is unknown; use {{resource}}, {{container}}, \
                 {{value}}, {{match.FIELD}} or {{param.NAME}} of a declared parameter"
            ));
        }
        rest = &rest[start + end + 1..];
    }
    None
}

/// Byte span of `key = ` in a TOML text, for errors about a field's value.
fn find_key(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let needle = format!("\n{key} ");
    text.find(&needle).map(|i| i + 1..i + 1 + key.len())
}

/// Replaces `{param.NAME}` with the parameter's value.
fn substitute(query: &str, params: &BTreeMap<String, ParamValue>) -> Result<String, String> {
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

/// The built-in rules' files, embedded at build time: (path, text).
pub fn builtin_texts() -> Vec<(String, String)> {
    EMBEDDED_RULES
        .iter()
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect()
}

/// The built-in rules, with parameter overrides by rule id.
pub fn builtin(
    overrides: &BTreeMap<String, BTreeMap<String, ParamValue>>,
) -> Result<Vec<Rule>, Vec<RuleError>> {
    compile_all(&builtin_texts(), overrides)
}

/// Compiles rule texts, given as (path, text), applying parameter overrides by rule id; every
/// error is collected, and ids must be unique. No IO: reading rule folders is the caller's.
pub fn compile_all(
    sources: &[(String, String)],
    overrides: &BTreeMap<String, BTreeMap<String, ParamValue>>,
) -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut errors = Vec::new();
    let empty = BTreeMap::new();
    let mut rules = Vec::new();
    for (source, text) in sources {
        let id = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_default();
        match compile(source, text, overrides.get(&id).unwrap_or(&empty)) {
            Ok(rule) => rules.push(rule),
            Err(error) => errors.push(error),
        }
    }
    let mut seen = BTreeMap::new();
    for rule in &rules {
        if let Some(previous) = seen.insert(rule.id().to_string(), rule.source.clone()) {
            errors.push(RuleError {
                source: rule.source.clone(),
                text: String::new(),
                span: None,
                reason: format!("rule id {} is already used by {previous}", rule.id()),
            });
        }
    }
    if errors.is_empty() {
        rules.sort_by(|a, b| a.id().cmp(b.id()));
        Ok(rules)
    } else {
        Err(errors)
    }
}
