//! Every field name a fixture uses must exist in the public AWS API model (botocore's ECS, IAM and
//! EC2 service models, cut by `scripts/extract-api-model.py` into data/aws-api-model.json).
//! A fixture that encodes a field AWS does not have (Checkov's `privilege`) fails here.

use serde_json::Value;
use std::path::{Path, PathBuf};

struct Model {
    shapes: serde_json::Map<String, Value>,
}

/// Keys of IAM policy documents, which the API models as plain strings.
const POLICY_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Model {
    fn load() -> Model {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("data/aws-api-model.json"),
        )
        .unwrap();
        let root: Value = serde_json::from_str(&text).unwrap();
        Model {
            shapes: root["shapes"].as_object().unwrap().clone(),
        }
    }

    fn shape(&self, name: &str) -> &Value {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("model has no shape {name}"))
    }

    /// Checks `value` against any of `shapes` (a document may combine request and response fields).
    fn check(&self, value: &Value, shapes: &[&str], path: &str, errors: &mut Vec<String>) {
        let first = self.shape(shapes[0]);
        match (first["type"].as_str().unwrap_or(""), value) {
            ("structure", Value::Object(map)) => {
                for (key, child) in map {
                    let member: Vec<&str> = shapes
                        .iter()
                        .filter_map(|s| self.shape(s)["members"].get(key).and_then(Value::as_str))
                        .collect();
                    if member.is_empty() {
                        errors.push(format!(
                            "{path}: {key:?} is not a field of {}",
                            shapes.join(" or ")
                        ));
                    } else {
                        self.check(child, &member[..1], &format!("{path}.{key}"), errors);
                    }
                }
            }
            ("list", Value::Array(items)) => {
                let member = first["member"].as_str().unwrap();
                for (i, item) in items.iter().enumerate() {
                    self.check(item, &[member], &format!("{path}[{i}]"), errors);
                }
            }
            ("map", Value::Object(map)) => {
                let value_shape = first["value"].as_str().unwrap();
                for (key, child) in map {
                    self.check(child, &[value_shape], &format!("{path}.{key}"), errors);
                }
            }
            ("string", Value::Object(_))
                if shapes[0].to_ascii_lowercase().contains("policydocument") =>
            {
                check_policy(value, path, errors);
            }
            ("structure" | "list" | "map", other) => {
                errors.push(format!(
                    "{path}: expected a {}, found {other}",
                    first["type"]
                ));
            }
            ("string", Value::String(s)) => {
                if let Some(allowed) = first["enum"].as_array()
                    && !allowed.iter().any(|a| a == s)
                    && !s.contains("${")
                {
                    errors.push(format!("{path}: {s:?} is not one of {allowed:?}"));
                }
            }
            _ => {}
        }
    }
}

fn check_policy(document: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(map) = document.as_object() else {
        return;
    };
    for key in map.keys().filter(|k| !POLICY_KEYS.contains(&k.as_str())) {
        errors.push(format!("{path}: {key:?} is not a policy document key"));
    }
    let statements = match &map.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![*single],
        None => Vec::new(),
    };
    for statement in statements {
        for key in statement.as_object().into_iter().flat_map(|m| m.keys()) {
            if !STATEMENT_KEYS.contains(&key.as_str()) {
                errors.push(format!("{path}: {key:?} is not a policy statement key"));
            }
        }
    }
}

/// The shapes a whole document may have, chosen as ecslint's shape detection does.
fn check_document(model: &Model, doc: &Value, errors: &mut Vec<String>) {
    const TASK_DEFINITION: &[&str] = &["ecs.TaskDefinition", "ecs.RegisterTaskDefinitionRequest"];
    match doc {
        Value::Array(containers) => {
            for (i, container) in containers.iter().enumerate() {
                model.check(
                    container,
                    &["ecs.ContainerDefinition"],
                    &format!("$[{i}]"),
                    errors,
                );
            }
        }
        Value::Object(map) if map.contains_key("containerDefinitions") => {
            model.check(doc, TASK_DEFINITION, "$", errors)
        }
        Value::Object(map) if map.contains_key("serviceName") => model.check(
            doc,
            &["ecs.Service", "ecs.CreateServiceRequest"],
            "$",
            errors,
        ),
        Value::Object(map) => {
            // A response document, or several collections in one (ecslint's snapshot).
            let responses = [
                "ecs.DescribeTaskDefinitionResponse",
                "ecs.DescribeServicesResponse",
                "ecs.DescribeClustersResponse",
                "ecs.DescribeCapacityProvidersResponse",
                "ecs.ListAccountSettingsResponse",
                "iam.GetAccountAuthorizationDetailsResponse",
                "iam.GetRoleResponse",
                "iam.GetRolePolicyResponse",
                "iam.GetPolicyResponse",
                "iam.GetPolicyVersionResponse",
                "ec2.DescribeSubnetsResult",
                "ec2.DescribeRouteTablesResult",
                "ec2.DescribeSecurityGroupsResult",
                "ec2.DescribeVpcsResult",
                "ec2.DescribeInternetGatewaysResult",
                "ec2.DescribeNatGatewaysResult",
                "autoscaling.AutoScalingGroupsType",
            ];
            for (key, value) in map {
                if key == "taskDefinitions" {
                    for (i, td) in value.as_array().into_iter().flatten().enumerate() {
                        model.check(
                            td,
                            TASK_DEFINITION,
                            &format!("$.taskDefinitions[{i}]"),
                            errors,
                        );
                    }
                    continue;
                }
                // describe-task-definition output: the task definition plus its tags.
                if key == "taskDefinition" {
                    model.check(value, TASK_DEFINITION, "$.taskDefinition", errors);
                    continue;
                }
                let holder: Vec<&str> = responses
                    .iter()
                    .copied()
                    .filter(|r| model.shape(r)["members"].get(key).is_some())
                    .collect();
                match holder.first() {
                    Some(response) => {
                        let shape = model.shape(response)["members"][key].as_str().unwrap();
                        model.check(value, &[shape], &format!("$.{key}"), errors);
                    }
                    None => errors.push(format!(
                        "$: {key:?} is not a field of any accepted document"
                    )),
                }
            }
        }
        _ => errors.push("$: not an object or array".into()),
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_field_exists_in_the_aws_api_model() {
    let model = Model::load();
    let mut files = Vec::new();
    json_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut files,
    );
    files.sort();
    assert!(files.len() > 140, "only {} fixture files", files.len());
    let mut problems = Vec::new();
    for file in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut errors = Vec::new();
        check_document(&model, &doc, &mut errors);
        problems.extend(
            errors
                .into_iter()
                .map(|e| format!("{}: {e}", file.display())),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_rejects_a_misspelled_field() {
    // Checkov's privileged check reads `privilege`; a fixture with that key must be caught.
    let model = Model::load();
    let doc = serde_json::json!({"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "privilege": true}]});
    let mut errors = Vec::new();
    check_document(&model, &doc, &mut errors);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("privilege"));
}
