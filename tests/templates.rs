//! CloudFormation templates and CDK output: a template's ECS resources become API documents
//! whose findings land on the template's own lines, in YAML and in JSON, with the same verdicts
//! and fingerprints in both; references, parameters, exports and nested stacks across the
//! templates of a run.

mod common;

use ecslint::engine::catalog;
use ecslint::lint::{Inputs, Linted, Settings, lint};
use ecslint::sources::{self, yaml};
use std::collections::BTreeMap;

const YAML: &str = "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Image: {Type: String, Default: 'nginx:latest'}
  Env: {Type: String}
Resources:
  TaskDef:
    Type: AWS::ECS::TaskDefinition # the application
    Properties:
      Family: web
      NetworkMode: awsvpc
      RequiresCompatibilities: [FARGATE]
      Cpu: 512
      Memory: '1024'
      ContainerDefinitions:
        - !Ref AWS::NoValue
        - Name: app
          Image: !Ref Image
          Essential: true
          Privileged: true
          ReadonlyRootFilesystem: false
          Environment:
            - {Name: STAGE, Value: !Sub '${Env}-web'}
            - {Name: IMAGE, Value: !Sub 'image ${Image}'}
  Bucket:
    Type: AWS::S3::Bucket
";

/// (rule, file, line, column, fingerprint) of every finding, sorted.
type Found = Vec<(String, String, usize, usize, String)>;

fn lint_texts(texts: Vec<(&str, &str)>, given: &[(&str, &str)]) -> Linted {
    common::lint_texts(texts, given, false)
}

