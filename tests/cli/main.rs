//! End-to-end tests of the `ecslint` binary: exit codes, bad input, reports, secrets.

mod contract;
mod discovery;
mod hostile;

use assert_cmd::Command;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ecslint() -> Command {
    let mut cmd = Command::cargo_bin("ecslint").unwrap();
    cmd.current_dir(repo()).arg("check").arg("--no-config");
    cmd
}

/// Parses a SARIF log and checks it against the official SARIF 2.1.0 schema.
fn assert_valid_sarif(bytes: &[u8]) -> serde_json::Value {
    let log: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    log
}

#[test]
fn sarif_of_terraform_points_into_the_tf_files() {
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(repo())
        .args([
            "check",
            "--no-config",
            "-f",
            "sarif",
            "tests/data/terraform/checkout",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let log = assert_valid_sarif(&output.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let files: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        files.contains("tests/data/terraform/checkout/main.tf"),
        "{files:?}"
    );
    assert!(
        files.contains("tests/data/terraform/checkout/worker.json.tpl"),
        "{files:?}"
    );
    let privileged = results.iter().find(|r| r["ruleId"] == "SEC101").unwrap();
    let region = &privileged["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(8), Some(7))
    );
}

#[test]
fn sarif_with_baseline_waivers_and_input_errors_stays_valid() {
    let dir = tempfile::tempdir().unwrap();
    let td =
        std::fs::read_to_string(repo().join("fixtures/demo/task-definitions/worker.json")).unwrap();
    // Waived by a tag on the resource itself.
    let tagged = td.replace(
        "\"tags\": [",
        "\"tags\": [{\"key\": \"ecslint:ignore\", \"value\": \"SEC102,SEC103\"}, ",
    );
    assert_ne!(tagged, td);
    std::fs::write(dir.path().join("td.json"), &tagged).unwrap();
    let svc = std::fs::read_to_string(
        repo().join("fixtures/REL203-minimum-healthy-percent-low/fail.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("svc.json"), &svc).unwrap();
    let ecslint_in = |args: &[&str]| {
        Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    ecslint_in(&[
        "baseline",
        "--no-config",
        "-o",
        "base.json",
        "td.json",
        "svc.json",
    ]);
    std::fs::write(
        dir.path().join("svc.json"),
        svc.replace(
            "\"minimumHealthyPercent\": 0",
            "\"minimumHealthyPercent\": 100",
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.json"), "{\"family\": ").unwrap();
    let output = ecslint_in(&[
        "check",
        "--no-config",
        "-f",
        "sarif",
        "--baseline",
        "base.json",
        ".",
    ]);
    let log = assert_valid_sarif(&output.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["baselineState"] == "absent" && r["ruleId"] == "REL203")
    );
    assert!(results.iter().all(|r| r["baselineState"] != "new"));
    let suppressed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );

    let output = ecslint_in(&[
        "check",
        "--no-config",
        "-f",
        "sarif-github",
        "--baseline",
        "base.json",
        ".",
    ]);
    let log = assert_valid_sarif(&output.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .all(|r| r["suppressions"].is_null() && r["baselineState"] != "absent")
    );
}

#[test]
fn demo_sarif_is_valid_against_the_official_schema() {
    let output = ecslint()
        .args(["-f", "sarif", "fixtures/demo"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let log = assert_valid_sarif(&output.stdout);
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 20);
    for result in results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1, "{result}");
        assert!(result["partialFingerprints"]["ecslint/v1"].is_string());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            run["tool"]["driver"]["rules"][index]["id"],
            result["ruleId"]
        );
    }
}

#[test]
fn secret_values_never_appear_in_any_format() {
    for format in ["pretty", "json", "sarif", "github"] {
        let output = ecslint()
            .args([
                "-f",
                format,
                "fixtures/demo",
                "fixtures/SEC107-secret-in-environment/fail.json",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("STRIPE_API_KEY") || format == "pretty",
            "{format}: finding missing"
        );
        for secret in ["sk_live_51HxAbCdEfGhIjKlMnOpQrSt", "hunter2-prod"] {
            assert!(!text.contains(secret), "{format} printed a secret");
        }
    }
}

#[test]
fn bad_files_are_reported_with_location_and_do_not_hide_others() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.json"),
        "{\n  \"family\": \"web\",\n  \"cpu\": ${CPU}\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("unknown.json"), "{\"hello\": \"world\"}").unwrap();
    std::fs::write(dir.path().join("binary.json"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
    std::fs::copy(
        repo().join("fixtures/SEC101-privileged-container/fail.json"),
        dir.path().join("td.json"),
    )
    .unwrap();
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .args(["check", "--no-config", "-f", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "input errors exit 2");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors = report["inputErrors"].as_array().unwrap();
    // Found by walking, valid JSON of no ECS shape: skipped, not an error.
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        report["skipped"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("unknown.json")
    );
    let broken = errors
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("broken.json"))
        .unwrap();
    assert_eq!(broken["location"]["line"], 3);
    assert_eq!(broken["location"]["column"], 10);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "SEC101")
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json:3:10"), "{stderr}");
}

#[test]
fn exit_codes_follow_the_threshold() {
    let fail = "fixtures/SEC110-capabilities-not-dropped/fail.json";
    ecslint()
        .args(["--select", "SEC110", fail])
        .assert()
        .code(1);
    ecslint()
        .args(["--select", "SEC110", "--fail-on", "medium", fail])
        .assert()
        .code(0);
    ecslint()
        .args(["--select", "NOPE999", fail])
        .assert()
        .code(2);
}

#[test]
fn bom_crlf_and_placeholders_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}{\r\n  \"family\": \"web\",\r\n  \"containerDefinitions\": [\r\n    {\"name\": \"app\", \"image\": \"<IMAGE1_NAME>\", \"privileged\": true}\r\n  ]\r\n}\r\n";
    std::fs::write(dir.path().join("td.json"), text).unwrap();
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .args(["check", "--no-config", "-f", "json", "--select", "SEC101"])
        .arg(dir.path().join("td.json"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = &report["findings"][0];
    // The member, key to value: `"privileged": true`.
    assert_eq!(finding["location"]["start"]["line"], 4);
    assert_eq!(finding["location"]["start"]["column"], 47);
    assert_eq!(finding["location"]["end"]["column"], 65);
}

#[test]
fn waivers_suppress_and_expired_waivers_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("fixtures/SEC101-privileged-container/fail.json"),
        dir.path().join("td.json"),
    )
    .unwrap();
    let config = dir.path().join("ecslint.toml");
    std::fs::write(&config, "select = [\"SEC101\"]\n[[waivers]]\nrule = \"SEC101\"\nresource = \"we*\"\nreason = \"host agent\"\nexpires = \"2999-01-01\"\n").unwrap();
    let run = |cfg: &std::path::Path| {
        Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "-f", "sarif", "--config"])
            .arg(cfg)
            .arg("td.json")
            .output()
            .unwrap()
    };
    let output = run(&config);
    assert_eq!(output.status.code(), Some(0));
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        log["runs"][0]["results"][0]["suppressions"][0]["justification"],
        "host agent"
    );
    std::fs::write(&config, "select = [\"SEC101\"]\n[[waivers]]\nrule = \"SEC101\"\nresource = \"we*\"\nreason = \"host agent\"\nexpires = \"2001-01-01\"\n").unwrap();
    assert_eq!(run(&config).status.code(), Some(1));
    // Nothing in the environment moves "today": the expiry gate cannot be switched off.
    let shifted = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir.path())
        .env("ECSLINT_TODAY", "2000-01-01")
        .args(["check", "-f", "sarif", "--config"])
        .arg(&config)
        .arg("td.json")
        .output()
        .unwrap();
    assert_eq!(shifted.status.code(), Some(1));
    // An unused waiver is reported but does not fail the gate, whatever its words say.
    std::fs::write(&config, "select = [\"SEC101\"]\n[[waivers]]\nrule = \"SEC101\"\nresource = \"we*\"\nreason = \"host agent\"\nexpires = \"2999-01-01\"\n[[waivers]]\nrule = \"SEC101\"\nresource = \"expired-*\"\nreason = \"expired\"\n").unwrap();
    let output = run(&config);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(notes.contains("matched no finding"), "{notes}");
}

