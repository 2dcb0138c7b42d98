//! Runs compiled rules over the estate. Pure: no IO, never fails, parallel per resource.

use super::catalog::{Check, Requirement, Rule};
use super::outcome::{Counts, Evaluation, Finding, Location, Outcome};
use crate::location::{Span, Step, first_line, member_span, normalized_path};
use crate::model::facts;
use crate::model::link::{self, Index, LinkState, Links};
use crate::model::origin::{Spans, Written, path_from_file_root, written_at};
use crate::model::{Estate, Resource};
use jsonpath_rfc9535::{Element, JsonPath};
use rayon::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Evaluates every rule on every resource of its kind, in a stable order (resource, then rule).
pub fn evaluate(rules: &[Rule], estate: &Estate) -> Vec<Evaluation> {
    let per_resource: Vec<Vec<Evaluation>> = (0..estate.resources.len())
        .into_par_iter()
        .map(|resource| evaluate_resource(rules, estate, resource))
        .collect();
    per_resource.into_iter().flatten().collect()
}

/// Like [`evaluate`], keeping only failed and not-evaluated evaluations, with outcome counts per
/// rule for all of them: what a run needs, in memory proportional to its findings.
pub fn evaluate_counted(rules: &[Rule], estate: &Estate) -> (Vec<Evaluation>, Vec<Counts>) {
    let blank = || (Vec::new(), vec![Counts::default(); rules.len()]);
    let (mut kept, counts) = (0..estate.resources.len())
        .into_par_iter()
        .fold(
            blank,
            |(mut kept, mut counts): (Vec<Evaluation>, Vec<Counts>), resource| {
                for evaluation in evaluate_resource(rules, estate, resource) {
                    counts[evaluation.rule].add(&evaluation);
                    if matches!(evaluation.outcome, Outcome::Fail | Outcome::NotEvaluated) {
                        kept.push(evaluation);
                    }
                }
                (kept, counts)
            },
        )
        .reduce(blank, |(mut kept, mut counts), (more, more_counts)| {
            kept.extend(more);
            for (total, part) in counts.iter_mut().zip(&more_counts) {
                total.merge(part);
            }
            (kept, counts)
        });
    kept.sort_by_key(|e| (e.resource, e.rule));
    (kept, counts)
}

fn evaluate_resource(rules: &[Rule], estate: &Estate, resource: usize) -> Vec<Evaluation> {
    let subject = &estate.resources[resource];
    let applicable: Vec<(usize, &Rule)> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == subject.kind)
        .collect();
    if applicable.is_empty() {
        return Vec::new();
    }
    let needs_links = applicable.iter().any(|(_, r)| r.uses_links);
    // Where this resource's findings are placed: each resource scanned at most once or twice.
    let spans = Spans::default();
    if subject.deferred {
        // Parsed now, linked and given its facts, evaluated, and dropped when this returns.
        let mut doc = subject.document(&estate.files);
        let fallback = Index::default();
        let index = estate.index.as_ref().unwrap_or(&fallback);
        let links = link::task_definition_links(estate, index, &doc, subject.origin.file);
        let facts = facts::task_definition_facts(estate, &links, &doc, resource);
        if let Value::Object(map) = &mut doc {
            map.insert("_facts".into(), facts);
        }
        if needs_links {
            attach_links(&mut doc, estate, &links);
        }
        return applicable
            .into_iter()
            .map(|(index, rule)| evaluate_one(index, rule, estate, resource, &doc, &links, &spans))
            .collect();
    }
    let links = &estate.links[resource];
    let linked = needs_links.then(|| {
        let mut doc = subject.doc.clone();
        attach_links(&mut doc, estate, links);
        doc
    });
    applicable
        .into_iter()
        .map(|(index, rule)| {
            let doc = match (&linked, rule.uses_links) {
                (Some(linked), true) => linked,
                _ => &subject.doc,
            };
            evaluate_one(index, rule, estate, resource, doc, links, &spans)
        })
        .collect()
}

/// Puts the linked resources under `_links`, each marked with its origin.
fn attach_links(doc: &mut Value, estate: &Estate, resource_links: &Links) {
    let mut links = serde_json::Map::new();
    for (name, state) in &resource_links.by_name {
        let docs: Vec<Value> = state
            .targets()
            .iter()
            .map(|&target| {
                // A deferred target (a task definition) is parsed from its file here.
                let mut linked = estate.resources[target].document(&estate.files);
                if let Value::Object(map) = &mut linked {
                    map.insert("_origin".into(), json!({"resource": target, "path": []}));
                }
                linked
            })
            .collect();
        let plural = matches!(*name, "subnets" | "securityGroups" | "capacityProviders");
        let value = match (plural, docs.len()) {
            (true, _) => Value::Array(docs),
            (false, 0) => continue,
            (false, _) => docs.into_iter().next().unwrap_or_default(),
        };
        links.insert((*name).to_string(), value);
    }
    if let Value::Object(map) = doc {
        map.insert("_links".into(), Value::Object(links));
    }
}