fn lint_template(name: &str, text: &str) -> Found {
    let mut linted = lint_texts(vec![(name, text)], &[]);
    let run = linted.judge();
    assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
    assert_eq!(
        run.estate.resources.len(),
        1,
        "the S3 bucket is not an ECS resource"
    );
    let mut found: Found = run
        .evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .map(|f| {
            (
                run.rules[f.rule].id().to_string(),
                run.estate.files[f.location.file].path.clone(),
                f.location.start.line,
                f.location.start.column,
                f.fingerprint.to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn findings_land_on_the_templates_own_lines_in_yaml_and_json() {
    let yaml_found = lint_template("template.yaml", YAML);
    let at = |found: &Found, rule: &str| {
        found
            .iter()
            .find(|f| f.0 == rule)
            .map(|f| (f.2, f.3))
            .unwrap_or_else(|| panic!("no {rule} in {found:?}"))
    };
    // `Privileged: true` is line 19, column 11. The mutable image comes from the parameter's
    // default and is shown where the template names the parameter (line 17).
    assert_eq!(at(&yaml_found, "SEC101"), (19, 11));
    assert_eq!(at(&yaml_found, "SEC115"), (17, 11));
    assert_eq!(at(&yaml_found, "SEC102"), (20, 11));

    // The same template as JSON: the same rules fail, with the same fingerprints, at the JSON
    // template's lines.
    let value = yaml::parse(YAML).unwrap().value;
    let json = serde_json::to_string_pretty(&value).unwrap();
    let json_found = lint_template("template.json", &json);
    let rules = |found: &Found| -> Vec<(String, String)> {
        found.iter().map(|f| (f.0.clone(), f.4.clone())).collect()
    };
    assert_eq!(rules(&yaml_found), rules(&json_found));
    let privileged_line = json
        .lines()
        .position(|l| l.contains("\"Privileged\""))
        .unwrap()
        + 1;
    assert_eq!(at(&json_found, "SEC101").0, privileged_line);
}

/// The resources a template becomes, with `given` parameter values.
fn translated(name: &str, text: &str, given: &[(&str, &str)]) -> Vec<ecslint::model::Resource> {
    let options = sources::InputOptions {
        parameters: given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    let loaded = sources::load_texts(vec![(name.into(), text.into())], &options);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.estate.resources
}

#[test]
fn parameters_no_value_and_substitutions_resolve_where_the_template_decides() {
    let resources = translated("template.yaml", YAML, &[]);
    let doc = &resources[0].doc;
    // `!Ref AWS::NoValue` left the list: the container is element 0.
    let containers = doc["containerDefinitions"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let app = &containers[0];
    assert_eq!(app["image"], "nginx:latest");
    assert_eq!(doc["cpu"], "512");
    // A parameter without a value stays as written, and is recorded as undecided; one with a
    // value is substituted.
    assert_eq!(
        app["environment"][0]["value"],
        serde_json::json!({"Fn::Sub": "${Env}-web"})
    );
    let unknowns = &resources[0].origin.map.as_ref().unwrap().unknowns;
    assert_eq!(unknowns.len(), 1, "{unknowns:?}");
    assert!(
        unknowns[0]
            .why
            .text()
            .contains("parameter Env has no Default"),
        "{unknowns:?}"
    );
    assert_eq!(app["environment"][1]["value"], "image nginx:latest");
    // Given values win over defaults.
    let resources = translated("template.yaml", YAML, &[("Image", "nginx@sha256:abc")]);
    assert_eq!(
        resources[0].doc["containerDefinitions"][0]["image"],
        "nginx@sha256:abc"
    );
}

/// (rule, outcome, reason) of every evaluation of `rule_ids`, for a template with `given`.
fn outcomes(
    text: &str,
    given: &[(&str, &str)],
    rule_ids: &[&str],
) -> Vec<(String, String, String)> {
    outcomes_named("service.yaml", text, given, rule_ids)
}

/// [`outcomes`] of a file named `name`.
fn outcomes_named(
    name: &str,
    text: &str,
    given: &[(&str, &str)],
    rule_ids: &[&str],
) -> Vec<(String, String, String)> {
    let mut linted = common::lint_texts(vec![(name, text)], given, true);
    let run = linted.judge();
    assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
    let mut found: Vec<(String, String, String)> = run
        .evaluations
        .iter()
        .filter(|e| rule_ids.contains(&run.rules[e.rule].id()))
        .map(|e| {
            (
                run.rules[e.rule].id().to_string(),
                e.outcome.as_str().to_string(),
                e.reason.as_deref().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

const SERVICE: &str = include_str!("data/templates-service.yaml");

/// The first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// (rule, line) of every finding.
fn rules_and_lines<'r>(run: &'r ecslint::findings::RunResult<'_>) -> Vec<(&'r str, usize)> {
    run.evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .map(|f| (run.rules[f.rule].id(), f.location.start.line))
        .collect()
}

#[test]
fn a_rule_that_depends_on_an_undecided_value_is_not_evaluated_never_passed() {
    // `Privileged: !Ref Privileged`, a parameter without a default: anything may hold.
    let text = SERVICE
        .replace(
            "Privileged: !If [IsProd, false, true]",
            "Privileged: !Ref Privileged",
        )
        .replace(
            "Parameters:\n",
            "Parameters:\n  Privileged:\n    Type: String\n",
        );
    let found = outcomes(&text, &[("Env", "prod")], &["SEC101"]);
    assert_eq!(found.len(), 1);
    let (_, outcome, reason) = &found[0];
    assert_eq!(outcome, "not-evaluated", "{reason}");
    assert!(
        reason.contains("parameter Privileged has no Default"),
        "{reason}"
    );
}

#[test]
fn an_undecided_condition_gives_the_findings_of_its_failing_branch() {
    // `Privileged: !If [IsProd, false, true]` and containerInsights `!If [IsProd, enabled,
    // disabled]` with `Env` given no value: each fails when IsProd does not hold, and says so.
    let mut linted = lint_texts(vec![("service.yaml", SERVICE)], &[]);
    let run = linted.judge();
    for rule in ["SEC101", "OPS301"] {
        let evaluation = run
            .evaluations
            .iter()
            .find(|e| run.rules[e.rule].id() == rule)
            .unwrap_or_else(|| panic!("{rule} failed nowhere"));
        assert_eq!(evaluation.outcome.as_str(), "fail", "{rule}");
        let message = &evaluation.findings[0].message;
        assert!(
            message.ends_with("(when condition IsProd is false)"),
            "{message}"
        );
    }
    let privileged = run
        .evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .find(|f| run.rules[f.rule].id() == "SEC101")
        .unwrap();
    assert_eq!(
        privileged.location.start.line,
        line_of(SERVICE, "Privileged: !If")
    );
    // Decided by a given value: judged, each branch as the AWS API would see it.
    let prod = outcomes(SERVICE, &[("Env", "prod")], &["SEC101", "OPS301"]);
    assert!(prod.iter().all(|(_, o, _)| o == "pass"), "{prod:?}");
    let dev = outcomes(SERVICE, &[("Env", "dev")], &["SEC101", "OPS301"]);
    assert!(dev.iter().all(|(_, o, _)| o == "fail"), "{dev:?}");
}

#[test]
fn a_verdict_the_same_whatever_the_undecided_value_is_judged() {
    // The image is `${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/web:${Tag}` with
    // `Tag` defaulting to `latest`: mutable whichever the account and region.
    let found = outcomes(SERVICE, &[], &["SEC115"]);
    assert_eq!(found[0].1, "fail", "{found:?}");
    let pinned = outcomes(SERVICE, &[("Tag", "1.4.2")], &["SEC115"]);
    assert_eq!(pinned[0].1, "pass", "{pinned:?}");
    // A list parameter without a value names no subnet: the rules that follow subnets say so.
    let by_parameter = SERVICE.replace("Subnets: [!Ref PublicSubnet]", "Subnets: !Ref Subnets");
    let subnets = outcomes(&by_parameter, &[], &["SEC501"]);
    assert_eq!(subnets[0].1, "not-evaluated", "{subnets:?}");
}

#[test]
fn references_between_template_resources_are_links() {
    let resources = translated("service.yaml", SERVICE, &[]);
    let service = resources.iter().find(|r| r.name == "Service").unwrap();
    let task = resources.iter().find(|r| r.name == "TaskDef").unwrap();
    let cluster = resources.iter().find(|r| r.name == "Cluster").unwrap();
    assert_eq!(service.doc["taskDefinition"], task.id.as_str());
    assert_eq!(service.doc["cluster"], cluster.id.as_str());
    // Through the pipeline: the links resolve to the template's own resources.
    let mut linted = lint_texts(vec![("service.yaml", SERVICE)], &[]);
    let run = linted.judge();
    let at = |name: &str| {
        run.estate
            .resources
            .iter()
            .position(|r| r.name == name)
            .unwrap()
    };
    let links = &run.estate.links[at("Service")];
    for (link, target) in [("taskDefinition", "TaskDef"), ("cluster", "Cluster")] {
        assert_eq!(
            links.get(link).map(|l| l.targets().to_vec()),
            Some(vec![at(target)]),
            "{link}"
        );
    }
}

#[test]
fn a_templates_roles_and_policies_are_judged_where_they_are_written() {
    let mut linted = lint_texts(vec![("service.yaml", SERVICE)], &[("Env", "prod")]);
    let run = linted.judge();
    assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
    let found = rules_and_lines(&run);
    // The task role's AWS managed admin policy (its ARN a `!Sub` of AWS::Partition) and its
    // inline `*` on `*`, at the template lines that grant them.
    assert!(
        found.contains(&("SEC403", line_of(SERVICE, "policy/AdministratorAccess"))),
        "{found:?}"
    );
    assert!(
        found.contains(&("SEC401", line_of(SERVICE, "Action: '*'") - 1)),
        "{found:?}"
    );
    // The execution role's permissions come from an `AWS::IAM::Policy` and a managed policy
    // declared beside it: both known, so the rules on it are judged, not "not in the input".
    let not_evaluated: Vec<String> = run
        .evaluations
        .iter()
        .filter(|e| e.outcome.as_str() == "not-evaluated")
        .filter_map(|e| e.reason.as_deref().map(str::to_string))
        .collect();
    assert!(
        not_evaluated.iter().all(|r| !r.contains("Role")),
        "{not_evaluated:?}"
    );
    let roles = run
        .estate
        .resources
        .iter()
        .filter(|r| r.kind == ecslint::model::ResourceKind::IamRole)
        .count();
    assert_eq!(roles, 2);
    let exec = run
        .estate
        .resources
        .iter()
        .find(|r| r.name == "ExecRole")
        .unwrap();
    assert_eq!(exec.doc["RolePolicyList"][0]["PolicyName"], "pass-any-role");
    assert_eq!(
        exec.doc["AttachedManagedPolicies"][0]["PolicyArn"],
        "service/SharedPolicy"
    );
}

#[test]
fn a_services_network_is_followed_through_the_template() {
    let mut linted = lint_texts(vec![("service.yaml", SERVICE)], &[("Env", "prod")]);
    let run = linted.judge();
    let found = rules_and_lines(&run);
    // Subnet → its route table (an association) → a default route to the template's internet
    // gateway: a public subnet, shown where the service names it; the group's world-open rule
    // where the template writes it.
    assert!(
        found.contains(&("SEC501", line_of(SERVICE, "Subnets: [!Ref PublicSubnet]"))),
        "{found:?}"
    );
    assert!(
        found.contains(&("SEC502", line_of(SERVICE, "CidrIp: 0.0.0.0/0"))),
        "{found:?}"
    );
    let table = run
        .estate
        .resources
        .iter()
        .find(|r| r.name == "PublicRoutes")
        .unwrap();
    assert_eq!(table.doc["Routes"][0]["GatewayId"], "service/Gateway");
    assert_eq!(
        table.doc["Associations"][0]["SubnetId"],
        "service/PublicSubnet"
    );
    let group = run
        .estate
        .resources
        .iter()
        .find(|r| r.name == "WebGroup")
        .unwrap();
    assert_eq!(
        group.doc["IpPermissions"][0],
        serde_json::json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    );
}

/// An empty `cdk.out` folder in a temporary directory (removed when the first is dropped).
fn cdk_out() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cdk.out");
    std::fs::create_dir_all(&out).unwrap();
    (dir, out)
}

#[test]
fn a_cdk_output_folder_is_read_by_its_templates_and_named_by_construct_paths() {
    let (_dir, out) = cdk_out();
    let write = |name: &str, text: &str| std::fs::write(out.join(name), text).unwrap();
    write(
        "manifest.json",
        r#"{"version": "36.0.0", "artifacts": {
            "Checkout": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
                "properties": {"templateFile": "Checkout.template.json"}},
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}"#,
    );
    write(
        "tree.json",
        r#"{"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": {}}}"#,
    );
    write(
        "Checkout.assets.json",
        r#"{"version": "36.0.0", "files": {}, "dockerImages": {}}"#,
    );
    write(
        "Checkout.template.json",
        r#"{
 "Resources": {
  "TaskDef7A3D2F1C": {
   "Type": "AWS::ECS::TaskDefinition",
   "Properties": {
    "Family": "CheckoutTaskDef",
    "RequiresCompatibilities": ["FARGATE"], "NetworkMode": "awsvpc", "Cpu": "256", "Memory": "512",
    "ContainerDefinitions": [{"Name": "web", "Essential": true, "Privileged": true,
      "Image": {"Fn::Join": ["", [{"Ref": "AWS::AccountId"}, ".dkr.ecr.", {"Ref": "AWS::Region"}, ".amazonaws.com/web:1.0"]]}}]
   },
   "Metadata": {"aws:cdk:path": "Checkout/TaskDef/Resource"}
  }
 },
 "Parameters": {
  "BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}
 }
}"#,
    );
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let mut linted = lint(
        Inputs::Paths(vec![out.clone()]),
        Settings::with_rules(rules),
    )
    .unwrap();
    let run = linted.judge();
    assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
    let names: Vec<&str> = run
        .estate
        .resources
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["Checkout/TaskDef"]);
    let mut skipped: Vec<&str> = run
        .skipped
        .iter()
        .map(|s| s.path.rsplit('/').next().unwrap())
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        ["Checkout.assets.json", "manifest.json", "tree.json"]
    );
    let privileged = run
        .evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .find(|f| run.rules[f.rule].id() == "SEC101")
        .expect("the privileged container is found");
    assert!(
        privileged.message.contains("Checkout/TaskDef"),
        "{}",
        privileged.message
    );
}

#[test]
fn a_stack_imports_what_another_template_of_the_run_exports() {
    let shared = "Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterSettings: [{Name: containerInsights, Value: enabled}]
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: 'sts:AssumeRole'}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
Outputs:
  ClusterName:
    Value: !Ref Cluster
    Export: {Name: !Sub '${AWS::StackName}-cluster'}
  TaskRole:
    Value: !GetAtt TaskRole.Arn
    Export: {Name: shared-task-role}
";
    let app = "Resources:
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      TaskRoleArn: !ImportValue shared-task-role
      ContainerDefinitions: [{Name: app, Image: 'app:1.0', Essential: true}]
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !ImportValue shared-cluster
      TaskDefinition: !Ref TaskDef
";
    let mut linted = lint_texts(vec![("shared.yaml", shared), ("app.yaml", app)], &[]);
    let run = linted.judge();
    assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
    let task = run
        .estate
        .resources
        .iter()
        .find(|r| r.name == "TaskDef")
        .unwrap();
    // Exported by name: the role's export is read; the cluster's name is a `!Sub` of
    // AWS::StackName, which the run does not decide, so that import stays undecided.
    assert_eq!(task.doc["taskRoleArn"], "shared/TaskRole");
    let found = rules_and_lines(&run);
    assert!(
        found.iter().any(|(rule, _)| *rule == "SEC403"),
        "the imported role's admin policy is found: {found:?}"
    );
    // Given the stack name, the cluster's export is decided too.
    let mut linted = lint_texts(
        vec![("shared.yaml", shared), ("app.yaml", app)],
        &[("AWS::StackName", "shared")],
    );
    let run = linted.judge();
    let service = run
        .estate
        .resources
        .iter()
        .find(|r| r.name == "Service")
        .unwrap();
    assert_eq!(service.doc["cluster"], "shared/Cluster");
}

#[test]
fn a_value_from_a_parameter_says_where_it_came_from() {
    let mut linted = lint_texts(vec![("template.yaml", YAML)], &[]);
    let run = linted.judge();
    let message = |run: &ecslint::findings::RunResult<'_>| {
        run.evaluations
            .iter()
            .flat_map(|e| &e.findings)
            .find(|f| run.rules[f.rule].id() == "SEC115")
            .map(|f| f.message.clone())
            .unwrap()
    };
    let shown = message(&run);
    assert!(
        shown.ends_with("(from parameter Image's Default)"),
        "{shown}"
    );
    let mut linted = lint_texts(vec![("template.yaml", YAML)], &[("Image", "nginx")]);
    let run = linted.judge();
    let shown = message(&run);
    assert!(
        shown.ends_with("(from parameter Image, as given)"),
        "{shown}"
    );
}

#[test]
fn a_value_a_condition_chose_names_the_condition_and_what_decided_it() {
    let template = "Parameters:
  Env: {Type: String, Default: dev}
  Count: {Type: Number, Default: 1}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  IsProd: !Not [!Condition IsDev]
Resources:
  Literal:
    Type: AWS::ECS::Service
    Properties: {DesiredCount: !If [IsProd, 3, 1]}
  FromParameter:
    Type: AWS::ECS::Service
    Properties: {DesiredCount: !If [IsProd, 3, !Ref Count]}
";
    let mut linted = lint_texts(vec![("services.yaml", template)], &[]);
    let run = linted.judge();
    let messages: Vec<&str> = run
        .evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .filter(|f| run.rules[f.rule].id() == "REL204")
        .map(|f| &*f.message)
        .collect();
    assert_eq!(
        messages,
        [
            "service Literal runs 1 task (condition IsProd is false, from parameter Env's Default)",
            "service FromParameter runs 1 task (condition IsProd is false, from parameter Env's \
             Default, from parameter Count's Default)",
        ]
    );
}

#[test]
fn capacity_providers_associated_apart_are_the_clusters() {
    let template = "Resources:
  Cluster:
    Type: AWS::ECS::Cluster
  Providers:
    Type: AWS::ECS::ClusterCapacityProviderAssociations
    Properties:
      Cluster: !Ref Cluster
      CapacityProviders: [FARGATE, FARGATE_SPOT]
      DefaultCapacityProviderStrategy:
        - {CapacityProvider: FARGATE, Base: 1, Weight: 1}
        - {CapacityProvider: FARGATE_SPOT, Weight: 3}
";
    let resources = translated("cluster.yaml", template, &[]);
    let cluster = &resources[0].doc;
    assert_eq!(
        cluster["capacityProviders"],
        serde_json::json!(["FARGATE", "FARGATE_SPOT"])
    );
    assert_eq!(
        cluster["defaultCapacityProviderStrategy"][1],
        serde_json::json!({"capacityProvider": "FARGATE_SPOT", "weight": 3})
    );
    let spot = outcomes(template, &[], &["COST301"]);
    assert_eq!(spot[0].1, "pass", "{spot:?}");
    let on_demand = template
        .replace("[FARGATE, FARGATE_SPOT]", "[FARGATE]")
        .replace(
            "        - {CapacityProvider: FARGATE_SPOT, Weight: 3}\n",
            "",
        );
    let without = outcomes(&on_demand, &[], &["COST301"]);
    assert_eq!(without[0].1, "fail", "{without:?}");
}

/// `text` with every fixable finding fixed, as `ecslint fix` writes it.
fn fixed(name: &str, text: &str) -> String {
    let mut linted = lint_texts(vec![(name, text)], &[("Env", "prod")]);
    let run = linted.judge();
    let templates = Default::default();
    let edits: Vec<_> = run
        .evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .filter_map(|f| ecslint::lint::fix_edit(&run, f, &templates))
        .collect();
    assert!(!edits.is_empty(), "nothing to fix in {name}");
    ecslint::findings::fix::apply(text, &edits).0
}

#[test]
fn fixes_edit_yaml_and_json_templates_in_place() {
    for (name, text) in [
        ("service.yaml", SERVICE.to_string()),
        (
            "service.json",
            serde_json::to_string_pretty(&yaml::parse(SERVICE).unwrap().value).unwrap(),
        ),
    ] {
        let after = fixed(name, &text);
        // Only lines were added or changed: comments and the rest stay as written.
        let before_lines: Vec<&str> = text.lines().collect();
        let kept = before_lines
            .iter()
            .filter(|line| after.lines().any(|l| l == **line))
            .count();
        assert!(
            kept + 3 >= before_lines.len(),
            "{name}: too much changed:\n{after}"
        );
        let fixed_rules = ["SEC102", "REL201", "COST203"];
        let again = outcomes_named(name, &after, &[("Env", "prod")], &fixed_rules);
        assert!(
            again.iter().all(|(_, outcome, _)| outcome == "pass"),
            "{name}: {again:?}\n{after}"
        );
        // Fixing twice changes nothing more.
        let mut linted = lint_texts(vec![(name, &after)], &[("Env", "prod")]);
        let run = linted.judge();
        let left: Vec<_> = run
            .evaluations
            .iter()
            .flat_map(|e| &e.findings)
            .filter_map(|f| ecslint::lint::fix_edit(&run, f, &Default::default()))
            .collect();
        assert!(left.is_empty(), "{name}: {left:?}");
    }
}

#[test]
fn a_task_set_is_its_services_and_judged_where_it_is_written() {
    let template = "Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      DeploymentController: {Type: EXTERNAL}
  Blue:
    Type: AWS::ECS::TaskSet
    Properties:
      Cluster: prod
      Service: !Ref Service
      TaskDefinition: arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3
      NetworkConfiguration:
        AwsVpcConfiguration:
          AssignPublicIp: ENABLED
          Subnets: [subnet-0a1]
";
    let resources = translated("blue-green.yaml", template, &[]);
    assert_eq!(resources.len(), 1, "the task set is part of its service");
    let task_set = &resources[0].doc["taskSets"][0];
    assert_eq!(
        task_set["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"],
        "ENABLED"
    );
    let mut linked = lint_texts(vec![("blue-green.yaml", template)], &[]);
    let run = linked.judge();
    let found = rules_and_lines(&run);
    assert!(
        found.contains(&("SEC202", line_of(template, "AssignPublicIp: ENABLED"))),
        "{found:?}"
    );
}

#[test]
fn a_json_templates_resources_read_apart_say_the_same_as_the_whole_document() {
    let task = |family: &str, privileged: &str| {
        format!(
            r#"{{"Type": "AWS::ECS::TaskDefinition", "Properties": {{"Family": "{family}",
  "ContainerDefinitions": [{{"Name": "app", "Image": "nginx:1.27", "Privileged": {privileged}}}]}}}}"#
        )
    };
    // A repeated logical id: the last declaration counts, as when the document is parsed whole.
    let repeated = format!(
        "{{\"Resources\": {{\n\"Task\": {},\n\"Task\": {}\n}}}}",
        task("first", "false"),
        task("second", "true")
    );
    let resources = translated("repeated.json", &repeated, &[]);
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].doc["family"], "second");
    assert_eq!(
        resources[0].doc["containerDefinitions"][0]["privileged"],
        true
    );

    // Broken JSON inside a resource's properties: an error at its line and column.
    let broken = format!(
        "{{\"Resources\": {{\n\"Ok\": {},\n\"Task\": {}\n}}}}",
        task("ok", "false"),
        task("broken", "tru")
    );
    let deep = format!(
        "{{\"Resources\": {{\n\"Task\": {{\"Type\": \"AWS::ECS::TaskDefinition\",\n\"Properties\": {{\"Tags\": {}{}}}}}}}}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    for (name, text, line) in [("broken.json", &broken, 5), ("deep.json", &deep, 3)] {
        let options = sources::InputOptions::default();
        let loaded = sources::load_texts(vec![(name.into(), text.clone())], &options);
        assert_eq!(loaded.errors.len(), 1, "{name}: {:?}", loaded.errors);
        let error = &loaded.errors[0];
        let at = error.location.as_ref().expect("a place");
        assert_eq!(at.line, line, "{name}: {error:?}");
        assert!(loaded.estate.resources.is_empty(), "{name}");
    }

    // Translated properties are parsed by their translation alone; a file with errors there
    // still reports its first error where and as a parse of the whole document does.
    let declared = |id: &str, properties: &str| {
        format!(
            "\"{id}\": {{\"Type\": \"AWS::ECS::TaskDefinition\", \"Properties\": {properties}}}"
        )
    };
    let cases = [
        // Two broken resources: the first in the file, whichever core reads it first.
        format!(
            "{{\"Resources\": {{\n{},\n{},\n{}\n}}}}",
            declared("A", r#"{"Family": "a",, "X": 1}"#),
            declared("B", r#"{"Family": "b" "C": 2}"#),
            declared("C", r#"{"Family": "c"}"#)
        ),
        // A value serde_json would stop early in, and a raw control character in a string.
        format!("{{\"Resources\": {{{}}}}}", declared("A", "12abc")),
        format!(
            "{{\"Resources\": {{{}}}}}",
            declared("A", "{\"Family\": \"a\tb\"}")
        ),
    ];
    for text in cases {
        let whole = serde_json::from_str::<serde_json::Value>(&text).unwrap_err();
        let options = sources::InputOptions::default();
        let loaded = sources::load_texts(vec![("t.json".into(), text.clone())], &options);
        assert_eq!(loaded.errors.len(), 1, "{text}: {:?}", loaded.errors);
        let error = &loaded.errors[0];
        let at = error.location.as_ref().expect("a place");
        assert_eq!(
            (at.line, at.column),
            (whole.line(), whole.column()),
            "{text}"
        );
        let words = whole.to_string();
        let words = words.split(" at line").next().unwrap_or_default();
        assert!(error.reason.contains(words), "{text}: {error:?} / {words}");
    }
}

#[test]
fn a_nested_stack_takes_the_parameters_its_parent_passes() {
    let (_dir, out) = cdk_out();
    let write = |name: &str, text: &str| std::fs::write(out.join(name), text).unwrap();
    // The parent passes a literal and its own role's ARN; the nested template declares both
    // parameters without a default, so alone it decides neither.
    write(
        "Shop.template.json",
        r#"{"Resources": {
  "TaskRole": {"Type": "AWS::IAM::Role", "Properties": {
    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
  "ApiNestedStackResource": {"Type": "AWS::CloudFormation::Stack",
    "Properties": {
      "TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".amazonaws.com/x.json"]]},
      "Parameters": {
        "Image": "nginx:latest",
        "RoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
        "Stage": {"Ref": "AWS::Region"}}},
    "Metadata": {"aws:cdk:path": "Shop/Api.NestedStack/Api.NestedStackResource",
      "aws:asset:path": "ShopApi1A2B3C4D.nested.template.json"}}}}"#,
    );
    write(
        "ShopApi1A2B3C4D.nested.template.json",
        r#"{"Parameters": {"Image": {"Type": "String"}, "RoleArn": {"Type": "String"},
  "Stage": {"Type": "String"}},
 "Resources": {"TaskDef": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
   "Family": "api", "TaskRoleArn": {"Ref": "RoleArn"},
   "ContainerDefinitions": [{"Name": "web", "Essential": true,
     "Image": {"Ref": "Image"}, "Environment": [{"Name": "STAGE", "Value": {"Ref": "Stage"}}]}]}}}}"#,
    );
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let mut linted = lint(Inputs::Paths(vec![out]), Settings::with_rules(rules)).unwrap();
    let run = linted.judge();
    assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
    let (task, task_definition) = run
        .estate
        .resources
        .iter()
        .enumerate()
        .find(|(_, r)| r.kind == ecslint::model::ResourceKind::TaskDefinition)
        .expect("the nested task definition");
    let container = &task_definition.doc["containerDefinitions"][0];
    assert_eq!(container["image"], "nginx:latest");
    // What the parent does not decide stays undecided in the nested stack.
    assert_eq!(
        container["environment"][0]["value"],
        serde_json::json!({"Ref": "Stage"})
    );
    // ... and says so: the parent passes it a value the parent does not decide.
    let map = task_definition.origin.map.as_ref().expect("translated");
    let why: Vec<&str> = map.unknowns.iter().map(|u| u.why.text()).collect();
    assert!(
        why.iter().any(|w| w.contains(
            "parameter Stage is passed by the parent stack's ApiNestedStackResource as `{\"Ref\":\"AWS::Region\"}`: AWS::Region is the stack's region"
        )),
        "{why:?}"
    );
    let role = run.estate.links[task]
        .get("taskRole")
        .map(|link| link.targets().to_vec());
    let role_name = role
        .as_deref()
        .and_then(|targets| targets.first())
        .map(|&r| run.estate.resources[r].name.as_str());
    assert_eq!(
        role_name,
        Some("TaskRole"),
        "the parent's role is the task role"
    );
    let mutable = run
        .evaluations
        .iter()
        .find(|e| e.resource == task && run.rules[e.rule].id() == "SEC115")
        .expect("the mutable image tag is judged");
    assert_eq!(mutable.outcome, ecslint::engine::outcome::Outcome::Fail);
}

