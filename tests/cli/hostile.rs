//! Hostile input: what a pull request can carry must never make the gate pass silently.

use assert_cmd::Command;
use std::path::Path;

fn check(args: &[&str], dir: &Path) -> (i32, serde_json::Value) {
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--no-config", "-f", "json", "--fail-on", "high"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap(), report)
}

/// Writes one team rule (`team-rules/{id}-{name}.toml`, the folder made anew) and runs `check`
/// with it on `td.json` in `dir`: exit code and stderr.
fn check_with_team_rule(
    dir: &Path,
    (id, name, resource): (&str, &str, &str),
    query: &str,
    message: &str,
) -> (Option<i32>, String) {
    let rules = dir.join("team-rules");
    let _ = std::fs::remove_dir_all(&rules);
    std::fs::create_dir(&rules).unwrap();
    let pillar = if id.starts_with("OPS") {
        "operational-excellence"
    } else {
        "security"
    };
    std::fs::write(
        rules.join(format!("{id}-{name}.toml")),
        format!(
            "id = \"{id}\"\nname = \"{name}\"\ntitle = \"A team rule\"\npillars = [\"{pillar}\"]\n\
             best_practices = [\"SEC06-BP03\"]\nseverity = \"low\"\nresource = \"{resource}\"\n\
             query = '''{query}'''\nmessage = \"{message}\"\n\
             [docs]\nwhat = \"xxxxxxxxxxxxxxxxxxxxxxxxx\"\nwhy = \"xxxxxxxxxxxxxxxxxxxxxxxxx\"\n\
             fix = \"xxxxxxxxxxxxxxxxxxxxxxxxx\"\nreferences = []\n"
        ),
    )
    .unwrap();
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir)
        .args(["check", "--no-config", "--rules", "team-rules", "td.json"])
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const PRIVILEGED: &str =
    r#""containerDefinitions": [{"name": "a", "image": "a:1", "privileged": true}]"#;

