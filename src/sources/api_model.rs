//! The AWS API model: botocore's service models cut to the shapes ecslint reads
//! (`data/aws-api-model.json`, made by `scripts/extract-api-model.py`), compiled in. Sources
//! that translate into API documents walk it (`cfn_names` for CloudFormation, Terraform's
//! mapping).

use serde_json::{Map, Value};
use std::sync::LazyLock;

static MODEL: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    let root: Value =
        serde_json::from_str(include_str!("../../data/aws-api-model.json")).unwrap_or_default();
    root.get("shapes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
});

/// A request's read-only members (a task definition's ARN, a service's `clusterArn`) are
/// members of its describe output.
const DESCRIBED: &[(&str, &str)] = &[
    ("ecs.RegisterTaskDefinitionRequest", "ecs.TaskDefinition"),
    ("ecs.CreateServiceRequest", "ecs.Service"),
    ("iam.RoleDetail", "iam.Role"),
    (
        "autoscaling.CreateAutoScalingGroupType",
        "autoscaling.AutoScalingGroup",
    ),
];

/// A shape's definition.
pub(super) fn shape(name: &str) -> Option<&'static Value> {
    MODEL.get(name)
}

/// A shape's type (`structure`, `list`, `map`, `string`...).
pub fn shape_type(name: &str) -> Option<&'static str> {
    shape(name)?.get("type")?.as_str()
}

/// A structure's members: name to shape.
pub fn shape_members(name: &str) -> Option<&'static Map<String, Value>> {
    shape(name)?.get("members")?.as_object()
}

/// The describe output a request shape's read-only members are in (`ecs.CreateServiceRequest`
/// → `ecs.Service`: a service's `clusterArn`).
pub fn described(shape_name: &str) -> Option<&'static str> {
    DESCRIBED
        .iter()
        .find(|(request, _)| *request == shape_name)
        .map(|(_, described)| *described)
}

/// The shape of a list's elements or a map's values.
pub fn element_shape(name: &str) -> &'static str {
    match shape(name) {
        Some(definition) if definition.get("member").is_some() => inner_shape(definition, "member"),
        Some(definition) => inner_shape(definition, "value"),
        None => "",
    }
}

/// The shape of a map's values (`"value"`) or a list's elements (`"member"`).
pub(super) fn inner_shape(definition: &'static Value, member: &str) -> &'static str {
    definition.get(member).and_then(Value::as_str).unwrap_or("")
}
