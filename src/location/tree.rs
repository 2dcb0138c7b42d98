//! A resource's span tree: every node of one JSON value with its byte span, built in one pass,
//! so that placing the many findings of a resource costs one scan of it, not one per finding.
//! Finds exactly what [`super::locate`] finds (the last of duplicate keys, as serde_json keeps).

use super::{Span, Step, decoded_key, key_matches, skip_scalar, skip_string, skip_ws};
use std::borrow::Cow;

mod parsed;

/// Containers nested deeper than this are not indexed (the tree says `None`, and callers scan).
const MAX_DEPTH: usize = 256;

/// One node, in 24 bytes: a template of 5,000 task definitions has over a million, and a
/// node that owned its list of children took 64 bytes and an allocation each.
#[derive(Debug, Clone, Copy)]
struct Node {
    start: u32,
    end: u32,
    /// For an object member: where the raw bytes of its key start, between the quotes.
    key_start: u32,
    /// Their length; [`NO_KEY`] for an element or the root.
    key_len: u32,
    /// Where the node's members or elements are listed in [`SpanTree::children`], in order.
    first_child: u32,
    child_count: u32,
}

const NO_KEY: u32 = u32::MAX;

/// The spans of every node of the JSON value that starts at a given byte.
#[derive(Debug, Clone, Default)]
pub struct SpanTree {
    nodes: Vec<Node>,
    /// Node indexes, each container's children side by side.
    children: Vec<u32>,
}

impl SpanTree {
    /// The tree of the value starting at `start` (after white space); `None` when the text there
    /// is not a complete JSON value, nests deeper than the tree indexes, or is too large for its
    /// 32-bit offsets.
    pub fn build(text: &[u8], start: usize) -> Option<SpanTree> {
        if u32::try_from(text.len()).is_err() {
            return None;
        }
        let mut builder = Builder::default();
        builder.value(text, skip_ws(text, start), None, 0)?;
        Some(builder.tree)
    }

    /// The span of the node at `path`, when it exists.
    pub fn find(&self, text: &[u8], path: &[Step]) -> Option<Span> {
        self.find_from(text, 0, path)
    }

    /// The node at `path`, to look further paths up from with [`SpanTree::find_from`]: a
    /// template's resource, whose members are then found without scanning the resources
    /// beside it.
    pub fn node_at(&self, text: &[u8], path: &[Step]) -> Option<usize> {
        self.descend(text, 0, path)
    }

    /// The span of the node at `path` under node `from`.
    pub fn find_from(&self, text: &[u8], from: usize, path: &[Step]) -> Option<Span> {
        let node = self.nodes.get(self.descend(text, from, path)?)?;
        Some(Span {
            start: node.start as usize,
            end: node.end as usize,
        })
    }

    /// The node at `path` under node `from`.
    pub fn descend(&self, text: &[u8], from: usize, path: &[Step]) -> Option<usize> {
        path.iter()
            .try_fold(from, |node, step| self.child(text, node, step))
    }

    /// The child of `node` at `step`. `member` is where the caller's parsed object has the
    /// member, as `(index, count)`: when the node has that many members, none repeats a key,
    /// and the one at `index` is the member, found without comparing the keys before it.
    pub fn child_of(
        &self,
        text: &[u8],
        node: usize,
        step: &Step,
        member: Option<(usize, usize)>,
    ) -> Option<usize> {
        if let (Step::Key(key), Some((index, count))) = (step, member)
            && let Some(parent) = self.nodes.get(node)
            && parent.child_count as usize == count
            && index < count
            && text.get(parent.start as usize) == Some(&b'{')
            && let Some(&child) = self.children.get(parent.first_child as usize + index)
            && self.is_member(text, child, key)
        {
            return Some(child as usize);
        }
        self.child(text, node, step)
    }

