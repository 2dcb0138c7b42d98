//! The JSONPath engine against the official RFC 9535 compliance suite (tests/data/jsonpath-cts.json,
//! jsonpath-standard/jsonpath-compliance-test-suite at 7be7c1f, BSD-2, see jsonpath-cts.LICENSE).
//! jsonpath-rfc9535 is young and pinned; this keeps us honest when it is upgraded.

use jsonpath_rfc9535::JsonPath;
use serde_json::Value;

#[test]
fn every_compliance_case_passes() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/jsonpath-cts.json"
    ))
    .unwrap();
    let suite: Value = serde_json::from_str(&text).unwrap();
    let tests = suite["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 703);
    let mut failures = Vec::new();
    for case in tests {
        let name = case["name"].as_str().unwrap();
        let selector = case["selector"].as_str().unwrap();
        let compiled = JsonPath::parse(selector);
        if case["invalid_selector"] == true {
            if compiled.is_ok() {
                failures.push(format!("{name}: {selector} should be rejected"));
            }
            continue;
        }
        let Ok(query) = compiled else {
            failures.push(format!("{name}: {selector} was rejected"));
            continue;
        };
        let nodes = query.query(&case["document"]);
        let values: Vec<Value> = nodes.values().cloned().collect();
        let paths: Vec<Value> = nodes
            .paths()
            .map(|p| Value::String(p.to_string()))
            .collect();
        let expected: Vec<(Value, Value)> = match (case.get("result"), case.get("results")) {
            (Some(result), _) => vec![(result.clone(), case["result_paths"].clone())],
            (None, Some(results)) => results
                .as_array()
                .unwrap()
                .iter()
                .cloned()
                .zip(case["results_paths"].as_array().unwrap().iter().cloned())
                .collect(),
            _ => unreachable!("case without result"),
        };
        let ok = expected.iter().any(|(result, result_paths)| {
            Value::Array(values.clone()) == *result && Value::Array(paths.clone()) == *result_paths
        });
        if !ok {
            failures.push(format!("{name}: {selector} gave {values:?} at {paths:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
