//! Live scans through the real AWS SDK against moto's server on 127.0.0.1 (PyPI `moto[server]`).
//! The test makes its own Python environment when `.ci/run` has not (it needs the package
//! registry once), starts the server on a free port, seeds it with boto3, and stops it after.
#![cfg(feature = "live")]

mod since;
mod support;

use assert_cmd::Command;
use std::path::Path;
use support::*;

#[test]
fn scan_reads_the_account_and_matches_check_on_its_snapshot() {
    let python = python();
    let moto = Moto::start(&python);
    seed(&python, &moto, "tests/live/seed.py", &[]);
    let dir = tempfile::tempdir().unwrap();

    let snapshot = dir.path().join("estate.json");
    ecslint(&moto.endpoint)
        .args(["collect", "--region", "us-east-1", "-o"])
        .arg(&snapshot)
        .assert()
        .code(0);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    assert_eq!(doc["clusters"].as_array().unwrap().len(), 1);
    assert_eq!(doc["services"].as_array().unwrap().len(), 1);
    assert_eq!(
        doc["taskDefinitions"].as_array().unwrap().len(),
        2,
        "latest of each family, each once"
    );
    assert!(!doc["settings"].as_array().unwrap().is_empty());
    assert!(
        doc["RoleDetailList"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["RoleName"] == "web-task")
    );
    assert_eq!(doc["Subnets"].as_array().unwrap().len(), 1);
    assert!(!doc["RouteTables"].as_array().unwrap().is_empty());
    // The capacity provider's group, read by the name in its ARN.
    assert_eq!(
        doc["AutoScalingGroups"][0]["AutoScalingGroupName"],
        "ecs-hosts"
    );
    assert_eq!(
        doc["AutoScalingGroups"][0]["NewInstancesProtectedFromScaleIn"],
        false
    );
    assert_eq!(
        doc["ecslintSnapshot"]["collectionErrors"],
        serde_json::json!([])
    );
    // docs/iam-policy.json allows every call the scan made.
    let policy: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/iam-policy.json")).unwrap(),
    )
    .unwrap();
    let allowed: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
        })
        .collect();
    for call in doc["ecslintSnapshot"]["calls"].as_object().unwrap().keys() {
        assert!(
            allowed.contains(&call.as_str()),
            "docs/iam-policy.json lacks {call}"
        );
    }
    // Raw API shapes, as the service sent them.
    assert_eq!(
        doc["services"][0]["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
        "ENABLED"
    );

    let checked = ecslint(&moto.endpoint)
        .args(["check", "--no-config", "-f", "json"])
        .arg(&snapshot)
        .output()
        .unwrap();
    let checked: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    let report = dir.path().join("scan.json");
    let scanned = scan_to_json(&moto.endpoint, &report, 1);
    assert_eq!(
        findings(&scanned),
        findings(&checked),
        "scan and check on its snapshot agree"
    );
    let rules: Vec<String> = findings(&scanned).into_iter().map(|f| f.0).collect();
    // SEC401 needs the role read from IAM, SEC501 the subnet and route table read from EC2,
    // REL303 the group read from Auto Scaling.
    for expected in [
        "SEC107", "SEC115", "SEC201", "REL103", "OPS301", "SEC401", "SEC501", "REL303",
    ] {
        assert!(
            rules.iter().any(|r| r == expected),
            "{expected} missing from {rules:?}"
        );
    }
    // The snapshot was kept next to the report, and findings point into it.
    assert!(dir.path().join("scan.snapshot.json").is_file());
    assert!(
        scanned["findings"][0]["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("scan.snapshot.json")
    );
    // The secret value is in the snapshot (raw API data) but never in the report.
    assert!(
        !std::fs::read_to_string(&report)
            .unwrap()
            .contains("hunter2-live")
    );
}

#[test]
fn an_unreachable_endpoint_is_a_partial_scan_not_a_crash() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let output = ecslint(&format!("http://127.0.0.1:{port}"))
        .env("AWS_MAX_ATTEMPTS", "1")
        .args([
            "scan",
            "--no-config",
            "--region",
            "us-east-1",
            "-f",
            "sarif",
            "-o",
        ])
        .arg(dir.path().join("scan.sarif"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("scan.sarif")).unwrap())
            .unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("ecs:ListClusters failed")),
        "{notes:?}"
    );
}

