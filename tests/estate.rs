//! Linking across files and the outcomes that depend on it: a rule that needs a resource missing
//! from the input says NotEvaluated, never Pass.

use ecslint::engine::catalog::{self, Rule};
use ecslint::findings::{Evaluation, Outcome};
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::model::Estate;
use ecslint::sources::{self, InputOptions};
use std::collections::BTreeMap;

fn rule(id: &str) -> Rule {
    catalog::builtin(&BTreeMap::new())
        .unwrap()
        .into_iter()
        .find(|r| r.id() == id)
        .unwrap()
}

/// Writes the files, loads them as one estate and evaluates one rule.
fn run(files: &[(&str, &str)], id: &str) -> (Estate, Vec<Evaluation>) {
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
        ..Settings::with_rules(vec![rule(id)])
    };
    let linted = lint(Inputs::Paths(paths), settings).unwrap();
    assert!(linted.input_errors.is_empty(), "{:?}", linted.input_errors);
    (linted.estate, linted.evaluations)
}

/// The single evaluation failed, with its first finding at `path` in the file ending with `file`.
fn assert_fails_at(estate: &Estate, evaluations: &[Evaluation], file: &str, path: &str) {
    assert_eq!(
        evaluations[0].outcome,
        Outcome::Fail,
        "{:?}",
        evaluations[0].reason
    );
    let location = &evaluations[0].findings[0].location;
    assert!(
        estate.files[location.file].path.ends_with(file),
        "{}",
        estate.files[location.file].path
    );
    assert_eq!(location.path, path);
}

const TASK_DEFINITION: &str = r#"{
  "family": "api",
  "taskRoleArn": "arn:aws:iam::111122223333:role/app/api-task",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {"name": "api", "image": "api:1.0", "essential": true,
     "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/api"}}}
  ]
}"#;

#[test]
fn per_call_iam_outputs_link_and_locate_into_the_policy_version_file() {
    let role = r#"{"Role": {"Path": "/app/", "RoleName": "api-task", "RoleId": "AROAEXAMPLE", "Arn": "arn:aws:iam::111122223333:role/app/api-task",
      "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
      "AttachedManagedPolicies": [{"PolicyName": "api-data", "PolicyArn": "arn:aws:iam::111122223333:policy/api-data"}]}}"#;
    // Raw-API form: URL-encoded JSON, as get-policy-version returns it without the CLI's decoding.
    let version = r#"{"PolicyVersion": {"VersionId": "v2", "IsDefaultVersion": true,
      "Document": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"}}"#;
    let (estate, evaluations) = run(
        &[
            ("td.json", TASK_DEFINITION),
            ("role.json", role),
            ("api-data.json", version),
        ],
        "SEC401",
    );
    assert_eq!(evaluations.len(), 1);
    assert_fails_at(
        &estate,
        &evaluations,
        "api-data.json",
        "$['PolicyVersion']['Document']",
    );
}

#[test]
fn inline_policies_from_get_role_policy_are_read() {
    let role = r#"{"Role": {"RoleName": "api-task", "Arn": "arn:aws:iam::111122223333:role/app/api-task", "Path": "/app/", "RoleId": "AROAEXAMPLE",
      "AssumeRolePolicyDocument": {"Statement": []}}}"#;
    let inline = r#"{"RoleName": "api-task", "PolicyName": "s3", "PolicyDocument": {"Version": "2012-10-17",
      "Statement": {"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}}}"#;
    let (estate, evaluations) = run(
        &[
            ("td.json", TASK_DEFINITION),
            ("role.json", role),
            ("inline.json", inline),
        ],
        "SEC402",
    );
    assert_fails_at(
        &estate,
        &evaluations,
        "inline.json",
        "$['PolicyDocument']['Statement']",
    );
}

