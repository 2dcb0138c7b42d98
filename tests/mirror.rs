//! The mirror property of CloudFormation templates: every built-in rule's fixtures (all of
//! them: pass, fail, not applicable, not evaluated), rendered as a CloudFormation template
//! (JSON, and YAML written in block style), give the same outcomes and findings as the API
//! documents, each finding at its own node of the template, with the same fingerprints in both
//! forms. A fixture holding what a template does not declare (account settings, a VPC's main
//! route table) or a bare container-definition list (whose verdicts are about its missing task)
//! is left out, and counted.

mod common;

use ecslint::engine::catalog::{self, Rule};
use ecslint::engine::outcome::Outcome;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::model::ResourceKind;
use ecslint::sources::{self, cfn_names};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const TYPES: [(ResourceKind, &str); 6] = [
    (ResourceKind::TaskDefinition, "AWS::ECS::TaskDefinition"),
    (ResourceKind::Service, "AWS::ECS::Service"),
    (ResourceKind::Cluster, "AWS::ECS::Cluster"),
    (ResourceKind::CapacityProvider, "AWS::ECS::CapacityProvider"),
    (ResourceKind::IamRole, "AWS::IAM::Role"),
    (
        ResourceKind::AutoScalingGroup,
        "AWS::AutoScaling::AutoScalingGroup",
    ),
];

/// The network types, their id member, as EC2's describe calls list them.
const NETWORK: [(ResourceKind, &str, &str); 6] = [
    (ResourceKind::Vpc, "AWS::EC2::VPC", "VpcId"),
    (ResourceKind::Subnet, "AWS::EC2::Subnet", "SubnetId"),
    (
        ResourceKind::RouteTable,
        "AWS::EC2::RouteTable",
        "RouteTableId",
    ),
    (
        ResourceKind::InternetGateway,
        "AWS::EC2::InternetGateway",
        "InternetGatewayId",
    ),
    (
        ResourceKind::NatGateway,
        "AWS::EC2::NatGateway",
        "NatGatewayId",
    ),
    (
        ResourceKind::SecurityGroup,
        "AWS::EC2::SecurityGroup",
        "GroupId",
    ),
];

/// Members that name another resource (by ARN, name or id): a template writes a `Ref`, or
/// `Fn::GetAtt ... Arn` for a role.
const REFERENCES: [&str; 16] = [
    "TaskDefinition",
    "AutoScalingGroupArn",
    "Cluster",
    "CapacityProvider",
    "CapacityProviders",
    "TaskRoleArn",
    "ExecutionRoleArn",
    "Subnets",
    "SecurityGroups",
    "SubnetId",
    "VpcId",
    "GatewayId",
    "NatGatewayId",
    "RouteTableId",
    "InternetGatewayId",
    "SourceSecurityGroupId",
];

/// A network resource as the template declares it, and the resources that complete it there
/// (routes, associations, attachments), or why it cannot be written as one.
fn network(
    cfn_type: &str,
    id_member: &str,
    doc: &Value,
    logical_id: &str,
    more: &mut Map<String, Value>,
) -> Result<Value, String> {
    let mut properties = doc.as_object().cloned().unwrap_or_default();
    properties.remove(id_member);
    let reference = json!({"Ref": logical_id});
    let mut add = |suffix: String, kind: &str, properties: Value| {
        more.insert(
            format!("{logical_id}{suffix}"),
            json!({"Type": kind, "Properties": properties}),
        );
    };
    for (i, route) in take_list(&mut properties, "Routes").into_iter().enumerate() {
        let mut route = route.as_object().cloned().unwrap_or_default();
        route.insert("RouteTableId".into(), reference.clone());
        add(format!("Route{i}"), "AWS::EC2::Route", Value::Object(route));
    }
    for (i, association) in take_list(&mut properties, "Associations")
        .into_iter()
        .enumerate()
    {
        if association.get("Main") == Some(&json!(true)) {
            return Err("a VPC's main route table".into());
        }
        let subnet = association.get("SubnetId").cloned();
        let association = json!({"SubnetId": subnet, "RouteTableId": reference});
        add(
            format!("Association{i}"),
            "AWS::EC2::SubnetRouteTableAssociation",
            association,
        );
    }
    for (i, attachment) in take_list(&mut properties, "Attachments")
        .into_iter()
        .enumerate()
    {
        let attachment = json!({"VpcId": attachment.get("VpcId"), "InternetGatewayId": reference});
        add(
            format!("Attachment{i}"),
            "AWS::EC2::VPCGatewayAttachment",
            attachment,
        );
    }
    if cfn_type == "AWS::EC2::SecurityGroup" {
        if let Some(description) = properties.remove("Description") {
            properties.insert("GroupDescription".into(), description);
        }
        for (api, cfn) in [
            ("IpPermissions", "SecurityGroupIngress"),
            ("IpPermissionsEgress", "SecurityGroupEgress"),
        ] {
            let mut rules = Vec::new();
            for permission in take_list(&mut properties, api) {
                rules.push(security_group_rule(&permission)?);
            }
            properties.insert(cfn.into(), Value::Array(rules));
        }
    }
    Ok(Value::Object(properties))
}

