//! Maps a path inside a parsed JSON document back to the bytes it came from.
//!
//! serde_json gives us values without positions, so findings are located lazily: a small scanner
//! walks the original text along the path (member names and array indexes), skipping every other
//! value without building it. Duplicate keys resolve to the *last* occurrence, as serde_json does.

use memchr::memchr;
use scan::{skip_scalar, skip_string, skip_value, skip_ws};

mod scan;
#[cfg(test)]
pub(crate) use scan::test_sequence;
mod tree;
mod valid;
pub use tree::{SpanTree, object_member_spans, object_members};
pub use valid::surely_valid;

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_step(f, self)
    }
}

/// A step as a normalized path writes it: `['key']` (quote, backslash and control characters
/// escaped) or `[0]`.
pub fn write_step(out: &mut impl std::fmt::Write, step: &Step) -> std::fmt::Result {
    match step {
        Step::Key(key) => {
            out.write_str("['")?;
            // Most keys need no escape: copied whole.
            if !key.bytes().any(|b| b < 0x20 || b == b'\'' || b == b'\\') {
                out.write_str(key)?;
            } else {
                for c in key.chars() {
                    match c {
                        '\'' => out.write_str("\\'")?,
                        '\\' => out.write_str("\\\\")?,
                        // `\u00XX` for every control character, where RFC 9535 has short
                        // forms for five: fingerprints are made of this text (`identity_path`),
                        // so it stays as it was.
                        c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
                        c => out.write_char(c)?,
                    }
                }
            }
            out.write_str("']")
        }
        Step::Index(index) => write!(out, "[{index}]"),
    }
}

/// Renders a path as an RFC 9535 normalized path (`$['a'][0]`).
pub fn normalized_path(steps: &[Step]) -> String {
    let mut out = String::with_capacity(1 + 12 * steps.len());
    out.push('$');
    for step in steps {
        // Writing to a String cannot fail.
        let _ = write_step(&mut out, step);
    }
    out
}

/// Byte range of one JSON value in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Finds the value at `path`, starting from the value that begins at byte `start`.
/// Returns `None` when the path does not exist in the text (or the text is not the JSON the
/// value was parsed from).
pub fn locate(text: &[u8], start: usize, path: &[Step]) -> Option<Span> {
    let pos = locate_start(text, start, path)?;
    let end = skip_value(text, pos)?;
    Some(Span { start: pos, end })
}

/// The span of an object member from its key to the end of its value, given the value's span;
/// the value's span itself when it is not an object member (an array element, the root).
pub fn member_span(text: &[u8], value: Span) -> Span {
    let before = |mut pos: usize| {
        while pos > 0 && text[pos - 1].is_ascii_whitespace() {
            pos -= 1;
        }
        pos
    };
    let colon = before(value.start);
    if colon == 0 || text[colon - 1] != b':' {
        return value;
    }
    let key_end = before(colon - 1);
    if key_end == 0 || text[key_end - 1] != b'"' {
        return value;
    }
    // The opening quote: the previous quote not escaped by an odd run of backslashes.
    let mut pos = key_end - 1;
    while pos > 0 {
        pos -= 1;
        if text[pos] == b'"' {
            let backslashes = text[..pos]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            if backslashes % 2 == 0 {
                return Span {
                    start: pos,
                    end: value.end,
                };
            }
        }
    }
    value
}

/// The first line of a span: from its start to the end of that line (or of the span).
pub fn first_line(text: &[u8], span: Span) -> Span {
    let line_end =
        memchr::memchr(b'\n', &text[span.start..span.end]).map_or(span.end, |i| span.start + i);
    let end = if line_end > span.start && text[line_end - 1] == b'\r' {
        line_end - 1
    } else {
        line_end
    };
    Span {
        start: span.start,
        end: end.max((span.start + 1).min(span.end)),
    }
}

