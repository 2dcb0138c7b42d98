//! A finding made of a violating node: where it was written (through the origin map or the
//! file's text), the region shown, its message with placeholders filled, and its fingerprint.

use super::catalog::Rule;
use super::eval::matches;
use super::outcome::{Finding, Fingerprint, Location};
use crate::location::{Span, Step, first_line, member_span, normalized_path};
use crate::model::origin::{Spans, Written, path_from_file_root, written_at};
use crate::model::{Estate, Resource};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Follows `steps` through the evaluated document and returns the resource and the path inside
/// it where the matched node really comes from (`_origin` markers redirect; `_facts` and
/// `_links` are ecslint's own and never part of a file path).
fn resolve(doc: &Value, resource: usize, steps: &[Step]) -> (usize, Vec<Step>) {
    let mut owner = resource;
    let mut path = Vec::new();
    let mut synthetic = false;
    // Markers are only in what linking added (`_facts`, `_links`): the document's own nodes are
    // not searched for one.
    let mut marked = false;
    let mut node = doc;
    for step in steps {
        let next = match step {
            Step::Key(key) => node.get(key),
            Step::Index(i) => node.get(*i),
        };
        let Some(next) = next else { break };
        node = next;
        marked |= matches!(step, Step::Key(k) if k == "_facts" || k == "_links");
        if let Some(origin) = node.get("_origin").filter(|_| marked && node.is_object())
            && let Some(target) = origin.get("resource").and_then(Value::as_u64)
        {
            {
                owner = target as usize;
                path = origin
                    .get("path")
                    .and_then(Value::as_array)
                    .map(|steps| {
                        steps
                            .iter()
                            .filter_map(|s| match s {
                                Value::String(k) => Some(Step::Key(k.clone())),
                                Value::Number(n) => n.as_u64().map(|i| Step::Index(i as usize)),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                synthetic = false;
                continue;
            }
        }
        if matches!(step, Step::Key(k) if k == "_facts" || k == "_links") {
            synthetic = true;
            continue;
        }
        if !synthetic {
            path.push(step.clone());
        }
    }
    (owner, path)
}

/// A node placed in its file: the span of `path`, or of the nearest enclosing node that exists.
struct Placed {
    file: usize,
    /// The path shown: from the file's root to what was found in an API JSON file; the
    /// document path in a translated resource (its file has another structure).
    steps: Vec<Step>,
    /// False when the node itself was not found and an enclosing node stands for it.
    exact: bool,
    span: Span,
    /// The span is JSON text of the API shape (key-to-value regions and fixes apply).
    json: bool,
}

/// Where a node of `owner`'s document was written, or the nearest enclosing node that is known.
fn place(estate: &Estate, spans: &Spans, owner_index: usize, path: &[Step]) -> Placed {
    let owner = &estate.resources[owner_index];
    let mut used = path.len();
    let written = loop {
        if let Some(written) = written_at(estate, owner_index, &path[..used], spans) {
            break written;
        }
        if used == 0 {
            break Written {
                file: owner.origin.file,
                span: Span {
                    start: owner.origin.start,
                    end: owner.origin.start,
                },
                json: owner.origin.map.is_none(),
            };
        }
        used -= 1;
    };
    let steps = if owner.origin.map.is_some() {
        path[..used].to_vec()
    } else {
        path_from_file_root(owner, &path[..used])
    };
    Placed {
        file: written.file,
        steps,
        exact: used == path.len(),
        span: written.span,
        json: written.json,
    }
}

/// The region a user is shown for a placed node, with its line and column: an object member
/// from its key to the end of its value (`"readonlyRootFilesystem": false`); an array element,
/// a resource or a file root (and, with `first_line_only`, anything) by its first line, not the
/// whole of a 50-line container. A translated node shows what its source chose, first line only
/// when asked.
fn show(estate: &Estate, placed: Placed, first_line_only: bool) -> Location {
    let file = &estate.files[placed.file];
    let held = file.text();
    let text = held.as_bytes();
    let span = match placed.steps.last() {
        _ if !placed.json && !first_line_only => placed.span,
        Some(Step::Key(_)) if placed.json && !first_line_only => member_span(text, placed.span),
        _ => first_line(text, placed.span),
    };
    let index = file.line_index();
    Location {
        file: placed.file,
        path: normalized_path(&placed.steps),
        exact: placed.exact,
        start: index.line_col(text, span.start),
        end: index.line_col(text, span.end),
        byte_start: span.start,
        byte_end: span.end,
    }
}

pub(super) fn finding(
    rule_index: usize,
    rule: &Rule,
    (estate, spans): (&Estate, &Spans),
    resource: usize,
    doc: &Value,
    steps: &[Step],
    value: &Value,
) -> Finding {
    let (owner, path) = resolve(doc, resource, steps);
    let owner_resource = &estate.resources[owner];
    let node_placed = place(estate, spans, owner, &path);
    // Fixes edit JSON text: a translated node (a template's YAML) is not fixed in place.
    let node = (node_placed.exact && node_placed.json).then_some(node_placed.span.start);
    let render = |template: &str, shown: &Value| {
        render_message(template, rule, estate, resource, doc, steps, value, shown)
    };
    let (location, message) = match &rule.judged_member {
        None => (
            show(estate, node_placed, false),
            render(&rule.file.message, value),
        ),
        Some(member_query) => {
            let violating = if steps.is_empty() { doc } else { value };
            match matches(member_query, violating).into_iter().next() {
                // The member that decides is there: show it, key to value.
                Some((member_steps, member_value)) => {
                    let full: Vec<Step> = steps.iter().chain(&member_steps).cloned().collect();
                    let (member_owner, member_path) = resolve(doc, resource, &full);
                    let member = place(estate, spans, member_owner, &member_path);
                    (
                        show(estate, member, false),
                        render(&rule.file.message, member_value),
                    )
                }
                // It is absent: the owning object's first line, and a message saying so.
                None => {
                    let absent = rule
                        .file
                        .judged
                        .as_ref()
                        .and_then(|j| j.absent.as_deref())
                        .unwrap_or(&rule.file.message);
                    (show(estate, node_placed, true), render(absent, value))
                }
            }
        }
    };
    // A value a source resolved (a template parameter's default) says where it came from.
    let note = owner_resource
        .origin
        .map
        .as_ref()
        .and_then(|m| m.note(&path));
    let message = match note {
        Some(note) => format!("{message} ({note})"),
        None => message,
    };
    // A deferred resource's document exists only here, as the evaluated document.
    let owner_doc = if owner == resource {
        doc
    } else {
        &owner_resource.doc
    };
    // Hashed on the violating node, never on where it is shown: baselines survive a change of
    // location.
    // A sensitive rule's value may be a short secret: hashed with nothing secret beside it, it
    // could be recovered from a SARIF file or a shared baseline by trying every candidate. Its
    // findings are identified by place and name alone.
    let hashed_value = if rule.file.sensitive {
        &Value::Null
    } else {
        value
    };
    let fingerprint = fingerprint(
        rule.id(),
        &estate.resources[resource].id,
        owner_resource,
        owner_doc,
        &path,
        hashed_value,
    );
    Finding {
        rule: rule_index,
        resource,
        message: message.into_boxed_str(),
        location,
        node,
        // Only a fix reads it: a large estate's findings are mostly of rules without one.
        violating: rule.file.fix.is_some().then(|| Box::new((owner, path))),
        fingerprint,
    }
}

/// Stable across reformatting and moved lines: it hashes identities, never positions. Array
/// elements that have a name (containers, variables, volumes) are identified by it, so inserting
/// a container does not renumber the others' findings. A scalar's value is part of it, so changing
/// the offending value makes a new finding.
fn fingerprint(
    rule: &str,
    resource: &str,
    owner: &Resource,
    owner_doc: &Value,
    path: &[Step],
    value: &Value,
) -> Fingerprint {
    let identity = identity_path(owner_doc, path);
    let value_text = if value.is_object() || value.is_array() {
        String::new()
    } else {
        value.to_string()
    };
    let mut hasher = Sha256::new();
    for part in [
        rule,
        resource,
        owner.id.as_str(),
        identity.as_str(),
        value_text.as_str(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    Fingerprint::of_digest(&hasher.finalize())
}

/// The path with named array elements written by name: `containerDefinitions[name=web].user`.
fn identity_path(doc: &Value, path: &[Step]) -> String {
    const NAME_KEYS: [&str; 5] = ["name", "Name", "key", "Key", "sourceVolume"];
    let mut out = String::new();
    let mut node = Some(doc);
    for step in path {
        let next = match step {
            Step::Key(key) => node.and_then(|n| n.get(key)),
            Step::Index(i) => node.and_then(|n| n.get(*i)),
        };
        let named = match step {
            Step::Index(_) => next.and_then(|element| {
                NAME_KEYS.iter().find_map(|k| {
                    element
                        .get(*k)
                        .and_then(Value::as_str)
                        .map(|v| format!("[{k}={v}]"))
                })
            }),
            Step::Key(_) => None,
        };
        match named {
            Some(named) => out.push_str(&named),
            None => {
                let _ = crate::location::write_step(&mut out, step);
            }
        }
        node = next;
    }
    out
}

fn scalar_text(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) => Some(s.as_str().into()),
        Value::Number(n) => Some(n.to_string().into()),
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
        // A value a source left undecided is kept as written (`{"Fn::Sub": ...}`): shown so.
        Value::Object(map) if map.len() == 1 => {
            let text = value.to_string();
            Some(match text.chars().count() > 80 {
                true => (text.chars().take(77).collect::<String>() + "...").into(),
                false => text.into(),
            })
        }
        _ => None,
    }
}

/// `template` with its placeholders filled: `{value}` is `shown` (the judged member's value,
/// else the matched node's), `{match.x}` reads the matched node.
#[allow(clippy::too_many_arguments)]
fn render_message(
    template: &str,
    rule: &Rule,
    estate: &Estate,
    resource: usize,
    doc: &Value,
    steps: &[Step],
    value: &Value,
    shown: &Value,
) -> String {
    // Looked up when the template names it.
    let container = || match steps {
        [Step::Key(k), Step::Index(i), ..] if k == "containerDefinitions" => doc
            .get(k)
            .and_then(|c| c.get(*i))
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str),
        _ => None,
    };
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let key = &rest[start + 1..start + end];
        let replacement: Option<std::borrow::Cow<'_, str>> = match key {
            "resource" => Some(estate.resources[resource].name.as_str().into()),
            "container" => container().map(Into::into),
            "value" if !rule.file.sensitive => scalar_text(shown),
            "value" => Some("(redacted)".into()),
            _ => {
                if let Some(field) = key.strip_prefix("match.") {
                    value
                        .pointer(&format!("/{}", field.replace('.', "/")))
                        .and_then(scalar_text)
                } else if let Some(param) = key.strip_prefix("param.") {
                    rule.params.get(param).map(|p| p.display().into())
                } else {
                    None
                }
            }
        };
        out.push_str(replacement.as_deref().unwrap_or("?"));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}
