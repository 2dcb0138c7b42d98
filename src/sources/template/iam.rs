//! A template's IAM: its roles' managed policy ARNs in the API's `{PolicyArn}` shape, its
//! `AWS::IAM::ManagedPolicy` resources as customer managed policies (found by the token a
//! `Ref` to them becomes, and attached to the roles they name), and its `AWS::IAM::Policy` and
//! `RolePolicy` resources as inline policies of the roles they name: what a role grants is then
//! known from the template alone.

use super::SpanAt;
use super::intrinsics::Context;
use super::{Placed, cfn_names, names};
use crate::location::Step;
use crate::model::origin::OriginMap;
use crate::model::{Resource, ResourceKind};
use serde_json::{Value, json};
use std::sync::Arc;

/// The IAM policy types whose documents are attached to roles.
pub(super) const POLICY_TYPES: [&str; 3] = [
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
];

/// Completes the roles among `resources` with the template's policies, and adds its managed
/// policies as resources.
pub(super) fn attach_policies(
    (file, stack): (usize, &str),
    template: &Value,
    context: &Context<'_>,
    span_at: &SpanAt<'_>,
    resources: &mut Vec<Resource>,
) {
    for role in resources
        .iter_mut()
        .filter(|r| r.kind == ResourceKind::IamRole)
    {
        arns_as_attachments(role);
    }
    let declared = template.get("Resources").and_then(Value::as_object);
    for (logical_id, declaration) in declared.into_iter().flatten() {
        let cfn_type = declaration
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !POLICY_TYPES.contains(&cfn_type) {
            continue;
        }
        let empty = json!({});
        let properties = declaration.get("Properties").unwrap_or(&empty);
        let base = super::properties_path(logical_id);
        let document = properties
            .get("PolicyDocument")
            .and_then(|d| context.resolve(d))
            .unwrap_or_else(|| json!({}));
        let name_member = match cfn_type {
            "AWS::IAM::ManagedPolicy" => "ManagedPolicyName",
            _ => "PolicyName",
        };
        let name = properties
            .get(name_member)
            .and_then(|n| context.resolve(n))
            .and_then(|n| n.as_str().map(str::to_string))
            .unwrap_or_else(|| logical_id.clone());
        let roles: Vec<String> = match cfn_type {
            "AWS::IAM::RolePolicy" => properties.get("RoleName").into_iter().cloned().collect(),
            _ => properties
                .get("Roles")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
        .iter()
        .filter_map(|r| context.resolve(r)?.as_str().map(str::to_string))
        .collect();
        let placed = |map: &mut OriginMap, api: Vec<Step>| {
            let mut sink = Placed {
                file,
                properties,
                base: &base,
                span_at,
                context,
                map: std::mem::take(map),
                walk: None,
                lazy: false,
                dropped: false,
            };
            place_subtree(
                &mut sink,
                &api,
                &[Step::Key("PolicyDocument".into())],
                &document,
            );
            if let Some(span) = span_at(&base[..2], &[]) {
                let mut parent = api.clone();
                parent.pop();
                sink.map.insert(parent, super::written(file, span));
            }
            *map = sink.map;
        };
        if cfn_type == "AWS::IAM::ManagedPolicy" {
            let (id, _) = names(stack, logical_id, declaration);
            for role in roles_named(resources, &roles) {
                let attached = role.doc["AttachedManagedPolicies"]
                    .as_array()
                    .map_or(0, Vec::len);
                let entry = json!({"PolicyName": name, "PolicyArn": id});
                push(&mut role.doc, "AttachedManagedPolicies", entry);
                let mut map = take_map(role);
                if let Some(span) = span_at(&base[..2], &[]) {
                    let at = vec![
                        Step::Key("AttachedManagedPolicies".into()),
                        Step::Index(attached),
                    ];
                    map.insert(at, super::written(file, span));
                }
                role.origin.map = Some(Arc::new(map));
            }
            let mut map = OriginMap::default();
            let path = vec![
                Step::Key("PolicyVersionList".into()),
                Step::Index(0),
                Step::Key("Document".into()),
            ];
            placed(&mut map, path);
            if let Some(span) = span_at(&base[..2], &[]) {
                map.insert(Vec::new(), super::written(file, span));
            }
            resources.push(Resource::translated(
                (ResourceKind::IamPolicy, id.clone(), name.clone()),
                json!({
                    "PolicyName": name,
                    "Arn": id,
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": true, "Document": document}
                    ]
                }),
                (file, base.clone()),
                Some(map),
            ));
        } else {
            for role in roles_named(resources, &roles) {
                let inline = role.doc["RolePolicyList"].as_array().map_or(0, Vec::len);
                push(
                    &mut role.doc,
                    "RolePolicyList",
                    json!({"PolicyName": name, "PolicyDocument": document}),
                );
                let mut map = take_map(role);
                placed(
                    &mut map,
                    vec![
                        Step::Key("RolePolicyList".into()),
                        Step::Index(inline),
                        Step::Key("PolicyDocument".into()),
                    ],
                );
                role.origin.map = Some(Arc::new(map));
            }
        }
    }
}

