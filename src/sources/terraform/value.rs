//! Terraform values as the evaluator computes them: JSON-like trees whose every node says where
//! it was written (any file of the configuration), what it came from when that is not where it
//! is shown (a variable's default), and which values only `terraform apply` knows.

use crate::location::{Span, SpanTree, Step};
use crate::model::unknown::Part;
use serde_json::Value;
use std::sync::Arc;

/// A place in a file of the configuration (an index into its files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub file: usize,
    pub span: Span,
}

/// One evaluated value and where it was written.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Val,
    pub at: Option<At>,
    /// Where the value came from when it is shown at a reference to it ("from variable
    /// `image`'s default, variables.tf:4").
    pub note: Option<Arc<str>>,
}

#[derive(Debug, Clone)]
pub enum Val {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    /// A string with a map of where each of its parts was written (a heredoc or a template
    /// file with interpolations), so that JSON parsed from it keeps its places.
    Rendered(Rendered),
    /// A string holding this value as JSON (`jsonencode(...)`): kept as the tree it encodes,
    /// so findings inside it land on the HCL that wrote each member.
    Json(Box<Node>),
    List(Vec<Node>),
    Object(Vec<(String, Node)>),
    /// A value Terraform knows only when it applies the configuration.
    Unknown(Box<Unknown>),
}

/// What is known of an unknown value.
#[derive(Debug, Clone)]
pub struct Unknown {
    /// Why it is unknown, for a person.
    pub why: String,
    pub shape: UnknownShape,
    /// For a template with unknown parts: its text with [`super::eval::HOLE`] for each, so
    /// JSON parsed from it keeps what is known.
    pub rendered: Option<Rendered>,
}

#[derive(Debug, Clone)]
pub enum UnknownShape {
    /// Anything, or nothing.
    Anything,
    /// A string made of these parts.
    Text(Vec<Part>),
    /// A conditional whose condition is unknown: both of its values.
    Branches {
        condition: String,
        when_true: Node,
        when_false: Node,
    },
}

/// A string and where each of its parts was written.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    pub pieces: Vec<Piece>,
}

/// Bytes `start..start + len` of a rendered string: written literally at `source` (so each
/// byte maps to one), or, when `literal` is false, produced by the expression written there.
#[derive(Debug, Clone)]
pub struct Piece {
    pub start: usize,
    pub len: usize,
    pub source: At,
    pub literal: bool,
    /// Where the interpolated value came from, when not from where it is written.
    pub note: Option<Arc<str>>,
}

impl Rendered {
    /// Where bytes `span` were written, and where an interpolated value in them came from.
    pub fn place(&self, span: Span) -> (Option<At>, Option<Arc<str>>) {
        let note = self
            .pieces
            .iter()
            .filter(|p| p.start < span.end && span.start < p.start + p.len)
            .find_map(|p| p.note.clone());
        (self.source_of(span), note)
    }

    /// Where bytes `span` of the text were written: one place when they lie in one piece.
    pub fn source_of(&self, span: Span) -> Option<At> {
        let piece = self
            .pieces
            .iter()
            .find(|p| p.start <= span.start && span.start < p.start + p.len.max(1))?;
        if !piece.literal || span.end > piece.start + piece.len {
            // Spread over pieces: from the first piece's start to the last one's end.
            let last = self
                .pieces
                .iter()
                .rev()
                .find(|p| p.start < span.end)
                .unwrap_or(piece);
            if last.source.file != piece.source.file {
                return Some(piece.source);
            }
            let end = if last.literal {
                last.source.span.start + (span.end - last.start).min(last.len)
            } else {
                last.source.span.end
            };
            let start = if piece.literal {
                piece.source.span.start + (span.start - piece.start)
            } else {
                piece.source.span.start
            };
            return Some(At {
                file: piece.source.file,
                span: Span {
                    start,
                    end: end.max(start),
                },
            });
        }
        let offset = span.start - piece.start;
        Some(At {
            file: piece.source.file,
            span: Span {
                start: piece.source.span.start + offset,
                end: piece.source.span.start + (span.end - piece.start),
            },
        })
    }
}

impl Node {
    pub fn new(value: Val, at: Option<At>) -> Node {
        Node {
            value,
            at,
            note: None,
        }
    }

