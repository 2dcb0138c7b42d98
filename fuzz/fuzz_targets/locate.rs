//! The byte scanner against serde_json: for any valid JSON text and any path that exists in the
//! parsed value, the located span must parse to exactly that value, and the span tree must
//! find the same span.
#![no_main]
use ecslint::location::{LineIndex, SpanTree, Step, element_starts, locate, surely_valid, top_level_members};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Every path into a value, depth-first, bounded.
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    if out.len() > 64 {
        return;
    }
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(Step::Key(key.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    // Never panics on anything.
    let _ = top_level_members(data);
    let _ = element_starts(data, 0);
    let _ = locate(data, 0, &[Step::Key("a".into()), Step::Index(1)]);
    let tree = SpanTree::build(data, 0);
    let index = LineIndex::new(data);
    let _ = index.line_col(data, data.len() / 2);
    // The quick check is sure only of text serde_json builds (ecslint's texts are UTF-8). A key
    // serde_json reserves for its raw values makes its `Value` parse refuse an object that
    // ecslint's own readers (and its load check) take as any other key.
    if let Ok(text) = std::str::from_utf8(data)
        && !text.contains("$serde_json::private")
    {
        let start = text.len() - text.trim_start_matches([' ', '\t', '\n', '\r']).len();
        let sure = surely_valid(data, start, |_, _| {})
            .is_some_and(|end| text[end..].trim_matches([' ', '\t', '\n', '\r']).is_empty());
        if sure {
            assert!(serde_json::from_str::<Value>(text).is_ok(), "sure of text serde refuses");
        }
    }
    // Agrees with serde_json on valid JSON.
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    let mut all = Vec::new();
    paths(&value, &mut Vec::new(), &mut all);
    for path in all {
        let expected = path.iter().try_fold(&value, |node, step| match step {
            Step::Key(k) => node.get(k),
            Step::Index(i) => node.get(*i),
        });
        let span = locate(data, 0, &path).expect("an existing path is found");
        let found: Value = serde_json::from_slice(&data[span.start..span.end]).expect("the span is a JSON value");
        assert_eq!(Some(&found), expected, "path {path:?}");
        // The one-pass span tree finds what the scanner finds (it may decline very deep text).
        if let Some(tree) = &tree {
            assert_eq!(tree.find(data, &path), Some(span), "span tree at {path:?}");
        }
    }
});
