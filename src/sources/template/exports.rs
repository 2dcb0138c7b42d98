//! Exports and imports between the templates of one run.

use super::intrinsics::Context;
use crate::model::NestedStack;
use crate::model::unknown::pointer_mut;
use crate::sources::cfn_names;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a template exports: each `Outputs` entry with an `Export.Name`, its value resolved as
/// the template decides it (a `Ref` to one of its resources is that resource's token, so an
/// importing template links to it).
pub(super) fn exports(template: &Value, context: &Context<'_>) -> Vec<(String, Value)> {
    let Some(outputs) = template.get("Outputs").and_then(Value::as_object) else {
        return Vec::new();
    };
    outputs
        .values()
        .filter_map(|output| {
            let name = context.resolve(output.pointer("/Export/Name")?)?;
            let value = context.resolve(output.get("Value")?)?;
            Some((name.as_str()?.to_string(), value))
        })
        .filter(|(_, value)| !cfn_names::is_intrinsic(value))
        .collect()
}

/// The nested stacks `template` declares: each `AWS::CloudFormation::Stack` whose template is a
/// file (CDK's `aws:asset:path`, or a `TemplateURL` that is a relative path, as
/// `aws cloudformation package` takes it), with the parameters whose values the parent decides.
pub(super) fn nested_stacks(template: &Value, context: &Context<'_>) -> Vec<NestedStack> {
    let declared = template.get("Resources").and_then(Value::as_object);
    declared
        .into_iter()
        .flatten()
        .filter(|(_, d)| {
            d.get("Type").and_then(Value::as_str) == Some("AWS::CloudFormation::Stack")
        })
        .filter_map(|(logical_id, declaration)| {
            let properties = declaration.get("Properties");
            let asset = declaration.pointer("/Metadata/aws:asset:path");
            let url = properties.and_then(|p| p.get("TemplateURL"));
            let file = asset
                .and_then(Value::as_str)
                .or_else(|| url.and_then(Value::as_str).filter(|u| !u.contains("://")))?;
            let passed = properties
                .and_then(|p| p.get("Parameters"))
                .and_then(Value::as_object);
            let (mut parameters, mut undecided) = (BTreeMap::new(), BTreeMap::new());
            // `AWS::NoValue` passes nothing: the nested template's `Default` counts.
            for (name, value) in passed.into_iter().flatten() {
                let Some(resolved) = context.resolve(value) else {
                    continue;
                };
                match as_parameter(&resolved) {
                    Some(text) => parameters.insert(name.clone(), text),
                    None => undecided.insert(
                        name.clone(),
                        format!(
                            "parameter {name} is passed by the parent stack's {logical_id} as {}",
                            context.why(&resolved)
                        ),
                    ),
                };
            }
            Some(NestedStack {
                template: file.to_string(),
                parameters,
                undecided,
            })
        })
        .collect()
}

/// A decided value as a parameter's text: a list joined by commas, as CloudFormation passes a
/// list to a `CommaDelimitedList`; `None` when the parent does not decide it.
fn as_parameter(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Array(_) | Value::Object(_) => None,
                item => as_parameter(item),
            })
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        _ => None,
    }
}

/// Replaces each `Fn::ImportValue` of a name another template of the run exports with the
/// exported value, so a service stack's `!ImportValue ClusterName` links to the cluster of the
/// stack that exports it; what no template of the run exports stays undecided.
pub fn import_exports(estate: &mut crate::model::Estate) {
    let exported: std::collections::HashMap<&str, &Value> = estate
        .files
        .iter()
        .flat_map(|f| f.exports.iter().map(|(name, value)| (name.as_str(), value)))
        .collect();
    if exported.is_empty() {
        return;
    }
    for resource in &mut estate.resources {
        let Some(map) = &mut resource.origin.map else {
            continue;
        };
        let map = Arc::make_mut(map);
        map.unknowns.retain(|unknown| {
            let Some(node) = pointer_mut(&mut resource.doc, &unknown.path) else {
                return true;
            };
            let imported = node
                .get("Fn::ImportValue")
                .and_then(Value::as_str)
                .and_then(|name| exported.get(name));
            match imported {
                Some(value) if node.as_object().is_some_and(|m| m.len() == 1) => {
                    *node = (*value).clone();
                    false
                }
                _ => true,
            }
        });
    }
}
