//! Recognizes which AWS document a JSON file holds and splits it into resources.
//!
//! Every shape is a table row: a top-level key (or a test on the root) and the resource kind it
//! carries. A file may hold several collections at once (ecslint's own snapshot does).

mod detect;
mod head;

use head::TaskDefinitionHead;
pub(crate) use head::{Checked, quick_members};

use crate::location::{self, Step, locate};
use crate::model::{Origin, Resource, ResourceKind, str_field};
use serde_json::Value;

/// A shape that can be forced with `--input-kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputKind {
    /// Detect the shape from the document.
    Auto,
    /// register-task-definition input or an unwrapped task definition.
    TaskDefinition,
    /// A bare container-definition array (Terraform `container_definitions`).
    ContainerDefinitions,
    /// create-service input.
    Service,
}

/// Why a document could not be split into resources, and where.
#[derive(Debug)]
pub struct ShapeError {
    pub path: Vec<Step>,
    pub reason: String,
    /// A byte offset, when the problem is not at a node (e.g. a missing comma).
    pub offset: Option<usize>,
    /// The document is none of the shapes ecslint reads, as opposed to one of them, broken. A
    /// file found by walking a folder is then skipped; a file named by the user is an error.
    pub unrecognized: bool,
}

impl ShapeError {
    fn unrecognized(reason: String) -> ShapeError {
        ShapeError {
            path: Vec::new(),
            reason,
            offset: None,
            unrecognized: true,
        }
    }
}

/// Splits a parsed document into resources. `file` is the file's index in the estate.
/// `members`: the root object's members and where they start, when already known.
pub fn split(
    file: usize,
    file_stem: &str,
    text: &str,
    root: Value,
    forced: InputKind,
    members: Option<&[(String, usize)]>,
) -> Result<Vec<Resource>, ShapeError> {
    let bytes = text.as_bytes();
    let root_start = location::locate_start(bytes, 0, &[]).unwrap_or(0);
    let whole = |kind: ResourceKind, doc: Value, partial: bool| Resource {
        id: String::new(),
        name: String::new(),
        kind,
        doc,
        origin: Origin {
            file,
            base: Vec::new(),
            start: root_start,
            grafted: Vec::new(),
            map: None,
        },
        partial,
        deferred: false,
        ignore: Vec::new(),
    };
    let mut resources = match forced {
        InputKind::TaskDefinition => vec![whole(ResourceKind::TaskDefinition, root, false)],
        InputKind::Service => vec![whole(ResourceKind::Service, root, false)],
        InputKind::ContainerDefinitions => {
            let mut resource = whole(ResourceKind::TaskDefinition, wrap_containers(root)?, true);
            resource.origin.grafted =
                vec![(vec![Step::Key("containerDefinitions".into())], Vec::new())];
            vec![resource]
        }
        InputKind::Auto => detect::detect(file, bytes, root_start, root, &whole, members)?,
    };
    for resource in &mut resources {
        crate::model::strip_nulls(&mut resource.doc);
        let (id, name) = identity(resource.kind, &resource.doc, file_stem);
        resource.id = id;
        resource.name = name;
        resource.ignore = crate::model::ignore_tag(
            resource
                .doc
                .get("tags")
                .or_else(|| resource.doc.get("Tags")),
        );
    }
    Ok(resources)
}

