//! Verdicts checked against the AWS documentation, each on the smallest document that shows it.
//! Cases found wrong while scoring ecslint on peers' test suites and real files, in our words.

use ecslint::engine::catalog;
use ecslint::findings::Outcome;
use ecslint::lint::{Inputs, Settings, lint};
use std::collections::BTreeMap;

/// The outcome of rule `id` on the single resource of its kind in `files`, and its messages.
fn judge(id: &str, files: &[(&str, &str)]) -> (Outcome, Vec<String>) {
    let rules: Vec<_> = catalog::builtin(&BTreeMap::new())
        .unwrap()
        .into_iter()
        .filter(|r| r.id() == id)
        .collect();
    assert_eq!(rules.len(), 1, "no rule {id}");
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = files
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let settings = Settings {
        keep_every_outcome: true,
        ..Settings::with_rules(rules)
    };
    let linted = lint(Inputs::Paths(paths), settings).unwrap();
    assert!(linted.input_errors.is_empty(), "{:?}", linted.input_errors);
    let evaluations = linted.evaluations;
    assert_eq!(evaluations.len(), 1, "{id}: {evaluations:?}");
    let evaluation = &evaluations[0];
    let messages = evaluation
        .findings
        .iter()
        .map(|f| f.message.to_string())
        .collect();
    (evaluation.outcome, messages)
}

fn outcome(id: &str, files: &[(&str, &str)]) -> Outcome {
    judge(id, files).0
}

const ACCOUNT_SETTINGS_WITHOUT_LOG_MODE: &str = r#"{"settings": [
  {"name": "containerInsights", "value": "disabled", "principalArn": "arn:aws:iam::111122223333:root"}
]}"#;

#[test]
fn fargate_platform_version_is_judged_by_operating_system() {
    let service = |family: &str, version: &str| {
        format!(
            r#"{{"serviceName": "api", "launchType": "FARGATE", "platformFamily": "{family}",
                "platformVersion": "{version}", "desiredCount": 2}}"#
        )
    };
    // Windows containers on Fargate: 1.0.0 is the current (and only) platform version.
    let windows = service("WINDOWS_SERVER_2019_CORE", "1.0.0");
    assert_eq!(outcome("SEC204", &[("s.json", &windows)]), Outcome::Pass);
    let linux_old = service("Linux", "1.3.0");
    assert_eq!(outcome("SEC204", &[("s.json", &linux_old)]), Outcome::Fail);
    let linux_windows_version = service("Linux", "1.0.0");
    assert_eq!(
        outcome("SEC204", &[("s.json", &linux_windows_version)]),
        Outcome::Fail
    );
    assert_eq!(
        outcome("SEC204", &[("s.json", &service("Linux", "LATEST"))]),
        Outcome::Pass
    );
    assert_eq!(
        outcome("SEC204", &[("s.json", &service("Linux", "1.4.0"))]),
        Outcome::Pass
    );
}

#[test]
fn a_capacity_provider_without_termination_protection_fails() {
    // The API default is DISABLED: an absent field is not a pass.
    let provider = r#"{"capacityProviders": [{"name": "ondemand",
        "autoScalingGroupProvider": {"autoScalingGroupArn": "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:1:autoScalingGroupName/a",
        "managedScaling": {"status": "ENABLED", "targetCapacity": 100}}}]}"#;
    let (outcome_absent, messages) = judge("REL301", &[("cp.json", provider)]);
    assert_eq!(outcome_absent, Outcome::Fail);
    assert!(
        messages[0].contains("does not set managedTerminationProtection"),
        "{messages:?}"
    );
    let fargate = r#"{"capacityProviders": [{"name": "FARGATE", "status": "ACTIVE"}]}"#;
    assert_eq!(
        outcome("REL301", &[("cp.json", fargate)]),
        Outcome::NotApplicable
    );
}

fn task_with_environment(name: &str, value: &str) -> String {
    serde_json::json!({
        "family": "app",
        "containerDefinitions": [{"name": "app", "image": "app:1", "environment": [{"name": name, "value": value}]}]
    })
    .to_string()
}

#[test]
fn credential_shaped_values_are_found_whatever_the_name() {
    let values = [
        // A JSON Web Token (header.payload.signature, base64url).
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.dGhpc2lzbm90YXJlYWxzaWduYXR1cmU",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "ghp_0123456789abcdefghijklmnopqrstuvwxyZ",
        "xoxb-123456789012-abcdefghijkl",
        "sk_live_0123456789abcdefghijklmn",
        "AIzaSyA-0123456789abcdefghijklmnopqrstu",
        "postgres://app:s3cret@db.internal:5432/app",
    ];
    for value in values {
        let task = task_with_environment("SETTING", value);
        let (verdict, messages) = judge("SEC108", &[("td.json", &task)]);
        assert_eq!(verdict, Outcome::Fail, "{value}");
        assert!(
            !messages.concat().contains(value),
            "the value is never printed"
        );
    }
    for harmless in [
        "https://api.example.com/v1",
        "postgres://db.internal:5432/app",
        "1.2.3",
    ] {
        let task = task_with_environment("SETTING", harmless);
        assert_eq!(
            outcome("SEC108", &[("td.json", &task)]),
            Outcome::Pass,
            "{harmless}"
        );
    }
}

