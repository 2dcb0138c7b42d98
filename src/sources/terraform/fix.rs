//! Fixes in Terraform: the smallest byte edit of the `.tf` file (or JSON template) where a
//! finding's value was written. A literal is replaced (`assign_public_ip = true` → `false`,
//! the provider's bool for the API's `"DISABLED"`); a missing member is added to the object,
//! block or resource that should hold it, in its syntax (an HCL object in `jsonencode`, a JSON
//! object in a heredoc or template, a nested block named as the provider names it). A value
//! that came from elsewhere (a variable, a local's reference) is not edited.

use super::mapping::RULES;
use crate::location::Step;
use crate::model::Estate;
use serde_json::Value;

/// An edit: file, byte range, replacement.
pub type Edit = (usize, usize, usize, String);

/// The edit that sets `fix_path` under node `node` of resource `owner` to `value`, when the
/// resource was read from Terraform and the edit is safe.
pub fn fix_edit(
    estate: &Estate,
    (owner, node): (usize, &[Step]),
    fix_path: &[String],
    value: &Value,
) -> Option<Edit> {
    let resource = estate.resources.get(owner)?;
    let map = resource.origin.map.as_ref()?;
    let home = estate.files.get(resource.origin.file)?;
    if !home.path.ends_with(".tf") || home.terraform_plan {
        return None;
    }
    // The deepest node of the path that was written, and the keys still to add under it.
    let steps = |k: usize| -> Vec<Step> {
        node.iter()
            .cloned()
            .chain(fix_path[..k].iter().map(|key| Step::Key(key.clone())))
            .collect()
    };
    let (written, missing) = (0..=fix_path.len()).rev().find_map(|k| {
        map.get(&steps(k), &estate.files)
            .map(|w| (w, &fix_path[k..]))
    })?;
    if map.note(&steps(fix_path.len() - missing.len())).is_some() {
        return None;
    }
    let held = estate.files.get(written.file)?.text();
    let text = held.as_str();
    let kind = super::TYPES
        .iter()
        .find(|(_, k, _)| *k == resource.kind)
        .map(|(t, ..)| *t)?;
    match missing.is_empty() {
        true => replace(text, written.span, value).map(|(s, e, t)| (written.file, s, e, t)),
        false => {
            insert(text, written.span, (kind, missing), value).map(|(s, t)| (written.file, s, s, t))
        }
    }
}

/// Replaces the literal value of `key = value`, `"key": value` or a bare value.
fn replace(
    text: &str,
    span: crate::location::Span,
    value: &Value,
) -> Option<(usize, usize, String)> {
    let written = text.get(span.start..span.end)?;
    let start = span.start + value_offset(written);
    let current = text.get(start..span.end)?.trim_end();
    let literal = matches!(current, "true" | "false")
        || current.parse::<f64>().is_ok()
        || (current.starts_with('"') && current.ends_with('"') && !current.contains("${"));
    if !literal {
        return None;
    }
    // The provider's bool where the API has ENABLED/DISABLED.
    let replacement = match (current, value.as_str()) {
        ("true" | "false", Some("ENABLED")) => "true".to_string(),
        ("true" | "false", Some("DISABLED")) => "false".to_string(),
        _ => value.to_string(),
    };
    Some((start, start + current.len(), replacement))
}

/// Where the value starts in `key = value` or `"key": value` (0 for a bare value).
fn value_offset(written: &str) -> usize {
    let key_end = match written.as_bytes().first() {
        Some(b'"') => written[1..].find('"').map(|i| i + 2),
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            written.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        }
        _ => None,
    };
    let Some(key_end) = key_end else { return 0 };
    let rest = &written[key_end..];
    let trimmed = rest.trim_start();
    match trimmed.as_bytes().first() {
        Some(b'=' | b':') => {
            let after = &trimmed[1..];
            key_end + (rest.len() - trimmed.len()) + 1 + (after.len() - after.trim_start().len())
        }
        _ => 0,
    }
}

