//! The live source: reads an account's ECS estate through the AWS SDK and writes it as an ecslint
//! snapshot, the multi-collection document `check` reads. This is the only module that touches the
//! network.
//!
//! ECS speaks JSON, and its response bodies are exactly the raw API shapes the rules read: an
//! interceptor keeps each body as received, so no typed copy of the API stands between the service
//! and the rules (a new ECS field is visible to rules without a code change). The typed output is
//! used only for paging tokens and ids.
//!
//! IAM and EC2 answer in XML; `xml.rs` turns those bodies into the CLI's JSON with the services'
//! own models, for the same reason.

mod xml;

use aws_sdk_ecs::types::{
    CapacityProviderField, ClusterField, ServiceField, TaskDefinitionFamilyStatus,
    TaskDefinitionField,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// One EC2 describe call whose XML body goes into the collections `keys`; a failure is recorded.
macro_rules! described {
    ($out:expr, $call:literal, $request:expr, $keys:expr, $unread:expr) => {{
        let capture = Capture::default();
        $out.called($call);
        match $request
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
        {
            Ok(_) => take_xml($out, $call, &capture, $keys),
            Err(e) => $out.failed($call, &short_error(&e), $unread),
        }
    }};
}

/// Every item of a paginated list call, one page per call; a failed page is recorded and ends it.
/// (A macro: each operation's paginator is its own type.)
macro_rules! paged {
    ($out:expr, $call:literal, $request:expr, $items:ident, $unread:expr) => {{
        let mut items = Vec::new();
        let mut pages = $request.into_paginator().send();
        while let Some(page) = pages.next().await {
            $out.called($call);
            match page {
                Ok(page) => items.extend(page.$items().iter().cloned()),
                Err(e) => {
                    $out.failed($call, &short_error(&e), $unread);
                    break;
                }
            }
        }
        items
    }};
}

use crate::sources::snapshot::SNAPSHOT_VERSION;

/// Where and how to read.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Calls under way at once, per region.
    pub concurrency: usize,
    /// Accounts read at once.
    pub account_concurrency: usize,
    /// Regions read at once, per account.
    pub region_concurrency: usize,
    pub regions: Vec<String>,
    /// Every region enabled for the account (DescribeRegions) instead of `regions`.
    pub all_regions: bool,
    /// Every ACTIVE revision of every family, not only the latest and those in use.
    pub all_revisions: bool,
    /// Roles to assume, one account each.
    pub role_arns: Vec<String>,
    /// Accounts from a file (`ecslint scan --accounts-file`).
    pub accounts: Vec<AccountEntry>,
    /// Every ACTIVE account of the caller's AWS Organization (ListAccounts).
    pub organization: bool,
    /// The role to assume in accounts given by id (`path/name` or `name`).
    pub role_name: Option<String>,
    /// STS external id for every assumed role.
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// One line of an accounts file: an account id (the role is `--role-name`) or a role ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountEntry {
    Id { id: String, name: Option<String> },
    Role { arn: String, name: Option<String> },
}

/// Reads an accounts file: one account per line, `ID [NAME]` or `ROLE_ARN [NAME]`, separated by
/// spaces, tabs or a comma; `#` starts a comment. Errors name the file, line and column.
pub fn read_accounts_file(path: &std::path::Path) -> Result<Vec<AccountEntry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the accounts file: {e}", path.display()))?;
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default();
        let Some(first) = content.split([' ', '\t', ',']).find(|t| !t.is_empty()) else {
            continue;
        };
        let column = content.find(first).unwrap_or(0) + 1;
        let rest = content[column - 1 + first.len()..]
            .trim_matches(|c: char| c.is_whitespace() || c == ',');
        let name = (!rest.is_empty()).then(|| rest.to_string());
        if first.len() == 12 && first.bytes().all(|b| b.is_ascii_digit()) {
            entries.push(AccountEntry::Id {
                id: first.to_string(),
                name,
            });
        } else if role_account(first).is_some() {
            entries.push(AccountEntry::Role {
                arn: first.to_string(),
                name,
            });
        } else {
            return Err(format!(
                "{}:{}:{column}: `{first}` is neither a 12-digit account id nor an IAM role ARN",
                path.display(),
                number + 1
            ));
        }
    }
    Ok(entries)
}