fn take_list(properties: &mut Map<String, Value>, member: &str) -> Vec<Value> {
    match properties.remove(member) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// One API permission as one template rule: it must name one source.
fn security_group_rule(permission: &Value) -> Result<Value, String> {
    let mut rule = permission.as_object().cloned().unwrap_or_default();
    let mut sources = Vec::new();
    for (list, inner, property) in [
        ("IpRanges", "CidrIp", "CidrIp"),
        ("Ipv6Ranges", "CidrIpv6", "CidrIpv6"),
        ("UserIdGroupPairs", "GroupId", "SourceSecurityGroupId"),
        ("PrefixListIds", "PrefixListId", "SourcePrefixListId"),
    ] {
        for entry in take_list(&mut rule, list) {
            sources.push((property, entry.get(inner).cloned()));
        }
    }
    match sources.as_slice() {
        [(property, Some(value))] => {
            rule.insert((*property).into(), value.clone());
            Ok(Value::Object(rule))
        }
        _ => Err("a security group rule with several sources".into()),
    }
}

/// (outcome, the document paths of its findings) of `rule` on each resource, sorted: what must
/// not change.
type Judged = Vec<(Outcome, Vec<String>)>;

fn outcomes(rule: &Rule, name: &str, text: &str) -> Result<Judged, String> {
    judged(rule, name, text).map(|(judged, _)| judged)
}

/// [`outcomes`], and the fingerprints of the findings, sorted.
fn judged(rule: &Rule, name: &str, text: &str) -> Result<(Judged, Vec<String>), String> {
    let settings = Settings {
        keep_every_outcome: true,
        ..Settings::with_rules(vec![rule.clone()])
    };
    let linted = lint(Inputs::Texts(vec![(name.into(), text.into())]), settings)?;
    if let Some(error) = linted.input_errors.first() {
        return Err(error.to_string());
    }
    let lines = linted.estate.files[0].text().lines().count();
    let mut found = Vec::new();
    let mut fingerprints = Vec::new();
    for evaluation in &linted.evaluations {
        let mut paths = Vec::new();
        for finding in &evaluation.findings {
            let at = &finding.location;
            if at.file != 0 || at.start.line == 0 || at.start.line > lines {
                return Err(format!("a finding at line {} of {lines}", at.start.line));
            }
            // Placed at its own node, not at the nearest one written.
            if !at.exact {
                return Err(format!("{} placed at an enclosing node", at.path));
            }
            paths.push(common::document_path(&linted, at));
            fingerprints.push(finding.fingerprint.to_string());
        }
        paths.sort();
        found.push((evaluation.outcome, paths));
    }
    found.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    fingerprints.sort();
    Ok((found, fingerprints))
}

/// The fixture's resources as one template, or why it cannot be one.
fn as_template(name: &str, text: &str) -> Result<Value, String> {
    let loaded = sources::load_texts(vec![(name.into(), text.into())], &Default::default());
    let estate = loaded.estate;
    let mut resources = Map::new();
    // Routes, associations and attachments, declared beside what they complete.
    let mut more = Map::new();
    let mut named: Vec<(Vec<&str>, String, bool)> = Vec::new();
    for (i, resource) in estate.resources.iter().enumerate() {
        let translated = TYPES.iter().find(|(k, _)| *k == resource.kind);
        let networked = NETWORK.iter().find(|(k, ..)| *k == resource.kind);
        let cfn_type = match (translated, networked) {
            (Some((_, cfn_type)), _) | (_, Some((_, cfn_type, _))) => *cfn_type,
            _ => return Err(format!("holds a {} resource", resource.kind.as_str())),
        };
        if resource.partial {
            // A template's task definition is whole; these fixtures test a part's verdicts.
            return Err("a bare container-definition list".into());
        }
        let logical_id = format!("Resource{i}");
        let doc = resource.document(&estate.files);
        let properties = match networked {
            Some((_, _, id_member)) => network(cfn_type, id_member, &doc, &logical_id, &mut more)?,
            None => cfn_names::render(cfn_type, &doc).unwrap(),
        };
        resources.insert(
            logical_id.clone(),
            json!({"Type": cfn_type, "Properties": properties}),
        );
        named.push((
            vec![resource.id.as_str(), resource.name.as_str()],
            logical_id,
            resource.kind == ResourceKind::IamRole,
        ));
    }
    // What named another resource by ARN or name names it as a template does.
    let reference = |text: &str| -> Option<Value> {
        let (_, logical_id, is_role) = named.iter().find(|(names, ..)| names.contains(&text))?;
        Some(match is_role {
            true => json!({"Fn::GetAtt": [logical_id, "Arn"]}),
            false => json!({"Ref": logical_id}),
        })
    };
    resources.extend(more);
    for declaration in resources.values_mut() {
        common::refer(&mut declaration["Properties"], &REFERENCES, &reference);
    }
    Ok(json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
}

/// Block-style YAML (scalars as JSON, which YAML reads the same).
fn yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                out.push_str(&format!("{pad}{}:", serde_json::to_string(key).unwrap()));
                block(child, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&format!("{pad}-"));
                block(item, indent, out);
            }
        }
        scalar => out.push_str(&format!("{pad}{scalar}\n")),
    }
}

