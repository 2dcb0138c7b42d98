//! Terraform's JSON syntax (`.tf.json`) as the body the evaluator reads. A JSON document is
//! also an HCL object expression (quoted keys, `:`, commas; strings are templates, as
//! Terraform reads them in JSON), so the file is parsed by hcl-edit as one expression, with
//! spans in the file; its `resource`, `data`, `variable`, `locals`, `module` and `output`
//! members become blocks whose arguments are that expression's members. Nested blocks stay
//! objects (or arrays of objects), which the mapping takes as blocks.

use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body};
use hcl_edit::{Ident, Span as _};
use std::collections::HashMap;
use std::ops::Range;

/// Where each resource's, data source's and module's name was written, by (block type,
/// labels joined with `.`): a synthesized block has no span of its own.
pub type Headers = HashMap<(String, String), Range<usize>>;

/// The body a `.tf.json` file stands for, and where its blocks' names were written.
pub fn body(text: &str) -> Result<(Body, Headers), hcl_edit::parser::Error> {
    let root = hcl_edit::parser::parse_expr(as_native(text).trim_end())?;
    let mut body = Body::new();
    let mut headers = Headers::new();
    let Expression::Object(root) = root else {
        return Ok((body, headers));
    };
    for (key, value) in root.iter() {
        let kind = key_text(key);
        let labels = match kind.as_str() {
            "resource" | "data" => 2,
            "variable" | "module" | "output" => 1,
            "locals" => 0,
            _ => continue,
        };
        blocks(
            &kind,
            labels,
            value.expr(),
            &mut Vec::new(),
            &mut body,
            &mut headers,
        );
    }
    Ok((body, headers))
}

/// The JSON text as HCL reads it, byte for byte in the same places: inside a string's
/// interpolation (`"${jsonencode({ name = \"web\" })}"`), Terraform reads the JSON-decoded
/// text, so an escaped quote there is one; a space takes the backslash's place, outside the
/// inner string it opens or closes.
fn as_native(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let (mut in_string, mut depth, mut inner, mut i) = (false, 0usize, false, 0);
    while i < bytes.len() {
        let (b, next) = (bytes[i], bytes.get(i + 1).copied());
        match (in_string, depth) {
            (false, _) => in_string = b == b'"',
            (true, 0) => match (b, next) {
                (b'\\', _) => i += 1,
                (b'"', _) => in_string = false,
                (b'$' | b'%', Some(b'{')) => {
                    depth = 1;
                    i += 1;
                }
                _ => {}
            },
            (true, _) => match (b, next) {
                (b'\\', Some(b'"')) => {
                    (out[i], out[i + 1]) = if inner { (b'"', b' ') } else { (b' ', b'"') };
                    inner = !inner;
                    i += 1;
                }
                (b'\\', Some(_)) => i += 1,
                (b'{', _) if !inner => depth += 1,
                (b'}', _) if !inner => depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// A JSON object's members as attributes (a `.tfvars.json` file).
pub fn attributes(text: &str) -> Result<Body, hcl_edit::parser::Error> {
    match hcl_edit::parser::parse_expr(as_native(text).trim_end())? {
        Expression::Object(object) => Ok(arguments(&object)),
        _ => Ok(Body::new()),
    }
}

/// The blocks under `value` once `labels` more labels are read from its keys.
fn blocks(
    kind: &str,
    labels: usize,
    value: &Expression,
    read: &mut Vec<(String, Option<Range<usize>>)>,
    body: &mut Body,
    headers: &mut Headers,
) {
    match value {
        // Several blocks of one name are an array of objects.
        Expression::Array(items) => {
            for item in items.iter() {
                blocks(kind, labels, item, read, body, headers);
            }
        }
        Expression::Object(object) if labels > 0 => {
            for (key, inner) in object.iter() {
                read.push((key_text(key), key.span()));
                blocks(kind, labels - 1, inner.expr(), read, body, headers);
                read.pop();
            }
        }
        Expression::Object(object) => {
            let mut block = Block::new(Ident::new_unchecked(kind));
            block.labels = read
                .iter()
                .map(|(l, _)| BlockLabel::from(l.clone()))
                .collect();
            block.body = arguments(object);
            if let Some((_, Some(span))) = read.last() {
                let name = read
                    .iter()
                    .map(|(l, _)| l.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                headers.insert((kind.to_string(), name), span.clone());
            }
            body.push(block);
        }
        _ => {}
    }
}

/// An object's members as a body's attributes (comment keys, `//`, left out).
fn arguments(object: &Object) -> Body {
    let mut body = Body::new();
    for (key, value) in object.iter() {
        let name = key_text(key);
        let Ok(ident) = Ident::try_new(name.as_str()) else {
            continue;
        };
        body.push(Attribute::new(ident, value.expr().clone()));
    }
    body
}

fn key_text(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Ident(ident) => ident.as_str().to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
        ObjectKey::Expression(Expression::StringTemplate(t)) => t
            .iter()
            .filter_map(|e| match e {
                hcl_edit::template::Element::Literal(l) => Some(l.value().as_str()),
                _ => None,
            })
            .collect(),
        ObjectKey::Expression(_) => String::new(),
    }
}
