//! Rules on documents with values the source could not decide (`model::unknown`). A rule is
//! judged only when its decision is the same whatever each undecided value is: each is tried
//! with the values the rule compares with (texts its patterns match among them) and one of every
//! type, alone and all together. Otherwise the rule is not evaluated, and the reason names the
//! values it depends on; unless it judges element by element (`per_element.rs`) and fails in an
//! element that holds none of them, which no value can change.

use super::catalog::{Requirement, Rule};
use super::eval::{Decision, Met, check_requirements, decide, evaluation};
use super::outcome::{Evaluation, Outcome};
use super::per_element::ElementJudge;
use crate::location::Step;
use crate::model::link::Links;
use crate::model::origin::Spans;
use crate::model::unknown::{MayBe, Unknown, replace, restore};
use crate::model::{Estate, facts};
use serde_json::Value;

/// Values tried for undecided values.
pub(super) type Tried<'u> = [(&'u Unknown, Option<Value>)];

/// What a decision is judged by: two decisions that agree on it are the same verdict.
fn verdict(decision: &Decision) -> (Outcome, Vec<&[Step]>) {
    let mut paths: Vec<&[Step]> = decision.violations.iter().map(Vec::as_slice).collect();
    paths.sort();
    (decision.outcome, paths)
}

/// Evaluates `rule` on `doc` (the resource's document as written, `work` a copy to try values
/// in, left as it was found), whose `unknowns` are undecided.
///
/// Each undecided value first takes a value it may have (the base); then each is tried with
/// every value worth trying while the others keep theirs, and finally all together with each
/// literal. A decision that differs from the base's names the values it depends on.
#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate(
    (rule_index, rule): (usize, &Rule),
    (estate, spans): (&Estate, &Spans),
    resource: usize,
    doc: &Value,
    work: &mut Value,
    links: &Links,
    unknowns: &[&Unknown],
) -> Evaluation {
    if unknowns.is_empty() || unmet_whatever(rule, (estate, resource), doc, links, unknowns) {
        let decision = decide(rule, estate, resource, doc, links);
        return evaluation(rule_index, rule, (estate, spans), resource, doc, decision);
    }
    let decide_with = |work: &mut Value, values: &[(&Unknown, Option<Value>)]| {
        with_values((estate, rule.uses_facts), resource, work, values, |work| {
            decide(rule, estate, resource, work, links)
        })
    };
    // What each is tried with, worked out once; the first is its base.
    let candidates: Vec<Vec<Option<Value>>> = unknowns
        .iter()
        .map(|u| u.may_be.candidates(&rule.literals))
        .collect();
    let base: Vec<(&Unknown, Option<Value>)> = unknowns
        .iter()
        .zip(&candidates)
        .map(|(&unknown, tried)| (unknown, base_value(unknown, tried)))
        .collect();
    let base_decision = decide_with(work, &base);
    // Base values in place (no list element is removed for them: the paths stay).
    let slots: Vec<_> = base
        .iter()
        .filter_map(|(unknown, value)| replace(work, &unknown.path, value.clone()))
        .collect();
    // Their facts too, so that a value tried that no fact reads needs no new ones.
    let facts_before = match refreshes((estate, rule.uses_facts), resource, &base) {
        true => refresh_facts(estate, resource, work),
        false => None,
    };
    let base_verdict = verdict(&base_decision);
    let mut on_whole =
        |work: &mut Value, values: &Tried<'_>| verdict(&decide_with(work, values)) != base_verdict;
    let by_element = ElementJudge::new(
        rule,
        (estate, resource),
        work,
        links,
        unknowns,
        &base_decision,
    );
    let depends_on = match &by_element {
        Some(judge) => {
            let tried = (&candidates[..], &base[..]);
            let together = judge.values_meet();
            let found = depends_on(unknowns, tried, together, work, &mut |work, values| {
                judge.differs(work, values)
            });
            if cfg!(debug_assertions) {
                let whole = depends_on(unknowns, tried, true, work, &mut on_whole);
                assert_eq!(found, whole, "{} tried by element", rule.id());
            }
            found
        }
        None => depends_on(unknowns, (&candidates, &base), true, work, &mut on_whole),
    };
    // One condition decides: its failing branch is a finding, said to hold under it.
    let conditional = match depends_on.as_slice() {
        [unknown] => conditional(
            (rule_index, rule),
            (estate, spans),
            resource,
            work,
            unknown,
            &decide_with,
        ),
        _ => None,
    };
    // Elements holding no undecided value select what they select whatever the values are: a
    // violation in one fails the rule, whatever the others turn out to be.
    let certain = match (&by_element, depends_on.is_empty()) {
        (Some(judge), false) if conditional.is_none() => judge.certain(&base_decision),
        _ => Vec::new(),
    };
    // The same whatever the values: shown as written when that is the verdict too, else on
    // the document with the base values (its paths are that document's), while they are in it.
    let as_written = decide(rule, estate, resource, doc, links);
    let decided = conditional.is_none() && depends_on.is_empty();
    let base_evaluation = (decided && verdict(&base_decision) != verdict(&as_written)).then(|| {
        with_values((estate, rule.uses_facts), resource, work, &[], |work| {
            evaluation(
                rule_index,
                rule,
                (estate, spans),
                resource,
                work,
                base_decision,
            )
        })
    });
    put_facts(work, facts_before);
    for slot in slots.into_iter().rev() {
        restore(work, slot);
    }
    if let Some(evaluation) = conditional {
        return evaluation;
    }
    if !certain.is_empty() {
        let decision = Decision {
            outcome: Outcome::Fail,
            reason: None,
            violations: certain,
        };
        return evaluation(rule_index, rule, (estate, spans), resource, doc, decision);
    }
    if !depends_on.is_empty() {
        let reasons: Vec<&str> = depends_on.iter().map(|u| u.why.text()).collect();
        return Evaluation {
            rule: rule_index,
            resource,
            outcome: Outcome::NotEvaluated,
            reason: Some(super::outcome::reason(format!(
                "depends on what the input does not decide: {}",
                reasons.join("; ")
            ))),
            findings: Box::default(),
        };
    }
    match base_evaluation {
        Some(evaluation) => evaluation,
        None => evaluation(rule_index, rule, (estate, spans), resource, doc, as_written),
    }
}

