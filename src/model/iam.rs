//! IAM policy documents, normalized so rules can ask plain questions about them.
//!
//! Policies come as objects (AWS CLI output), JSON strings, or URL-encoded JSON strings (raw API).
//! `Statement`, `Action`, `Resource` may each be a single value or a list; we normalize all of
//! that once here rather than in every rule.

use super::index::Index;
use super::{Estate, ResourceKind, arn_name, str_field};
use serde_json::{Value, json};

/// Decodes a policy document in any of the forms the APIs and CLI produce.
pub fn decode_document(value: &Value) -> Option<Value> {
    match value {
        Value::Object(_) => Some(value.clone()),
        Value::String(text) => {
            let trimmed = text.trim_start();
            if trimmed.starts_with('{') {
                serde_json::from_str(trimmed).ok()
            } else {
                serde_json::from_str(&percent_decode(text)).ok()
            }
        }
        _ => None,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A list of strings from a value that may be a string or an array of strings.
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The statements of a decoded policy document, each with its index in `Statement`
/// (`None` when `Statement` is a single object).
pub fn statements(document: &Value) -> Vec<(Option<usize>, &Value)> {
    match document.get("Statement") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| (Some(i), s))
            .collect(),
        Some(single @ Value::Object(_)) => vec![(None, single)],
        _ => Vec::new(),
    }
}

/// Whether an IAM action pattern (`s3:Get*`, `*`) covers `action` (`s3:GetObject`).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// IAM wildcard matching: `*` any run, `?` one character.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// One Allow statement, normalized, with the facts rules ask about.
pub fn normalize_statement(statement: &Value) -> Option<Value> {
    if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
        return None;
    }
    let actions = string_list(statement.get("Action"));
    let not_actions = string_list(statement.get("NotAction"));
    let resources = string_list(statement.get("Resource"));
    let not_resources = string_list(statement.get("NotResource"));
    let conditioned = statement
        .get("Condition")
        .is_some_and(|c| c.as_object().is_some_and(|m| !m.is_empty()));
    let any_resource = resources.iter().any(|r| r == "*") || !not_resources.is_empty();
    let all_actions = actions.iter().any(|a| a == "*");
    let service_wildcards: Vec<&String> = actions
        .iter()
        .filter(|a| a.len() > 2 && a.ends_with(":*"))
        .collect();
    let pass_role = actions.iter().any(|a| action_matches(a, "iam:PassRole"));
    Some(json!({
        "actions": actions,
        "notActions": not_actions,
        "resources": resources,
        "notResources": not_resources,
        "hasCondition": conditioned,
        "anyResource": any_resource,
        "allActions": all_actions,
        "fullAdmin": all_actions && any_resource && !conditioned,
        "serviceWildcards": service_wildcards,
        "passRoleOnAnyResource": pass_role && any_resource && !conditioned,
        "allowsNotAction": !not_actions.is_empty(),
    }))
}

/// Whether a trust policy lets ECS tasks assume the role without a confused-deputy guard
/// (`aws:SourceAccount` or `aws:SourceArn` in a condition).
pub fn trust_lacks_source_condition(statement: &Value) -> bool {
    if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
        return false;
    }
    let services = statement
        .get("Principal")
        .and_then(|p| p.get("Service"))
        .map(|s| string_list(Some(s)))
        .unwrap_or_default();
    if !services.iter().any(|s| s == "ecs-tasks.amazonaws.com") {
        return false;
    }
    let condition = statement
        .get("Condition")
        .map(Value::to_string)
        .unwrap_or_default()
        .to_ascii_lowercase();
    !(condition.contains("aws:sourceaccount") || condition.contains("aws:sourcearn"))
}

/// Customer managed policies a role attaches that the estate does not hold.
pub fn unresolved_customer_policies(estate: &Estate, role: &Value, index: &Index) -> Vec<String> {
    attached_policy_arns(role)
        .into_iter()
        .filter(|arn| {
            !arn.starts_with("arn:aws:iam::aws:policy/")
                && managed_policy_document(estate, index, arn).is_none()
        })
        .collect()
}

