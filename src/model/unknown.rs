//! Values a source could not decide: a template's `!Ref` to a parameter without a value, an
//! `!ImportValue`, a condition on such a parameter. The translated document keeps them as
//! written; the engine judges a rule on such a document only when its outcome is the same
//! whatever the value is, and otherwise says the rule was not evaluated, naming the value.

use crate::location::Step;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// What a source writes in a document for a value it could not decide and that has no form of
/// its own there (Terraform's values known after apply): `{"Ref": "undecided: WHY"}`, an
/// intrinsic function to the translation, and a reason a person can read where it is shown.
pub fn marker(why: &str) -> Value {
    serde_json::json!({ "Ref": format!("{MARKER_PREFIX}{why}") })
}

const MARKER_PREFIX: &str = "undecided: ";

/// Why a [`marker`] was written, when `value` is one.
pub fn marked(value: &Value) -> Option<&str> {
    value.get("Ref")?.as_str()?.strip_prefix(MARKER_PREFIX)
}

/// One undecided value of a translated document.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// Where it is in the API document.
    pub path: Vec<Step>,
    /// What it is and why it is undecided, for a person: "`!Ref AWS::Region`: the stack's
    /// region, known when it is deployed".
    pub why: Why,
    /// What it may be.
    pub may_be: MayBe,
}

/// Why a value is undecided, for a person. A source may have it worded only when it is shown:
/// most never are (a template of 5,000 task definitions has 37,500 undecided values, and a rule
/// names them only when it is not evaluated).
#[derive(Clone)]
pub struct Why(Arc<Words>);

struct Words {
    text: OnceLock<String>,
    word: Option<Box<dyn Fn() -> String + Send + Sync>>,
}

impl Why {
    /// A reason already worded.
    pub fn said(text: impl Into<String>) -> Why {
        let text = OnceLock::from(text.into());
        Why(Arc::new(Words { text, word: None }))
    }

    /// A reason `word` words when it is first shown.
    pub fn later(word: impl Fn() -> String + Send + Sync + 'static) -> Why {
        let word: Box<dyn Fn() -> String + Send + Sync> = Box::new(word);
        Why(Arc::new(Words {
            text: OnceLock::new(),
            word: Some(word),
        }))
    }

    pub fn text(&self) -> &str {
        let words = &self.0;
        words
            .text
            .get_or_init(|| words.word.as_ref().map(|word| word()).unwrap_or_default())
    }
}

impl std::fmt::Debug for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

impl PartialEq for Why {
    fn eq(&self, other: &Why) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.text() == other.text()
    }
}

/// The values an undecided value may take, as far as the source knows.
#[derive(Debug, Clone, PartialEq)]
pub enum MayBe {
    /// Anything, or nothing (the member absent).
    Anything,
    /// A string made of these parts, as in
    /// `!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1.4'`.
    Text(Vec<Part>),
    /// A condition's value when it holds, and when it does not; `None` is the member absent
    /// (`AWS::NoValue`).
    Branches {
        condition: String,
        when_true: Option<Value>,
        when_false: Option<Value>,
    },
}

/// A part of an undecided string.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Known(String),
    /// Any text.
    Hole,
    /// Text of one form, these examples of it (an account id is twelve digits, whichever).
    Like(Vec<String>),
}

impl MayBe {
    /// The values to try for this unknown, given strings and other literals worth trying (those
    /// a rule compares with, and a few of every type). `None` is the member absent.
    pub fn candidates(&self, literals: &[Value]) -> Vec<Option<Value>> {
        match self {
            MayBe::Anything => std::iter::once(None)
                .chain(literals.iter().cloned().map(Some))
                .collect(),
            MayBe::Text(parts) => {
                let fill = |any: &str, k: usize| -> Value {
                    let text: String = parts
                        .iter()
                        .map(|part| match part {
                            Part::Known(text) => text.as_str(),
                            Part::Hole => any,
                            Part::Like(examples) => examples
                                .get(k % examples.len().max(1))
                                .map_or(any, String::as_str),
                        })
                        .collect();
                    Value::String(text)
                };
                let widest = parts
                    .iter()
                    .map(|p| match p {
                        Part::Like(examples) => examples.len(),
                        _ => 1,
                    })
                    .max()
                    .unwrap_or(1);
                // Holes of a known form only: their examples, whatever the literals.
                let any_hole = parts.iter().any(|p| matches!(p, Part::Hole));
                let strings = literals.iter().filter_map(Value::as_str).take(if any_hole {
                    usize::MAX
                } else {
                    1
                });
                let mut tried: Vec<Option<Value>> = Vec::new();
                let fills = strings
                    .map(|s| fill(s, 0))
                    .chain((1..widest).map(|k| fill("unknown", k)));
                // Holes of a known form give the same text whatever the literal: tried once.
                for text in fills {
                    if !tried.iter().any(|t| t.as_ref() == Some(&text)) {
                        tried.push(Some(text));
                    }
                }
                tried
            }
            MayBe::Branches {
                when_true,
                when_false,
                ..
            } => vec![when_true.clone(), when_false.clone()],
        }
    }
}

