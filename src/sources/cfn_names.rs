//! CloudFormation properties to API documents, by the API's own model: each property name is
//! the API member of the same name with its first letter lower-cased, else the one that matches
//! ignoring case (`EFSVolumeConfiguration` → `efsVolumeConfiguration`, `FilesystemId` →
//! `fileSystemId`), else one of the few renames below; the keys of map-valued members
//! (`DockerLabels`, `Options`) are the user's and stay. Values take the API's types where the
//! template wrote another (`Cpu: 512` is the API's string `"512"`). Intrinsic functions are kept
//! as written, for the template reader to resolve.
//!
//! The model is botocore's, cut to the shapes ecslint reads (`api_model`).

use super::api_model::{Answers, described, member_shape, remembered, shape};
use crate::location::Step;
use serde_json::{Map, Value};
use std::borrow::Cow;

mod written;
pub use written::written_span;

/// The API shape each CloudFormation type's `Properties` become: the request that creates the
/// resource, or its describe output where the model has no request.
const ROOTS: &[(&str, &str)] = &[
    (
        "AWS::ECS::TaskDefinition",
        "ecs.RegisterTaskDefinitionRequest",
    ),
    ("AWS::ECS::Service", "ecs.CreateServiceRequest"),
    ("AWS::ECS::Cluster", "ecs.Cluster"),
    ("AWS::ECS::CapacityProvider", "ecs.CapacityProvider"),
    ("AWS::IAM::Role", "iam.RoleDetail"),
    // Folded into its service's `taskSets`, as describe-services lists them.
    ("AWS::ECS::TaskSet", "ecs.TaskSet"),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        "autoscaling.CreateAutoScalingGroupType",
    ),
];

/// Properties whose API member has another name, by shape (`None`: CloudFormation-only, no
/// API member). Checked against CloudFormation's schemas by tests/cfn_names.rs.
const RENAMED: &[(&str, &str, Option<&str>)] = &[
    (
        "ecs.ProxyConfiguration",
        "ProxyConfigurationProperties",
        Some("properties"),
    ),
    (
        "ecs.CreateServiceRequest",
        "PlacementStrategies",
        Some("placementStrategy"),
    ),
    // Read-only (`Fn::GetAtt Service.Name`); the writable name is `ServiceName`.
    ("ecs.CreateServiceRequest", "Name", Some("serviceName")),
    // Makes CloudFormation call UpdateService with forceNewDeployment.
    ("ecs.CreateServiceRequest", "ForceNewDeployment", None),
    ("ecs.Cluster", "ClusterSettings", Some("settings")),
    ("ecs.Cluster", "Arn", Some("clusterArn")),
    ("ecs.CapacityProvider", "ClusterName", Some("cluster")),
    ("iam.RoleDetail", "Policies", Some("RolePolicyList")),
    (
        "autoscaling.CreateAutoScalingGroupType",
        "Cooldown",
        Some("DefaultCooldown"),
    ),
    // Separate API calls (EnableMetricsCollection, PutNotificationConfiguration).
    (
        "autoscaling.CreateAutoScalingGroupType",
        "MetricsCollection",
        None,
    ),
    (
        "autoscaling.CreateAutoScalingGroupType",
        "NotificationConfiguration",
        None,
    ),
    (
        "autoscaling.CreateAutoScalingGroupType",
        "NotificationConfigurations",
        None,
    ),
    // A list of ARNs in the template, of `{PolicyArn}` in the API (the template reader
    // rewrites each).
    (
        "iam.RoleDetail",
        "ManagedPolicyArns",
        Some("AttachedManagedPolicies"),
    ),
];

/// The API shape of a CloudFormation resource type's properties, when ecslint reads the type.
pub fn root_shape(cfn_type: &str) -> Option<&'static str> {
    ROOTS.iter().find(|(t, _)| *t == cfn_type).map(|(_, s)| *s)
}

/// What [`member`] answers, by shape and property.
type Member = Option<(Option<&'static str>, Option<&'static str>)>;

thread_local! {
    /// [`member`]'s answers.
    static MEMBERS: Answers<Member> = Default::default();
}

/// The API member a property of `shape_name` maps to, and that member's shape. `Some((None,
/// _))`: a CloudFormation-only property.
fn member(shape_name: &str, property: &str) -> Member {
    remembered(&MEMBERS, (shape_name, property), || {
        member_in_model(shape_name, property)
    })
}

