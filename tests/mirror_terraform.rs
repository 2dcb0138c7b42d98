//! The mirror property of Terraform: every built-in rule's fixtures, rendered as a Terraform
//! configuration (one resource block per resource, arguments named after the API's members in
//! snake_case, `container_definitions` in `jsonencode`, references between the resources as
//! Terraform expressions), give the same outcomes and findings as the API documents, each
//! finding at its own node of the `.tf` file; and rendered as the `terraform show -json` plan
//! of that configuration (the references unknown until apply, named by the configuration),
//! the same outcomes and findings, in the plan file. A fixture holding what a
//! configuration does not declare (a bare container-definition list, account settings other
//! than `aws_ecs_account_setting_default`'s) is left out, and counted.

mod common;

use ecslint::engine::catalog::{self, Rule};
use ecslint::engine::outcome::Outcome;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::model::ResourceKind;
use ecslint::sources;
use serde_json::Value;
use std::collections::BTreeMap;

/// The Terraform type of each kind, and the member that is its id (the reader adds it).
const TYPES: &[(ResourceKind, &str, Option<&str>)] = &[
    (
        ResourceKind::TaskDefinition,
        "aws_ecs_task_definition",
        None,
    ),
    (ResourceKind::Service, "aws_ecs_service", None),
    (ResourceKind::Cluster, "aws_ecs_cluster", None),
    (
        ResourceKind::CapacityProvider,
        "aws_ecs_capacity_provider",
        None,
    ),
    (ResourceKind::IamRole, "aws_iam_role", None),
    (ResourceKind::IamPolicy, "aws_iam_policy", Some("Arn")),
    (
        ResourceKind::AutoScalingGroup,
        "aws_autoscaling_group",
        None,
    ),
    (ResourceKind::Vpc, "aws_vpc", Some("VpcId")),
    (ResourceKind::Subnet, "aws_subnet", Some("SubnetId")),
    (
        ResourceKind::RouteTable,
        "aws_route_table",
        Some("RouteTableId"),
    ),
    (
        ResourceKind::InternetGateway,
        "aws_internet_gateway",
        Some("InternetGatewayId"),
    ),
    (
        ResourceKind::NatGateway,
        "aws_nat_gateway",
        Some("NatGatewayId"),
    ),
    (
        ResourceKind::SecurityGroup,
        "aws_security_group",
        Some("GroupId"),
    ),
];

/// Members that name another resource (by ARN, name or id): a configuration writes a
/// reference to it.
const REFERENCES: &[&str] = &[
    "taskDefinition",
    "autoScalingGroupArn",
    "cluster",
    "capacityProvider",
    "capacityProviders",
    "taskRoleArn",
    "executionRoleArn",
    "subnets",
    "securityGroups",
    "security_groups",
    "SubnetId",
    "VpcId",
    "GatewayId",
    "NatGatewayId",
    "RouteTableId",
    "InternetGatewayId",
    "GroupId",
    "PolicyArn",
];

/// Members whose value the provider takes as a JSON string.
const JSON_ENCODED: &[&str] = &["containerDefinitions"];

/// `networkConfiguration` → `network_configuration`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower = i > 0 && chars[i - 1].is_lowercase();
            let before_lower = i > 0 && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if after_lower || (before_lower && i > 0) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

