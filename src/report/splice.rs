//! A large report's findings serialized on every core: the document is written by serde_json
//! with its findings' array empty, and the array is filled in while the document is copied
//! out, from elements serialized a batch at a time in parallel. The bytes are those
//! serde_json writes for the whole document: the elements are serialized with a pretty
//! formatter placed at their depth.

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io::Write;

/// Elements serialized together, then written: bounds what is held beside the output.
const BATCH: usize = 2048;

/// Serializes one element where it goes in the document.
#[derive(Clone, Copy)]
pub(super) struct Element {
    depth: usize,
}

impl Element {
    /// An element inside `depth` open containers.
    #[cfg(test)]
    pub fn at(depth: usize) -> Element {
        Element { depth }
    }

    pub fn bytes(self, element: &impl Serialize) -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(1024);
        let mut serializer =
            serde_json::Serializer::with_formatter(&mut bytes, formatter_at(self.depth));
        element.serialize(&mut serializer)?;
        Ok(bytes)
    }
}

/// Writes `document` (pretty JSON) with the elements `render` serializes for `items` in its
/// array member `key`, which must be empty in `document` and whose elements are at `depth`
/// (the root's members are at depth 1).
pub(super) fn write_with_elements<T: Sync>(
    document: &str,
    key: &str,
    depth: usize,
    items: &[T],
    render: impl Fn(&T, Element) -> std::io::Result<Vec<u8>> + Sync,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match split_at_empty(document, key, depth) {
        Some((head, tail)) => {
            out.write_all(head.as_bytes())?;
            write_elements(items, depth, render, out)?;
            out.write_all(tail.as_bytes())
        }
        None => out.write_all(document.as_bytes()),
    }
}

/// `document` cut inside its empty array member `key` whose elements are at `depth`: up to
/// its `[`, and after its `]`.
pub(super) fn split_at_empty<'d>(
    document: &'d str,
    key: &str,
    depth: usize,
) -> Option<(&'d str, &'d str)> {
    // The member's line: indented one level less than its elements, which is what makes it
    // the member of that depth and no other.
    let empty = format!("\n{}\"{key}\": []", indent(depth - 1));
    let open = document.find(&empty)? + empty.len() - 1;
    Some((&document[..open], &document[open + 1..]))
}

/// The elements `render` serializes for `items`, serialized a batch at a time on every core,
/// then the array's `]`: what follows its `[` in the document. The next batches are serialized
/// while one is written, so that no core waits for the output.
pub(super) fn write_elements<T: Sync>(
    items: &[T],
    depth: usize,
    render: impl Fn(&T, Element) -> std::io::Result<Vec<u8>> + Sync,
    out: &mut impl Write,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    if items.is_empty() {
        return out.write_all(b"]");
    }
    let (first, next) = (
        format!("\n{}", indent(depth)),
        format!(",\n{}", indent(depth)),
    );
    let render = &render;
    std::thread::scope(|scope| {
        // Two batches ahead at most: what is held beside the output stays bounded.
        let (send, batches) = std::sync::mpsc::sync_channel(2);
        scope.spawn(move || {
            for batch in items.chunks(BATCH) {
                let serialized: std::io::Result<Vec<Vec<u8>>> = batch
                    .par_iter()
                    .map(|item| render(item, Element { depth }))
                    .collect();
                let failed = serialized.is_err();
                // The writer stopped (an output error): nothing more to serialize.
                if send.send(serialized).is_err() || failed {
                    break;
                }
            }
        });
        for (batch_index, serialized) in batches.into_iter().enumerate() {
            for (i, bytes) in serialized?.iter().enumerate() {
                let separator = match batch_index == 0 && i == 0 {
                    true => &first,
                    false => &next,
                };
                out.write_all(separator.as_bytes())?;
                out.write_all(bytes)?;
            }
        }
        write!(out, "\n{}]", indent(depth - 1))
    })
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

/// A pretty formatter that has opened `depth` containers: what it writes is indented as at
/// that depth of a document.
pub(super) fn formatter_at(depth: usize) -> PrettyFormatter<'static> {
    let mut formatter = PrettyFormatter::new();
    let mut sink = std::io::sink();
    for _ in 0..depth {
        let _ = formatter.begin_array(&mut sink);
    }
    formatter
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn element(i: &usize) -> Value {
        json!({"rule": format!("R{i}"), "at": {"line": i, "tags": ["a", {"k": "\"findings\": []"}]}, "none": []})
    }

    /// Filled in at depth 2 (a member of the root) and 4 (SARIF's results), across batches and
    /// with none: the bytes serde_json writes for the whole document.
    #[test]
    fn elements_written_apart_read_as_the_whole() {
        for count in [0, 1, 3, BATCH + 5] {
            let items: Vec<usize> = (0..count).collect();
            let elements: Vec<Value> = items.iter().map(element).collect();
            let shapes = [
                (
                    2,
                    json!({"version": 1, "summary": {"findings": []}, "findings": [], "after": [1]}),
                    json!({"version": 1, "summary": {"findings": []}, "findings": elements, "after": [1]}),
                ),
                (
                    4,
                    json!({"runs": [{"tool": {"results": []}, "results": [], "z": {}}]}),
                    json!({"runs": [{"tool": {"results": []}, "results": elements, "z": {}}]}),
                ),
            ];
            for (depth, empty, whole) in shapes {
                let key = if depth == 2 { "findings" } else { "results" };
                let document = serde_json::to_string_pretty(&empty).unwrap();
                let mut written = Vec::new();
                let render = |i: &usize, at: Element| at.bytes(&element(i));
                write_with_elements(&document, key, depth, &items, render, &mut written).unwrap();
                let expected = serde_json::to_string_pretty(&whole).unwrap();
                assert!(
                    String::from_utf8(written).unwrap() == expected,
                    "{count} elements at depth {depth}"
                );
            }
        }
    }

    /// An output that fails mid-array ends the writing with its error, and the batches being
    /// serialized ahead stop (the call returns instead of waiting on them).
    #[test]
    fn an_output_error_ends_the_writing() {
        struct FailsAfter(usize);
        impl Write for FailsAfter {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                if self.0 < bytes.len() {
                    return Err(std::io::Error::other("disk full"));
                }
                self.0 -= bytes.len();
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let items: Vec<usize> = (0..BATCH * 6).collect();
        let render = |i: &usize, at: Element| at.bytes(&element(i));
        let error = write_elements(&items, 2, render, &mut FailsAfter(100_000)).unwrap_err();
        assert_eq!(error.to_string(), "disk full");
        // An element that cannot be serialized is the error, not a partial array.
        let failing = |i: &usize, at: Element| match *i == BATCH + 1 {
            true => Err(std::io::Error::other("not serializable")),
            false => at.bytes(&element(i)),
        };
        let error = write_elements(&items, 2, failing, &mut Vec::new()).unwrap_err();
        assert_eq!(error.to_string(), "not serializable");
    }
}