/// The account of a role ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`).
fn role_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.starts_with("role/"))
    .then_some(account)
}

/// One account to read, and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    /// Known before reading (from an ARN, a file or Organizations); else asked of STS.
    account: Option<String>,
    /// The role to assume; none: the caller's own credentials.
    role_arn: Option<String>,
    /// For people: Organizations' account name, or the accounts file's second column.
    name: Option<String>,
}

/// Keeps the body of the last successful response of one call.
#[derive(Debug, Clone, Default)]
struct Capture(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "ecslint-raw-response"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        if response.status().is_success()
            && let Some(bytes) = response.body().bytes()
            && let Ok(mut slot) = self.0.lock()
        {
            *slot = Some(bytes.to_vec());
        }
        Ok(())
    }
}

impl Capture {
    fn bytes(&self) -> Option<Vec<u8>> {
        self.0.lock().ok()?.take()
    }

    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.bytes()?).ok()
    }
}

/// What one region's scan read, and what it could not.
#[derive(Debug, Default)]
struct Collected {
    /// On stderr when it is a terminal (indicatif hides it otherwise, as in CI).
    progress: Option<indicatif::ProgressBar>,
    task_definitions: Vec<Value>,
    services: Vec<Value>,
    clusters: Vec<Value>,
    capacity_providers: Vec<Value>,
    settings: Vec<Value>,
    roles: Vec<Value>,
    policies: Vec<Value>,
    subnets: Vec<Value>,
    route_tables: Vec<Value>,
    security_groups: Vec<Value>,
    vpcs: Vec<Value>,
    internet_gateways: Vec<Value>,
    nat_gateways: Vec<Value>,
    errors: Vec<Value>,
    calls: std::collections::BTreeMap<&'static str, usize>,
}

impl Collected {
    fn failed(&mut self, call: &str, error: &dyn std::fmt::Display, missing: &str) {
        self.errors
            .push(json!({ "call": call, "error": error.to_string(), "unread": missing }));
    }

    fn called(&mut self, call: &'static str) {
        *self.calls.entry(call).or_default() += 1;
        if let Some(progress) = &self.progress {
            progress.set_message(format!(
                "{} calls; {} clusters, {} services, {} task definitions read",
                self.calls.values().sum::<usize>(),
                self.clusters.len(),
                self.services.len(),
                self.task_definitions.len()
            ));
            progress.tick();
        }
    }

    /// Moves the members `key` of a captured body into `into`.
    fn take_list(body: Option<Value>, key: &str, into: &mut Vec<Value>) {
        if let Some(Value::Array(items)) = body.and_then(|mut b| b.get_mut(key).map(Value::take)) {
            into.extend(items);
        }
    }
}

