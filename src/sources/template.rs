//! CloudFormation templates (JSON or YAML) to resources: each ECS resource's `Properties`
//! become its API document (`cfn_names`), and its origin map says where in the template each
//! part was written, so findings land on the template's own lines. Not wired to discovery yet:
//! intrinsic functions are kept as written until the template reader resolves them (issue 13).

use super::cfn_names;
use crate::location::{Span, Step};
use crate::model::origin::{OriginMap, Written};
use crate::model::{Origin, Resource, ResourceKind};
use serde_json::Value;
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

/// The ECS resources of a template read from file `file`; `span_at(path)` says where a path of
/// the template was written (a member from its key).
pub fn resources(
    file: usize,
    template: &Value,
    span_at: &dyn Fn(&[Step]) -> Option<Span>,
) -> Vec<Resource> {
    let Some(declared) = template.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
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
        let Some(doc) = cfn_names::translate(cfn_type, properties, &mut moved) else {
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

fn written(file: usize, span: Span) -> Written {
    Written {
        file,
        span,
        json: false,
    }
}
