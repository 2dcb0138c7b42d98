//! Template files: YAML or JSON read into templates (a file that is not one is skipped, or an
//! error when it names CloudFormation and does not parse), stacks named after their files, and
//! parameter files.

use super::super::Rejection;
use super::super::parse::error_at;
use super::super::yaml;
use super::{is_template, resources};
use crate::location::Step;
use crate::model::{Resource, SourceFile};
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads a parameters file: CloudFormation's `[{"ParameterKey": ..., "ParameterValue": ...}]`
/// or a CodePipeline template configuration, `{"Parameters": {"Key": "Value"}}`.
pub fn read_parameters(path: &std::path::Path) -> Result<BTreeMap<String, String>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        format!(
            "{shown}:{}:{}: {}",
            e.line(),
            e.column(),
            crate::sources::json_reason(&e)
        )
    })?;
    let text_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut values = BTreeMap::new();
    match &value {
        Value::Array(entries) => {
            for (i, entry) in entries.iter().enumerate() {
                let key = entry.get("ParameterKey").and_then(Value::as_str);
                let given = entry.get("ParameterValue").and_then(text_of);
                match (key, given) {
                    (Some(key), Some(given)) => {
                        values.insert(key.to_string(), given);
                    }
                    // `UsePreviousValue` says nothing about the value.
                    (Some(_), None) if entry.get("UsePreviousValue").is_some() => {}
                    _ => {
                        return Err(format!(
                            "{shown}: entry {i} needs ParameterKey and ParameterValue"
                        ));
                    }
                }
            }
        }
        Value::Object(root) if root.get("Parameters").is_some_and(Value::is_object) => {
            for (key, given) in root["Parameters"].as_object().into_iter().flatten() {
                let given = text_of(given)
                    .ok_or_else(|| format!("{shown}: parameter {key} is not a string"))?;
                values.insert(key.clone(), given);
            }
        }
        _ => {
            return Err(format!(
                "{shown}: expected [{{\"ParameterKey\": ..., \"ParameterValue\": ...}}] or {{\"Parameters\": {{...}}}}"
            ));
        }
    }
    Ok(values)
}

/// Reads a YAML file: a CloudFormation template's ECS resources. Other YAML (workflows,
/// manifests) is not a document ecslint reads; YAML that does not parse is an error when it
/// names CloudFormation, and not ecslint's to read otherwise.
pub(in crate::sources) fn read_yaml(
    index: usize,
    stem: &str,
    file: SourceFile,
    given: super::Given<'_>,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    // Every template has `Resources`: other YAML (a 40 MB pnpm-lock.yaml) is not parsed.
    let text = file.text();
    if !["Resources", "AWSTemplateFormatVersion"]
        .iter()
        .any(|needle| text.contains(needle))
    {
        return Err(Rejection::Unrecognized(not_a_template(file)));
    }
    // A template of block style is parsed in parts, on every core.
    if let Some(template) = super::yaml_parts::YamlTemplate::parse(&text) {
        return super::yaml_parts::read_yaml_parts(index, stem, file, template, given);
    }
    let parsed = match yaml::parse(&text) {
        Ok(parsed) => parsed,
        Err(error) => {
            let names_cloudformation = ["AWSTemplateFormatVersion", "AWS::ECS::"]
                .iter()
                .any(|needle| text.contains(needle));
            let reason = format!("not valid YAML: {}", error.reason);
            drop(text);
            let (path, text) = file.into_path_and_text();
            let error = error_at(path, text, error.offset, reason);
            return Err(match names_cloudformation {
                true => Rejection::Broken(error),
                false => Rejection::Unrecognized(error),
            });
        }
    };
    let spans = parsed.spans;
    let last = LastPath::new();
    // A resource's node is found through the index of `Resources` (a wide mapping).
    let span_at = |base: &[Step], rest: &[Step]| match in_resource(base) {
        Some((_, base_rest)) => {
            let start = || spans.descend(spans.cursor(&base[..2])?, base_rest);
            let child = |cursor, step: &Step| spans.descend(cursor, std::slice::from_ref(step));
            spans.get_from(last.node(base, rest, start, child)?, &[])
        }
        None => spans.get(&[base, rest].concat()),
    };
    read(index, stem, file, &parsed.value, given, &span_at)
}

