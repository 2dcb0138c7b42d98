//! Values a template does not decide (a parameter without a default): a rule they may change is
//! not evaluated, never passed; what holds whatever they are is still judged.

mod common;

const TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Token: {Type: String, NoEcho: true}
  Tag: {Type: String}
Resources:
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Image: !Sub 'registry.example.com/app:${Tag}'
          Environment:
            - {Name: API_TOKEN, Value: !Ref Token}
          LogConfiguration:
            LogDriver: splunk
            Options:
              splunk-url: https://splunk.example.com:8088
              splunk-token: !Ref Token
        - Name: sidecar
          Image: envoyproxy/envoy:latest
          Command: [!Ref Token]
";

/// (outcome, reason, lines of the findings) of `rule` on the template, with `given` parameters.
fn outcome(rule: &str, given: &[(&str, &str)]) -> (String, String, Vec<usize>) {
    outcome_on(TEMPLATE, rule, given)
}

/// [`outcome`] on the template `text`.
fn outcome_on(text: &str, rule: &str, given: &[(&str, &str)]) -> (String, String, Vec<usize>) {
    let mut linted = common::lint_texts(vec![("task.yaml", text)], given, true);
    let run = linted.judge();
    assert!(run.input_errors.is_empty(), "{:?}", run.input_errors);
    let evaluation = run
        .evaluations
        .iter()
        .find(|e| run.rules[e.rule].id() == rule)
        .unwrap_or_else(|| panic!("{rule} was not evaluated"));
    let lines = evaluation
        .findings
        .iter()
        .map(|f| f.location.start.line)
        .collect();
    let reason = evaluation.reason.as_deref().unwrap_or_default().to_string();
    (evaluation.outcome.as_str().to_string(), reason, lines)
}

fn line_of(needle: &str) -> usize {
    TEMPLATE.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn a_value_a_credential_pattern_may_match_is_not_evaluated_until_given() {
    // The credential rules search values with patterns whose words alone match nothing
    // (`AKIA` is not `AKIA` and sixteen more): the value is tried with texts they match.
    for rule in ["SEC108", "SEC116", "SEC118"] {
        let (undecided, reason, _) = outcome(rule, &[("Tag", "1.0")]);
        assert_eq!(undecided, "not-evaluated", "{rule}: {reason}");
        assert!(
            reason.contains("parameter Token is NoEcho"),
            "{rule}: {reason}"
        );
        let given = [("Tag", "1.0"), ("Token", "not-a-credential")];
        assert_eq!(outcome(rule, &given).0, "pass", "{rule}");
        let key = [("Tag", "1.0"), ("Token", "AKIAIOSFODNN7EXAMPLE")];
        assert_eq!(outcome(rule, &key).0, "fail", "{rule}");
    }
}

#[test]
fn a_violation_in_an_element_without_undecided_values_fails_whatever_they_are() {
    // The sidecar's `:latest` is mutable whatever `Tag` turns out to be: the rule fails there,
    // and only there, since the app's image may be pinned or not.
    let (failed, reason, lines) = outcome("SEC115", &[("Token", "x")]);
    assert_eq!(failed, "fail", "{reason}");
    assert_eq!(lines, vec![line_of("envoyproxy/envoy:latest")]);
    // Given a mutable tag, both.
    let (_, _, both) = outcome("SEC115", &[("Token", "x"), ("Tag", "latest")]);
    assert_eq!(
        both,
        vec![line_of("app:${Tag}"), line_of("envoyproxy/envoy:latest")]
    );
    // With the sidecar pinned, the app's image alone leaves it undecided.
    let pinned = TEMPLATE.replace("envoy:latest", "envoy:v1.31.2");
    let (undecided, reason, _) = outcome_on(&pinned, "SEC115", &[("Token", "x")]);
    assert_eq!(undecided, "not-evaluated", "{reason}");
    assert!(reason.contains("parameter Tag has no Default"), "{reason}");
}
