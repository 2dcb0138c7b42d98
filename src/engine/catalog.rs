//! The rule catalog: rule files (TOML) parsed, checked and compiled.
//!
//! The built-in rules are embedded at build time (see `build.rs`); `--rules DIR` adds a team's own.

use crate::model::ResourceKind;
use jsonpath_rfc9535::JsonPath;
use std::collections::BTreeMap;
use std::fmt;

use super::rule_file::substitute;
pub use super::rule_file::{
    Equivalents, FixSpec, Ids, Judged, Param, ParamValue, Pillar, RuleDocs, RuleFile, Severity,
};

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A requirement, compiled.
#[derive(Debug, Clone)]
pub enum Requirement {
    Link(String),
    /// The resource must be complete (not a bare container-definition array).
    TaskAttributes,
    Query(JsonPath, Chain),
    /// `!$...`: the query must select nothing (e.g. no subnet whose route table is unknown).
    Absent(JsonPath, Chain),
}

/// The member names a requirement's query reads, when it is one path of names
/// (`$._facts.accountId`): what tells whether an undecided value may change it.
pub type Chain = Option<Vec<String>>;

/// The names of a query of the form `$.a.b`, else `None`.
fn chain_of(query: &str) -> Chain {
    let names = query.strip_prefix("$.")?.split('.');
    names
        .map(|name| {
            let plain = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !name.as_bytes()[0].is_ascii_digit();
            plain.then(|| name.to_string())
        })
        .collect()
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
    /// The values an undecided value is tried with: those the rule's queries compare with and
    /// a few of every type (see `model::unknown`).
    pub literals: Vec<serde_json::Value>,
    /// What the rule may read of a document (`None`: anything): an undecided value it cannot
    /// read is not tried.
    pub reads: Option<Reads>,
    /// The rule reads `_facts`, which are derived again for each value tried.
    pub uses_facts: bool,
    /// The parts of linked resources the rule reads (`None`: anything), so only those are
    /// attached under `_links`.
    pub link_reads: Option<Vec<super::query_check::LinkRead>>,
    /// The members of its own document's root the rule reads (`None`: any), so a rule that
    /// reads linked resources runs on a copy of those alone, with `_links`.
    pub roots_read: Option<Vec<String>>,
    /// How its query judges an array element by element, when it does.
    pub per_element: Option<super::per_element::PerElement>,
}

/// What a rule may read, by member name (see `query_check::NamesRead`). Hashed: asked for
/// every undecided value of a template's resource by every rule of its kind.
#[derive(Debug, Clone, Default)]
pub struct Reads {
    pub names: foldhash::HashSet<String>,
    /// Names whose members or elements it selects all of.
    pub wholes: foldhash::HashSet<String>,
    /// Names anything inside of which it may compare.
    pub deep: foldhash::HashSet<String>,
}

impl Rule {
    /// Whether a selector (`SEC101`, `SEC1`, `security`, `privileged-container`) names this rule.
    pub fn selected_by(&self, selector: &str) -> bool {
        let upper = selector.to_ascii_uppercase();
        self.id().starts_with(&upper)
            || self.name() == selector
            || Pillar::ALL
                .iter()
                .any(|p| p.as_str().eq_ignore_ascii_case(selector) && self.file.pillars.contains(p))
    }

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
    compile_parsed(source, text, parse(source, text)?, overrides, true)
}

fn rule_error(
    source: &str,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    reason: String,
) -> RuleError {
    RuleError {
        source: source.to_string(),
        text: text.to_string(),
        span,
        reason,
    }
}

fn parse(source: &str, text: &str) -> Result<RuleFile, RuleError> {
    toml::from_str(text).map_err(|e| rule_error(source, text, e.span(), e.message().to_string()))
}