/// Reads one region's ECS estate.
async fn collect_region(
    scope: &Scope,
    concurrency: usize,
    all_revisions: bool,
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
            Ok(_) => Collected::take_list(capture.json(), "clusters", &mut out.clusters),
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
                Ok(_) => Collected::take_list(capture.json(), "services", &mut out.services),
                Err(e) => out.failed("ecs:DescribeServices", &short_error(&e), cluster),
            }
        }
    }

    // Task definitions: the latest ACTIVE revision of every family, and every revision a service
    // runs; each described once.
    let service_refs: BTreeSet<String> = out
        .services
        .iter()
        .filter_map(|s| {
            s.get("taskDefinition")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let mut wanted = BTreeSet::new();
    if all_revisions {
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
        wanted.extend(arns);
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
    wanted.extend(families);
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
        for (reference, result) in describe_task_definitions(&ecs, references, concurrency).await {
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
                    out.task_definitions.push(td);
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

    // Capacity providers the clusters use (FARGATE and FARGATE_SPOT are not resources).
    let providers: Vec<String> = out
        .clusters
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
            Ok(_) => Collected::take_list(
                capture.json(),
                "capacityProviders",
                &mut out.capacity_providers,
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
                Collected::take_list(capture.json(), "settings", &mut out.settings);
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

/// Describes task definitions concurrently (bounded); results in a stable order.
async fn describe_task_definitions(
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

/// Converts a captured XML body and moves its lists `keys` into the collections.
fn take_xml(out: &mut Collected, operation: &str, capture: &Capture, keys: &[&str]) {
    let Some(bytes) = capture.bytes() else { return };
    match xml::to_json(operation, &bytes) {
        Ok(json) => {
            for key in keys {
                let target = match *key {
                    "RoleDetailList" => &mut out.roles,
                    "Policies" => &mut out.policies,
                    "Subnets" => &mut out.subnets,
                    "RouteTables" => &mut out.route_tables,
                    "SecurityGroups" => &mut out.security_groups,
                    "InternetGateways" => &mut out.internet_gateways,
                    "NatGateways" => &mut out.nat_gateways,
                    _ => &mut out.vpcs,
                };
                Collected::take_list(Some(json.clone()), key, target);
            }
        }
        Err(reason) => out.failed(operation, &reason, "its response"),
    }
}

/// Every role and policy of the account: one paginated GetAccountAuthorizationDetails, read once
/// per account (IAM is global) and copied into each region's snapshot. `Err` carries the
/// refusal, and the pages read before it, when the call is denied.
async fn read_authorization_details(scope: &Scope) -> Result<Collected, (String, Collected)> {
    use aws_sdk_iam::types::EntityType;
    let iam = scope.iam();
    let mut out = Collected::default();
    let mut marker = None;
    loop {
        let capture = Capture::default();
        out.called("iam:GetAccountAuthorizationDetails");
        let result = iam
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::AwsManagedPolicy)
            .set_marker(marker.clone())
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        match result {
            Ok(page) => {
                take_xml(
                    &mut out,
                    "iam:GetAccountAuthorizationDetails",
                    &capture,
                    &["RoleDetailList", "Policies"],
                );
                marker = page.marker().map(str::to_string);
                if !page.is_truncated() || marker.is_none() {
                    return Ok(out);
                }
            }
            Err(e) => return Err((short_error(&e), out)),
        }
    }
}

/// Task and execution roles with their inline and managed policies for one region: the
/// account's authorization details when they could be read, else (often denied to auditors) the
/// roles this region's task definitions name, read one by one.
async fn collect_iam(
    scope: &Scope,
    account_wide: &Result<Collected, (String, Collected)>,
    count_calls: bool,
    out: &mut Collected,
) {
    let (read, denied) = match account_wide {
        Ok(read) => (read, None),
        Err((denied, read)) => (read, Some(denied)),
    };
    out.roles.extend(read.roles.iter().cloned());
    out.policies.extend(read.policies.iter().cloned());
    out.errors.extend(read.errors.iter().cloned());
    if count_calls {
        for (call, n) in &read.calls {
            *out.calls.entry(call).or_default() += n;
        }
    }
    if let Some(denied) = denied {
        let iam = scope.iam();
        if !collect_roles_one_by_one(&iam, out).await {
            out.failed(
                "iam:GetAccountAuthorizationDetails",
                denied,
                "task and execution roles",
            );
        }
    }
}

/// Converts the XML body of a captured IAM call and returns its member `key`.
fn iam_member(out: &mut Collected, operation: &str, capture: &Capture, key: &str) -> Option<Value> {
    let bytes = capture.bytes()?;
    match xml::to_json(operation, &bytes) {
        Ok(mut json) => json.get_mut(key).map(Value::take),
        Err(reason) => {
            out.failed(operation, &reason, key);
            None
        }
    }
}

/// The per-role path: GetRole, ListRolePolicies + GetRolePolicy, ListAttachedRolePolicies,
/// GetPolicy + GetPolicyVersion, assembled into the shapes GetAccountAuthorizationDetails returns
/// (RoleDetail with RolePolicyList and AttachedManagedPolicies; policies with their default
/// version). Returns false when a role could not be read at all.
async fn collect_roles_one_by_one(iam: &aws_sdk_iam::Client, out: &mut Collected) -> bool {
    let names: BTreeSet<String> = out
        .task_definitions
        .iter()
        .flat_map(|td| {
            ["taskRoleArn", "executionRoleArn"]
                .map(|k| td.get(k).and_then(Value::as_str).map(str::to_string))
        })
        .flatten()
        .map(|arn| crate::model::arn_name(&arn).to_string())
        .collect();
    let mut complete = true;
    let mut policies_read = BTreeSet::new();
    for name in names {
        macro_rules! call {
            ($op:literal, $builder:expr, $key:literal) => {{
                let capture = Capture::default();
                out.called($op);
                match $builder
                    .customize()
                    .interceptor(capture.clone())
                    .send()
                    .await
                {
                    Ok(output) => Some((output, iam_member(out, $op, &capture, $key))),
                    Err(e) => {
                        out.failed($op, &short_error(&e), &name);
                        None
                    }
                }
            }};
        }
        let Some((_, Some(mut role))) =
            call!("iam:GetRole", iam.get_role().role_name(&name), "Role")
        else {
            complete = false;
            continue;
        };
        let mut inline = Vec::new();
        if let Some((listed, _)) = call!(
            "iam:ListRolePolicies",
            iam.list_role_policies().role_name(&name),
            "PolicyNames"
        ) {
            for policy in listed.policy_names() {
                let request = iam.get_role_policy().role_name(&name).policy_name(policy);
                if let Some((_, Some(document))) =
                    call!("iam:GetRolePolicy", request, "PolicyDocument")
                {
                    inline.push(json!({ "PolicyName": policy, "PolicyDocument": document }));
                }
            }
        }
        let attached = call!(
            "iam:ListAttachedRolePolicies",
            iam.list_attached_role_policies().role_name(&name),
            "AttachedPolicies"
        )
        .and_then(|(_, attached)| attached)
        .unwrap_or(Value::Array(Vec::new()));
        for arn in attached
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("PolicyArn").and_then(Value::as_str))
        {
            if !policies_read.insert(arn.to_string()) {
                continue;
            }
            let Some((_, Some(mut policy))) =
                call!("iam:GetPolicy", iam.get_policy().policy_arn(arn), "Policy")
            else {
                continue;
            };
            let version = policy
                .get("DefaultVersionId")
                .and_then(Value::as_str)
                .unwrap_or("v1")
                .to_string();
            let request = iam
                .get_policy_version()
                .policy_arn(arn)
                .version_id(&version);
            if let Some((_, Some(version))) =
                call!("iam:GetPolicyVersion", request, "PolicyVersion")
            {
                policy["PolicyVersionList"] = json!([version]);
            }
            out.policies.push(policy);
        }
        if let Value::Object(map) = &mut role {
            map.insert("RolePolicyList".into(), Value::Array(inline));
            map.insert("AttachedManagedPolicies".into(), attached);
        }
        out.roles.push(role);
    }
    complete
}

/// The subnets and security groups services use, with their VPCs' route tables.
async fn collect_network(scope: &Scope, out: &mut Collected) {
    use aws_sdk_ec2::types::Filter;
    let references = |key: &str| -> Vec<String> {
        let pointer = format!("/networkConfiguration/awsvpcConfiguration/{key}");
        out.services
            .iter()
            .filter_map(|s| s.pointer(&pointer).and_then(Value::as_array))
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let (subnet_ids, group_ids) = (references("subnets"), references("securityGroups"));
    let ec2 = scope.ec2();
    if !subnet_ids.is_empty() {
        let request = ec2.describe_subnets().set_subnet_ids(Some(subnet_ids));
        described!(out, "ec2:DescribeSubnets", request, &["Subnets"], "subnets");
    }
    if !group_ids.is_empty() {
        let request = ec2
            .describe_security_groups()
            .set_group_ids(Some(group_ids));
        described!(
            out,
            "ec2:DescribeSecurityGroups",
            request,
            &["SecurityGroups"],
            "security groups"
        );
    }
    let vpc_ids: Vec<String> = out
        .subnets
        .iter()
        .filter_map(|s| s.get("VpcId").and_then(Value::as_str).map(str::to_string))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if vpc_ids.is_empty() {
        return;
    }
    // Every route table of those VPCs: explicit subnet associations and the main tables.
    let mut token = None;
    loop {
        let capture = Capture::default();
        out.called("ec2:DescribeRouteTables");
        let filter = Filter::builder()
            .name("vpc-id")
            .set_values(Some(vpc_ids.clone()))
            .build();
        let result = ec2
            .describe_route_tables()
            .filters(filter)
            .set_next_token(token.clone())
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        match result {
            Ok(page) => {
                take_xml(out, "ec2:DescribeRouteTables", &capture, &["RouteTables"]);
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => {
                out.failed("ec2:DescribeRouteTables", &short_error(&e), "route tables");
                break;
            }
        }
    }
    // The gateways the route tables point at, and the VPCs.
    let by_vpc = |name: &str| {
        Filter::builder()
            .name(name)
            .set_values(Some(vpc_ids.clone()))
            .build()
    };
    let request = ec2
        .describe_internet_gateways()
        .filters(by_vpc("attachment.vpc-id"));
    described!(
        out,
        "ec2:DescribeInternetGateways",
        request,
        &["InternetGateways"],
        "internet gateways"
    );
    let request = ec2.describe_nat_gateways().filter(by_vpc("vpc-id"));
    described!(
        out,
        "ec2:DescribeNatGateways",
        request,
        &["NatGateways"],
        "NAT gateways"
    );
    let request = ec2.describe_vpcs().set_vpc_ids(Some(vpc_ids.clone()));
    described!(out, "ec2:DescribeVpcs", request, &["Vpcs"], "VPCs");
}

/// Attempts per call, throttling retries included: `AWS_MAX_ATTEMPTS`, or 5.
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5)
}

/// A short account of a failed call: the service's error code and message, or what went wrong
/// on the way (the SDK's full chain is long and repeats itself).
fn short_error<E: aws_sdk_ecs::error::ProvideErrorMetadata + std::error::Error + 'static>(
    error: &aws_sdk_ecs::error::SdkError<E>,
) -> String {
    use aws_sdk_ecs::error::SdkError;
    match error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            format!(
                "{}: {}",
                inner.code().unwrap_or("error"),
                inner.message().unwrap_or("no message")
            )
        }
        SdkError::DispatchFailure(failure) if failure.is_io() => {
            "could not connect to the endpoint".into()
        }
        SdkError::DispatchFailure(failure) if failure.is_timeout() => "timed out".into(),
        SdkError::TimeoutError(_) => "timed out".into(),
        SdkError::ResponseError(_) => "the response could not be read".into(),
        other => aws_sdk_ecs::error::DisplayErrorContext(other).to_string(),
    }
}

/// Builds the SDK configuration for one region: the standard credential chain, an optional
/// profile and endpoint, and adaptive retries for throttling.
async fn sdk_config(
    options: &LiveOptions,
    region: &str,
    credentials: Option<aws_config::sts::AssumeRoleProvider>,
) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .retry_config(aws_config::retry::RetryConfig::adaptive().with_max_attempts(max_attempts()));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    loader.load().await
}

