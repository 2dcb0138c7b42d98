//! Terraform configurations: each folder's `.tf` files are one configuration, evaluated as far
//! as it decides its values; its ECS and IAM resources become API documents whose findings land
//! on the `.tf` line that wrote each value (inside `jsonencode`, a heredoc, or the template file
//! a `templatefile` read), with what only `terraform apply` knows left undecided, never passed.

use ecslint::engine::catalog;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::sources::terraform::Variables;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One finding: (rule, resource name, file, line, message).
type Found = (String, String, String, usize, String);

struct Run {
    findings: Vec<Found>,
    fingerprints: Vec<(String, String, String)>,
    /// (rule, resource name, reason)
    not_evaluated: Vec<(String, String, String)>,
    errors: Vec<String>,
    resources: Vec<String>,
}

fn folder_path(name: &str) -> PathBuf {
    folder(name)
}

fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/terraform")
        .join(name)
}

fn check(paths: Vec<PathBuf>, variables: Variables) -> Run {
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let mut settings = Settings::with_rules(rules);
    settings.input.variables = variables;
    let mut linted = lint(Inputs::Paths(paths), settings).unwrap();
    let run = linted.judge();
    let short = |path: &str| {
        path.rsplit("tests/data/terraform/")
            .next()
            .unwrap_or(path)
            .to_string()
    };
    let mut findings = Vec::new();
    let mut fingerprints = Vec::new();
    let mut not_evaluated = Vec::new();
    for evaluation in &run.evaluations {
        for finding in &evaluation.findings {
            let rule = run.rules[finding.rule].id().to_string();
            let resource = run.estate.resources[evaluation.resource].name.clone();
            let file = short(&run.estate.files[finding.location.file].path);
            findings.push((
                rule.clone(),
                resource.clone(),
                file,
                finding.location.start.line,
                finding.message.to_string(),
            ));
            fingerprints.push((rule, resource, finding.fingerprint.to_string()));
        }
        if evaluation.outcome == ecslint::findings::Outcome::NotEvaluated {
            let rule = run.rules[evaluation.rule].id().to_string();
            let resource = run.estate.resources[evaluation.resource].name.clone();
            let reason = evaluation.reason.as_deref().unwrap_or_default().to_string();
            not_evaluated.push((rule, resource, reason));
        }
    }
    findings.sort();
    fingerprints.sort();
    Run {
        findings,
        fingerprints,
        not_evaluated,
        errors: run
            .input_errors
            .iter()
            .map(|e| {
                format!(
                    "{}:{:?}: {}",
                    short(&e.path),
                    e.location.map(|l| (l.line, l.column)),
                    e.reason
                )
            })
            .collect(),
        resources: run
            .estate
            .resources
            .iter()
            .map(|r| r.name.clone())
            .collect(),
    }
}

fn has(run: &Run, rule: &str, resource: &str, file: &str, line: usize) -> bool {
    run.findings
        .iter()
        .any(|(r, name, f, l, _)| r == rule && name == resource && f == file && *l == line)
}

