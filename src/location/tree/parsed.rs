//! A JSON value read into a serde_json `Value` and its [`SpanTree`] in one pass: a document
//! that is parsed to be judged and whose findings are then placed would otherwise be scanned
//! twice (serde_json's parse, then the tree's).
//!
//! Only the common forms are read here; anything else (a number that is not a small
//! non-negative integer, a string with escapes) is handed to serde_json, token by token, so
//! every value is serde_json's own. Text serde_json would refuse, or nesting as deep as its
//! limit, gives `None`: the caller then parses with serde_json, for its error or its value.

use super::super::{skip_scalar, skip_string, skip_ws};
use super::{Builder, SpanTree, each_child, raw_key};
use serde_json::{Map, Value};

/// serde_json refuses containers nested 128 deep: deeper ones are left to it.
const DEPTH_LIMIT: usize = 126;

impl SpanTree {
    /// The value starting at `start` (after white space), its span tree, and the offset just
    /// past it; `None` as the module says.
    pub fn parse(text: &str, start: usize) -> Option<(Value, SpanTree, usize)> {
        u32::try_from(text.len()).ok()?;
        let mut reader = Reader {
            text,
            nodes: Builder::default(),
            items: Vec::new(),
            members: Vec::new(),
        };
        let (_, end, value) = reader.value(skip_ws(text.as_bytes(), start), None, 0)?;
        Some((value, reader.nodes.tree, end))
    }
}

struct Reader<'t> {
    text: &'t str,
    /// The tree, built as [`SpanTree::build`] builds it.
    nodes: Builder,
    /// The elements and members of the containers being read, innermost last: each container
    /// is made once its size is known, at that size, instead of growing as it is read.
    items: Vec<Value>,
    members: Vec<(String, Value)>,
}

impl Reader<'_> {
    /// The value at `pos` (an object member's when `key` spans its key, quotes included): its
    /// node, where it ends, and the value.
    fn value(
        &mut self,
        pos: usize,
        key: Option<(usize, usize)>,
        depth: usize,
    ) -> Option<(u32, usize, Value)> {
        let bytes = self.text.as_bytes();
        let index = self.nodes.open(pos, key.map(raw_key))?;
        let (end, mark, value) = match *bytes.get(pos)? {
            b'"' => {
                let end = skip_string(bytes, pos)?;
                (end, None, Value::String(self.string(pos, end)?))
            }
            b'{' | b'[' if depth >= DEPTH_LIMIT => return None,
            b'{' => {
                let (mark, first) = (self.nodes.pending.len(), self.members.len());
                let end = each_child(bytes, pos, true, |at, key| {
                    let (child, end, value) = self.value(at, key, depth + 1)?;
                    self.nodes.pending.push(child);
                    let (start, key_end) = key?;
                    let key = self.string(start, key_end)?;
                    self.members.push((key, value));
                    Some(end)
                });
                // A repeated key keeps its first place and its last value, as in serde_json.
                let members: Map<String, Value> = self.members.drain(first..).collect();
                (end?, Some(mark), Value::Object(members))
            }
            b'[' => {
                let (mark, first) = (self.nodes.pending.len(), self.items.len());
                let end = each_child(bytes, pos, false, |at, _| {
                    let (child, end, value) = self.value(at, None, depth + 1)?;
                    self.nodes.pending.push(child);
                    self.items.push(value);
                    Some(end)
                });
                let items: Vec<Value> = self.items.drain(first..).collect();
                (end?, Some(mark), Value::Array(items))
            }
            _ => {
                let end = skip_scalar(bytes, pos)?;
                (end, None, scalar(&self.text[pos..end])?)
            }
        };
        self.nodes.close(index, end, mark)?;
        Some((index, end, value))
    }

    /// The string whose text, quotes included, is `start..end`.
    fn string(&self, start: usize, end: usize) -> Option<String> {
        let quoted = &self.text[start..end];
        let raw = &quoted[1..quoted.len() - 1];
        // JSON has no raw control characters in strings; escapes are serde_json's to decode.
        // Scanned without an early exit, which compiles to wide compares: most strings are short
        // and have neither.
        let unusual = |b: u8| (b == b'\\') | (b < 0x20);
        if raw.bytes().fold(false, |any, b| any | unusual(b)) {
            return serde_json::from_str(quoted).ok();
        }
        Some(raw.to_string())
    }
}

