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

/// A shape of the model, compiled for lookups: sources ask the same few hundred questions of it
/// for every resource, and the model's JSON objects hash every key they are asked for.
#[derive(Debug)]
pub struct Shape {
    /// `structure`, `list`, `map`, `string`, `integer`...
    pub kind: &'static str,
    /// A structure's members in the model's order: name and shape.
    pub members: Vec<(&'static str, &'static str)>,
    /// Where each member is in `members`, by name.
    index: foldhash::HashMap<&'static str, usize>,
    /// A list's element shape, or a map's value shape ("" for other kinds).
    pub element: &'static str,
}

impl Shape {
    /// The shape of member `name` of a structure.
    pub fn member(&self, name: &str) -> Option<&'static str> {
        self.index.get(name).map(|&at| self.members[at].1)
    }

    /// Member `name` of a structure, as the model names it, and its shape.
    pub fn member_named(&self, name: &str) -> Option<(&'static str, &'static str)> {
        self.index.get(name).map(|&at| self.members[at])
    }
}

static SHAPES: LazyLock<foldhash::HashMap<&'static str, Shape>> = LazyLock::new(|| {
    let text = |value: &'static Value, key: &str| value.get(key).and_then(Value::as_str);
    MODEL
        .iter()
        .map(|(name, definition)| {
            let members: Vec<(&'static str, &'static str)> = definition
                .get("members")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(member, shape)| (member.as_str(), shape.as_str().unwrap_or("")))
                .collect();
            let index = members
                .iter()
                .enumerate()
                .map(|(at, (member, _))| (*member, at))
                .collect();
            let shape = Shape {
                kind: text(definition, "type").unwrap_or(""),
                members,
                index,
                element: text(definition, "member")
                    .or_else(|| text(definition, "value"))
                    .unwrap_or(""),
            };
            (name.as_str(), shape)
        })
        .collect()
});

/// A shape by name.
pub fn shape(name: &str) -> Option<&'static Shape> {
    SHAPES.get(name)
}

/// A shape's type (`structure`, `list`, `map`, `string`...).
pub fn shape_type(name: &str) -> Option<&'static str> {
    Some(shape(name)?.kind)
}

/// The describe output a request shape's read-only members are in (`ecs.CreateServiceRequest`
/// → `ecs.Service`: a service's `clusterArn`).
pub fn described(shape_name: &str) -> Option<&'static str> {
    DESCRIBED
        .iter()
        .find(|(request, _)| *request == shape_name)
        .map(|(_, described)| *described)
}

/// Answers to a question about a shape and a name, kept per thread: a source asks the same few
/// hundred of them for every node it translates.
pub type Answers<V> = std::cell::RefCell<foldhash::HashMap<String, foldhash::HashMap<String, V>>>;

/// The answer in `answers` about `shape_name` and `name`, worked out by `find` the first time
/// (looked up by borrowed strings; owned only then).
pub fn remembered<V: Clone + 'static>(
    answers: &'static std::thread::LocalKey<Answers<V>>,
    (shape_name, name): (&str, &str),
    find: impl FnOnce() -> V,
) -> V {
    answers.with_borrow_mut(|known| {
        if let Some(found) = known.get(shape_name).and_then(|m| m.get(name)) {
            return found.clone();
        }
        let found = find();
        (known.entry(shape_name.to_string()).or_default()).insert(name.to_string(), found.clone());
        found
    })
}

/// The shape of member `name` of structure `shape_name`, or of its describe output's.
pub fn member_shape(shape_name: &str, name: &str) -> Option<&'static str> {
    let of = |shape_name: &str| shape(shape_name)?.member(name);
    of(shape_name).or_else(|| of(described(shape_name)?))
}

/// The shape of a list's elements or a map's values.
pub fn element_shape(name: &str) -> &'static str {
    shape(name).map_or("", |shape| shape.element)
}