#[test]
fn a_configurations_findings_land_where_each_value_was_written() {
    let run = check(vec![folder("checkout")], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let show = format!("{:#?}", run.findings);
    // Inside `jsonencode(local.container_definitions)`: the container's own line.
    assert!(
        has(
            &run,
            "SEC101",
            "aws_ecs_task_definition.app",
            "checkout/main.tf",
            8
        ),
        "{show}"
    );
    // A variable's default is shown at the reference, saying where it came from.
    let image = run
        .findings
        .iter()
        .find(|f| f.0 == "SEC115" && f.1 == "aws_ecs_task_definition.app")
        .expect(&show);
    assert_eq!((image.2.as_str(), image.3), ("checkout/main.tf", 6));
    assert!(
        image.4.contains("(from variable `image`'s default (")
            && image.4.contains("checkout/variables.tf:3))"),
        "{}",
        image.4
    );
    // `for_each` over a variable's map: one service per key, addressed by it.
    for key in ["blue", "green"] {
        let name = format!("aws_ecs_service.api[\"{key}\"]");
        assert!(has(&run, "SEC201", &name, "checkout/main.tf", 52), "{show}");
    }
    // The role's policy comes from an `aws_iam_role_policy` and an `aws_iam_policy_document`:
    // the finding is at the statement that allows everything.
    assert!(
        has(
            &run,
            "SEC401",
            "aws_ecs_task_definition.app",
            "checkout/main.tf",
            67
        ),
        "{show}"
    );
    // `templatefile`: findings in the template file, at the container's own lines.
    assert!(
        has(
            &run,
            "SEC102",
            "aws_ecs_task_definition.worker",
            "checkout/worker.json.tpl",
            6
        ),
        "{show}"
    );
    assert!(
        has(
            &run,
            "SEC115",
            "aws_ecs_task_definition.worker",
            "checkout/worker.json.tpl",
            4
        ),
        "{show}"
    );
    // The network: subnets counted and splatted, a route folded into its table from its own
    // resource, a table associated by `aws_route_table_association`s, a rule of its own.
    for i in 0..2 {
        let public = run.findings.iter().any(|f| {
            f.0 == "SEC501"
                && f.1 == "aws_ecs_service.web"
                && f.4.ends_with(&format!("aws_subnet.public[{i}]"))
        });
        assert!(public, "{show}");
    }
    assert!(
        has(
            &run,
            "SEC502",
            "aws_ecs_service.web",
            "checkout/network.tf",
            40
        ),
        "{show}"
    );
    // What `terraform init` copied into `.terraform/` is not a configuration of its own.
    assert!(
        !run.resources.iter().any(|r| r.contains("vendored")),
        "{:?}",
        run.resources
    );
}

#[test]
fn fingerprints_follow_addresses_not_lines() {
    let source = folder("checkout");
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap();
            // Reformatted: comments and blank lines above everything.
            let moved = match path.extension().is_some_and(|e| e == "tf") {
                true => format!("# moved\n\n\n{text}"),
                false => text,
            };
            std::fs::write(copy.path().join(path.file_name().unwrap()), moved).unwrap();
        }
    }
    let before = check(vec![source], Variables::default());
    let after = check(vec![copy.path().to_path_buf()], Variables::default());
    assert!(!before.fingerprints.is_empty());
    let lines_moved = before
        .findings
        .iter()
        .zip(&after.findings)
        .any(|(a, b)| a.3 != b.3);
    assert!(lines_moved, "the findings moved down");
    // The folder differs (it prefixes ids), so fingerprints are compared per rule and address.
    let strip = |run: &Run| -> Vec<(String, String)> {
        run.fingerprints
            .iter()
            .map(|(r, n, _)| (r.clone(), n.clone()))
            .collect()
    };
    assert_eq!(strip(&before), strip(&after));
    let again = check(vec![folder("checkout")], Variables::default());
    assert_eq!(before.fingerprints, again.fingerprints, "deterministic");
}

