//! Hash indexes over the estate: every name a resource is referred to by (ARNs, names,
//! `family:revision`, ids), built once; linking and IAM policy resolution look resources up here.

use super::{Estate, ResourceKind, arn_name, str_field};
use crate::location::Step;
use serde_json::Value;
use std::collections::HashMap;

/// Hash indexes over the estate, by every name a resource is referred to by.
#[derive(Debug, Default)]
pub struct Index {
    pub(super) by_key: HashMap<(ResourceKind, String), usize>,
    pub(super) latest_revision: HashMap<String, (i64, usize)>,
    pub(super) route_table_of_subnet: HashMap<String, usize>,
    pub(super) main_route_table_of_vpc: HashMap<String, usize>,
    pub(super) inline_policies_of_role: HashMap<String, Vec<usize>>,
    /// The account settings read from each file (a snapshot holds one account and region's).
    pub(super) account_of_file: HashMap<usize, usize>,
    /// By (account, region), for resources known by ARN.
    pub(super) account_of_region: HashMap<(String, String), usize>,
    pub(super) accounts: usize,
    pub(super) first_account: Option<usize>,
}

impl Index {
    pub fn build(estate: &Estate) -> Self {
        let mut index = Index {
            by_key: HashMap::new(),
            latest_revision: HashMap::new(),
            route_table_of_subnet: HashMap::new(),
            main_route_table_of_vpc: HashMap::new(),
            inline_policies_of_role: HashMap::new(),
            account_of_file: HashMap::new(),
            account_of_region: HashMap::new(),
            accounts: 0,
            first_account: None,
        };
        for (i, resource) in estate.resources.iter().enumerate() {
            let doc = &resource.doc;
            let mut add = |key: &str| {
                index
                    .by_key
                    .entry((resource.kind, key.to_string()))
                    .or_insert(i);
            };
            add(&resource.id);
            add(&resource.name);
            match resource.kind {
                ResourceKind::TaskDefinition => {
                    // The name is `family:revision` (or the family alone), also for deferred ones.
                    let (family, revision) = match resource.name.rsplit_once(':') {
                        Some((family, revision)) if revision.parse::<i64>().is_ok() => {
                            (family, revision.parse().unwrap_or(0))
                        }
                        _ => (resource.name.as_str(), 0),
                    };
                    if str_field(doc, "family").is_some() || resource.deferred {
                        let entry = index
                            .latest_revision
                            .entry(family.to_string())
                            .or_insert((revision, i));
                        if revision > entry.0 {
                            *entry = (revision, i);
                        }
                    }
                }
                ResourceKind::Cluster => {
                    if let Some(arn) = str_field(doc, "clusterArn") {
                        add(arn_name(arn));
                    }
                }
                ResourceKind::IamPolicy => {
                    if let Some(role) = str_field(doc, "RoleName") {
                        index
                            .inline_policies_of_role
                            .entry(role.to_string())
                            .or_default()
                            .push(i);
                    }
                }
                ResourceKind::RouteTable => {
                    for association in doc
                        .get("Associations")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(subnet) = str_field(association, "SubnetId") {
                            index.route_table_of_subnet.insert(subnet.to_string(), i);
                        }
                        if association.get("Main").and_then(Value::as_bool) == Some(true)
                            && let Some(vpc) = str_field(doc, "VpcId")
                        {
                            index.main_route_table_of_vpc.insert(vpc.to_string(), i);
                        }
                    }
                }
                ResourceKind::Account => {
                    let merged =
                        resource.origin.base.first() == Some(&Step::Key("regionalSettings".into()));
                    if !merged {
                        index
                            .account_of_file
                            .entry(resource.origin.file)
                            .or_insert(i);
                    }
                    let account = resource.id.split('/').nth(1);
                    if let (Some(account), Some(region)) = (account, str_field(doc, "region")) {
                        index
                            .account_of_region
                            .insert((account.to_string(), region.to_string()), i);
                    }
                    index.first_account.get_or_insert(i);
                    index.accounts += 1;
                }
                _ => {}
            }
        }
        index
    }

    pub fn find(&self, kind: ResourceKind, key: &str) -> Option<usize> {
        self.by_key.get(&(kind, key.to_string())).copied()
    }

    /// A task definition by ARN, `family:revision`, or `family` (the latest revision given).
    pub fn task_definition(&self, reference: &str) -> Option<usize> {
        if let Some(found) = self.find(ResourceKind::TaskDefinition, reference) {
            return Some(found);
        }
        let short = arn_name(reference);
        self.find(ResourceKind::TaskDefinition, short)
            .or_else(|| self.latest_revision.get(short).map(|(_, i)| *i))
    }

    /// A role by ARN or name (roles are referred to by ARN, possibly with a path).
    pub fn role(&self, reference: &str) -> Option<usize> {
        self.find(ResourceKind::IamRole, reference)
            .or_else(|| self.find(ResourceKind::IamRole, arn_name(reference)))
    }

    pub fn route_table_for(&self, subnet: &str, vpc: Option<&str>) -> Option<usize> {
        self.route_table_of_subnet
            .get(subnet)
            .or_else(|| vpc.and_then(|v| self.main_route_table_of_vpc.get(v)))
            .copied()
    }

    pub fn inline_policies(&self, role_name: &str) -> &[usize] {
        self.inline_policies_of_role
            .get(role_name)
            .map_or(&[], Vec::as_slice)
    }
}