fn member_in_model(shape_name: &str, property: &str) -> Member {
    let definition = shape(shape_name).filter(|s| s.kind == "structure")?;
    if let Some((_, _, renamed)) = RENAMED
        .iter()
        .find(|(s, p, _)| *s == shape_name && *p == property)
    {
        return Some((*renamed, renamed.and_then(|name| definition.member(name))));
    }
    let mut chars = property.chars();
    let lowered: String = chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    if let Some((name, found)) = definition.member_named(&lowered) {
        return Some((Some(name), Some(found)));
    }
    let mut caseless = (definition.members.iter())
        .map(|(member, _)| *member)
        .filter(|m| m.eq_ignore_ascii_case(property));
    match (caseless.next(), caseless.next()) {
        (Some(name), None) => Some((Some(name), definition.member(name))),
        _ => member_in_model(described(shape_name)?, property),
    }
}

/// The API path of a path in a type's `Properties` (`Volumes[0].EFSVolumeConfiguration` →
/// `volumes[0].efsVolumeConfiguration`); `None` when a step has no API member.
pub fn api_path(cfn_type: &str, cfn_path: &[Step]) -> Option<Vec<Step>> {
    let member_of = |shape: &str, property: &str| {
        let (name, next) = member(shape, property)?;
        Some((name?.to_string(), next?))
    };
    walk_model(cfn_type, cfn_path, member_of).map(|(path, _)| path)
}

/// Walks `path` through the API model from `cfn_type`'s root shape: a structure's step is
/// named by `structure(shape, name)` (with the next shape), a map's keys and a list's indexes
/// stay. The path renamed, and the shape at its end.
fn walk_model(
    cfn_type: &str,
    path: &[Step],
    structure: impl Fn(&str, &str) -> Option<(String, &'static str)>,
) -> Option<(Vec<Step>, &'static str)> {
    let mut current = root_shape(cfn_type)?;
    let mut out = Vec::with_capacity(path.len());
    for step in path {
        let definition = shape(current)?;
        match (step, definition.kind) {
            (Step::Key(name), "structure") => {
                let (renamed, next) = structure(current, name)?;
                out.push(Step::Key(renamed));
                current = next;
            }
            (Step::Key(key), "map") => {
                out.push(Step::Key(key.clone()));
                current = definition.element;
            }
            (Step::Index(i), "list") => {
                out.push(Step::Index(*i));
                current = definition.element;
            }
            _ => return None,
        }
    }
    Some((out, current))
}

/// Whether a value is a CloudFormation intrinsic function (`{"Ref": ...}`, `{"Fn::Sub": ...}`).
pub fn is_intrinsic(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| map.len() == 1 && map.keys().all(|k| names_intrinsic(k)))
}

/// Whether an object member named `key`, alone in its object, is an intrinsic function.
fn names_intrinsic(key: &str) -> bool {
    key == "Ref" || key == "Condition" || key.starts_with("Fn::")
}

/// What a template decides about one value before it is translated: the value to use (the
/// same, or what an intrinsic function resolved to) or `None` when it is to be left out
/// (`AWS::NoValue`).
pub type Resolver<'r> = &'r dyn Fn(&Value) -> Option<Cow<'_, Value>>;

/// Keeps every value as written.
pub fn as_written(value: &Value) -> Option<Cow<'_, Value>> {
    Some(Cow::Borrowed(value))
}

/// What the translation tells its caller about each node of the document it makes.
pub trait Sink {
    /// The node at `api` was written at `cfn` as `written` (a list element left out does not
    /// shift the template paths of the others).
    fn moved(&mut self, api: &[Step], cfn: &[Step], written: &Value);
    /// The node at `api` is an intrinsic function the resolver left undecided; for `Fn::If`,
    /// `branches` are its two values translated (`None`: `AWS::NoValue`).
    fn undecided(&mut self, _api: &[Step], _cfn: &[Step], _value: &Value, _branches: Branches) {}
    /// The translation descends one step, to `api` in the document and `cfn` in the template:
    /// every `moved` until the matching [`Sink::leave`] is at or below it. A sink that follows
    /// the walk finds and keys each node from its parent's instead of from the root. `member`:
    /// the step is to the `index`-th of `count` members of the object translated.
    fn enter(&mut self, _api: &Step, _cfn: &Step, _member: Option<MemberAt>) {}
    fn leave(&mut self) {}
    /// A list element was left out (`AWS::NoValue`): the elements after it are one index
    /// lower in the document than in the template.
    fn dropped(&mut self) {}
}

