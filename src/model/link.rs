//! Links between resources: a service to its task definition, cluster, subnets and security
//! groups; a task definition to its roles; everything to the account settings.
//!
//! Every lookup goes through a hash index built once, so linking is linear in the estate size.

pub use super::index::Index;
use super::kinds::kind_spec;
use super::vocabulary::{Link, Ref};
use super::{Estate, ResourceKind, arn_name, str_field};
use rayon::prelude::*;
use serde_json::Value;

/// The state of one named link of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// The resource does not refer to anything by this link (e.g. no task role).
    NotReferenced,
    /// Every referenced resource is in the estate.
    Resolved(Vec<usize>),
    /// Some referenced resources are in the estate, others (named) are not, or are only partly
    /// known (a role whose customer managed policy is missing).
    Incomplete {
        found: Vec<usize>,
        missing: Vec<String>,
    },
}

impl LinkState {
    pub fn targets(&self) -> &[usize] {
        match self {
            LinkState::NotReferenced => &[],
            LinkState::Resolved(found) | LinkState::Incomplete { found, .. } => found,
        }
    }
}

/// The links of one resource, by link name.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub by_name: Vec<(&'static str, LinkState)>,
}

impl Links {
    pub fn get(&self, name: &str) -> Option<&LinkState> {
        self.by_name
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
    }
}

fn one(reference: Option<&str>, find: impl Fn(&str) -> Option<usize>) -> LinkState {
    many(reference.into_iter().map(str::to_string).collect(), find)
}

fn many(references: Vec<String>, find: impl Fn(&str) -> Option<usize>) -> LinkState {
    if references.is_empty() {
        return LinkState::NotReferenced;
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for reference in references {
        match find(&reference) {
            Some(i) => {
                if !found.contains(&i) {
                    found.push(i);
                }
            }
            None => missing.push(reference),
        }
    }
    if missing.is_empty() {
        LinkState::Resolved(found)
    } else {
        LinkState::Incomplete { found, missing }
    }
}

/// The account settings that apply to a resource: those of its account and region (from its
/// ARN), else those read with it (a snapshot is one account and region), else the estate's only
/// ones. Several and none of these: which apply is unknown.
fn account_link(index: &Index, file: usize, arn: Option<&str>) -> LinkState {
    let regional = arn.and_then(|arn| {
        let mut parts = arn.split(':').skip(3);
        let (region, account) = (parts.next()?, parts.next()?);
        index
            .account_of_region
            .get(&(account.to_string(), region.to_string()))
            .copied()
    });
    let settings = regional
        .or_else(|| index.account_of_file.get(&file).copied())
        .or(index.first_account.filter(|_| index.accounts == 1));
    match settings {
        Some(i) => LinkState::Resolved(vec![i]),
        None => LinkState::Incomplete {
            found: Vec::new(),
            missing: vec![if index.accounts > 1 {
                "account settings of this resource's account and region (list-account-settings output in its file)".into()
            } else {
                "account settings (list-account-settings output)".into()
            }],
        },
    }
}

/// What a member naming a linked resource says: its text, or, for a value the source could not
/// decide (a template's `{"Fn::ImportValue": ...}`), that value written out, which names no
/// resource and so leaves the link incomplete rather than absent.
fn reference(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => match super::unknown::marked(other) {
            Some(why) => Some(format!("undecided ({why})")),
            None => Some(other.to_string()),
        },
    }
}

fn strings_at(value: &Value, pointer: &str) -> Vec<String> {
    match value.pointer(pointer) {
        Some(Value::Array(items)) => items.iter().filter_map(reference).collect(),
        Some(other) => reference(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The capacity providers a service's strategy names.
pub fn strategy_providers(strategy: Option<&Value>) -> Vec<String> {
    strategy
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("capacityProvider").and_then(reference))
                .collect()
        })
        .unwrap_or_default()
}

/// Computes every resource's links, as `vocabulary::LINKS` declares them.
pub fn link(estate: &Estate, index: &Index) -> Vec<Links> {
    estate
        .resources
        .par_iter()
        .map(|resource| {
            // Deferred task definitions are linked when they are evaluated.
            if resource.deferred {
                return Links::default();
            }
            links_of(
                estate,
                index,
                resource.kind,
                &resource.doc,
                resource.origin.file,
            )
        })
        .collect()
}

/// The links of a task definition document (deferred ones are linked when evaluated).
pub fn task_definition_links(estate: &Estate, index: &Index, doc: &Value, file: usize) -> Links {
    links_of(estate, index, ResourceKind::TaskDefinition, doc, file)
}