#[test]
fn stdin_is_an_input() {
    let text =
        std::fs::read_to_string(repo().join("fixtures/SEC101-privileged-container/fail.json"))
            .unwrap();
    let output = ecslint()
        .args(["-f", "json", "--select", "SEC101", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["findings"][0]["location"]["file"], "<stdin>");
}

#[test]
fn hostile_input_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deep.json"), "[".repeat(100_000)).unwrap();
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    std::fs::write(
        dir.path().join("types.json"),
        r#"{"family": 7, "containerDefinitions": {"name": "x"}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("nulls.json"), r#"{"family": "x", "networkMode": null, "cpu": 256, "containerDefinitions": [null, 3, {"name": null, "portMappings": [{"containerPort": "80"}]}]}"#).unwrap();
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .args(["check", "--no-config", "-f", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let reasons: Vec<String> = report["inputErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].to_string())
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("recursion limit")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("containerDefinitions")),
        "{reasons:?}"
    );
    // The file with nulls and odd types is still linted.
    assert!(report["summary"]["total"]["pass"].as_u64().unwrap() > 0);
}

#[test]
fn rules_and_explain_list_the_catalog() {
    let mut rules = Command::cargo_bin("ecslint").unwrap();
    let output = rules
        .args(["rules", "--pillar", "sustainability"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("SUS101") && !text.contains("SEC101"),
        "{text}"
    );
    let mut explain = Command::cargo_bin("ecslint").unwrap();
    let output = explain.args(["explain", "SEC101"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("## Why is this bad?"), "{text}");
    Command::cargo_bin("ecslint")
        .unwrap()
        .args(["explain", "NOPE"])
        .assert()
        .code(2);
}

#[test]
fn teams_add_rules_and_rule_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let rule = r#"id = "OPS901"
name = "image-outside-our-registry"
title = "Image from outside the company registry"
pillars = ["operational-excellence", "security"]
best_practices = ["OPS05-BP01"]
severity = "low"
resource = "task-definition"
query = '''$.containerDefinitions[?!match(@.image, '{param.registry}.*')].image'''
message = "container '{container}' in {resource} pulls {value}"

[params.registry]
default = "111122223333\\.dkr\\.ecr\\."
description = "Allowed registry prefix (I-Regexp)"

[docs]
what = "Flags images that do not come from the company's ECR registry."
why = "Images from public registries bypass the image scanning pipeline."
fix = "Mirror the image into the company registry."
"#;
    std::fs::write(rules.join("OPS901-image-outside-our-registry.toml"), rule).unwrap();
    let output = ecslint()
        .args(["-f", "json", "--select", "OPS901", "--rules"])
        .arg(&rules)
        .arg("fixtures/SEC115-mutable-image-tag/fail.json")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["findings"][0]["message"],
        "container 'app' in web pulls nginx:latest"
    );

    std::fs::write(
        rules.join("OPS901-image-outside-our-registry.toml"),
        rule.replace("[?!match", "[?!!match("),
    )
    .unwrap();
    let output = ecslint()
        .arg("--rules")
        .arg(&rules)
        .arg("fixtures/demo")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("OPS901-image-outside-our-registry.toml:8:9: invalid JSONPath query"),
        "{stderr}"
    );
}

/// Findings of `check --baseline` as (rule, baselineState) pairs, plus the absent count.
fn against_baseline(dir: &std::path::Path) -> (Vec<(String, String)>, usize, i32) {
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir)
        .args([
            "check",
            "--no-config",
            "-f",
            "json",
            "--baseline",
            "base.json",
            "td.json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["baselineState"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (
        findings,
        report["absent"].as_array().unwrap().len(),
        output.status.code().unwrap(),
    )
}

#[test]
fn baselines_survive_reformatting_and_moves_but_not_changed_values() {
    let dir = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(repo().join("fixtures/demo/task-definitions/worker.json")).unwrap();
    std::fs::write(dir.path().join("td.json"), &original).unwrap();
    Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir.path())
        .args(["baseline", "--no-config", "-o", "base.json", "td.json"])
        .assert()
        .code(0);
    let (findings, absent, code) = against_baseline(dir.path());
    assert!(
        !findings.is_empty() && findings.iter().all(|(_, state)| state == "unchanged"),
        "{findings:?}"
    );
    assert_eq!(
        (absent, code),
        (0, 0),
        "only baseline findings: the gate passes"
    );

    // Reformatted with CRLF and another indentation, keys reordered, a container inserted first.
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut sidecar = doc["containerDefinitions"][0].clone();
    sidecar["name"] = "sidecar".into();
    sidecar["image"] = "busybox:1.36".into();
    sidecar["user"] = "1000".into();
    doc["containerDefinitions"]
        .as_array_mut()
        .unwrap()
        .insert(0, sidecar);
    let mut map: Vec<(String, serde_json::Value)> =
        doc.as_object().unwrap().clone().into_iter().collect();
    map.reverse();
    let reordered: serde_json::Map<String, serde_json::Value> = map.into_iter().collect();
    let text = serde_json::to_string_pretty(&reordered)
        .unwrap()
        .replace("  ", "    ")
        .replace('\n', "\r\n");
    std::fs::write(dir.path().join("td.json"), &text).unwrap();
    let (findings, absent, code) = against_baseline(dir.path());
    let new: Vec<&(String, String)> = findings.iter().filter(|(_, s)| s == "new").collect();
    assert!(
        new.iter().all(
            |(rule, _)| ["REL104", "REL105", "SEC102", "SEC107", "SEC108", "SEC115"]
                .contains(&rule.as_str())
        ),
        "{new:?}"
    );
    assert_eq!(absent, 0, "nothing was fixed");
    assert_eq!(code, 1, "the sidecar's own findings are new");

    // Changing the offending value makes a new finding and the old one absent.
    let service = std::fs::read_to_string(
        repo().join("fixtures/REL203-minimum-healthy-percent-low/fail.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("td.json"), &service).unwrap();
    Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir.path())
        .args(["baseline", "--no-config", "-o", "base.json", "td.json"])
        .assert()
        .code(0);
    let changed = service.replace(
        "\"minimumHealthyPercent\": 0",
        "\"minimumHealthyPercent\": 25",
    );
    assert_ne!(changed, service);
    std::fs::write(dir.path().join("td.json"), &changed).unwrap();
    let (findings, absent, _) = against_baseline(dir.path());
    assert!(
        findings.contains(&("REL203".to_string(), "new".to_string())),
        "{findings:?}"
    );
    assert_eq!(absent, 1);
}

#[test]
fn fix_changes_only_the_needed_spans_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("estate");
    std::fs::create_dir(&estate).unwrap();
    for file in [
        "services.json",
        "clusters.json",
        "account-settings.json",
        "task-definitions/worker.json",
        "task-definitions/log-agent.json",
    ] {
        let name = file.rsplit('/').next().unwrap();
        std::fs::copy(repo().join("fixtures/demo").join(file), estate.join(name)).unwrap();
    }
    // A Windows-edited file: byte-order mark and CRLF line endings; the fix inserts a member.
    let crlf = format!(
        "\u{feff}{}",
        std::fs::read_to_string(
            repo().join("fixtures/SEC102-writable-root-filesystem/fail-absent.json")
        )
        .unwrap()
        .replace('\n', "\r\n")
    );
    std::fs::write(estate.join("windows.json"), &crlf).unwrap();
    let fixable = [
        "SEC102", "REL105", "SEC201", "SEC114", "REL201", "COST203", "SEC301",
    ];
    let count = |rules: &[&str]| -> usize {
        let output = Command::cargo_bin("ecslint")
            .unwrap()
            .args([
                "check",
                "--no-config",
                "-f",
                "json",
                "--select",
                &rules.join(","),
            ])
            .arg(&estate)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["findings"].as_array().unwrap().len()
    };
    let before = count(&fixable);
    assert!(before >= 8, "{before}");
    let snapshot = |path: &str| std::fs::read(estate.join(path)).unwrap();
    let services_before = snapshot("services.json");

    // --diff previews and writes nothing.
    let diff = Command::cargo_bin("ecslint")
        .unwrap()
        .args(["fix", "--no-config", "--diff"])
        .arg(&estate)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&diff.stdout)
            .contains("+          \"assignPublicIp\": \"DISABLED\"")
    );
    assert_eq!(snapshot("services.json"), services_before);

    Command::cargo_bin("ecslint")
        .unwrap()
        .args(["fix", "--no-config"])
        .arg(&estate)
        .assert()
        .code(0);
    assert_eq!(
        count(&fixable),
        0,
        "every fixable finding is gone after fix"
    );
    let fixed = std::fs::read_to_string(estate.join("windows.json")).unwrap();
    assert!(fixed.starts_with('\u{feff}'), "the byte-order mark is kept");
    assert_eq!(
        fixed.matches("\r\n").count(),
        crlf.matches("\r\n").count() + 1,
        "one new CRLF line"
    );
    assert!(
        !fixed.replace("\r\n", "").contains('\n'),
        "no bare LF introduced"
    );
    // Only added or replaced bytes differ: removing the fix's line gives the original back.
    let without = fixed.replace("\r\n      \"readonlyRootFilesystem\": true,", "");
    assert_eq!(without, crlf);

    let after_first: Vec<Vec<u8>> = ["services.json", "windows.json", "worker.json"]
        .iter()
        .map(|f| snapshot(f))
        .collect();
    Command::cargo_bin("ecslint")
        .unwrap()
        .args(["fix", "--no-config"])
        .arg(&estate)
        .assert()
        .code(0);
    let after_second: Vec<Vec<u8>> = ["services.json", "windows.json", "worker.json"]
        .iter()
        .map(|f| snapshot(f))
        .collect();
    assert_eq!(after_first, after_second, "a second fix changes nothing");
}