/// The undecided values a decision depends on (see [`evaluate`]): each tried with its values
/// while the others keep their base values, then, when `together`, all together; `differs`
/// tells whether values tried change the decision. `work` holds the base values.
fn depends_on<'u>(
    unknowns: &[&'u Unknown],
    (candidates, base): (&[Vec<Option<Value>>], &Tried<'_>),
    together: bool,
    work: &mut Value,
    differs: &mut dyn FnMut(&mut Value, &Tried<'_>) -> bool,
) -> Vec<&'u Unknown> {
    let mut depends_on: Vec<&Unknown> = Vec::new();
    for ((&unknown, tried), (_, base)) in unknowns.iter().zip(candidates).zip(base) {
        // The base value is in place already: trying it again decides what the base did.
        for candidate in tried.iter().filter(|&candidate| candidate != base).cloned() {
            if differs(work, &[(unknown, candidate)]) {
                depends_on.push(unknown);
                break;
            }
        }
    }
    // All together, the k-th value of each: a rule may need two of them to agree.
    if together && depends_on.is_empty() && unknowns.len() > 1 {
        let rounds = candidates.iter().map(Vec::len).max().unwrap_or(0);
        // The base assignment was decided first.
        let mut tried: Vec<Vec<Option<Value>>> =
            vec![base.iter().map(|(_, value)| value.clone()).collect()];
        for k in 0..rounds {
            let assignment: Vec<Option<Value>> = candidates
                .iter()
                .zip(base)
                .map(|(values, (_, base))| {
                    let value = values.get(k.min(values.len().saturating_sub(1))).cloned();
                    value.flatten().or_else(|| base.clone())
                })
                .collect();
            // Values of a known form repeat: each assignment once.
            if tried.contains(&assignment) {
                continue;
            }
            let together: Vec<(&Unknown, Option<Value>)> = unknowns
                .iter()
                .copied()
                .zip(assignment.iter().cloned())
                .collect();
            tried.push(assignment);
            if differs(work, &together) {
                depends_on.extend(unknowns);
                break;
            }
        }
    }
    depends_on
}

/// Whether the rule's requirements are not met whatever the undecided values are: none of them
/// reads one, so every value tried decides what the document as written decides (the
/// requirements come first), and trying them would only repeat it.
fn unmet_whatever(
    rule: &Rule,
    (estate, resource): (&Estate, usize),
    doc: &Value,
    links: &Links,
    unknowns: &[&Unknown],
) -> bool {
    let kind = estate.resources[resource].kind;
    let settled = |requirement: &Requirement| match requirement {
        Requirement::Link(_) | Requirement::TaskAttributes => true,
        Requirement::Query(_, Some(chain)) | Requirement::Absent(_, Some(chain)) => unknowns
            .iter()
            .all(|unknown| !super::linked::reads(kind, chain, unknown)),
        Requirement::Query(_, None) | Requirement::Absent(_, None) => false,
    };
    rule.requires.iter().all(settled)
        && !matches!(
            check_requirements(&rule.requires, estate, resource, doc, links),
            Met::Yes
        )
}

/// When `unknown` is a condition's value and the rule fails on one branch only: that
/// branch's findings, each saying under which condition it holds.
fn conditional(
    (rule_index, rule): (usize, &Rule),
    (estate, spans): (&Estate, &Spans),
    resource: usize,
    work: &mut Value,
    unknown: &Unknown,
    decide_with: &dyn Fn(&mut Value, &Tried<'_>) -> Decision,
) -> Option<Evaluation> {
    let MayBe::Branches {
        condition,
        when_true,
        when_false,
    } = &unknown.may_be
    else {
        return None;
    };
    let failing: Vec<(bool, &Option<Value>)> = [(true, when_true), (false, when_false)]
        .into_iter()
        .filter(|(_, branch)| {
            decide_with(work, &[(unknown, (*branch).clone())]).outcome == Outcome::Fail
        })
        .collect();
    let [(holds, branch)] = failing.as_slice() else {
        return None;
    };
    let values = [(unknown, (*branch).clone())];
    let decision = decide_with(work, &values);
    let mut evaluation = with_values((estate, rule.uses_facts), resource, work, &values, |work| {
        evaluation(rule_index, rule, (estate, spans), resource, work, decision)
    });
    for finding in &mut evaluation.findings {
        let message = format!(
            "{} (when condition {condition} is {holds})",
            finding.message
        );
        finding.message = message.into_boxed_str();
    }
    Some(evaluation)
}

/// The value an undecided value takes while the others are tried, of those it is `tried` with:
/// the first, a present one for a list element (removing it would move the paths of the
/// others).
fn base_value(unknown: &Unknown, tried: &[Option<Value>]) -> Option<Value> {
    let in_list = matches!(unknown.path.last(), Some(Step::Index(_)));
    match in_list {
        true => tried.iter().flatten().next().cloned(),
        false => tried.first().cloned().flatten(),
    }
}

/// Runs `f` on `work` with `values` in place and the facts derived from them, then puts back
/// what was there.
fn with_values<T>(
    (estate, uses_facts): (&Estate, bool),
    resource: usize,
    work: &mut Value,
    values: &[(&Unknown, Option<Value>)],
    f: impl FnOnce(&mut Value) -> T,
) -> T {
    // Backwards, so removing a list element does not move the earlier ones' paths.
    let slots: Vec<_> = values
        .iter()
        .rev()
        .filter_map(|(unknown, value)| replace(work, &unknown.path, value.clone()))
        .collect();
    let facts = match refreshes((estate, uses_facts), resource, values) {
        true => refresh_facts(estate, resource, work),
        false => None,
    };
    let result = f(work);
    put_facts(work, facts);
    for slot in slots.into_iter().rev() {
        restore(work, slot);
    }
    result
}

/// Whether the facts of a rule that uses them must be derived again for `values`: facts derive
/// from a few members, and a value no fact reads leaves them as they were.
fn refreshes(
    (estate, uses_facts): (&Estate, bool),
    resource: usize,
    values: &[(&Unknown, Option<Value>)],
) -> bool {
    let kind = estate.resources[resource].kind;
    uses_facts
        && values
            .iter()
            .any(|(unknown, _)| crate::model::vocabulary::facts_may_read(kind, &unknown.path))
}

/// Derives the facts of `work` again (they follow from the values tried) and returns the ones
/// it had, for [`put_facts`].
fn refresh_facts(estate: &Estate, resource: usize, work: &mut Value) -> Option<Value> {
    let index = estate.index.as_ref()?;
    let fresh = facts::of(estate, index, resource, work)?;
    match work {
        Value::Object(map) => map.insert("_facts".into(), fresh),
        _ => None,
    }
}

fn put_facts(work: &mut Value, facts: Option<Value>) {
    if let (Some(facts), Value::Object(map)) = (facts, work) {
        map.insert("_facts".into(), facts);
    }
}
