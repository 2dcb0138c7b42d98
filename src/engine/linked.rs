//! Rules that read linked resources with values their source could not decide. A rule's own
//! document's undecided values are tried (`undecided.rs`); a linked resource's are not, so a
//! rule that passes while reading one that may change what it reads (a task role's policy
//! statement whose `Resource` is a parameter without a value) is not evaluated instead: never
//! a pass the template does not decide.

use super::catalog::Rule;
use crate::location::Step;
use crate::model::link::Links;
use crate::model::unknown::Unknown;
use crate::model::vocabulary::{FACTS, Fact};
use crate::model::{Estate, ResourceKind};

/// Why `rule`, which passed, may not pass whatever the undecided values of the resources it
/// reads through `links` are; `None` when none of them is read.
pub(super) fn doubt(rule: &Rule, estate: &Estate, links: &Links) -> Option<String> {
    let link_reads: Option<Vec<_>> = rule.link_reads.as_ref().map(|r| r.iter().collect());
    for (name, state) in &links.by_name {
        // The member chains the rule reads after `_links.NAME` (`None`: all of it).
        let Some(chains) = super::eval::read_of_link(link_reads.as_deref(), name) else {
            continue;
        };
        for (target, role) in reached(estate, state.targets()) {
            let resource = &estate.resources[target];
            let Some(map) = &resource.origin.map else {
                continue;
            };
            let read = map.unknowns.iter().find(|unknown| match (&chains, role) {
                (None, _) => true,
                // A managed policy is read by the role's facts that read its attachments.
                (Some(chains), Some(_)) => chains.iter().any(|chain| {
                    fact_of(ResourceKind::IamRole, chain)
                        .is_some_and(|f| f.reads.contains(&"AttachedManagedPolicies"))
                }),
                (Some(chains), None) => chains
                    .iter()
                    .any(|chain| reads(resource.kind, chain, unknown)),
            });
            if let Some(unknown) = read {
                let whose = match role {
                    Some(role) => {
                        format!("{name} {}'s managed policy", estate.resources[role].name)
                    }
                    None => name.to_string(),
                };
                return Some(format!(
                    "its {whose} {} has a value the template does not decide: {}",
                    resource.name,
                    unknown.why.text()
                ));
            }
        }
    }
    None
}

/// The linked resources, and the customer managed policies of linked roles (their facts are
/// derived from those too), each with the role it is reached through.
fn reached(estate: &Estate, targets: &[usize]) -> Vec<(usize, Option<usize>)> {
    let mut out: Vec<(usize, Option<usize>)> = targets.iter().map(|&t| (t, None)).collect();
    let Some(index) = &estate.index else {
        return out;
    };
    for &target in targets {
        let resource = &estate.resources[target];
        if resource.kind != ResourceKind::IamRole {
            continue;
        }
        let attached = resource.doc.get("AttachedManagedPolicies");
        let arns = attached
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.get("PolicyArn")?.as_str());
        out.extend(
            arns.filter_map(|arn| index.find(ResourceKind::IamPolicy, arn))
                .map(|policy| (policy, Some(target))),
        );
    }
    out
}

/// The fact a chain read after a link names (`_facts.allowStatements...`), of a `kind` document.
fn fact_of(kind: ResourceKind, chain: &[String]) -> Option<&'static Fact> {
    match chain {
        [facts, fact, ..] if facts == "_facts" => {
            FACTS.iter().find(|f| f.kind == kind && f.name == fact)
        }
        _ => None,
    }
}

/// Whether reading `chain` of a linked `kind` document may read `unknown`: a member chain
/// that leads to it or into it, or a fact derived from it.
pub(super) fn reads(kind: ResourceKind, chain: &[String], unknown: &Unknown) -> bool {
    let keys: Vec<&str> = unknown
        .path
        .iter()
        .filter_map(|step| match step {
            Step::Key(key) => Some(key.as_str()),
            Step::Index(_) => None,
        })
        .collect();
    match chain {
        [facts, _, ..] if facts == "_facts" => {
            let Some(derived) = fact_of(kind, chain) else {
                return true;
            };
            // A top-level member some fact of the kind reads is read by this one only if it
            // names it (a role's trust policy is not its permissions); below it, any member
            // named may be read, at any depth.
            let Some(&top) = keys.first() else {
                return true;
            };
            let known_top = FACTS
                .iter()
                .any(|f| f.kind == kind && f.reads.contains(&top));
            match known_top {
                true => derived.reads.contains(&top),
                false => keys.iter().any(|key| derived.reads.contains(key)),
            }
        }
        _ => chain.iter().zip(&keys).all(|(wanted, key)| wanted == key),
    }
}
