//! A template's network: `AWS::EC2::VPC`, `Subnet`, `RouteTable`, `InternetGateway`,
//! `NatGateway` and `SecurityGroup` as the documents EC2's describe calls return, with the
//! resources that complete them folded in (`Route` and `SubnetRouteTableAssociation` into their
//! route table, `VPCGatewayAttachment` into its gateway, `SecurityGroupIngress`/`Egress` and a
//! group's own rules into `IpPermissions`/`IpPermissionsEgress`). Each is known by its token, so
//! a service's `Subnets: [!Ref Private1]` links to it and a route to `!Ref Gateway` is a route
//! to an internet gateway.

use super::intrinsics::Context;
use super::{names, undecided, written};
use crate::location::Step;
use crate::model::origin::OriginMap;
use crate::model::unknown::Unknown;
use crate::model::{Resource, ResourceKind};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The EC2 types read as resources, and the member their id is.
pub(super) const TYPES: [(&str, ResourceKind, &str); 6] = [
    ("AWS::EC2::VPC", ResourceKind::Vpc, "VpcId"),
    ("AWS::EC2::Subnet", ResourceKind::Subnet, "SubnetId"),
    (
        "AWS::EC2::RouteTable",
        ResourceKind::RouteTable,
        "RouteTableId",
    ),
    (
        "AWS::EC2::InternetGateway",
        ResourceKind::InternetGateway,
        "InternetGatewayId",
    ),
    (
        "AWS::EC2::NatGateway",
        ResourceKind::NatGateway,
        "NatGatewayId",
    ),
    (
        "AWS::EC2::SecurityGroup",
        ResourceKind::SecurityGroup,
        "GroupId",
    ),
];

/// Where the template says things, for one run of this module.
pub(super) struct Reader<'a> {
    pub file: usize,
    pub stack: &'a str,
    pub template: &'a Value,
    pub context: &'a Context<'a>,
    pub span_at: &'a super::SpanAt<'a>,
}

/// A resource being built: its document and where each part of it was written.
struct Built {
    resource: Resource,
    map: OriginMap,
}