/// Builds a deferred task definition resource from the document that starts at `origin.start`.
/// Only its head is built; the rest is checked as a full parse would, without being built.
/// `whole_file`: the document is the file; then parsing starts at byte 0 (so serde's error
/// positions are the file's) and nothing may follow it.
fn deferred_task_definition(
    file_stem: &str,
    text: &str,
    origin: Origin,
    whole_file: bool,
    head: Option<TaskDefinitionHead>,
) -> Result<Resource, serde_json::Error> {
    let head = match head
        .or_else(|| TaskDefinitionHead::read_quickly(text, origin.start, whole_file))
    {
        Some(head) => head,
        None => {
            let from = if whole_file { 0 } else { origin.start };
            let mut deserializer = serde_json::Deserializer::from_str(&text[from..]);
            let head = <TaskDefinitionHead as serde::Deserialize>::deserialize(&mut deserializer)?;
            if whole_file {
                deserializer.end()?;
            }
            head
        }
    };
    let mut identity_doc = serde_json::Map::new();
    for (key, value) in [
        ("family", head.family),
        ("revision", head.revision),
        ("taskDefinitionArn", head.arn),
    ] {
        if let Some(value) = value {
            identity_doc.insert(key.into(), value);
        }
    }
    let (id, name) = identity(
        ResourceKind::TaskDefinition,
        &Value::Object(identity_doc),
        file_stem,
    );
    Ok(Resource {
        kind: ResourceKind::TaskDefinition,
        id,
        name,
        doc: Value::Null,
        origin,
        partial: false,
        deferred: true,
        ignore: crate::model::ignore_tag(head.tags.as_ref()),
    })
}

/// Where the task definition of a one-task-definition file is.
pub struct TaskDefinitionLayout {
    base: Vec<Step>,
    start: usize,
    grafted: Vec<(Vec<Step>, Vec<Step>)>,
    /// Where `containerDefinitions` starts, to check it is an array.
    containers: Option<usize>,
    /// The file is the describe-task-definition wrapper, whose other members must be checked too.
    pub wrapped: bool,
}

/// Task definitions are kept out of memory until they are evaluated. This recognizes the files
/// that are one task definition (register input, the unwrapped or wrapped describe output) from
/// their top-level keys alone. `None`: not such a file, parse it whole.
pub fn task_definition_layout<K: AsRef<[u8]>>(
    text: &str,
    members: Option<&[(K, usize)]>,
) -> Option<TaskDefinitionLayout> {
    let bytes = text.as_bytes();
    let members = members?;
    let start_of = |key: &str| {
        members
            .iter()
            .find(|(k, _)| k.as_ref() == key.as_bytes())
            .map(|(_, start)| *start)
    };
    let has = |key: &str| start_of(key).is_some();
    if has("containerDefinitions") && !has("taskDefinitions") && !has("serviceName") {
        let start = text.len() - text.trim_start().len();
        return Some(TaskDefinitionLayout {
            base: Vec::new(),
            start,
            grafted: Vec::new(),
            containers: start_of("containerDefinitions"),
            wrapped: false,
        });
    }
    if has("taskDefinition")
        && members
            .iter()
            .all(|(k, _)| matches!(k.as_ref(), b"taskDefinition" | b"tags"))
    {
        let start = start_of("taskDefinition")?;
        if bytes.get(start) != Some(&b'{') {
            return None;
        }
        let grafted = if has("tags") {
            vec![(
                vec![Step::Key("tags".into())],
                vec![Step::Key("tags".into())],
            )]
        } else {
            Vec::new()
        };
        let base = vec![Step::Key("taskDefinition".into())];
        let mut containers_path = base.clone();
        containers_path.push(Step::Key("containerDefinitions".into()));
        let containers = locate(bytes, 0, &containers_path).map(|span| span.start);
        return Some(TaskDefinitionLayout {
            base,
            start,
            grafted,
            containers,
            wrapped: true,
        });
    }
    None
}

/// What went wrong with a one-task-definition file.
pub enum TaskDefinitionFileError {
    Json(serde_json::Error),
    Shape(ShapeError),
}