/// The regions to read: those asked for, every enabled one, or the configured default.
async fn regions(
    options: &LiveOptions,
    base: &aws_config::SdkConfig,
) -> Result<Vec<String>, String> {
    if options.all_regions {
        let ec2 = aws_sdk_ec2::Client::new(base);
        let regions = ec2
            .describe_regions()
            .send()
            .await
            .map_err(|e| short_error(&e))?;
        let mut names: Vec<String> = regions
            .regions()
            .iter()
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect();
        names.sort();
        return Ok(names);
    }
    if !options.regions.is_empty() {
        return Ok(options.regions.clone());
    }
    Ok(vec![base.region().map_or_else(
        || "us-east-1".to_string(),
        |r| r.to_string(),
    )])
}

/// The accounts to read: assumed roles, an accounts file, the organization's accounts; the
/// caller's own account when none is named. An account given by id is read with the caller's
/// credentials when it is the caller's account (the management account of an organization has
/// no member-account role), else through `role_name`.
async fn targets(
    options: &LiveOptions,
    base: &aws_config::SdkConfig,
) -> Result<Vec<Target>, String> {
    let mut targets: Vec<Target> = Vec::new();
    let mut by_id: Vec<(String, Option<String>)> = Vec::new();
    for arn in &options.role_arns {
        targets.push(Target {
            account: role_account(arn).map(str::to_string),
            role_arn: Some(arn.clone()),
            name: None,
        });
    }
    for entry in &options.accounts {
        match entry {
            AccountEntry::Role { arn, name } => targets.push(Target {
                account: role_account(arn).map(str::to_string),
                role_arn: Some(arn.clone()),
                name: name.clone(),
            }),
            AccountEntry::Id { id, name } => by_id.push((id.clone(), name.clone())),
        }
    }
    if options.organization {
        let organizations = aws_sdk_organizations::Client::new(base);
        let mut pages = organizations.list_accounts().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page
                .map_err(|e| format!("organizations:ListAccounts failed: {}", short_error(&e)))?;
            for account in page.accounts() {
                use aws_sdk_organizations::types::{AccountState, AccountStatus};
                // `State` replaces the deprecated `Status`; either says whether it can be read.
                #[allow(deprecated)]
                let active = match (account.state(), account.status()) {
                    (Some(state), _) => *state == AccountState::Active,
                    (None, Some(status)) => *status == AccountStatus::Active,
                    (None, None) => true,
                };
                if let (true, Some(id)) = (active, account.id()) {
                    by_id.push((id.to_string(), account.name().map(str::to_string)));
                }
            }
        }
    }
    let asked = !targets.is_empty() || !by_id.is_empty() || options.organization;
    if !by_id.is_empty() {
        let caller = aws_sdk_sts::Client::new(base)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| format!("sts:GetCallerIdentity failed: {}", short_error(&e)))?;
        let own = caller.account().unwrap_or_default().to_string();
        let partition = caller
            .arn()
            .and_then(|arn| arn.split(':').nth(1))
            .unwrap_or("aws")
            .to_string();
        for (id, name) in by_id {
            let role_arn = if id == own {
                None
            } else {
                let role = options.role_name.as_deref().ok_or_else(|| {
                    format!(
                        "account {id} is given by id: --role-name says which role to assume in it"
                    )
                })?;
                Some(format!(
                    "arn:{partition}:iam::{id}:role/{}",
                    role.trim_start_matches('/')
                ))
            };
            targets.push(Target {
                account: Some(id),
                role_arn,
                name,
            });
        }
    }
    if asked && targets.is_empty() {
        return Err("no account to read: the organization or the accounts file lists none".into());
    }
    if !asked {
        targets.push(Target {
            account: None,
            role_arn: None,
            name: None,
        });
    }
    targets.sort();
    targets.dedup_by(|a, b| a.account.is_some() && a.account == b.account);
    Ok(targets)
}