#[test]
fn members_a_full_parse_refuses_are_input_errors_not_silent_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
    let cases = [
        ("number.json", r#""cpu": 1e999"#.to_string()),
        ("surrogate.json", r#""note": "\ud800""#.to_string()),
        ("deep.json", format!(r#""deep": {deep}"#)),
    ];
    let task_of = |member: &str| format!(r#"{{"family": "x", {member}, {PRIVILEGED}}}"#);
    for (name, member) in &cases {
        // As one task definition, and as an element of a snapshot's taskDefinitions.
        let task = task_of(member);
        std::fs::write(dir.path().join(name), &task).unwrap();
        let snapshot = format!(r#"{{"taskDefinitions": [{task}]}}"#);
        std::fs::write(dir.path().join(format!("snapshot-{name}")), snapshot).unwrap();
    }
    for (name, member) in cases {
        // The error is placed inside the offending member (one line: columns are bytes here).
        let start = task_of(&member).find(&member).unwrap() as u64 + 1;
        let within = start..start + member.len() as u64;
        for file in [name.to_string(), format!("snapshot-{name}")] {
            let (code, report) = check(&[&file], dir.path());
            assert_eq!(code, 2, "{file}: {report:#}");
            let error = &report["inputErrors"][0];
            assert_eq!(error["path"], file.as_str());
            if !file.starts_with("snapshot") {
                assert_eq!(error["location"]["line"], 1);
                let column = error["location"]["column"].as_u64().unwrap();
                assert!(
                    within.contains(&column),
                    "{file}: {error} not in {within:?}"
                );
            }
            assert_eq!(report["findings"].as_array().unwrap().len(), 0);
        }
    }
}

#[test]
fn syntax_errors_in_task_definition_files_are_placed_where_serde_json_places_them() {
    // A task definition file is checked by a quick pass that leaves any doubt to serde_json:
    // each broken file, as written and in the describe output's wrapper, is an input error at
    // serde_json's own place.
    let dir = tempfile::tempdir().unwrap();
    let broken = [
        "\"cpu\": \"256\",\n}",
        "\"cpu\": \"256\" \"memory\": \"512\"}",
        "\"cpu\": tru}",
        "\"cpu\": 01}",
        "\"cpu\": \"a\u{1}b\"}",
        "\"cpu\": \"\\x\"}",
        "\"cpu\": [1, 2",
        "\"cpu\": 1}\n{}",
    ];
    for (i, tail) in broken.iter().enumerate() {
        let task = format!("{{\"family\": \"x\", {PRIVILEGED},\n {tail}");
        for (name, text) in [
            (format!("td-{i}.json"), task.clone()),
            (
                format!("wrapped-{i}.json"),
                format!("{{\"taskDefinition\": {task}}}"),
            ),
        ] {
            let error = serde_json::from_str::<serde_json::Value>(&text).unwrap_err();
            std::fs::write(dir.path().join(&name), &text).unwrap();
            let (code, report) = check(&[&name], dir.path());
            assert_eq!(code, 2, "{name}: {report:#}");
            let placed = &report["inputErrors"][0]["location"];
            assert_eq!(placed["line"], error.line() as u64, "{name}: {report:#}");
            assert_eq!(
                placed["column"],
                error.column() as u64,
                "{name}: {report:#}"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rendered.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            std::fs::write(fifo, format!(r#"{{"family": "x", {PRIVILEGED}}}"#)).unwrap();
        })
    };
    let (code, report) = check(&["rendered.json"], dir.path());
    writer.join().unwrap();
    assert_eq!(code, 1, "{report:#}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"SEC101"), "{rules:?}");
}

#[test]
fn a_folder_or_glob_that_matches_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("td.json"),
        format!(r#"{{"family": "x", {PRIVILEGED}}}"#),
    )
    .unwrap();
    let (code, report) = check(&["--include", "*.task.json", "."], dir.path());
    assert_eq!(code, 2);
    assert!(
        report["inputErrors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no ECS, IAM or EC2 document found"),
        "{report:#}"
    );
}

#[test]
fn invalid_patterns_and_parameters_are_errors_not_disabled_rules() {
    let dir = tempfile::tempdir().unwrap();
    let task = r#"{"family": "x", "containerDefinitions": [{"name": "a", "image": "a:1",
        "environment": [{"name": "DB_PASSWORD", "value": "x"}]}]}"#;
    std::fs::write(dir.path().join("td.json"), task).unwrap();
    let run = |config: &str| {
        std::fs::write(dir.path().join("ecslint.toml"), config).unwrap();
        Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(dir.path())
            .args(["check", "--config", "ecslint.toml", "td.json"])
            .output()
            .unwrap()
    };
    for (config, says) in [
        ("[params.SEC107]\nnames = \"(PASSWORD\"\n", "unclosed group"),
        ("[params.SEC107]\nnames = \"(?=PASS)\"\n", "look-around"),
        (
            "[params.SEC107]\nnames = \"(a{1000}){1000}\"\n",
            "size limit",
        ),
        ("[params.SEC107]\nnames = 7\n", "should be a string"),
    ] {
        let output = run(config);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{config}: {stderr}");
        assert!(stderr.contains(says), "{config}: {stderr}");
    }
    // A team's rule file with a broken pattern in its query.
    let (code, stderr) = check_with_team_rule(
        dir.path(),
        ("SEC901", "bad-pattern", "task-definition"),
        "$.containerDefinitions[?match(@.image, 'nginx[')]",
        "x",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("SEC901-bad-pattern.toml") && stderr.contains("invalid regular expression"),
        "{stderr}"
    );
}

/// A valid snapshot written on one line, wider than miette can label (65,535 columns).
fn minified_snapshot(tasks: usize, padding: usize) -> String {
    let task = |i: usize| {
        format!(
            r#"{{"family":"t{i}","taskDefinitionArn":"arn:aws:ecs:eu-west-1:111122223333:task-definition/t{i}:1","revision":1,"containerDefinitions":[{{"name":"a","image":"a:1","privileged":true,"environment":[{{"name":"PADDING","value":"{}"}}]}}]}}"#,
            "p".repeat(padding)
        )
    };
    let tasks: Vec<String> = (0..tasks).map(task).collect();
    format!(r#"{{"taskDefinitions":[{}]}}"#, tasks.join(","))
}

#[test]
fn wide_lines_never_panic_and_frames_stay_small() {
    let dir = tempfile::tempdir().unwrap();
    let wide = minified_snapshot(20, 5_000);
    assert!(wide.len() > 100_000 && !wide.contains('\n'));
    std::fs::write(dir.path().join("snapshot.json"), &wide).unwrap();
    // The same file, broken near its end.
    let broken = format!("{}, x]}}", &wide[..wide.len() - 2]);
    std::fs::write(dir.path().join("broken.json"), &broken).unwrap();
    for format in ["pretty", "json", "sarif", "github", "html"] {
        for (file, expected) in [("snapshot.json", 1), ("broken.json", 2)] {
            let output = Command::cargo_bin("ecslint")
                .unwrap()
                .current_dir(dir.path())
                .args([
                    "check",
                    "--no-config",
                    "--select",
                    "SEC101",
                    "-f",
                    format,
                    file,
                ])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(expected),
                "{format} {file}: {stderr}"
            );
            // 20 findings: bounded frames, not 20 copies of a 100 KB line.
            assert!(
                output.stdout.len() + output.stderr.len() < 200_000,
                "{format} {file}: {} bytes",
                output.stdout.len()
            );
        }
    }
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "baseline",
            "--no-config",
            "-o",
            "baseline.json",
            "broken.json",
            "snapshot.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(dir.path().join("baseline.json").is_file());
}

/// Every command that prints fails cleanly (exit 2, a message) on a full disk or a closed pipe.
#[cfg(target_os = "linux")]
#[test]
fn commands_that_print_survive_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("td.json"),
        r#"{"family": "x", "containerDefinitions": [{"name": "a", "image": "a:1", "readonlyRootFilesystem": false}]}"#,
    )
    .unwrap();
    let commands: [&[&str]; 5] = [
        &["rules"],
        &["rules", "--json"],
        &["explain", "SEC101"],
        &["fix", "--no-config", "--diff", "td.json"],
        &["check", "--no-config", "td.json"],
    ];
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full on this machine");
        return;
    }
    for args in commands {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("ecslint"))
            .current_dir(dir.path())
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("No space left"), "{args:?}: {stderr}");
    }
}