#[test]
fn paging_throttling_and_denied_calls_are_handled() {
    let python = python();
    let moto = Moto::start(&python);
    seed(&python, &moto, "tests/live/seed.py", &["25", "110"]);
    // Pages of at most 10 (fewer than asked, as a service may answer), a throttling error every
    // 20th call, IAM's one-call read denied: the roles are then read one by one.
    let proxy = Moto::proxy(
        &python,
        &moto.endpoint,
        &[
            "--page-size",
            "10",
            "--throttle-every",
            "20",
            "--deny",
            "iam:GetAccountAuthorizationDetails",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("scan.json");
    let output = ecslint(&proxy.endpoint)
        .args([
            "scan",
            "--no-config",
            "--region",
            "us-east-1",
            "--concurrency",
            "4",
            "-f",
            "json",
            "-o",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "complete despite the denial: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("scan.snapshot.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        snapshot["services"].as_array().unwrap().len(),
        26,
        "three pages of services"
    );
    assert_eq!(
        snapshot["taskDefinitions"].as_array().unwrap().len(),
        112,
        "two pages of families"
    );
    let errors = snapshot["ecslintSnapshot"]["collectionErrors"]
        .as_array()
        .unwrap();
    assert!(
        errors.is_empty(),
        "throttling is retried and the roles read one by one: {errors:?}"
    );
    let scanned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(
        findings(&scanned).iter().any(|f| f.0 == "SEC401"),
        "the admin policy was read through GetRolePolicy"
    );
    assert!(findings(&scanned).iter().any(|f| f.0 == "SEC201"));
    // The calls the proxy saw: paged lists, each subnet read once, all allowed by docs/iam-policy.json.
    let calls: serde_json::Value = ureq_get(&format!("{}/__calls", proxy.endpoint));
    assert!(calls["ecs:ListServices"].as_u64().unwrap() >= 3, "{calls}");
    assert!(
        calls["ecs:ListTaskDefinitionFamilies"].as_u64().unwrap() >= 2,
        "{calls}"
    );
    assert!(
        calls["ec2:DescribeSubnets"].as_u64().unwrap_or(0) <= 2,
        "each subnet read once (a retry at most): {calls}"
    );
    let policy = std::fs::read_to_string(repo().join("docs/iam-policy.json")).unwrap();
    for call in calls
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with("__"))
    {
        assert!(
            policy.contains(&format!("\"{call}\"")),
            "docs/iam-policy.json lacks {call}"
        );
    }

    // With the per-role calls denied too, the scan is partial and the role rules are not evaluated.
    let denied = Moto::proxy(
        &python,
        &moto.endpoint,
        &[
            "--deny",
            "iam:GetAccountAuthorizationDetails",
            "--deny",
            "iam:GetRole",
        ],
    );
    let scanned = scan_to_json(&denied.endpoint, &report, 3);
    assert!(
        findings(&scanned).iter().any(|f| f.0 == "SEC201"),
        "what was read is still reported"
    );
    assert!(!findings(&scanned).iter().any(|f| f.0 == "SEC401"));
    let not_evaluated = scanned["notEvaluated"].as_array().unwrap();
    assert!(
        not_evaluated.iter().any(|n| n["rule"] == "SEC401"
            && n["resource"]["name"].as_str().unwrap().starts_with("web:"))
    );
    assert!(
        scanned["collectionErrors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("AccessDenied"))
    );
}

#[test]
fn assumed_roles_regions_and_all_revisions() {
    let python = python();
    let moto = Moto::start(&python);
    seed(&python, &moto, "tests/live/seed.py", &[]);
    // A second revision of `web`.
    run_boto3(
        &python,
        &moto.endpoint,
        "ecs.register_task_definition(family='web', containerDefinitions=[{'name': 'web', \
         'image': 'nginx:1.27', 'memory': 256}])",
    );
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("estate.json");
    ecslint(&moto.endpoint)
        .args([
            "collect",
            "--role-arn",
            "arn:aws:iam::123456789012:role/audit",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--all-revisions",
            "-o",
        ])
        .arg(&output)
        .assert()
        .code(0);
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    let home = read("estate-123456789012-us-east-1.json");
    let names: Vec<&str> = home["taskDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|td| {
            td["taskDefinitionArn"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(names.len(), 3, "every ACTIVE revision: {names:?}");
    assert!(
        names.contains(&"web:1") && names.contains(&"web:2"),
        "{names:?}"
    );
    let other = read("estate-123456789012-eu-west-1.json");
    assert_eq!(
        other["clusters"].as_array().unwrap().len(),
        0,
        "moto keeps regions apart"
    );
    assert_eq!(other["ecslintSnapshot"]["region"], "eu-west-1");

    // Every enabled region (DescribeRegions), one snapshot each, in a folder made on the way.
    let all = dir.path().join("all").join("estate.json");
    ecslint(&moto.endpoint)
        .args(["collect", "--all-regions", "-o"])
        .arg(&all)
        .assert()
        .code(0);
    let written: Vec<String> = std::fs::read_dir(dir.path().join("all"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        written.len() > 10 && written.contains(&"estate-us-east-1.json".to_string()),
        "{written:?}"
    );
}

#[test]
fn findings_on_a_realistic_estate_read_live() {
    let python = python();
    let moto = Moto::start_with_managed_policies(&python);
    seed(&python, &moto, "tests/live/seed_estate.py", &[]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("scan.json");
    let scanned = scan_to_json(&moto.endpoint, &report, 1);
    let found: Vec<(String, String)> = scanned["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |rule: &str, resource: &str| {
        found
            .iter()
            .any(|(r, n)| r == rule && n.starts_with(resource))
    };
    // Public subnets are decided by routes: the subnet named "private" routes to the internet gateway.
    assert!(has("SEC501", "api"), "{found:?}");
    assert!(
        !has("SEC501", "web"),
        "NAT-routed and isolated subnets are private: {found:?}"
    );
    assert!(has("REL501", "api") && !has("REL501", "web"), "{found:?}");
    // IAM: the customer managed policy's default v2 allows everything; AWS's AdministratorAccess.
    assert!(has("SEC401", "api:"), "{found:?}");
    assert!(has("SEC403", "batch:"), "{found:?}");
    assert!(
        !has("SEC401", "web:") && !has("SEC403", "web:"),
        "a non-default v2 does not count: {found:?}"
    );
    // Capacity and clusters.
    assert!(
        has("REL208", "spot"),
        "a production service only on Spot: {found:?}"
    );
    assert!(
        has("REL205", "legacy"),
        "an EC2 service without AZ spread: {found:?}"
    );
    assert!(has("OPS301", "dev") && !has("OPS301", "prod"), "{found:?}");
    let snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("scan.snapshot.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(snapshot["InternetGateways"].as_array().unwrap().len(), 1);
    assert_eq!(snapshot["NatGateways"].as_array().unwrap().len(), 1);
    assert_eq!(
        snapshot["Subnets"].as_array().unwrap().len(),
        3,
        "only the subnets services use"
    );
}

/// Snapshot files of a folder: (file name, account, account name, region, task definitions).
fn snapshots_in(dir: &Path) -> Vec<(String, String, String, String, usize)> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let meta = &doc["ecslintSnapshot"];
            let text = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_string();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                text(&meta["account"]),
                text(&meta["accountName"]),
                text(&meta["region"]),
                doc["taskDefinitions"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn organization_fan_out_accounts_file_and_a_refused_role() {
    let python = python();
    let moto = Moto::start(&python);
    let printed = seed(&python, &moto, "tests/live/seed_org.py", &[]);
    let org: serde_json::Value = serde_json::from_slice(&printed).unwrap();
    let (management, payments, search) = (
        org["management"].as_str().unwrap(),
        org["members"]["payments"].as_str().unwrap(),
        org["members"]["search"].as_str().unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();

    // Every ACTIVE account of the organization, two regions each, two at a time.
    let out = dir.path().join("org");
    ecslint(&moto.endpoint)
        .args([
            "collect",
            "--organization",
            "--role-name",
            "OrganizationAccountAccessRole",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--account-concurrency",
            "2",
            "--region-concurrency",
            "2",
            "-o",
        ])
        .arg(out.join("estate.json"))
        .assert()
        .code(0);
    let mut expected = Vec::new();
    for (account, name, us, eu) in [
        (management, "master", 1, 0),
        (payments, "payments", 1, 1),
        (search, "search", 1, 0),
    ] {
        expected.push((
            format!("estate-{account}-eu-west-1.json"),
            account.to_string(),
            name.to_string(),
            "eu-west-1".to_string(),
            eu,
        ));
        expected.push((
            format!("estate-{account}-us-east-1.json"),
            account.to_string(),
            name.to_string(),
            "us-east-1".to_string(),
            us,
        ));
    }
    expected.sort();
    assert_eq!(
        snapshots_in(&out),
        expected,
        "the closed account is left out"
    );
    // Members are entered through the role; the caller's own account with its own credentials.
    let member: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("estate-{payments}-eu-west-1.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        member["ecslintSnapshot"]["role"],
        format!("arn:aws:iam::{payments}:role/OrganizationAccountAccessRole")
    );
    let own: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("estate-{management}-us-east-1.json"))).unwrap(),
    )
    .unwrap();
    assert!(own["ecslintSnapshot"]["role"].is_null());

    // The bounds hold: calls in flight never exceed accounts x regions x calls per region.
    for (accounts, regions, calls, bound) in [("1", "1", "1", 1), ("2", "2", "2", 8)] {
        let counting = Moto::proxy(&python, &moto.endpoint, &[]);
        ecslint(&counting.endpoint)
            .args([
                "collect",
                "--organization",
                "--role-name",
                "OrganizationAccountAccessRole",
            ])
            .args(["--region", "us-east-1", "--region", "eu-west-1"])
            .args([
                "--account-concurrency",
                accounts,
                "--region-concurrency",
                regions,
            ])
            .args(["--concurrency", calls, "-o"])
            .arg(dir.path().join("bounded").join("estate.json"))
            .assert()
            .code(0);
        let seen = ureq_get(&format!("{}/__calls", counting.endpoint))["__max_in_flight"]
            .as_u64()
            .unwrap();
        assert!(
            (1..=bound).contains(&seen),
            "{accounts}x{regions}x{calls}: {seen} calls in flight"
        );
        if bound == 1 {
            assert_eq!(seen, 1);
        }
    }

    // One snapshot from the six, and one report from six jobs' reports: the same findings as
    // checking the six snapshots together, and the same counts.
    let check = |inputs: &[&Path], report: &Path| {
        Command::cargo_bin("ecslint")
            .unwrap()
            .args(["check", "--no-config", "-f", "json", "-o"])
            .arg(report)
            .args(inputs)
            .assert()
            .code(&[0, 1][..]);
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(report).unwrap())
            .unwrap()
    };
    let fingerprints = |report: &serde_json::Value| {
        let mut all: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        all.sort();
        all
    };
    let together = check(&[&out], &dir.path().join("together.json"));
    let merged = dir.path().join("merged.json");
    Command::cargo_bin("ecslint")
        .unwrap()
        .arg("merge")
        .arg(&out)
        .arg("-o")
        .arg(&merged)
        .assert()
        .code(0);
    let of_merged = check(&[&merged], &dir.path().join("of-merged.json"));
    assert_eq!(fingerprints(&of_merged), fingerprints(&together));
    assert_eq!(
        of_merged["summary"]["by_pillar"],
        together["summary"]["by_pillar"]
    );
    let parts =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&merged).unwrap())
            .unwrap()["ecslintSnapshot"]["parts"]
            .as_array()
            .unwrap()
            .len();
    assert_eq!(parts, 6);
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    for (name, ..) in snapshots_in(&out) {
        check(&[&out.join(&name)], &reports.join(&name));
    }
    let joined = dir.path().join("joined.json");
    Command::cargo_bin("ecslint")
        .unwrap()
        .arg("merge")
        .arg(&reports)
        .arg("-o")
        .arg(&joined)
        .assert()
        .code(0);
    let joined: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&joined).unwrap()).unwrap();
    assert_eq!(fingerprints(&joined), fingerprints(&together));
    assert_eq!(
        joined["summary"]["by_pillar"],
        together["summary"]["by_pillar"]
    );
    assert_eq!(
        joined["summary"]["by_account"],
        together["summary"]["by_account"]
    );
    assert_eq!(
        together["summary"]["by_account"].as_object().unwrap().len(),
        3,
        "three accounts with findings"
    );

    // An accounts file, with a comment, a bare id and a role ARN; behind a proxy that refuses the
    // role of `search`: that account is reported, the other is read in full.
    let proxy = Moto::proxy(
        &python,
        &moto.endpoint,
        &["--deny", &format!("sts:AssumeRole@{search}")],
    );
    let accounts = dir.path().join("accounts.txt");
    std::fs::write(
        &accounts,
        format!(
            "# team accounts\n{payments}, payments\narn:aws:iam::{search}:role/OrganizationAccountAccessRole search\n"
        ),
    )
    .unwrap();
    let report = dir.path().join("files.json");
    let scanned = ecslint(&proxy.endpoint)
        .args([
            "scan",
            "--no-config",
            "--role-name",
            "OrganizationAccountAccessRole",
            "--region",
            "us-east-1",
            "--accounts-file",
        ])
        .arg(&accounts)
        .args(["--snapshot"])
        .arg(dir.path().join("files").join("estate.json"))
        .args(["-f", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        scanned.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&scanned.stderr)
    );
    let names: Vec<String> = snapshots_in(&dir.path().join("files"))
        .into_iter()
        .map(|s| s.0)
        .collect();
    let mut expected = vec![
        format!("estate-{payments}-us-east-1.json"),
        format!("estate-{search}.json"),
    ];
    expected.sort();
    assert_eq!(names, expected);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let errors = report["collectionErrors"].to_string();
    assert!(
        errors.contains("sts:AssumeRole failed") && errors.contains(search),
        "{errors}"
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "SEC115" && f["resource"]["account"] == payments),
        "payments' :latest image is found: {report}"
    );

    // A malformed accounts file names its line and column.
    std::fs::write(&accounts, "111111111111\n  12345 short\n").unwrap();
    let refused = ecslint(&moto.endpoint)
        .args(["collect", "--role-name", "R", "--accounts-file"])
        .arg(&accounts)
        .arg("-o")
        .arg(dir.path().join("x.json"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("accounts.txt:2:3: `12345`"), "{stderr}");
}