enum Met {
    Yes,
    /// The rule is about something this resource does not have.
    NotApplicable(String),
    No(String),
}

fn check_requirements(
    requirements: &[Requirement],
    estate: &Estate,
    resource: usize,
    doc: &Value,
    links: &Links,
) -> Met {
    let mut unmet = Vec::new();
    for requirement in requirements {
        match requirement {
            Requirement::TaskAttributes => {
                if estate.resources[resource].partial {
                    unmet.push(
                        "only container definitions were given; task-level fields are unknown"
                            .to_string(),
                    );
                }
            }
            Requirement::Query(query) => {
                if query.query_values(doc).is_empty() {
                    unmet.push("a field the rule needs is absent".to_string());
                }
            }
            Requirement::Absent(query) => {
                if !query.query_values(doc).is_empty() {
                    unmet.push("a linked resource the rule needs is not in the input".to_string());
                }
            }
            Requirement::Link(name) => match links.get(name) {
                None | Some(LinkState::NotReferenced) => {
                    return Met::NotApplicable(format!("no {name}"));
                }
                Some(LinkState::Resolved(_)) => {}
                Some(LinkState::Incomplete { missing, .. }) => {
                    unmet.push(format!("{name} not in the input: {}", missing.join(", ")));
                }
            },
        }
    }
    if unmet.is_empty() {
        Met::Yes
    } else {
        Met::No(unmet.join("; "))
    }
}

fn evaluate_one(
    rule_index: usize,
    rule: &Rule,
    estate: &Estate,
    resource: usize,
    doc: &Value,
    links: &Links,
    spans: &Spans,
) -> Evaluation {
    let done = |outcome, reason: Option<String>, findings| Evaluation {
        rule: rule_index,
        resource,
        outcome,
        reason,
        findings,
    };
    // Requirements first: a rule cannot even decide applicability on data it lacks.
    match check_requirements(&rule.requires, estate, resource, doc, links) {
        Met::Yes => {}
        Met::NotApplicable(reason) => {
            return done(Outcome::NotApplicable, Some(reason), Vec::new());
        }
        Met::No(reason) => return done(Outcome::NotEvaluated, Some(reason), Vec::new()),
    }
    if let Some(applies) = &rule.applies_if
        && applies.query_values(doc).is_empty()
    {
        return done(Outcome::NotApplicable, None, Vec::new());
    }
    let findings = violations(rule_index, rule, estate, resource, doc, spans);
    if !findings.is_empty() {
        return done(Outcome::Fail, None, findings);
    }
    match check_requirements(&rule.pass_requires, estate, resource, doc, links) {
        Met::Yes => done(Outcome::Pass, None, Vec::new()),
        Met::NotApplicable(reason) => done(Outcome::NotApplicable, Some(reason), Vec::new()),
        Met::No(reason) => done(Outcome::NotEvaluated, Some(reason), Vec::new()),
    }
}

fn violations(
    rule_index: usize,
    rule: &Rule,
    estate: &Estate,
    resource: usize,
    doc: &Value,
    spans: &Spans,
) -> Vec<Finding> {
    if let Some(when) = &rule.when
        && when.query_values(doc).is_empty()
    {
        return Vec::new();
    }
    match &rule.check {
        Check::Matches(query) => matches(query, doc)
            .into_iter()
            .map(|(steps, value)| {
                finding(
                    rule_index,
                    rule,
                    (estate, spans),
                    resource,
                    doc,
                    &steps,
                    value,
                )
            })
            .collect(),
        Check::Missing(query) => {
            if query.query_values(doc).is_empty() {
                vec![finding(
                    rule_index,
                    rule,
                    (estate, spans),
                    resource,
                    doc,
                    &[],
                    &Value::Null,
                )]
            } else {
                Vec::new()
            }
        }
    }
}

fn matches<'a>(query: &JsonPath, doc: &'a Value) -> Vec<(Vec<Step>, &'a Value)> {
    query
        .query(doc)
        .iter()
        .map(|node| {
            let steps = node
                .path()
                .elements()
                .into_iter()
                .map(|e| match e {
                    Element::Name(name) => Step::Key(name.to_string()),
                    Element::Index(i) => Step::Index(i),
                })
                .collect();
            (steps, node.value())
        })
        .collect()
}

