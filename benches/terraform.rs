//! The Terraform benchmark: a root module of 5,000 task definitions (container definitions in
//! `jsonencode([...])`, variables and references) and their services, linted by the release
//! binary, against hcl-edit's parser alone on the same files, side by side. Run with `cargo
//! bench --bench terraform`; it prints a report and writes it to `target/bench-terraform.md`.
//! Target: `check` at most 3× the parser.

mod common;
use common::{check, ms};

const TASK_DEFINITIONS: usize = 5_000;
const RUNS: usize = 5;

/// A root module: variables, a role, and `count` task definitions (with a service each when
/// `services`), in the shapes people write (half with a writable root filesystem, a third
/// running as root).
fn configuration(count: usize, services: bool) -> String {
    let mut tf = String::from(
        "variable \"registry\" {\n  default = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\"\n}\n\n\
         variable \"subnets\" {\n  default = [\"subnet-0a1b2c3d\", \"subnet-4e5f6a7b\"]\n}\n\n\
         resource \"aws_iam_role\" \"task\" {\n  name = \"task\"\n  assume_role_policy = jsonencode({\n    \
         Version = \"2012-10-17\"\n    Statement = [{ Effect = \"Allow\", Action = \"sts:AssumeRole\", \
         Principal = { Service = \"ecs-tasks.amazonaws.com\" } }]\n  })\n}\n\n\
         resource \"aws_ecs_cluster\" \"main\" {\n  name = \"main\"\n}\n\n",
    );
    for i in 0..count {
        let readonly = i % 2 == 0;
        let user = if i % 3 == 0 {
            ""
        } else {
            "\n      user                   = \"1000\""
        };
        tf.push_str(&format!(
            "resource \"aws_ecs_task_definition\" \"app{i}\" {{\n  family                   = \"app{i}\"\n  \
             network_mode             = \"awsvpc\"\n  requires_compatibilities = [\"FARGATE\"]\n  \
             cpu                      = 256\n  memory                   = 512\n  \
             task_role_arn            = aws_iam_role.task.arn\n  \
             container_definitions = jsonencode([\n    {{\n      name                   = \"app\"\n      \
             image                  = \"${{var.registry}}/app{i}:1.{i}.0\"\n      \
             essential              = true\n      readonlyRootFilesystem = {readonly}{user}\n      \
             portMappings           = [{{ containerPort = 8080, protocol = \"tcp\" }}]\n      \
             environment = [\n        {{ name = \"PORT\", value = \"8080\" }},\n        \
             {{ name = \"SERVICE\", value = \"app{i}\" }},\n      ]\n      \
             logConfiguration = {{\n        logDriver = \"awslogs\"\n        options = {{\n          \
             awslogs-group         = \"/ecs/app{i}\"\n          awslogs-region        = \"eu-west-1\"\n          \
             awslogs-stream-prefix = \"app\"\n        }}\n      }}\n    }}\n  ])\n}}\n\n"
        ));
        if !services {
            continue;
        }
        tf.push_str(&format!(
            "resource \"aws_ecs_service\" \"app{i}\" {{\n  name            = \"app{i}\"\n  \
             cluster         = aws_ecs_cluster.main.id\n  task_definition = aws_ecs_task_definition.app{i}.arn\n  \
             desired_count   = 2\n\n  network_configuration {{\n    subnets          = var.subnets\n    \
             assign_public_ip = false\n  }}\n\n  deployment_circuit_breaker {{\n    enable   = true\n    \
             rollback = true\n  }}\n}}\n\n"
        ));
    }
    tf
}

/// Parses the file named by `ECSLINT_BENCH_PARSE` with hcl-edit and exits: the parser alone
/// as a process of its own, which, like `ecslint check`, reads the file.
fn parse_alone_process() {
    let Some(path) = std::env::var_os("ECSLINT_BENCH_PARSE") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read the configuration");
    let body = hcl_edit::parser::parse_body(&text).expect("valid HCL");
    assert!(!body.is_empty());
    std::process::exit(0);
}

/// Writes the two configurations under the folder named by `ECSLINT_BENCH_WRITE` (`tds/` and
/// `services/`) and exits: the bench's input, for profiling a single run.
fn write_inputs() {
    let Some(dir) = std::env::var_os("ECSLINT_BENCH_WRITE") else {
        return;
    };
    for (name, services) in [("tds", false), ("services", true)] {
        let folder = std::path::Path::new(&dir).join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("main.tf"),
            configuration(TASK_DEFINITIONS, services),
        )
        .unwrap();
    }
    std::process::exit(0);
}

fn main() {
    parse_alone_process();
    write_inputs();
    let bin = env!("CARGO_BIN_EXE_ecslint");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = format!(
        "# Terraform benchmark\n\nOne root module of {TASK_DEFINITIONS} \
         `aws_ecs_task_definition` (container definitions in `jsonencode`, a variable and a role \
         reference each), alone and with an `aws_ecs_service` each; {cpus} CPUs, release build, \
         medians of {RUNS} interleaved rounds. The parser alone (hcl-edit's `parse_body`) is \
         timed in this process and as a process of its own (reading the file, as `check` \
         does).\n\n\
         | configuration | `.tf` MB | resources | findings | parser in-process ms | parser process ms | `ecslint check` ms | ratio to in-process | ratio to process |\n\
         |---|---|---|---|---|---|---|---|---|\n"
    );
    for (label, services) in [
        ("task definitions", false),
        ("task definitions and their services", true),
    ] {
        report.push_str(&measure(bin, label, services));
    }
    report.push_str("\nTarget: `check` at most 3× the parser alone.\n");
    print!("{report}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-terraform.md");
    let _ = std::fs::write(out, &report);
}

/// One row of the report: the configuration linted and parsed, side by side.
fn measure(bin: &str, label: &str, services: bool) -> String {
    let dir = std::env::temp_dir().join(format!(
        "ecslint-bench-terraform-{}-{services}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let tf = configuration(TASK_DEFINITIONS, services);
    let path = dir.join("main.tf");
    std::fs::write(&path, &tf).unwrap();
    let report: serde_json::Value = serde_json::from_str(&check(bin, &dir).1).unwrap();
    let resources = report["summary"]["resources"].as_u64().unwrap_or(0);
    let findings = report["findings"].as_array().map_or(0, Vec::len);
    assert!(
        resources as usize >= TASK_DEFINITIONS,
        "{resources} resources read"
    );
    let times = common::interleaved(
        RUNS,
        &mut [
            &mut || {
                let body = hcl_edit::parser::parse_body(&tf).expect("valid HCL");
                assert!(!body.is_empty());
            },
            &mut || common::parse_as_process(&path),
            &mut || {
                check(bin, &dir);
            },
        ],
    );
    let [parse, process, lint] = times[..] else {
        unreachable!("three timings");
    };
    let _ = std::fs::remove_dir_all(&dir);
    format!(
        "| {TASK_DEFINITIONS} {label} | {:.1} | {resources} | {findings} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |\n",
        tf.len() as f64 / 1e6,
        ms(parse),
        ms(process),
        ms(lint),
        lint.as_secs_f64() / parse.as_secs_f64(),
        lint.as_secs_f64() / process.as_secs_f64(),
    )
}