#[test]
fn what_only_apply_knows_is_not_evaluated_never_passed() {
    let run = check(vec![folder("undecided")], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let privileged = run
        .not_evaluated
        .iter()
        .find(|(rule, ..)| rule == "SEC101")
        .unwrap_or_else(|| panic!("{:#?}\n{:#?}", run.not_evaluated, run.findings));
    assert!(
        privileged.2.contains("variable `privileged` has no value"),
        "{}",
        privileged.2
    );
    // The account id in the image is unknown, but no value of it makes the tag mutable.
    assert!(
        !run.findings.iter().any(|f| f.0 == "SEC115"),
        "{:#?}",
        run.findings
    );

    let given = |value: &str| Variables {
        values: [("privileged".to_string(), value.to_string())].into(),
        files: Vec::new(),
    };
    let on = check(vec![folder("undecided")], given("true"));
    assert!(
        has(
            &on,
            "SEC101",
            "aws_ecs_task_definition.app",
            "undecided/main.tf",
            20
        ),
        "{:#?}",
        on.findings
    );
    let on_finding = on.findings.iter().find(|f| f.0 == "SEC101").unwrap();
    assert!(
        on_finding.4.contains("from --var privileged"),
        "{}",
        on_finding.4
    );
    let off = check(vec![folder("undecided")], given("false"));
    assert!(!off.findings.iter().any(|f| f.0 == "SEC101"));
    assert!(!off.not_evaluated.iter().any(|f| f.0 == "SEC101"));
}

#[test]
fn a_tfvars_value_wins_over_the_default_and_says_so() {
    let run = check(vec![folder("tfvars")], Variables::default());
    let image = run
        .findings
        .iter()
        .find(|f| f.0 == "SEC115")
        .unwrap_or_else(|| panic!("{:#?}", run.findings));
    // In the heredoc's JSON, at the image's own line; the value from terraform.tfvars.
    assert_eq!((image.2.as_str(), image.3), ("tfvars/main.tf", 12));
    assert!(
        image.4.contains("tfvars/terraform.tfvars:2)"),
        "{}",
        image.4
    );
    // A JSON tfvars file is read too, after terraform.tfvars.
    let copy = tempfile::tempdir().unwrap();
    for name in ["main.tf", "terraform.tfvars"] {
        std::fs::copy(folder("tfvars").join(name), copy.path().join(name)).unwrap();
    }
    std::fs::write(
        copy.path().join("pin.auto.tfvars.json"),
        "{\"image\": \"web:3.1.0\"}\n",
    )
    .unwrap();
    let run = check(vec![copy.path().to_path_buf()], Variables::default());
    assert!(
        !run.findings.iter().any(|f| f.0 == "SEC115"),
        "{:#?}",
        run.findings
    );
    // --var-file comes after terraform.tfvars, and --var after both.
    let pinned = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pinned.path(), "image = \"public.ecr.aws/app/web:2.4.0\"\n").unwrap();
    let files = Variables {
        values: BTreeMap::new(),
        files: vec![pinned.path().to_path_buf()],
    };
    let run = check(vec![folder("tfvars")], files.clone());
    assert!(
        !run.findings.iter().any(|f| f.0 == "SEC115"),
        "{:#?}",
        run.findings
    );
    let latest = Variables {
        values: [("image".into(), "web:latest".into())].into(),
        ..files
    };
    let run = check(vec![folder("tfvars")], latest);
    assert!(run.findings.iter().any(|f| f.0 == "SEC115"));
}