fn roles_named<'r>(
    resources: &'r mut [Resource],
    tokens: &'r [String],
) -> impl Iterator<Item = &'r mut Resource> {
    resources
        .iter_mut()
        .filter(move |r| r.kind == ResourceKind::IamRole && tokens.contains(&r.id))
}

pub(super) fn take_map(resource: &mut Resource) -> OriginMap {
    resource
        .origin
        .map
        .take()
        .map(Arc::unwrap_or_clone)
        .unwrap_or_default()
}

fn push(doc: &mut Value, member: &str, value: Value) {
    if let Value::Object(map) = doc {
        let list = map.entry(member).or_insert_with(|| json!([]));
        if let Value::Array(items) = list {
            items.push(value);
        }
    }
}

/// Records where every node of `value` (at `api` in the document, `cfn` under the resource's
/// properties in the template) was written.
pub(super) fn place_subtree(sink: &mut Placed<'_>, api: &[Step], cfn: &[Step], value: &Value) {
    use crate::sources::cfn_names::Sink;
    // The note says where the value as written came from (`!Ref Param`), not what it became.
    let as_written = crate::model::unknown::pointer(sink.properties, cfn).unwrap_or(value);
    sink.moved(api, cfn, as_written);
    // What the template does not decide in a policy document (`Resource: !Ref Scope`), once.
    if cfn_names::is_intrinsic(value) {
        if !sink.map.unknowns.iter().any(|u| u.path == api) {
            sink.undecided(api, cfn, value, None);
        }
        return;
    }
    for (step, child) in super::children(value) {
        let mut api = api.to_vec();
        let mut cfn = cfn.to_vec();
        api.push(step.clone());
        cfn.push(step);
        place_subtree(sink, &api, &cfn, child);
    }
}

/// `ManagedPolicyArns: [arn, ...]` becomes `AttachedManagedPolicies: [{PolicyArn, PolicyName}]`,
/// each placed where its ARN was written.
fn arns_as_attachments(role: &mut Resource) {
    let Some(Value::Array(items)) = role.doc.get_mut("AttachedManagedPolicies") else {
        return;
    };
    for item in items.iter_mut() {
        if item.is_object() && item.get("PolicyArn").is_some() {
            continue;
        }
        let arn = item.take();
        let name = arn
            .as_str()
            .and_then(|a| a.rsplit('/').next())
            .map(str::to_string);
        *item = json!({"PolicyArn": arn});
        if let Some(name) = name {
            item["PolicyName"] = Value::String(name);
        }
    }
    let len = items.len();
    let mut map = take_map(role);
    map.nest_under_key("AttachedManagedPolicies", len, "PolicyArn");
    role.origin.map = Some(Arc::new(map));
}

/// Records where every node of a role's trust policy and own inline policies was written (the API model's
/// policy document is a string, so the translation stops at it).
pub(super) fn place_inline_documents(sink: &mut Placed<'_>, role: &Value, properties: &Value) {
    if let Some(trust) = role.get("AssumeRolePolicyDocument") {
        let path = [Step::Key("AssumeRolePolicyDocument".into())];
        place_subtree(sink, &path, &path, trust);
    }
    let policies = role.get("RolePolicyList").and_then(Value::as_array);
    for (i, policy) in policies.into_iter().flatten().enumerate() {
        if let Some(document) = policy.get("PolicyDocument") {
            let api = [
                Step::Key("RolePolicyList".into()),
                Step::Index(i),
                Step::Key("PolicyDocument".into()),
            ];
            // The i-th policy kept may not be the i-th written (`AWS::NoValue`): found by name.
            let written = properties
                .get("Policies")
                .and_then(Value::as_array)
                .and_then(|list| {
                    list.iter()
                        .position(|p| p.get("PolicyName") == policy.get("PolicyName"))
                });
            if let Some(w) = written {
                let cfn = [
                    Step::Key("Policies".into()),
                    Step::Index(w),
                    Step::Key("PolicyDocument".into()),
                ];
                place_subtree(sink, &api, &cfn, document);
            }
        }
    }
}
