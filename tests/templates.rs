//! CloudFormation templates, read by the pieces issue 13 builds (not yet wired to discovery):
//! a template's ECS resources become API documents whose findings land on the template's own
//! lines, in YAML and in JSON, with the same verdicts and fingerprints in both.

use ecslint::engine::catalog;
use ecslint::lint::{Inputs, Settings, lint};
use ecslint::location::{SpanTree, Step, member_span};
use ecslint::model::SourceFile;
use ecslint::sources::{self, template, yaml};
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

fn lint_template(name: &str, text: &str) -> Found {
    let doc = if name.ends_with(".yaml") {
        let parsed = yaml::parse(text).unwrap();
        let spans = parsed.spans;
        let parameters = template::parameter_values(&parsed.value, &Default::default());
        let resources = template::resources(0, &parsed.value, &parameters, &|path| spans.get(path));
        (parsed.value, resources)
    } else {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let tree = SpanTree::build(text.as_bytes(), 0).unwrap();
        let span_at = |path: &[Step]| {
            let span = tree.find(text.as_bytes(), path)?;
            Some(match path.last() {
                Some(Step::Key(_)) => member_span(text.as_bytes(), span),
                _ => span,
            })
        };
        let parameters = template::parameter_values(&value, &Default::default());
        let resources = template::resources(0, &value, &parameters, &span_at);
        (value, resources)
    };
    let (value, resources) = doc;
    assert!(template::is_template(&value));
    assert_eq!(resources.len(), 1, "the S3 bucket is not an ECS resource");
    let mut loaded = sources::Loaded::default();
    loaded.estate.files = vec![SourceFile::new(name.into(), text.into())];
    loaded.estate.resources = resources;
    let rules = catalog::builtin(&BTreeMap::new()).unwrap();
    let mut linted = lint(
        Inputs::Loaded(Box::new(loaded)),
        Settings::with_rules(rules),
    )
    .unwrap();
    let run = linted.judge();
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
                f.fingerprint.clone(),
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

#[test]
fn parameters_no_value_and_substitutions_resolve_where_the_template_decides() {
    let parsed = yaml::parse(YAML).unwrap();
    let parameters = template::parameter_values(&parsed.value, &Default::default());
    let spans = parsed.spans;
    let resources = template::resources(0, &parsed.value, &parameters, &|p| spans.get(p));
    let doc = &resources[0].doc;
    // `!Ref AWS::NoValue` left the list: the container is element 0.
    let containers = doc["containerDefinitions"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let app = &containers[0];
    assert_eq!(app["image"], "nginx:latest");
    assert_eq!(doc["cpu"], "512");
    // A parameter without a value stays as written; one with a value is substituted.
    assert_eq!(
        app["environment"][0]["value"],
        serde_json::json!({"Fn::Sub": "${Env}-web"})
    );
    assert_eq!(app["environment"][1]["value"], "image nginx:latest");
    // Given values win over defaults.
    let given = BTreeMap::from([("Image".to_string(), "nginx@sha256:abc".to_string())]);
    let parameters = template::parameter_values(&parsed.value, &given);
    let resources = template::resources(0, &parsed.value, &parameters, &|p| spans.get(p));
    assert_eq!(
        resources[0].doc["containerDefinitions"][0]["image"],
        "nginx@sha256:abc"
    );
}
