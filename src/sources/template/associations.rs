//! `AWS::ECS::ClusterCapacityProviderAssociations`: the capacity providers and default strategy
//! a template gives a cluster apart from it, folded into the cluster's document as
//! `describe-clusters` shows them (`capacityProviders`, `defaultCapacityProviderStrategy`).

use super::Placed;
use super::SpanAt;
use super::iam::take_map;
use super::intrinsics::Context;
use crate::model::{Resource, ResourceKind};
use crate::sources::cfn_names;
use serde_json::Value;
use std::sync::Arc;

/// The members of the association that are a cluster's.
const MEMBERS: [&str; 2] = ["CapacityProviders", "DefaultCapacityProviderStrategy"];

pub(super) fn fold(
    file: usize,
    template: &Value,
    context: &Context<'_>,
    span_at: &SpanAt<'_>,
    resources: &mut [Resource],
) {
    let declared = template.get("Resources").and_then(Value::as_object);
    for (logical_id, declaration) in declared.into_iter().flatten() {
        if declaration.get("Type").and_then(Value::as_str)
            != Some("AWS::ECS::ClusterCapacityProviderAssociations")
        {
            continue;
        }
        let empty = Value::Object(serde_json::Map::new());
        let properties = declaration.get("Properties").unwrap_or(&empty);
        let cluster = properties
            .get("Cluster")
            .and_then(|c| context.resolve(c))
            .and_then(|c| c.as_str().map(str::to_string));
        let Some(cluster) = resources
            .iter_mut()
            .find(|r| r.kind == ResourceKind::Cluster && Some(&r.id) == cluster.as_ref())
        else {
            continue;
        };
        let base = super::properties_path(logical_id);
        let mut sink = Placed {
            file,
            properties,
            base: &base,
            span_at,
            context,
            map: take_map(cluster),
        };
        // Translated as a cluster's own properties: the same members, placed where written.
        let mut given = properties.clone();
        if let Value::Object(map) = &mut given {
            map.retain(|property, _| MEMBERS.contains(&property.as_str()));
        }
        let resolve = super::resolver(context);
        let translated = cfn_names::translate("AWS::ECS::Cluster", &given, &resolve, &mut sink);
        if let (Some(Value::Object(members)), Value::Object(doc)) = (translated, &mut cluster.doc) {
            doc.extend(members);
        }
        cluster.origin.map = Some(Arc::new(sink.map));
    }
}
