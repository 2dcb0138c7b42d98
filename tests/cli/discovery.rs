//! `ecslint check .` at the root of ordinary repositories: what is read, skipped, or an error.

use assert_cmd::Command;
use std::path::Path;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `check --no-config -f json` run in `dir` on `args`: exit code and report.
fn check_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--no-config", "-f", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), report)
}

fn paths(report: &serde_json::Value, key: &str) -> Vec<String> {
    let mut paths: Vec<String> = report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

fn finding_files(report: &serde_json::Value) -> Vec<String> {
    let mut files: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap().to_string())
        .collect();
    files.dedup();
    files
}

const TASK_DEFINITION: &str = r#"{
  "family": "shop",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "essential": true, "privileged": true}
  ]
}
"#;

/// An application repository as the AWS deploy actions expect it.
fn app_repository(root: &Path) {
    write(root, ".aws/task-definition.json", TASK_DEFINITION);
    write(
        root,
        "package.json",
        r#"{"name": "shop", "version": "1.0.0", "scripts": {"build": "tsc"}}"#,
    );
    write(
        root,
        "package-lock.json",
        r#"{"name": "shop", "lockfileVersion": 3, "packages": {}}"#,
    );
    // JSON with comments and trailing commas, as TypeScript allows.
    write(
        root,
        "tsconfig.json",
        "{\n  // strict mode\n  \"compilerOptions\": {\"strict\": true,},\n}\n",
    );
    write(
        root,
        "renovate.json",
        r#"{"extends": ["config:recommended"]}"#,
    );
    write(
        root,
        ".vscode/settings.json",
        r#"{"editor.formatOnSave": true}"#,
    );
    write(root, ".github/workflows/deploy.yml", "on: push\njobs: {}\n");
    write(
        root,
        "docker-compose.yml",
        "services:\n  web:\n    image: nginx\n",
    );
    write(root, ".gitignore", "node_modules/\ncdk.out/\n");
    write(
        root,
        "node_modules/left-pad/package.json",
        r#"{"name": "left-pad"}"#,
    );
    write(root, "cdk.out/task.json", TASK_DEFINITION);
    write(root, ".git/config.json", "not json, never read");
}