#[test]
fn sarif_carries_fixes() {
    let output = ecslint()
        .args([
            "-f",
            "sarif",
            "--select",
            "SEC201",
            "fixtures/SEC201-service-public-ip/fail.json",
        ])
        .output()
        .unwrap();
    let log = assert_valid_sarif(&output.stdout);
    let fix = &log["runs"][0]["results"][0]["fixes"][0];
    assert_eq!(fix["description"]["text"], "Set assignPublicIp to DISABLED");
    let replacement = &fix["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "\"DISABLED\"");
    assert_eq!(
        replacement["deletedRegion"]["startLine"],
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
    );
}

#[test]
fn test_rules_reports_swapped_fixtures_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    let fixtures = rules.join("OPS901-no-owner-label");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(
        rules.join("OPS901-no-owner-label.toml"),
        "id = \"OPS901\"\nname = \"no-owner-label\"\ntitle = \"Container without an owner label\"\n\
         pillars = [\"operational-excellence\"]\nbest_practices = [\"OPS01-BP03\"]\nseverity = \"low\"\n\
         resource = \"task-definition\"\nquery = '''$.containerDefinitions[?!@.dockerLabels.owner]'''\n\
         message = \"container '{container}' has no owner label\"\n\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nfix = \"f\"\n",
    )
    .unwrap();
    let labelled = r#"[{"name": "a", "image": "x:1", "dockerLabels": {"owner": "team-a"}}]"#;
    let unlabelled = r#"[{"name": "a", "image": "x:1"}]"#;
    std::fs::write(fixtures.join("fail.json"), labelled).unwrap();
    std::fs::write(fixtures.join("pass.json"), unlabelled).unwrap();
    let run = || {
        Command::cargo_bin("ecslint")
            .unwrap()
            .arg("test-rules")
            .arg(&rules)
            .output()
            .unwrap()
    };
    let output = run();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("FAILED OPS901 no-owner-label: expected to fail, but was pass"),
        "{text}"
    );
    assert!(text.contains("0 passed, 1 failed"), "{text}");

    std::fs::write(fixtures.join("fail.json"), unlabelled).unwrap();
    std::fs::write(fixtures.join("pass.json"), labelled).unwrap();
    let output = run();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    // Outcome cases: each is run, and one that gives another outcome is reported.
    let cases = [
        (
            "not-applicable.json",
            unlabelled,
            "expected not applicable, got fail",
        ),
        (
            "not-evaluated.json",
            labelled,
            "expected not evaluated with a reason, got pass",
        ),
        (
            "fix-before.json",
            unlabelled,
            "a fix case is fix-before.json and fix-after.json together",
        ),
    ];
    for (name, text, complaint) in cases {
        std::fs::write(fixtures.join(name), text).unwrap();
        let output = run();
        let shown = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{name}: {shown}");
        assert!(shown.contains(complaint), "{name}: {shown}");
        std::fs::remove_file(fixtures.join(name)).unwrap();
    }
    std::fs::write(
        fixtures.join("not-applicable-no-task.json"),
        r#"{"services": []}"#,
    )
    .unwrap();
    let shown = String::from_utf8_lossy(&run().stdout).to_string();
    assert!(
        shown.contains("expected not applicable, got no resource of its kind"),
        "{shown}"
    );
}