#[test]
fn a_broken_json_template_found_by_walking_is_an_input_error_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("infra");
    std::fs::create_dir_all(&infra).unwrap();
    std::fs::write(
        infra.join("service.template.json"),
        "{\"Resources\": {\"Task\": {\"Type\": \"AWS::ECS::TaskDefinition\",\n\"Properties\": {\"Cpu\": tru}}}}",
    )
    .unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"name": "shop"}"#).unwrap();
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let paths = vec![dir.path().to_path_buf()];
    let mut linted = lint(Inputs::Paths(paths), Settings::with_rules(rules)).unwrap();
    let run = linted.judge();
    assert_eq!(run.input_errors.len(), 1, "{:?}", run.input_errors);
    let error = &run.input_errors[0];
    assert!(error.path.ends_with("service.template.json"), "{error:?}");
    assert_eq!(error.location.as_ref().map(|at| at.line), Some(2));
}

#[test]
fn a_capacity_providers_auto_scaling_group_is_followed_through_the_template() {
    let template = "Parameters:
  SubnetB: {Type: String, Default: subnet-0b}
Resources:
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-1, CidrBlock: 10.0.0.0/24, AvailabilityZone: eu-west-1a}
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: '0'
      MaxSize: '10'
      VPCZoneIdentifier: [!Ref Subnet, !Ref SubnetB]
      NewInstancesProtectedFromScaleIn: false
  Provider:
    Type: AWS::ECS::CapacityProvider
    Properties:
      AutoScalingGroupProvider:
        AutoScalingGroupArn: !Ref Group
        ManagedScaling: {Status: ENABLED, TargetCapacity: 100}
        ManagedTerminationProtection: ENABLED
