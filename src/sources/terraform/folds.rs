//! Resources that complete another, folded into its arguments before it is mapped, as the API's
//! describe output lists them: a role's `aws_iam_role_policy` (inline) and
//! `aws_iam_role_policy_attachment`; a route table's `aws_route` and associations; a security
//! group's `aws_security_group_rule` and `aws_vpc_security_group_*_rule`; an internet gateway's
//! attachment. Each entry is placed at the resource that adds it.

use super::eval::Evaluator;
use super::instances::{self, Instance};
use super::resources::{header_at, text_of};
use super::value::{At, Node, Val};

/// A resource type that completes another: the type it completes, the argument naming it,
/// and what it adds (the owner's argument and the entry, from its own arguments).
struct Fold {
    kind: &'static str,
    owner: &'static str,
    names_owner: &'static str,
    add: Add,
}

/// What a folded resource adds, from its arguments and where it is shown: the owner's
/// argument it goes in, and the entry.
type Add = fn(&[(String, Node)], Option<At>) -> Option<(&'static str, Node)>;

const FOLDS: &[Fold] = &[
    Fold {
        kind: "aws_iam_role_policy",
        owner: "aws_iam_role",
        names_owner: "role",
        add: |args, at| Some(("inline_policy", only(args, &["name", "policy"], at))),
    },
    Fold {
        kind: "aws_iam_role_policy_attachment",
        owner: "aws_iam_role",
        names_owner: "role",
        add: |args, _| Some(("managed_policy_arns", get(args, "policy_arn")?.clone())),
    },
    Fold {
        kind: "aws_route",
        owner: "aws_route_table",
        names_owner: "route_table_id",
        add: |args, at| {
            let renamed = args
                .iter()
                .filter(|(k, _)| k != "route_table_id")
                .map(|(k, v)| {
                    let name = match k.as_str() {
                        "destination_cidr_block" => "cidr_block",
                        "destination_ipv6_cidr_block" => "ipv6_cidr_block",
                        other => other,
                    };
                    (name.to_string(), v.clone())
                })
                .collect();
            Some(("route", Node::new(Val::Object(renamed), at)))
        },
    },
    Fold {
        kind: "aws_route_table_association",
        owner: "aws_route_table",
        names_owner: "route_table_id",
        add: |args, at| Some(("association", only(args, &["subnet_id", "gateway_id"], at))),
    },
    Fold {
        kind: "aws_main_route_table_association",
        owner: "aws_route_table",
        names_owner: "route_table_id",
        add: |_, at| {
            let main = vec![("main".to_string(), Node::new(Val::Bool(true), at))];
            Some(("association", Node::new(Val::Object(main), at)))
        },
    },
    Fold {
        kind: "aws_ecs_cluster_capacity_providers",
        owner: "aws_ecs_cluster",
        names_owner: "cluster_name",
        add: |args, at| {
            let strategy = get(args, "default_capacity_provider_strategy")?;
            Some((
                "default_capacity_provider_strategy",
                strategy.clone().placed(at),
            ))
        },
    },
    Fold {
        kind: "aws_ecs_cluster_capacity_providers",
        owner: "aws_ecs_cluster",
        names_owner: "cluster_name",
        add: |args, _| {
            Some((
                "capacity_providers",
                get(args, "capacity_providers")?.clone(),
            ))
        },
    },
    Fold {
        kind: "aws_internet_gateway_attachment",
        owner: "aws_internet_gateway",
        names_owner: "internet_gateway_id",
        add: |args, _| Some(("vpc_id", get(args, "vpc_id")?.clone())),
    },
    Fold {
        kind: "aws_security_group_rule",
        owner: "aws_security_group",
        names_owner: "security_group_id",
        add: |args, at| {
            let direction = match get(args, "type").and_then(text_of).as_deref() {
                Some("egress") => "egress",
                Some("ingress") => "ingress",
                _ => return None,
            };
            let mut rule = only(
                args,
                &[
                    "from_port",
                    "to_port",
                    "protocol",
                    "cidr_blocks",
                    "ipv6_cidr_blocks",
                    "prefix_list_ids",
                    "description",
                ],
                at,
            );
            if let (Val::Object(members), Some(source)) =
                (&mut rule.value, get(args, "source_security_group_id"))
            {
                members.push(("security_groups".into(), list_of(source)));
            }
            Some((direction, rule))
        },
    },
    Fold {
        kind: "aws_vpc_security_group_ingress_rule",
        owner: "aws_security_group",
        names_owner: "security_group_id",
        add: |args, at| Some(("ingress", vpc_rule(args, at))),
    },
    Fold {
        kind: "aws_vpc_security_group_egress_rule",
        owner: "aws_security_group",
        names_owner: "security_group_id",
        add: |args, at| Some(("egress", vpc_rule(args, at))),
    },
];

/// An `aws_vpc_security_group_*_rule` (one CIDR or group per rule) as a group's rule block.
fn vpc_rule(args: &[(String, Node)], at: Option<At>) -> Node {
    let mut rule = Vec::new();
    for (name, value) in args {
        let (key, listed) = match name.as_str() {
            "ip_protocol" => ("protocol", false),
            "from_port" | "to_port" | "description" => (name.as_str(), false),
            "cidr_ipv4" => ("cidr_blocks", true),
            "cidr_ipv6" => ("ipv6_cidr_blocks", true),
            "referenced_security_group_id" => ("security_groups", true),
            "prefix_list_id" => ("prefix_list_ids", true),
            _ => continue,
        };
        let value = if listed {
            list_of(value)
        } else {
            value.clone()
        };
        rule.push((key.to_string(), value));
    }
    Node::new(Val::Object(rule), at)
}

fn get<'a>(args: &'a [(String, Node)], name: &str) -> Option<&'a Node> {
    args.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn only(args: &[(String, Node)], names: &[&str], at: Option<At>) -> Node {
    let kept = args
        .iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .cloned()
        .collect();
    Node::new(Val::Object(kept), at)
}