/// Like [`locate`], without scanning the value itself to find where it ends.
pub fn locate_start(text: &[u8], start: usize, path: &[Step]) -> Option<usize> {
    let mut pos = skip_ws(text, start);
    for step in path {
        pos = match (step, text.get(pos)?) {
            (Step::Key(key), b'{') => find_member(text, pos, key)?,
            (Step::Index(index), b'[') => find_element(text, pos, *index)?,
            _ => return None,
        };
    }
    text.get(pos).map(|_| pos)
}

/// Start offsets of every element of the array that begins at byte `start`, in one pass.
/// Used when splitting a file into many resources so that each one is located in O(1).
pub fn element_starts(text: &[u8], start: usize) -> Vec<usize> {
    let mut starts = Vec::new();
    scan_elements(text, start, &mut starts);
    starts
}

/// Pushes the start of every element of the array at `start` (an array or not); returns the
/// offset just past its `]` when the array is well formed.
fn scan_elements(text: &[u8], start: usize, starts: &mut Vec<usize>) -> Option<usize> {
    let mut pos = skip_ws(text, start);
    if text.get(pos) != Some(&b'[') {
        return None;
    }
    pos = skip_ws(text, pos + 1);
    if text.get(pos) == Some(&b']') {
        return Some(pos + 1);
    }
    loop {
        starts.push(pos);
        pos = skip_ws(text, skip_value(text, pos)?);
        match text.get(pos) {
            Some(b',') => pos = skip_ws(text, pos + 1),
            Some(b']') => return Some(pos + 1),
            _ => return None,
        }
    }
}

/// The member names of the object at the root of `text`, with where each value starts, without
/// parsing the values. `None` when the root is not an object or the text ends early.
pub fn top_level_members(text: &[u8]) -> Option<Members> {
    scan_root(text, "", "").map(|scan| scan.members)
}

/// A root object's member names with where their values start.
pub type Members = Vec<(String, usize)>;

/// What one pass over a root object finds (a large file's bytes are mostly in one member: a
/// snapshot's task definitions, a template's resources).
#[derive(Debug, Default, PartialEq)]
pub struct RootScan {
    /// Each member's name and where its value starts.
    pub members: Members,
    /// The element starts of the member named as the array, when it is a well-formed array.
    pub elements: Option<Vec<usize>>,
    /// The members of the member named as the object, when it is a well-formed object.
    pub object_members: Option<Members>,
}

/// [`top_level_members`], with the elements of member `array` and the members of member
/// `object` found in the same pass. A malformed one makes the whole scan `None`, so the
/// caller takes the exact (error-reporting) path.
pub fn scan_root(text: &[u8], array: &str, object: &str) -> Option<RootScan> {
    scan_root_seeing(text, array, object, &mut |_| {})
}

/// [`scan_root`], calling `seen` with where each member of `object` starts as it is found (so
/// the caller may start on them while the scan goes on).
pub fn scan_root_seeing(
    text: &[u8],
    array: &str,
    object: &str,
    seen: &mut dyn FnMut(usize),
) -> Option<RootScan> {
    let mut scan = RootScan::default();
    let mut i = skip_ws(text, 0);
    if text.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(text, i + 1);
    if text.get(i) == Some(&b'}') {
        return Some(scan);
    }
    loop {
        if text.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = skip_string(text, i)?;
        let key = serde_json::from_slice::<String>(&text[i..key_end]).ok()?;
        i = skip_ws(text, key_end);
        if text.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(text, i + 1);
        let end = match text.get(i) {
            Some(b'[') if !array.is_empty() && key == array => {
                let mut starts = Vec::new();
                let end = scan_elements(text, i, &mut starts)?;
                scan.elements = Some(starts);
                end
            }
            Some(b'{') if !object.is_empty() && key == object => {
                let (members, end) = tree::object_members_seen(text, i, seen)?;
                scan.object_members = Some(members);
                end
            }
            _ => skip_value(text, i)?,
        };
        scan.members.push((key, i));
        i = skip_ws(text, end);
        match text.get(i) {
            Some(b',') => i = skip_ws(text, i + 1),
            // Only white space may follow the root object.
            Some(b'}') => return (skip_ws(text, i + 1) == text.len()).then_some(scan),
            _ => return None,
        }
    }
}

