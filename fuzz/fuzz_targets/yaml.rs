//! The YAML reader on arbitrary text: never panics, and every recorded span lies inside the text
//! on character boundaries; a document that parses as JSON too reads as the same value; a text
//! cut in parts (each of which parses as one member) reads as the same value as whole.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parts = in_parts(text);
    let Ok(doc) = ecslint::sources::yaml::parse(text) else {
        assert!(parts.is_none(), "read in parts, not whole: {text:?}");
        return;
    };
    // A template read in parts reads as it does whole.
    if let Some(parts) = parts {
        assert_eq!(parts, doc.value, "{text}");
    }
    for (path, span) in doc.spans.all() {
        assert!(span.start <= span.end && span.end <= text.len(), "{path:?} {span:?}");
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
    }
    // JSON is YAML: a JSON object of strings, numbers and booleans reads as itself.
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text)
        && map.values().all(|v| v.is_string() || v.is_boolean() || v.as_i64().is_some())
        && !text.contains(['\t', '\\'])
    {
        assert_eq!(doc.value, serde_json::Value::Object(map), "{text}");
    }
});

/// The document `text` stands for, read in parts as a template is (`None` when it cannot be),
/// each part's spans inside the part.
fn in_parts(text: &str) -> Option<serde_json::Value> {
    use ecslint::sources::yaml::{cut, parse_part};
    let chunks = cut(text)?;
    let member = |range: &std::ops::Range<usize>| {
        let part = parse_part(text, range.clone()).ok()?;
        for (path, span) in part.spans.all() {
            assert!(range.start <= span.start && span.end <= range.end, "{path:?} {span:?}");
        }
        let serde_json::Value::Object(map) = part.value else { return None };
        (map.len() == 1).then(|| map.into_iter().next()).flatten()
    };
    let mut root = serde_json::Map::new();
    for range in &chunks.root {
        let (key, value) = member(range)?;
        root.insert(key, value);
    }
    let mut resources = serde_json::Map::new();
    for range in &chunks.resources {
        let (key, value) = member(range)?;
        resources.insert(key, value);
    }
    root.insert("Resources".into(), serde_json::Value::Object(resources));
    Some(serde_json::Value::Object(root))
}