#[test]
fn test_rules_passes_on_the_builtin_catalog_and_the_documented_example() {
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(repo())
        .args(["test-rules", "examples/team-rules"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(repo())
        .args(["test-rules", "rules"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains(" passed, 0 failed"));
}

#[test]
fn the_github_action_step_writes_sarif_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("github-output");
    let sarif = dir.path().join("out.sarif");
    let output = std::process::Command::new("bash")
        .arg(repo().join("scripts/github-action.sh"))
        .current_dir(repo())
        .env("ECSLINT", assert_cmd::cargo::cargo_bin("ecslint"))
        .env(
            "INPUT_PATHS",
            "fixtures/demo fixtures/SEC101-privileged-container/pass.json",
        )
        .env("INPUT_FAIL_ON", "critical")
        .env("INPUT_SARIF", &sarif)
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    assert!(output.status.success());
    let annotations = String::from_utf8_lossy(&output.stdout);
    assert!(
        annotations.contains("::error file=fixtures/demo/"),
        "{annotations}"
    );
    let written = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        written.contains("exit-code=1"),
        "the demo has critical findings: {written}"
    );
    assert!(written.contains(&format!("sarif={}", sarif.display())));
    let log = assert_valid_sarif(&std::fs::read(&sarif).unwrap());
    assert!(log["runs"][0]["results"].as_array().unwrap().len() > 10);
}

#[test]
fn syntax_errors_inside_a_snapshot_are_located_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "comma.json",
            "{\"taskDefinitions\": [\n  {\"family\": \"a\", \"containerDefinitions\": []}\n  {\"family\": \"b\"}\n ]}\n",
            3,
            3,
        ),
        (
            "trailing.json",
            "{\"taskDefinitions\": [\n  {\"family\": \"a\", \"containerDefinitions\": [1,]}\n ]}\n",
            2,
            46,
        ),
        ("garbage.json", "{\"taskDefinitions\": []} x\n", 1, 25),
    ];
    for (name, text, _, _) in &cases {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .args(["check", "--no-config", "-f", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for (name, _, line, column) in cases {
        let error = report["inputErrors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name}: no error"));
        assert_eq!(
            (
                error["location"]["line"].as_u64(),
                error["location"]["column"].as_u64()
            ),
            (Some(line), Some(column)),
            "{name}: {error}"
        );
    }
}

#[test]
fn odd_but_valid_documents_are_linted() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(5_000_000);
    std::fs::write(
        dir.path().join("huge.json"),
        format!(r#"{{"family": "web", "containerDefinitions": [{{"name": "web", "image": "web:1", "command": ["{huge}"]}}]}}"#),
    )
    .unwrap();
    // Numbers where the API has strings and strings where it has numbers.
    std::fs::write(
        dir.path().join("types.json"),
        r#"{"family": "api", "cpu": 256, "memory": "0.5 GB", "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [{"name": "api", "image": "api:1", "memory": "512", "portMappings": [{"containerPort": "80"}], "privileged": "true"}]}"#,
    )
    .unwrap();
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .args(["check", "--no-config", "-f", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["inputErrors"].as_array().unwrap().is_empty());
    assert_eq!(report["summary"]["resources"], 2);
    // 256 CPU units with 512 MiB ("0.5 GB") is a valid Fargate size.
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "REL103")
    );
}