#[test]
fn an_app_repository_reads_its_hidden_task_definition_and_skips_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    app_repository(dir.path());
    let (code, report) = check_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(finding_files(&report), [".aws/task-definition.json"]);
    assert_eq!(paths(&report, "inputErrors"), Vec::<String>::new());
    // node_modules/ and cdk.out/ are ignored by .gitignore, .git/ always.
    assert_eq!(
        paths(&report, "skipped"),
        [
            ".github/workflows/deploy.yml",
            ".vscode/settings.json",
            "docker-compose.yml",
            "package-lock.json",
            "package.json",
            "renovate.json",
            "tsconfig.json"
        ]
    );
    // The console says how many were skipped; --verbose says which and why.
    let pretty = |verbose: bool| {
        let mut command = Command::cargo_bin("ecslint").unwrap();
        command
            .current_dir(dir.path())
            .args(["check", "--no-config"]);
        if verbose {
            command.arg("--verbose");
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    assert!(pretty(false).contains("7 files of no ECS, IAM or EC2 shape skipped (--verbose"));
    let listed = pretty(true);
    assert!(
        listed.contains("tsconfig.json: not valid JSON")
            && listed.contains("package.json: not a known"),
        "{listed}"
    );
}

#[test]
fn a_path_named_explicitly_is_read_even_when_ignored() {
    let dir = tempfile::tempdir().unwrap();
    app_repository(dir.path());
    let (code, report) = check_json(dir.path(), &["cdk.out"]);
    assert_eq!(code, 1);
    assert_eq!(finding_files(&report), ["cdk.out/task.json"]);
    let (code, report) = check_json(dir.path(), &["node_modules/left-pad/package.json"]);
    assert_eq!(code, 2, "a named file of no known shape is an error");
    assert_eq!(
        paths(&report, "inputErrors"),
        ["node_modules/left-pad/package.json"]
    );
}

#[test]
fn found_files_are_errors_only_when_they_are_ours_and_broken() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // One of our shapes, broken: containerDefinitions is not an array.
    write(
        root,
        "deploy/broken-shape.json",
        r#"{"family": "a", "containerDefinitions": {"name": "x"}}"#,
    );
    // Not JSON, but it names an ECS member: a task definition template.
    write(
        root,
        "deploy/template.json",
        "{\"family\": \"a\", \"containerDefinitions\": [{\"cpu\": ${CPU}}]}",
    );
    // Not JSON, no ECS member, beside a document that was read.
    write(root, "services/notes.json", "{ this is not json");
    write(root, "services/td.json", TASK_DEFINITION);
    // Not JSON, no ECS member, alone in its folder: an editor's JSON with comments.
    write(root, "editor/settings.json", "{ // comment\n \"a\": 1 }");
    let (code, report) = check_json(root, &["."]);
    assert_eq!(code, 2);
    assert_eq!(
        paths(&report, "inputErrors"),
        [
            "deploy/broken-shape.json",
            "deploy/template.json",
            "services/notes.json"
        ]
    );
    assert_eq!(paths(&report, "skipped"), ["editor/settings.json"]);
    // The errors do not hide the findings of the good file.
    assert_eq!(finding_files(&report), ["services/td.json"]);
    let template = report["inputErrors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "deploy/template.json")
        .unwrap();
    assert_eq!(template["location"]["line"], 1);
    assert_eq!(template["location"]["column"], 50, "at the placeholder");
}

#[test]
fn a_run_that_reads_no_document_says_what_it_saw_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in ["main.tf", "variables.tf"] {
        write(
            root,
            &format!("infra/{name}"),
            "resource \"aws_s3_bucket\" \"x\" {}\n",
        );
    }
    for name in ["main.hcl", "ecs.hcl", "variables.hcl"] {
        write(root, &format!("infra/{name}"), "cluster \"x\" {}\n");
    }
    write(
        root,
        "infra/template.yaml",
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
    );
    write(root, "infra/package.json", r#"{"name": "infra"}"#);
    let (code, report) = check_json(root, &["infra"]);
    assert_eq!(code, 2);
    let reason = report["inputErrors"][0]["reason"].as_str().unwrap();
    assert_eq!(
        reason,
        "no ECS, IAM or EC2 document found: 4 files of no ECS, IAM or EC2 shape skipped \
         (--verbose lists them); 3 .hcl files are not read (ecslint reads JSON, YAML and \
         Terraform; --include selects files)"
    );
    std::fs::create_dir(root.join("empty")).unwrap();
    let (code, report) = check_json(root, &["empty"]);
    assert_eq!(code, 2);
    assert_eq!(report["inputErrors"][0]["path"], "empty");
}

#[test]
fn an_ecspresso_repository_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "ecspresso.yml",
        "region: eu-west-1\ncluster: prod\nservice: shop\nservice_definition: ecs-service-def.json\n\
         task_definition: ecs-task-def.json\n",
    );
    write(root, "ecs-task-def.json", TASK_DEFINITION);
    // No serviceName and no cluster: ecspresso takes both from its config.
    write(
        root,
        "ecs-service-def.json",
        r#"{
  "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200},
  "desiredCount": 1,
  "enableExecuteCommand": false,
  "launchType": "FARGATE",
  "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "ENABLED", "subnets": ["subnet-1"]}}
}
"#,
    );
    let (code, report) = check_json(root, &["."]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&report, "inputErrors"), Vec::<String>::new());
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["file"] == "ecs-service-def.json")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"SEC201"), "{rules:?}");
}

#[test]
fn cli_input_files_of_services_and_account_settings_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // create-service --cli-input-json: the cluster is named by a string.
    write(
        root,
        "create-service.json",
        r#"{"cluster": "prod", "serviceName": "shop", "taskDefinition": "shop:3", "desiredCount": 1,
            "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}}}"#,
    );
    // update-service --cli-input-json names the service `service`.
    write(
        root,
        "update-service.json",
        r#"{"cluster": "prod", "service": "cart", "desiredCount": 1, "deploymentConfiguration": {"minimumHealthyPercent": 0}}"#,
    );
    // put-account-setting output: one setting.
    write(
        root,
        "put-account-setting.json",
        "{\n  \"setting\": {\n    \"name\": \"containerInsights\",\n    \"value\": \"disabled\",\n    \
         \"principalArn\": \"arn:aws:iam::111122223333:root\",\n    \"type\": \"user\"\n  }\n}\n",
    );
    // run-task input is not a resource: skipped, not an error.
    write(
        root,
        "run-task.json",
        r#"{"cluster": "prod", "taskDefinition": "shop:3", "launchType": "FARGATE"}"#,
    );
    let (code, report) = check_json(root, &["."]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(paths(&report, "inputErrors"), Vec::<String>::new());
    assert_eq!(paths(&report, "skipped"), ["run-task.json"]);
    let found = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule}: {report:#}"))
            .clone()
    };
    assert_eq!(found("SEC201")["resource"]["name"], "shop");
    assert_eq!(found("REL203")["resource"]["name"], "cart");
    // The account default is found at the member of `setting` the file really has.
    let insights = found("OPS001");
    assert_eq!(insights["location"]["file"], "put-account-setting.json");
    assert_eq!(insights["location"]["path"], "$['setting']['value']");
    assert_eq!(insights["location"]["start"]["line"], 4);
}