#[test]
fn modules_are_read_through_their_calls_with_what_each_call_passes() {
    let run = check(vec![folder("modules")], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let show = format!("{:#?}\n{:?}", run.findings, run.resources);
    // A local module per `for_each` key, its values passed by the call; a module's output (the
    // role's ARN) links the task definitions of another module to the role.
    for key in ["api", "worker"] {
        let name = format!("module.service[\"{key}\"].aws_ecs_task_definition.this");
        assert!(
            has(&run, "SEC401", &name, "modules/modules/iam/main.tf", 21),
            "{show}"
        );
    }
    let image = run
        .findings
        .iter()
        .find(|f| f.0 == "SEC115")
        .unwrap_or_else(|| panic!("{show}"));
    assert_eq!(
        image.1,
        "module.service[\"api\"].aws_ecs_task_definition.this"
    );
    assert_eq!(
        (image.2.as_str(), image.3),
        ("modules/modules/service/main.tf", 21)
    );
    assert!(
        image.4.contains("from module `service`'s argument `image`"),
        "{}",
        image.4
    );
    // A registry module `terraform init` copied, found by its key in modules.json.
    assert!(
        has(
            &run,
            "OPS301",
            "module.cluster.aws_ecs_cluster.this",
            "modules/.terraform/modules/cluster/modules/cluster/main.tf",
            10
        ),
        "{show}"
    );
    // A module folder is not a configuration of its own: each resource once, by its call.
    let mut names = run.resources.clone();
    names.sort();
    assert_eq!(
        names,
        [
            "module.cluster.aws_ecs_cluster.this",
            "module.iam.aws_iam_role.task",
            "module.service[\"api\"].aws_ecs_task_definition.this",
            "module.service[\"worker\"].aws_ecs_task_definition.this",
        ]
    );
}

/// The community ECS module's layout (cluster, service and container definition modules),
/// written here with local sources.
#[test]
fn the_ecs_module_layout_is_followed_through_its_modules() {
    let run = check(vec![folder("ecs-modules")], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let show = format!("{:#?}\n{:#?}", run.findings, run.not_evaluated);
    let task = "module.ecs_service.aws_ecs_task_definition.this";
    let service = "module.ecs_service.aws_ecs_service.this";
    // A container definition module per container, its output assembled by a `for`: the
    // sidecar's mutable image is found where the container module writes the image.
    let sidecar = run
        .findings
        .iter()
        .find(|f| f.0 == "SEC115" && f.1 == task)
        .unwrap_or_else(|| panic!("{show}"));
    assert!(sidecar.4.contains("container 'sidecar'"), "{}", sidecar.4);
    assert_eq!(
        sidecar.2,
        "ecs-modules/modules/container-definition/main.tf"
    );
    // The customer managed policy attached by `aws_iam_role_policy_attachment`: at its action.
    assert!(
        has(
            &run,
            "SEC402",
            task,
            "ecs-modules/modules/service/main.tf",
            51
        ),
        "{show}"
    );
    // The cluster's strategy comes from aws_ecs_cluster_capacity_providers (FARGATE_SPOT), and
    // Container Insights from aws_ecs_account_setting_default: both pass.
    for (rule, resource) in [
        ("COST201", service),
        ("OPS301", "module.ecs_cluster.aws_ecs_cluster.this"),
    ] {
        assert!(
            !run.findings.iter().any(|f| f.0 == rule && f.1 == resource),
            "{rule}: {show}"
        );
        assert!(
            !run.not_evaluated
                .iter()
                .any(|f| f.0 == rule && f.1 == resource),
            "{rule}: {show}"
        );
    }
    assert!(
        run.resources
            .iter()
            .any(|r| r == "aws_ecs_account_setting_default")
    );
}

#[test]
fn a_module_that_is_not_here_is_named_as_not_read() {
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let mut linted = lint(
        Inputs::Paths(vec![folder("modules")]),
        Settings::with_rules(rules),
    )
    .unwrap();
    let run = linted.judge();
    let skipped: Vec<&str> = run.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(
        skipped,
        [
            "module `vpc` (terraform-aws-modules/vpc/aws) is not read: its source is not a local \
          folder, and `terraform init` has not copied it into .terraform/modules"
        ]
    );
}

#[test]
fn json_syntax_is_read_with_its_places() {
    let run = check(vec![folder("json")], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let show = format!("{:#?}", run.findings);
    // Inside the JSON string's interpolation, with its escaped quotes: the member's column.
    let privileged = run
        .findings
        .iter()
        .find(|f| f.0 == "SEC101")
        .unwrap_or_else(|| panic!("{show}"));
    assert_eq!(
        (privileged.2.as_str(), privileged.3),
        ("json/main.tf.json", 11)
    );
    assert!(
        privileged.4.contains("container 'web' "),
        "{}",
        privileged.4
    );
    assert!(
        has(
            &run,
            "SEC201",
            "aws_ecs_service.web",
            "json/main.tf.json",
            21
        ),
        "{show}"
    );
}

#[test]
fn a_plan_is_read_alone_following_unknown_values_through_its_configuration() {
    let plan = folder("planned").join("plan.json");
    let run = check(vec![plan], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let show = format!("{:#?}\n{:#?}", run.findings, run.not_evaluated);
    let task = "aws_ecs_task_definition.web";
    // The planned container definitions, in the plan file.
    assert!(
        run.findings
            .iter()
            .any(|f| f.0 == "SEC101" && f.1 == task && f.2 == "planned/plan.json"),
        "{show}"
    );
    // `task_role_arn` and the role policy's `role` are unknown in the plan; the configuration
    // says they are the role's ARN and id: the role, and its policy, are linked.
    let everything = run.findings.iter().find(|f| f.0 == "SEC401" && f.1 == task);
    assert!(
        everything.is_some_and(|f| f.2 == "planned/plan.json"),
        "{show}"
    );
    // A role attribute the configuration does not set is the provider's to compute.
    assert!(
        !run.not_evaluated
            .iter()
            .any(|f| f.2.contains("inline_policy")),
        "{show}"
    );
}

#[test]
fn a_plan_and_its_configuration_are_reported_in_the_configuration() {
    let run = check(vec![folder("planned")], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let show = format!("{:#?}\n{:#?}", run.findings, run.not_evaluated);
    let task = "aws_ecs_task_definition.web";
    // `var.image` has no value in the configuration; the plan's value decides, and the
    // finding is on the line of the `.tf` file that writes the image.
    assert!(has(&run, "SEC115", task, "planned/main.tf", 40), "{show}");
    assert!(has(&run, "SEC101", task, "planned/main.tf", 42), "{show}");
    assert!(
        has(
            &run,
            "SEC201",
            "aws_ecs_service.web[\"blue\"]",
            "planned/main.tf",
            56
        ),
        "{show}"
    );
    // Each resource once.
    let mut names = run.resources.clone();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), run.resources.len(), "{:?}", run.resources);
    // A plan written elsewhere (the repository's root) joins its configuration by address.
    let elsewhere = tempfile::tempdir().unwrap();
    let plan = elsewhere.path().join("plan.json");
    std::fs::copy(folder("planned").join("plan.json"), &plan).unwrap();
    let run = check(
        vec![folder("planned").join("main.tf"), plan],
        Variables::default(),
    );
    assert!(
        has(&run, "SEC115", task, "planned/main.tf", 40),
        "{:#?}",
        run.findings
    );
    assert_eq!(
        run.resources.iter().filter(|r| r.as_str() == task).count(),
        1
    );
    // The configuration alone cannot tell the image.
    let alone = check(
        vec![folder("planned").join("main.tf")],
        Variables::default(),
    );
    assert!(
        alone
            .not_evaluated
            .iter()
            .any(|f| f.0 == "SEC115" && f.2.contains("variable `image`")),
        "{:#?}",
        alone.not_evaluated
    );
}

/// The fixes of every fixable finding of a folder's configuration, applied to its files.
fn fix_folder(folder: &Path) -> usize {
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let mut linted = lint(
        Inputs::Paths(vec![folder.to_path_buf()]),
        Settings::with_rules(rules),
    )
    .unwrap();
    let run = linted.judge();
    let edits: Vec<_> = run
        .evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .filter_map(|f| ecslint::lint::fix_edit(&run, f, &Default::default()))
        .collect();
    for (i, file) in run.estate.files.iter().enumerate() {
        let mine: Vec<_> = edits.iter().filter(|e| e.file == i).cloned().collect();
        if !mine.is_empty() {
            let (fixed, _) = ecslint::findings::fix::apply(&file.text(), &mine);
            std::fs::write(file.source.as_ref().unwrap(), fixed).unwrap();
        }
    }
    edits.len()
}

#[test]
fn fixes_edit_the_terraform_that_wrote_each_value() {
    let copy = tempfile::tempdir().unwrap();
    let folder = copy.path().join("checkout");
    std::fs::create_dir(&folder).unwrap();
    for entry in std::fs::read_dir(folder_path("checkout")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, folder.join(path.file_name().unwrap())).unwrap();
        }
    }
    let before = std::fs::read_to_string(folder.join("main.tf")).unwrap();
    assert!(fix_folder(&folder) >= 6);
    let after = std::fs::read_to_string(folder.join("main.tf")).unwrap();
    // Lines were added or changed, none lost: comments and formatting stay.
    let kept = before
        .lines()
        .filter(|l| after.lines().any(|a| a == *l))
        .count();
    assert!(kept + 2 >= before.lines().count(), "{after}");
    assert!(
        after.contains("      readonlyRootFilesystem = true\n"),
        "{after}"
    );
    assert!(
        after.contains("  deployment_circuit_breaker {\n    enable = true\n"),
        "{after}"
    );
    let template = std::fs::read_to_string(folder.join("worker.json.tpl")).unwrap();
    assert!(
        template.contains("\"readonlyRootFilesystem\": true"),
        "{template}"
    );
    let run = check(vec![folder.clone()], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    for rule in ["SEC102", "SEC201", "COST203", "REL201"] {
        assert!(
            !run.findings.iter().any(|f| f.0 == rule),
            "{rule} left: {:#?}\n{after}",
            run.findings
        );
    }
    // Fixing again changes nothing.
    assert_eq!(fix_folder(&folder), 0);
}

/// A plan of a child module: its resources addressed under the call, and a reference inside
/// the module (`aws_iam_role.task.arn`) followed to the module's own role.
#[test]
fn a_plans_child_modules_are_read_and_their_references_followed() {
    let policy = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"#;
    let plan = format!(
        r#"{{"format_version": "1.2",
  "planned_values": {{"root_module": {{"child_modules": [{{"address": "module.svc", "resources": [
    {{"address": "module.svc.aws_iam_role.task", "mode": "managed", "type": "aws_iam_role", "name": "task",
      "values": {{"name": "svc-task", "inline_policy": [{{"name": "all", "policy": "{policy}"}}]}}}},
    {{"address": "module.svc.aws_ecs_task_definition.this", "mode": "managed", "type": "aws_ecs_task_definition", "name": "this",
      "values": {{"family": "svc", "container_definitions": "[{{\"name\":\"app\",\"image\":\"app:1.0.0\"}}]"}}}}
  ]}}]}}}},
  "resource_changes": [
    {{"address": "module.svc.aws_ecs_task_definition.this", "change": {{"actions": ["create"], "after_unknown": {{"task_role_arn": true, "arn": true}}}}}}
  ],
  "configuration": {{"root_module": {{"module_calls": {{"svc": {{"source": "./svc", "module": {{"resources": [
    {{"address": "aws_ecs_task_definition.this", "expressions": {{"task_role_arn": {{"references": ["aws_iam_role.task.arn", "aws_iam_role.task"]}}}}}}
  ]}}}}}}}}}}
}}"#
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, plan).unwrap();
    let run = check(vec![path], Variables::default());
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let task = "module.svc.aws_ecs_task_definition.this";
    assert!(
        run.resources.iter().any(|r| r == task),
        "{:?}",
        run.resources
    );
    assert!(
        run.findings.iter().any(|f| f.0 == "SEC401" && f.1 == task),
        "{:#?}\n{:#?}",
        run.findings,
        run.not_evaluated
    );
}

