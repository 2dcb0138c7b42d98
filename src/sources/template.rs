//! CloudFormation templates (JSON or YAML) to resources: each ECS resource's `Properties`
//! become its API document (`cfn_names`), and its origin map says where in the template each
//! part was written, so findings land on the template's own lines. Not wired to discovery yet:
//! intrinsic functions are kept as written until the template reader resolves them (issue 13).

use super::cfn_names;
use crate::location::{Span, Step};
use crate::model::origin::{OriginMap, Written};
use crate::model::{Origin, Resource, ResourceKind};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// The ECS resource types read, and the kind each becomes.
const TYPES: &[(&str, ResourceKind)] = &[
    ("AWS::ECS::TaskDefinition", ResourceKind::TaskDefinition),
    ("AWS::ECS::Service", ResourceKind::Service),
    ("AWS::ECS::Cluster", ResourceKind::Cluster),
    ("AWS::ECS::CapacityProvider", ResourceKind::CapacityProvider),
];

/// Whether a parsed document is a CloudFormation template: `AWSTemplateFormatVersion`, or a
/// `Resources` map whose entries have a `Type` such as `AWS::ECS::Service`.
pub fn is_template(doc: &Value) -> bool {
    doc.get("AWSTemplateFormatVersion").is_some()
        || doc
            .get("Resources")
            .and_then(Value::as_object)
            .is_some_and(|resources| {
                !resources.is_empty()
                    && resources.values().all(|r| {
                        r.get("Type")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t.contains("::"))
                    })
            })
}

/// The ECS resources of a template read from file `file`, with `parameters` (from
/// [`parameter_values`]) resolved; `span_at(path)` says where a path of the template was
/// written (a member from its key). A value a parameter gave is placed at the property that
/// names the parameter.
pub fn resources(
    file: usize,
    template: &Value,
    parameters: &serde_json::Map<String, Value>,
    span_at: &dyn Fn(&[Step]) -> Option<Span>,
) -> Vec<Resource> {
    let Some(declared) = template.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    let resolver = resolver(parameters);
    let mut out = Vec::new();
    for (logical_id, declaration) in declared {
        let Some(cfn_type) = declaration.get("Type").and_then(Value::as_str) else {
            continue;
        };
        let Some(&(_, kind)) = TYPES.iter().find(|(t, _)| *t == cfn_type) else {
            continue;
        };
        let base = vec![
            Step::Key("Resources".into()),
            Step::Key(logical_id.clone()),
            Step::Key("Properties".into()),
        ];
        let empty = Value::Object(serde_json::Map::new());
        let properties = declaration.get("Properties").unwrap_or(&empty);
        let mut map = OriginMap::default();
        // The resource itself is shown at its logical id.
        if let Some(span) = span_at(&base[..2]) {
            map.insert(Vec::new(), written(file, span));
        }
        let mut moved = |api: &[Step], cfn: &[Step]| {
            if api.is_empty() {
                return;
            }
            let path: Vec<Step> = base.iter().chain(cfn).cloned().collect();
            if let Some(span) = span_at(&path) {
                map.insert(api.to_vec(), written(file, span));
            }
        };
        let Some(doc) = cfn_names::translate(cfn_type, properties, &resolver, &mut moved) else {
            continue;
        };
        let name = declaration
            .pointer("/Metadata/aws:cdk:path")
            .and_then(Value::as_str)
            .unwrap_or(logical_id)
            .to_string();
        out.push(Resource {
            kind,
            id: name.clone(),
            name,
            doc,
            origin: Origin {
                file,
                base,
                start: 0,
                grafted: Vec::new(),
                map: Some(Arc::new(map)),
            },
            partial: false,
            deferred: false,
            ignore: Vec::new(),
        });
    }
    out
}

/// Intrinsic functions resolved one node at a time, as the translation meets them.
fn resolver(
    parameters: &serde_json::Map<String, Value>,
) -> impl for<'v> Fn(&'v Value) -> Option<Cow<'v, Value>> + '_ {
    move |value| {
        if cfn_names::is_intrinsic(value) {
            resolve(value, parameters).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(value))
        }
    }
}

fn written(file: usize, span: Span) -> Written {
    Written {
        file,
        span,
        json: false,
    }
}