/// Follows `steps` through the evaluated document and returns the resource and the path inside
/// it where the matched node really comes from (`_origin` markers redirect; `_facts` and
/// `_links` are ecslint's own and never part of a file path).
fn resolve(doc: &Value, resource: usize, steps: &[Step]) -> (usize, Vec<Step>) {
    let mut owner = resource;
    let mut path = Vec::new();
    let mut synthetic = false;
    let mut node = doc;
    for step in steps {
        let next = match step {
            Step::Key(key) => node.get(key),
            Step::Index(i) => node.get(*i),
        };
        let Some(next) = next else { break };
        node = next;
        if let Some(origin) = node.get("_origin").filter(|_| node.is_object())
            && let Some(target) = origin.get("resource").and_then(Value::as_u64)
        {
            {
                owner = target as usize;
                path = origin
                    .get("path")
                    .and_then(Value::as_array)
                    .map(|steps| {
                        steps
                            .iter()
                            .filter_map(|s| match s {
                                Value::String(k) => Some(Step::Key(k.clone())),
                                Value::Number(n) => n.as_u64().map(|i| Step::Index(i as usize)),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                synthetic = false;
                continue;
            }
        }
        if matches!(step, Step::Key(k) if k == "_facts" || k == "_links") {
            synthetic = true;
            continue;
        }
        if !synthetic {
            path.push(step.clone());
        }
    }
    (owner, path)
}

/// A node placed in its file: the span of `path`, or of the nearest enclosing node that exists.
struct Placed {
    file: usize,
    /// The path shown: from the file's root to what was found in an API JSON file; the
    /// document path in a translated resource (its file has another structure).
    steps: Vec<Step>,
    /// False when the node itself was not found and an enclosing node stands for it.
    exact: bool,
    span: Span,
    /// The span is JSON text of the API shape (key-to-value regions and fixes apply).
    json: bool,
}

/// Where a node of `owner`'s document was written, or the nearest enclosing node that is known.
fn place(estate: &Estate, spans: &Spans, owner_index: usize, path: &[Step]) -> Placed {
    let owner = &estate.resources[owner_index];
    let mut used = path.len();
    let written = loop {
        if let Some(written) = written_at(estate, owner_index, &path[..used], spans) {
            break written;
        }
        if used == 0 {
            break Written {
                file: owner.origin.file,
                span: Span {
                    start: owner.origin.start,
                    end: owner.origin.start,
                },
                json: owner.origin.map.is_none(),
            };
        }
        used -= 1;
    };
    let steps = if owner.origin.map.is_some() {
        path[..used].to_vec()
    } else {
        path_from_file_root(owner, &path[..used])
    };
    Placed {
        file: written.file,
        steps,
        exact: used == path.len(),
        span: written.span,
        json: written.json,
    }
}

/// The region a user is shown for a placed node, with its line and column: an object member
/// from its key to the end of its value (`"readonlyRootFilesystem": false`); an array element,
/// a resource or a file root (and, with `first_line_only`, anything) by its first line, not the
/// whole of a 50-line container. A translated node shows what its source chose, first line only
/// when asked.
fn show(estate: &Estate, placed: Placed, first_line_only: bool) -> Location {
    let file = &estate.files[placed.file];
    let text = file.text.as_bytes();
    let span = match placed.steps.last() {
        _ if !placed.json && !first_line_only => placed.span,
        Some(Step::Key(_)) if placed.json && !first_line_only => member_span(text, placed.span),
        _ => first_line(text, placed.span),
    };
    let index = file.line_index();
    Location {
        file: placed.file,
        path: normalized_path(&placed.steps),
        steps: placed.steps,
        exact: placed.exact,
        start: index.line_col(text, span.start),
        end: index.line_col(text, span.end),
        byte_start: span.start,
        byte_end: span.end,
    }
}

fn finding(
    rule_index: usize,
    rule: &Rule,
    (estate, spans): (&Estate, &Spans),
    resource: usize,
    doc: &Value,
    steps: &[Step],
    value: &Value,
) -> Finding {
    let (owner, path) = resolve(doc, resource, steps);
    let owner_resource = &estate.resources[owner];
    let node_placed = place(estate, spans, owner, &path);
    // Fixes edit JSON text: a translated node (a template's YAML) is not fixed in place.
    let node = (node_placed.exact && node_placed.json).then_some(node_placed.span.start);
    let render = |template: &str, shown: &Value| {
        render_message(template, rule, estate, resource, doc, steps, value, shown)
    };
    let (location, message) = match &rule.judged_member {
        None => (
            show(estate, node_placed, false),
            render(&rule.file.message, value),
        ),
        Some(member_query) => {
            let violating = if steps.is_empty() { doc } else { value };
            match matches(member_query, violating).into_iter().next() {
                // The member that decides is there: show it, key to value.
                Some((member_steps, member_value)) => {
                    let full: Vec<Step> = steps.iter().chain(&member_steps).cloned().collect();
                    let (member_owner, member_path) = resolve(doc, resource, &full);
                    let member = place(estate, spans, member_owner, &member_path);
                    (
                        show(estate, member, false),
                        render(&rule.file.message, member_value),
                    )
                }
                // It is absent: the owning object's first line, and a message saying so.
                None => {
                    let absent = rule
                        .file
                        .judged
                        .as_ref()
                        .and_then(|j| j.absent.as_deref())
                        .unwrap_or(&rule.file.message);
                    (show(estate, node_placed, true), render(absent, value))
                }
            }
        }
    };
    // A deferred resource's document exists only here, as the evaluated document.
    let owner_doc = if owner == resource {
        doc
    } else {
        &owner_resource.doc
    };
    // Hashed on the violating node, never on where it is shown: baselines survive a change of
    // location.
    // A sensitive rule's value may be a short secret: hashed with nothing secret beside it, it
    // could be recovered from a SARIF file or a shared baseline by trying every candidate. Its
    // findings are identified by place and name alone.
    let hashed_value = if rule.file.sensitive {
        &Value::Null
    } else {
        value
    };
    let fingerprint = fingerprint(
        rule.id(),
        &estate.resources[resource].id,
        owner_resource,
        owner_doc,
        &path,
        hashed_value,
    );
    Finding {
        rule: rule_index,
        resource,
        message,
        location,
        node,
        fingerprint,
    }
}

/// Stable across reformatting and moved lines: it hashes identities, never positions. Array
/// elements that have a name (containers, variables, volumes) are identified by it, so inserting
/// a container does not renumber the others' findings. A scalar's value is part of it, so changing
/// the offending value makes a new finding.
fn fingerprint(
    rule: &str,
    resource: &str,
    owner: &Resource,
    owner_doc: &Value,
    path: &[Step],
    value: &Value,
) -> String {
    let identity = identity_path(owner_doc, path);
    let value_text = if value.is_object() || value.is_array() {
        String::new()
    } else {
        value.to_string()
    };
    let mut hasher = Sha256::new();
    for part in [
        rule,
        resource,
        owner.id.as_str(),
        identity.as_str(),
        value_text.as_str(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The path with named array elements written by name: `containerDefinitions[name=web].user`.
fn identity_path(doc: &Value, path: &[Step]) -> String {
    const NAME_KEYS: [&str; 5] = ["name", "Name", "key", "Key", "sourceVolume"];
    let mut out = String::new();
    let mut node = Some(doc);
    for step in path {
        let next = match step {
            Step::Key(key) => node.and_then(|n| n.get(key)),
            Step::Index(i) => node.and_then(|n| n.get(*i)),
        };
        let named = match step {
            Step::Index(_) => next.and_then(|element| {
                NAME_KEYS.iter().find_map(|k| {
                    element
                        .get(*k)
                        .and_then(Value::as_str)
                        .map(|v| format!("[{k}={v}]"))
                })
            }),
            Step::Key(_) => None,
        };
        out.push_str(&named.unwrap_or_else(|| step.to_string()));
        node = next;
    }
    out
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `template` with its placeholders filled: `{value}` is `shown` (the judged member's value,
/// else the matched node's), `{match.x}` reads the matched node.
#[allow(clippy::too_many_arguments)]
fn render_message(
    template: &str,
    rule: &Rule,
    estate: &Estate,
    resource: usize,
    doc: &Value,
    steps: &[Step],
    value: &Value,
    shown: &Value,
) -> String {
    let container = match steps {
        [Step::Key(k), Step::Index(i), ..] if k == "containerDefinitions" => doc
            .get(k)
            .and_then(|c| c.get(*i))
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let key = &rest[start + 1..start + end];
        let replacement = match key {
            "resource" => Some(estate.resources[resource].name.clone()),
            "container" => Some(container.clone().unwrap_or_else(|| "?".into())),
            "value" if !rule.file.sensitive => scalar_text(shown),
            "value" => Some("(redacted)".into()),
            _ => {
                if let Some(field) = key.strip_prefix("match.") {
                    value
                        .pointer(&format!("/{}", field.replace('.', "/")))
                        .and_then(scalar_text)
                } else if let Some(param) = key.strip_prefix("param.") {
                    rule.params.get(param).map(|p| p.display())
                } else {
                    None
                }
            }
        };
        out.push_str(&replacement.unwrap_or_else(|| "?".into()));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}
