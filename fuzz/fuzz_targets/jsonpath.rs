//! The JSONPath layer: the first line is a query, the rest a JSON document.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (query, document) = text.split_once('\n').unwrap_or((text, "{}"));
    let Ok(path) = jsonpath_rfc9535::JsonPath::parse(query) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(document) else { return };
    let nodes = path.query(&value);
    for node in nodes.iter() {
        let _ = node.path().to_string();
    }
});