/// A value written as HCL: references raw, strings with `${` escaped.
fn hcl(value: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match value {
        Value::String(text) if text.starts_with("\u{0}ref:") => out.push_str(&text[5..]),
        Value::String(text) => {
            let quoted = serde_json::to_string(text).unwrap();
            out.push_str(&quoted.replace("${", "$${").replace("%{", "%%{"));
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&format!("{pad}  "));
                hcl(item, indent + 1, out);
                out.push_str(",\n");
            }
            out.push_str(&format!("{pad}]"));
        }
        Value::Object(members) => {
            out.push_str("{\n");
            for (key, child) in members {
                out.push_str(&format!(
                    "{pad}  {} = ",
                    serde_json::to_string(key).unwrap()
                ));
                hcl(child, indent + 1, out);
                out.push('\n');
            }
            out.push_str(&format!("{pad}}}"));
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A resource block: its type, name and arguments (references as `\u{0}ref:EXPRESSION`).
type Block = (String, String, Value);

/// The fixture's resources as one configuration, or why it cannot be one.
fn as_configuration(name: &str, text: &str) -> Result<String, String> {
    let mut out = String::new();
    for (kind, block, args) in blocks(name, text)? {
        out.push_str(&format!("resource \"{kind}\" \"{block}\" {{\n"));
        for (key, value) in args.as_object().into_iter().flatten() {
            out.push_str(&format!("  {} = ", snake(key)));
            if JSON_ENCODED.contains(&key.as_str()) {
                out.push_str("jsonencode(");
                hcl(value, 1, &mut out);
                out.push(')');
            } else {
                hcl(value, 1, &mut out);
            }
            out.push('\n');
        }
        out.push_str("}\n\n");
    }
    Ok(out)
}

/// The fixture's resources as resource blocks, or why they cannot be.
fn blocks(name: &str, text: &str) -> Result<Vec<Block>, String> {
    let loaded = sources::load_texts(vec![(name.into(), text.into())], &Default::default());
    let estate = loaded.estate;
    let mut named: Vec<(Vec<String>, String)> = Vec::new();
    let mut blocks: Vec<(String, String, Value)> = Vec::new();
    for (i, resource) in estate.resources.iter().enumerate() {
        if resource.partial {
            return Err("a bare container-definition list".into());
        }
        let doc = resource.document(&estate.files);
        let block = format!("r{i}");
        if resource.kind == ResourceKind::Account {
            let settings = doc
                .get("settings")
                .and_then(Value::as_array)
                .ok_or("account settings that are not one list")?;
            for (j, setting) in settings.iter().enumerate() {
                let block = format!("{block}_{j}");
                blocks.push((
                    "aws_ecs_account_setting_default".into(),
                    block,
                    setting.clone(),
                ));
            }
            continue;
        }
        let Some(&(_, kind, id_member)) = TYPES.iter().find(|(k, ..)| *k == resource.kind) else {
            return Err(format!("holds a {} resource", resource.kind.as_str()));
        };
        let mut args = doc.as_object().cloned().unwrap_or_default();
        args.retain(|k, _| !k.starts_with('_'));
        // The provider's `network_configuration` is the API's `awsvpcConfiguration`, with
        // `assign_public_ip` a bool.
        if let Some(Value::Object(mut awsvpc)) = args
            .get_mut("networkConfiguration")
            .and_then(|n| n.get_mut("awsvpcConfiguration"))
            .map(Value::take)
        {
            if let Some(assign) = awsvpc.get_mut("assignPublicIp") {
                *assign = Value::Bool(assign.as_str() == Some("ENABLED"));
            }
            let snaked = awsvpc.into_iter().map(|(k, v)| (snake(&k), v)).collect();
            args.insert("networkConfiguration".into(), Value::Object(snaked));
        }
        let mut names = vec![resource.id.clone(), resource.name.clone()];
        if let Some(id_member) = id_member {
            names.extend(
                args.remove(id_member)
                    .and_then(|v| v.as_str().map(str::to_string)),
            );
        }
        let attribute = match resource.kind {
            ResourceKind::IamRole | ResourceKind::IamPolicy | ResourceKind::TaskDefinition => "arn",
            _ => "id",
        };
        named.push((names, format!("{kind}.{block}.{attribute}")));
        blocks.push((kind.to_string(), block, Value::Object(args)));
    }
    let reference = |text: &str| -> Option<Value> {
        named
            .iter()
            .find(|(names, _)| names.iter().any(|n| n == text))
            .map(|(_, expression)| Value::String(format!("\u{0}ref:{expression}")))
    };
    for (_, _, args) in blocks.iter_mut() {
        common::refer(args, REFERENCES, &reference);
    }
    Ok(blocks)
}

/// The fixture's resources as `terraform show -json` output of a plan that creates them: their
/// values as the provider plans them, a reference to another resource unknown until apply, and
/// the configuration saying what it refers to.
fn as_plan(name: &str, text: &str) -> Result<Value, String> {
    let mut resources = Vec::new();
    let mut changes = Vec::new();
    let mut configured = Vec::new();
    for (kind, block, args) in blocks(name, text)? {
        let address = format!("{kind}.{block}");
        let mut values = serde_json::Map::new();
        let mut unknown = serde_json::Map::new();
        let mut expressions = serde_json::Map::new();
        for (key, value) in args.as_object().into_iter().flatten() {
            let key = snake(key);
            let value = match JSON_ENCODED.contains(&key.as_str()) || key == "container_definitions"
            {
                true => Value::String(serde_json::to_string(&without_refs(value)).unwrap()),
                false => value.clone(),
            };
            let (known, after_unknown, expression) = planned(&value);
            if let Some(known) = known {
                values.insert(key.clone(), known);
            }
            if let Some(after_unknown) = after_unknown {
                unknown.insert(key.clone(), after_unknown);
            }
            expressions.insert(key, expression);
        }
        resources.push(serde_json::json!({
            "address": address, "mode": "managed", "type": kind, "name": block,
            "provider_name": "hashicorp/aws", "schema_version": 0, "values": values,
            "sensitive_values": {}
        }));
        changes.push(serde_json::json!({
            "address": address, "mode": "managed", "type": kind, "name": block,
            "provider_name": "hashicorp/aws",
            "change": {"actions": ["create"], "before": null, "after": values, "after_unknown": unknown}
        }));
        configured.push(serde_json::json!({
            "address": address, "mode": "managed", "type": kind, "name": block,
            "provider_config_key": "aws", "expressions": expressions, "schema_version": 0
        }));
    }
    Ok(serde_json::json!({
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": configured}},
    }))
}

/// A planned value: what is known, what `after_unknown` says of it, and its configuration
/// expression. A reference is unknown, and its expression names it.
fn planned(value: &Value) -> (Option<Value>, Option<Value>, Value) {
    let reference = |v: &Value| {
        v.as_str()
            .and_then(|t| t.strip_prefix("\u{0}ref:"))
            .map(str::to_string)
    };
    if let Some(expression) = reference(value) {
        let resource = expression
            .rsplit_once('.')
            .map_or(expression.clone(), |(r, _)| r.to_string());
        return (
            None,
            Some(Value::Bool(true)),
            serde_json::json!({"references": [expression, resource]}),
        );
    }
    match value {
        Value::Array(items) if items.iter().any(|i| reference(i).is_some()) => {
            let mut references = Vec::new();
            for item in items {
                match reference(item) {
                    Some(expression) => {
                        let resource = expression
                            .rsplit_once('.')
                            .map_or(expression.clone(), |(r, _)| r.to_string());
                        references.push(Value::String(expression));
                        references.push(Value::String(resource));
                    }
                    None => {
                        return (
                            Some(value.clone()),
                            None,
                            serde_json::json!({"constant_value": value}),
                        );
                    }
                }
            }
            (
                None,
                Some(Value::Bool(true)),
                serde_json::json!({"references": references}),
            )
        }
        Value::Array(items) => {
            let parts: Vec<_> = items.iter().map(planned).collect();
            if parts.iter().all(|(_, u, _)| u.is_none()) {
                return (
                    Some(value.clone()),
                    None,
                    serde_json::json!({"constant_value": value}),
                );
            }
            let known = parts
                .iter()
                .map(|(k, ..)| k.clone().unwrap_or(Value::Null))
                .collect();
            let unknown = parts
                .iter()
                .map(|(_, u, _)| u.clone().unwrap_or(Value::Bool(false)))
                .collect();
            let expressions = parts.into_iter().map(|(.., e)| e).collect();
            (
                Some(Value::Array(known)),
                Some(Value::Array(unknown)),
                Value::Array(expressions),
            )
        }
        Value::Object(members) => {
            let (mut known, mut unknown, mut expressions) = (
                serde_json::Map::new(),
                serde_json::Map::new(),
                serde_json::Map::new(),
            );
            for (key, member) in members {
                let (k, u, e) = planned(member);
                if let Some(k) = k {
                    known.insert(key.clone(), k);
                }
                if let Some(u) = u {
                    unknown.insert(key.clone(), u);
                }
                expressions.insert(key.clone(), e);
            }
            let unknown = (!unknown.is_empty()).then_some(Value::Object(unknown));
            (
                Some(Value::Object(known)),
                unknown,
                Value::Object(expressions),
            )
        }
        other => (
            Some(other.clone()),
            None,
            serde_json::json!({"constant_value": other}),
        ),
    }
}

/// A value with its references as the plain text they stand for (inside a JSON string, which
/// a plan holds whole).
fn without_refs(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            Value::String(text.strip_prefix("\u{0}ref:").unwrap_or(text).to_string())
        }
        Value::Array(items) => Value::Array(items.iter().map(without_refs).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), without_refs(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// (outcome, the document paths of its findings) of `rule` on each resource, sorted.
type Judged = Vec<(Outcome, Vec<String>)>;

fn judged(rule: &Rule, inputs: Inputs, tf: Option<&str>) -> Result<Judged, String> {
    let settings = Settings {
        keep_every_outcome: true,
        ..Settings::with_rules(vec![rule.clone()])
    };
    let linted = lint(inputs, settings)?;
    if let Some(error) = linted.input_errors.first() {
        return Err(error.to_string());
    }
    let mut found = Vec::new();
    for evaluation in &linted.evaluations {
        let mut paths = Vec::new();
        for finding in &evaluation.findings {
            let at = &finding.location;
            if tf == Some("main.tf") && !at.exact {
                return Err(format!("{} placed at an enclosing node", at.path));
            }
            if let Some(file) = tf
                && !linted.estate.files[at.file].path.ends_with(file)
            {
                return Err(format!(
                    "a finding in {}",
                    linted.estate.files[at.file].path
                ));
            }
            paths.push(common::document_path(&linted, at));
        }
        paths.sort();
        found.push((evaluation.outcome, paths));
    }
    found.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    Ok(found)
}

#[test]
fn every_fixture_judged_as_terraform_gives_the_api_outcome() {
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (mut mirrored, mut left_out, mut wrong) = (0, BTreeMap::new(), Vec::new());
    for (rule, name, text) in common::fixtures(&rules) {
        let shown = format!("{} {name}", rule.id());
        let configuration = match as_configuration(&name, &text) {
            Ok(configuration) => configuration,
            Err(why) => {
                *left_out.entry(why).or_insert(0) += 1;
                continue;
            }
        };
        let texts = Inputs::Texts(vec![(name.clone(), text.clone())]);
        let expected = judged(rule, texts, None).unwrap();
        let folder = scratch.path().join(format!("{}-{mirrored}", rule.id()));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("main.tf"), &configuration).unwrap();
        match judged(rule, Inputs::Paths(vec![folder.clone()]), Some("main.tf")) {
            Ok(got) if got != expected => wrong.push(format!(
                "{shown}: {got:?}, API {expected:?}\n{configuration}"
            )),
            Ok(_) => {}
            Err(e) => wrong.push(format!("{shown}: {e}\n{configuration}")),
        }
        // The same fixture as a plan of that configuration, read alone.
        let plan = as_plan(&name, &text).unwrap();
        let plan_path = folder.join("plan.json");
        std::fs::write(&plan_path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
        match judged(rule, Inputs::Paths(vec![plan_path]), Some("plan.json")) {
            Ok(got) if got != expected => wrong.push(format!(
                "{shown} as a plan: {got:?}, API {expected:?}\n{plan:#}"
            )),
            Ok(_) => {}
            Err(e) => wrong.push(format!("{shown} as a plan: {e}")),
        }
        mirrored += 1;
    }
    eprintln!("{mirrored} fixtures mirrored as Terraform; left out: {left_out:?}");
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(mirrored >= 150, "only {mirrored} fixtures mirrored");
}
