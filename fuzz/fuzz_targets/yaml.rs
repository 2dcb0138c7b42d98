//! The YAML reader on arbitrary text: never panics, and every recorded span lies inside the text
//! on character boundaries; a document that parses as JSON too reads as the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = ecslint::sources::yaml::parse(text) else { return };
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