fn block(child: &Value, indent: usize, out: &mut String) {
    let nested = match child {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    };
    if nested {
        out.push('\n');
        yaml(child, indent + 2, out);
    } else {
        out.push_str(&format!(" {child}\n"));
    }
}

#[test]
fn every_fixture_judged_as_a_template_gives_the_api_outcome() {
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let (mut mirrored, mut left_out, mut wrong) = (0, BTreeMap::new(), Vec::new());
    for (rule, name, text) in common::fixtures(&rules) {
        let shown = format!("{} {name}", rule.id());
        let template = match as_template(&name, &text) {
            Ok(template) => template,
            Err(why) => {
                *left_out.entry(why).or_insert(0) += 1;
                continue;
            }
        };
        let expected = outcomes(rule, &name, &text).unwrap();
        let mut yaml_text = String::new();
        yaml(&template, 0, &mut yaml_text);
        let json_text = serde_json::to_string_pretty(&template).unwrap();
        let mut fingerprints = Vec::new();
        for (form, text) in [("template.json", &json_text), ("template.yaml", &yaml_text)] {
            match judged(rule, form, text) {
                Ok((got, _)) if got != expected => {
                    wrong.push(format!("{shown} as {form}: {got:?}, API {expected:?}"))
                }
                Ok((_, printed)) => fingerprints.push(printed),
                Err(e) => wrong.push(format!("{shown} as {form}: {e}")),
            }
        }
        // The same template in JSON and in YAML: the same findings to a baseline.
        if fingerprints.len() == 2 && fingerprints[0] != fingerprints[1] {
            wrong.push(format!(
                "{shown}: fingerprints differ between JSON and YAML"
            ));
        }
        mirrored += 1;
    }
    eprintln!("{mirrored} fixtures mirrored; left out: {left_out:?}");
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(mirrored >= 150, "only {mirrored} fixtures mirrored");
}
