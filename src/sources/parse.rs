//! Parsing one file's text: BOM and UTF-8 checks, JSON with exact error places, a snapshot's
//! collection errors, and the split into resources (deferred task definitions read by their head).

use super::shape::{self, InputKind};
use super::{InputOptions, Rejection, names_ecs_member, template, terraform};
use crate::location::{self, locate};
use crate::model::input::InputError;
use crate::model::{Resource, SourceFile};
use std::path::Path;

pub(super) fn parse_file(
    index: usize,
    shown: String,
    mut text: String,
    options: &InputOptions,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    let kind = options.input_kind;
    // serde_json rejects a byte-order mark; editors on Windows add one.
    let had_bom = text.starts_with('\u{feff}');
    if had_bom {
        text.drain(..'\u{feff}'.len_utf8());
    }
    let stem = Path::new(&shown)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    let finish = |result: Result<Vec<Resource>, shape::ShapeError>,
                  text: String,
                  shown: String,
                  collection_errors: Vec<String>,
                  account: Option<String>| {
        match result {
            Ok(resources) => {
                let mut file = SourceFile::new(shown, text);
                file.had_bom = had_bom;
                file.collection_errors = collection_errors;
                file.account = account;
                Ok((file, resources))
            }
            Err(error) => {
                let offset = error.offset.unwrap_or_else(|| {
                    locate(text.as_bytes(), 0, &error.path).map_or(0, |s| s.start)
                });
                let input_error = error_at(shown, text, offset, error.reason);
                Err(if error.unrecognized {
                    Rejection::Unrecognized(input_error)
                } else {
                    Rejection::Broken(input_error)
                })
            }
        }
    };
    if kind == InputKind::Auto && is_yaml(&shown, &text) {
        let file = SourceFile::new(shown, text);
        return template::read_yaml(index, &stem, file, options.given()).map(|(mut file, r)| {
            file.had_bom = had_bom;
            (file, r)
        });
    }
    // A file that is one task definition is checked without building its document, in one pass
    // that also finds its members when the quick check is sure of the file.
    let task_definition_file = |result, text: String, shown: String| match result {
        Ok(resources) => finish(Ok(resources), text, shown, Vec::new(), None),
        Err(shape::TaskDefinitionFileError::Shape(error)) => {
            finish(Err(error), text, shown, Vec::new(), None)
        }
        Err(shape::TaskDefinitionFileError::Json(e)) => {
            let offset = offset_of(&text, e.line(), e.column());
            Err(Rejection::Broken(error_at(
                shown,
                text,
                offset,
                json_reason(&e),
            )))
        }
    };
    // A task definition file is a few kilobytes. Above a mebibyte it is surely something else
    // (a template, a snapshot), which would pay for a pass it does not use; one that is a task
    // definition after all takes the path below, as correct, only slower.
    if kind == InputKind::Auto && text.len() <= 1 << 20 {
        let checked = shape::quick_members(&text).and_then(|members| {
            let layout = shape::task_definition_layout(&text, Some(&members))?;
            Some(shape::split_task_definition_file(
                index,
                &stem,
                &text,
                layout,
                Some(&members),
            ))
        });
        if let Some(result) = checked {
            return task_definition_file(result, text, shown);
        }
    }
    // The root object's members, found once by scanning (large files are read several ways),
    // and where a snapshot's task definitions and a template's resources start, found in the
    // same pass.
    let (scan, parsed) = template::scan_root(&text, kind == InputKind::Auto);
    let (members, task_definition_starts, declarations) = match scan {
        Some(scan) => (Some(scan.members), scan.elements, scan.object_members),
        None => (None, None, None),
    };
    if kind == InputKind::Auto
        && let Some(layout) = shape::task_definition_layout(&text, members.as_deref())
    {
        if layout.wrapped
            && let Err(e) = serde_json::from_str::<shape::Checked>(&text)
        {
            let offset = offset_of(&text, e.line(), e.column());
            return Err(Rejection::Broken(error_at(
                shown,
                text,
                offset,
                json_reason(&e),
            )));
        }
        let result = shape::split_task_definition_file(index, &stem, &text, layout, None);
        return task_definition_file(result, text, shown);
    }
    // A template: each resource on its own (see `template::JsonTemplate`).
    if kind == InputKind::Auto
        && let Some(members) = members.as_deref()
        && members.iter().any(|(key, _)| key == "Resources")
        && let Some(template) = template::JsonTemplate::parse(&text, members, declarations, parsed)
    {
        let mut file = SourceFile::new(shown, text);
        file.had_bom = had_bom;
        return template::read_json(index, &stem, file, template, options.given());
    }
    // Any other file: parsed whole, except a `taskDefinitions` array, whose elements are
    // deferred like single task definitions.
    let parsed = members
        .as_deref()
        .and_then(|members| parse_members_without(&text, members, "taskDefinitions"))
        .map_or_else(|| parse_root_without(&text, "taskDefinitions"), Ok);
    let (root, skipped) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let offset = offset_of(&text, e.line(), e.column());
            return Err(Rejection::NotJson {
                names_ecs_member: names_ecs_member(text.as_bytes()),
                error: error_at(shown, text, offset, json_reason(&e)),
            });
        }
    };
    if kind == InputKind::Auto && !skipped && template::is_template(&root) {
        let template = template::JsonTemplate::whole(&text, root);
        let mut file = SourceFile::new(shown, text);
        file.had_bom = had_bom;
        return template::read_json(index, &stem, file, template, options.given());
    }
    // `terraform show -json` output: a plan or a state.
    if kind == InputKind::Auto && !skipped && terraform::is_plan(&root) {
        let folder = Path::new(&shown)
            .parent()
            .map(|p| p.to_string_lossy().replace('\\', "/"));
        let prefix = match folder.as_deref() {
            None | Some("") | Some(".") => String::new(),
            Some(folder) => format!("{folder}/"),
        };
        let resources = terraform::read_plan(index, &text, root, &prefix);
        if resources.is_empty() {
            let reason = "a Terraform plan with no ECS, IAM or EC2 resource ecslint reads".into();
            return Err(Rejection::Unrecognized(error_at(shown, text, 0, reason)));
        }
        let mut file = SourceFile::new(shown, text);
        file.had_bom = had_bom;
        file.terraform_plan = true;
        return Ok((file, resources));
    }
    let collection_errors = snapshot_errors(&root);
    let account = root
        .pointer("/ecslintSnapshot/account")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    let mut result = shape::split(index, &stem, &text, root, kind, members.as_deref());
    if skipped && let Ok(resources) = &mut result {
        match shape::deferred_task_definitions(
            index,
            &stem,
            &text,
            task_definition_starts.as_deref(),
        ) {
            Ok(deferred) => {
                // Keep the file's order: the task definitions first, as they are written first
                // in a snapshot.
                let others = std::mem::take(resources);
                *resources = deferred;
                resources.extend(others);
            }
            Err(error) => result = Err(error),
        }
    }
    finish(result, text, shown, collection_errors, account)
}