";
    let resources = translated("capacity.yaml", template, &[]);
    let group = resources
        .iter()
        .find(|r| r.kind == ecslint::model::ResourceKind::AutoScalingGroup)
        .expect("the group is read");
    // The API's types: sizes are numbers, the subnets one comma-separated string.
    assert_eq!(group.doc["MaxSize"], serde_json::json!(10));
    assert_eq!(
        group.doc["VPCZoneIdentifier"],
        serde_json::json!("capacity/Subnet,subnet-0b")
    );

    let mut linted = lint_texts(vec![("capacity.yaml", template)], &[]);
    let run = linted.judge();
    let found = rules_and_lines(&run);
    let protected_line = line_of(template, "NewInstancesProtectedFromScaleIn");
    assert!(found.contains(&("REL303", protected_line)), "{found:?}");

    // Absent, the member is false: the finding is at the group's logical id.
    let unset = template.replace("      NewInstancesProtectedFromScaleIn: false\n", "");
    let mut linted = lint_texts(vec![("capacity.yaml", unset.as_str())], &[]);
    let run = linted.judge();
    let found = rules_and_lines(&run);
    assert!(
        found.contains(&("REL303", line_of(&unset, "  Group:"))),
        "{found:?}"
    );

    let protected = template.replace("ScaleIn: false", "ScaleIn: true");
    let passed = outcomes(&protected, &[], &["REL303"]);
    assert_eq!(passed[0].1, "pass", "{passed:?}");
    // A group outside the template: not evaluated, never passed.
    let elsewhere = template.replace("!Ref Group", "legacy-group");
    let unknown = outcomes(&elsewhere, &[], &["REL303"]);
    assert_eq!(unknown[0].1, "not-evaluated", "{unknown:?}");
}