/// Reads the estate and returns one snapshot document per account and region, labelled
/// `region` (the caller's own account alone) or `account-region`; an account that could not be
/// entered at all gets one snapshot, labelled `account`, that says so.
pub fn collect(options: &LiveOptions) -> Result<Vec<(String, Value)>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let base = sdk_config(options, &home_region(options), None).await;
        let targets = targets(options, &base).await?;
        let label_with_account = targets.len() > 1 || targets[0].role_arn.is_some();
        let options = Arc::new(options.clone());
        let progress = indicatif::MultiProgress::new();
        let limit = Arc::new(tokio::sync::Semaphore::new(
            options.account_concurrency.max(1),
        ));
        let mut accounts = tokio::task::JoinSet::new();
        for target in targets {
            let (options, base, progress, limit) = (
                options.clone(),
                base.clone(),
                progress.clone(),
                limit.clone(),
            );
            accounts.spawn(async move {
                let _permit = limit.acquire_owned().await;
                collect_account(options, base, target, label_with_account, progress).await
            });
        }
        let mut snapshots = Vec::new();
        while let Some(joined) = accounts.join_next().await {
            snapshots.extend(joined.map_err(|e| format!("an account's scan stopped: {e}"))?);
        }
        snapshots.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(snapshots)
    })
}