/// A literal or a number: small non-negative integers read here, other numbers by serde_json
/// (its float reading, its `-0`).
fn scalar(token: &str) -> Option<Value> {
    match token {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        "null" => return Some(Value::Null),
        _ => {}
    }
    let digits = token.as_bytes();
    let plain = digits.len() <= 18
        && digits.iter().all(u8::is_ascii_digit)
        && (digits.len() == 1 || digits[0] != b'0');
    if plain {
        return token.parse::<u64>().ok().map(Value::from);
    }
    serde_json::from_str::<Value>(token)
        .ok()
        .filter(Value::is_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_json and the tree's builder make of `text`, beside what this reader makes.
    fn agrees(text: &str) {
        let serde: Result<Value, _> = serde_json::from_str(text.trim_end());
        // Declined (`None`): serde_json refuses it, or is left to read it.
        if let Some((value, tree, end)) = SpanTree::parse(text, 0) {
            assert_eq!(Some(&value), serde.as_ref().ok(), "{text}");
            let built = SpanTree::build(text.as_bytes(), 0).unwrap();
            assert_eq!(format!("{tree:?}"), format!("{built:?}"), "{text}");
            assert_eq!(skip_ws(text.as_bytes(), end), text.len(), "{text}");
        }
    }

    #[test]
    fn reads_what_serde_json_reads_with_the_tree_the_builder_builds() {
        let texts = [
            r#"{"a": [1, {"b": "x\"}", "c": null}], "d": {"e": [[], {}]}, "f": -1.5e3}"#,
            r#"  {"k": 1, "k": {"deep": true}, "\u006b2": "escaped key", "t": false}"#,
            "[\r\n  {\"name\": \"app\", \"image\": \"nginx:1.27\"},\r\n  \"é\\ud83d\\ude00\"\r\n]",
            r#"{"empty": "", "nested": {"": {"": 0}}, "big": 18446744073709551616}"#,
            r#"[0, 7, 123456789012345678, 1234567890123456789, -0, -12, 1e2, 0.5, 1E-7]"#,
            "true",
            "\"tab\\tnew\\nline\"",
        ];
        for text in texts {
            agrees(text);
            assert!(SpanTree::parse(text, 0).is_some(), "{text}");
        }
        // Numbers read here and by serde_json are the same numbers, of the same kind.
        let (value, _, _) =
            SpanTree::parse("[0, 17, -0, -3, 2.50, 12345678901234567890]", 0).unwrap();
        let serde: Value =
            serde_json::from_str("[0, 17, -0, -3, 2.50, 12345678901234567890]").unwrap();
        assert_eq!(value.to_string(), serde.to_string());
    }

    #[test]
    fn declines_what_serde_json_refuses() {
        let broken = [
            r#"{"a": 01}"#,
            r#"{"a": tru}"#,
            r#"{"a": 1,}"#,
            "{\"a\": \"raw\u{1}control\"}",
            r#"{"a": "\x"}"#,
            r#"{"a" 1}"#,
            r#"[1 2]"#,
            r#"{"a": [1, 2"#,
            r#"{"a": 1e}"#,
            r#"{'a': 1}"#,
        ];
        for text in broken {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert!(SpanTree::parse(text, 0).is_none(), "{text}");
        }
        let deep = "[".repeat(130) + &"]".repeat(130);
        assert!(SpanTree::parse(&deep, 0).is_none());
        let nested = "[".repeat(100) + &"]".repeat(100);
        agrees(&nested);
    }

    /// Random documents of the pieces task definitions are made of: the same value as
    /// serde_json's and the same tree as the builder's, whenever this reader takes them.
    #[test]
    fn random_documents_agree() {
        let scalars = [
            "0",
            "42",
            "-1",
            "3.25",
            "1e3",
            "true",
            "false",
            "null",
            "\"\"",
            "\"plain\"",
            "\"é ☃\"",
            "\"q\\\"uote\"",
            "\"\\u00e9\"",
            "\"a\\\\b\"",
        ];
        let keys = ["\"name\"", "\"image\"", "\"\"", "\"k\\u0065y\"", "\"name\""];
        let mut next = super::super::super::scan::test_sequence(11);
        fn document(
            depth: usize,
            next: &mut dyn FnMut(usize) -> usize,
            scalars: &[&str],
            keys: &[&str],
        ) -> String {
            let space = [" ", "", "\n  ", "\t"][next(4)];
            match (depth, next(3)) {
                (0, _) | (_, 0) => scalars[next(scalars.len())].to_string(),
                (_, 1) => {
                    let items: Vec<String> = (0..next(4))
                        .map(|_| document(depth - 1, next, scalars, keys))
                        .collect();
                    format!("[{space}{}{space}]", items.join(&format!(",{space}")))
                }
                _ => {
                    let members: Vec<String> = (0..next(4))
                        .map(|_| {
                            let key = keys[next(keys.len())];
                            format!(
                                "{key}{space}:{space}{}",
                                document(depth - 1, next, scalars, keys)
                            )
                        })
                        .collect();
                    format!("{{{space}{}{space}}}", members.join(&format!(",{space}")))
                }
            }
        }
        for _ in 0..2_000 {
            let text = document(4, &mut next, &scalars, &keys);
            // Valid JSON, every one: taken here, not declined.
            assert!(SpanTree::parse(&text, 0).is_some(), "{text}");
            agrees(&text);
        }
    }
}
