//! Incremental scans (`--since SNAPSHOT`): what an earlier snapshot holds is not described
//! again, and the result is what a full scan reads.

use super::support::*;
use serde_json::Value;
use std::path::Path;

/// `ecslint collect` of us-east-1 into `output` (with `--since` each of `since`); the snapshot.
fn collect(endpoint: &str, output: &Path, since: &[&Path]) -> Value {
    let mut command = ecslint(endpoint);
    command.args(["collect", "--region", "us-east-1", "--concurrency", "4"]);
    for earlier in since {
        command.arg("--since").arg(earlier);
    }
    let run = command.arg("-o").arg(output).output().unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(output).unwrap()).unwrap()
}

/// A snapshot without its header: the resources read.
fn resources(snapshot: &Value) -> Value {
    let mut resources = snapshot.clone();
    resources.as_object_mut().unwrap().remove("ecslintSnapshot");
    resources
}

fn calls<'a>(snapshot: &'a Value, call: &str) -> u64 {
    let counted: &'a Value = &snapshot["ecslintSnapshot"]["calls"];
    counted[call].as_u64().unwrap_or(0)
}

/// Findings (rule, resource, message) of `check` on a snapshot.
fn checked(snapshot: &Path) -> Vec<(String, String, String)> {
    let output = ecslint("http://127.0.0.1:9")
        .args(["check", "--no-config", "-f", "json"])
        .arg(snapshot)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    findings(&serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn an_incremental_scan_reads_what_a_full_scan_reads_with_fewer_calls() {
    let python = python();
    let moto = Moto::start(&python);
    // 122 families (two pages of revisions through the proxy), 4 services.
    seed(&python, &moto, "tests/live/seed.py", &["3", "120"]);
    let proxy = Moto::proxy(&python, &moto.endpoint, &[]);
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.json");
    let full = collect(&proxy.endpoint, &first, &[]);
    let families = full["taskDefinitions"].as_array().unwrap().len() as u64;
    assert_eq!(families, 122);
    assert_eq!(calls(&full, "ecs:DescribeTaskDefinition"), families);
    assert!(
        full["ecslintSnapshot"]
            .get("reusedTaskDefinitions")
            .is_none()
    );

    // Unchanged: every task definition is taken from the earlier snapshot.
    let unchanged = collect(&proxy.endpoint, &dir.path().join("same.json"), &[&first]);
    assert_eq!(resources(&unchanged), resources(&full));
    assert_eq!(calls(&unchanged, "ecs:DescribeTaskDefinition"), 0);
    assert_eq!(
        calls(&unchanged, "ecs:ListTaskDefinitions"),
        2,
        "pages of 100"
    );
    assert_eq!(
        unchanged["ecslintSnapshot"]["reusedTaskDefinitions"],
        families
    );

    // One service and two task definitions change: a new revision of the family the services
    // run (which they keep running), one of a batch family, and a service's desired count.
    run_boto3(
        &python,
        &moto.endpoint,
        "for family in ['worker', 'batch-007']:\n    \
         ecs.register_task_definition(family=family, requiresCompatibilities=['FARGATE'], \
         networkMode='awsvpc', cpu='256', memory='512', containerDefinitions=[{'name': 'app', \
         'image': 'app:2', 'essential': True, 'readonlyRootFilesystem': False}])\n\
         ecs.update_service(cluster='prod', service='api-001', desiredCount=5)",
    );
    let before = ureq_get(&format!("{}/__calls", proxy.endpoint));
    let incremental_path = dir.path().join("incremental.json");
    let incremental = collect(&proxy.endpoint, &incremental_path, &[&first]);
    let after = ureq_get(&format!("{}/__calls", proxy.endpoint));
    let full_path = dir.path().join("full.json");
    let full = collect(&proxy.endpoint, &full_path, &[]);
    assert_eq!(
        resources(&incremental),
        resources(&full),
        "the incremental scan reads what a full scan reads"
    );
    // The two new revisions, and the one the services still run, no longer the latest.
    let described = calls(&incremental, "ecs:DescribeTaskDefinition");
    assert_eq!(described, 2, "only the new revisions are described");
    let seen = |calls: &Value| calls["ecs:DescribeTaskDefinition"].as_u64().unwrap_or(0);
    assert_eq!(
        seen(&after) - seen(&before),
        described,
        "as the server counted"
    );
    assert_eq!(
        incremental["ecslintSnapshot"]["reusedTaskDefinitions"],
        families + 1 - 2,
        "worker:1 (run by the services) and the 120 unchanged latest revisions"
    );
    let services = full["services"].as_array().unwrap();
    let updated = services
        .iter()
        .find(|s| s["serviceName"] == "api-001")
        .unwrap();
    assert_eq!(updated["desiredCount"], 5, "services are described again");
    assert_eq!(checked(&incremental_path), checked(&full_path));

    // A merged snapshot serves as well as a region's; a report does not.
    let merged = dir.path().join("merged.json");
    ecslint(&proxy.endpoint)
        .arg("merge")
        .arg(&incremental_path)
        .arg("-o")
        .arg(&merged)
        .assert()
        .code(0);
    let again = collect(&proxy.endpoint, &dir.path().join("again.json"), &[&merged]);
    assert_eq!(calls(&again, "ecs:DescribeTaskDefinition"), 0);
    let report = dir.path().join("report.json");
    std::fs::write(&report, r#"{"findings": []}"#).unwrap();
    let refused = ecslint(&proxy.endpoint)
        .args(["collect", "--region", "us-east-1", "--since"])
        .arg(&report)
        .arg("-o")
        .arg(dir.path().join("never.json"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("report.json: --since: not an ecslint snapshot"),
        "{said}"
    );
}