impl Reader<'_> {
    /// The template's network resources, complete.
    pub(super) fn read(&self) -> Vec<Resource> {
        let Some(declared) = self.template.get("Resources").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut built: Vec<Built> = declared
            .iter()
            .filter_map(|(logical_id, declaration)| self.network_resource(logical_id, declaration))
            .collect();
        for (logical_id, declaration) in declared {
            let cfn_type = declaration
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("");
            const FOLDED: [&str; 5] = [
                "AWS::EC2::Route",
                "AWS::EC2::SubnetRouteTableAssociation",
                "AWS::EC2::VPCGatewayAttachment",
                "AWS::EC2::SecurityGroupIngress",
                "AWS::EC2::SecurityGroupEgress",
            ];
            // Only these are copied: a template's thousands of other resources are not.
            if !FOLDED.contains(&cfn_type) {
                continue;
            }
            let properties = declaration.get("Properties").cloned().unwrap_or_default();
            let fold = match cfn_type {
                "AWS::EC2::Route" => Fold {
                    owner: ("RouteTableId", ResourceKind::RouteTable),
                    list: "Routes",
                    entry: without(&properties, "RouteTableId"),
                },
                "AWS::EC2::SubnetRouteTableAssociation" => Fold {
                    owner: ("RouteTableId", ResourceKind::RouteTable),
                    list: "Associations",
                    entry: json!({"SubnetId": properties.get("SubnetId"), "Main": false}),
                },
                "AWS::EC2::VPCGatewayAttachment" => Fold {
                    owner: ("InternetGatewayId", ResourceKind::InternetGateway),
                    list: "Attachments",
                    entry: json!({"VpcId": properties.get("VpcId"), "State": "available"}),
                },
                "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => Fold {
                    owner: ("GroupId", ResourceKind::SecurityGroup),
                    list: match cfn_type.ends_with("Ingress") {
                        true => "IpPermissions",
                        false => "IpPermissionsEgress",
                    },
                    entry: without(&properties, "GroupId"),
                },
                _ => continue,
            };
            self.fold(logical_id, &properties, fold, &mut built);
        }
        built
            .into_iter()
            .map(|mut b| {
                b.resource.origin.map = Some(Arc::new(b.map));
                b.resource
            })
            .collect()
    }

    fn network_resource(&self, logical_id: &str, declaration: &Value) -> Option<Built> {
        let cfn_type = declaration.get("Type")?.as_str()?;
        let &(_, kind, id_member) = TYPES.iter().find(|(t, ..)| *t == cfn_type)?;
        let (id, name) = names(self.stack, logical_id, declaration);
        let base = super::properties_path(logical_id);
        let mut map = OriginMap::default();
        if let Some(span) = (self.span_at)(&base[..2], &[]) {
            map.insert(Vec::new(), written(self.file, span));
        }
        let properties = declaration.get("Properties").cloned().unwrap_or_default();
        let mut doc = Map::new();
        for (property, value) in properties.as_object().into_iter().flatten() {
            let Some(value) = self.context.resolve(value) else {
                continue;
            };
            let member = match (kind, property.as_str()) {
                (ResourceKind::SecurityGroup, "GroupDescription") => "Description",
                (ResourceKind::SecurityGroup, "SecurityGroupIngress") => "IpPermissions",
                (ResourceKind::SecurityGroup, "SecurityGroupEgress") => "IpPermissionsEgress",
                _ => property.as_str(),
            };
            let mut value = value;
            if member.starts_with("IpPermissions")
                && let Value::Array(rules) = &mut value
            {
                for (i, rule) in rules.iter_mut().enumerate() {
                    let cfn = [Step::Key(property.clone()), Step::Index(i)];
                    *rule = self.permission(
                        rule,
                        &base,
                        &cfn,
                        &[Step::Key(member.into()), Step::Index(i)],
                        &mut map,
                    );
                }
            } else {
                self.place(
                    &mut map,
                    &base,
                    &[Step::Key(member.into())],
                    &[Step::Key(property.clone())],
                    &value,
                );
            }
            doc.insert(member.to_string(), value);
        }
        doc.insert(id_member.into(), Value::String(id.clone()));
        for list in ["Routes", "Associations", "Attachments", "IpPermissions"] {
            let wanted = match list {
                "Routes" | "Associations" => kind == ResourceKind::RouteTable,
                "Attachments" => kind == ResourceKind::InternetGateway,
                _ => kind == ResourceKind::SecurityGroup,
            };
            if wanted {
                doc.entry(list).or_insert_with(|| json!([]));
            }
        }
        Some(Built {
            resource: Resource::translated(
                (kind, id, name),
                Value::Object(doc),
                (self.file, base),
                None,
            ),
            map,
        })
    }

    /// A security group rule as the API lists it: one `IpRanges`, `Ipv6Ranges` or
    /// `UserIdGroupPairs` entry for the template's `CidrIp`, `CidrIpv6` or source group.
    fn permission(
        &self,
        rule: &Value,
        base: &[Step],
        cfn: &[Step],
        api: &[Step],
        map: &mut OriginMap,
    ) -> Value {
        let mut out = Map::new();
        self.place(map, base, api, cfn, &Value::Null);
        let key = |k: &str| Step::Key(k.into());
        for (property, value) in rule.as_object().into_iter().flatten() {
            let (member, inner) = match property.as_str() {
                "CidrIp" => ("IpRanges", Some("CidrIp")),
                "CidrIpv6" => ("Ipv6Ranges", Some("CidrIpv6")),
                "SourceSecurityGroupId" | "DestinationSecurityGroupId" => {
                    ("UserIdGroupPairs", Some("GroupId"))
                }
                "SourcePrefixListId" | "DestinationPrefixListId" => {
                    ("PrefixListIds", Some("PrefixListId"))
                }
                "FromPort" | "ToPort" => {
                    let number = match value {
                        Value::String(s) => {
                            s.trim().parse::<i64>().map_or(value.clone(), Value::from)
                        }
                        other => other.clone(),
                    };
                    out.insert(property.clone(), number);
                    self.place_one(
                        map,
                        base,
                        &[api, &[key(property)]].concat(),
                        &[cfn, &[key(property)]].concat(),
                        value,
                    );
                    continue;
                }
                _ => (property.as_str(), None),
            };
            let cfn_path = [cfn, &[key(property)]].concat();
            match inner {
                Some(inner) => {
                    let mut entry = Map::new();
                    entry.insert(inner.into(), value.clone());
                    if let Some(description) = rule.get("Description") {
                        entry.insert("Description".into(), description.clone());
                    }
                    out.insert(member.into(), json!([entry]));
                    let list = [api, &[key(member)]].concat();
                    let element = [list.as_slice(), &[Step::Index(0)]].concat();
                    self.place_one(map, base, &list, &cfn_path, value);
                    self.place_one(map, base, &element, &cfn_path, value);
                    self.place_one(
                        map,
                        base,
                        &[element.as_slice(), &[key(inner)]].concat(),
                        &cfn_path,
                        value,
                    );
                }
                None => {
                    out.insert(member.into(), value.clone());
                    self.place(map, base, &[api, &[key(member)]].concat(), &cfn_path, value);
                }
            }
        }
        Value::Object(out)
    }

    /// Records where `value` (at `api` in the document) and each node in it was written (at
    /// `cfn` under the resource's properties), and the values in it left undecided.
    fn place(&self, map: &mut OriginMap, base: &[Step], api: &[Step], cfn: &[Step], value: &Value) {
        self.place_one(map, base, api, cfn, value);
        if crate::sources::cfn_names::is_intrinsic(value) {
            return;
        }
        for (step, child) in super::children(value) {
            let api = [api, std::slice::from_ref(&step)].concat();
            let cfn = [cfn, std::slice::from_ref(&step)].concat();
            self.place(map, base, &api, &cfn, child);
        }
    }

    fn place_one(
        &self,
        map: &mut OriginMap,
        base: &[Step],
        api: &[Step],
        cfn: &[Step],
        value: &Value,
    ) {
        if let Some(span) = (self.span_at)(base, cfn) {
            map.insert(api, written(self.file, span));
        }
        if crate::sources::cfn_names::is_intrinsic(value) {
            map.unknowns.push(Unknown {
                path: api.to_vec(),
                why: self.context.why_later(value),
                may_be: undecided::may_be(value, None),
            });
        }
    }

    /// Adds a resource that completes another (a route, an association, an attachment, a
    /// security group rule) to the list it belongs in.
    fn fold(&self, logical_id: &str, properties: &Value, fold: Fold<'_>, built: &mut [Built]) {
        let (owner_member, owner_kind) = fold.owner;
        let owner = properties
            .get(owner_member)
            .and_then(|o| self.context.resolve(o))
            .and_then(|o| o.as_str().map(str::to_string));
        let Some(target) = built
            .iter_mut()
            .find(|b| b.resource.kind == owner_kind && Some(&b.resource.id) == owner.as_ref())
        else {
            return;
        };
        let Some(entry) = self.context.resolve(&fold.entry) else {
            return;
        };
        let Some(Value::Array(list)) = target.resource.doc.get_mut(fold.list) else {
            return;
        };
        let at = vec![Step::Key(fold.list.into()), Step::Index(list.len())];
        let base = super::properties_path(logical_id);
        let entry = if fold.list.starts_with("IpPermissions") {
            self.permission(&entry, &base, &[], &at, &mut target.map)
        } else {
            for (member, value) in entry.as_object().into_iter().flatten() {
                let api = [at.as_slice(), &[Step::Key(member.clone())]].concat();
                self.place(
                    &mut target.map,
                    &base,
                    &api,
                    &[Step::Key(member.clone())],
                    value,
                );
            }
            entry
        };
        // The entry itself is shown at the resource that adds it.
        if let Some(span) = (self.span_at)(&base[..2], &[]) {
            target.map.insert(at, written(self.file, span));
        }
        list.push(entry);
    }
}

/// A resource folded into a list of another: the member naming that other, the list, the entry.
struct Fold<'a> {
    owner: (&'a str, ResourceKind),
    list: &'a str,
    entry: Value,
}

fn without(properties: &Value, member: &str) -> Value {
    let mut out = properties.clone();
    if let Value::Object(map) = &mut out {
        map.remove(member);
    }
    out
}
