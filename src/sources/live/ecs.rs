//! The ECS reader: clusters, services, task definitions, capacity providers, account settings.

use super::capture::{Capture, Collected, member_list};
use super::client::{Scope, short_error};
use super::since::{Reusable, latest_revisions};
use crate::model::ResourceKind;
use aws_sdk_ecs::types::{
    CapacityProviderField, ClusterField, ServiceField, TaskDefinitionFamilyStatus,
    TaskDefinitionField,
};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

/// Reads one region's ECS estate.
pub(super) async fn collect_region(
    scope: &Scope,
    concurrency: usize,
    all_revisions: bool,
    since: &Reusable,
    progress: indicatif::ProgressBar,
) -> Collected {
    let ecs = scope.ecs();
    progress.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let mut out = Collected {
        progress: Some(progress),
        ..Collected::default()
    };

    // Clusters: list, then describe 100 at a time with settings, configuration and tags.
    let cluster_arns: Vec<String> = paged!(
        out,
        "ecs:ListClusters",
        ecs.list_clusters().max_results(100),
        cluster_arns,
        "clusters and their services"
    );
    for chunk in cluster_arns.chunks(100) {
        let capture = Capture::default();
        out.called("ecs:DescribeClusters");
        let result = ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Settings)
            .include(ClusterField::Configurations)
            .include(ClusterField::Tags)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        match result {
            Ok(_) => out.take_list(capture.json(), "clusters", ResourceKind::Cluster),
            Err(e) => out.failed("ecs:DescribeClusters", &short_error(&e), "clusters"),
        }
    }

    // Services of each cluster, described 10 at a time (the API's limit).
    for cluster in &cluster_arns {
        let service_arns: Vec<String> = paged!(
            out,
            "ecs:ListServices",
            ecs.list_services().cluster(cluster).max_results(100),
            service_arns,
            cluster
        );
        for chunk in service_arns.chunks(10) {
            let capture = Capture::default();
            out.called("ecs:DescribeServices");
            let result = ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .include(ServiceField::Tags)
                .customize()
                .interceptor(capture.clone())
                .send()
                .await;
            match result {
                Ok(_) => out.take_list(capture.json(), "services", ResourceKind::Service),
                Err(e) => out.failed("ecs:DescribeServices", &short_error(&e), cluster),
            }
        }
    }

    // Task definitions: the latest ACTIVE revision of every family, and every revision a service
    // runs; each described once, or taken from the `--since` snapshots when they hold it.
    let service_refs: BTreeSet<String> = out
        .of(ResourceKind::Service)
        .iter()
        .filter_map(|s| {
            s.get("taskDefinition")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let (wanted, active) =
        wanted_task_definitions(&ecs, &mut out, all_revisions, since.is_given()).await;
    // The listed families and revisions first; then the revisions services run that those did not
    // already include (usually none: services mostly run the latest revision).
    let mut seen_arns = BTreeSet::new();
    for phase in 0..2 {
        let references: Vec<String> = if phase == 0 {
            wanted.iter().cloned().collect()
        } else {
            service_refs
                .iter()
                .filter(|r| {
                    !seen_arns
                        .iter()
                        .any(|arn: &String| arn == *r || arn.ends_with(&format!("/{r}")))
                })
                .cloned()
                .collect()
        };
        // Only a revision listed ACTIVE is taken from a snapshot: its status has not changed.
        let mut to_describe = Vec::new();
        for reference in references {
            let earlier = active.contains(&reference);
            match earlier.then(|| since.task_definition(&reference)).flatten() {
                Some(td) => {
                    if seen_arns.insert(reference) {
                        out.reused += 1;
                        out.push(ResourceKind::TaskDefinition, td);
                    }
                }
                None => to_describe.push(reference),
            }
        }
        for (reference, result) in describe_task_definitions(&ecs, to_describe, concurrency).await {
            out.called("ecs:DescribeTaskDefinition");
            match result {
                Ok(Some(mut body)) => {
                    let tags = body.get_mut("tags").map(Value::take);
                    let Some(mut td) = body.get_mut("taskDefinition").map(Value::take) else {
                        continue;
                    };
                    let arn = td
                        .get("taskDefinitionArn")
                        .and_then(Value::as_str)
                        .unwrap_or(&reference)
                        .to_string();
                    if !seen_arns.insert(arn) {
                        continue;
                    }
                    if let (Some(tags), Value::Object(map)) = (tags, &mut td) {
                        map.insert("tags".into(), tags);
                    }
                    out.push(ResourceKind::TaskDefinition, td);
                }
                Ok(None) => out.failed(
                    "ecs:DescribeTaskDefinition",
                    &"the response could not be read",
                    &reference,
                ),
                Err(error) => out.failed("ecs:DescribeTaskDefinition", &error, &reference),
            }
        }
    }
    // One order whichever were reused: by ARN.
    if let Some(tds) = out.resources.get_mut(&ResourceKind::TaskDefinition) {
        tds.sort_by(|a, b| arn_of(a).cmp(arn_of(b)));
    }

    // Capacity providers the clusters use (FARGATE and FARGATE_SPOT are not resources).
    let providers: Vec<String> = out
        .of(ResourceKind::Cluster)
        .iter()
        .flat_map(|c| {
            c.get("capacityProviders")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.as_str().map(str::to_string))
        .filter(|p| p != "FARGATE" && p != "FARGATE_SPOT")
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for chunk in providers.chunks(10) {
        let capture = Capture::default();
        out.called("ecs:DescribeCapacityProviders");
        let result = ecs
            .describe_capacity_providers()
            .set_capacity_providers(Some(chunk.to_vec()))
            .include(CapacityProviderField::Tags)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        match result {
            Ok(_) => out.take_list(
                capture.json(),
                "capacityProviders",
                ResourceKind::CapacityProvider,
            ),
            Err(e) => out.failed(
                "ecs:DescribeCapacityProviders",
                &short_error(&e),
                "capacity providers",
            ),
        }
    }

    // Effective account settings: what applies to the caller, defaults included.
    let mut token = None;
    loop {
        let capture = Capture::default();
        out.called("ecs:ListAccountSettings");
        let result = ecs
            .list_account_settings()
            .effective_settings(true)
            .set_next_token(token.clone())
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        match result {
            Ok(page) => {
                if let Some(mut body) = capture.json() {
                    out.settings.extend(member_list(&mut body, "settings"));
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => {
                out.failed(
                    "ecs:ListAccountSettings",
                    &short_error(&e),
                    "account settings",
                );
                break;
            }
        }
    }
    out
}

/// The task definitions a region's scan reads. A full scan names the families (each described
/// as its latest ACTIVE revision). With `all_revisions`, or in an incremental scan, the ACTIVE
/// revisions are listed and named by ARN instead: all of them, or each family's latest (the
/// same revision the family's name describes), so that one an earlier snapshot holds is
/// recognized and not described again. Also returns the revisions listed ACTIVE.
async fn wanted_task_definitions(
    ecs: &aws_sdk_ecs::Client,
    out: &mut Collected,
    all_revisions: bool,
    incremental: bool,
) -> (BTreeSet<String>, HashSet<String>) {
    if all_revisions || incremental {
        let request = ecs
            .list_task_definitions()
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .max_results(100);
        let arns: Vec<String> = paged!(
            out,
            "ecs:ListTaskDefinitions",
            request,
            task_definition_arns,
            "task definition revisions"
        );
        let wanted = match all_revisions {
            true => arns.iter().cloned().collect(),
            false => latest_revisions(&arns).into_iter().collect(),
        };
        return (wanted, arns.into_iter().collect());
    }
    let request = ecs
        .list_task_definition_families()
        .status(TaskDefinitionFamilyStatus::Active)
        .max_results(100);
    let families: Vec<String> = paged!(
        out,
        "ecs:ListTaskDefinitionFamilies",
        request,
        families,
        "task definitions"
    );
    (families.into_iter().collect(), HashSet::new())
}

fn arn_of(td: &Value) -> &str {
    td.get("taskDefinitionArn")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Describes task definitions concurrently (bounded); results in a stable order.
pub(super) async fn describe_task_definitions(
    ecs: &aws_sdk_ecs::Client,
    references: Vec<String>,
    concurrency: usize,
) -> Vec<(String, Result<Option<Value>, String>)> {
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for reference in references {
        let (ecs, limit) = (ecs.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let capture = Capture::default();
            let result = ecs
                .describe_task_definition()
                .task_definition(&reference)
                .include(TaskDefinitionField::Tags)
                .customize()
                .interceptor(capture.clone())
                .send()
                .await;
            (
                reference,
                result.map(|_| capture.json()).map_err(|e| short_error(&e)),
            )
        });
    }
    let mut described = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(done) = joined {
            described.push(done);
        }
    }
    described.sort_by(|a, b| a.0.cmp(&b.0));
    described
}
