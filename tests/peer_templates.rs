//! Real templates, read in place and never copied: other tools' ECS test templates
//! (`../shared/corpus/peer-iac`) and public templates and CDK outputs
//! (`../shared/corpus/cloudformation`, when present): every CloudFormation template among them
//! is read without an input error, every ECS, IAM and
//! EC2 resource it declares comes out as a resource, and every finding on it sits inside the template.
//! Skipped, with a message, when the folder is absent.

use ecslint::engine::catalog;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::sources::{template, yaml};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The types read, each one resource (an `AWS::IAM::Policy` is folded into its roles).
const READ_TYPES: [&str; 12] = [
    "AWS::ECS::TaskDefinition",
    "AWS::ECS::Service",
    "AWS::ECS::Cluster",
    "AWS::ECS::CapacityProvider",
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::SecurityGroup",
];

fn corpus(name: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| ["json", "yaml", "yml", "template"].contains(&&*e.to_string_lossy()))
        {
            out.push(path);
        }
    }
}

/// How many ECS resources a file declares, when it is a CloudFormation template (read here
/// with the parsers alone, not through the template reader under test).
fn declared_ecs_resources(path: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = match path.extension()?.to_str()? {
        "json" => serde_json::from_str(&text).ok()?,
        _ => yaml::parse(&text).ok()?.value,
    };
    if !template::is_template(&value) {
        return None;
    }
    let resources = value.get("Resources")?.as_object()?;
    Some(
        resources
            .values()
            .filter(|r| {
                r.get("Type")
                    .and_then(|t| t.as_str())
                    .is_some_and(|t| READ_TYPES.contains(&t))
            })
            .count(),
    )
}

#[test]
fn every_peer_template_is_read_with_all_its_ecs_resources() {
    let Some(dir) = corpus("peer-iac") else {
        return;
    };
    let (templates, _) = read_every_template(&dir);
    assert!(
        templates > 20,
        "only {templates} templates with resources found"
    );
}

#[test]
fn every_public_template_is_read_with_all_its_ecs_resources() {
    let Some(dir) = corpus("cloudformation") else {
        return;
    };
    read_every_template(&dir);
}

/// Reads every template under `dir`: (templates, resources read).
fn read_every_template(dir: &Path) -> (usize, usize) {
    let mut paths = Vec::new();
    files(dir, &mut paths);
    paths.sort();
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let mut failures = Vec::new();
    let (mut templates, mut resources_found) = (0, 0);
    for path in paths {
        let Some(declared) = declared_ecs_resources(&path) else {
            continue;
        };
        if declared == 0 {
            continue;
        }
        templates += 1;
        let name = path.strip_prefix(dir).unwrap().display().to_string();
        // Named, so a template that is not read at all would be an input error too.
        let mut linted = lint(
            Inputs::Paths(vec![path.clone()]),
            Settings::with_rules(rules.clone()),
        )
        .unwrap();
        let run = linted.judge();
        if !run.input_errors.is_empty() {
            failures.push(format!("{name}: {:?}", run.input_errors[0].reason));
            continue;
        }
        let found = run.estate.resources.len();
        resources_found += found;
        if found != declared {
            failures.push(format!(
                "{name}: {declared} ECS resources declared, {found} read"
            ));
        }
        let lines = run.estate.files[0].text().lines().count();
        for finding in run.evaluations.iter().flat_map(|e| &e.findings) {
            let line = finding.location.start.line;
            if finding.location.file != 0 || line == 0 || line > lines {
                failures.push(format!("{name}: a finding at line {line} of {lines}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "{}: {templates} templates read, {resources_found} resources",
        dir.display()
    );
    (templates, resources_found)
}
