//! Synthetic estates for the benchmarks: realistic task definitions (several containers with
//! environment, secrets, logging, volumes), services, roles, subnets, as many small files or one
//! large snapshot. Deterministic: the same size always gives the same bytes.
#![allow(dead_code)]

use std::fmt::Write;
use std::time::{Duration, Instant};

/// `runs` timed runs of `run` after one to warm the page cache, fastest first.
pub fn time_runs(runs: usize, mut run: impl FnMut()) -> Vec<Duration> {
    run();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

/// Runs each of `runs` in turn, `rounds` rounds after one to warm up, so that a slower spell
/// of the machine weighs on all of them alike; the median of each.
pub fn interleaved(rounds: usize, runs: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let mut times = vec![Vec::new(); runs.len()];
    for round in 0..=rounds {
        for (run, times) in runs.iter_mut().zip(&mut times) {
            let start = Instant::now();
            run();
            if round > 0 {
                times.push(start.elapsed());
            }
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect()
}

/// `ecslint check --format json PATH` with the binary `bin`: its exit code (0 or 1; anything
/// else fails the bench) and report.
pub fn check(bin: &str, path: &Path) -> (i32, String) {
    let output = std::process::Command::new(bin)
        .args(["check", "--no-config", "-f", "json"])
        .arg(path)
        .output()
        .expect("run ecslint");
    let code = output.status.code().unwrap_or(-1);
    assert!(
        matches!(code, 0 | 1),
        "ecslint failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (code, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `ecslint check --format json -o OUT PATH`, the report written to a file as a CI job writes it.
pub fn check_to(bin: &str, path: &Path, out: &Path) {
    let status = std::process::Command::new(bin)
        .args(["check", "--no-config", "-f", "json", "-o"])
        .arg(out)
        .arg(path)
        .status()
        .expect("run ecslint");
    assert!(matches!(status.code(), Some(0 | 1)), "ecslint failed");
}

/// Runs this bench binary again with `ECSLINT_BENCH_PARSE=path`: the parser alone, as a
/// process of its own (each bench's `main` starts by answering that variable).
pub fn parse_as_process(path: &Path) {
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env("ECSLINT_BENCH_PARSE", path)
        .status()
        .expect("run the parser");
    assert!(status.success());
}

/// The floor of a run: read and parse every file into a serde_json `Value`, in parallel as
/// ecslint reads files.
pub fn parse_only(paths: &[std::path::PathBuf]) -> Duration {
    use rayon::prelude::*;
    let start = Instant::now();
    let parsed: usize = paths
        .par_iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            usize::from(value.is_object() || value.is_array())
        })
        .sum();
    assert_eq!(parsed, paths.len());
    start.elapsed()
}

/// `ecslint check -f FORMAT -o OUT TARGET` with the binary `bin` under /usr/bin/time: its wall
/// time and peak RSS in MB.
pub fn check_measured(bin: &str, format: &str, target: &Path, out: &Path) -> (Duration, f64) {
    let start = Instant::now();
    let output = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(["check", "--no-config", "-f", format, "-o"])
        .arg(out)
        .arg(target)
        .output()
        .expect("run /usr/bin/time ecslint");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{stderr}");
    let kib: f64 = (stderr.lines().last())
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0.0);
    (wall, kib / 1024.0)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
use std::path::Path;

/// A realistic task definition: 1-4 containers with environment, secrets, logs, ports, health
/// checks, and some findings (root user, writable root filesystem) in a share of them.
pub fn task_definition(i: usize) -> String {
    let containers: Vec<String> = (0..1 + i % 4)
        .map(|c| {
            let env: Vec<String> = (0..3 + (i + c) % 20)
                .map(|e| format!(r#"{{"name": "SETTING_{e}", "value": "value-{i}-{c}-{e}"}}"#))
                .collect();
            format!(
                r#"{{
      "name": "c{c}",
      "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/svc-{i}:{c}.{i}",
      "cpu": 128, "memory": 256, "essential": {essential},
      {user}
      "readonlyRootFilesystem": {readonly},
      "portMappings": [{{"containerPort": {port}, "protocol": "tcp"}}],
      "environment": [{env}],
      "secrets": [{{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:svc-{i}-AbCdEf"}}],
      "logConfiguration": {{"logDriver": "awslogs", "options": {{"awslogs-group": "/ecs/svc-{i}", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "c{c}", "mode": "non-blocking"}}}},
      "healthCheck": {{"command": ["CMD-SHELL", "curl -fs http://localhost:{port}/health || exit 1"], "interval": 30, "timeout": 5, "retries": 3}},
      "linuxParameters": {{"capabilities": {{"drop": ["ALL"]}}, "initProcessEnabled": true}}
    }}"#,
                essential = c == 0,
                user = if i.is_multiple_of(7) { "" } else { r#""user": "1000:1000","# },
                readonly = !i.is_multiple_of(5),
                port = 8000 + c,
                env = env.join(", "),
            )
        })
        .collect();
    format!(
        r#"{{
  "family": "svc-{i}",
  "taskRoleArn": "arn:aws:iam::111122223333:role/svc-{role}-task",
  "executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "1024",
  "memory": "2048",
  "runtimePlatform": {{"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}},
  "containerDefinitions": [
    {}
  ],
  "tags": [{{"key": "team", "value": "team-{}"}}]
}}
"#,
        containers.join(",\n    "),
        i % 40,
        role = i / 20
    )
}

/// A service of the estate, pointing at task definition `td`, in two of six subnets.
pub fn service(i: usize, td: usize) -> String {
    format!(
        r#"{{"serviceArn": "arn:aws:ecs:eu-west-1:111122223333:service/prod/svc-{i}", "serviceName": "svc-{i}",
  "clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/prod", "taskDefinition": "svc-{td}",
  "desiredCount": {desired}, "launchType": "FARGATE", "platformVersion": "LATEST",
  "deploymentConfiguration": {{"deploymentCircuitBreaker": {{"enable": true, "rollback": true}}, "maximumPercent": 200, "minimumHealthyPercent": 100}},
  "networkConfiguration": {{"awsvpcConfiguration": {{"subnets": ["subnet-{a}", "subnet-{b}"], "securityGroups": ["sg-{sg}"], "assignPublicIp": "DISABLED"}}}},
  "propagateTags": "SERVICE", "tags": [{{"key": "team", "value": "team-{team}"}}]}}"#,
        desired = 1 + i % 4,
        a = i % 6,
        b = (i + 1) % 6,
        sg = i % 10,
        team = i % 40
    )
}

/// A task role with an inline policy; every 25th is over-broad.
pub fn role(i: usize) -> String {
    let statement = if i.is_multiple_of(25) {
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#.to_string()
    } else {
        format!(
            r#"{{"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": ["arn:aws:s3:::bucket-{i}/*", "arn:aws:sqs:eu-west-1:111122223333:queue-{i}"]}}"#
        )
    };
    format!(
        r#"{{"Path": "/", "RoleName": "svc-{i}-task", "RoleId": "AROA{i:012}", "Arn": "arn:aws:iam::111122223333:role/svc-{i}-task",
  "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "ecs-tasks.amazonaws.com"}}, "Action": "sts:AssumeRole", "Condition": {{"StringEquals": {{"aws:SourceAccount": "111122223333"}}}}}}]}},
  "RolePolicyList": [{{"PolicyName": "svc-{i}", "PolicyDocument": {{"Version": "2012-10-17", "Statement": [{statement}]}}}}],
  "AttachedManagedPolicies": [], "Tags": []}}"#
    )
}

fn network() -> String {
    let subnets: Vec<String> = (0..6)
        .map(|i| format!(r#"{{"SubnetId": "subnet-{i}", "VpcId": "vpc-1", "AvailabilityZone": "eu-west-1{}", "CidrBlock": "10.0.{i}.0/24"}}"#, ["a", "b", "c"][i % 3]))
        .collect();
    let groups: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"GroupId": "sg-{i}", "GroupName": "sg-{i}", "VpcId": "vpc-1", "IpPermissions": [{{"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8003, "IpRanges": [{{"CidrIp": "{}"}}]}}]}}"#, if i == 9 { "0.0.0.0/0" } else { "10.0.0.0/16" }))
        .collect();
    format!(
        r#""Subnets": [{}],
  "RouteTables": [{{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{{"Main": true, "RouteTableId": "rtb-1"}}], "Routes": [{{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active"}}]}}],
  "SecurityGroups": [{}]"#,
        subnets.join(", "),
        groups.join(", ")
    )
}

const ACCOUNT: &str = r#""settings": [{"name": "containerInsights", "value": "enhanced"}, {"name": "defaultLogDriverMode", "value": "non-blocking"}, {"name": "awsvpcTrunking", "value": "enabled"}, {"name": "tagResourceAuthorization", "value": "on"}, {"name": "guardDutyActivate", "value": "on"}]"#;
const CLUSTER: &str = r#""clusters": [{"clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/prod", "clusterName": "prod", "settings": [{"name": "containerInsights", "value": "enhanced"}], "capacityProviders": ["FARGATE", "FARGATE_SPOT"], "tags": [{"key": "team", "value": "platform"}]}]"#;

/// Writes an estate of `n` task definitions, n/10 services and n/20 roles as many small files
/// (one per task definition, plus one file per other collection). Returns the bytes written.
pub fn write_files(dir: &Path, n: usize) -> usize {
    std::fs::create_dir_all(dir.join("taskdefs")).unwrap();
    let mut bytes = 0;
    for i in 0..n {
        let text = task_definition(i);
        bytes += text.len();
        std::fs::write(dir.join("taskdefs").join(format!("svc-{i:06}.json")), text).unwrap();
    }
    let services: Vec<String> = (0..n / 10).map(|i| service(i, i * 10)).collect();
    let roles: Vec<String> = (0..(n / 20).max(1)).map(role).collect();
    for (name, text) in [
        (
            "services.json",
            format!(
                "{{\"services\": [{}], \"failures\": []}}",
                services.join(",\n")
            ),
        ),
        (
            "iam.json",
            format!(
                "{{\"RoleDetailList\": [{}], \"Policies\": []}}",
                roles.join(",\n")
            ),
        ),
        ("network.json", format!("{{{}}}", network())),
        ("account.json", format!("{{{ACCOUNT}}}")),
        ("clusters.json", format!("{{{CLUSTER}}}")),
    ] {
        bytes += text.len();
        std::fs::write(dir.join(name), text).unwrap();
    }
    bytes
}

/// Writes the same estate as one snapshot file. Returns the bytes written.
pub fn write_snapshot(path: &Path, n: usize) -> usize {
    let mut text = String::with_capacity(n * 4_500);
    text.push_str("{\n\"taskDefinitions\": [\n");
    for i in 0..n {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&task_definition(i));
    }
    let services: Vec<String> = (0..n / 10).map(|i| service(i, i * 10)).collect();
    let roles: Vec<String> = (0..(n / 20).max(1)).map(role).collect();
    let _ = write!(
        text,
        "],\n\"services\": [{}],\n\"RoleDetailList\": [{}],\n\"Policies\": [],\n{},\n{ACCOUNT},\n{CLUSTER}\n}}\n",
        services.join(",\n"),
        roles.join(",\n"),
        network()
    );
    std::fs::write(path, &text).unwrap();
    text.len()
}

/// A CloudFormation template (YAML, short-form tags) of `n` task definitions with their
/// services, in the shape stacks have: images and log regions from pseudo parameters
/// (undecided), roles by `!GetAtt`, the cluster and task definitions by `!Ref`, subnets from a
/// list parameter with a default, a security group of the stack.
pub fn template_yaml(n: usize) -> String {
    let mut out = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\n\
         Parameters:\n  Env: {Type: String, Default: prod}\n  \
         Subnets: {Type: CommaDelimitedList, Default: 'subnet-0a1,subnet-0b2'}\n\
         Resources:\n  Cluster:\n    Type: AWS::ECS::Cluster\n    Properties:\n      \
         ClusterSettings: [{Name: containerInsights, Value: enabled}]\n  \
         ServiceGroup:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      \
         GroupDescription: services\n      VpcId: vpc-0main\n  \
         ExecutionRole:\n    Type: AWS::IAM::Role\n    Properties:\n      \
         AssumeRolePolicyDocument:\n        Statement: [{Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: 'sts:AssumeRole', Condition: {StringEquals: {'aws:SourceAccount': !Ref 'AWS::AccountId'}}}]\n      \
         ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy']\n",
    );
    for role in 0..n.div_ceil(20) {
        let _ = write!(
            out,
            "  TaskRole{role}:\n    Type: AWS::IAM::Role\n    Properties:\n      \
             AssumeRolePolicyDocument:\n        Statement: [{{Effect: Allow, Principal: {{Service: ecs-tasks.amazonaws.com}}, Action: 'sts:AssumeRole'}}]\n      \
             Policies:\n        - PolicyName: data\n          PolicyDocument:\n            \
             Statement: [{{Effect: Allow, Action: ['s3:GetObject'], Resource: !Sub 'arn:${{AWS::Partition}}:s3:::data-{role}/*'}}]\n"
        );
    }
    for i in 0..n {
        let _ = write!(
            out,
            "  TaskDef{i}:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      \
             Family: !Sub 'svc-{i}-${{Env}}'\n      TaskRoleArn: !GetAtt TaskRole{role}.Arn\n      \
             ExecutionRoleArn: !GetAtt ExecutionRole.Arn\n      NetworkMode: awsvpc\n      \
             RequiresCompatibilities: [FARGATE]\n      Cpu: '1024'\n      Memory: '2048'\n      \
             RuntimePlatform: {{CpuArchitecture: ARM64, OperatingSystemFamily: LINUX}}\n      \
             ContainerDefinitions:\n",
            role = i / 20
        );
        for c in 0..1 + i % 4 {
            let _ = write!(
                out,
                "        - Name: c{c}\n          \
                 Image: !Sub '${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.amazonaws.com/svc-{i}:{c}.{i}'\n          \
                 Cpu: 128\n          Memory: 256\n          Essential: {essential}\n{user}          \
                 ReadonlyRootFilesystem: {readonly}\n          \
                 PortMappings: [{{ContainerPort: {port}, Protocol: tcp}}]\n          Environment:\n",
                essential = c == 0,
                user = if i.is_multiple_of(7) {
                    ""
                } else {
                    "          User: '1000:1000'\n"
                },
                readonly = !i.is_multiple_of(5),
                port = 8000 + c,
            );
            for e in 0..3 + (i + c) % 20 {
                let _ = writeln!(
                    out,
                    "            - {{Name: SETTING_{e}, Value: value-{i}-{c}-{e}}}"
                );
            }
            let _ = write!(
                out,
                "          Secrets:\n            - Name: DB_PASSWORD\n              \
                 ValueFrom: !Sub 'arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:svc-{i}'\n          \
                 LogConfiguration:\n            LogDriver: awslogs\n            Options:\n              \
                 awslogs-group: /ecs/svc-{i}\n              awslogs-region: !Ref AWS::Region\n              \
                 awslogs-stream-prefix: c{c}\n              mode: non-blocking\n          \
                 HealthCheck:\n            Command: [CMD-SHELL, 'curl -fs http://localhost:{port}/health || exit 1']\n            \
                 Interval: 30\n            Timeout: 5\n            Retries: 3\n          \
                 LinuxParameters: {{Capabilities: {{Drop: [ALL]}}, InitProcessEnabled: true}}\n",
                port = 8000 + c
            );
        }
        let _ = write!(
            out,
            "      Tags: [{{Key: team, Value: team-{team}}}]\n  \
             Service{i}:\n    Type: AWS::ECS::Service\n    Properties:\n      \
             Cluster: !Ref Cluster\n      TaskDefinition: !Ref TaskDef{i}\n      DesiredCount: 2\n      \
             LaunchType: FARGATE\n      PropagateTags: SERVICE\n      \
             DeploymentConfiguration:\n        DeploymentCircuitBreaker: {{Enable: true, Rollback: true}}\n      \
             NetworkConfiguration:\n        AwsvpcConfiguration:\n          AssignPublicIp: DISABLED\n          \
             Subnets: !Ref Subnets\n          SecurityGroups: [!Ref ServiceGroup]\n      \
             Tags: [{{Key: team, Value: team-{team}}}]\n",
            team = i % 40
        );
    }
    out
}

/// The allocator `ecslint` uses: the parser alone is timed with it too, so the comparison is
/// of the work, not of the allocators.
#[global_allocator]
static GLOBAL: ecslint::allocator::Allocator = ecslint::allocator::Allocator;