/// Secrets a task definition may hold, none of which a report may print.
const SECRETS: [&str; 6] = [
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl",
    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
    "splunk-pw-1234",
    "admin:hunter2",
    "tok-987654",
];

fn secret_task_definition() -> String {
    format!(
        r#"{{
  "family": "leaky",
  "containerDefinitions": [
    {{
      "name": "app",
      "image": "app:latest",
      "environment": [
        {{"name": "AWS_SECRET_ACCESS_KEY", "value": "{}"}},
        {{"name": "SESSION", "value": "{}"}}
      ],
      "secrets": [{{"name": "DB", "valueFrom": "{}"}}],
      "logConfiguration": {{"logDriver": "splunk", "options": {{"splunk-password": "{}"}}}},
      "healthCheck": {{"command": ["CMD-SHELL", "curl -u {} localhost"]}},
      "command": ["serve", "--token", "{}"],
      "readonlyRootFilesystem": false
    }}
  ]
}}
"#,
        SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[3], SECRETS[4], SECRETS[5]
    )
}

/// The same secrets in a CloudFormation template, written as YAML is: plain, quoted, tagged
/// and in flow collections.
fn secret_template() -> String {
    format!(
        r#"Resources:
  Leaky:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: leaky
      ContainerDefinitions:
        - Name: app
          Image: app:latest
          Environment:
            - Name: AWS_SECRET_ACCESS_KEY
              Value: {}
            - {{Name: SESSION, Value: "{}"}}
          Secrets: [{{Name: DB, ValueFrom: !Sub '{}'}}]
          LogConfiguration: {{LogDriver: splunk, Options: {{splunk-password: {}}}}}
          HealthCheck:
            Command: [CMD-SHELL, "curl -u {} localhost"]
          Command: [serve, --token, '{}']
          ReadonlyRootFilesystem: false
"#,
        SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[3], SECRETS[4], SECRETS[5]
    )
}