#[test]
fn a_yaml_template_read_in_parts_says_the_same_as_the_whole_document() {
    // (rule, start, end, fingerprint) of every finding, lines counted from `first_line`.
    let found = |text: &str, first_line: usize| {
        let mut linted = lint_texts(vec![("template.yaml", text)], &[]);
        let run = linted.judge();
        assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
        let mut found: Vec<_> = run
            .evaluations
            .iter()
            .flat_map(|e| &e.findings)
            .map(|f| {
                let (start, end) = (&f.location.start, &f.location.end);
                (
                    run.rules[f.rule].id().to_string(),
                    (start.line + 1 - first_line, start.column),
                    (end.line + 1 - first_line, end.column),
                    f.fingerprint.to_string(),
                )
            })
            .collect();
        found.sort();
        found
    };
    // An anchor in one resource and its alias in another: the parts do not parse apart.
    let anchored = SERVICE.replacen("Image: ", "Image: &image ", 1)
        + "  Other:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions: [{Name: x, Image: *image}]\n";
    for text in [YAML, SERVICE, anchored.as_str()] {
        assert!(yaml::cut(text).is_some());
        // A document marker first: the cut does not take it, so it is parsed whole.
        let whole = format!("---\n{text}");
        assert!(yaml::cut(&whole).is_none());
        let in_parts = found(text, 1);
        assert!(!in_parts.is_empty());
        assert_eq!(in_parts, found(&whole, 2));
    }

    // A repeated logical id: the last declaration counts.
    let repeated = "Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties: {Family: first, ContainerDefinitions: [{Name: a, Image: 'nginx:1'}]}
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties: {Family: second, ContainerDefinitions: [{Name: a, Image: 'nginx:1'}]}
";
    let resources = translated("repeated.yaml", repeated, &[]);
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].doc["family"], "second");

    // Broken YAML in one resource: the error the whole parse reports, at its place.
    let broken = repeated.replace("Family: second,", "Family: [second,");
    let error_line = |text: String| {
        let options = sources::InputOptions::default();
        let loaded = sources::load_texts(vec![("broken.yaml".into(), text)], &options);
        assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
        let error = &loaded.errors[0];
        (
            error.location.as_ref().expect("a place").line,
            error.reason.clone(),
        )
    };
    let (line, reason) = error_line(broken.clone());
    assert!(reason.contains("flow sequence"), "{reason}");
    assert_eq!((line + 1, reason), error_line(format!("---\n{broken}")));
}