    pub fn null(at: Option<At>) -> Node {
        Node::new(Val::Null, at)
    }

    pub fn string(text: impl Into<String>, at: Option<At>) -> Node {
        Node::new(Val::String(text.into()), at)
    }

    pub fn unknown(why: impl Into<String>, at: Option<At>) -> Node {
        Node::new(
            Val::Unknown(Box::new(Unknown {
                why: why.into(),
                shape: UnknownShape::Anything,
                rendered: None,
            })),
            at,
        )
    }

    /// This value shown at `here` when that is known (an unknown variable at its reference).
    pub fn placed_over(mut self, here: Option<At>) -> Node {
        self.at = here.or(self.at);
        self
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Val::Unknown(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Val::Null)
    }

    /// The first unknown value in this tree, when there is one.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match &self.value {
            Val::Unknown(unknown) => Some(unknown),
            Val::Json(inner) => inner.first_unknown(),
            Val::List(items) => items.iter().find_map(Node::first_unknown),
            Val::Object(members) => members.iter().find_map(|(_, v)| v.first_unknown()),
            _ => None,
        }
    }

    /// The text of a string (a number or bool as Terraform converts it to one).
    pub fn as_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match &self.value {
            Val::String(text) => Some(Cow::Borrowed(text)),
            Val::Rendered(rendered) => Some(Cow::Borrowed(&rendered.text)),
            Val::Number(n) => Some(Cow::Owned(n.to_string())),
            Val::Bool(b) => Some(Cow::Owned(b.to_string())),
            Val::Json(inner) => inner.to_json().map(|v| Cow::Owned(v.to_string())),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Val::Bool(b) => Some(*b),
            _ => match self.as_text()?.as_ref() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Val::Number(n) => n.as_f64(),
            Val::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// A member of an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Val::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            Val::Json(inner) => inner.get(key),
            _ => None,
        }
    }

    /// The value as plain JSON, when every part of it is known.
    pub fn to_json(&self) -> Option<Value> {
        Some(match &self.value {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Number(n) => Value::Number(n.clone()),
            Val::String(text) => Value::String(text.clone()),
            Val::Rendered(rendered) => Value::String(rendered.text.clone()),
            Val::Json(inner) => Value::String(inner.to_json()?.to_string()),
            Val::List(items) => {
                Value::Array(items.iter().map(Node::to_json).collect::<Option<_>>()?)
            }
            Val::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Val::Unknown(_) => return None,
        })
    }

    /// This value shown at `at` (a reference to it), saying where it came from: every node of
    /// it, since a finding inside a variable's object default is shown at the reference too.
    pub fn shown_at(mut self, at: Option<At>, note: &Arc<str>) -> Node {
        fn walk(node: &mut Node, at: Option<At>, note: &Arc<str>) {
            node.at = at;
            if node.note.is_none() {
                node.note = Some(note.clone());
            }
            match &mut node.value {
                Val::List(items) => items.iter_mut().for_each(|n| walk(n, at, note)),
                Val::Object(members) => members.iter_mut().for_each(|(_, n)| walk(n, at, note)),
                Val::Json(inner) => walk(inner, at, note),
                _ => {}
            }
        }
        walk(&mut self, at, note);
        self
    }

    /// Places every node without a place at `at` (values a function made).
    pub fn placed(mut self, at: Option<At>) -> Node {
        fn walk(node: &mut Node, at: Option<At>) {
            if node.at.is_none() {
                node.at = at;
            }
            match &mut node.value {
                Val::List(items) => items.iter_mut().for_each(|n| walk(n, at)),
                Val::Object(members) => members.iter_mut().for_each(|(_, n)| walk(n, at)),
                Val::Json(inner) => walk(inner, at),
                _ => {}
            }
        }
        walk(&mut self, at);
        self
    }

    /// A plain JSON value as a tree with no places.
    pub fn from_json(value: Value) -> Node {
        let value = match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(b),
            Value::Number(n) => Val::Number(n),
            Value::String(text) => Val::String(text),
            Value::Array(items) => Val::List(items.into_iter().map(Node::from_json).collect()),
            Value::Object(members) => Val::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, Node::from_json(v)))
                    .collect(),
            ),
        };
        Node::new(value, None)
    }
}

