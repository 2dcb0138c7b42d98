//! The facts and links rules may name, declared once: what each resource kind carries under
//! `_facts` and `_links`, with its shape and meaning. Loading a rule checks its queries against
//! this (a typo would otherwise make a rule that never fires), `docs/facts.md` is generated from
//! it, and a test checks that what `facts.rs` computes is declared here.

use super::ResourceKind;

/// A derived fact under `_facts`.
pub struct Fact {
    pub kind: ResourceKind,
    pub name: &'static str,
    /// The JSON shape, in words.
    pub shape: &'static str,
    pub meaning: &'static str,
    /// The members of the document it is derived from (at any depth): a rule reading the fact
    /// reads them. The engine tries values a source left undecided only where a rule reads.
    pub reads: &'static [&'static str],
}

/// A link under `_links`: the resources a document refers to, attached whole.
pub struct Link {
    pub kind: ResourceKind,
    pub name: &'static str,
    pub target: ResourceKind,
    /// An array of resources rather than one.
    pub many: bool,
    /// Where the document names what the link points at.
    pub from: Ref,
    pub meaning: &'static str,
}

/// Where a document names the resources a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// A string member, by JSON pointer: `/taskRoleArn`.
    Member(&'static str),
    /// An array of strings, by JSON pointer: `/networkConfiguration/awsvpcConfiguration/subnets`.
    Members(&'static str),
    /// Worked out by `link.rs` from these members (its `derived` says how): a service's
    /// cluster (`default` when unnamed), an effective capacity provider strategy, the account
    /// settings of the resource's account and region.
    Derived(&'static [&'static str]),
}

use ResourceKind::{
    Account, AutoScalingGroup, CapacityProvider, Cluster, IamRole, SecurityGroup, Service, Subnet,
    TaskDefinition,
};

/// What a service's effective capacity provider strategy is worked out from.
const STRATEGY: &[&str] = &[
    "launchType",
    "capacityProviderStrategy",
    "capacityProvider",
    "base",
    "weight",
    "cluster",
];

pub const FACTS: &[Fact] = &[
    Fact {
        kind: TaskDefinition,
        name: "accountId",
        shape: "string",
        meaning: "the account of the task definition, from its own or its roles' ARNs",
        reads: &["taskDefinitionArn", "taskRoleArn", "executionRoleArn"],
    },
    Fact {
        kind: TaskDefinition,
        name: "fargateSize",
        shape: "{cpu, memory, valid}",
        meaning: "the task size in CPU units and MiB, and whether Fargate offers it",
        reads: &["cpu", "memory", "requiresCompatibilities"],
    },
    Fact {
        kind: TaskDefinition,
        name: "invalidFargateSize",
        shape: "marker (present only when true), located at `memory`",
        meaning: "cpu and memory are not a Fargate size",
        reads: &["cpu", "memory", "requiresCompatibilities"],
    },
    Fact {
        kind: TaskDefinition,
        name: "crossAccountSecrets",
        shape: "[{container, secret, account}], each located at its `valueFrom`",
        meaning: "secrets read from another account than the task definition's",
        reads: &[
            "secrets",
            "valueFrom",
            // The container's name is in the fact.
            "name",
            "taskDefinitionArn",
            "taskRoleArn",
            "executionRoleArn",
        ],
    },
    Fact {
        kind: TaskDefinition,
        name: "accountDefaultLogDriverMode",
        shape: "\"blocking\" | \"non-blocking\"",
        meaning: "the account's defaultLogDriverMode, non-blocking when the account settings are in \
                  the input without it; absent when they are not in the input",
        reads: &["taskDefinitionArn"],
    },
    Fact {
        kind: Service,
        name: "launchType",
        shape: "\"FARGATE\" | \"EC2\" | \"EXTERNAL\"",
        meaning: "the launch type, from the service or its capacity provider strategy (its own or \
                  its cluster's default); absent when unknown",
        reads: &[
            "launchType",
            "capacityProviderStrategy",
            "capacityProvider",
            "cluster",
        ],
    },
    Fact {
        kind: Service,
        name: "capacityProviders",
        shape: "[string]",
        meaning: "the capacity providers the service's effective strategy names",
        reads: &[
            "launchType",
            "capacityProviderStrategy",
            "capacityProvider",
            "cluster",
        ],
    },
    Fact {
        kind: Service,
        name: "usesSpot",
        shape: "boolean",
        meaning: "the effective strategy places some tasks on Spot capacity",
        reads: STRATEGY,
    },
    Fact {
        kind: Service,
        name: "onlySpot",
        shape: "boolean",
        meaning: "the effective strategy places every task on Spot capacity",
        reads: STRATEGY,
    },
    Fact {
        kind: Service,
        name: "availabilityZoneCount",
        shape: "number",
        meaning: "how many Availability Zones the service's subnets span",
        reads: &["networkConfiguration", "awsvpcConfiguration", "subnets"],
    },
    Fact {
        kind: Service,
        name: "subnets",
        shape: "[{id, availabilityZone, public, routeTableKnown, internetRoute}]",
        meaning: "the service's subnets, public when their route table sends 0.0.0.0/0 or ::/0 to an \
                  internet gateway",
        reads: &["networkConfiguration", "awsvpcConfiguration", "subnets"],
    },
    Fact {
        kind: Service,
        name: "openIngress",
        shape: "[{groupId, cidr, ...}], each located at its rule",
        meaning: "security group rules of the service open to the whole internet",
        reads: &[
            "networkConfiguration",
            "awsvpcConfiguration",
            "securityGroups",
        ],
    },
    Fact {
        kind: Cluster,
        name: "containerInsights",
        shape: "\"enabled\" | \"enhanced\" | \"disabled\"",
        meaning: "the cluster's setting, else the account default, else disabled when the account \
                  settings are in the input; absent when unknown",
        reads: &["settings", "name", "value", "clusterArn"],
    },
    Fact {
        kind: Cluster,
        name: "spotCapacityAvailable",
        shape: "boolean",
        meaning: "a Spot capacity provider is attached to the cluster or in its default strategy",
        reads: &[
            "capacityProviders",
            "defaultCapacityProviderStrategy",
            "capacityProvider",
        ],
    },
    Fact {
        kind: IamRole,
        name: "allowStatements",
        shape: "[{policyName, fullAdmin, anyResource, hasCondition, serviceWildcards, \
                passRoleOnAnyResource, allowsNotAction, ...}], each located at its statement",
        meaning: "the role's Allow statements from inline, managed and default-version policies",
        reads: &[
            "RolePolicyList",
            "AttachedManagedPolicies",
            "PolicyArn",
            "PolicyName",
            "PolicyDocument",
            "Statement",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
            "RoleName",
        ],
    },
    Fact {
        kind: IamRole,
        name: "trustWithoutSourceCondition",
        shape: "[statement], each located at its statement",
        meaning: "trust statements letting ECS tasks assume the role without an aws:SourceAccount \
                  or aws:SourceArn condition",
        reads: &[
            "AssumeRolePolicyDocument",
            "Statement",
            "Effect",
            "Principal",
            "Action",
            "Condition",
        ],
    },
];

