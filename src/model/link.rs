//! Links between resources: a service to its task definition, cluster, subnets and security
//! groups; a task definition to its roles; everything to the account settings.
//!
//! Every lookup goes through a hash index built once, so linking is linear in the estate size.

pub use super::index::Index;
use super::{Estate, ResourceKind, arn_name, str_field};
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

fn strings_at(value: &Value, pointer: &str) -> Vec<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The capacity providers a service's strategy names.
pub fn strategy_providers(strategy: Option<&Value>) -> Vec<String> {
    strategy
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| str_field(i, "capacityProvider").map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Computes every resource's links.
pub fn link(estate: &Estate, index: &Index) -> Vec<Links> {
    estate
        .resources
        .iter()
        .map(|resource| {
            let doc = &resource.doc;
            let by_name = match resource.kind {
                // Deferred task definitions are linked when they are evaluated.
                ResourceKind::TaskDefinition if resource.deferred => Vec::new(),
                ResourceKind::TaskDefinition => {
                    task_definition_links(estate, index, doc, resource.origin.file).by_name
                }
                ResourceKind::Service => {
                    let cluster_ref =
                        str_field(doc, "clusterArn").or_else(|| str_field(doc, "cluster"));
                    let cluster = one(Some(cluster_ref.unwrap_or("default")), |r| {
                        index
                            .find(ResourceKind::Cluster, r)
                            .or_else(|| index.find(ResourceKind::Cluster, arn_name(r)))
                    });
                    // Without its own strategy a service uses the cluster's default one, unless
                    // it names a launch type.
                    let mut providers = strategy_providers(doc.get("capacityProviderStrategy"));
                    if providers.is_empty() && doc.get("launchType").is_none() {
                        for &c in cluster.targets() {
                            providers = strategy_providers(
                                estate.resources[c]
                                    .doc
                                    .get("defaultCapacityProviderStrategy"),
                            );
                        }
                    }
                    providers.retain(|p| p != "FARGATE" && p != "FARGATE_SPOT");
                    vec![
                        (
                            "taskDefinition",
                            one(str_field(doc, "taskDefinition"), |r| {
                                index.task_definition(r)
                            }),
                        ),
                        ("cluster", cluster),
                        (
                            "subnets",
                            many(
                                strings_at(
                                    doc,
                                    "/networkConfiguration/awsvpcConfiguration/subnets",
                                ),
                                |r| index.find(ResourceKind::Subnet, r),
                            ),
                        ),
                        (
                            "securityGroups",
                            many(
                                strings_at(
                                    doc,
                                    "/networkConfiguration/awsvpcConfiguration/securityGroups",
                                ),
                                |r| index.find(ResourceKind::SecurityGroup, r),
                            ),
                        ),
                        (
                            "capacityProviders",
                            many(providers, |r| index.find(ResourceKind::CapacityProvider, r)),
                        ),
                        (
                            "account",
                            account_link(index, resource.origin.file, Some(&resource.id)),
                        ),
                    ]
                }
                ResourceKind::Cluster => {
                    let mut providers =
                        strategy_providers(doc.get("defaultCapacityProviderStrategy"));
                    providers.extend(strings_at(doc, "/capacityProviders"));
                    providers.sort();
                    providers.dedup();
                    providers.retain(|p| p != "FARGATE" && p != "FARGATE_SPOT");
                    vec![
                        (
                            "capacityProviders",
                            many(providers, |r| index.find(ResourceKind::CapacityProvider, r)),
                        ),
                        (
                            "account",
                            account_link(index, resource.origin.file, Some(&resource.id)),
                        ),
                    ]
                }
                _ => Vec::new(),
            };
            Links { by_name }
        })
        .collect()
}

/// The links of a task definition document.
pub fn task_definition_links(estate: &Estate, index: &Index, doc: &Value, file: usize) -> Links {
    Links {
        by_name: vec![
            (
                "taskRole",
                role_link(estate, index, str_field(doc, "taskRoleArn")),
            ),
            (
                "executionRole",
                role_link(estate, index, str_field(doc, "executionRoleArn")),
            ),
            (
                "account",
                account_link(index, file, str_field(doc, "taskDefinitionArn")),
            ),
        ],
    }
}

/// A role link is incomplete when the role attaches a customer managed policy that is not in
/// the estate: its permissions are then only partly known.
fn role_link(estate: &Estate, index: &Index, reference: Option<&str>) -> LinkState {
    let state = one(reference, |r| index.role(r));
    if let LinkState::Resolved(found) = &state {
        let missing: Vec<String> = super::iam::unresolved_customer_policies(
            estate,
            &estate.resources[found[0]].doc,
            index,
        );
        if !missing.is_empty() {
            return LinkState::Incomplete {
                found: found.clone(),
                missing,
            };
        }
    }
    state
}