#[test]
fn a_missing_role_or_customer_policy_is_not_evaluated_never_pass() {
    let (_, evaluations) = run(&[("td.json", TASK_DEFINITION)], "SEC401");
    assert_eq!(evaluations[0].outcome, Outcome::NotEvaluated);
    assert!(
        evaluations[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("taskRole")
    );
    let role = r#"{"Role": {"RoleName": "api-task", "Arn": "arn:aws:iam::111122223333:role/app/api-task", "Path": "/app/", "RoleId": "AROAEXAMPLE",
      "AttachedManagedPolicies": [{"PolicyName": "gone", "PolicyArn": "arn:aws:iam::111122223333:policy/gone"}]}}"#;
    let (_, evaluations) = run(
        &[("td.json", TASK_DEFINITION), ("role.json", role)],
        "SEC401",
    );
    assert_eq!(evaluations[0].outcome, Outcome::NotEvaluated);
    assert!(
        evaluations[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("policy/gone")
    );
}

#[test]
fn no_task_role_is_not_applicable_for_role_rules() {
    let td = TASK_DEFINITION.replace(
        "\"taskRoleArn\": \"arn:aws:iam::111122223333:role/app/api-task\",",
        "",
    );
    let (_, evaluations) = run(&[("td.json", &td)], "SEC401");
    assert_eq!(evaluations[0].outcome, Outcome::NotApplicable);
}

#[test]
fn blocking_mode_needs_the_account_default_to_pass() {
    let (_, evaluations) = run(&[("td.json", TASK_DEFINITION)], "REL105");
    assert_eq!(evaluations[0].outcome, Outcome::NotEvaluated);
    let settings = r#"{"settings": [{"name": "defaultLogDriverMode", "value": "non-blocking"}]}"#;
    let (_, evaluations) = run(
        &[("td.json", TASK_DEFINITION), ("settings.json", settings)],
        "REL105",
    );
    assert_eq!(evaluations[0].outcome, Outcome::Pass);
    let blocking_default =
        r#"{"settings": [{"name": "defaultLogDriverMode", "value": "blocking"}]}"#;
    let (_, evaluations) = run(
        &[
            ("td.json", TASK_DEFINITION),
            ("settings.json", blocking_default),
        ],
        "REL105",
    );
    assert_eq!(evaluations[0].outcome, Outcome::Fail);
    let explicit = TASK_DEFINITION.replace(
        "\"awslogs-group\": \"/ecs/api\"",
        "\"awslogs-group\": \"/ecs/api\", \"mode\": \"blocking\"",
    );
    let (_, evaluations) = run(&[("td.json", &explicit)], "REL105");
    assert_eq!(
        evaluations[0].outcome,
        Outcome::Fail,
        "explicit blocking fails without account settings"
    );
}

#[test]
fn public_subnets_are_decided_by_routes_and_need_the_route_table() {
    let service = r#"{"serviceName": "api", "taskDefinition": "api", "networkConfiguration": {"awsvpcConfiguration":
      {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}}}"#;
    // Named "private", but its route goes to an internet gateway.
    let subnets = r#"{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "AvailabilityZone": "eu-west-1a",
      "Tags": [{"Key": "Name", "Value": "private"}]}]}"#;
    let (_, evaluations) = run(
        &[("svc.json", service), ("subnets.json", subnets)],
        "SEC501",
    );
    assert_eq!(
        evaluations[0].outcome,
        Outcome::NotEvaluated,
        "no route table, no verdict"
    );
    let routes = r#"{"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": true, "RouteTableId": "rtb-1"}],
      "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"}]}]}"#;
    let (estate, evaluations) = run(
        &[
            ("svc.json", service),
            ("subnets.json", subnets),
            ("routes.json", routes),
        ],
        "SEC501",
    );
    assert_fails_at(
        &estate,
        &evaluations,
        "svc.json",
        "$['networkConfiguration']['awsvpcConfiguration']['subnets'][0]",
    );
}