/// Adds `keys` = `value` to the object, block or resource written at `span`.
fn insert(
    text: &str,
    span: crate::location::Span,
    (kind, keys): (&str, &[String]),
    value: &Value,
) -> Option<(usize, String)> {
    let written = text.get(span.start..span.end)?;
    let offset = value_offset(written);
    let (open, close, syntax) = match written[offset..].starts_with('{') {
        true => {
            let open = span.start + offset;
            let close = span.start + written.trim_end().len() - 1;
            (open, close, object_syntax(&text[open..=close]))
        }
        // A block or a resource, shown at its name: its braces from the parsed file.
        false => {
            let (open, close) = block_braces(text, span.start)?;
            (open, close, Syntax::Block)
        }
    };
    if text.as_bytes().get(close) != Some(&b'}') {
        return None;
    }
    let member = render_member(kind, keys, value, syntax);
    let inner = &text[open + 1..close];
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    let closing_alone = text[line_start..close].trim().is_empty();
    let closing_indent = &text[line_start..close];
    match (closing_alone, syntax, inner.trim().is_empty()) {
        // `}` on its own line: a line of its own before it.
        (true, Syntax::Json, false) => {
            let last = open + 1 + inner.trim_end().len();
            let indent = member_indent(inner, closing_indent);
            Some((
                last,
                format!(",\n{indent}{}", indent_lines(&member, &indent)),
            ))
        }
        (true, _, _) => {
            let indent = member_indent(inner, closing_indent);
            Some((
                line_start,
                format!("{indent}{}\n", indent_lines(&member, &indent)),
            ))
        }
        // On one line: `{ a = 1 }` → `{ a = 1, b = 2 }`.
        (false, _, true) => Some((close, format!(" {member} "))),
        (false, Syntax::Block, false) => None,
        (false, _, false) => {
            let last = open + 1 + inner.trim_end().len();
            Some((last, format!(", {member}")))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Syntax {
    /// An HCL object expression (`{ name = "web" }`, in `jsonencode`).
    Object,
    /// A JSON object (a heredoc, a template file).
    Json,
    /// A block's body: nested objects are blocks, named as the provider names them.
    Block,
}

/// Whether an object's members are written as JSON (`"key": value`).
fn object_syntax(object: &str) -> Syntax {
    let inner = object[1..].trim_start();
    if inner.starts_with('"')
        && let Some(end) = inner[1..].find('"')
        && inner[end + 2..].trim_start().starts_with(':')
    {
        return Syntax::Json;
    }
    Syntax::Object
}

/// The indentation of an object's members: its first member's, else one level in.
fn member_indent(inner: &str, closing_indent: &str) -> String {
    inner
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l[..l.len() - l.trim_start().len()].to_string())
        .unwrap_or_else(|| format!("{closing_indent}  "))
}

fn indent_lines(member: &str, indent: &str) -> String {
    member.replace('\n', &format!("\n{indent}"))
}

/// `keys` = `value` as a member in `syntax`; in a block, as the provider names it.
fn render_member(kind: &str, keys: &[String], value: &Value, syntax: Syntax) -> String {
    let Some((first, rest)) = keys.split_first() else {
        return render_value(value, syntax);
    };
    if syntax == Syntax::Block {
        // The provider's argument for these API members: a mapping entry's, else snake_case.
        let joined = keys.join(".");
        let rules = RULES.get(kind);
        if let Some((argument, _)) =
            rules.and_then(|r| r.iter().find(|(_, rule)| rule.api() == joined))
        {
            return block_member(argument.rsplit('.').next().unwrap_or(argument), value);
        }
        let nested = Value::Object(rest_object(rest, value));
        let inner = if rest.is_empty() {
            value.clone()
        } else {
            nested
        };
        return block_member(&snake(first), &inner);
    }
    let inner = match rest.is_empty() {
        true => render_value(value, syntax),
        false => format!("{{ {} }}", render_member(kind, rest, value, syntax)),
    };
    match syntax {
        Syntax::Json => format!(
            "{}: {inner}",
            serde_json::to_string(first).unwrap_or_default()
        ),
        _ => format!("{first} = {inner}"),
    }
}

fn rest_object(keys: &[String], value: &Value) -> serde_json::Map<String, Value> {
    let mut inner = value.clone();
    for key in keys.iter().rev() {
        let mut map = serde_json::Map::new();
        map.insert(key.clone(), inner);
        inner = Value::Object(map);
    }
    inner.as_object().cloned().unwrap_or_default()
}

/// An argument of a block: an object is a nested block of its members.
fn block_member(name: &str, value: &Value) -> String {
    match value {
        Value::Object(members) => {
            let lines: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("  {}", block_member(&snake(k), v).replace('\n', "\n  ")))
                .collect();
            format!("{name} {{\n{}\n}}", lines.join("\n"))
        }
        other => format!("{name} = {}", render_value(other, Syntax::Object)),
    }
}

fn render_value(value: &Value, syntax: Syntax) -> String {
    match (value, syntax) {
        (Value::Object(members), Syntax::Object | Syntax::Block) => {
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{k} = {}", render_value(v, Syntax::Object)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        _ => value.to_string(),
    }
}

/// `propagateTags` → `propagate_tags`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The braces of the block whose name starts at `at` in `text`, from the parsed file.
fn block_braces(text: &str, at: usize) -> Option<(usize, usize)> {
    let body = hcl_edit::parser::parse_body(text).ok()?;
    let range = find_block(&body, at)?;
    let open = range.start + text[range.clone()].find('{')?;
    let close = range.start + text[range.clone()].rfind('}')?;
    Some((open, close))
}

fn find_block(body: &hcl_edit::structure::Body, at: usize) -> Option<std::ops::Range<usize>> {
    use hcl_edit::Span as _;
    for block in body.blocks() {
        let range = block.span()?;
        if block.ident.span().is_some_and(|s| s.start == at) {
            return Some(range);
        }
        if range.contains(&at)
            && let Some(inner) = find_block(&block.body, at)
        {
            return Some(inner);
        }
    }
    None
}