fn home_region(options: &LiveOptions) -> String {
    options
        .regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".to_string())
}

/// One account and region's clients. Each gets its own retry partition: AWS throttles per account
/// and region, and the SDK's default partition (per service and region) would let one throttled
/// account slow the others read in the same process.
struct Scope {
    config: aws_config::SdkConfig,
    partition: String,
}

impl Scope {
    fn new(config: aws_config::SdkConfig, account: &str) -> Scope {
        let region = config.region().map(ToString::to_string).unwrap_or_default();
        Scope {
            config,
            partition: format!("{region}-{account}"),
        }
    }

    fn retry_partition(&self, service: &str) -> aws_sdk_ecs::config::retry::RetryPartition {
        aws_sdk_ecs::config::retry::RetryPartition::new(format!("{service}-{}", self.partition))
    }

    fn ecs(&self) -> aws_sdk_ecs::Client {
        let config = aws_sdk_ecs::config::Builder::from(&self.config)
            .retry_partition(self.retry_partition("ecs"))
            .build();
        aws_sdk_ecs::Client::from_conf(config)
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.config)
            .retry_partition(self.retry_partition("iam"))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    fn ec2(&self) -> aws_sdk_ec2::Client {
        let config = aws_sdk_ec2::config::Builder::from(&self.config)
            .retry_partition(self.retry_partition("ec2"))
            .build();
        aws_sdk_ec2::Client::from_conf(config)
    }
}