/// A block and arguments the provider maps into one API structure make one structure.
#[test]
fn blocks_mapped_into_one_structure_merge() {
    let dir = tempfile::tempdir().unwrap();
    let service = "resource \"aws_ecs_service\" \"s\" {\n  name = \"s\"\n  \
                   deployment_circuit_breaker {\n    enable   = true\n    rollback = true\n  }\n  \
                   deployment_configuration {\n    strategy = \"ROLLING\"\n  }\n}\n";
    std::fs::write(dir.path().join("main.tf"), service).unwrap();
    let run = check(vec![dir.path().to_path_buf()], Variables::default());
    assert!(
        !run.findings.iter().any(|f| f.0 == "REL201"),
        "{:#?}",
        run.findings
    );
}

#[test]
fn a_file_that_does_not_parse_is_an_error_at_its_place_and_hides_nothing_else() {
    let run = check(
        vec![folder("broken"), folder("checkout")],
        Variables::default(),
    );
    assert_eq!(run.errors.len(), 1, "{:?}", run.errors);
    assert!(
        run.errors[0].starts_with("broken/broken.tf:Some((5, 13)): not valid HCL"),
        "{}",
        run.errors[0]
    );
    assert!(has(
        &run,
        "SEC101",
        "aws_ecs_task_definition.app",
        "broken/main.tf",
        3
    ));
    assert!(has(
        &run,
        "SEC101",
        "aws_ecs_task_definition.app",
        "checkout/main.tf",
        8
    ));
}