pub const LINKS: &[Link] = &[
    Link {
        kind: TaskDefinition,
        name: "taskRole",
        target: IamRole,
        many: false,
        from: Ref::Member("/taskRoleArn"),
        meaning: "the role named by taskRoleArn",
    },
    Link {
        kind: TaskDefinition,
        name: "executionRole",
        target: IamRole,
        many: false,
        from: Ref::Member("/executionRoleArn"),
        meaning: "the role named by executionRoleArn",
    },
    Link {
        kind: TaskDefinition,
        name: "account",
        target: Account,
        many: false,
        from: Ref::Derived(&["taskDefinitionArn"]),
        meaning: "the account settings of its account and region",
    },
    Link {
        kind: Service,
        name: "taskDefinition",
        target: TaskDefinition,
        many: false,
        from: Ref::Member("/taskDefinition"),
        meaning: "the task definition it runs",
    },
    Link {
        kind: Service,
        name: "cluster",
        target: Cluster,
        many: false,
        from: Ref::Derived(&["cluster", "clusterArn"]),
        meaning: "its cluster",
    },
    Link {
        kind: Service,
        name: "subnets",
        target: Subnet,
        many: true,
        from: Ref::Members("/networkConfiguration/awsvpcConfiguration/subnets"),
        meaning: "the subnets of its awsvpc configuration",
    },
    Link {
        kind: Service,
        name: "securityGroups",
        target: SecurityGroup,
        many: true,
        from: Ref::Members("/networkConfiguration/awsvpcConfiguration/securityGroups"),
        meaning: "the security groups of its awsvpc configuration",
    },
    Link {
        kind: Service,
        name: "capacityProviders",
        target: CapacityProvider,
        many: true,
        from: Ref::Derived(&[
            "launchType",
            "capacityProviderStrategy",
            "capacityProvider",
            "cluster",
            "clusterArn",
        ]),
        meaning: "the capacity providers of its strategy",
    },
    Link {
        kind: Service,
        name: "account",
        target: Account,
        many: false,
        from: Ref::Derived(&["serviceArn"]),
        meaning: "the account settings of its account and region",
    },
    Link {
        kind: Cluster,
        name: "capacityProviders",
        target: CapacityProvider,
        many: true,
        from: Ref::Derived(&[
            "capacityProviders",
            "defaultCapacityProviderStrategy",
            "capacityProvider",
        ]),
        meaning: "the capacity providers attached to it",
    },
    Link {
        kind: Cluster,
        name: "account",
        target: Account,
        many: false,
        from: Ref::Derived(&["clusterArn"]),
        meaning: "the account settings of its account and region",
    },
    Link {
        kind: CapacityProvider,
        name: "autoScalingGroup",
        target: AutoScalingGroup,
        many: false,
        from: Ref::Member("/autoScalingGroupProvider/autoScalingGroupArn"),
        meaning: "the Auto Scaling group named by autoScalingGroupArn (an ARN or a name)",
    },
];