/// The links of a document of `kind` read from `file`.
fn links_of(estate: &Estate, index: &Index, kind: ResourceKind, doc: &Value, file: usize) -> Links {
    Links {
        by_name: kind_spec(kind)
            .links()
            .map(|link| {
                let state = match link.from {
                    Ref::Member(pointer) => {
                        let named = doc.pointer(pointer).and_then(reference);
                        by_target(estate, index, link.target, named.into_iter().collect())
                    }
                    Ref::Members(pointer) => {
                        by_target(estate, index, link.target, strings_at(doc, pointer))
                    }
                    Ref::Derived(_) => derived(estate, index, link, doc, file),
                };
                (link.name, state)
            })
            .collect(),
    }
}

/// The resources of kind `target` that `references` name.
fn by_target(
    estate: &Estate,
    index: &Index,
    target: ResourceKind,
    references: Vec<String>,
) -> LinkState {
    let state = many(references, |r| match target {
        ResourceKind::TaskDefinition => index.task_definition(r),
        ResourceKind::IamRole => index.role(r),
        ResourceKind::AutoScalingGroup => index
            .find(target, r)
            .or_else(|| index.find(target, super::auto_scaling_group_name(r))),
        _ => index
            .find(target, r)
            .or_else(|| index.find(target, arn_name(r))),
    });
    match target {
        ResourceKind::IamRole => complete_role(estate, index, state),
        _ => state,
    }
}

/// The links no single member names.
fn derived(estate: &Estate, index: &Index, link: &Link, doc: &Value, file: usize) -> LinkState {
    match (link.kind, link.name) {
        (_, "account") => {
            let own_arn = kind_spec(link.kind).unique.and_then(|m| str_field(doc, m));
            account_link(index, file, own_arn)
        }
        (ResourceKind::Service, "cluster") => service_cluster(index, doc),
        (ResourceKind::Service, "capacityProviders") => {
            // Without its own strategy a service uses its cluster's default one, unless it
            // names a launch type.
            let mut providers = strategy_providers(doc.get("capacityProviderStrategy"));
            if providers.is_empty() && doc.get("launchType").is_none() {
                for &c in service_cluster(index, doc).targets() {
                    providers = strategy_providers(
                        estate.resources[c]
                            .doc
                            .get("defaultCapacityProviderStrategy"),
                    );
                }
            }
            providers.retain(|p| p != "FARGATE" && p != "FARGATE_SPOT");
            by_target(estate, index, link.target, providers)
        }
        (ResourceKind::Cluster, "capacityProviders") => {
            let mut providers = strategy_providers(doc.get("defaultCapacityProviderStrategy"));
            providers.extend(strings_at(doc, "/capacityProviders"));
            providers.sort();
            providers.dedup();
            providers.retain(|p| p != "FARGATE" && p != "FARGATE_SPOT");
            by_target(estate, index, link.target, providers)
        }
        // A declared link without a resolver: a test walks every declaration.
        _ => LinkState::NotReferenced,
    }
}

/// A service's cluster: the one it names (ARN or name), else the account's `default` cluster.
fn service_cluster(index: &Index, doc: &Value) -> LinkState {
    let named = str_field(doc, "clusterArn").or_else(|| str_field(doc, "cluster"));
    one(Some(named.unwrap_or("default")), |r| {
        index
            .find(ResourceKind::Cluster, r)
            .or_else(|| index.find(ResourceKind::Cluster, arn_name(r)))
    })
}

/// A role link is incomplete when the role attaches a customer managed policy that is not in
/// the estate: its permissions are then only partly known.
fn complete_role(estate: &Estate, index: &Index, state: LinkState) -> LinkState {
    if let LinkState::Resolved(found) = &state
        && let Some(&role) = found.first()
    {
        let missing: Vec<String> =
            super::iam::unresolved_customer_policies(estate, &estate.resources[role].doc, index);
        if !missing.is_empty() {
            return LinkState::Incomplete {
                found: found.clone(),
                missing,
            };
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::super::vocabulary::LINKS;
    use super::*;

    /// Every link declared as derived has its resolver in `derived`: one whose references are
    /// absent says NotReferenced, or Incomplete for account settings, but one without a
    /// resolver would say NotReferenced even when the document names a target.
    #[test]
    fn every_derived_link_has_a_resolver() {
        let estate = Estate::default();
        let index = Index::build(&estate);
        let doc = serde_json::json!({
            "capacityProviders": ["cp"],
            "capacityProviderStrategy": [{"capacityProvider": "cp"}],
        });
        for link in LINKS.iter().filter(|l| matches!(l.from, Ref::Derived(_))) {
            let state = derived(&estate, &index, link, &doc, 0);
            assert_ne!(
                state,
                LinkState::NotReferenced,
                "{} {}: no resolver",
                link.kind,
                link.name
            );
        }
    }
}
