//! Sources: turn files (or stdin) into an [`Estate`]. This is the only part that reads input
//! files; everything after it works on the model.

#[cfg(feature = "live")]
pub mod live;

pub mod shape;
pub mod snapshot;

use crate::location::{self, locate};
mod discover;

pub use crate::model::input::{InputError, Skipped};
use crate::model::{Estate, Resource, SourceFile};
pub use discover::{Discovered, Input, discover};
use rayon::prelude::*;
use shape::InputKind;
use std::path::{Path, PathBuf};

/// How inputs are found and read.
#[derive(Debug, Clone)]
pub struct InputOptions {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub input_kind: InputKind,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            include: vec!["*.json".into()],
            exclude: Vec::new(),
            input_kind: InputKind::Auto,
        }
    }
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Loaded {
    pub estate: Estate,
    pub errors: Vec<InputError>,
    pub skipped: Vec<Skipped>,
}

/// Reads and parses files the user named (in parallel) into one estate. A file that fails
/// yields an [`InputError`]; the others are still loaded.
pub fn load(files: &[PathBuf], options: &InputOptions) -> (Estate, Vec<InputError>) {
    let discovered = Discovered {
        roots: files.iter().map(|path| display_path(path)).collect(),
        inputs: files
            .iter()
            .map(|path| Input {
                path: path.clone(),
                named: true,
            })
            .collect(),
        ..Discovered::default()
    };
    let loaded = load_discovered(discovered, options);
    (loaded.estate, loaded.errors)
}

/// Reads and parses what discovery found (in parallel) into one estate.
///
/// The policy for a file found by walking a folder (a named file must be a document we read):
/// - a JSON document of a known shape is linted;
/// - one of our shapes, broken (`containerDefinitions` that is not an array) is an input error;
/// - valid JSON of no known shape (package.json, tsconfig.json, renovate.json) is skipped;
/// - text that is not JSON is an input error when it names an ECS member
///   (`"containerDefinitions"`, `"serviceName"`...) or when its folder holds documents that were
///   read, and is skipped otherwise (JSON with comments such as tsconfig.json, editor settings).
///
/// A run that reads no document at all is an input error that says what was seen.
pub fn load_discovered(discovered: Discovered, options: &InputOptions) -> Loaded {
    let outcomes: Vec<Result<(SourceFile, Vec<Resource>), Rejection>> = discovered
        .inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| load_one(index, &input.path, options.input_kind))
        .collect();
    let read_folders: std::collections::HashSet<&Path> = discovered
        .inputs
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .filter_map(|(input, _)| input.path.parent())
        .collect();
    let mut loaded = Loaded {
        errors: discovered.errors.clone(),
        ..Loaded::default()
    };
    let mut skip = |error: InputError| {
        loaded.skipped.push(Skipped {
            path: error.path,
            reason: error.reason,
        })
    };
    let mut errors = Vec::new();
    for (input, outcome) in discovered.inputs.iter().zip(outcomes) {
        let rejection = match outcome {
            Ok((mut file, mut resources)) => {
                if input.path.as_os_str() != "-" {
                    file.source = Some(input.path.clone());
                }
                let index = loaded.estate.files.len();
                for resource in &mut resources {
                    resource.origin.file = index;
                }
                loaded.estate.files.push(file);
                loaded.estate.resources.extend(resources);
                continue;
            }
            Err(rejection) => rejection,
        };
        match rejection {
            Rejection::Broken(error) => errors.push(error),
            rejection if input.named => errors.push(rejection.into_error()),
            Rejection::Unrecognized(error) => skip(error),
            Rejection::NotJson {
                error,
                names_ecs_member,
            } => {
                let beside_documents = input
                    .path
                    .parent()
                    .is_some_and(|folder| read_folders.contains(folder));
                if names_ecs_member || beside_documents {
                    errors.push(error);
                } else {
                    skip(error);
                }
            }
        }
    }
    loaded.errors.extend(errors);
    if loaded.estate.files.is_empty() && loaded.errors.is_empty() {
        loaded
            .errors
            .push(nothing_read(&discovered, &loaded.skipped));
    }
    loaded
}

/// The error of a run that found no document: what it saw instead.
fn nothing_read(discovered: &Discovered, skipped: &[Skipped]) -> InputError {
    let mut seen = Vec::new();
    if !skipped.is_empty() {
        seen.push(format!(
            "{} JSON file{} of no ECS, IAM or EC2 shape skipped (--verbose lists them)",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" }
        ));
    }
    let mut not_read: Vec<(&String, &usize)> = discovered.not_read.iter().collect();
    not_read.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    const SHOWN: usize = 4;
    let mut parts: Vec<String> = not_read
        .iter()
        .take(SHOWN)
        .map(|(extension, count)| format!("{count} {extension}"))
        .collect();
    if not_read.len() > SHOWN {
        let rest: usize = not_read[SHOWN..].iter().map(|(_, count)| **count).sum();
        parts.push(format!("{rest} other"));
    }
    if !parts.is_empty() {
        let last = parts.pop().unwrap_or_default();
        let list = if parts.is_empty() {
            last
        } else {
            format!("{} and {last}", parts.join(", "))
        };
        let total: usize = discovered.not_read.values().sum();
        let (files, are) = if total == 1 {
            ("file", "is")
        } else {
            ("files", "are")
        };
        seen.push(format!(
            "{list} {files} {are} not read (ecslint reads JSON; --include selects files)"
        ));
    }
    let roots = if discovered.roots.is_empty() {
        "the input".to_string()
    } else {
        discovered.roots.join(", ")
    };
    InputError {
        path: roots,
        location: None,
        offset: None,
        reason: if seen.is_empty() {
            "no ECS, IAM or EC2 document found: no file matched".to_string()
        } else {
            format!("no ECS, IAM or EC2 document found: {}", seen.join("; "))
        },
        text: None,
    }
}