fn list_of(node: &Node) -> Node {
    Node::new(Val::List(vec![node.clone()]), node.at)
}

/// A resource that may complete another: its type, its arguments, where it is shown.
pub struct Part {
    pub kind: String,
    pub args: Vec<(String, Node)>,
    pub at: Option<At>,
}

/// Whether resources of `kind` complete others.
pub fn is_part(kind: &str) -> bool {
    FOLDS.iter().any(|f| f.kind == kind)
}

/// The parts of a configuration: every instance of its resources that complete others.
pub fn parts(evaluator: &Evaluator<'_>) -> Vec<Part> {
    let mut parts = Vec::new();
    for declared in evaluator.config.resources.iter() {
        if declared.data || !is_part(declared.kind) {
            continue;
        }
        let each = instances::of(evaluator, declared).unwrap_or_else(|| vec![Instance::single()]);
        for instance in each {
            parts.push(Part {
                kind: declared.kind.to_string(),
                args: evaluator.body(&declared.block.body, &instance.scope(declared.file)),
                at: header_at(declared),
            });
        }
    }
    parts
}

/// Adds to the arguments (`members`) of a resource of type `owner`, known by `names` (its id,
/// its name), what the parts that name it add.
pub fn fold(owner: &str, names: &[String], parts: &[Part], members: &mut Vec<(String, Node)>) {
    for part in parts {
        let these: Vec<&Fold> = FOLDS
            .iter()
            .filter(|f| f.owner == owner && f.kind == part.kind)
            .collect();
        let Some(first) = these.first() else {
            continue;
        };
        let named = get(&part.args, first.names_owner).and_then(text_of);
        if !named.is_some_and(|n| names.contains(&n)) {
            continue;
        }
        for fold in &these {
            if let Some((list, entry)) = (fold.add)(&part.args, part.at) {
                push(members, list, entry);
            }
        }
    }
}

/// Adds `entry` to the list argument `list` (a scalar argument becomes the entry, once).
fn push(members: &mut Vec<(String, Node)>, list: &str, entry: Node) {
    // A list of entries (capacity providers, strategy blocks) adds each.
    let entries = match (&entry.value, list) {
        (Val::List(items), "capacity_providers" | "default_capacity_provider_strategy") => {
            items.clone()
        }
        _ => vec![entry.clone()],
    };
    match members.iter_mut().find(|(k, _)| k == list) {
        Some((
            _,
            Node {
                value: Val::List(items),
                ..
            },
        )) => items.extend(entries),
        // Unknown as a whole, or a scalar already set: what else it holds is not known.
        Some(_) => {}
        None => {
            let at = entry.at;
            let value = match list {
                "vpc_id" => entry,
                _ => Node::new(Val::List(entries), at),
            };
            members.push((list.to_string(), value));
        }
    }
}