#[test]
fn frames_never_print_secrets_whatever_rules_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), secret_task_definition()).unwrap();
    std::fs::write(dir.path().join("template.yaml"), secret_template()).unwrap();
    // The same file broken right after a secret: the input-error frame shows its neighbours.
    let broken = secret_task_definition().replacen("\"SESSION\"", "\"SESSION\" ,,", 1);
    std::fs::write(dir.path().join("broken.json"), broken).unwrap();
    for selection in [
        &[][..],
        &["--select", "reliability"],
        &["--ignore", "SEC107,SEC108"],
    ] {
        for format in ["pretty", "json", "sarif", "github", "html"] {
            for file in ["td.json", "broken.json", "template.yaml"] {
                let output = Command::cargo_bin("ecslint")
                    .unwrap()
                    .current_dir(dir.path())
                    .args(["check", "--no-config", "-f", format])
                    .args(selection)
                    .arg(file)
                    .output()
                    .unwrap();
                let printed = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                for secret in SECRETS {
                    assert!(
                        !printed.contains(secret),
                        "{format} {selection:?} {file} printed {secret}:\n{printed}"
                    );
                }
            }
        }
    }
    // A fix's diff prints the lines around it: here the secret just before the fixed line.
    for file in ["td.json", "template.yaml"] {
        let output = Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(dir.path())
            .args(["fix", "--no-config", "--diff", file])
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(
            printed.to_lowercase().contains("readonlyrootfilesystem"),
            "{file}: {printed}"
        );
        for secret in SECRETS {
            assert!(
                !printed.contains(secret),
                "{file} printed {secret}:\n{printed}"
            );
        }
    }
}

#[test]
fn fingerprints_of_secrets_do_not_depend_on_the_secret() {
    // A 4-digit PIN hashed with nothing secret beside it is found in 10,000 SHA-256 calls: the
    // fingerprint of a sensitive finding must be the same whatever the value.
    let dir = tempfile::tempdir().unwrap();
    let fingerprints = |pin: &str| {
        let task = format!(
            r#"{{"family": "x", "containerDefinitions": [{{"name": "a", "image": "a:1",
                "command": ["serve", "--password={pin}"],
                "logConfiguration": {{"logDriver": "awslogs", "options": {{"x": "postgres://u:{pin}@h"}}}},
                "environment": [{{"name": "DB_PASSWORD", "value": "{pin}"}}]}}]}}"#
        );
        std::fs::write(dir.path().join("td.json"), task).unwrap();
        let (_, report) = check(&["--select", "SEC107,SEC116,SEC118", "td.json"], dir.path());
        let mut found: Vec<(String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let first = fingerprints("4831");
    assert_eq!(first.len(), 3, "{first:?}");
    assert_eq!(first, fingerprints("0000"));
}

