//! What an undecided value of a template may be, for the engine to try: a condition's
//! branches, a text with holes (`Fn::Sub`, `Fn::Join`; a pseudo parameter's hole of a known
//! form), else anything.

use crate::model::unknown::{MayBe, Part};
use serde_json::Value;

/// Examples of the form a pseudo parameter's value has: a string that differs only in them is
/// judged as one.
const PSEUDO_EXAMPLES: &[(&str, &[&str])] = &[
    ("AWS::AccountId", &["123456789012", "210987654321"]),
    ("AWS::Region", &["us-east-1", "eu-west-1", "ap-southeast-2"]),
];

/// What an undecided value may be: a condition's branches, a text with holes (`Fn::Sub`,
/// `Fn::Join`), else anything.
pub fn may_be(value: &Value, branches: Option<[Option<Value>; 2]>) -> MayBe {
    if let Some([when_true, when_false]) = branches {
        let condition = value
            .pointer("/Fn::If/0")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        return MayBe::Branches {
            condition,
            when_true,
            when_false,
        };
    }
    let Some((function, argument)) = value.as_object().and_then(|m| m.iter().next()) else {
        return MayBe::Anything;
    };
    match (function.as_str(), argument) {
        // A pseudo parameter of a known form: its examples.
        ("Ref", Value::String(name)) => match hole(name) {
            Part::Like(examples) => MayBe::Text(vec![Part::Like(examples)]),
            _ => MayBe::Anything,
        },
        ("Fn::Sub", _) => {
            let Some(text) = argument
                .as_str()
                .or_else(|| argument.get(0).and_then(Value::as_str))
            else {
                return MayBe::Anything;
            };
            let mut parts = Vec::new();
            let mut last = 0;
            for (start, name) in sub_variables(text) {
                parts.push(Part::Known(unescaped(&text[last..start])));
                parts.push(hole(name));
                last = start + name.len() + 3;
            }
            parts.push(Part::Known(unescaped(&text[last..])));
            MayBe::Text(parts)
        }
        ("Fn::Join", Value::Array(parts)) if parts.len() == 2 => {
            let (Some(separator), Some(items)) = (parts[0].as_str(), parts[1].as_array()) else {
                return MayBe::Anything;
            };
            let mut text = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    text.push(Part::Known(separator.to_string()));
                }
                text.push(match item {
                    Value::String(known) => Part::Known(known.clone()),
                    Value::Object(map) => match map.get("Ref").and_then(Value::as_str) {
                        Some(name) => hole(name),
                        None => Part::Hole,
                    },
                    _ => Part::Hole,
                });
            }
            MayBe::Text(text)
        }
        _ => MayBe::Anything,
    }
}

/// The hole a variable leaves in a text: of a known form for some pseudo parameters.
fn hole(name: &str) -> Part {
    match PSEUDO_EXAMPLES.iter().find(|(n, _)| *n == name) {
        Some((_, examples)) => Part::Like(examples.iter().map(|e| e.to_string()).collect()),
        None => Part::Hole,
    }
}

/// The `${Name}` variables of a `Fn::Sub` text, with where each starts (escapes skipped).
pub(super) fn sub_variables(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut offset = 0;
    while let Some(start) = variable_start(&text[offset..]) {
        let begin = offset + start + 2;
        let Some(end) = text[begin..].find('}') else {
            break;
        };
        let name = &text[begin..begin + end];
        if !name.starts_with('!') {
            found.push((offset + start, name));
        }
        offset = begin + end + 1;
    }
    found
}

/// Where the next `${` of an `Fn::Sub` text starts (found by its `$`: a text has few).
pub(super) fn variable_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'$', bytes).find(|&at| bytes.get(at + 1) == Some(&b'{'))
}

/// Literal text of an `Fn::Sub`, its `${!Literal}` escapes written as what they stand for.
fn unescaped(text: &str) -> String {
    let bytes = text.as_bytes();
    match memchr::memchr_iter(b'$', bytes).any(|at| bytes[at + 1..].starts_with(b"{!")) {
        true => text.replace("${!", "${"),
        false => text.to_string(),
    }
}
