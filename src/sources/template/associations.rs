//! Resources that describe another one apart from it, folded into its document as the
//! describe call shows them: `AWS::ECS::ClusterCapacityProviderAssociations` into its cluster
//! (`capacityProviders`, `defaultCapacityProviderStrategy`), `AWS::ECS::TaskSet` into its
//! service's `taskSets`.

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

/// Each task set into its service's `taskSets`.
pub(super) fn fold_task_sets(
    file: usize,
    template: &Value,
    context: &Context<'_>,
    span_at: &SpanAt<'_>,
    resources: &mut [Resource],
) {
    for (logical_id, properties) in declared(template, "AWS::ECS::TaskSet") {
        let target = (ResourceKind::Service, "Service");
        let Some(service) = named_in(resources, context, properties, target) else {
            continue;
        };
        let at = service.doc["taskSets"].as_array().map_or(0, Vec::len);
        let base = super::properties_path(logical_id);
        let mut sink = Under {
            prefix: vec![
                crate::location::Step::Key("taskSets".into()),
                crate::location::Step::Index(at),
            ],
            placed: Placed {
                file,
                properties,
                base: &base,
                span_at,
                context,
                map: take_map(service),
                walk: None,
                lazy: false,
                dropped: false,
            },
        };
        if let Some(span) = span_at(&base[..2], &[]) {
            sink.placed
                .map
                .insert(sink.prefix.clone(), super::written(file, span));
        }
        let resolve = super::resolver(context);
        let translated = cfn_names::translate("AWS::ECS::TaskSet", properties, &resolve, &mut sink);
        if let (Some(task_set), Value::Object(doc)) = (translated, &mut service.doc) {
            let list = doc
                .entry("taskSets")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = list {
                items.push(task_set);
            }
        }
        service.origin.map = Some(Arc::new(sink.placed.map));
    }
}

/// A sink placing a translated resource under a path of another's document.
struct Under<'a> {
    prefix: Vec<crate::location::Step>,
    placed: Placed<'a>,
}

impl cfn_names::Sink for Under<'_> {
    fn moved(
        &mut self,
        api: &[crate::location::Step],
        cfn: &[crate::location::Step],
        written: &Value,
    ) {
        if api.is_empty() {
            return;
        }
        let under: Vec<_> = self.prefix.iter().chain(api).cloned().collect();
        self.placed.moved(&under, cfn, written);
    }

    fn undecided(
        &mut self,
        api: &[crate::location::Step],
        cfn: &[crate::location::Step],
        value: &Value,
        branches: cfn_names::Branches,
    ) {
        let under: Vec<_> = self.prefix.iter().chain(api).cloned().collect();
        self.placed.undecided(&under, cfn, value, branches);
    }
}

pub(super) fn fold(
    file: usize,
    template: &Value,
    context: &Context<'_>,
    span_at: &SpanAt<'_>,
    resources: &mut [Resource],
) {
    for (logical_id, properties) in
        declared(template, "AWS::ECS::ClusterCapacityProviderAssociations")
    {
        let target = (ResourceKind::Cluster, "Cluster");
        let Some(cluster) = named_in(resources, context, properties, target) else {
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
            walk: None,
            lazy: false,
            dropped: false,
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

/// The template's resources of `cfn_type`: logical id and properties.
fn declared<'t>(
    template: &'t Value,
    cfn_type: &'t str,
) -> impl Iterator<Item = (&'t String, &'t Value)> {
    static EMPTY: Value = Value::Null;
    template
        .get("Resources")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(move |(_, d)| d.get("Type").and_then(Value::as_str) == Some(cfn_type))
        .map(|(id, d)| (id, d.get("Properties").unwrap_or(&EMPTY)))
}

/// The resource of `kind` that member `member` of `properties` names, among those read.
fn named_in<'r>(
    resources: &'r mut [Resource],
    context: &Context<'_>,
    properties: &Value,
    (kind, member): (ResourceKind, &str),
) -> Option<&'r mut Resource> {
    let named = context.resolve(properties.get(member)?)?;
    let named = named.as_str()?;
    resources
        .iter_mut()
        .find(|r| r.kind == kind && r.id == named)
}