/// `Resources.<id>` and the rest of a path under it.
pub(super) fn in_resource(path: &[Step]) -> Option<(&str, &[Step])> {
    match path {
        [Step::Key(top), Step::Key(id), rest @ ..] if top == "Resources" => Some((id, rest)),
        _ => None,
    }
}

/// The nodes of the last path looked up under one base, step by step, on each thread. The
/// translation asks for a node's children right after the node itself, so a lookup mostly
/// descends one step from where the last one ended instead of from the resource (an
/// environment variable of a container was otherwise found through every member before it, at
/// every level).
pub(super) struct LastPath {
    /// Which lookup the walked nodes belong to: unique in the process.
    owner: usize,
}

struct Walked<N> {
    owner: usize,
    base: Vec<Step>,
    /// The node at `base`, when there is one.
    start: Option<N>,
    steps: Vec<(Step, N)>,
}

thread_local! {
    static WALKED: std::cell::RefCell<Option<Box<dyn std::any::Any>>> = const {
        std::cell::RefCell::new(None)
    };
}

impl LastPath {
    pub(super) fn new() -> LastPath {
        static OWNERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        LastPath {
            owner: OWNERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The node at `base` then `rest`: `start` finds the node at `base`, `child` one step down.
    pub(super) fn node<N: Copy + 'static>(
        &self,
        base: &[Step],
        rest: &[Step],
        start: impl FnOnce() -> Option<N>,
        child: impl Fn(N, &Step) -> Option<N>,
    ) -> Option<N> {
        WALKED.with_borrow_mut(|walked| {
            let reusable = walked
                .as_mut()
                .and_then(|w| w.downcast_mut::<Walked<N>>())
                .filter(|w| w.owner == self.owner && w.base == base);
            let walked = match reusable {
                Some(walked) => walked,
                None => {
                    let fresh = Walked {
                        owner: self.owner,
                        base: base.to_vec(),
                        start: start(),
                        steps: Vec::new(),
                    };
                    walked.insert(Box::new(fresh)).downcast_mut::<Walked<N>>()?
                }
            };
            let shared = walked
                .steps
                .iter()
                .zip(rest)
                .take_while(|((walked, _), step)| walked == *step)
                .count();
            walked.steps.truncate(shared);
            let mut node = match walked.steps.last() {
                Some((_, node)) => *node,
                None => walked.start?,
            };
            for step in &rest[shared..] {
                node = child(node, step)?;
                walked.steps.push((step.clone(), node));
            }
            Some(node)
        })
    }
}

fn not_a_template(file: SourceFile) -> crate::model::input::InputError {
    let reason = "YAML that is not a CloudFormation template".to_string();
    let (path, text) = file.into_path_and_text();
    error_at(path, text, 0, reason)
}

fn read(
    index: usize,
    stem: &str,
    file: SourceFile,
    value: &Value,
    given: super::Given<'_>,
    span_at: &super::SpanAt<'_>,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    if !is_template(value) {
        return Err(Rejection::Unrecognized(not_a_template(file)));
    }
    let (resources, offered) = resources(index, stack_name(stem), value, given, span_at, &|_| {
        super::Own::default()
    });
    let mut file = file;
    offered.give(&mut file);
    finish(file, resources, value)
}

/// The stack a template file holds, by its name: CDK writes `Checkout.template.json` and
/// `CheckoutNested1A2B.nested.template.json`.
pub(super) fn stack_name(stem: &str) -> &str {
    let stem = stem.strip_suffix(".template").unwrap_or(stem);
    stem.strip_suffix(".nested").unwrap_or(stem)
}

/// A template with no resource ecslint reads is not one of its documents.
pub(super) fn finish(
    file: SourceFile,
    resources: Vec<Resource>,
    template: &Value,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    if !resources.is_empty() {
        return Ok((file, resources));
    }
    let declared = template
        .get("Resources")
        .and_then(Value::as_object)
        .map_or(0, serde_json::Map::len);
    let reason = match declared {
        1 => "a CloudFormation template with no ECS resource (1 resource declared)".to_string(),
        n => format!("a CloudFormation template with no ECS resource ({n} resources declared)"),
    };
    let (path, text) = file.into_path_and_text();
    Err(Rejection::Unrecognized(error_at(path, text, 0, reason)))
}