/// Who a snapshot was read as.
#[derive(Debug, Clone, Default)]
struct AccountMeta {
    account: Option<String>,
    name: Option<String>,
    role_arn: Option<String>,
}

/// One account: enter it (AssumeRole, proven by GetCallerIdentity), read IAM once, then its
/// regions, `region_concurrency` at a time.
async fn collect_account(
    options: Arc<LiveOptions>,
    base: aws_config::SdkConfig,
    target: Target,
    label_with_account: bool,
    progress: indicatif::MultiProgress,
) -> Vec<(String, Value)> {
    let credentials = match &target.role_arn {
        Some(arn) => {
            let mut provider = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
                .session_name("ecslint")
                .configure(&base);
            if let Some(external_id) = &options.external_id {
                provider = provider.external_id(external_id.clone());
            }
            Some(provider.build().await)
        }
        None => None,
    };
    let config = sdk_config(&options, &home_region(&options), credentials).await;
    let mut meta = AccountMeta {
        account: target.account.clone(),
        name: target.name.clone(),
        role_arn: target.role_arn.clone(),
    };
    // Proves the credentials before any region is read, and names the caller's own account.
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await;
    let entered = match identity {
        Ok(identity) => {
            if meta.account.is_none() {
                meta.account = identity.account().map(str::to_string);
            }
            Ok(())
        }
        // The caller's own credentials need no proof; the account then stays unnamed.
        Err(_) if target.role_arn.is_none() => Ok(()),
        Err(e) => Err(("sts:AssumeRole", short_error(&e))),
    };
    let regions = match entered {
        Ok(()) => regions(&options, &config)
            .await
            .map_err(|e| ("ec2:DescribeRegions", e)),
        Err(failure) => Err(failure),
    };
    let account_label = meta.account.clone().unwrap_or_else(|| "unknown".into());
    let regions = match regions {
        Ok(regions) => regions,
        Err((call, error)) => {
            let mut nothing = Collected::default();
            nothing.failed(
                call,
                &error,
                &format!("account {account_label}: every region"),
            );
            return vec![(account_label, snapshot(None, &meta, nothing))];
        }
    };
    let account_wide =
        Arc::new(read_authorization_details(&Scope::new(config.clone(), &account_label)).await);
    let limit = Arc::new(tokio::sync::Semaphore::new(
        options.region_concurrency.max(1),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, region) in regions.into_iter().enumerate() {
        let (options, account_wide, limit, progress, meta) = (
            options.clone(),
            account_wide.clone(),
            limit.clone(),
            progress.clone(),
            meta.clone(),
        );
        // Same credentials, endpoint and retries; another region.
        let scope = Scope::new(
            config
                .to_builder()
                .region(aws_config::Region::new(region.clone()))
                .build(),
            &account_label,
        );
        let label = if label_with_account {
            format!("{account_label}-{region}")
        } else {
            region.clone()
        };
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let bar = progress.add(indicatif::ProgressBar::new_spinner());
            bar.set_prefix(label.clone());
            let mut collected =
                collect_region(&scope, options.concurrency, options.all_revisions, bar).await;
            // Account-wide calls are counted once, in the account's first region's snapshot.
            if i == 0 {
                collected.called("sts:GetCallerIdentity");
            }
            collect_iam(&scope, &account_wide, i == 0, &mut collected).await;
            collect_network(&scope, &mut collected).await;
            if let Some(bar) = collected.progress.take() {
                bar.finish_and_clear();
            }
            (label, snapshot(Some(&region), &meta, collected))
        });
    }
    let mut snapshots = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(done) => snapshots.push(done),
            Err(e) => {
                let mut nothing = Collected::default();
                nothing.failed("scan", &e, &format!("a region of account {account_label}"));
                snapshots.push((
                    format!("{account_label}-failed"),
                    snapshot(None, &meta, nothing),
                ));
            }
        }
    }
    snapshots
}