#[test]
fn a_rule_reading_a_linked_roles_undecided_policy_is_not_evaluated_never_passed() {
    let template = "Parameters:
  Scope: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: 'sts:AssumeRole', Condition: {StringEquals: {'aws:SourceAccount': '111122223333'}}}]
      Policies:
        - PolicyName: app
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: '*', Resource: !Ref Scope}
              - {Effect: Allow, Action: 's3:GetObject', Resource: !Sub 'arn:${AWS::Partition}:s3:::data/*'}
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: web
      TaskRoleArn: !GetAtt Role.Arn
      ContainerDefinitions: [{Name: app, Image: 'nginx:1.27', Essential: true}]
";
    // What the template decides in a policy document is resolved.
    let resources = translated("role.yaml", template, &[]);
    let statements = &resources[0].doc["RolePolicyList"][0]["PolicyDocument"]["Statement"];
    assert_eq!(statements[1]["Resource"], "arn:aws:s3:::data/*");
    let undecided = outcomes(template, &[], &["SEC401", "SEC408"]);
    assert_eq!(undecided[0].1, "not-evaluated", "{undecided:?}");
    assert!(
        undecided[0]
            .2
            .contains("its taskRole Role has a value the template does not decide")
            && undecided[0].2.contains("parameter Scope has no Default"),
        "{undecided:?}"
    );
    // The trust policy reads nothing undecided.
    assert_eq!(undecided[1].1, "pass", "{undecided:?}");
    assert_eq!(
        outcomes(template, &[("Scope", "*")], &["SEC401"])[0].1,
        "fail"
    );
    let scoped = outcomes(template, &[("Scope", "arn:aws:s3:::logs/*")], &["SEC401"]);
    assert_eq!(scoped[0].1, "pass");

    // In a customer managed policy the role attaches: the same.
    let managed = template
        .replace(
            "              - {Effect: Allow, Action: '*', Resource: !Ref Scope}\n",
            "",
        )
        .replace(
            "  Task:\n",
            "  Managed:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      Roles: [!Ref Role]\n      PolicyDocument:\n        Statement: [{Effect: Allow, Action: 'iam:PassRole', Resource: !Ref Scope}]\n  Task:\n",
        );
    let found = outcomes(&managed, &[], &["SEC404", "SEC408"]);
    assert_eq!(found[0].1, "not-evaluated", "{found:?}");
    assert!(
        found[0].2.contains("Role's managed policy Managed"),
        "{found:?}"
    );
    assert_eq!(found[1].1, "pass", "{found:?}");
    assert_eq!(
        outcomes(&managed, &[("Scope", "*")], &["SEC404"])[0].1,
        "fail"
    );
}