#[test]
fn container_definition_arrays_are_partial_task_definitions() {
    let containers = r#"[{"name": "app", "image": "${IMAGE}", "privileged": true}]"#;
    let (estate, evaluations) = run(&[("container-definitions.json", containers)], "SEC101");
    assert_eq!(evaluations[0].outcome, Outcome::Fail);
    assert_eq!(
        evaluations[0].findings[0].location.path,
        "$[0]['privileged']"
    );
    assert_eq!(estate.resources[0].name, "container-definitions");
    let (_, evaluations) = run(&[("container-definitions.json", containers)], "REL101");
    assert_eq!(
        evaluations[0].outcome,
        Outcome::NotEvaluated,
        "task size is unknown for a bare container list"
    );
}

/// Found in real files: exported task definitions write unset fields as `null`.
#[test]
fn null_fields_are_absent_fields() {
    let td = r#"{"family": "web", "networkMode": "awsvpc", "cpu": "256", "memory": "512", "requiresCompatibilities": ["FARGATE"],
      "taskRoleArn": null, "pidMode": null,
      "containerDefinitions": [{"name": "web", "image": "web:1.2", "user": null, "readonlyRootFilesystem": null,
        "healthCheck": null, "logConfiguration": {"logDriver": "awslogs", "secretOptions": null, "options": {"awslogs-group": "/ecs/web"}}}]}"#;
    for (rule, outcome) in [
        ("SEC103", Outcome::Fail),
        ("SEC102", Outcome::Fail),
        ("REL104", Outcome::Fail),
        ("SEC105", Outcome::Pass),
        ("SEC401", Outcome::NotApplicable),
    ] {
        let (_, evaluations) = run(&[("td.json", td)], rule);
        assert_eq!(evaluations[0].outcome, outcome, "{rule}");
    }
}

/// Found in real files: CodeDeploy, Terraform and ecspresso fill the image in at deploy time.
#[test]
fn image_placeholders_are_not_mutable_tags() {
    for image in [
        "<IMAGE1_NAME>",
        "${image}",
        "{{ must_env `IMAGE` }}",
        "nginx",
        "nginx:latest",
    ] {
        let td = format!(
            r#"{{"family": "web", "containerDefinitions": [{{"name": "web", "image": "{image}"}}]}}"#
        );
        let (_, evaluations) = run(&[("td.json", &td)], "SEC115");
        let expected = if image.starts_with("nginx") {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        assert_eq!(evaluations[0].outcome, expected, "{image}");
    }
}

/// Found in real files: `DB_PASS` and `DB_PWD` are passwords too.
#[test]
fn short_password_names_are_secrets() {
    for (name, expected) in [
        ("DB_PASS", Outcome::Fail),
        ("REDIS_PWD", Outcome::Fail),
        ("PASSPORT_ISSUER", Outcome::Pass),
        ("BYPASS_CACHE", Outcome::Pass),
    ] {
        let td = format!(
            r#"{{"family": "web", "containerDefinitions": [{{"name": "web", "image": "web:1", "environment": [{{"name": "{name}", "value": "x"}}]}}]}}"#
        );
        let (_, evaluations) = run(&[("td.json", &td)], "SEC107");
        assert_eq!(evaluations[0].outcome, expected, "{name}");
    }
}

#[test]
fn each_snapshot_uses_its_own_account_settings() {
    // Two regions' snapshots checked together: the cluster of each is judged by the
    // containerInsights default of its own region, not by whichever settings were read first.
    let snapshot = |region: &str, insights: &str| {
        format!(
            r#"{{"ecslintSnapshot": {{"version": 1, "account": "111122223333", "region": "{region}", "collectionErrors": []}},
  "clusters": [{{"clusterArn": "arn:aws:ecs:{region}:111122223333:cluster/apps", "clusterName": "apps", "settings": []}}],
  "settings": [{{"name": "containerInsights", "value": "{insights}", "principalArn": "arn:aws:iam::111122223333:root"}}]}}"#
        )
    };
    let (estate, evaluations) = run(
        &[
            ("a-us-east-1.json", &snapshot("us-east-1", "enabled")),
            ("b-eu-west-1.json", &snapshot("eu-west-1", "disabled")),
        ],
        "OPS301",
    );
    let outcome = |region: &str| {
        evaluations
            .iter()
            .find(|e| estate.resources[e.resource].id.contains(region))
            .map_or(Outcome::Pass, |e| e.outcome)
    };
    assert_eq!(outcome("eu-west-1"), Outcome::Fail);
    assert_eq!(outcome("us-east-1"), Outcome::Pass);

    // Two regions' settings and a cluster in a third file: neither is taken for it.
    let lone_cluster = r#"{"clusters": [{"clusterArn": "arn:aws:ecs:us-east-1:444455556666:cluster/x", "clusterName": "x"}]}"#;
    let (_, evaluations) = run(
        &[
            ("a-us-east-1.json", &snapshot("us-east-1", "enabled")),
            ("b-eu-west-1.json", &snapshot("eu-west-1", "disabled")),
            ("cluster.json", lone_cluster),
        ],
        "OPS301",
    );
    let lone = evaluations.iter().find(|e| e.resource == 4).unwrap();
    assert_ne!(lone.outcome, Outcome::Pass, "{evaluations:?}");
}