fn snapshot(region: Option<&str>, meta: &AccountMeta, collected: Collected) -> Value {
    let mut doc = Map::new();
    doc.insert(
        "ecslintSnapshot".into(),
        json!({
            "version": SNAPSHOT_VERSION,
            "tool": format!("ecslint {}", env!("CARGO_PKG_VERSION")),
            "account": meta.account,
            "accountName": meta.name,
            "role": meta.role_arn,
            "region": region,
            "calls": collected.calls,
            "collectionErrors": collected.errors,
        }),
    );
    doc.insert(
        "taskDefinitions".into(),
        Value::Array(collected.task_definitions),
    );
    doc.insert("services".into(), Value::Array(collected.services));
    doc.insert("clusters".into(), Value::Array(collected.clusters));
    doc.insert(
        "capacityProviders".into(),
        Value::Array(collected.capacity_providers),
    );
    doc.insert("settings".into(), Value::Array(collected.settings));
    doc.insert("RoleDetailList".into(), Value::Array(collected.roles));
    doc.insert("Policies".into(), Value::Array(collected.policies));
    doc.insert("Subnets".into(), Value::Array(collected.subnets));
    doc.insert("RouteTables".into(), Value::Array(collected.route_tables));
    doc.insert(
        "SecurityGroups".into(),
        Value::Array(collected.security_groups),
    );
    doc.insert("Vpcs".into(), Value::Array(collected.vpcs));
    doc.insert(
        "InternetGateways".into(),
        Value::Array(collected.internet_gateways),
    );
    doc.insert("NatGateways".into(), Value::Array(collected.nat_gateways));
    Value::Object(doc)
}