/// The Terraform inputs of other tools' ECS tests (read in place): every one reads without an
/// error, and every resource block of a type ecslint reads becomes a resource.
#[test]
fn peer_terraform_reads_without_errors_and_finds_every_resource() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/peer-iac");
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let mut folders: Vec<PathBuf> = walk_tf(&root)
        .into_iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    folders.sort();
    folders.dedup();
    let types: Vec<&str> = ecslint::sources::terraform::TYPES
        .iter()
        .map(|(t, ..)| *t)
        .collect();
    let (mut declared, mut read) = (0, 0);
    for folder in &folders {
        let run = check(vec![folder.clone()], Variables::default());
        assert!(
            run.errors.is_empty(),
            "{}: {:?}",
            folder.display(),
            run.errors
        );
        for file in walk_tf(folder)
            .iter()
            .filter(|p| p.parent() == Some(folder))
        {
            let text = std::fs::read_to_string(file).unwrap();
            for line in text.lines() {
                let words: Vec<&str> = line.split('"').collect();
                if line.trim_start().starts_with("resource")
                    && words.len() >= 4
                    && types.contains(&words[1])
                {
                    declared += 1;
                    let address = format!("{}.{}", words[1], words[3]);
                    assert!(
                        run.resources
                            .iter()
                            .any(|r| r == &address || r.starts_with(&format!("{address}["))),
                        "{}: {address} not read: {:?}",
                        file.display(),
                        run.resources
                    );
                    read += 1;
                }
            }
        }
    }
    eprintln!(
        "peer Terraform: {} folders, {declared} resource blocks of the types read, {read} read",
        folders.len()
    );
    assert!(
        declared > 100,
        "the corpus has over a hundred ECS and IAM resource blocks"
    );
}