/// Where a span of a text was written, and where a value in it came from.
pub type Place<'a> = dyn Fn(Span) -> (Option<At>, Option<Arc<str>>) + 'a;

/// JSON text parsed into a tree whose nodes are placed where the text wrote them: `place`
/// maps a span of `text` to where it was written. A member is placed from its key to the end
/// of its value. `Err`: serde_json's message and the offset in `text`.
pub fn json_nodes(text: &str, place: &Place<'_>) -> Result<Node, (String, usize)> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let offset = crate::sources::offset_of(text, e.line(), e.column());
        (e.to_string(), offset)
    })?;
    Ok(placed_value(value, text, place))
}

/// [`json_nodes`] of a value already parsed from `text` (the whole of it).
pub fn placed_value(value: Value, text: &str, place: &Place<'_>) -> Node {
    let tree = SpanTree::build(text.as_bytes(), 0);
    let mut path = Vec::new();
    placed_json(value, text, tree.as_ref(), &mut path, place)
}

fn placed_json(
    value: Value,
    text: &str,
    tree: Option<&SpanTree>,
    path: &mut Vec<Step>,
    place: &Place<'_>,
) -> Node {
    let span = match tree {
        Some(tree) => tree.find(text.as_bytes(), path),
        None => crate::location::locate(text.as_bytes(), 0, path),
    };
    let span = span.map(|value_span| match path.last() {
        Some(Step::Key(_)) => crate::location::member_span(text.as_bytes(), value_span),
        _ => value_span,
    });
    let (at, note) = span.map_or((None, None), place);
    let value = match value {
        Value::Array(items) => Val::List(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    path.push(Step::Index(i));
                    let node = placed_json(item, text, tree, path, place);
                    path.pop();
                    node
                })
                .collect(),
        ),
        Value::Object(members) => Val::Object(
            members
                .into_iter()
                .map(|(key, item)| {
                    path.push(Step::Key(key.clone()));
                    let node = placed_json(item, text, tree, path, place);
                    path.pop();
                    (key, node)
                })
                .collect(),
        ),
        other => {
            let mut node = Node::from_json(other).placed(at);
            node.note = note;
            return node;
        }
    };
    Node::new(value, at)
}

/// A string's JSON, as a tree: a `jsonencode`d value as it was written, a string's text parsed
/// and placed where the string wrote it; unknown when it is not JSON or not known.
pub fn parse_json(node: &Node) -> Node {
    let at = node.at;
    let parsed = match &node.value {
        Val::Json(inner) => return (**inner).clone(),
        Val::String(text) => json_nodes(text, &|_| (at, None)),
        Val::Rendered(rendered) => json_nodes(&rendered.text, &|span| rendered.place(span)),
        Val::Unknown(unknown) => match &unknown.rendered {
            Some(rendered) => json_nodes(&rendered.text, &|span| rendered.place(span))
                .map(|tree| with_holes(tree, &unknown.why)),
            None => return node.clone(),
        },
        Val::Null => return node.clone(),
        _ => return Node::unknown("a value that is not a JSON string", at),
    };
    match parsed {
        Ok(tree) => tree,
        Err((message, _)) => Node::unknown(format!("not JSON: {message}"), at),
    }
}

/// Strings of a parsed tree that hold holes become unknown texts.
fn with_holes(mut node: Node, why: &str) -> Node {
    match &mut node.value {
        Val::String(text) if text.contains(super::eval::HOLE) => {
            let mut parts = Vec::new();
            for (i, segment) in text.split(super::eval::HOLE).enumerate() {
                if i > 0 {
                    parts.push(Part::Hole);
                }
                parts.push(Part::Known(segment.to_string()));
            }
            node.value = Val::Unknown(Box::new(Unknown {
                why: why.to_string(),
                shape: UnknownShape::Text(parts),
                rendered: None,
            }));
            node
        }
        Val::List(items) => {
            let taken = std::mem::take(items);
            *items = taken.into_iter().map(|n| with_holes(n, why)).collect();
            node
        }
        Val::Object(members) => {
            let taken = std::mem::take(members);
            *members = taken
                .into_iter()
                .map(|(k, n)| (k, with_holes(n, why)))
                .collect();
            node
        }
        _ => node,
    }
}
