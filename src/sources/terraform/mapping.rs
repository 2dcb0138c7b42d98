//! A Terraform resource's evaluated arguments to the API's member names, by the API model and
//! the exceptions of `data/terraform-mapping.toml`: the result is a JSON value in the API's
//! names (undecided values as markers), with where each node was written and what each
//! unknown value is; `cfn_names::translate_shape` then takes the API's types.

use super::value::{At, Node, Unknown, Val, parse_json};
use crate::location::Step;
use crate::model::origin::PathKey;
use crate::sources::api_model::{self, described, element_shape, shape_type};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

/// Arguments every resource has that are Terraform's, not the API's.
const META: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "lifecycle",
    "provider",
    "provisioner",
    "connection",
    "tags_all",
    "timeouts",
    "region",
];

/// One exception: the API path (empty: Terraform-only) and a value conversion.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum Rule {
    Path(String),
    Converted { api: String, convert: String },
}

impl Rule {
    pub fn api(&self) -> &str {
        match self {
            Rule::Path(api) | Rule::Converted { api, .. } => api,
        }
    }

    fn convert(&self) -> Option<&str> {
        match self {
            Rule::Path(_) => None,
            Rule::Converted { convert, .. } => Some(convert),
        }
    }
}

/// Mapping exceptions by resource type, then by argument path.
pub type Rules = foldhash::HashMap<String, foldhash::HashMap<String, Rule>>;

/// The exceptions, by resource type and argument path.
pub static RULES: LazyLock<Rules> = LazyLock::new(|| {
    toml::from_str(include_str!("../../../data/terraform-mapping.toml")).unwrap_or_default()
});

/// A resource's arguments mapped: the value, where its nodes were written (by path in it), and
/// its unknown values (by path).
#[derive(Default)]
pub struct Mapped {
    pub value: Value,
    pub places: foldhash::HashMap<PathKey, (At, Option<Arc<str>>)>,
    pub unknowns: foldhash::HashMap<PathKey, Unknown>,
}

/// Maps the arguments of a resource of `kind` whose API document has shape `root`.
pub fn map(kind: &str, root: &str, members: &[(String, Node)], at: Option<At>) -> Mapped {
    let empty = foldhash::HashMap::default();
    let mut mapper = Mapper {
        rules: RULES.get(kind).unwrap_or(&empty),
        mapped: Mapped::default(),
        path: Vec::new(),
    };
    let mut out = Map::new();
    mapper.structure(root, "", members, &mut out);
    if let Some(at) = at {
        mapper.mapped.places.insert(PathKey::of(&[]), (at, None));
    }
    mapper.mapped.value = Value::Object(out);
    mapper.mapped
}

struct Mapper<'r> {
    rules: &'r foldhash::HashMap<String, Rule>,
    mapped: Mapped,
    path: Vec<Step>,
}