/// The values a template's parameters take: those given (`--parameter Key=Value`), else their
/// `Default`. A parameter with neither has no value here.
pub fn parameter_values(
    template: &Value,
    given: &std::collections::BTreeMap<String, String>,
) -> serde_json::Map<String, Value> {
    let mut values = serde_json::Map::new();
    let declared = template.get("Parameters").and_then(Value::as_object);
    for (name, declaration) in declared.into_iter().flatten() {
        let value = match given.get(name) {
            Some(text) => Value::String(text.clone()),
            None => match declaration.get("Default") {
                Some(default) => default.clone(),
                None => continue,
            },
        };
        let is_list = declaration
            .get("Type")
            .and_then(Value::as_str)
            .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
        let value = match (is_list, value) {
            (true, Value::String(text)) => Value::Array(
                text.split(',')
                    .map(|s| Value::String(s.trim().into()))
                    .collect(),
            ),
            (_, Value::Number(n)) => Value::String(n.to_string()),
            (_, other) => other,
        };
        values.insert(name.clone(), value);
    }
    values
}

/// Resolves what the template decides by itself: `Ref` to a parameter that has a value,
/// `AWS::NoValue` (the member is dropped), `Fn::Sub` and `Fn::Join` whose parts are all known.
/// Everything else (a resource's `Ref`, `Fn::GetAtt`, pseudo parameters such as `AWS::Region`,
/// imports) is kept as written.
pub fn resolve(value: &Value, parameters: &serde_json::Map<String, Value>) -> Option<Value> {
    match value {
        Value::Object(map) => {
            if map.len() == 1
                && let Some((function, argument)) = map.iter().next()
                && let Some(resolved) = resolve_function(function, argument, parameters)
            {
                return resolved;
            }
            Some(Value::Object(
                map.iter()
                    .filter_map(|(k, v)| Some((k.clone(), resolve(v, parameters)?)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|v| resolve(v, parameters))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

/// The functions `resolve` decides: `Some(None)` drops the member, `Some(Some(v))` is its
/// value; `None` when `function` is not one of them (its arguments are still resolved).
fn resolve_function(
    function: &str,
    argument: &Value,
    parameters: &serde_json::Map<String, Value>,
) -> Option<Option<Value>> {
    let written = || {
        Value::Object(serde_json::Map::from_iter([(
            function.into(),
            argument.clone(),
        )]))
    };
    Some(match (function, argument) {
        ("Ref", Value::String(name)) if name == "AWS::NoValue" => None,
        ("Ref", Value::String(name)) => Some(parameters.get(name).cloned().unwrap_or_else(written)),
        ("Fn::Sub", Value::String(text)) => {
            Some(substitute(text, parameters).unwrap_or_else(written))
        }
        ("Fn::Join", Value::Array(parts)) if parts.len() == 2 => {
            let items = resolve(&parts[1], parameters);
            let strings = items.as_ref().and_then(Value::as_array).and_then(|items| {
                items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
            });
            match (parts[0].as_str(), strings) {
                (Some(separator), Some(strings)) => Some(Value::String(strings.join(separator))),
                // A list the template does not decide: kept as written, never dropped.
                _ => Some(written()),
            }
        }
        _ => return None,
    })
}

/// `Fn::Sub`'s string with every `${Name}` a known parameter string; `None` when one is unknown.
fn substitute(text: &str, parameters: &serde_json::Map<String, Value>) -> Option<Value> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        // `${!Literal}` writes `${Literal}`.
        if let Some(literal) = after.strip_prefix('!') {
            let end = literal.find('}')?;
            out.push_str("${");
            out.push_str(&literal[..=end]);
            rest = &literal[end + 1..];
            continue;
        }
        let end = after.find('}')?;
        out.push_str(parameters.get(&after[..end])?.as_str()?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_the_template_does_not_decide_is_kept_as_written() {
        let parameters = serde_json::Map::from_iter([("Env".to_string(), json!("prod"))]);
        let join = json!({"Fn::Join": ["-", {"Ref": "Subnets"}]});
        assert_eq!(resolve(&join, &parameters), Some(join.clone()));
        let known = json!({"Fn::Join": ["-", ["web", {"Ref": "Env"}]]});
        assert_eq!(resolve(&known, &parameters), Some(json!("web-prod")));
        assert_eq!(resolve(&json!({"Ref": "AWS::NoValue"}), &parameters), None);
        let region = json!({"Fn::Sub": "${AWS::Region}-${Env}"});
        assert_eq!(resolve(&region, &parameters), Some(region.clone()));
    }
}