#[test]
fn ecspresso_service_definitions_are_services() {
    // ecspresso keeps the service name and cluster in its config: the definition file has neither.
    let definition = r#"{
  "desiredCount": 2,
  "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100},
  "launchType": "FARGATE",
  "networkConfiguration": {"awsvpcConfiguration": {"assignPublicIp": "ENABLED", "subnets": ["subnet-1"]}},
  "schedulingStrategy": "REPLICA"
}"#;
    let (estate, evaluations) = run(&[("ecs-service-def.json", definition)], "SEC201");
    assert_eq!(estate.resources[0].name, "ecs-service-def");
    assert_fails_at(
        &estate,
        &evaluations,
        "ecs-service-def.json",
        "$['networkConfiguration']['awsvpcConfiguration']['assignPublicIp']",
    );
    // One service-only field is not enough to call an unknown document a service.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.json");
    std::fs::write(&path, r#"{"desiredCount": 2, "color": "blue"}"#).unwrap();
    let (_, errors) = sources::load(&[path], &InputOptions::default());
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn streamed_sarif_is_the_same_log_as_the_one_built_in_memory() {
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let demo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let mut linted = lint(Inputs::Paths(vec![demo]), Settings::with_rules(rules)).unwrap();
    let run = linted.judge();
    let options = ecslint::report::ReportOptions::default();
    for for_github in [false, true] {
        let mut written = Vec::new();
        ecslint::report::sarif::write(&run, &options, for_github, &mut written).unwrap();
        let streamed: serde_json::Value = serde_json::from_slice(&written).unwrap();
        let built =
            serde_json::to_value(ecslint::report::sarif::to_log(&run, &options, for_github))
                .unwrap();
        assert_eq!(streamed, built);
        assert!(streamed["runs"][0]["results"].as_array().unwrap().len() >= 40);
    }
}

/// Every fact the model computes is declared in the vocabulary (which rules are checked
/// against and docs/facts.md is generated from), on every fixture and the demo estate.
#[test]
fn computed_facts_are_declared() {
    use ecslint::model::vocabulary::fact_names;
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut folders: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut seen = std::collections::BTreeSet::new();
    for folder in folders {
        let mut estate = lint(Inputs::Paths(vec![folder]), Settings::default())
            .unwrap()
            .estate;
        let index = estate.index.take().unwrap_or_default();
        for (i, resource) in estate.resources.iter().enumerate() {
            let facts = if resource.deferred {
                let doc = resource.document(&estate.files);
                let links = ecslint::model::link::task_definition_links(
                    &estate,
                    &index,
                    &doc,
                    resource.origin.file,
                );
                ecslint::model::facts::task_definition_facts(&estate, &links, &doc, i)
            } else {
                resource.doc.get("_facts").cloned().unwrap_or_default()
            };
            for name in facts.as_object().into_iter().flat_map(|m| m.keys()) {
                assert!(
                    fact_names(resource.kind).contains(&name.as_str()),
                    "{} computes the undeclared fact {name}",
                    resource.kind
                );
                seen.insert((resource.kind.to_string(), name.clone()));
            }
        }
    }
    // The fixtures exercise most declared facts: a declaration nothing computes is suspect.
    assert!(seen.len() >= 15, "{seen:?}");
}

/// A resource a source translated (a template) carries an origin map: its findings land where
/// the map says, in whichever file wrote each part, and the nearest written ancestor stands for
/// a part the map lacks; nothing offers to fix YAML as if it were JSON.
#[test]
fn a_translated_resource_places_findings_where_its_origin_map_says() {
    use ecslint::location::{Span, Step};
    use ecslint::model::origin::{OriginMap, Written};
    use ecslint::model::{Origin, Resource, ResourceKind, SourceFile};
    let template = "Resources:\n  TaskDef:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      \
                    ContainerDefinitions:\n        - Name: app\n          Image: !Ref Image\n          \
                    Privileged: true\n";
    let parameters = "Parameters:\n  Image:\n    Default: nginx:latest\n";
    let span_of = |text: &str, needle: &str| {
        let start = text.find(needle).unwrap();
        Span {
            start,
            end: start + needle.len(),
        }
    };
    let key = |k: &str| Step::Key(k.into());
    let container = vec![key("containerDefinitions"), Step::Index(0)];
    let at = |mut path: Vec<Step>, member: &str| {
        path.push(key(member));
        path
    };
    let mut map = OriginMap::default();
    let written = |file: usize, span: Span| Written {
        file,
        span,
        json: false,
    };
    map.insert(Vec::new(), written(0, span_of(template, "TaskDef:")));
    map.insert(
        container.clone(),
        written(0, span_of(template, "- Name: app")),
    );
    map.insert(
        at(container.clone(), "privileged"),
        written(0, span_of(template, "Privileged: true")),
    );
    map.insert(
        at(container.clone(), "image"),
        written(1, span_of(parameters, "Default: nginx:latest")),
    );
    let doc = serde_json::json!({
        "family": "app",
        "containerDefinitions": [{"name": "app", "image": "nginx:latest", "privileged": true,
                                  "user": "root"}]
    });
    let resource = Resource {
        kind: ResourceKind::TaskDefinition,
        id: "TaskDef".into(),
        name: "TaskDef".into(),
        doc,
        origin: Origin {
            file: 0,
            base: Vec::new(),
            start: 0,
            grafted: Vec::new(),
            map: Some(std::sync::Arc::new(map)),
        },
        partial: false,
        deferred: false,
        ignore: Vec::new(),
    };
    let mut loaded = sources::Loaded::default();
    loaded.estate.files = vec![
        SourceFile::new("template.yaml".into(), template.into()),
        SourceFile::new("parameters.yaml".into(), parameters.into()),
    ];
    loaded.estate.resources = vec![resource];
    let rules: Vec<Rule> = ["SEC101", "SEC115", "SEC103"].map(rule).into();
    let mut linted = lint(
        Inputs::Loaded(Box::new(loaded)),
        Settings::with_rules(rules),
    )
    .unwrap();
    let run = linted.judge();
    let found = |id: &str| {
        run.evaluations
            .iter()
            .flat_map(|e| &e.findings)
            .find(|f| run.rules[f.rule].id() == id)
            .unwrap_or_else(|| panic!("no {id} finding"))
    };
    let privileged = found("SEC101");
    assert_eq!(privileged.location.file, 0);
    assert_eq!(
        (
            privileged.location.start.line,
            privileged.location.start.column
        ),
        (8, 11)
    );
    assert_eq!(
        &template[privileged.location.byte_start..privileged.location.byte_end],
        "Privileged: true"
    );
    assert!(privileged.location.exact && privileged.node.is_none());
    let image = found("SEC115");
    assert_eq!(
        image.location.file, 1,
        "the image was written as a parameter default"
    );
    assert_eq!(
        (image.location.start.line, image.location.start.column),
        (3, 5)
    );
    // `user` is not in the map: the container's line stands for it.
    let user = found("SEC103");
    assert!(!user.location.exact);
    assert_eq!(
        (user.location.start.line, user.location.start.column),
        (6, 9)
    );
    let sarif = ecslint::report::sarif::to_log(&run, &Default::default(), false);
    let sarif = serde_json::to_value(sarif).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"template.yaml") && uris.contains(&"parameters.yaml"),
        "{uris:?}"
    );
}

