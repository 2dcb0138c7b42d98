//! Runs compiled rules over the estate. Pure: no IO, never fails, parallel per resource.

use super::catalog::{Check, Requirement, Rule};
use super::finding::finding;
use super::outcome::{Counts, Evaluation, Outcome};
use super::query_check::LinkRead;
use super::read_index::{PathNames, ReadIndex};
use super::undecided;
use crate::location::Step;
use crate::model::Estate;
use crate::model::facts;
use crate::model::link::{self, Index, LinkState, Links};
use crate::model::origin::Spans;
use crate::model::unknown::Unknown;
use jsonpath_rfc9535::{Element, JsonPath};
use rayon::prelude::*;
use serde_json::{Value, json};

/// Evaluates every rule on every resource of its kind, in a stable order (resource, then rule).
pub fn evaluate(rules: &[Rule], estate: &Estate) -> Vec<Evaluation> {
    let read_index = ReadIndex::new(rules);
    let per_resource: Vec<Vec<Evaluation>> = (0..estate.resources.len())
        .into_par_iter()
        .map(|resource| evaluate_resource((rules, &read_index), estate, resource))
        .collect();
    per_resource.into_iter().flatten().collect()
}

/// Like [`evaluate`], keeping only failed and not-evaluated evaluations, with outcome counts per
/// rule for all of them: what a run needs, in memory proportional to its findings.
///
/// With `release_texts`, the text of a file of task definitions that are parsed again when
/// evaluated is released once they are ([`crate::model::SourceFile::release_text`]): a large
/// estate is mostly such texts, and only a report that quotes it reads one again.
pub fn evaluate_counted(
    rules: &[Rule],
    estate: &Estate,
    release_texts: bool,
) -> (Vec<Evaluation>, Vec<Counts>) {
    let read_index = ReadIndex::new(rules);
    let left = match release_texts {
        true => deferred_left(estate),
        false => Vec::new(),
    };
    let blank = || (Vec::new(), vec![Counts::default(); rules.len()]);
    let (mut kept, counts) = (0..estate.resources.len())
        .into_par_iter()
        .fold(
            blank,
            |(mut kept, mut counts): (Vec<Evaluation>, Vec<Counts>), resource| {
                for evaluation in evaluate_resource((rules, &read_index), estate, resource) {
                    counts[evaluation.rule].add(&evaluation);
                    if matches!(evaluation.outcome, Outcome::Fail | Outcome::NotEvaluated) {
                        kept.push(evaluation);
                    }
                }
                let file = estate.resources[resource].origin.file;
                if let Some(Some(left)) = left.get(file)
                    && left.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1
                {
                    estate.files[file].release_text();
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

/// For each file whose resources are all deferred task definitions, how many of them are left
/// to evaluate; `None` for the others, whose texts are kept (their documents are held, and
/// other resources' findings may be placed in them as in theirs).
fn deferred_left(estate: &Estate) -> Vec<Option<std::sync::atomic::AtomicUsize>> {
    let mut left: Vec<Option<usize>> = vec![Some(0); estate.files.len()];
    for resource in &estate.resources {
        let file = &mut left[resource.origin.file];
        *file = file.filter(|_| resource.deferred).map(|n| n + 1);
    }
    left.into_iter()
        .map(|n| {
            n.filter(|n| *n > 0)
                .map(std::sync::atomic::AtomicUsize::new)
        })
        .collect()
}

fn evaluate_resource(
    (rules, read_index): (&[Rule], &ReadIndex<'_>),
    estate: &Estate,
    resource: usize,
) -> Vec<Evaluation> {
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
    // What of the linked resources any of these rules reads (`None`: anything).
    let link_reads: Option<Vec<&LinkRead>> = applicable
        .iter()
        .filter(|(_, r)| r.uses_links)
        .map(|(_, r)| r.link_reads.as_ref())
        .collect::<Option<Vec<_>>>()
        .map(|reads| reads.into_iter().flatten().collect());
    let link_reads = link_reads.as_deref();
    if subject.deferred {
        // Parsed now, linked and given its facts, evaluated, and dropped when this returns;
        // its findings are placed with the span tree read with it.
        let (mut doc, tree) = subject.document_with_tree(&estate.files);
        let spans = Spans::with_tree(resource, tree);
        let fallback = Index::default();
        let index = estate.index.as_ref().unwrap_or(&fallback);
        let links = link::task_definition_links(estate, index, &doc, subject.origin.file);
        let facts = facts::task_definition_facts(estate, &links, &doc, resource);
        if let Value::Object(map) = &mut doc {
            map.insert("_facts".into(), facts);
        }
        if needs_links {
            attach_links(&mut doc, estate, &links, link_reads);
        }
        return applicable
            .into_iter()
            .map(|(index, rule)| {
                let evaluation = evaluate_one(index, rule, estate, resource, &doc, &links, &spans);
                doubted(evaluation, rule, estate, &links)
            })
            .collect();
    }
    // Where this resource's findings are placed: each resource scanned at most once or twice.
    let spans = Spans::default();
    let links = &estate.links[resource];
    let with_links = |mut doc: Value| {
        attach_links(&mut doc, estate, links, link_reads);
        doc
    };
    // What of its own document the rules that read links read (`None`: anything): they run
    // on a copy of those members alone, not of the whole document.
    let roots: Option<Vec<&str>> = applicable
        .iter()
        .filter(|(_, r)| r.uses_links)
        .map(|(_, r)| r.roots_read.as_deref())
        .collect::<Option<Vec<_>>>()
        .map(|roots| roots.into_iter().flatten().map(String::as_str).collect());
    let linked = needs_links.then(|| {
        with_links(match &roots {
            Some(roots) => root_members(&subject.doc, roots),
            None => subject.doc.clone(),
        })
    });
    // The whole document with its links, for a rule that tries undecided values (their facts
    // are derived again from the whole), made when one does.
    let mut whole_linked: Option<Value> = None;
    let unknowns = subject
        .origin
        .map
        .as_ref()
        .map_or(&[][..], |map| map.unknowns.as_slice());
    let names: Vec<PathNames> = unknowns.iter().map(|u| read_index.names(&u.path)).collect();
    // Copies to try undecided values in, made once per resource when a rule reads one.
    let (mut work, mut linked_work) = (None, None);
    applicable
        .into_iter()
        .map(|(index, rule)| {
            let doc = match (&linked, rule.uses_links) {
                (Some(linked), true) => linked,
                _ => &subject.doc,
            };
            // Only what the rule may read can change what it decides.
            let read: Vec<&Unknown> = unknowns
                .iter()
                .zip(&names)
                .filter(|(_, names)| read_index.may_read(index, names))
                .map(|(unknown, _)| unknown)
                .collect();
            if read.is_empty() {
                let evaluation = evaluate_one(index, rule, estate, resource, doc, links, &spans);
                return doubted(evaluation, rule, estate, links);
            }
            let (doc, work) = match (rule.uses_links, &roots) {
                (true, Some(_)) => {
                    let whole =
                        &*whole_linked.get_or_insert_with(|| with_links(subject.doc.clone()));
                    (whole, linked_work.get_or_insert_with(|| whole.clone()))
                }
                (true, None) => (doc, linked_work.get_or_insert_with(|| doc.clone())),
                (false, _) => (doc, work.get_or_insert_with(|| doc.clone())),
            };
            let evaluation = undecided::evaluate(
                (index, rule),
                (estate, &spans),
                resource,
                doc,
                work,
                links,
                &read,
            );
            doubted(evaluation, rule, estate, links)
        })
        .collect()
}

/// A pass of a rule that reads a linked resource's value its source left undecided is not
/// evaluated (see `linked.rs`).
fn doubted(mut evaluation: Evaluation, rule: &Rule, estate: &Estate, links: &Links) -> Evaluation {
    if rule.uses_links
        && evaluation.outcome == Outcome::Pass
        && let Some(why) = super::linked::doubt(rule, estate, links)
    {
        evaluation.outcome = Outcome::NotEvaluated;
        evaluation.reason = Some(super::outcome::reason(why));
    }
    evaluation
}

/// What `reads` read of link `name`: `None` when nothing, `Some(None)` when all of it, else the
/// member chains after `_links.NAME`.
pub(super) fn read_of_link<'r>(
    reads: Option<&[&'r LinkRead]>,
    name: &str,
) -> Option<Option<Vec<&'r [String]>>> {
    let Some(reads) = reads else {
        return Some(None);
    };
    let chains: Vec<&[String]> = reads
        .iter()
        .filter(|(link, _)| link == name)
        .map(|(_, chain)| chain.as_slice())
        .collect();
    if chains.is_empty() {
        return None;
    }
    Some((!chains.iter().any(|chain| chain.is_empty())).then_some(chains))
}

/// Puts the linked resources under `_links`, each marked with its origin: of each, only the
/// parts `reads` says the rules read (all of it when `None`). A service's task definition is
/// otherwise copied whole to read one member.
fn attach_links(
    doc: &mut Value,
    estate: &Estate,
    resource_links: &Links,
    reads: Option<&[&LinkRead]>,
) {
    let mut links = serde_json::Map::new();
    for (name, state) in &resource_links.by_name {
        let Some(chains) = read_of_link(reads, name) else {
            continue;
        };
        let docs: Vec<Value> = state
            .targets()
            .iter()
            .map(|&target| {
                let resource = &estate.resources[target];
                let mut linked = match (&chains, resource.deferred) {
                    (Some(chains), false) => parts(&resource.doc, chains),
                    (Some(chains), true) => parts(&resource.document(&estate.files), chains),
                    // A deferred target (a task definition) is parsed from its file here.
                    (None, _) => resource.document(&estate.files),
                };
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

/// The members of `doc`'s root named in `roots`, in the document's order.
fn root_members(doc: &Value, roots: &[&str]) -> Value {
    let Value::Object(map) = doc else {
        return doc.clone();
    };
    let kept = map
        .iter()
        .filter(|(key, _)| roots.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()));
    Value::Object(kept.collect())
}

/// The members of `doc` at the end of each of `chains` (member names from its root), with
/// the objects around them: what a query that reads no more sees of it.
fn parts(doc: &Value, chains: &[&[String]]) -> Value {
    let mut out = Value::Object(serde_json::Map::new());
    for chain in chains {
        let Some((last, within)) = chain.split_last() else {
            continue;
        };
        let Some(value) = chain.iter().try_fold(doc, |node, key| node.get(key)) else {
            continue;
        };
        let mut node = &mut out;
        for key in within {
            let Value::Object(map) = node else { break };
            node = map
                .entry(key.clone())
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
        }
        if let Value::Object(map) = node {
            map.insert(last.clone(), value.clone());
        }
    }
    out
}

pub(super) enum Met {
    Yes,
    /// The rule is about something this resource does not have.
    NotApplicable(String),
    No(String),
}

pub(super) fn check_requirements(
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
            Requirement::Query(query, _) => {
                if query.query_values(doc).is_empty() {
                    unmet.push("a field the rule needs is absent".to_string());
                }
            }
            Requirement::Absent(query, _) => {
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

/// What a rule decides on one document, before its findings are placed: the outcome, why, and
/// the paths of the nodes that violate it (their values are read from the same document when
/// the findings are made: a violating container is not copied to be judged).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Decision {
    pub outcome: Outcome,
    pub reason: Option<String>,
    pub violations: Vec<Vec<Step>>,
}

pub(super) fn decide(
    rule: &Rule,
    estate: &Estate,
    resource: usize,
    doc: &Value,
    links: &Links,
) -> Decision {
    let done = |outcome, reason: Option<String>, violations| Decision {
        outcome,
        reason,
        violations,
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
    let violations = violations(rule, doc);
    if !violations.is_empty() {
        return done(Outcome::Fail, None, violations);
    }
    match check_requirements(&rule.pass_requires, estate, resource, doc, links) {
        Met::Yes => done(Outcome::Pass, None, Vec::new()),
        Met::NotApplicable(reason) => done(Outcome::NotApplicable, Some(reason), Vec::new()),
        Met::No(reason) => done(Outcome::NotEvaluated, Some(reason), Vec::new()),
    }
}

/// A decision made into an evaluation: each violation placed, worded and fingerprinted.
pub(super) fn evaluation(
    rule_index: usize,
    rule: &Rule,
    (estate, spans): (&Estate, &Spans),
    resource: usize,
    doc: &Value,
    decision: Decision,
) -> Evaluation {
    let findings = decision
        .violations
        .iter()
        .map(|steps| {
            let value = violating_value(rule, doc, steps);
            finding(
                rule_index,
                rule,
                (estate, spans),
                resource,
                doc,
                steps,
                value,
            )
        })
        .collect();
    Evaluation {
        rule: rule_index,
        resource,
        outcome: decision.outcome,
        reason: decision.reason.map(super::outcome::reason),
        findings,
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
    let decision = decide(rule, estate, resource, doc, links);
    evaluation(rule_index, rule, (estate, spans), resource, doc, decision)
}

/// The value a violation at `steps` is judged and worded by: the matched node, or null for a
/// rule whose required field is missing (its violation is the document itself).
fn violating_value<'a>(rule: &Rule, doc: &'a Value, steps: &[Step]) -> &'a Value {
    static NULL: Value = Value::Null;
    if matches!(rule.check, Check::Missing(_)) {
        return &NULL;
    }
    crate::model::unknown::pointer(doc, steps).unwrap_or(&NULL)
}

/// The paths of the nodes of `doc` that violate the rule: its query's matches, or the document
/// itself when what the rule requires is missing.
fn violations(rule: &Rule, doc: &Value) -> Vec<Vec<Step>> {
    if let Some(when) = &rule.when
        && when.query_values(doc).is_empty()
    {
        return Vec::new();
    }
    match &rule.check {
        Check::Matches(query) => matches(query, doc)
            .into_iter()
            .map(|(steps, _)| steps)
            .collect(),
        Check::Missing(query) => {
            if query.query_values(doc).is_empty() {
                vec![Vec::new()]
            } else {
                Vec::new()
            }
        }
    }
}

pub(super) fn matches<'a>(query: &JsonPath, doc: &'a Value) -> Vec<(Vec<Step>, &'a Value)> {
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