    fn child(&self, text: &[u8], node: usize, step: &Step) -> Option<usize> {
        let node = self.nodes.get(node)?;
        let first = node.first_child as usize;
        let children = self
            .children
            .get(first..first + node.child_count as usize)?;
        let child = match (step, text.get(node.start as usize)?) {
            (Step::Key(key), b'{') => children
                .iter()
                .rev()
                .find(|&&child| self.is_member(text, child, key)),
            (Step::Index(index), b'[') => children.get(*index),
            _ => None,
        }?;
        Some(*child as usize)
    }

    /// The span of node `node`.
    pub fn span(&self, node: usize) -> Option<Span> {
        let node = self.nodes.get(node)?;
        Some(Span {
            start: node.start as usize,
            end: node.end as usize,
        })
    }

    /// The members of object node `node` in order, each key (decoded) with its node; a
    /// repeated key is listed each time. `None` when the node is not an object.
    pub fn members<'t>(&self, text: &'t [u8], node: usize) -> Option<Vec<(Cow<'t, str>, usize)>> {
        let parent = self.nodes.get(node)?;
        if text.get(parent.start as usize) != Some(&b'{') {
            return None;
        }
        let first = parent.first_child as usize;
        let children = self
            .children
            .get(first..first + parent.child_count as usize)?;
        children
            .iter()
            .map(|&child| {
                let node = &self.nodes[child as usize];
                let raw =
                    text.get(node.key_start as usize..(node.key_start + node.key_len) as usize)?;
                Some((decoded_key(raw)?, child as usize))
            })
            .collect()
    }

    /// Whether node `child` is the object member named `key`.
    fn is_member(&self, text: &[u8], child: u32, key: &str) -> bool {
        let child = &self.nodes[child as usize];
        let raw = child.key_start as usize..(child.key_start + child.key_len) as usize;
        child.key_len != NO_KEY && key_matches(&text[raw], key)
    }
}

/// Builds a [`SpanTree`] in one pass.
#[derive(Default)]
struct Builder {
    tree: SpanTree,
    /// The children of the containers being read, innermost last: each container's are moved
    /// to the tree together when it closes, so they sit side by side.
    pending: Vec<u32>,
}

impl Builder {
    /// Adds the node of the value at `pos` (an object member's when `key` spans its raw key,
    /// between the quotes); its end and children are set by [`Builder::close`].
    fn open(&mut self, pos: usize, key: Option<(usize, usize)>) -> Option<u32> {
        let index = u32::try_from(self.tree.nodes.len()).ok()?;
        let (key_start, key_len) = match key {
            Some((start, end)) => (start as u32, (end - start) as u32),
            None => (0, NO_KEY),
        };
        self.tree.nodes.push(Node {
            start: pos as u32,
            end: pos as u32,
            key_start,
            key_len,
            first_child: 0,
            child_count: 0,
        });
        Some(index)
    }

    /// Ends node `index` at `end`, with the children pending since `mark` when it is a container.
    fn close(&mut self, index: u32, end: usize, mark: Option<usize>) -> Option<()> {
        if let Some(mark) = mark {
            let first = u32::try_from(self.tree.children.len()).ok()?;
            let count = u32::try_from(self.pending.len() - mark).ok()?;
            self.tree.children.extend(self.pending.drain(mark..));
            let node = &mut self.tree.nodes[index as usize];
            node.first_child = first;
            node.child_count = count;
        }
        self.tree.nodes[index as usize].end = end as u32;
        Some(())
    }

    /// Indexes the value at `pos` (an object member's when `key` spans its raw key); returns
    /// its index and where it ends.
    fn value(
        &mut self,
        text: &[u8],
        pos: usize,
        key: Option<(usize, usize)>,
        depth: usize,
    ) -> Option<(u32, usize)> {
        let index = self.open(pos, key)?;
        let (end, mark) = match *text.get(pos)? {
            b'"' => (skip_string(text, pos)?, None),
            open @ (b'{' | b'[') => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                let mark = self.pending.len();
                let end = each_child(text, pos, open == b'{', |at, key| {
                    let (child, end) = self.value(text, at, key.map(raw_key), depth + 1)?;
                    self.pending.push(child);
                    Some(end)
                })?;
                (end, Some(mark))
            }
            _ => (skip_scalar(text, pos)?, None),
        };
        self.close(index, end, mark)?;
        Some((index, end))
    }
}