fn key_matches(raw: &[u8], key: &str) -> bool {
    // Escapes only make a key's text longer than the key: text as long as the key matches it
    // byte for byte or not at all, and longer text only through an escape.
    match raw.len().cmp(&key.len()) {
        std::cmp::Ordering::Less => return false,
        std::cmp::Ordering::Equal => return raw == key.as_bytes(),
        std::cmp::Ordering::Greater if memchr(b'\\', raw).is_none() => return false,
        std::cmp::Ordering::Greater => {}
    }
    decoded_key(raw).is_some_and(|decoded| decoded == key)
}

/// A key's raw text (between its quotes) decoded: borrowed unless it has escapes, which are
/// rare and which serde_json decodes exactly.
fn decoded_key(raw: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    match memchr(b'\\', raw) {
        None => std::str::from_utf8(raw).ok().map(Cow::Borrowed),
        Some(_) => serde_json::from_slice(&[b"\"", raw, b"\""].concat())
            .ok()
            .map(Cow::Owned),
    }
}

/// Offset of the value of member `key` in the object at `pos` (the last one if repeated).
fn find_member(text: &[u8], pos: usize, key: &str) -> Option<usize> {
    let mut found = None;
    let mut i = skip_ws(text, pos + 1);
    if text.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        if text.get(i) != Some(&b'"') {
            return found;
        }
        let key_end = skip_string(text, i)?;
        let is_match = key_matches(&text[i + 1..key_end - 1], key);
        i = skip_ws(text, key_end);
        if text.get(i) != Some(&b':') {
            return found;
        }
        i = skip_ws(text, i + 1);
        if is_match {
            found = Some(i);
        }
        let value_end = skip_value(text, i)?;
        i = skip_ws(text, value_end);
        match text.get(i) {
            Some(b',') => i = skip_ws(text, i + 1),
            _ => return found,
        }
    }
}

fn find_element(text: &[u8], pos: usize, index: usize) -> Option<usize> {
    let mut i = skip_ws(text, pos + 1);
    if text.get(i) == Some(&b']') {
        return None;
    }
    let mut current = 0;
    loop {
        if current == index {
            return Some(i);
        }
        let end = skip_value(text, i)?;
        i = skip_ws(text, end);
        match text.get(i) {
            Some(b',') => i = skip_ws(text, i + 1),
            _ => return None,
        }
        current += 1;
    }
}

/// Line starts of a text, to turn byte offsets into 1-based lines and columns. Kept for every
/// file with a finding until the report is written: 4 bytes a line where the text allows it.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: LineStarts,
}

#[derive(Debug, Clone)]
enum LineStarts {
    Narrow(Vec<u32>),
    Wide(Vec<usize>),
}

/// A 1-based line and column. Columns count UTF-16 code units, as SARIF's
/// `columnKind: utf16CodeUnits` requires; `char_column` counts characters for consoles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl LineCol {
    /// Where `offset` is in `text`, found by scanning the text before it: for an offset or two
    /// of a text whose [`LineIndex`] is not kept. The same as the index gives.
    pub fn scanned(text: &[u8], offset: usize) -> LineCol {
        let before = &text[..offset.min(text.len())];
        let start = memchr::memrchr(b'\n', before).map_or(0, |newline| newline + 1);
        LineCol {
            line: 1 + memchr::memchr_iter(b'\n', before).count(),
            column: column_after(&before[start..]),
        }
    }
}

