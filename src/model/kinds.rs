//! One row per resource kind: where such resources sit in API outputs and snapshots, what tells
//! one from a look-alike, and what identifies and names it. Shape detection, snapshot merge, the
//! live reader's snapshot writer and identities all read this table, so a new kind is one row
//! here (plus its links and facts in `vocabulary.rs`).

use super::ResourceKind;
use super::vocabulary::{LINKS, Link};

pub struct KindSpec {
    pub kind: ResourceKind,
    /// The top-level member of list/describe outputs and of snapshots that holds such resources
    /// (`services`, `RoleDetailList`), in snapshot order.
    pub collection: Option<&'static str>,
    /// Top-level members that wrap one such resource (`{"service": {...}}` in create/describe
    /// output, `{"Role": {...}}` in get-role output).
    pub singles: &'static [&'static str],
    /// Members of which a resource has at least one: `"services": ["api"]` is describe-services
    /// input, not a list of services.
    pub identity: &'static [&'static str],
    /// The member that identifies it across files and snapshots (its ARN or EC2 id).
    pub unique: Option<&'static str>,
    /// Members that name it for people, the first present wins.
    pub names: &'static [&'static str],
    /// Its name when no member names it and the file name should not (the default cluster).
    pub unnamed: Option<&'static str>,
}

impl KindSpec {
    /// The links a resource of this kind has, with their targets and cardinality.
    pub fn links(&self) -> impl Iterator<Item = &'static Link> + '_ {
        LINKS.iter().filter(move |link| link.kind == self.kind)
    }
}

const fn spec(kind: ResourceKind) -> KindSpec {
    KindSpec {
        kind,
        collection: None,
        singles: &[],
        identity: &[],
        unique: None,
        names: &[],
        unnamed: None,
    }
}

/// EC2 resources are known by their id everywhere ECS refers to them.
const fn ec2(
    kind: ResourceKind,
    collection: &'static str,
    id: &'static [&'static str],
) -> KindSpec {
    KindSpec {
        collection: Some(collection),
        identity: id,
        unique: Some(id[0]),
        names: id,
        ..spec(kind)
    }
}

pub const KINDS: &[KindSpec] = &[
    KindSpec {
        // The settings of an account and region; detected by their own rules (`settings`,
        // `setting`, `regionalSettings`), named by principal ARN and region.
        ..spec(ResourceKind::Account)
    },
    KindSpec {
        collection: Some("taskDefinitions"),
        singles: &["taskDefinition"],
        identity: &["containerDefinitions", "family", "taskDefinitionArn"],
        unique: Some("taskDefinitionArn"),
        names: &["family"],
        ..spec(ResourceKind::TaskDefinition)
    },
    KindSpec {
        collection: Some("services"),
        singles: &["service"],
        identity: &["serviceName", "serviceArn"],
        unique: Some("serviceArn"),
        // update-service input names its service `service`.
        names: &["serviceName", "service"],
        ..spec(ResourceKind::Service)
    },
    KindSpec {
        collection: Some("clusters"),
        singles: &["cluster"],
        identity: &["clusterName", "clusterArn"],
        unique: Some("clusterArn"),
        names: &["clusterName"],
        unnamed: Some("default"),
        ..spec(ResourceKind::Cluster)
    },
    KindSpec {
        collection: Some("capacityProviders"),
        singles: &["capacityProvider"],
        identity: &["name", "capacityProviderArn"],
        unique: Some("capacityProviderArn"),
        names: &["name"],
        ..spec(ResourceKind::CapacityProvider)
    },
    KindSpec {
        // describe-auto-scaling-groups output; capacity providers name their group by ARN or name.
        collection: Some("AutoScalingGroups"),
        identity: &["AutoScalingGroupName", "AutoScalingGroupARN"],
        unique: Some("AutoScalingGroupARN"),
        names: &["AutoScalingGroupName"],
        ..spec(ResourceKind::AutoScalingGroup)
    },
    KindSpec {
        collection: Some("RoleDetailList"),
        singles: &["Role"],
        identity: &["RoleName", "Arn"],
        unique: Some("Arn"),
        names: &["RoleName"],
        ..spec(ResourceKind::IamRole)
    },
    KindSpec {
        collection: Some("Policies"),
        // get-policy-version output (`PolicyVersion`) does not name its policy: the file does.
        singles: &["Policy", "PolicyVersion"],
        identity: &["PolicyName", "Arn", "Document"],
        unique: Some("Arn"),
        names: &["PolicyName"],
        ..spec(ResourceKind::IamPolicy)
    },
    ec2(ResourceKind::Subnet, "Subnets", &["SubnetId"]),
    ec2(ResourceKind::RouteTable, "RouteTables", &["RouteTableId"]),
    ec2(ResourceKind::SecurityGroup, "SecurityGroups", &["GroupId"]),
    ec2(ResourceKind::Vpc, "Vpcs", &["VpcId"]),
    ec2(
        ResourceKind::InternetGateway,
        "InternetGateways",
        &["InternetGatewayId"],
    ),
    ec2(ResourceKind::NatGateway, "NatGateways", &["NatGatewayId"]),
];

/// The row of `kind`.
pub fn kind_spec(kind: ResourceKind) -> &'static KindSpec {
    KINDS
        .iter()
        .find(|spec| spec.kind == kind)
        .expect("every kind has a row (tested)")
}

/// The kinds held in collections, in snapshot order, with their collection member.
pub fn collections() -> impl Iterator<Item = (&'static KindSpec, &'static str)> {
    KINDS
        .iter()
        .filter_map(|spec| spec.collection.map(|key| (spec, key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row() {
        for kind in ResourceKind::ALL {
            assert_eq!(
                KINDS.iter().filter(|spec| spec.kind == kind).count(),
                1,
                "{kind}"
            );
        }
    }

    #[test]
    fn members_that_tell_a_kind_include_what_identifies_and_names_it() {
        for spec in KINDS {
            for member in spec.unique.iter().chain(spec.names) {
                let single_only = spec.kind == ResourceKind::Service && *member == "service";
                assert!(
                    single_only || spec.identity.contains(member),
                    "{}: {member} is not among its identity members",
                    spec.kind
                );
            }
        }
    }
}