/// Whether a file is YAML: by its extension, and a `.template` by its first character (the
/// CloudFormation console writes JSON and YAML templates under that one extension).
pub(super) fn is_yaml(shown: &str, text: &str) -> bool {
    let extension = Path::new(shown)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("yaml" | "yml") => true,
        Some("template") => !text.trim_start().starts_with(['{', '[']),
        _ => false,
    }
}

/// What the live scan that wrote a snapshot could not read (`ecslintSnapshot.collectionErrors`).
fn snapshot_errors(root: &serde_json::Value) -> Vec<String> {
    let errors = root
        .pointer("/ecslintSnapshot/collectionErrors")
        .and_then(serde_json::Value::as_array);
    errors
        .into_iter()
        .flatten()
        .map(|e| {
            let field = |k: &str| e.get(k).and_then(serde_json::Value::as_str).unwrap_or("?");
            format!(
                "{} failed ({}); not read: {}",
                field("call"),
                field("error"),
                field("unread")
            )
        })
        .collect()
}

/// The fast path of [`parse_root_without`] for a large snapshot: the members of the root object
/// are found by scanning and parsed one by one, and `skip` is not read at all (its elements are
/// checked when their heads are read). `None` when the file is not an object with `skip`, or
/// anything is off: the exact path then reports the error.
fn parse_members_without(
    text: &str,
    members: &[(String, usize)],
    skip: &str,
) -> Option<(serde_json::Value, bool)> {
    if !members.iter().any(|(key, _)| key == skip) {
        return None;
    }
    let mut object = serde_json::Map::new();
    for (key, start) in members {
        if key == skip {
            object.insert(key.clone(), serde_json::Value::Array(Vec::new()));
            continue;
        }
        object.insert(key.clone(), first_value(text, *start).ok()?);
    }
    Some((serde_json::Value::Object(object), true))
}

/// The JSON value that starts at `start` of `text` (what follows it is not read).
pub(super) fn first_value(
    text: &str,
    start: usize,
) -> Result<serde_json::Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(&text[start..]);
    serde::Deserialize::deserialize(&mut deserializer)
}

/// Parses a JSON text into a Value, except the member `skip` of a root object, which is only
/// checked for syntax. Returns whether it was there.
fn parse_root_without(
    text: &str,
    skip: &'static str,
) -> Result<(serde_json::Value, bool), serde_json::Error> {
    use serde::de::{DeserializeSeed, MapAccess, Visitor};
    use serde_json::Value;

    struct Root(&'static str);
    impl<'de> Visitor<'de> for Root {
        type Value = (Value, bool);
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON document")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut object = serde_json::Map::new();
            let mut skipped = false;
            while let Some(key) = map.next_key::<String>()? {
                if key == self.0 {
                    // Checked, not skipped: its elements are parsed again when evaluated.
                    map.next_value::<shape::Checked>()?;
                    // Left as an empty array so the shape is still recognized.
                    object.insert(key, Value::Array(Vec::new()));
                    skipped = true;
                } else {
                    object.insert(key, map.next_value::<Value>()?);
                }
            }
            Ok((Value::Object(object), skipped))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let value =
                serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
            Ok((value, false))
        }
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok((Value::Bool(v), false))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok((Value::from(v), false))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok((Value::from(v), false))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok((Value::from(v), false))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok((Value::from(v), false))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok((Value::Null, false))
        }
    }
    impl<'de> DeserializeSeed<'de> for Root {
        type Value = (Value, bool);
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = Root(skip).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(parsed)
}

pub(super) fn error_at(path: String, text: String, offset: usize, reason: String) -> InputError {
    let at = location::LineIndex::new(text.as_bytes()).line_col(text.as_bytes(), offset);
    InputError {
        path,
        location: Some(at),
        offset: Some(offset),
        reason,
        text: Some(text),
    }
}

/// serde_json reports 1-based lines and 1-based byte columns; turn that into a byte offset.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text.as_bytes())
            .nth(line - 2)
            .map_or(text.len(), |i| i + 1)
    };
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

pub fn json_reason(error: &serde_json::Error) -> String {
    let message = error.to_string();
    // Drop serde_json's own " at line X column Y": we print our own location.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    match error.classify() {
        serde_json::error::Category::Eof => {
            format!("not valid JSON: the file ends early ({message})")
        }
        _ => format!("not valid JSON: {message}"),
    }
}