/// The deferred resource of a one-task-definition file. Its head is parsed from the whole text,
/// which also checks the JSON syntax (with positions in the file). `checked_members`: the file's
/// members, when the quick check was already sure of the whole file.
pub fn split_task_definition_file(
    file: usize,
    file_stem: &str,
    text: &str,
    layout: TaskDefinitionLayout,
    checked_members: Option<&[(&[u8], usize)]>,
) -> Result<Vec<Resource>, TaskDefinitionFileError> {
    let bytes = text.as_bytes();
    if let Some(start) = layout.containers
        && bytes.get(start) != Some(&b'[')
    {
        let end = locate(bytes, start, &[]).map_or(start, |s| s.end);
        let found: Value = serde_json::from_slice(&bytes[start..end]).unwrap_or(Value::Null);
        let mut error = type_error("containerDefinitions", "an array", &found);
        error.path = layout.base.clone();
        error.path.push(Step::Key("containerDefinitions".into()));
        return Err(TaskDefinitionFileError::Shape(error));
    }
    // When the task definition is the whole file, reading its head also checks the syntax.
    let whole_file = layout.base.is_empty();
    let origin = Origin {
        file,
        base: layout.base,
        start: layout.start,
        grafted: layout.grafted,
        map: None,
    };
    let head = match (checked_members, whole_file) {
        (Some(members), true) => TaskDefinitionHead::from_members(text, members),
        _ => None,
    };
    deferred_task_definition(file_stem, text, origin, whole_file, head)
        .map(|resource| vec![resource])
        .map_err(TaskDefinitionFileError::Json)
}

/// The deferred task definitions of a `taskDefinitions` array (ecslint's snapshot), located in
/// one pass over the array; `known_starts` when that pass was already made (and found the array
/// well formed).
pub fn deferred_task_definitions(
    file: usize,
    file_stem: &str,
    text: &str,
    known_starts: Option<&[usize]>,
) -> Result<Vec<Resource>, ShapeError> {
    let bytes = text.as_bytes();
    let path = vec![Step::Key("taskDefinitions".into())];
    let starts = match known_starts {
        Some(starts) => starts.to_vec(),
        None => array_starts(bytes, &path)?,
    };
    // Each element's head is read in parallel: a snapshot holds most of an estate.
    use rayon::prelude::*;
    starts
        .into_par_iter()
        .enumerate()
        .map(|(index, start)| {
            let mut base = path.clone();
            base.push(Step::Index(index));
            if bytes.get(start) != Some(&b'{') {
                let end = locate(bytes, start, &[]).map_or(start, |s| s.end);
                let found: Value =
                    serde_json::from_slice(&bytes[start..end]).unwrap_or(Value::Null);
                return Err(ShapeError {
                    offset: None,
                    path: base,
                    reason: format!(
                        "expected an object in \"taskDefinitions\", found {}",
                        type_name(&found)
                    ),
                    unrecognized: false,
                });
            }
            let origin = Origin {
                file,
                base: base.clone(),
                start,
                grafted: Vec::new(),
                map: None,
            };
            deferred_task_definition(file_stem, text, origin, false, None).map_err(|e| ShapeError {
                offset: Some(start + super::offset_of(&text[start..], e.line(), e.column())),
                path: base,
                reason: super::json_reason(&e),
                unrecognized: false,
            })
        })
        .collect()
}