/// The numbers of a `<tr>` whose cells carry `data-NAME="N"` attributes, in order.
fn data_numbers(row: &str) -> Vec<u64> {
    row.split("data-")
        .skip(1)
        .filter_map(|attribute| attribute.split('"').nth(1))
        .filter_map(|value| value.parse().ok())
        .collect()
}

#[test]
fn html_report_is_self_contained_and_agrees_with_json_and_console() {
    let html = ecslint()
        .args(["-f", "html", "fixtures/demo"])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    let json = ecslint()
        .args(["-f", "json", "fixtures/demo"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    // No fetches: no scripts, stylesheets or images from anywhere.
    for needle in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(!html.contains(needle), "{needle} in the HTML report");
    }
    assert!(
        html.starts_with("<!doctype html>")
            && html.contains("<h1>")
            && html.contains("lang=\"en\"")
    );
    // Pillar rows: pass, fail, n/a, not evaluated, findings as in the JSON summary (the score first).
    let pillars = [
        "security",
        "reliability",
        "cost-optimization",
        "performance-efficiency",
        "operational-excellence",
        "sustainability",
    ];
    let body = html
        .split("<tbody id=\"pillars\">")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    let rows: Vec<&str> = body.split("<tr>").skip(1).collect();
    assert_eq!(rows.len(), 6);
    for (row, pillar) in rows.iter().zip(pillars) {
        let counts = &report["summary"]["by_pillar"][pillar];
        let numbers = data_numbers(row);
        let expected: Vec<u64> = [
            "pass",
            "fail",
            "not_applicable",
            "not_evaluated",
            "findings",
        ]
        .iter()
        .map(|k| counts[k].as_u64().unwrap())
        .collect();
        assert_eq!(
            &numbers[numbers.len() - 5..],
            expected.as_slice(),
            "{pillar}: {row}"
        );
    }
    let total = html
        .split("<tfoot id=\"total\">")
        .nth(1)
        .unwrap()
        .split("</tfoot>")
        .next()
        .unwrap();
    let numbers = data_numbers(total);
    assert_eq!(
        numbers[numbers.len() - 2],
        report["summary"]["total"]["not_evaluated"]
            .as_u64()
            .unwrap()
    );
    // The console summary says the same, number for number: the header, each pillar's score and
    // counts, the totals, the findings by severity and the waived ones.
    let pretty = ecslint().args(["fixtures/demo"]).output().unwrap();
    let pretty = String::from_utf8_lossy(&pretty.stdout);
    let numbers_in = |text: &str| -> Vec<u64> {
        text.split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect()
    };
    let header = pretty.lines().find(|l| l.starts_with("Summary:")).unwrap();
    let html_header = html
        .split("<p class=\"muted\">ecslint ")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    // The HTML header starts with the version (0.1.0): skip its three numbers.
    assert_eq!(
        numbers_in(header),
        numbers_in(html_header)[3..],
        "{header} / {html_header}"
    );
    let titles = [
        "Security",
        "Reliability",
        "Cost Optimization",
        "Performance Efficiency",
        "Operational Excellence",
        "Sustainability",
    ];
    for (row, title) in rows.iter().zip(titles) {
        let line = pretty
            .lines()
            .find(|l| l.trim_start().starts_with(title))
            .unwrap();
        let console = numbers_in(line);
        // The score as the page shows it (`83%`).
        let score: u64 = row
            .split("data-score=\"")
            .nth(1)
            .unwrap()
            .split('>')
            .nth(1)
            .unwrap()
            .split('%')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut html_numbers = vec![score];
        html_numbers.extend_from_slice(&data_numbers(row)[data_numbers(row).len() - 5..]);
        assert_eq!(
            console, html_numbers,
            "{title}: console {line} / html {row}"
        );
    }
    let all_rules = pretty
        .lines()
        .find(|l| l.trim_start().starts_with("all rules"))
        .unwrap();
    let t = &report["summary"]["total"];
    let expected_total = [
        "pass",
        "fail",
        "not_applicable",
        "not_evaluated",
        "findings",
    ]
    .map(|k| t[k].as_u64().unwrap());
    assert_eq!(numbers_in(all_rules), expected_total);
    assert_eq!(data_numbers(total), expected_total);
    let severities = pretty
        .lines()
        .find(|l| l.contains("findings by severity"))
        .unwrap();
    let html_severities = html
        .split("<p id=\"severities\">")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert_eq!(
        numbers_in(severities),
        data_numbers(html_severities),
        "{severities} / {html_severities}"
    );
    // Secrets stay out of this format too.
    assert!(!html.contains("sk_live_51HxAbCdEfGhIjKlMnOpQrSt"));
}

/// ecslint without a subcommand.
fn bare() -> Command {
    Command::cargo_bin("ecslint").unwrap()
}

/// A snapshot of one account and region: a cluster without its own Container Insights setting,
/// and the region's account default.
fn regional_snapshot(region: &str, insights: &str) -> String {
    account_snapshot("111122223333", region, insights)
}

fn account_snapshot(account: &str, region: &str, insights: &str) -> String {
    format!(
        r#"{{"ecslintSnapshot": {{"version": 1, "account": "{account}", "region": "{region}", "calls": {{"ecs:ListClusters": 1}},
  "collectionErrors": [{{"call": "ecs:ListServices", "error": "AccessDenied", "unread": "services"}}]}},
  "clusters": [{{"clusterArn": "arn:aws:ecs:{region}:{account}:cluster/apps", "clusterName": "apps", "settings": [],
                 "tags": [{{"key": "team", "value": "a"}}]}}],
  "settings": [{{"name": "containerInsights", "value": "{insights}", "principalArn": "arn:aws:iam::{account}:root"}}],
  "RoleDetailList": [{{"Arn": "arn:aws:iam::{account}:role/app", "RoleName": "app", "RolePolicyList": [], "AttachedManagedPolicies": []}}]}}"#
    )
}