/// SARIF carries a template's fixes as its own text edits: applied as a viewer applies them,
/// the finding is gone.
#[test]
fn sarif_carries_the_fixes_of_a_yaml_template() {
    let template = "Resources:\n  TD:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      \
                    ContainerDefinitions:\n        - Name: web\n          Image: nginx:1\n";
    let sarif_of = |text: &str| -> serde_json::Value {
        let mut linted = lint_texts(vec![("t.yaml", text)], &[]);
        let mut run = linted.judge();
        ecslint::lint::plan_fixes(&mut run);
        let mut out = Vec::new();
        let options = ecslint::report::ReportOptions::default();
        ecslint::report::write(ecslint::report::Format::Sarif, &run, &options, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    };
    let results =
        |sarif: &serde_json::Value| sarif["runs"][0]["results"].as_array().unwrap().clone();
    let sarif = sarif_of(template);
    let writable = results(&sarif)
        .into_iter()
        .find(|r| r["ruleId"] == "SEC102")
        .expect("SEC102 on the container");
    let replacement = &writable["fixes"][0]["artifactChanges"][0]["replacements"][0];
    let region = &replacement["deletedRegion"];
    // Lines and columns (1-based) to a byte offset: the text is ASCII.
    let offset = |line: &serde_json::Value, column: &serde_json::Value| {
        let line = line.as_u64().unwrap() as usize;
        let before: usize = template
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum();
        before + column.as_u64().unwrap() as usize - 1
    };
    let start = offset(&region["startLine"], &region["startColumn"]);
    let end = offset(&region["endLine"], &region["endColumn"]);
    let inserted = replacement["insertedContent"]["text"].as_str().unwrap();
    let fixed = format!("{}{inserted}{}", &template[..start], &template[end..]);
    assert!(fixed.contains("ReadonlyRootFilesystem: true"), "{fixed}");
    assert!(
        !results(&sarif_of(&fixed))
            .iter()
            .any(|r| r["ruleId"] == "SEC102"),
        "{fixed}"
    );
}