/// `network_mode` → `networkMode`.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// An API member's name and shape.
type Member = Option<(String, &'static str)>;

/// The API member an argument is, by name (ignoring case), or its plural for a repeated block.
pub fn member_of(shape: &str, argument: &str) -> Member {
    thread_local! {
        static KNOWN: api_model::Answers<Member> = Default::default();
    }
    api_model::remembered(&KNOWN, (shape, argument), || {
        member_in(shape, argument).or_else(|| member_in(described(shape)?, argument))
    })
}

/// [`member_of`] in one shape, without its describe output's.
fn member_in(shape: &str, argument: &str) -> Option<(String, &'static str)> {
    let members = &api_model::shape(shape)?.members;
    let wanted = camel(argument);
    let find = |name: &str| {
        members
            .iter()
            .find(|(member, _)| member.eq_ignore_ascii_case(name))
            .map(|(member, s)| (member.to_string(), *s))
    };
    find(&wanted)
        .or_else(|| find(&format!("{wanted}s")))
        .or_else(|| find(&format!("{wanted}es")))
}

impl Mapper<'_> {
    fn place(&mut self, node: &Node) {
        if let Some(at) = node.at {
            self.mapped
                .places
                .insert(PathKey::of(&self.path), (at, node.note.clone()));
        }
    }

    fn structure(
        &mut self,
        shape: &str,
        argument_path: &str,
        members: &[(String, Node)],
        out: &mut Map<String, Value>,
    ) {
        for (name, child) in members {
            if (argument_path.is_empty() && META.contains(&name.as_str())) || child.is_null() {
                continue;
            }
            let path = match argument_path {
                "" => name.clone(),
                parent => format!("{parent}.{name}"),
            };
            let rules = self.rules;
            let (steps, convert): (Vec<String>, Option<&str>) = match rules.get(&path) {
                Some(rule) if rule.api().is_empty() => continue,
                Some(rule) => (
                    rule.api().split('.').map(str::to_string).collect(),
                    rule.convert(),
                ),
                None => match member_of(shape, name) {
                    Some((member, _)) => (vec![member], None),
                    None => continue,
                },
            };
            let converted = match convert {
                Some(how) => Cow::Owned(convert_value(how, child)),
                None => Cow::Borrowed(child),
            };
            self.set(shape, &steps, &path, &converted, out);
        }
    }

    /// Sets member path `steps` of `out` (of `shape`) to `node`, making the objects between.
    fn set(
        &mut self,
        shape: &str,
        steps: &[String],
        argument_path: &str,
        node: &Node,
        out: &mut Map<String, Value>,
    ) {
        let Some((first, rest)) = steps.split_first() else {
            return;
        };
        let Some(member_shape) = api_model::member_shape(shape, first) else {
            return;
        };
        self.path.push(Step::Key(first.clone()));
        if rest.is_empty() {
            let value = self.value(member_shape, argument_path, node);
            // A block and arguments mapped into one structure (`deployment_configuration` and
            // `deployment_circuit_breaker`) make one: members merge.
            match (out.get_mut(first), value) {
                (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
                (_, value) => {
                    out.insert(first.clone(), value);
                }
            }
        } else {
            self.place(node);
            let entry = out
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = entry {
                let mut inner = std::mem::take(inner);
                self.set(member_shape, rest, argument_path, node, &mut inner);
                out.insert(first.clone(), Value::Object(inner));
            }
        }
        self.path.pop();
    }

    /// A node as a value of `shape` ("" for a JSON document, whose members keep their names).
    fn value(&mut self, shape: &str, argument_path: &str, node: &Node) -> Value {
        self.place(node);
        if let Val::Unknown(unknown) = &node.value {
            return self.unknown(shape, argument_path, unknown);
        }
        let kind = shape_type(shape).unwrap_or("");
        match (kind, &node.value) {
            ("structure", Val::Object(members)) => {
                let mut out = Map::new();
                self.structure(shape, argument_path, members, &mut out);
                Value::Object(out)
            }
            // A block where the API has one structure.
            ("structure", Val::List(blocks)) if !blocks.is_empty() => {
                self.value(shape, argument_path, &blocks[0])
            }
            ("list", Val::List(items)) => {
                let element = element_shape(shape);
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    out.push(self.value(element, argument_path, item));
                    self.path.pop();
                }
                Value::Array(out)
            }
            // One value where the API has a list (a plan's reference to one resource).
            ("list", Val::String(_) | Val::Rendered(_)) => {
                self.path.push(Step::Index(0));
                let element = self.value(element_shape(shape), argument_path, node);
                self.path.pop();
                Value::Array(vec![element])
            }
            ("list", Val::Object(_)) => {
                self.path.push(Step::Index(0));
                let element = self.value(element_shape(shape), argument_path, node);
                self.path.pop();
                Value::Array(vec![element])
            }
            ("map", Val::Object(members)) => {
                let element = element_shape(shape);
                let mut out = Map::new();
                for (key, item) in members {
                    self.path.push(Step::Key(key.clone()));
                    out.insert(key.clone(), self.value(element, "", item));
                    self.path.pop();
                }
                Value::Object(out)
            }
            // A JSON document the API takes as a string (a policy).
            ("string", Val::Json(inner)) => self.value("", argument_path, inner),
            (_, Val::Object(members)) => {
                let mut out = Map::new();
                for (key, item) in members {
                    self.path.push(Step::Key(key.clone()));
                    out.insert(key.clone(), self.value("", "", item));
                    self.path.pop();
                }
                Value::Object(out)
            }
            (_, Val::List(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    out.push(self.value("", "", item));
                    self.path.pop();
                }
                Value::Array(out)
            }
            _ => node.to_json().unwrap_or(Value::Null),
        }
    }

    fn unknown(&mut self, shape: &str, argument_path: &str, unknown: &Unknown) -> Value {
        self.mapped
            .unknowns
            .insert(PathKey::of(&self.path), unknown.clone());
        match &unknown.shape {
            super::value::UnknownShape::Branches {
                condition,
                when_true,
                when_false,
            } => {
                // The branches as values of the shape; their places are the conditional's.
                let saved = std::mem::take(&mut self.mapped.places);
                let saved_unknowns = self.mapped.unknowns.clone();
                let a = self.value(shape, argument_path, when_true);
                let b = self.value(shape, argument_path, when_false);
                self.mapped.places = saved;
                self.mapped.unknowns = saved_unknowns;
                serde_json::json!({"Fn::If": [condition, a, b]})
            }
            _ => crate::model::unknown::marker(&unknown.why),
        }
    }
}

/// A value converted as a mapping entry says.
fn convert_value(how: &str, node: &Node) -> Node {
    if node.is_unknown() && how != "json" {
        return node.clone();
    }
    let pairs = |key: &str, value: &str| match &node.value {
        Val::Object(members) => Node::new(
            Val::List(
                members
                    .iter()
                    .map(|(k, v)| {
                        let entry = vec![
                            (key.to_string(), Node::string(k.clone(), v.at)),
                            (value.to_string(), v.clone()),
                        ];
                        Node::new(Val::Object(entry), v.at)
                    })
                    .collect(),
            ),
            node.at,
        ),
        _ => node.clone(),
    };
    match how {
        "json" => parse_json(node),
        "enabled" => match node.as_bool() {
            Some(on) => Node {
                value: Val::String(if on { "ENABLED" } else { "DISABLED" }.into()),
                ..node.clone()
            },
            None => node.clone(),
        },
        "key_value" => pairs("key", "value"),
        "Key_Value" => pairs("Key", "Value"),
        "name_value" => pairs("name", "value"),
        "policy_version" => {
            let version = vec![
                ("VersionId".to_string(), Node::string("v1", node.at)),
                (
                    "IsDefaultVersion".to_string(),
                    Node::new(Val::Bool(true), node.at),
                ),
                ("Document".to_string(), parse_json(node)),
            ];
            Node::new(
                Val::List(vec![Node::new(Val::Object(version), node.at)]),
                node.at,
            )
        }
        each if each.starts_with("each_as:") => {
            let key = &each["each_as:".len()..];
            let items = match &node.value {
                Val::List(items) => items.clone(),
                _ => vec![node.clone()],
            };
            let wrapped = items
                .into_iter()
                .map(|item| {
                    let at = item.at;
                    Node::new(Val::Object(vec![(key.to_string(), item)]), at)
                })
                .collect();
            Node::new(Val::List(wrapped), node.at)
        }
        _ => node.clone(),
    }
}