/// Every fix, on every rule's fail fixtures as written and minified to one line, and on empty
/// objects: the result is JSON, and a second `fix` changes nothing.
#[test]
fn fixes_always_leave_valid_json() {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(repo.join("fixtures")).unwrap() {
        let folder = entry.unwrap().path();
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        for fixture in ["fail.json", "fail-absent.json"] {
            let Ok(text) = std::fs::read_to_string(folder.join(fixture)) else {
                continue;
            };
            let minified =
                serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&text).unwrap())
                    .unwrap();
            for (variant, body) in [("as-written", text), ("minified", minified)] {
                std::fs::write(
                    dir.path().join(format!("{name}-{fixture}-{variant}.json")),
                    body,
                )
                .unwrap();
                count += 1;
            }
        }
    }
    for (name, body) in [
        ("empty-service", r#"{"services":[{}]}"#),
        ("empty-service-spaced", "{ \"services\" : [ { } ] }"),
        (
            "one-member-service",
            r#"{"serviceName":"a","desiredCount":2}"#,
        ),
        (
            "empty-container",
            r#"{"family":"f","containerDefinitions":[{}]}"#,
        ),
        (
            "one-member-container",
            r#"{"family":"f","containerDefinitions":[{"name":"a"}]}"#,
        ),
    ] {
        std::fs::write(dir.path().join(format!("{name}.json")), body).unwrap();
        count += 1;
    }
    let fix = || {
        Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(dir.path())
            .args(["fix", "--no-config", "."])
            .output()
            .unwrap()
    };
    fix();
    let mut broken = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
            broken.push(format!("{}: {e}\n{text}", path.display()));
        }
    }
    assert!(
        broken.is_empty(),
        "{} of {count} files broken:\n{}",
        broken.len(),
        broken.join("\n")
    );
    let second = fix();
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("0 fix(es) applied"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    // An empty service (shape forced): several members inserted into one empty object.
    for body in ["{}", "{ }", "{\n}\n"] {
        let path = dir.path().join("forced-service.json");
        std::fs::write(&path, body).unwrap();
        let output = Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(dir.path())
            .args([
                "fix",
                "--no-config",
                "--input-kind",
                "service",
                "forced-service.json",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("2 fix(es) applied"), "{stderr}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "{body:?} became {text}"
        );
    }
}

const FIXABLE: &str = r#"{"family": "x", "containerDefinitions": [{"name": "a", "image": "a:1", "readonlyRootFilesystem": false}]}"#;

#[cfg(unix)]
#[test]
fn fix_writes_only_the_files_it_read_inside_the_given_paths() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("services")).unwrap();
    std::fs::write(dir.path().join("victim.json"), "keep").unwrap();
    // A name that renders as a path leaving the repository.
    let tricky = repo.join("services\\..\\..\\victim.json");
    std::fs::write(&tricky, FIXABLE).unwrap();
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir.path())
        .args(["fix", "--no-config", "--select", "SEC102", "repo"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("victim.json")).unwrap(),
        "keep"
    );
    assert!(
        std::fs::read_to_string(&tricky)
            .unwrap()
            .contains("\"readonlyRootFilesystem\": true")
    );
    // A link to a file outside the repository is read, but never written through.
    std::fs::write(dir.path().join("outside.json"), FIXABLE).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.json"), repo.join("link.json")).unwrap();
    let output = Command::cargo_bin("ecslint")
        .unwrap()
        .current_dir(dir.path())
        .args(["fix", "--no-config", "--select", "SEC102", "repo/link.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("outside.json")).unwrap(),
        FIXABLE
    );
}

#[test]
fn an_output_never_replaces_an_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), FIXABLE).unwrap();
    for args in [
        &[
            "check",
            "--no-config",
            "-f",
            "sarif",
            "-o",
            "td.json",
            "td.json",
        ][..],
        &["baseline", "--no-config", "-o", "td.json", "td.json"],
        &["check", "--no-config", "-o", "./td.json", "."],
    ] {
        let output = Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("would replace an input"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("td.json")).unwrap(),
            FIXABLE
        );
    }
}