/// A run that releases the texts of its task definition files once they are evaluated reports
/// what a run that keeps them reports, byte for byte: a report that quotes a file (a code
/// frame, a fix) reads it again. A file edited since it was read is quoted by nothing.
#[test]
fn released_texts_are_read_again_the_same_or_not_at_all() {
    use ecslint::report::{Format, ReportOptions, render};
    let demo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let dir = tempfile::tempdir().unwrap();
    for folder in ["", "task-definitions"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        for entry in std::fs::read_dir(demo.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let to = dir.path().join(folder).join(path.file_name().unwrap());
                std::fs::copy(&path, to).unwrap();
            }
        }
    }
    let rules: std::sync::Arc<[Rule]> = catalog::builtin(&BTreeMap::new()).unwrap().into();
    let linted = |release_texts: bool| {
        let settings = Settings {
            release_texts,
            ..Settings::with_rules(rules.clone())
        };
        lint(Inputs::Paths(vec![dir.path().to_path_buf()]), settings).unwrap()
    };
    let reports = |run: &ecslint::findings::RunResult<'_>| {
        let options = ReportOptions::default();
        [Format::Json, Format::Sarif, Format::Pretty].map(|format| render(format, run, &options))
    };
    let mut kept = linted(false);
    let mut released = linted(true);
    let file = |name: &str| {
        let at = released
            .estate
            .files
            .iter()
            .position(|f| f.path.ends_with(name));
        at.unwrap_or_else(|| panic!("{name} was read"))
    };
    let (worker, services) = (file("worker.json"), file("services.json"));
    assert!(!released.estate.files[worker].text_is_held());
    assert!(kept.estate.files[worker].text_is_held());
    // Services are held documents, and findings of other resources may be placed in them.
    assert!(released.estate.files[services].text_is_held());

    let mut kept_run = kept.judge();
    ecslint::lint::plan_fixes(&mut kept_run);
    let mut released_run = released.judge();
    ecslint::lint::plan_fixes(&mut released_run);
    let before = reports(&kept_run);
    assert_eq!(reports(&released_run), before);
    assert!(before[2].contains("worker.json"), "{}", before[2]);
    assert!(before[1].contains("\"fixes\""));

    // Edited after it was read: its findings stay where they were found, its code is not
    // quoted from the new text, and nothing panics.
    let path = dir.path().join("task-definitions/worker.json");
    let edited = std::fs::read_to_string(&path).unwrap();
    assert!(edited.contains("\"image\""));
    let edited = edited.replace("\"image\"", "\"edited\"");
    std::fs::write(&path, edited).unwrap();
    let files = &released_run.estate.files;
    let text = std::thread::scope(|s| s.spawn(|| files[worker].text()).join().unwrap());
    assert_eq!(*text, "");
    let after = reports(&released_run);
    assert_eq!(after[0], before[0]);
    assert!(!after[2].contains("\"edited\""), "{}", after[2]);
}
