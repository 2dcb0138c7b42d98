//! The IAM reader: task and execution roles with their policies.

use super::capture::{Capture, Collected, take_xml};
use super::client::{Scope, short_error};
use super::xml;
use crate::model::ResourceKind;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Every role and policy of the account: one paginated GetAccountAuthorizationDetails, read once
/// per account (IAM is global) and copied into each region's snapshot. `Err` carries the
/// refusal, and the pages read before it, when the call is denied.
pub(super) async fn read_authorization_details(
    scope: &Scope,
) -> Result<Collected, (String, Collected)> {
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
            // The largest page IAM allows (its default is 100): one call for most accounts.
            .max_items(1000)
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
                    &[ResourceKind::IamRole, ResourceKind::IamPolicy],
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
pub(super) async fn collect_iam(
    scope: &Scope,
    account_wide: &Result<Collected, (String, Collected)>,
    count_calls: bool,
    out: &mut Collected,
) {
    let (read, denied) = match account_wide {
        Ok(read) => (read, None),
        Err((denied, read)) => (read, Some(denied)),
    };
    for (kind, resources) in &read.resources {
        out.resources
            .entry(*kind)
            .or_default()
            .extend(resources.iter().cloned());
    }
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
pub(super) fn iam_member(
    out: &mut Collected,
    operation: &str,
    capture: &Capture,
    key: &str,
) -> Option<Value> {
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
pub(super) async fn collect_roles_one_by_one(
    iam: &aws_sdk_iam::Client,
    out: &mut Collected,
) -> bool {
    let names: BTreeSet<String> = out
        .of(ResourceKind::TaskDefinition)
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
            out.push(ResourceKind::IamPolicy, policy);
        }
        if let Value::Object(map) = &mut role {
            map.insert("RolePolicyList".into(), Value::Array(inline));
            map.insert("AttachedManagedPolicies".into(), attached);
        }
        out.push(ResourceKind::IamRole, role);
    }
    complete
}