/// The element starts of the array at `path`, checking that it is an array and ends well.
fn array_starts(bytes: &[u8], path: &[Step]) -> Result<Vec<usize>, ShapeError> {
    let Some(array_start) = location::locate_start(bytes, 0, path) else {
        return Ok(Vec::new());
    };
    if bytes[array_start] != b'[' {
        let end = locate(bytes, array_start, &[]).map_or(array_start, |s| s.end);
        let found: Value = serde_json::from_slice(&bytes[array_start..end]).unwrap_or(Value::Null);
        return Err(type_error("taskDefinitions", "an array", &found));
    }
    let starts = location::element_starts(bytes, array_start);
    // element_starts stops at the first element not followed by a comma: the array must end there.
    let after = match starts.last() {
        Some(&last) => locate(bytes, last, &[]).map(|span| span.end),
        None => Some(array_start + 1),
    };
    let close = after.map(|end| {
        end + bytes[end..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count()
    });
    if close.and_then(|c| bytes.get(c)) != Some(&b']') {
        return Err(ShapeError {
            offset: close.or(Some(array_start)),
            path: path.to_vec(),
            reason: "not valid JSON: expected `,` or `]` in \"taskDefinitions\"".into(),
            unrecognized: false,
        });
    }
    Ok(starts)
}

fn wrap_containers(root: Value) -> Result<Value, ShapeError> {
    match root {
        Value::Array(containers) => Ok(serde_json::json!({ "containerDefinitions": containers })),
        _ => Err(ShapeError {
            offset: None,
            path: Vec::new(),
            reason: "expected an array of container definitions".into(),
            unrecognized: false,
        }),
    }
}

/// A resource read from a member or an element of a collection; its identity is given after
/// splitting.
pub(super) fn element_resource(
    kind: ResourceKind,
    doc: Value,
    file: usize,
    base: Vec<Step>,
    start: usize,
) -> Resource {
    Resource {
        kind,
        id: String::new(),
        name: String::new(),
        doc,
        origin: Origin {
            file,
            base,
            start,
            grafted: Vec::new(),
            map: None,
        },
        partial: false,
        deferred: false,
        ignore: Vec::new(),
    }
}

pub(super) fn type_error(key: &str, expected: &str, found: &Value) -> ShapeError {
    ShapeError {
        offset: None,
        path: vec![Step::Key(key.into())],
        reason: format!("\"{key}\" should be {expected}, found {}", type_name(found)),
        unrecognized: false,
    }
}

pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The identity (ARN when known) and display name of a resource.
fn identity(kind: ResourceKind, doc: &Value, file_stem: &str) -> (String, String) {
    // An empty name (`"family": ""` in documentation templates) names nothing.
    let named = |key: &str| str_field(doc, key).filter(|name| !name.is_empty());
    let first = |keys: &[&str]| keys.iter().find_map(|k| named(k)).map(str::to_string);
    match kind {
        ResourceKind::TaskDefinition => {
            let family = named("family").map(str::to_string);
            let name = match (&family, doc.get("revision").and_then(Value::as_i64)) {
                (Some(f), Some(r)) => format!("{f}:{r}"),
                (Some(f), None) => f.clone(),
                (None, _) => file_stem.to_string(),
            };
            (
                first(&["taskDefinitionArn"]).unwrap_or_else(|| name.clone()),
                name,
            )
        }
        ResourceKind::Account => {
            let principal = doc
                .get("settings")
                .and_then(Value::as_array)
                .and_then(|s| s.iter().find_map(|s| str_field(s, "principalArn")))
                .or_else(|| {
                    doc.get("setting")
                        .and_then(|s| str_field(s, "principalArn"))
                });
            let account = principal
                .and_then(crate::model::arn_account)
                .or_else(|| str_field(doc, "account"))
                .unwrap_or("account");
            match str_field(doc, "region") {
                Some(region) => (
                    format!("account/{account}/{region}"),
                    format!("account settings ({region})"),
                ),
                None => (format!("account/{account}"), "account settings".to_string()),
            }
        }
        ResourceKind::IamPolicy => {
            if let (Some(role), Some(policy)) =
                (str_field(doc, "RoleName"), str_field(doc, "PolicyName"))
            {
                let name = format!("{role}/{policy}");
                return (format!("inline-policy/{name}"), name);
            }
            if doc.get("Document").is_some() && doc.get("VersionId").is_some() {
                return (format!("policy-version/{file_stem}"), file_stem.to_string());
            }
            named_by_spec(kind, doc, file_stem)
        }
        _ => named_by_spec(kind, doc, file_stem),
    }
}

/// The identity and name from the kind's row: its unique member, else its name.
fn named_by_spec(kind: ResourceKind, doc: &Value, file_stem: &str) -> (String, String) {
    let spec = crate::model::kinds::kind_spec(kind);
    let named = |key: &&str| str_field(doc, key).filter(|name| !name.is_empty());
    let name = spec
        .names
        .iter()
        .find_map(named)
        .or(spec.unnamed)
        .unwrap_or(file_stem)
        .to_string();
    let id = spec.unique.as_ref().and_then(named).map(str::to_string);
    (id.unwrap_or_else(|| name.clone()), name)
}