/// The default-version document of a managed policy: from get-account-authorization-details
/// (`PolicyVersionList`), or from a get-policy-version output saved as `<PolicyName>.json`
/// (that output does not name its policy). Returns (policy resource, path, document, name).
pub(super) fn managed_policy_document<'a>(
    estate: &'a Estate,
    index: &Index,
    arn: &'a str,
) -> Option<(usize, Vec<Value>, &'a Value, &'a str)> {
    let name = arn_name(arn);
    if let Some(policy) = index.find(ResourceKind::IamPolicy, arn) {
        let policy_doc = &estate.resources[policy].doc;
        let default_version = str_field(policy_doc, "DefaultVersionId");
        let versions = policy_doc
            .get("PolicyVersionList")
            .and_then(Value::as_array);
        let found = versions
            .into_iter()
            .flatten()
            .enumerate()
            .find_map(|(v, version)| {
                let is_default = version.get("IsDefaultVersion").and_then(Value::as_bool)
                    == Some(true)
                    || default_version.is_some()
                        && str_field(version, "VersionId") == default_version;
                let document = version.get("Document").filter(|_| is_default)?;
                Some((
                    policy,
                    vec![
                        Value::from("PolicyVersionList"),
                        Value::from(v),
                        Value::from("Document"),
                    ],
                    document,
                    name,
                ))
            });
        if found.is_some() {
            return found;
        }
    }
    let version = index.find(ResourceKind::IamPolicy, &format!("policy-version/{name}"))?;
    let version_doc = &estate.resources[version].doc;
    let document = version_doc
        .get("Document")
        .filter(|_| version_doc.get("IsDefaultVersion").and_then(Value::as_bool) != Some(false))?;
    Some((version, vec![Value::from("Document")], document, name))
}

pub(super) fn attached_policy_arns(role: &Value) -> Vec<String> {
    role.get("AttachedManagedPolicies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        // An ARN a template leaves undecided names no policy: the role is then partly known.
        .filter_map(|p| match p.get("PolicyArn")? {
            Value::String(arn) => Some(arn.clone()),
            other => Some(other.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_iam_semantics() {
        assert!(action_matches("*", "iam:PassRole"));
        assert!(action_matches("iam:*", "iam:PassRole"));
        assert!(action_matches("iam:Pass*", "IAM:passrole"));
        assert!(action_matches("iam:?assRole", "iam:PassRole"));
        assert!(!action_matches("iam:Get*", "iam:PassRole"));
        assert!(!action_matches("s3:*", "iam:PassRole"));
    }

    #[test]
    fn documents_decode_from_every_form() {
        let object = json!({"Statement": []});
        assert_eq!(decode_document(&object), Some(object.clone()));
        assert_eq!(
            decode_document(&json!("{\"Statement\": []}")),
            Some(object.clone())
        );
        let encoded = "%7B%22Statement%22%3A%20%5B%5D%7D";
        assert_eq!(decode_document(&json!(encoded)), Some(object));
        assert_eq!(decode_document(&json!("%ZZ")), None);
        assert_eq!(decode_document(&json!("%7")), None);
    }

    #[test]
    fn statements_accept_an_object_or_a_list() {
        let single = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
        assert_eq!(statements(&single).len(), 1);
        let facts = normalize_statement(statements(&single)[0].1).unwrap();
        assert_eq!(facts["fullAdmin"], true);
    }

    #[test]
    fn conditions_and_scoped_resources_are_not_admin() {
        let scoped = json!({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"});
        assert_eq!(normalize_statement(&scoped).unwrap()["fullAdmin"], false);
        let conditioned = json!({"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}});
        assert_eq!(
            normalize_statement(&conditioned).unwrap()["fullAdmin"],
            false
        );
        let deny = json!({"Effect": "Deny", "Action": "*", "Resource": "*"});
        assert!(normalize_statement(&deny).is_none());
    }

    #[test]
    fn passrole_and_not_action() {
        let pass = json!({"Effect": "Allow", "Action": ["iam:Pass*"], "Resource": "*"});
        assert_eq!(
            normalize_statement(&pass).unwrap()["passRoleOnAnyResource"],
            true
        );
        let not_action = json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"});
        assert_eq!(
            normalize_statement(&not_action).unwrap()["allowsNotAction"],
            true
        );
    }

    #[test]
    fn trust_policies_need_a_source_condition() {
        let open = json!({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole"});
        assert!(trust_lacks_source_condition(&open));
        let guarded = json!({"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}});
        assert!(!trust_lacks_source_condition(&guarded));
    }
}