#[test]
fn merged_snapshots_keep_regional_settings_apart_and_errors_attributed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("us.json"),
        regional_snapshot("us-east-1", "enabled"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("eu.json"),
        regional_snapshot("eu-west-1", "disabled"),
    )
    .unwrap();
    let merged = dir.path().join("out").join("merged.json");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    bare()
        .arg("merge")
        .arg(dir.path().join("eu.json"))
        .arg(dir.path().join("us.json"))
        .arg("-o")
        .arg(&merged)
        .assert()
        .code(0);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(
        doc["RoleDetailList"].as_array().unwrap().len(),
        1,
        "the global role once"
    );
    assert_eq!(doc["clusters"].as_array().unwrap().len(), 2);
    assert_eq!(doc["regionalSettings"].as_array().unwrap().len(), 2);
    assert_eq!(doc["ecslintSnapshot"]["account"], "111122223333");
    assert!(doc["ecslintSnapshot"]["region"].is_null());
    assert_eq!(doc["ecslintSnapshot"]["calls"]["ecs:ListClusters"], 2);
    let errors = doc["ecslintSnapshot"]["collectionErrors"].to_string();
    assert!(
        errors.contains("services (111122223333 eu-west-1)"),
        "{errors}"
    );

    // Each cluster is judged by its own region's default, as before the merge.
    let judged = |inputs: &[std::path::PathBuf]| {
        let output = ecslint()
            .args(["--select", "OPS301", "-f", "json"])
            .args(inputs)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let failing: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["resource"]["id"].as_str().unwrap().to_string())
            .collect();
        (
            failing,
            report["collectionErrors"].as_array().unwrap().len(),
        )
    };
    let separate = judged(&[dir.path().join("eu.json"), dir.path().join("us.json")]);
    assert_eq!(
        separate.0,
        ["arn:aws:ecs:eu-west-1:111122223333:cluster/apps"]
    );
    assert_eq!(judged(std::slice::from_ref(&merged)), separate);

    // A broken input names its place; snapshots and reports do not mix.
    std::fs::write(
        dir.path().join("broken.json"),
        "{\"ecslintSnapshot\": {\n  \"version\": 1,,\n}}",
    )
    .unwrap();
    let broken = bare()
        .arg("merge")
        .arg(dir.path().join("broken.json"))
        .arg(dir.path().join("us.json"))
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains("broken.json:2:"), "{stderr}");
    let report = dir.path().join("report.json");
    ecslint()
        .args(["-f", "json", "-o"])
        .arg(&report)
        .arg(dir.path().join("us.json"))
        .assert()
        .code(3);
    let mixed = bare()
        .arg("merge")
        .arg(dir.path().join("us.json"))
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(mixed.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&mixed.stderr).contains("merge snapshots or reports, not both")
    );
}