/// Where a member is among its object's members, as the translated value has them (first
/// places; a repeated key counted once): `(index, count)`.
pub type MemberAt = (usize, usize);

/// The translated branches of an undecided `Fn::If`, when the value is one.
pub type Branches = Option<[Option<Value>; 2]>;

impl<F: FnMut(&[Step], &[Step])> Sink for F {
    fn moved(&mut self, api: &[Step], cfn: &[Step], _: &Value) {
        self(api, cfn)
    }
}

/// Hears nothing: for the branches of an undecided condition, placed at the condition.
struct Deaf;
impl Sink for Deaf {
    fn moved(&mut self, _: &[Step], _: &[Step], _: &Value) {}
}

/// The API document of a type's `Properties`, telling `sink` where each node was written.
pub fn translate(
    cfn_type: &str,
    properties: &Value,
    resolve: Resolver<'_>,
    sink: &mut dyn Sink,
) -> Option<Value> {
    translate_shape(root_shape(cfn_type)?, properties, resolve, sink)
}

/// [`translate`] from an API shape: for a source whose values already carry the API's member
/// names (Terraform's arguments, mapped), to take the API's types and resolve as the template
/// translation does.
pub fn translate_shape(
    root: &str,
    properties: &Value,
    resolve: Resolver<'_>,
    sink: &mut dyn Sink,
) -> Option<Value> {
    let mut paths = Paths::default();
    // `Properties: !Ref AWS::NoValue` is no properties.
    translate_value(root, properties, resolve, &mut paths, sink).or(Some(Value::Object(Map::new())))
}

/// The API path and the template path of the node being translated.
#[derive(Default)]
struct Paths {
    api: Vec<Step>,
    cfn: Vec<Step>,
}

impl Paths {
    /// One step down, told to `sink` too.
    fn enter(&mut self, sink: &mut dyn Sink, (api, cfn): (Step, Step), member: Option<MemberAt>) {
        sink.enter(&api, &cfn, member);
        self.api.push(api);
        self.cfn.push(cfn);
    }

    /// One step up; the API step taken back (a member's name then names it in the document).
    fn leave(&mut self, sink: &mut dyn Sink) -> Option<Step> {
        sink.leave();
        self.cfn.pop();
        self.api.pop()
    }
}

