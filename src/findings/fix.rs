//! Safe mechanical fixes: byte-precise edits of the original text, so everything else in the file
//! (indentation, key order, line endings, byte-order mark) stays as it was.

use super::{Finding, Judged, RunResult};
use crate::location::{Step, locate};
use serde_json::Value;

/// One replacement in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub description: String,
}

/// The edits of every finding that has a fix, waived ones included.
pub fn all_edits(run: &RunResult<'_>) -> Vec<Edit> {
    run.evaluations
        .iter()
        .flat_map(|e| &e.findings)
        .filter_map(|finding| edit_for(run, finding))
        .collect()
}

/// The edit that fixes a judged finding: in API JSON, or as its source planned it.
pub fn edit_of(run: &RunResult<'_>, judged: &Judged<'_>) -> Option<Edit> {
    edit_for(run, judged.finding).or_else(|| judged.planned_fix.cloned())
}

/// The edit that fixes a finding, when its rule has a fix and its violating node is in the file.
pub fn edit_for(run: &RunResult<'_>, finding: &Finding) -> Option<Edit> {
    let rule = &run.rules[finding.rule];
    let spec = rule.file.fix.as_ref()?;
    let node = finding.node?;
    let text = run.estate.files[finding.location.file].text();
    let (start, end, replacement) = plan(&text, node, &spec.path, &spec.value)?;
    Some(Edit {
        file: finding.location.file,
        start,
        end,
        text: replacement,
        description: spec.description.clone(),
    })
}

/// Plans setting `path` under the value that starts at `node` to `value`.
pub fn plan(
    text: &str,
    node: usize,
    path: &[String],
    value: &Value,
) -> Option<(usize, usize, String)> {
    let bytes = text.as_bytes();
    let Some((first, rest)) = path.split_first() else {
        let span = locate(bytes, node, &[])?;
        return Some((span.start, span.end, render(value)));
    };
    if bytes.get(node) != Some(&b'{') {
        return None;
    }
    if let Some(member) = locate(bytes, node, &[Step::Key(first.clone())]) {
        return plan(text, member.start, rest, value);
    }
    // Build the missing part of the path around the value, then insert it as the first member.
    let nested = rest.iter().rev().fold(value.clone(), |inner, key| {
        let mut map = serde_json::Map::new();
        map.insert(key.clone(), inner);
        Value::Object(map)
    });
    let member = format!(
        "{}: {}",
        render(&Value::String(first.clone())),
        render(&nested)
    );
    let after_brace = node + 1;
    let gap_end = after_brace
        + bytes[after_brace..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let gap = &text[after_brace..gap_end];
    let insertion = if bytes.get(gap_end) == Some(&b'}') {
        member
    } else if let Some(line_start) = gap.rfind('\n') {
        // Multi-line object: a new line with the indentation of the existing first member.
        let newline = if gap[..line_start].ends_with('\r') || gap.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        format!("{newline}{}{member},", &gap[line_start + 1..])
    } else {
        format!("{member}, ")
    };
    Some((after_brace, after_brace, insertion))
}

/// JSON with a space after `:` and `,`, as people write it.
fn render(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let members: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", render(&Value::String(k.clone())), render(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        scalar => scalar.to_string(),
    }
}

/// Applies edits to a text, last first; an edit overlapping one already applied is skipped (a
/// second `ecslint fix` picks it up). Returns the new text and how many edits were applied.
pub fn apply(text: &str, edits: &[Edit]) -> (String, usize) {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by(|a, b| b.start.cmp(&a.start).then(b.end.cmp(&a.end)));
    // The same edit for several findings (each instance of a `for_each` resource) once.
    let mut seen = std::collections::HashSet::new();
    sorted.retain(|e| seen.insert((e.start, e.end, e.text.as_str())));
    let mut out = text.to_string();
    let mut applied = 0;
    let mut floor = usize::MAX;
    for edit in sorted {
        if edit.end > floor || (edit.end == floor && edit.start != edit.end) {
            continue;
        }
        // Two members inserted at the same place (both into an empty object) need a comma
        // between them; an insertion into a non-empty object carries its own.
        // (A YAML member inserted as a line of its own needs none.)
        let joins_another =
            edit.start == edit.end && edit.start == floor && !edit.text.contains('\n');
        if joins_another && !edit.text.trim_end().ends_with(',') {
            out.replace_range(edit.start..edit.end, &format!("{}, ", edit.text));
        } else {
            out.replace_range(edit.start..edit.end, &edit.text);
        }
        floor = edit.start;
        applied += 1;
    }
    (out, applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fix(text: &str, path: &[&str], value: Value) -> String {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        let (start, end, replacement) = plan(text, 0, &path, &value).unwrap();
        let mut out = text.to_string();
        out.replace_range(start..end, &replacement);
        out
    }

    #[test]
    fn replaces_an_existing_member_in_place() {
        assert_eq!(
            fix("{\"a\": false, \"b\": 1}", &["a"], json!(true)),
            "{\"a\": true, \"b\": 1}"
        );
    }

    #[test]
    fn inserts_with_the_file_indentation_and_line_endings() {
        let text = "{\r\n    \"name\": \"app\"\r\n}";
        assert_eq!(
            fix(text, &["readonlyRootFilesystem"], json!(true)),
            "{\r\n    \"readonlyRootFilesystem\": true,\r\n    \"name\": \"app\"\r\n}"
        );
        assert_eq!(
            fix("{\"name\": \"app\"}", &["x"], json!(1)),
            "{\"x\": 1, \"name\": \"app\"}"
        );
        assert_eq!(fix("{ }", &["x"], json!(1)), "{\"x\": 1 }");
    }

    #[test]
    fn creates_missing_parents() {
        let text = "{\n  \"logDriver\": \"awslogs\"\n}";
        assert_eq!(
            fix(text, &["options", "mode"], json!("non-blocking")),
            "{\n  \"options\": {\"mode\": \"non-blocking\"},\n  \"logDriver\": \"awslogs\"\n}"
        );
        let text = "{\"options\": {\"awslogs-group\": \"/ecs/x\"}}";
        assert_eq!(
            fix(text, &["options", "mode"], json!("non-blocking")),
            "{\"options\": {\"mode\": \"non-blocking\", \"awslogs-group\": \"/ecs/x\"}}"
        );
    }

    #[test]
    fn members_inserted_together_into_an_empty_object_are_separated() {
        let insert = |text: &str| {
            let (start, end, text) = plan("{}", 0, &[text.to_string()], &json!(1)).unwrap();
            Edit {
                file: 0,
                start,
                end,
                text,
                description: String::new(),
            }
        };
        let (out, applied) = apply("{}", &[insert("a"), insert("b")]);
        assert_eq!(applied, 2);
        let parsed: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
        assert_eq!(parsed, json!({"a": 1, "b": 1}));
    }

    #[test]
    fn overlapping_edits_are_applied_once() {
        let edit = |start, end, text: &str| Edit {
            file: 0,
            start,
            end,
            text: text.into(),
            description: String::new(),
        };
        let (out, applied) = apply(
            "0123456789",
            &[edit(2, 4, "ab"), edit(3, 6, "X"), edit(8, 8, "+")],
        );
        assert_eq!((out.as_str(), applied), ("012X67+89", 2));
    }
}