#[test]
fn names_that_only_mention_a_kind_of_secret_are_not_secrets() {
    for name in [
        "TOKEN_TYPE",
        "ACCESS_TOKEN_URL",
        "DB_PASSWORD_FILE",
        "JWT_SECRET_ARN",
        "API_KEY_HEADER",
    ] {
        let task = task_with_environment(name, "bearer");
        assert_eq!(
            outcome("SEC107", &[("td.json", &task)]),
            Outcome::Pass,
            "{name}"
        );
    }
    for name in [
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "SECRET_KEY_BASE",
        "STRIPE_API_KEY",
    ] {
        let task = task_with_environment(name, "x");
        assert_eq!(
            outcome("SEC107", &[("td.json", &task)]),
            Outcome::Fail,
            "{name}"
        );
    }
}

fn task_with_log_configuration(log_configuration: &str) -> String {
    format!(
        r#"{{"family": "app", "taskDefinitionArn": "arn:aws:ecs:eu-west-1:111122223333:task-definition/app:1",
            "containerDefinitions": [{{"name": "app", "image": "app:1"{log_configuration}}}]}}"#
    )
}

#[test]
fn blocking_log_mode_follows_the_documented_defaults() {
    let account = ("account.json", ACCOUNT_SETTINGS_WITHOUT_LOG_MODE);
    // No log configuration: nothing to judge.
    let none = task_with_log_configuration("");
    assert_eq!(
        outcome("REL105", &[("td.json", &none)]),
        Outcome::NotApplicable
    );
    // An explicit mode decides without the account settings.
    let explicit = task_with_log_configuration(
        r#", "logConfiguration": {"logDriver": "awslogs", "options": {"mode": "non-blocking"}}"#,
    );
    assert_eq!(outcome("REL105", &[("td.json", &explicit)]), Outcome::Pass);
    let blocking = task_with_log_configuration(
        r#", "logConfiguration": {"logDriver": "awslogs", "options": {"mode": "blocking"}}"#,
    );
    assert_eq!(outcome("REL105", &[("td.json", &blocking)]), Outcome::Fail);
    // No mode: the account setting decides; without one, non-blocking (since 25 June 2025).
    let unset = task_with_log_configuration(r#", "logConfiguration": {"logDriver": "awslogs"}"#);
    assert_eq!(
        outcome("REL105", &[("td.json", &unset)]),
        Outcome::NotEvaluated
    );
    assert_eq!(
        outcome("REL105", &[("td.json", &unset), account]),
        Outcome::Pass
    );
    let blocking_default = r#"{"settings": [{"name": "defaultLogDriverMode", "value": "blocking",
        "principalArn": "arn:aws:iam::111122223333:root"}]}"#;
    assert_eq!(
        outcome(
            "REL105",
            &[("td.json", &unset), ("account.json", blocking_default)]
        ),
        Outcome::Fail
    );
}

#[test]
fn container_insights_without_a_setting_needs_the_account_settings() {
    let cluster = r#"{"clusters": [{"clusterName": "prod", "clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/prod"}]}"#;
    let (verdict, messages) = judge("OPS301", &[("c.json", cluster)]);
    assert_eq!(verdict, Outcome::NotEvaluated, "{messages:?}");
    // The account settings are there and say disabled.
    let (verdict, messages) = judge(
        "OPS301",
        &[
            ("c.json", cluster),
            ("a.json", ACCOUNT_SETTINGS_WITHOUT_LOG_MODE),
        ],
    );
    assert_eq!(verdict, Outcome::Fail);
    assert_eq!(
        messages,
        ["cluster prod has no containerInsights setting and the account default is disabled"]
    );
}

#[test]
fn any_tag_of_ones_own_is_enough_by_default() {
    let service =
        |tags: &str| format!(r#"{{"serviceName": "api", "desiredCount": 2, "tags": {tags}}}"#);
    let only_aws = service(r#"[{"key": "aws:cloudformation:stack-name", "value": "prod"}]"#);
    assert_eq!(outcome("OPS201", &[("s.json", &only_aws)]), Outcome::Fail);
    let own = service(r#"[{"key": "service", "value": "api"}]"#);
    assert_eq!(outcome("OPS201", &[("s.json", &own)]), Outcome::Pass);
    assert_eq!(
        outcome("OPS201", &[("s.json", &service("[]"))]),
        Outcome::Fail
    );
}

#[test]
fn resources_with_empty_names_are_named_after_their_file() {
    // Documentation templates leave names blank; a message must still say which resource.
    let task = r#"{"family": "", "containerDefinitions": [{"name": "app", "image": "app:1",
        "privileged": true}]}"#;
    let (verdict, messages) = judge("SEC101", &[("blank-template.json", task)]);
    assert_eq!(verdict, Outcome::Fail);
    assert_eq!(
        messages,
        ["container 'app' in blank-template runs privileged"]
    );
}

#[test]
fn a_service_sees_its_task_definition_even_when_that_file_is_read_lazily() {
    // The task definition file is deferred (parsed when evaluated); a service rule reading
    // `_links.taskDefinition` must still see it: here its Windows platform.
    let task = r#"{"family": "win", "taskDefinitionArn": "arn:aws:ecs:eu-west-1:111122223333:task-definition/win:1",
        "revision": 1, "requiresCompatibilities": ["FARGATE"],
        "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE"},
        "containerDefinitions": [{"name": "a", "image": "a:1"}]}"#;
    let service = r#"{"serviceName": "win", "launchType": "FARGATE", "platformVersion": "1.0.0",
        "taskDefinition": "arn:aws:ecs:eu-west-1:111122223333:task-definition/win:1", "desiredCount": 2}"#;
    let (verdict, messages) = judge("SEC204", &[("td.json", task), ("service.json", service)]);
    assert_eq!(verdict, Outcome::Pass, "{messages:?}");
}