#[test]
fn the_config_comes_from_the_linted_repository_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::write(repo.join("td.json"), FIXABLE).unwrap();
    // An ancestor's config (a shared /tmp, a home folder) never applies inside a repository.
    std::fs::write(dir.path().join("ecslint.toml"), "ignore = [\"security\", \"reliability\", \"operational-excellence\", \"cost-optimization\", \"performance-efficiency\", \"sustainability\"]\n").unwrap();
    let rules_found = |cwd: &Path, args: &[&str]| -> (Vec<String>, serde_json::Value, String) {
        let output = Command::cargo_bin("ecslint")
            .unwrap()
            .current_dir(cwd)
            .args(["check", "-f", "sarif", "--verbose"])
            .args(args)
            .output()
            .unwrap();
        let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let mut rules: Vec<String> = log["runs"][0]["results"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|r| r["ruleId"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        rules.dedup();
        (
            rules,
            log,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (rules, log, stderr) = rules_found(&repo, &["td.json"]);
    assert!(rules.contains(&"SEC102".to_string()), "{rules:?} {stderr}");
    assert!(stderr.contains("config: none"), "{stderr}");
    assert_eq!(
        log["runs"][0]["invocations"][0]["properties"]["ecslintConfig"],
        serde_json::Value::Null
    );
    // The repository's own config applies when the repository is linted from elsewhere.
    std::fs::write(repo.join("ecslint.toml"), "select = [\"SEC102\"]\n").unwrap();
    let (rules, log, stderr) = rules_found(dir.path(), &["repo"]);
    assert_eq!(rules, ["SEC102"], "{stderr}");
    let used = repo.join("ecslint.toml").canonicalize().unwrap();
    assert!(
        stderr.contains(&format!("config: {}", used.display())),
        "{stderr}"
    );
    assert_eq!(
        log["runs"][0]["invocations"][0]["properties"]["ecslintConfig"],
        used.display().to_string()
    );
    // Paths under two different configs: refused rather than one applied to the other.
    let other = dir.path().join("other");
    std::fs::create_dir_all(other.join(".git")).unwrap();
    std::fs::write(other.join("td.json"), FIXABLE).unwrap();
    let (_, _, stderr) = rules_found(dir.path(), &["repo", "other"]);
    assert!(stderr.contains("different ecslint.toml files"), "{stderr}");
    // A waiver that can never expire is a config error.
    std::fs::write(
        repo.join("ecslint.toml"),
        "[[waivers]]\nrule = \"SEC102\"\nresource = \"*\"\nreason = \"r\"\nexpires = \"9999-99-99\"\n",
    )
    .unwrap();
    let (_, _, stderr) = rules_found(&repo, &["td.json"]);
    assert!(stderr.contains("is not YYYY-MM-DD"), "{stderr}");
}

#[test]
fn a_query_that_could_explode_is_a_rule_error() {
    let dir = tempfile::tempdir().unwrap();
    // A small document nested deep: `$..*..*..*..*` over it grows past any memory.
    let deep = format!(
        "{}{}",
        "{\"a\":".repeat(100),
        "1".to_string() + &"}".repeat(100)
    );
    std::fs::write(
        dir.path().join("td.json"),
        format!(r#"{{"family": "x", "deep": {deep}, "containerDefinitions": [{{"name": "a", "image": "a:1"}}]}}"#),
    )
    .unwrap();
    let (code, stderr) = check_with_team_rule(
        dir.path(),
        ("OPS901", "careless", "task-definition"),
        "$..*..*..*..*",
        "x",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("OPS901-careless.toml") && stderr.contains("descendant segments"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_an_input_error_and_the_rest_is_linted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), FIXABLE).unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("inner.json"), FIXABLE).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("ecslint");
    // Root reads any folder: run as an unprivileged user when possible.
    let mut command = if std::fs::read_dir(&locked).is_ok() {
        let as_nobody = |binary: &Path| {
            std::process::Command::new("/usr/sbin/runuser")
                .args(["-u", "nobody", "--"])
                .arg(binary)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !as_nobody(&binary) {
            eprintln!(
                "skipped: this user reads folders with mode 000 and cannot run ecslint as nobody"
            );
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
            return;
        }
        let mut command = std::process::Command::new("/usr/sbin/runuser");
        command.args(["-u", "nobody", "--"]).arg(&binary);
        command
    } else {
        std::process::Command::new(&binary)
    };
    let output = command
        .current_dir(dir.path())
        .args(["check", "--no-config", "-f", "json", "."])
        .output()
        .unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let code = output.status.code().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["inputErrors"][0]["path"], "locked");
    assert!(
        !report["findings"].as_array().unwrap().is_empty(),
        "the rest is linted"
    );
}

#[test]
fn a_rule_naming_an_unknown_fact_link_or_placeholder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), FIXABLE).unwrap();
    for (query, message, says) in [
        ("$._facts.usesSpott", "x", "no fact \\\"usesSpott\\\""),
        ("$._links.role", "x", "no link \\\"role\\\""),
        (
            "$._links.taskDefinition._facts.nope",
            "x",
            "no fact \\\"nope\\\"",
        ),
        ("$.desiredCount", "{resourse} x", "placeholder {resourse}"),
    ] {
        let (code, stderr) =
            check_with_team_rule(dir.path(), ("SEC902", "typo", "service"), query, message);
        assert_eq!(code, Some(2), "{query}: {stderr}");
        assert!(
            stderr.contains(&says.replace('\\', "")),
            "{query}: {stderr}"
        );
    }
}
