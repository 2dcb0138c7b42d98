//! JSON templates, parsed for speed: each resource's declaration on its own core, and the
//! `Properties` of the resources translated one by one left as text until their translation
//! parses them. Those are nearly all of a large template, so its whole document is never held
//! at once, and their parse runs on every core.

use super::super::Rejection;
use super::super::parse::{error_at, first_value, offset_of};
use super::files::{LastPath, finish, in_resource, stack_name};
use super::walk::{JsonStepper, Stepper};
use super::{Own, TYPES, is_template, resources};
use crate::location::{
    Span, SpanTree, Step, locate, member_span, object_member_spans, object_members,
};
use crate::model::{Resource, SourceFile};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::sync::{Mutex, OnceLock};

/// A JSON template as parsed: the document, without the `Properties` of the resources that
/// are translated (where they start in the text instead), and where each resource's
/// declaration starts.
pub(in crate::sources) struct JsonTemplate {
    root: Value,
    /// Where each translated resource's `Properties` are in the text, by logical id.
    later: foldhash::HashMap<String, Span>,
    declarations: Vec<(String, usize)>,
}

impl JsonTemplate {
    /// The template in `text`, whose root members are `members` (each key and where its value
    /// starts) and `declarations` `Resources`' members, both found by one scan of the root.
    /// `None` when it is not a template, or anything is off: the file is then parsed whole,
    /// which reports any error at its place.
    /// `parsed`: the declarations already parsed, in order, while the root was scanned.
    pub fn parse(
        text: &str,
        members: &[(String, usize)],
        declarations: Option<Vec<(String, usize)>>,
        parsed: Option<Declarations>,
    ) -> Option<JsonTemplate> {
        use rayon::prelude::*;
        // A repeated `Resources` is left to the whole parse.
        if members.iter().filter(|(key, _)| key == "Resources").count() != 1 {
            return None;
        }
        // The scan lists them when `Resources` is a well-formed object, and only then.
        let declarations = declarations?;
        let parsed: Vec<(Value, Option<Span>)> = match parsed {
            Some(parsed) if parsed.len() == declarations.len() => {
                parsed.into_iter().collect::<Option<_>>()?
            }
            _ => declarations
                .par_iter()
                .map(|(_, start)| declaration(text, *start))
                .collect::<Option<_>>()?,
        };
        let mut later = foldhash::HashMap::default();
        let mut resources = Map::with_capacity(declarations.len());
        for ((id, _), (declaration, properties)) in declarations.iter().zip(parsed) {
            // A repeated logical id: the last declaration counts, as when parsed whole.
            match properties {
                Some(span) => later.insert(id.clone(), span),
                None => later.remove(id),
            };
            resources.insert(id.clone(), declaration);
        }
        let mut root = Map::with_capacity(members.len());
        let mut resources = Some(Value::Object(resources));
        for (key, start) in members {
            let value = match key.as_str() {
                "Resources" => resources.take()?,
                _ => first_value(text, *start).ok()?,
            };
            root.insert(key.clone(), value);
        }
        let root = Value::Object(root);
        is_template(&root).then_some(JsonTemplate {
            root,
            later,
            declarations,
        })
    }

    /// A template parsed whole (the way every other JSON file is).
    pub fn whole(text: &str, root: Value) -> JsonTemplate {
        let bytes = text.as_bytes();
        let at = locate(bytes, 0, &[Step::Key("Resources".into())]);
        JsonTemplate {
            root,
            later: foldhash::HashMap::default(),
            declarations: at
                .and_then(|span| object_members(bytes, span.start))
                .unwrap_or_default(),
        }
    }
}

/// Resource declarations as [`declaration`] parses them, in order.
pub(in crate::sources) type Declarations = Vec<Option<(Value, Option<Span>)>>;

