//! Fixes in YAML templates: the smallest edit that sets a member, everything else (comments,
//! layout, tags, other members) left as written. A member that exists is given its new value in
//! place; a missing one is inserted as a line before the mapping's first member, at its column
//! (or into a flow mapping `{...}`), with any missing parents as a flow mapping around the value.
//! A value the template computes (`!Ref`, `!If`, ...) is not overwritten.

use crate::location::Step;
use crate::sources::{cfn_names, yaml};
use serde_json::Value;

/// A template file as a fix reads it: its value and where each node was written, parsed once
/// for all the fixes of a run (a template of thousands of resources was parsed again for each).
pub struct Parsed {
    value: Value,
    spans: Located,
    /// Each resource's place among a JSON template's `Resources`, by logical id: there are
    /// thousands, each then found by its place (`SpanTree::child_of`), not by comparing keys.
    resource_places: std::collections::HashMap<String, usize>,
}

enum Located {
    Yaml(yaml::YamlSpans),
    /// `None`: too deep to index; paths are scanned.
    Json(Option<crate::location::SpanTree>),
}

impl Parsed {
    pub fn new(text: &str, yaml: bool) -> Option<Parsed> {
        Some(match yaml {
            true => {
                let parsed = yaml::parse(text).ok()?;
                Parsed {
                    value: parsed.value,
                    spans: Located::Yaml(parsed.spans),
                    resource_places: Default::default(),
                }
            }
            false => {
                let value: Value = serde_json::from_str(text).ok()?;
                let resource_places = (value.get("Resources").and_then(Value::as_object))
                    .map(|resources| resources.keys().cloned().zip(0..).collect())
                    .unwrap_or_default();
                Parsed {
                    value,
                    spans: Located::Json(crate::location::SpanTree::build(text.as_bytes(), 0)),
                    resource_places,
                }
            }
        })
    }

    /// Where the node at `path` was written (a member from its key, as the reader shows it).
    fn span_at(&self, text: &str, path: &[Step]) -> Option<crate::location::Span> {
        let Located::Json(_) = &self.spans else {
            return self.value_span(text, path);
        };
        let found = self.value_span(text, path)?;
        Some(match path.last() {
            Some(Step::Key(_)) => crate::location::member_span(text.as_bytes(), found),
            _ => found,
        })
    }

    /// Where the value at `path` of a JSON template starts: what a JSON fix edits under.
    pub fn json_start(&self, text: &str, path: &[Step]) -> Option<usize> {
        match &self.spans {
            Located::Json(_) => Some(self.value_span(text, path)?.start),
            Located::Yaml(_) => None,
        }
    }

    /// The node at `path`: for YAML a member from its key, for JSON its value.
    fn value_span(&self, text: &str, path: &[Step]) -> Option<crate::location::Span> {
        let bytes = text.as_bytes();
        match &self.spans {
            Located::Yaml(spans) => spans.get(path),
            Located::Json(Some(tree)) => match path {
                [
                    resources @ Step::Key(name),
                    id @ Step::Key(logical_id),
                    rest @ ..,
                ] if name == "Resources" => {
                    let parent = tree.node_at(bytes, std::slice::from_ref(resources))?;
                    let count = self.resource_places.len();
                    let place = self.resource_places.get(logical_id.as_str());
                    let node = tree.child_of(bytes, parent, id, place.map(|&i| (i, count)))?;
                    tree.find_from(bytes, node, rest)
                }
                _ => tree.find(bytes, path),
            },
            Located::Json(None) => crate::location::locate(bytes, 0, path),
        }
    }
}

/// The edit (start, end, replacement) that sets `keys` under the node at `node` to `value`.
pub fn plan_yaml(
    text: &str,
    node: &[Step],
    keys: &[String],
    value: &Value,
) -> Option<(usize, usize, String)> {
    plan_yaml_in(&Parsed::new(text, true)?, text, node, keys, value)
}