/// Walks the members (`object`) or elements of the container whose bracket is at `pos`:
/// `each` reads the value at the offset it is given (an object member's, with its key's text,
/// quotes included) and says where it ends. Returns where the container ends.
fn each_child(
    text: &[u8],
    pos: usize,
    object: bool,
    mut each: impl FnMut(usize, Option<(usize, usize)>) -> Option<usize>,
) -> Option<usize> {
    let close = if object { b'}' } else { b']' };
    let mut i = skip_ws(text, pos + 1);
    if text.get(i) == Some(&close) {
        return Some(i + 1);
    }
    loop {
        let mut key = None;
        if object {
            if text.get(i) != Some(&b'"') {
                return None;
            }
            let key_end = skip_string(text, i)?;
            key = Some((i, key_end));
            i = skip_ws(text, key_end);
            if text.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(text, i + 1);
        }
        i = skip_ws(text, each(i, key)?);
        match text.get(i) {
            Some(b',') => i = skip_ws(text, i + 1),
            Some(&b) if b == close => return Some(i + 1),
            _ => return None,
        }
    }
}

/// A key's raw text, between its quotes.
fn raw_key((start, end): (usize, usize)) -> (usize, usize) {
    (start + 1, end - 1)
}

/// The members of the JSON object whose text starts at `start`: each key, decoded, and where
/// its value starts, in order (a repeated key is listed each time). For objects too wide to
/// index whole at once, such as a template's `Resources`, whose members are then indexed each
/// on its own.
pub fn object_members(text: &[u8], start: usize) -> Option<Vec<(String, usize)>> {
    object_members_ending(text, start).map(|(members, _)| members)
}

/// [`object_members`], and the offset just past the object.
pub fn object_members_ending(text: &[u8], start: usize) -> Option<(Vec<(String, usize)>, usize)> {
    object_members_seen(text, start, &mut |_| {})
}

/// [`object_members_ending`], calling `seen` with where each value starts as it is found.
pub fn object_members_seen(
    text: &[u8],
    start: usize,
    seen: &mut dyn FnMut(usize),
) -> Option<(Vec<(String, usize)>, usize)> {
    let mut members = Vec::new();
    let end = each_member(text, start, |key, value| {
        seen(value.start);
        members.push((key, value.start))
    })?;
    Some((members, end))
}

/// The members of the JSON object at `start`, each key (decoded) with the span of its value's
/// text, in order. The values are skipped, not checked.
pub fn object_member_spans(text: &[u8], start: usize) -> Option<Vec<(String, Span)>> {
    let mut members = Vec::new();
    each_member(text, start, |key, value| members.push((key, value)))?;
    Some(members)
}

/// Calls `each` with every member of the object at `start` (its decoded key and the span of
/// its value); returns the offset just past the object.
fn each_member(text: &[u8], start: usize, mut each: impl FnMut(String, Span)) -> Option<usize> {
    let open = skip_ws(text, start);
    if text.get(open) != Some(&b'{') {
        return None;
    }
    each_child(text, open, true, |value, key| {
        let (key_start, key_end) = key?;
        let key: String = serde_json::from_slice(&text[key_start..key_end]).ok()?;
        let end = super::skip_value(text, value)?;
        each(key, Span { start: value, end });
        Some(end)
    })
}

#[cfg(test)]
mod tests {
    use super::super::locate;
    use super::*;

