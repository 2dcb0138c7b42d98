//! YAML templates, parsed for speed: each top-level member and each resource declaration on its
//! own core (`yaml::cut`), and the `Properties` of the resources translated one by one handed to
//! their translation, which drops them. A template the cut cannot take is parsed whole.

use super::super::Rejection;
use super::super::yaml::{self, SpannedYaml, YamlSpans};
use super::files::{LastPath, finish, in_resource, stack_name};
use super::walk::YamlStepper;
use super::{Given, Own, TYPES, is_template, resources};
use crate::location::{Span, Step};
use crate::model::{Resource, SourceFile};
use serde_json::{Map, Value};
use std::sync::Mutex;

/// A YAML template parsed in parts: the document, without the `Properties` of the resources
/// that are translated (kept apart for their translation), and where each part's nodes were
/// written.
pub(in crate::sources) struct YamlTemplate {
    root: Value,
    /// The spans of each top-level member other than `Resources`, by key.
    members: foldhash::HashMap<String, YamlSpans>,
    /// The spans of each resource declaration not translated apart, by logical id (its tree's
    /// root holds the id).
    declarations: foldhash::HashMap<String, YamlSpans>,
    /// The properties and spans of each translated resource, taken by its translation.
    later: foldhash::HashMap<String, Mutex<Option<(Value, YamlSpans)>>>,
}

/// A part parsed: its single member's key, value and spans.
fn member(text: &str, range: std::ops::Range<usize>) -> Option<(String, Value, YamlSpans)> {
    let SpannedYaml { value, spans } = yaml::parse_part(text, range).ok()?;
    let Value::Object(map) = value else {
        return None;
    };
    let mut members = map.into_iter();
    match (members.next(), members.next()) {
        (Some((key, value)), None) => Some((key, value, spans)),
        _ => None,
    }
}

impl YamlTemplate {
    /// The template in `text` parsed in parts; `None` when it cannot be cut or a part does not
    /// parse as one member: the caller then parses it whole.
    pub fn parse(text: &str) -> Option<YamlTemplate> {
        use rayon::prelude::*;
        let chunks = yaml::cut(text)?;
        let members: Vec<(String, Value, YamlSpans)> = chunks
            .root
            .par_iter()
            .map(|range| member(text, range.clone()))
            .collect::<Option<_>>()?;
        let declared: Vec<(String, Value, YamlSpans)> = chunks
            .resources
            .par_iter()
            .map(|range| member(text, range.clone()))
            .collect::<Option<_>>()?;
        let mut later = foldhash::HashMap::default();
        let mut declarations = foldhash::HashMap::default();
        let mut resources = Map::with_capacity(declared.len());
        for (id, mut declaration, spans) in declared {
            let translated = declaration
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| TYPES.iter().any(|(name, _)| *name == t));
            // A repeated logical id: the last declaration counts, as when parsed whole.
            let properties = match (translated, declaration.as_object_mut()) {
                (true, Some(map)) => map.remove("Properties"),
                _ => None,
            };
            match properties {
                Some(properties) => {
                    later.insert(id.clone(), Mutex::new(Some((properties, spans))));
                    declarations.remove(&id);
                }
                None => {
                    later.remove(&id);
                    declarations.insert(id.clone(), spans);
                }
            }
            resources.insert(id, declaration);
        }
        let mut root = Map::with_capacity(members.len() + 1);
        let mut spans = foldhash::HashMap::default();
        for (key, value, tree) in members {
            root.insert(key.clone(), value);
            spans.insert(key, tree);
        }
        root.insert("Resources".into(), Value::Object(resources));
        let root = Value::Object(root);
        is_template(&root).then_some(YamlTemplate {
            root,
            members: spans,
            declarations,
            later,
        })
    }
}

/// Reads a YAML template parsed in parts.
pub(in crate::sources) fn read_yaml_parts(
    index: usize,
    stem: &str,
    file: SourceFile,
    template: YamlTemplate,
    given: Given<'_>,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    let last = LastPath::new();
    let span_at = |base: &[Step], rest: &[Step]| -> Option<Span> {
        match in_resource(base) {
            Some((id, _)) => in_declaration(template.declarations.get(id)?, &last, base, rest),
            None => {
                let path = [base, rest].concat();
                let Some(Step::Key(top)) = path.first() else {
                    return None;
                };
                template.members.get(top)?.get(&path)
            }
        }
    };
    // A translated resource's properties and spans, taken by its translation and dropped
    // with it, so the memory they held serves the next translations.
    let own = |logical_id: &str| {
        let taken = template
            .later
            .get(logical_id)
            .and_then(|slot| slot.lock().unwrap_or_else(|e| e.into_inner()).take());
        let Some((properties, spans)) = taken else {
            return Own::default();
        };
        let spans = std::sync::Arc::new(spans);
        let stepper = YamlStepper {
            spans: spans.clone(),
            logical_id: logical_id.to_string(),
        };
        let last = LastPath::new();
        let span_at = move |base: &[Step], rest: &[Step]| in_declaration(&spans, &last, base, rest);
        Own {
            properties: Some(properties),
            span_at: Some(Box::new(span_at)),
            stepper: Some(Box::new(stepper)),
            declaration: None,
        }
    };
    let (resources, offered) = resources(
        index,
        stack_name(stem),
        &template.root,
        given,
        &span_at,
        &own,
    );
    let mut file = file;
    offered.give(&mut file);
    finish(file, resources, &template.root)
}

/// Where `base` (a path under `Resources.<id>`) then `rest` was written, in the spans of that
/// declaration, from where `last` ended.
fn in_declaration(
    spans: &YamlSpans,
    last: &LastPath,
    base: &[Step],
    rest: &[Step],
) -> Option<Span> {
    let (_, base_rest) = in_resource(base)?;
    let start = || spans.descend(spans.cursor(&base[1..2])?, base_rest);
    let child = |cursor, step: &Step| spans.descend(cursor, std::slice::from_ref(step));
    spans.get_from(last.node(base, rest, start, child)?, &[])
}