/// [`plan_yaml`] on a template already parsed (as YAML).
pub fn plan_yaml_in(
    parsed: &Parsed,
    text: &str,
    node: &[Step],
    keys: &[String],
    value: &Value,
) -> Option<(usize, usize, String)> {
    let Located::Yaml(spans) = &parsed.spans else {
        return None;
    };
    let mut path = node.to_vec();
    let mut at = crate::model::unknown::pointer(&parsed.value, &path)?;
    let mut rest = keys;
    while let Some((key, more)) = rest.split_first() {
        if cfn_names::is_intrinsic(at) {
            return None;
        }
        let Some(child) = at.get(key) else { break };
        path.push(Step::Key(key.clone()));
        at = child;
        rest = more;
    }
    if cfn_names::is_intrinsic(at) {
        return None;
    }
    let (span, first_key) = spans.node(&path)?;
    let Some((missing, inner)) = rest.split_first() else {
        // The member is there: its value replaced.
        return Some((span.start, span.end, flow(value)));
    };
    if !at.is_object() {
        return None;
    }
    let nested = inner.iter().rev().fold(value.clone(), |inside, key| {
        Value::Object(serde_json::Map::from_iter([(key.clone(), inside)]))
    });
    let member = format!(
        "{}: {}",
        scalar(&Value::String(missing.clone())),
        flow(&nested)
    );
    let bytes = text.as_bytes();
    if bytes.get(span.start) == Some(&b'{') {
        let empty = text[span.start + 1..span.end].trim() == "}";
        let insertion = if empty { member } else { format!("{member}, ") };
        return Some((span.start + 1, span.start + 1, insertion));
    }
    // A block mapping: a line of its own, at the column of the first member.
    let first = first_key?;
    let line_start = text[..first].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..first].chars().count();
    let newline = if text[line_start.saturating_sub(2)..line_start].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    Some((
        first,
        first,
        format!("{member}{newline}{}", " ".repeat(column)),
    ))
}

/// The path under `base` of the node a template shows at `span` (a member from its key, as
/// the template reader placed it): where a fix of that node writes.
pub fn written_path(
    parsed: &Parsed,
    text: &str,
    base: &[Step],
    span: crate::location::Span,
) -> Option<Vec<Step>> {
    let value = &parsed.value;
    let span_at = |path: &[Step]| parsed.span_at(text, path);
    let mut pending = vec![base.to_vec()];
    while let Some(path) = pending.pop() {
        if path.len() > base.len() && span_at(&path) == Some(span) {
            return Some(path);
        }
        for (step, _) in super::children(crate::model::unknown::pointer(value, &path)?) {
            let mut child = path.clone();
            child.push(step);
            pending.push(child);
        }
    }
    None
}

/// A value as YAML flow text: plain scalars where YAML reads them back as the same string.
fn flow(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let members: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar(&Value::String(k.clone())), flow(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        other => scalar(other),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => {
            let plain = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
                && text.starts_with(|c: char| c.is_ascii_alphabetic())
                && !matches!(
                    text.to_ascii_lowercase().as_str(),
                    "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
                );
            if plain {
                text.clone()
            } else {
                value.to_string()
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixed(text: &str, node: &[&str], keys: &[&str], value: Value) -> Option<String> {
        let node: Vec<Step> = node
            .iter()
            .map(|k| match k.parse::<usize>() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(k.to_string()),
            })
            .collect();
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let (start, end, replacement) = plan_yaml(text, &node, &keys, &value)?;
        let mut out = text.to_string();
        out.replace_range(start..end, &replacement);
        Some(out)
    }

    const TEMPLATE: &str = "Resources: # the stack\n  Task:\n    Properties:\n      ContainerDefinitions:\n        - Name: app # main\n          ReadonlyRootFilesystem: false\n          Image: !Ref Image\n      Options: {}\n";

    #[test]
    fn a_member_is_set_in_place_or_inserted_at_its_mappings_column() {
        let container = [
            "Resources",
            "Task",
            "Properties",
            "ContainerDefinitions",
            "0",
        ];
        let set = fixed(
            TEMPLATE,
            &container,
            &["ReadonlyRootFilesystem"],
            json!(true),
        )
        .unwrap();
        assert_eq!(
            set,
            TEMPLATE.replace(
                "ReadonlyRootFilesystem: false",
                "ReadonlyRootFilesystem: true"
            )
        );
        let inserted = fixed(TEMPLATE, &container, &["User", "Name"], json!("1000")).unwrap();
        assert!(
            inserted.contains("        - User: {Name: \"1000\"}\n          Name: app # main\n"),
            "{inserted}"
        );
        let properties = ["Resources", "Task", "Properties", "Options"];
        let flow = fixed(TEMPLATE, &properties, &["mode"], json!("non-blocking")).unwrap();
        assert!(flow.contains("Options: {mode: non-blocking}"), "{flow}");
        // A computed value is the template's logic: not overwritten.
        assert_eq!(
            fixed(TEMPLATE, &container, &["Image"], json!("app:1")),
            None
        );
        // What is inserted reads back as the value set.
        let parsed = yaml::parse(&inserted).unwrap().value;
        assert_eq!(
            parsed["Resources"]["Task"]["Properties"]["ContainerDefinitions"][0]["User"]["Name"],
            "1000"
        );
    }
}