fn translate_value(
    shape_name: &str,
    written: &Value,
    resolve: Resolver<'_>,
    paths: &mut Paths,
    sink: &mut dyn Sink,
) -> Option<Value> {
    let value = resolve(written)?;
    let value = value.as_ref();
    sink.moved(&paths.api, &paths.cfn, written);
    if is_intrinsic(value) {
        let branches = match value.get("Fn::If").and_then(Value::as_array) {
            Some(arguments) if arguments.len() == 3 => Some([1, 2].map(|i| {
                let mut inside = Paths::default();
                translate_value(shape_name, &arguments[i], resolve, &mut inside, &mut Deaf)
            })),
            _ => None,
        };
        sink.undecided(&paths.api, &paths.cfn, value, branches);
        return Some(value.clone());
    }
    let Some(definition) = shape(shape_name) else {
        return Some(match value {
            Value::Object(_) | Value::Array(_) => document(value, resolve, paths, sink),
            _ => value.clone(),
        });
    };
    let kind = definition.kind;
    Some(match (kind, value) {
        // A JSON document the API takes as a string (a policy document): its values are
        // resolved as the template decides them, member by member.
        ("string", Value::Object(_)) => document(value, resolve, paths, sink),
        ("structure", Value::Object(properties)) => {
            let mut out = Map::with_capacity(properties.len());
            for (index, (property, child)) in properties.iter().enumerate() {
                let Some((Some(name), Some(child_shape))) = member(shape_name, property) else {
                    continue;
                };
                let steps = (Step::Key(name.to_string()), Step::Key(property.clone()));
                paths.enter(sink, steps, Some((index, properties.len())));
                let translated = translate_value(child_shape, child, resolve, paths, sink);
                insert(&mut out, paths.leave(sink), translated);
            }
            Value::Object(out)
        }
        ("map", Value::Object(entries)) => {
            let value_shape = definition.element;
            let mut out = Map::with_capacity(entries.len());
            for (index, (key, child)) in entries.iter().enumerate() {
                let steps = (Step::Key(key.clone()), Step::Key(key.clone()));
                paths.enter(sink, steps, Some((index, entries.len())));
                let translated = translate_value(value_shape, child, resolve, paths, sink);
                insert(&mut out, paths.leave(sink), translated);
            }
            Value::Object(out)
        }
        ("list", Value::Array(items)) => {
            let item_shape = definition.element;
            let mut out = Vec::with_capacity(items.len());
            for (i, child) in items.iter().enumerate() {
                paths.enter(sink, (Step::Index(out.len()), Step::Index(i)), None);
                let translated = translate_value(item_shape, child, resolve, paths, sink);
                paths.leave(sink);
                push(&mut out, translated, sink);
            }
            Value::Array(out)
        }
        // A list where the API has one comma-separated string (`VPCZoneIdentifier`).
        ("string", Value::Array(items)) => {
            let resolved: Option<Vec<String>> = items
                .iter()
                .filter_map(resolve)
                .map(|item| item.as_str().map(str::to_string))
                .collect();
            match resolved {
                Some(parts) => Value::String(parts.join(",")),
                None => {
                    sink.undecided(&paths.api, &paths.cfn, value, None);
                    value.clone()
                }
            }
        }
        ("string", Value::Number(n)) => Value::String(n.to_string()),
        ("string", Value::Bool(b)) => Value::String(b.to_string()),
        ("integer", Value::String(s)) => s.trim().parse::<i64>().map_or(value.clone(), Value::from),
        ("double", Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(value.clone(), Value::Number),
        ("boolean", Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => value.clone(),
        },
        _ => value.clone(),
    })
}

/// Puts a member translated (`None`: left out) under the name its step down had.
fn insert(out: &mut Map<String, Value>, step: Option<Step>, translated: Option<Value>) {
    if let (Some(Step::Key(name)), Some(translated)) = (step, translated) {
        out.insert(name, translated);
    }
}

/// Adds a list element translated; one left out (`None`) is told to `sink`.
fn push(out: &mut Vec<Value>, translated: Option<Value>, sink: &mut dyn Sink) {
    match translated {
        Some(translated) => out.push(translated),
        None => sink.dropped(),
    }
}

/// Not a shape of the model: a JSON document, whose members keep their names.
const DOCUMENT: &str = "document";

/// A JSON document's members (or elements) translated as documents.
fn document(value: &Value, resolve: Resolver<'_>, paths: &mut Paths, sink: &mut dyn Sink) -> Value {
    match value {
        Value::Object(members) => {
            let mut out = Map::with_capacity(members.len());
            for (index, (key, child)) in members.iter().enumerate() {
                let steps = (Step::Key(key.clone()), Step::Key(key.clone()));
                paths.enter(sink, steps, Some((index, members.len())));
                let translated = translate_value(DOCUMENT, child, resolve, paths, sink);
                insert(&mut out, paths.leave(sink), translated);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, child) in items.iter().enumerate() {
                paths.enter(sink, (Step::Index(out.len()), Step::Index(i)), None);
                let translated = translate_value(DOCUMENT, child, resolve, paths, sink);
                paths.leave(sink);
                push(&mut out, translated, sink);
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

/// The property path of an API path of a type's document (`containerDefinitions[0].
/// readonlyRootFilesystem` → `ContainerDefinitions[0].ReadonlyRootFilesystem`; map keys kept),
/// and the API shape at its end: where a fix that sets an API member writes in a template.
pub fn property_path(cfn_type: &str, api: &[Step]) -> Option<(Vec<Step>, &'static str)> {
    walk_model(cfn_type, api, property_of)
}

/// An API value of `shape_name` as a template writes it (member names as properties).
pub fn render_as(shape_name: &str, value: &Value) -> Value {
    render_value(shape_name, value)
}

/// The inverse of [`translate`]: an API document as the `Properties` of a CloudFormation
/// type (names by the model, renames reversed, map keys kept; members the model does not know,
/// such as `_facts`, left out). For the mirror tests, which judge every rule's fixtures as
/// templates too.
pub fn render(cfn_type: &str, doc: &Value) -> Option<Value> {
    let mut properties = render_value(root_shape(cfn_type)?, doc);
    // The role detail lists attachments; a template lists their ARNs.
    if cfn_type == "AWS::IAM::Role"
        && let Some(Value::Array(attached)) = properties.get_mut("ManagedPolicyArns")
    {
        for item in attached.iter_mut() {
            *item = item.get("PolicyArn").cloned().unwrap_or(Value::Null);
        }
    }
    Some(properties)
}

fn render_value(shape_name: &str, value: &Value) -> Value {
    let Some(definition) = shape(shape_name) else {
        return value.clone();
    };
    let kind = definition.kind;
    match (kind, value) {
        ("structure", Value::Object(members)) => {
            let mut out = Map::new();
            for (name, child) in members {
                let Some((property, child_shape)) = property_of(shape_name, name) else {
                    continue;
                };
                out.insert(property, render_value(child_shape, child));
            }
            Value::Object(out)
        }
        ("map", Value::Object(entries)) => {
            let value_shape = definition.element;
            Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), render_value(value_shape, v)))
                    .collect(),
            )
        }
        ("list", Value::Array(items)) => {
            let item_shape = definition.element;
            Value::Array(items.iter().map(|v| render_value(item_shape, v)).collect())
        }
        _ => value.clone(),
    }
}

/// The property an API member of `shape_name` is written as, and the member's shape.
fn property_of(shape_name: &str, member_name: &str) -> Option<(String, &'static str)> {
    let shape_of_member = member_shape(shape_name, member_name)?;
    let renamed = RENAMED
        .iter()
        .find(|(s, _, api)| *s == shape_name && *api == Some(member_name))
        .map(|(_, property, _)| property.to_string());
    let property = renamed.unwrap_or_else(|| {
        let mut chars = member_name.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    });
    Some((property, shape_of_member))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_types_follow_the_api_model() {
        let properties = json!({
            "Family": "web",
            "Cpu": 512,
            "Memory": "1024",
            "TaskRoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
            "ContainerDefinitions": [{
                "Name": "app",
                "Image": {"Ref": "Image"},
                "Privileged": "true",
                "Memory": "512",
                "DockerLabels": {"Team": "a", "com.example.Owner": "b"},
                "LogConfiguration": {"LogDriver": "awslogs", "Options": {"awslogs-group": "g"}}
            }],
            "Volumes": [{"Name": "data", "EFSVolumeConfiguration": {
                "FilesystemId": "fs-1", "TransitEncryption": "DISABLED",
                "AuthorizationConfig": {"IAM": "ENABLED"}}}],
            "NotAProperty": 1
        });
        let mut moves = Vec::new();
        let doc = translate(
            "AWS::ECS::TaskDefinition",
            &properties,
            &as_written,
            &mut |api: &[Step], cfn: &[Step]| moves.push((api.to_vec(), cfn.to_vec())),
        )
        .unwrap();
        assert_eq!(doc["family"], "web");
        assert_eq!(doc["cpu"], "512");
        assert_eq!(
            doc["taskRoleArn"],
            json!({"Fn::GetAtt": ["TaskRole", "Arn"]})
        );
        let container = &doc["containerDefinitions"][0];
        assert_eq!(container["privileged"], true);
        assert_eq!(container["memory"], 512);
        assert_eq!(container["image"], json!({"Ref": "Image"}));
        assert_eq!(
            container["dockerLabels"],
            json!({"Team": "a", "com.example.Owner": "b"})
        );
        assert_eq!(
            container["logConfiguration"]["options"]["awslogs-group"],
            "g"
        );
        let efs = &doc["volumes"][0]["efsVolumeConfiguration"];
        assert_eq!(efs["fileSystemId"], "fs-1");
        assert_eq!(efs["authorizationConfig"]["iam"], "ENABLED");
        assert!(doc.get("notAProperty").is_none() && doc.get("NotAProperty").is_none());
        let key = |k: &str| Step::Key(k.into());
        let api = vec![
            key("volumes"),
            Step::Index(0),
            key("efsVolumeConfiguration"),
            key("fileSystemId"),
        ];
        let cfn = vec![
            key("Volumes"),
            Step::Index(0),
            key("EFSVolumeConfiguration"),
            key("FilesystemId"),
        ];
        assert!(moves.contains(&(api.clone(), cfn.clone())));
        assert_eq!(api_path("AWS::ECS::TaskDefinition", &cfn), Some(api));
        let cluster = translate(
            "AWS::ECS::Cluster",
            &json!({"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]}),
            &as_written,
            &mut |_: &[Step], _: &[Step]| {},
        )
        .unwrap();
        assert_eq!(
            cluster,
            json!({"settings": [{"name": "containerInsights", "value": "enabled"}]})
        );
        assert_eq!(
            api_path("AWS::ECS::Service", &[key("ForceNewDeployment")]),
            None
        );
        assert!(root_shape("AWS::S3::Bucket").is_none());
    }
}