/// The literals tried for every unknown, beside a rule's own: one of every JSON type, an empty
/// and a non-empty string, and numbers around zero and large.
pub fn common_literals() -> Vec<Value> {
    vec![
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        Value::from(0),
        Value::from(1),
        Value::from(-1),
        Value::from(1_000_000),
        Value::String(String::new()),
        Value::String("unknown".into()),
        Value::Array(Vec::new()),
        Value::Object(serde_json::Map::new()),
    ]
}

/// Sets (or, with `None`, removes) the node at `path` of `doc`; returns the node that was
/// there, to put back with [`restore`]. A path that is not there is left alone.
pub fn replace<'p>(doc: &mut Value, path: &'p [Step], value: Option<Value>) -> Option<Slot<'p>> {
    let removed_element = value.is_none() && matches!(path.last(), Some(Step::Index(_)));
    let before = put(doc, path, value)?;
    Some(Slot {
        path,
        before,
        removed_element,
    })
}

/// Sets or removes the node at `path`; the node that was there (`Some(None)`: none).
fn put(doc: &mut Value, path: &[Step], value: Option<Value>) -> Option<Option<Value>> {
    let (last, parent_path) = path.split_last()?;
    let parent = pointer_mut(doc, parent_path)?;
    Some(match (last, parent) {
        (Step::Key(key), Value::Object(map)) => match value {
            Some(value) => match member_mut(map, key) {
                // In place: no key copied, and the member keeps its position.
                Some(slot) => Some(std::mem::replace(slot, value)),
                None => map.insert(key.clone(), value),
            },
            None => map.remove(key),
        },
        (Step::Index(i), Value::Array(items)) if *i < items.len() => match value {
            Some(value) => Some(std::mem::replace(&mut items[*i], value)),
            None => Some(items.remove(*i)),
        },
        _ => return None,
    })
}

/// What [`replace`] took away.
#[derive(Debug)]
pub struct Slot<'p> {
    path: &'p [Step],
    before: Option<Value>,
    removed_element: bool,
}

/// Puts back what [`replace`] took away.
pub fn restore(doc: &mut Value, slot: Slot<'_>) {
    match (slot.path.last(), slot.removed_element) {
        (Some(Step::Index(i)), true) => {
            if let Some((_, parent)) = slot.path.split_last()
                && let Some(Value::Array(items)) = pointer_mut(doc, parent)
                && let Some(before) = slot.before
            {
                items.insert((*i).min(items.len()), before);
            }
        }
        _ => {
            put(doc, slot.path, slot.before);
        }
    }
}

/// The node at `path` of `doc`.
pub fn pointer<'a>(doc: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(doc, |node, step| match step {
        Step::Key(key) => node.get(key),
        Step::Index(i) => node.get(i),
    })
}

/// Member `key` of `map`, to change. Values are tried by putting them in place and back, many
/// times a resource: hashing a key (serde_json's maps use SipHash) costs more than comparing it
/// with the few members most objects have.
fn member_mut<'a>(map: &'a mut serde_json::Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    if map.len() > 8 {
        return map.get_mut(key);
    }
    map.iter_mut()
        .find(|(member, _)| member.as_str() == key)
        .map(|(_, value)| value)
}

/// The node at `path` of `doc`, to change.
pub fn pointer_mut<'a>(doc: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut node = doc;
    for step in path {
        node = match (step, node) {
            (Step::Key(key), Value::Object(map)) => member_mut(map, key)?,
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_replaced_node_is_put_back_exactly() {
        let original = json!({"a": [1, {"b": 2}, 3], "c": "x"});
        let cases: Vec<(Vec<Step>, Option<Value>)> = vec![
            (vec![Step::Key("c".into())], Some(json!(true))),
            (vec![Step::Key("c".into())], None),
            (vec![Step::Key("a".into()), Step::Index(1)], None),
            (
                vec![Step::Key("a".into()), Step::Index(1), Step::Key("b".into())],
                Some(json!([])),
            ),
        ];
        for (path, value) in cases {
            let mut doc = original.clone();
            let slot = replace(&mut doc, &path, value).unwrap();
            assert_ne!(doc, original);
            restore(&mut doc, slot);
            assert_eq!(doc, original, "{path:?}");
        }
    }

    #[test]
    fn text_is_tried_with_each_literal_in_its_holes() {
        let may_be = MayBe::Text(vec![
            Part::Hole,
            Part::Known(".dkr/app:".into()),
            Part::Hole,
            Part::Like(vec!["-a".into(), "-b".into()]),
        ]);
        let tried = may_be.candidates(&[json!("1"), json!(3), json!("")]);
        assert_eq!(
            tried,
            vec![
                Some(json!("1.dkr/app:1-a")),
                Some(json!(".dkr/app:-a")),
                Some(json!("unknown.dkr/app:unknown-b"))
            ]
        );
    }
}
