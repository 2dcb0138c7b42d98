//! CloudFormation property names against the API model, property by property: every property of
//! AWS::ECS::TaskDefinition, Service, Cluster and CapacityProvider at any depth, as CloudFormation's
//! resource schemas list them in ../shared/ref/cloudformation/property-map.tsv (reference data read
//! in place; see its README), must translate to the API path that table gives.

use ecslint::location::Step;
use ecslint::sources::cfn_names::api_path;
use std::path::PathBuf;

/// `Volumes[*].EFSVolumeConfiguration` → steps, `[*]` as element 0.
fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, elements) = match part.find("[*]") {
            Some(at) => (&part[..at], part[at..].matches("[*]").count()),
            None => (part, 0),
        };
        out.push(Step::Key(name.to_string()));
        out.extend(std::iter::repeat_n(Step::Index(0), elements));
    }
    out
}

#[test]
fn every_cloudformation_property_maps_to_its_api_field() {
    let table = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/ref/cloudformation/property-map.tsv");
    let Ok(text) = std::fs::read_to_string(&table) else {
        eprintln!("skipped: {} is absent", table.display());
        return;
    };
    let (mut checked, mut wrong) = (0, Vec::new());
    for row in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let columns: Vec<&str> = row.split('\t').collect();
        let [cfn_type, cfn_path, expected, ..] = columns[..] else {
            panic!("malformed row: {row}");
        };
        let expected = (expected != "-").then(|| steps(expected));
        let got = api_path(cfn_type, &steps(cfn_path));
        checked += 1;
        if got != expected {
            wrong.push(format!(
                "{cfn_type} {cfn_path}: got {got:?}, table says {expected:?}"
            ));
        }
    }
    assert!(checked >= 400, "only {checked} rows");
    assert!(
        wrong.is_empty(),
        "{} of {checked} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_iam_role_property_maps_to_a_member_of_the_role_detail() {
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/ref/cloudformation/aws-iam-role.json");
    let Ok(text) = std::fs::read_to_string(&schema) else {
        eprintln!("skipped: {} is absent", schema.display());
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    assert!(properties.len() >= 10);
    for property in properties.keys() {
        let path = api_path("AWS::IAM::Role", &[Step::Key(property.clone())]);
        assert!(
            path.is_some(),
            "{property} has no member in iam.RoleDetail or iam.Role"
        );
    }
}

/// Every property path of a CloudFormation resource schema, at any depth (`[*]` for a list's
/// items), following its `$ref`s into `definitions`.
fn schema_paths(schema: &serde_json::Value) -> Vec<String> {
    fn walk(
        schema: &serde_json::Value,
        node: &serde_json::Value,
        prefix: &str,
        depth: usize,
        out: &mut Vec<String>,
    ) {
        let node = match node.get("$ref").and_then(|r| r.as_str()) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/definitions/");
                &schema["definitions"][name]
            }
            None => node,
        };
        if depth > 12 {
            return;
        }
        if let Some(items) = node.get("items") {
            walk(schema, items, &format!("{prefix}[*]"), depth + 1, out);
        }
        for (name, child) in node
            .get("properties")
            .and_then(|p| p.as_object())
            .into_iter()
            .flatten()
        {
            let path = match prefix {
                "" => name.clone(),
                _ => format!("{prefix}.{name}"),
            };
            out.push(path.clone());
            walk(schema, child, &path, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(schema, schema, "", 0, &mut out);
    out
}

#[test]
fn every_auto_scaling_group_property_maps_to_a_member_of_the_group() {
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/ref/cloudformation/aws-autoscaling-autoscalinggroup.json");
    let Ok(text) = std::fs::read_to_string(&schema) else {
        eprintln!("skipped: {} is absent", schema.display());
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let paths = schema_paths(&schema);
    assert!(paths.len() >= 100, "only {} paths", paths.len());
    // CloudFormation-only: no member of CreateAutoScalingGroup or the described group.
    const CLOUDFORMATION_ONLY: [&str; 3] = [
        "MetricsCollection",
        "NotificationConfiguration",
        "NotificationConfigurations",
    ];
    let missing: Vec<&String> = paths
        .iter()
        .filter(|path| !CLOUDFORMATION_ONLY.iter().any(|p| path.starts_with(p)))
        .filter(|path| api_path("AWS::AutoScaling::AutoScalingGroup", &steps(path)).is_none())
        .collect();
    assert!(missing.is_empty(), "no API member: {missing:#?}");
}