/// The 1-based UTF-16 column after `prefix`, the text of a line before a place.
fn column_after(prefix: &[u8]) -> usize {
    // UTF-16 code units: one a byte in ASCII, the common case, checked a word at a time.
    let units = match prefix.is_ascii() {
        true => prefix.len(),
        false => String::from_utf8_lossy(prefix).encode_utf16().count(),
    };
    units + 1
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        // A large file's lines are counted first: grown by doubling, its index took twice its
        // size in fresh memory and most of its time (a 47 MB template: 55 ms against 25). A
        // small file's are not: the count was half of the work.
        let lines = match text.len() > 1 << 16 {
            true => 1 + memchr::memchr_iter(b'\n', text).count(),
            false => 1 + text.len() / 24,
        };
        let newlines = memchr::memchr_iter(b'\n', text).map(|i| i + 1);
        fn starts_of<T>(lines: usize, newlines: impl Iterator<Item = T>, zero: T) -> Vec<T> {
            let mut starts = Vec::with_capacity(lines);
            starts.push(zero);
            starts.extend(newlines);
            starts
        }
        let starts = match u32::try_from(text.len()) {
            Ok(_) => LineStarts::Narrow(starts_of(lines, newlines.map(|i| i as u32), 0)),
            Err(_) => LineStarts::Wide(starts_of(lines, newlines, 0)),
        };
        LineIndex { starts }
    }

    pub fn line_col(&self, text: &[u8], offset: usize) -> LineCol {
        // The 0-based line holding `offset`, and where it starts.
        fn line_of<T: Copy>(starts: &[T], offset: usize, at: fn(T) -> usize) -> (usize, usize) {
            let line = starts.partition_point(|&s| at(s) <= offset) - 1;
            (line, at(starts[line]))
        }
        let (line, start) = match &self.starts {
            LineStarts::Narrow(starts) => line_of(starts, offset, |s| s as usize),
            LineStarts::Wide(starts) => line_of(starts, offset, |s| s),
        };
        // Empty when `text` is not the one indexed (a file changed since it was read).
        let prefix = text.get(start..offset.min(text.len())).unwrap_or_default();
        LineCol {
            line: line + 1,
            column: column_after(prefix),
        }
    }

    pub fn line_count(&self) -> usize {
        match &self.starts {
            LineStarts::Narrow(starts) => starts.len(),
            LineStarts::Wide(starts) => starts.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normalized paths escape quotes, backslashes and control characters (`\u00XX`, lower-case
    /// hex); other text is as it is. Fingerprints are made of this text: it must not change.
    #[test]
    fn normalized_paths_escape_as_they_always_have() {
        let key = Step::Key("a'b\\c\n\t\u{1}\u{8}\u{1f}é/".into());
        assert_eq!(
            normalized_path(&[key.clone(), Step::Index(3), Step::Key("image".into())]),
            r"$['a\'b\\c\u000a\u0009\u0001\u0008\u001fé/'][3]['image']"
        );
        assert_eq!(
            key.to_string(),
            r"['a\'b\\c\u000a\u0009\u0001\u0008\u001fé/']"
        );
    }

    fn at<'a>(text: &'a str, path: &[Step]) -> Option<&'a str> {
        locate(text.as_bytes(), 0, path).map(|s| &text[s.start..s.end])
    }

    fn key(k: &str) -> Step {
        Step::Key(k.to_string())
    }

    #[test]
    fn finds_nested_members_and_elements() {
        let text = r#"{"a": [1, {"b": "x}]\"y"}, 3], "c": {"d": null}}"#;
        assert_eq!(
            at(text, &[key("a"), Step::Index(1), key("b")]),
            Some(r#""x}]\"y""#)
        );
        assert_eq!(at(text, &[key("a"), Step::Index(2)]), Some("3"));
        assert_eq!(at(text, &[key("c"), key("d")]), Some("null"));
        assert_eq!(at(text, &[key("c")]), Some(r#"{"d": null}"#));
        assert_eq!(at(text, &[key("missing")]), None);
        assert_eq!(at(text, &[key("a"), Step::Index(9)]), None);
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_like_serde_json() {
        let text = r#"{"a": 1, "a": 2}"#;
        assert_eq!(at(text, &[key("a")]), Some("2"));
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(value["a"], 2);
    }

    #[test]
    fn escaped_keys_are_decoded() {
        let text = r#"{"a\u0062": true}"#;
        assert_eq!(at(text, &[key("ab")]), Some("true"));
        // A key's text matches by its bytes when as long as the key, by an escape when longer.
        assert!(key_matches(b"name", "name"));
        assert!(key_matches(br"na\u006de", "name"));
        assert!(key_matches(br#"a\"b"#, "a\"b"));
        assert!(!key_matches(b"nama", "name"));
        assert!(!key_matches(b"names", "name"));
        assert!(!key_matches(b"nam", "name"));
        assert!(!key_matches(br"\u006eam", "name"));
    }

    #[test]
    fn element_starts_lists_every_element() {
        let text = r#"[ {"a": "]"}, [1,2] ,3 ]"#;
        let starts = element_starts(text.as_bytes(), 0);
        assert_eq!(starts.len(), 3);
        assert_eq!(&text[starts[1]..starts[1] + 5], "[1,2]");
    }

    #[test]
    fn members_and_array_elements_in_one_pass() {
        let text = br#"{"meta": {"a": [1]}, "items": [ {"x": "]"}, [2], "s" ], "z": 3}"#;
        let scan = scan_root(text, "items", "meta").unwrap();
        let keys: Vec<&str> = scan.members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["meta", "items", "z"]);
        assert_eq!(scan.members, top_level_members(text).unwrap());
        let members = &scan.members;
        assert_eq!(scan.elements.unwrap(), element_starts(text, members[1].1));
        assert_eq!(
            scan.object_members.unwrap(),
            tree::object_members(text, members[0].1).unwrap()
        );
        // A broken array or object: no members, so the caller takes the exact (error-reporting)
        // path.
        assert!(scan_root(br#"{"items": [1 2]}"#, "items", "").is_none());
        assert!(scan_root(br#"{"meta": {"a" 1}}"#, "", "meta").is_none());
        let other_types = scan_root(br#"{"items": 5, "meta": []}"#, "items", "meta").unwrap();
        assert!(other_types.elements.is_none() && other_types.object_members.is_none());
    }

    #[test]
    fn columns_count_utf16_units() {
        let text = "{\n  \"é😀\": 1\n}";
        let index = LineIndex::new(text.as_bytes());
        let span = locate(text.as_bytes(), 0, &[key("é😀")]).unwrap();
        // "  \"é😀\": " is 2 + 1 + 1 + 2 + 1 + 2 = 9 UTF-16 units before the value.
        assert_eq!(
            index.line_col(text.as_bytes(), span.start),
            LineCol {
                line: 2,
                column: 10
            }
        );
    }

    /// A place found by scanning is the one the index gives, at every offset and past the end.
    #[test]
    fn scanned_places_are_the_indexed_ones() {
        for text in [
            "",
            "\n",
            "{\r\n  \"é😀\": 1\r\n}\n",
            "a\n\nbc\nd",
            "ünï\ncödé",
        ] {
            let (bytes, index) = (text.as_bytes(), LineIndex::new(text.as_bytes()));
            for offset in
                (0..=text.len() + 2).filter(|&at| at > text.len() || text.is_char_boundary(at))
            {
                assert_eq!(
                    LineCol::scanned(bytes, offset),
                    index.line_col(bytes, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn truncated_text_yields_none_not_a_panic() {
        for text in [
            r#"{"a": "#,
            r#"{"a": [1, "#,
            r#"{"a": "unterminated"#,
            "",
            "[",
            "{",
        ] {
            let _ = locate(text.as_bytes(), 0, &[key("a"), Step::Index(3)]);
            let _ = element_starts(text.as_bytes(), 0);
        }
    }
}