/// The link names a resource kind has.
pub fn link_names(kind: ResourceKind) -> Vec<&'static str> {
    LINKS
        .iter()
        .filter(|l| l.kind == kind)
        .map(|l| l.name)
        .collect()
}

/// Whether a value at `path` of a `kind` document may change its facts: it is inside a member
/// a fact is derived from (facts read what they name whole: a trust statement's `Condition`,
/// a container's `secrets`). Tested on every fixture (tests/reads.rs).
pub fn facts_may_read(kind: ResourceKind, path: &[crate::location::Step]) -> bool {
    use crate::location::Step;
    let mut keys = path.iter().filter_map(|step| match step {
        Step::Key(key) => Some(key.as_str()),
        Step::Index(_) => None,
    });
    let facts = || FACTS.iter().filter(|f| f.kind == kind);
    path.is_empty() || keys.any(|key| facts().any(|f| f.reads.contains(&key)))
}

/// The fact names a resource kind has.
pub fn fact_names(kind: ResourceKind) -> Vec<&'static str> {
    FACTS
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| f.name)
        .collect()
}

/// Why a query names a fact or link that does not exist for `kind`, if it does: every
/// `_links.L` must be a link of `kind`, and every `_facts.F` a fact of `kind` or, after
/// `_links.L.`, of that link's target.
pub fn unknown_names(kind: ResourceKind, query: &str) -> Option<String> {
    let mut rest = query;
    loop {
        // The next `_links.` or `_facts.`, whichever comes first.
        let (is_link, at) = match (rest.find("_links."), rest.find("_facts.")) {
            (Some(l), Some(f)) => (l < f, l.min(f)),
            (Some(l), None) => (true, l),
            (None, Some(f)) => (false, f),
            (None, None) => return None,
        };
        let after = &rest[at + "_links.".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if is_link {
            let Some(link) = LINKS.iter().find(|l| l.kind == kind && l.name == name) else {
                return Some(format!(
                    "{kind} has no link {name:?}; it has: {}",
                    link_names(kind).join(", ")
                ));
            };
            // `_links.taskRole._facts.x`: the fact is the role's.
            let tail = &after[name.len()..];
            if let Some(fact_part) = tail.strip_prefix("._facts.") {
                let fact: String = fact_part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !fact_names(link.target).contains(&fact.as_str()) {
                    return Some(format!(
                        "{} (the {name} link of {kind}) has no fact {fact:?}; it has: {}",
                        link.target,
                        fact_names(link.target).join(", ")
                    ));
                }
                rest = &fact_part[fact.len()..];
                continue;
            }
            rest = tail;
        } else {
            if !name.is_empty() && !fact_names(kind).contains(&name.as_str()) {
                return Some(format!(
                    "{kind} has no fact {name:?}; it has: {}",
                    fact_names(kind).join(", ")
                ));
            }
            rest = &after[name.len()..];
        }
    }
}

/// The Markdown page of every fact and link (`docs/facts.md`).
pub fn page() -> String {
    let mut out = String::from(
        "# Facts and links rules may use\n\nGenerated from `src/model/vocabulary.rs` \
         (`cargo run -- gen-docs`). A rule naming anything else is refused when it is loaded.\n",
    );
    for kind in ResourceKind::ALL {
        let facts: Vec<&Fact> = FACTS.iter().filter(|f| f.kind == kind).collect();
        let links: Vec<&Link> = LINKS.iter().filter(|l| l.kind == kind).collect();
        if facts.is_empty() && links.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {kind}\n\n"));
        if !facts.is_empty() {
            out.push_str("| `_facts.` | shape | meaning |\n|---|---|---|\n");
            for fact in facts {
                out.push_str(&format!(
                    "| `{}` | {} | {} |\n",
                    fact.name, fact.shape, fact.meaning
                ));
            }
            out.push('\n');
        }
        if !links.is_empty() {
            out.push_str("| `_links.` | resource | named by | meaning |\n|---|---|---|---|\n");
            for link in links {
                let target = if link.many {
                    format!("[{}]", link.target)
                } else {
                    link.target.to_string()
                };
                let from = match link.from {
                    Ref::Member(pointer) | Ref::Members(pointer) => format!("`{pointer}`"),
                    Ref::Derived(_) => "several members".to_string(),
                };
                out.push_str(&format!(
                    "| `{}` | {target} | {from} | {} |\n",
                    link.name, link.meaning
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_that_do_not_exist() {
        assert_eq!(unknown_names(Service, "$._facts.usesSpot == false"), None);
        assert_eq!(
            unknown_names(
                TaskDefinition,
                "$._links.taskRole._facts.allowStatements[*]"
            ),
            None
        );
        assert!(
            unknown_names(Service, "$._facts.usesSpott")
                .unwrap()
                .contains("usesSpott")
        );
        assert!(
            unknown_names(Service, "$._links.role")
                .unwrap()
                .contains("no link")
        );
        assert!(
            unknown_names(TaskDefinition, "$._links.taskRole._facts.allow")
                .unwrap()
                .contains("no fact")
        );
        assert_eq!(
            unknown_names(Service, "$._facts[?$._facts.launchType == 'EC2']"),
            None
        );
    }
}