/// [`crate::location::scan_root`] of a file's root (a snapshot's task definitions, a template's
/// resources), and, for a large text that may be a template, its resource declarations parsed
/// on the other cores while the scan goes on: a large template's scan is a stretch on one core.
pub(in crate::sources) fn scan_root(
    text: &str,
    may_be_template: bool,
) -> (Option<crate::location::RootScan>, Option<Declarations>) {
    // Below this a scan is over before a batch of declarations would have been handed out.
    const OVERLAPPED_FROM: usize = 4 << 20;
    const BATCH: usize = 64;
    let (bytes, array, object) = (text.as_bytes(), "taskDefinitions", "Resources");
    if !may_be_template || text.len() < OVERLAPPED_FROM {
        return (crate::location::scan_root(bytes, array, object), None);
    }
    let batches: Mutex<Vec<(usize, Declarations)>> = Mutex::default();
    let parse = |first: usize, starts: &[usize]| {
        let parsed = starts
            .iter()
            .map(|start| declaration(text, *start))
            .collect();
        let mut batches = batches.lock().unwrap_or_else(|e| e.into_inner());
        batches.push((first, parsed));
    };
    let scan = rayon::scope(|scope| {
        let parse = &parse;
        let (mut batch, mut first) = (Vec::with_capacity(BATCH), 0);
        let scan = {
            let mut seen = |start: usize| {
                batch.push(start);
                if batch.len() == BATCH {
                    let starts = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    scope.spawn(move |_| parse(first, &starts));
                    first += BATCH;
                }
            };
            crate::location::scan_root_seeing(bytes, array, object, &mut seen)
        };
        parse(first, &batch);
        scan
    });
    let mut batches = batches.into_inner().unwrap_or_else(|e| e.into_inner());
    batches.sort_unstable_by_key(|(first, _)| *first);
    let parsed = batches.into_iter().flat_map(|(_, parsed)| parsed).collect();
    (scan, Some(parsed))
}

/// The resource declaration at `start`: parsed, except the `Properties` of a type that is
/// translated, which are left, unread, to its translation (which parses them strictly and
/// reports their errors), and where they are instead.
fn declaration(text: &str, start: usize) -> Option<(Value, Option<Span>)> {
    let members = object_member_spans(text.as_bytes(), start)?;
    let cfn_type = members.iter().rev().find(|(key, _)| key == "Type");
    let translated = cfn_type.is_some_and(|(_, at)| {
        serde_json::from_str::<String>(value_text(text, *at))
            .is_ok_and(|t| TYPES.iter().any(|(name, _)| *name == t))
    });
    let mut declaration = Map::with_capacity(members.len());
    let mut properties = None;
    for (key, at) in members {
        if translated && key == "Properties" {
            properties = Some(at);
            continue;
        }
        declaration.insert(key, serde_json::from_str(value_text(text, at)).ok()?);
    }
    Some((Value::Object(declaration), properties))
}

/// The text of a value, as the scan of its object found it: parsed alone, it must be that one
/// value, as it would be inside the whole document.
fn value_text(text: &str, span: Span) -> &str {
    text.get(span.start..span.end).unwrap_or_default()
}

/// Reads a JSON template: its ECS resources, each translated with its own span tree.
pub(in crate::sources) fn read_json(
    index: usize,
    stem: &str,
    file: SourceFile,
    template: JsonTemplate,
    given: super::Given<'_>,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    let failed: Mutex<Option<(usize, serde_json::Error)>> = Mutex::new(None);
    let held = file.text();
    let (resources, offered) = {
        let text = held.as_str();
        let bytes = text.as_bytes();
        // The span trees of the resources other passes read (policies, the network), built
        // when first looked up. The last of a repeated logical id counts, as in the document.
        let trees: foldhash::HashMap<&str, (usize, OnceLock<Option<SpanTree>>)> = template
            .declarations
            .iter()
            .map(|(id, start)| (id.as_str(), (*start, OnceLock::new())))
            .collect();
        let last = LastPath::new();
        let span_at = |base: &[Step], rest: &[Step]| {
            let tree = in_resource(base).and_then(|(resource, _)| {
                let (start, tree) = trees.get(resource)?;
                tree.get_or_init(|| SpanTree::build(bytes, *start)).as_ref()
            });
            span_in(bytes, tree, &last, base, rest)
        };
        // A translated resource's properties and span tree: made by the core that translates
        // it, and dropped when it is done.
        let own = |logical_id: &str| {
            let Some(&span) = template.later.get(logical_id) else {
                return Own::default();
            };
            let start = span.start;
            let declared = trees.get(logical_id).map(|(start, _)| *start);
            // The declaration read once for both; text it declines is parsed by serde_json.
            let read = declared.and_then(|at| SpanTree::parse(text, at)).and_then(
                |(mut declaration, tree, _)| {
                    let properties = declaration.as_object_mut()?.remove("Properties")?;
                    Some((properties, Some(tree)))
                },
            );
            let (properties, tree) = match read {
                Some(read) => read,
                None => match serde_json::from_str::<Value>(value_text(text, span)) {
                    Ok(properties) => (
                        properties,
                        declared.and_then(|at| SpanTree::build(bytes, at)),
                    ),
                    Err(error) => {
                        // The first in the file, whichever core met it first.
                        let mut failed = failed.lock().unwrap_or_else(|e| e.into_inner());
                        if failed.as_ref().is_none_or(|(at, _)| start < *at) {
                            *failed = Some((start, error));
                        }
                        return Own::default();
                    }
                },
            };
            let tree = tree.map(Arc::new);
            let kept = tree.clone();
            let stepper = tree
                .clone()
                .map(|tree| Box::new(JsonStepper { bytes, tree }) as Box<dyn Stepper>);
            let last = LastPath::new();
            let span_at = move |base: &[Step], rest: &[Step]| {
                span_in(bytes, tree.as_deref(), &last, base, rest)
            };
            Own {
                properties: Some(properties),
                span_at: Some(Box::new(span_at)),
                stepper,
                declaration: kept.map(|tree| (text, tree)),
            }
        };
        let stack = stack_name(stem);
        // The file's line index is made meanwhile, on a core the translation leaves idle at
        // its end: every finding's line and column needs it, and made when the first is placed
        // it held up every core.
        rayon::join(
            || resources(index, stack, &template.root, given, &span_at, &own),
            || file.line_index(),
        )
        .0
    };
    // Reported as a parse of the whole file reports it (its first error, in its words), which
    // is what a template whose other parts do not parse gets; else as its translation met it.
    if let Some((start, error)) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let whole = serde_json::from_str::<Value>(&held).err();
        let (start, error) = whole.map_or((start, error), |whole| (0, whole));
        let offset = start + offset_of(&held[start..], error.line(), error.column());
        let reason = crate::sources::json_reason(&error);
        drop(held);
        let (path, text) = file.into_path_and_text();
        return Err(Rejection::Broken(error_at(path, text, offset, reason)));
    }
    let mut file = file;
    offered.give(&mut file);
    finish(file, resources, &template.root)
}