/// Compiles a parsed rule file. `checked`: its queries are checked for what the query engine
/// would do quietly or without bound, and for names the resource does not have; a built-in rule
/// with its own parameters is checked by the tests instead of in every run.
fn compile_parsed(
    source: &str,
    text: &str,
    file: RuleFile,
    overrides: &BTreeMap<String, ParamValue>,
    checked: bool,
) -> Result<Rule, RuleError> {
    let error = |span: Option<std::ops::Range<usize>>, reason: String| {
        rule_error(source, text, span, reason)
    };
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
    // What the query engine would do quietly or without bound, and names the resource lacks.
    let check_query = |query: &str| -> Result<(), String> {
        if !checked {
            return Ok(());
        }
        super::query_check::lint_query(query, &params, overrides)?;
        match crate::model::vocabulary::unknown_names(kind, query) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    };
    let compile_query = |spanned: &toml::Spanned<String>| -> Result<JsonPath, RuleError> {
        let query = substitute(spanned.get_ref(), &params)
            .map_err(|reason| error(Some(spanned.span()), reason))?;
        check_query(&query).map_err(|reason| error(Some(spanned.span()), reason))?;
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
            check_query(&query).map_err(|reason| error(None, reason))?;
            let compiled = JsonPath::parse(&query)
                .map_err(|e| error(None, format!("invalid JSONPath in requires: {e}")))?;
            let chain = chain_of(&query);
            return Ok(if text.starts_with('!') {
                Requirement::Absent(compiled, chain)
            } else {
                Requirement::Query(compiled, chain)
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
    let reads = reads_of(kind, &file, &params);
    let uses_facts = query_texts(&file).any(|q| q.contains("_facts"));
    let link_reads = query_texts(&file)
        .map(|text| super::query_check::links_read(&substitute(text, &params).ok()?))
        .collect::<Option<Vec<_>>>()
        .map(|reads| reads.concat());
    let roots_read = query_texts(&file)
        .map(|text| super::query_check::roots_read(&substitute(text, &params).ok()?))
        .collect::<Option<Vec<_>>>()
        .map(|roots| roots.concat());
    let mut literals = Vec::new();
    for text in query_texts(&file) {
        let found = substitute(text, &params)
            .map(|query| super::query_check::literals(&query))
            .unwrap_or_default();
        for value in found
            .into_iter()
            .chain(crate::model::unknown::common_literals())
        {
            if !literals.contains(&value) {
                literals.push(value);
            }
        }
    }
    Ok(Rule {
        per_element: super::per_element::PerElement::of_rule(&file, &params),
        literals,
        reads,
        uses_facts,
        link_reads,
        roots_read,
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

/// The text of every query a rule file holds (its query or `missing`, `applies_if`, `when`, and
/// the requirements, which are queries or link names), before parameters are substituted.
fn query_texts(file: &RuleFile) -> impl Iterator<Item = &String> {
    [&file.query, &file.missing, &file.applies_if, &file.when]
        .into_iter()
        .flatten()
        .map(|q| q.get_ref())
        .chain(file.requires.iter().chain(&file.pass_requires))
}

/// The names a rule's queries may read, with what its facts and links are derived from; `None`
/// when a query may read anything.
fn reads_of(
    kind: ResourceKind,
    file: &RuleFile,
    params: &BTreeMap<String, ParamValue>,
) -> Option<Reads> {
    use crate::model::vocabulary::{FACTS, LINKS, Ref};
    let mut reads = Reads::default();
    for text in query_texts(file) {
        let query = substitute(text, params).ok()?;
        let read = super::query_check::names_read(&query)?;
        reads.names.extend(read.names);
        reads.wholes.extend(read.wholes);
        reads.deep.extend(read.deep);
        // A link requirement (`taskRole`) reads the member naming the linked resource.
        reads.names.insert(text.clone());
    }
    let mut derived = Vec::new();
    for name in &reads.names {
        if let Some(fact) = FACTS.iter().find(|f| f.kind == kind && f.name == name) {
            derived.extend(fact.reads.iter().copied());
        }
        if let Some(link) = LINKS.iter().find(|l| l.kind == kind && l.name == name) {
            match link.from {
                Ref::Member(pointer) | Ref::Members(pointer) => {
                    derived.extend(pointer.split('/').filter(|s| !s.is_empty()))
                }
                Ref::Derived(members) => derived.extend(members.iter().copied()),
            }
        }
    }
    reads.names.extend(derived.into_iter().map(str::to_string));
    Some(reads)
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
    use rayon::prelude::*;
    let empty = BTreeMap::new();
    // On every core: compiling the catalog comes before anything else in a run.
    let compiled: Vec<Result<Rule, RuleError>> = sources
        .par_iter()
        .map(|(source, text)| {
            let file = parse(source, text)?;
            let overrides = overrides.get(&file.id).unwrap_or(&empty);
            // The built-in rules as shipped are checked by the tests (`builtin_rules_pass_the_load_checks`).
            let shipped = overrides.is_empty()
                && EMBEDDED_RULES
                    .iter()
                    .any(|(path, embedded)| path == source && embedded == text);
            compile_parsed(source, text, file, overrides, !shipped)
        })
        .collect();
    let (mut rules, mut errors) = (Vec::new(), Vec::new());
    for result in compiled {
        match result {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a run skips for the rules it ships: each built-in rule, with its own parameters,
    /// passes the checks a rule from a folder gets at every load.
    #[test]
    fn builtin_rules_pass_the_load_checks() {
        assert!(!EMBEDDED_RULES.is_empty());
        for (path, text) in EMBEDDED_RULES {
            if let Err(error) = compile(path, text, &BTreeMap::new()) {
                panic!("{error}");
            }
        }
    }

    /// A rule read from a folder is checked, even at a built-in rule's path: only the texts
    /// shipped are trusted.
    #[test]
    fn rules_not_shipped_are_checked() {
        let (path, text) = EMBEDDED_RULES
            .iter()
            .find(|(_, text)| text.lines().any(|l| l.starts_with("query = ")))
            .unwrap();
        let broken: String = text
            .lines()
            .map(|line| match line.starts_with("query = ") {
                true => "query = '''$..a..b'''",
                false => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        for source in [format!("my-rules/{path}"), path.to_string()] {
            let errors = compile_all(&[(source, broken.clone())], &BTreeMap::new()).unwrap_err();
            assert!(errors[0].reason.contains("descendant"), "{}", errors[0]);
        }
    }

    /// A requirement is judged independent of undecided values only when its query is one path
    /// of names; anything else counts as reading everything.
    #[test]
    fn a_requirement_names_what_it_reads_only_when_it_is_a_path_of_names() {
        let chain = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect());
        assert_eq!(
            chain_of("$._facts.accountId"),
            chain(&["_facts", "accountId"])
        );
        assert_eq!(chain_of("$.networkMode"), chain(&["networkMode"]));
        for other in [
            "$",
            "$..a",
            "$.a[0]",
            "$.a.*",
            "$['a']",
            "$.a[?@.b]",
            "$.1a",
        ] {
            assert_eq!(chain_of(other), None, "{other}");
        }
    }
}