    #[test]
    fn object_members_are_listed_with_where_each_value_starts() {
        let text = br#" { "A": {"x": [1, "}"]}, "B\u0042" : "v" ,"A":2 } "#;
        let members = object_members(text, 0).unwrap();
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["A", "BB", "A"]);
        for ((_, start), value) in members.iter().zip([&b"{"[..], b"\"v", b"2"]) {
            assert!(text[*start..].starts_with(value), "{start}");
        }
        assert_eq!(object_members(b"[1]", 0), None);
        assert_eq!(object_members(b"{\"a\" 1}", 0), None);
        assert_eq!(object_members(b"{}", 0), Some(Vec::new()));
    }

    /// Every path of the parsed value, and some that do not exist.
    fn paths(value: &serde_json::Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(prefix.clone());
        let mut missing = prefix.clone();
        missing.push(Step::Key("absent".into()));
        out.push(missing);
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    prefix.push(Step::Key(key.clone()));
                    paths(child, prefix, out);
                    prefix.pop();
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    prefix.push(Step::Index(i));
                    paths(child, prefix, out);
                    prefix.pop();
                }
                let mut past = prefix.clone();
                past.push(Step::Index(items.len()));
                out.push(past);
            }
            _ => {}
        }
    }

    #[test]
    fn finds_what_the_scanner_finds() {
        let texts = [
            r#"{"a": [1, {"b": "x\"}", "c": null}], "d": {"e": [[], {}]}, "f": -1.5e3}"#,
            r#"  {"k": 1, "k": {"deep": true}, "\u006b2": "escaped key"}"#,
            "[\r\n  {\"name\": \"app\", \"image\": \"nginx:1.27\"},\r\n  \"é\\ud83d\\ude00\"\r\n]",
            r#"{"empty": "", "nested": {"": {"": 0}}}"#,
            "true",
        ];
        for text in texts {
            let bytes = text.as_bytes();
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let tree = SpanTree::build(bytes, 0).unwrap();
            let mut all = Vec::new();
            paths(&value, &mut Vec::new(), &mut all);
            for path in all {
                assert_eq!(
                    tree.find(bytes, &path),
                    locate(bytes, 0, &path),
                    "{text} at {path:?}"
                );
            }
        }
    }

    /// A member found by where the parsed object has it is the member a search finds: the
    /// place is taken only when no key repeats, and checked.
    #[test]
    fn members_found_by_place_are_those_found_by_key() {
        let text = br#"{"a": 1, "b": {"c": 2, "d": 3}, "a": 4, "e": {"f": 5, "g": 6}}"#;
        let tree = SpanTree::build(text, 0).unwrap();
        let value: serde_json::Value = serde_json::from_slice(text).unwrap();
        let object = value.as_object().unwrap();
        for (index, key) in object.keys().enumerate() {
            let step = Step::Key(key.clone());
            // Four members written, three keys: the places are not used, "a" is the last one.
            let by_place = tree.child_of(text, 0, &step, Some((index, object.len())));
            assert_eq!(by_place, tree.child(text, 0, &step), "{key}");
        }
        let e = tree.child(text, 0, &Step::Key("e".into())).unwrap();
        let f = Step::Key("f".into());
        assert_eq!(
            tree.child_of(text, e, &f, Some((0, 2))),
            tree.child(text, e, &f)
        );
        // A wrong place is not taken on trust.
        assert_eq!(
            tree.child_of(text, e, &f, Some((1, 2))),
            tree.child(text, e, &f)
        );
        assert_eq!(
            tree.child_of(text, e, &f, Some((5, 2))),
            tree.child(text, e, &f)
        );
    }

    #[test]
    fn a_value_inside_a_file_and_broken_text() {
        let text = br#"{"taskDefinitions": [{"family": "a"}, {"family": "b", "cpu": "256"}]}"#;
        let start = text.windows(2).rposition(|w| w == b"{\"").unwrap();
        let tree = SpanTree::build(text, start).unwrap();
        let cpu = tree.find(text, &[Step::Key("cpu".into())]).unwrap();
        assert_eq!(&text[cpu.start..cpu.end], br#""256""#);
        assert!(SpanTree::build(br#"{"a": [1, 2"#, 0).is_none());
        let deep = "[".repeat(300) + &"]".repeat(300);
        assert!(SpanTree::build(deep.as_bytes(), 0).is_none());
    }
}