/// Public plans and states (`terraform show -json`), read in place when present: each reads
/// without an error, and every resource of a type ecslint reads in it becomes a resource.
#[test]
fn public_plans_and_states_read_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/terraform-json");
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let types: Vec<&str> = ecslint::sources::terraform::TYPES
        .iter()
        .map(|(t, ..)| *t)
        .collect();
    let mut stack = vec![root.clone()];
    let (mut files, mut declared) = (0, 0);
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if !ecslint::sources::terraform::is_plan(&doc) {
                continue;
            }
            files += 1;
            // The managed resources of the types read, in every module of the planned values.
            let mut wanted = Vec::new();
            let mut modules = vec![
                doc.pointer("/planned_values/root_module")
                    .or(doc.pointer("/values/root_module"))
                    .cloned()
                    .unwrap_or_default(),
            ];
            while let Some(module) = modules.pop() {
                for resource in module["resources"].as_array().into_iter().flatten() {
                    let kind = resource["type"].as_str().unwrap_or("");
                    if resource["mode"] == "managed"
                        && types.contains(&kind)
                        && kind != "aws_ecs_account_setting_default"
                    {
                        wanted.push(resource["address"].as_str().unwrap_or("").to_string());
                    }
                }
                modules.extend(
                    module["child_modules"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
            }
            let rules = catalog::builtin(&BTreeMap::new()).unwrap();
            let mut linted = lint(
                Inputs::Paths(vec![path.clone()]),
                Settings::with_rules(rules),
            )
            .unwrap();
            let run = linted.judge();
            assert!(
                run.input_errors.is_empty() || wanted.is_empty(),
                "{}: {:?}",
                path.display(),
                run.input_errors
            );
            for address in &wanted {
                declared += 1;
                assert!(
                    run.estate.resources.iter().any(|r| &r.name == address),
                    "{}: {address} not read",
                    path.display()
                );
            }
        }
    }
    eprintln!("public plans and states: {files} files, {declared} resources of the types read");
}

fn walk_tf(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tf") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