/// Where `base` then `rest` was written: found in `tree` (the tree of the resource `base` is
/// under) from where `last` ended, else by scanning the text; a member from its key.
fn span_in(
    bytes: &[u8],
    tree: Option<&SpanTree>,
    last: &LastPath,
    base: &[Step],
    rest: &[Step],
) -> Option<Span> {
    let tree = tree.and_then(|tree| Some((tree, in_resource(base)?.1)));
    let span = match tree {
        Some((tree, base_rest)) => {
            let start = || tree.descend(bytes, 0, base_rest);
            let child = |node, step: &Step| tree.descend(bytes, node, std::slice::from_ref(step));
            tree.find_from(bytes, last.node(base, rest, start, child)?, &[])
        }
        // Outside a resource, or one too deep to index: scanned.
        None => locate(bytes, 0, &[base, rest].concat()),
    }?;
    // A member is shown from its key, as YAML shows `Key: value`.
    Some(match rest.last().or(base.last()) {
        Some(Step::Key(_)) => member_span(bytes, span),
        _ => span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template large enough for its declarations to be parsed while its root is scanned
    /// (in batches, on any core): each one as parsed alone, in the order declared.
    #[test]
    fn declarations_parsed_during_the_scan_are_those_declared_in_order() {
        let declaration = |i: usize| {
            let kind = ["AWS::ECS::TaskDefinition", "AWS::SQS::Queue"][i % 2];
            let padding = "x".repeat(1_500);
            format!(
                r#""R{i}": {{"Type": "{kind}", "Metadata": {{"n": {i}, "p": "{padding}"}}, "Properties": {{"Family": "f{i}"}}}}"#
            )
        };
        let resources: Vec<String> = (0..3_001).map(declaration).collect();
        let text = format!(
            "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {{{}}}}}",
            resources.join(",\n")
        );
        assert!(text.len() > 4 << 20);
        let (scan, parsed) = scan_root(&text, true);
        let (scan, parsed) = (scan.unwrap(), parsed.unwrap());
        let members = scan.object_members.unwrap();
        assert_eq!(parsed.len(), 3_001);
        for ((key, start), parsed) in members.iter().zip(&parsed) {
            assert_eq!(parsed, &super::declaration(&text, *start), "{key}");
        }
        let (n, properties) = parsed[3_000].clone().unwrap();
        assert_eq!(n["Metadata"]["n"], 3_000);
        assert!(
            properties.is_some(),
            "a translated type's properties are left as text"
        );
        // Smaller, or not possibly a template: scanned only.
        assert!(scan_root(&text, false).1.is_none());
        assert!(scan_root(&text[..1_000], true).1.is_none());
    }
}