/// Copies the demo estate into `dir`.
fn copy_demo(dir: &std::path::Path) {
    for entry in ["", "task-definitions"] {
        std::fs::create_dir_all(dir.join(entry)).unwrap();
        for file in std::fs::read_dir(repo().join("fixtures/demo").join(entry)).unwrap() {
            let path = file.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.join(entry).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
}

#[test]
fn diff_reports_new_fixed_unchanged_and_unverified_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    copy_demo(&old);
    copy_demo(&new);
    // Fixed: the log agent no longer runs privileged. New: the web image becomes :latest.
    // Unverified: the IAM file is gone, so the role rules cannot be evaluated again.
    let agent = new.join("task-definitions/log-agent.json");
    let text = std::fs::read_to_string(&agent).unwrap();
    std::fs::write(
        &agent,
        text.replace("\"privileged\": true", "\"privileged\": false"),
    )
    .unwrap();
    let web = new.join("task-definitions/web.json");
    let text = std::fs::read_to_string(&web).unwrap();
    let image = text
        .split("\"image\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    std::fs::write(&web, text.replacen(&image, "nginx:latest", 1)).unwrap();
    std::fs::remove_file(new.join("iam-authorization-details.json")).unwrap();

    let diff = |format: &str, a: &std::path::Path, b: &std::path::Path| {
        let output = bare()
            .current_dir(dir.path())
            .args(["diff", "--no-config", "--fail-on-new", "-f", format])
            .arg(a)
            .arg(b)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let json: serde_json::Value = serde_json::from_slice(&diff("json", &old, &new)).unwrap();
    let ids = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    // The log agent keeps host networking and root but is no longer explicitly privileged:
    // that is AWS Config's user-for-host-mode failure (SEC124).
    let mut new_findings = ids("new_findings");
    new_findings.sort();
    assert_eq!(new_findings, ["SEC115", "SEC124"], "{json:#}");
    assert!(
        ids("fixed").contains(&"SEC101".to_string()),
        "{:?}",
        ids("fixed")
    );
    assert!(
        !ids("unverified").is_empty() && ids("unverified").iter().all(|r| r.starts_with("SEC4")),
        "{:?}",
        ids("unverified")
    );
    assert!(
        !ids("fixed").iter().any(|r| r.starts_with("SEC4")),
        "a role not read is not fixed"
    );
    let total = &json["summary"]["total"];
    assert_eq!(total["new"], 2);
    assert_eq!(
        total["unchanged"].as_u64().unwrap()
            + total["fixed"].as_u64().unwrap()
            + total["unverified"].as_u64().unwrap(),
        json["old"]["findings"].as_u64().unwrap(),
        "every old finding is accounted for"
    );

    // The same comparison from two JSON reports.
    for (path, report) in [(&old, "old.json"), (&new, "new.json")] {
        ecslint()
            .args(["-f", "json", "-o"])
            .arg(dir.path().join(report))
            .arg(path)
            .assert()
            .code(&[0, 1][..]);
    }
    let from_reports: serde_json::Value = serde_json::from_slice(&diff(
        "json",
        &dir.path().join("old.json"),
        &dir.path().join("new.json"),
    ))
    .unwrap();
    assert_eq!(from_reports["summary"], json["summary"]);

    // Console, HTML and SARIF say the same numbers.
    let pretty = String::from_utf8(diff("pretty", &old, &new)).unwrap();
    let security = &json["summary"]["by_pillar"]["security"];
    let row = format!(
        "  {:<28} {:>6} {:>6} {:>10} {:>11}",
        "Security",
        security["new"].to_string(),
        security["fixed"].to_string(),
        security["unchanged"].to_string(),
        security["unverified"].to_string()
    );
    assert!(pretty.contains(&row), "{row}\n{pretty}");
    let html = String::from_utf8(diff("html", &old, &new)).unwrap();
    for state in ["new", "fixed", "unchanged", "unverified"] {
        assert!(
            html.contains(&format!("data-total-{state}=\"{}\"", total[state])),
            "{state}"
        );
    }
    let sarif = assert_valid_sarif(&diff("sarif", &old, &new));
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    let count = |s: &str| states.iter().filter(|x| **x == s).count() as u64;
    assert_eq!(count("new"), 2);
    assert_eq!(count("absent"), total["fixed"].as_u64().unwrap());
    assert_eq!(
        count("unchanged"),
        total["unchanged"].as_u64().unwrap() + total["unverified"].as_u64().unwrap()
    );
}

#[test]
fn html_reports_link_each_finding_to_its_file_relative_to_the_report() {
    let dir = tempfile::tempdir().unwrap();
    copy_demo(&dir.path().join("estate dir"));
    let report = dir.path().join("reports").join("audit.html");
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    bare()
        .current_dir(dir.path())
        .args(["check", "--no-config", "-f", "html", "-o"])
        .arg(&report)
        .arg("estate dir")
        .assert()
        .code(1);
    let html = std::fs::read_to_string(&report).unwrap();
    let links: std::collections::BTreeSet<&str> = html
        .split("<a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.ends_with(".json"))
        .collect();
    assert!(links.len() >= 5, "{links:?}");
    for link in links {
        assert!(link.starts_with("../estate%20dir/"), "{link}");
        let target = report.parent().unwrap().join(link.replace("%20", " "));
        assert!(target.is_file(), "{link} does not lead to a file");
    }
}

#[test]
fn an_organization_audit_counts_findings_per_account_alike_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for (account, insights) in [("111122223333", "disabled"), ("444455556666", "disabled")] {
        std::fs::write(
            dir.path().join(format!("{account}.json")),
            account_snapshot(account, "eu-west-1", insights),
        )
        .unwrap();
    }
    let run = |format: &str| {
        let output = ecslint()
            .args(["-f", format])
            .arg(dir.path())
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let by_account = json["summary"]["by_account"].as_object().unwrap();
    assert_eq!(by_account.len(), 2, "{by_account:?}");
    assert!(
        by_account["111122223333"]["medium"].as_u64().unwrap() >= 1,
        "OPS301 there"
    );
    let pretty = run("pretty");
    let html = run("html");
    let severities = ["critical", "high", "medium", "low", "info"];
    for (account, counts) in by_account {
        let expected: Vec<u64> = severities
            .iter()
            .map(|s| counts.get(*s).and_then(|n| n.as_u64()).unwrap_or(0))
            .collect();
        let line = pretty
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("account {account}:")))
            .unwrap();
        let console: Vec<u64> = line
            .split(':')
            .nth(1)
            .unwrap()
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(console, expected, "{line}");
        let row = html
            .split(&format!("<th scope=\"row\">{account}</th>"))
            .nth(1)
            .unwrap()
            .split("</tr>")
            .next()
            .unwrap();
        assert_eq!(data_numbers(row), expected, "{row}");
    }
}

#[test]
fn bad_audit_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // An accounts file that names no account does not quietly scan the caller's own (live
    // scans exist only with the `live` feature).
    #[cfg(feature = "live")]
    {
        let accounts = dir.path().join("accounts.txt");
        std::fs::write(&accounts, "# to be filled\n\n").unwrap();
        let output = bare()
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .args([
                "collect",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--role-name",
                "R",
            ])
            .arg("--accounts-file")
            .arg(&accounts)
            .arg("-o")
            .arg(dir.path().join("x.json"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains("lists no account"));
    }
    // A diff against a broken input says so and exits 2.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"family\": ").unwrap();
    let output = bare()
        .args(["diff", "--no-config"])
        .arg(repo().join("fixtures/demo"))
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("caution: the new audit had 1 input error")
    );
}