/// Why a file was not read, in the terms of the discovery policy.
enum Rejection {
    /// Not JSON (or not UTF-8). `names_ecs_member`: its text names a member only our shapes
    /// have, so it is one of them, broken.
    NotJson {
        error: InputError,
        names_ecs_member: bool,
    },
    /// Valid JSON of no known shape.
    Unrecognized(InputError),
    /// One of our shapes, broken.
    Broken(InputError),
}

impl Rejection {
    /// The error for a file that had to be read (named by the user, or broken).
    fn into_error(self) -> InputError {
        match self {
            Rejection::Unrecognized(mut error) => {
                error.reason.push_str(
                    "; see `ecslint check --help` for the accepted shapes \
                     or force one with --input-kind",
                );
                error
            }
            Rejection::NotJson { error, .. } | Rejection::Broken(error) => error,
        }
    }
}

/// Members only ECS, IAM and EC2 documents (and ecslint's snapshots) have, quoted as JSON keys.
const ECS_MEMBERS: &[&str] = &[
    "\"containerDefinitions\"",
    // taskDefinition, taskDefinitions, taskDefinitionArn
    "\"taskDefinition",
    "\"serviceName\"",
    "\"clusterName\"",
    "\"capacityProviderStrategy\"",
    "\"RoleDetailList\"",
    "\"ecslintSnapshot\"",
];

fn names_ecs_member(bytes: &[u8]) -> bool {
    ECS_MEMBERS
        .iter()
        .any(|member| memchr::memmem::find(bytes, member.as_bytes()).is_some())
}

/// Loads documents given as text (used for stdin and by tests).
/// Reads in-memory documents (display name, text) into one estate, as files are read: for
/// tests and fuzz targets. Unlike walked files, every text must be a document (as if named).
pub fn load_texts(texts: Vec<(String, String)>, kind: InputKind) -> Loaded {
    let mut loaded = Loaded::default();
    for (name, text) in texts {
        match load_text(&name, text, kind) {
            Ok((file, mut resources)) => {
                let index = loaded.estate.files.len();
                for resource in &mut resources {
                    resource.origin.file = index;
                }
                loaded.estate.files.push(file);
                loaded.estate.resources.extend(resources);
            }
            Err(error) => loaded.errors.push(error),
        }
    }
    loaded
}

pub fn load_text(
    display_path: &str,
    text: String,
    kind: InputKind,
) -> Result<(SourceFile, Vec<Resource>), InputError> {
    parse_file(0, display_path.to_string(), text, kind).map_err(Rejection::into_error)
}

fn display_path(path: &Path) -> String {
    let shown = path.strip_prefix("./").unwrap_or(path);
    // `.` itself strips to nothing: the working folder is still `.` to a person.
    if shown.as_os_str().is_empty() {
        return ".".into();
    }
    shown.to_string_lossy().replace('\\', "/")
}

fn load_one(
    index: usize,
    path: &Path,
    kind: InputKind,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    let shown = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        display_path(path)
    };
    let bytes = if path.as_os_str() == "-" {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer).map(|_| buffer)
    } else {
        std::fs::read(path)
    }
    .map_err(|e| {
        Rejection::Broken(InputError {
            path: shown.clone(),
            location: None,
            offset: None,
            reason: format!("cannot read: {e}"),
            text: None,
        })
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
            let at = location::LineIndex::new(valid.as_bytes()).line_col(valid.as_bytes(), offset);
            return Err(Rejection::NotJson {
                names_ecs_member: names_ecs_member(e.as_bytes()),
                error: InputError {
                    path: shown,
                    location: Some(at),
                    offset: None,
                    reason: "not UTF-8 text (a binary file?)".into(),
                    text: None,
                },
            });
        }
    };
    parse_file(index, shown, text, kind)
}

fn parse_file(
    index: usize,
    shown: String,
    mut text: String,
    kind: InputKind,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
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
    // The root object's members, found once by scanning (large files are read several ways),
    // and where a snapshot's task definitions start, found in the same pass.
    let (members, task_definition_starts) =
        match location::top_level_members_with_elements(text.as_bytes(), "taskDefinitions") {
            Some((members, starts)) => (Some(members), starts),
            None => (None, None),
        };
    // A file that is one task definition is checked without building its document.
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
        return match shape::split_task_definition_file(index, &stem, &text, layout) {
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
    let bytes = text.as_bytes();
    if !members.iter().any(|(key, _)| key == skip) {
        return None;
    }
    let mut object = serde_json::Map::new();
    for (key, start) in members {
        if key == skip {
            object.insert(key.clone(), serde_json::Value::Array(Vec::new()));
            continue;
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes[*start..]);
        let value =
            <serde_json::Value as serde::Deserialize>::deserialize(&mut deserializer).ok()?;
        object.insert(key.clone(), value);
    }
    Some((serde_json::Value::Object(object), true))
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

fn error_at(path: String, text: String, offset: usize, reason: String) -> InputError {
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
