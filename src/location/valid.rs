//! A quick check that JSON text is well formed, for the task definitions read at load and parsed
//! only when evaluated. serde_json's own check (`Checked` in sources) decodes every string and
//! number through its visitors: two thirds of a task definition file's load, in instructions.
//! This one steps over the bytes once. It answers only "surely valid": anything it is unsure of
//! (an exponent that may overflow, a surrogate escape, deep nesting, a control character, any
//! error) is left to serde_json, which then gives the exact error or accepts it.

use super::scan::{has_byte, has_byte_below, skip_ws as ws};

/// Nesting deeper than this is left to serde_json (its limit is 128 levels).
const DEPTH: usize = 100;

/// Where the value at `pos` ends, when it is surely a value serde_json builds (no error, no
/// number out of range); `None` when unsure. `member` is given each member of the value, when
/// it is an object, as its key's raw bytes (between the quotes) and where its value starts; a
/// key with an escape makes the answer `None`, so raw keys are the decoded ones.
pub fn surely_valid<'t>(
    text: &'t [u8],
    pos: usize,
    mut member: impl FnMut(&'t [u8], usize),
) -> Option<usize> {
    let mut open = [0u8; DEPTH];
    let mut depth = 0usize;
    let mut i = pos;
    loop {
        // A value starts at `i`.
        match *text.get(i)? {
            open_byte @ (b'{' | b'[') => {
                if depth == DEPTH {
                    return None;
                }
                open[depth] = open_byte;
                depth += 1;
                i = ws(text, i + 1);
                let close = if open_byte == b'{' { b'}' } else { b']' };
                if text.get(i) == Some(&close) {
                    depth -= 1;
                    i += 1;
                } else {
                    if open_byte == b'{' {
                        i = key(text, i, depth, &mut member)?;
                    }
                    continue;
                }
            }
            b'"' => i = string(text, i)?,
            b't' => i = literal(text, i, b"true")?,
            b'f' => i = literal(text, i, b"false")?,
            b'n' => i = literal(text, i, b"null")?,
            b'-' | b'0'..=b'9' => i = number(text, i)?,
            _ => return None,
        }
        // A value ended at `i`: what follows it in its container.
        loop {
            if depth == 0 {
                return Some(i);
            }
            i = ws(text, i);
            let container = open[depth - 1];
            match (*text.get(i)?, container) {
                (b',', b'{') => {
                    i = key(text, ws(text, i + 1), depth, &mut member)?;
                    break;
                }
                (b',', _) => {
                    i = ws(text, i + 1);
                    break;
                }
                (b'}', b'{') | (b']', b'[') => {
                    depth -= 1;
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// An object's key at `i`, its colon, and the white space to its value, which it returns.
fn key<'t>(
    text: &'t [u8],
    i: usize,
    depth: usize,
    member: &mut impl FnMut(&'t [u8], usize),
) -> Option<usize> {
    if text.get(i) != Some(&b'"') {
        return None;
    }
    let end = string(text, i)?;
    let raw = &text[i + 1..end - 1];
    let colon = ws(text, end);
    if text.get(colon) != Some(&b':') {
        return None;
    }
    let value = ws(text, colon + 1);
    if depth == 1 {
        if raw.contains(&b'\\') {
            return None;
        }
        member(raw, value);
    }
    Some(value)
}

fn literal(text: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (text.get(i..i + word.len())? == word).then_some(i + word.len())
}

/// The string whose quote is at `i`: where it ends. Escapes are checked; a `\u` escape of a
/// surrogate, and any control character, are left to serde_json.
fn string(text: &[u8], i: usize) -> Option<usize> {
    let mut i = i + 1;
    loop {
        // A word at a time to the first quote, backslash or control character.
        while let Some(word) = text.get(i..i + 8) {
            let x = u64::from_le_bytes(word.try_into().ok()?);
            // Only the lowest mark is sure to be true, and only it is read.
            let marks = has_byte_below(x, 0x20) | has_byte(x, b'"') | has_byte(x, b'\\');
            if marks != 0 {
                i += (marks.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match *text.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *text.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = std::str::from_utf8(text.get(i + 2..i + 6)?).ok()?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    let unit = u16::from_str_radix(hex, 16).ok()?;
                    if (0xD800..=0xDFFF).contains(&unit) {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            b if b < 0x20 => return None,
            _ => i += 1,
        }
    }
}

/// The number at `i`: where it ends. One whose value might not fit an `f64` (more than 300
/// digits, or an exponent of more than two digits) is left to serde_json.
fn number(text: &[u8], i: usize) -> Option<usize> {
    let digits_from = |mut at: usize| {
        let start = at;
        while text.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        (at, at - start)
    };
    let mut at = i + usize::from(text[i] == b'-');
    let (after, int_digits) = digits_from(at);
    if int_digits == 0 || (int_digits > 1 && text[at] == b'0') {
        return None;
    }
    at = after;
    let mut digits = int_digits;
    if text.get(at) == Some(&b'.') {
        let (after, fraction) = digits_from(at + 1);
        if fraction == 0 {
            return None;
        }
        at = after;
        digits += fraction;
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(text.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let (after, exponent) = digits_from(at);
        if exponent == 0 || exponent > 2 {
            return None;
        }
        at = after;
    }
    (digits <= 300).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn sure(text: &str) -> bool {
        surely_valid(text.as_bytes(), 0, |_, _| {}).is_some_and(|end| end == text.len())
    }

    #[test]
    fn valid_documents_are_sure_and_end_where_serde_ends() {
        for text in [
            r#"{"a": [1, 2.5, -0.25e-3, "\u00e9\n\"", null, true, false, {}, []], "b": {"c": 1E+10}}"#,
            "[]",
            "0",
            "\"\"",
            r#"{"k":"x\/y\\z\b\f\r\t"}"#,
            "  [ 1 , [ 2 ] ]",
        ] {
            let start = text.len() - text.trim_start().len();
            assert!(serde_json::from_str::<Value>(text).is_ok(), "{text}");
            let end = surely_valid(text.as_bytes(), start, |_, _| {});
            assert_eq!(end, Some(text.len()), "{text}");
        }
    }

    #[test]
    fn whatever_is_sure_serde_builds() {
        // Refused by serde_json, or not surely accepted: each must be left to it.
        for text in [
            "1e999",
            "-1e400",
            r#""\ud800""#,
            r#""\ud83d\ude00""#,
            &format!("{}{}", "[".repeat(101), "]".repeat(101)),
            &format!("{}{}", "[".repeat(200), "]".repeat(200)),
            &"9".repeat(400),
            "01",
            "-",
            "1.",
            ".5",
            "+1",
            "[1,]",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            "[1 2]",
            "tru",
            "nul",
            "\"a\u{1}b\"",
            r#""\x""#,
            r#""\u12g4""#,
            "\"abc",
            "[1}",
            "{\"a\":1]",
            r#"{"\u0061":1}"#,
        ] {
            assert!(!sure(text), "{text}");
        }
        // Random documents, broken at random: sure only of what serde_json builds.
        let mut next = crate::location::test_sequence(7);
        let pieces = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"k\"",
            "1",
            "-2.5e3",
            "null",
            " ",
            "\"\\u00e9\"",
        ];
        let mut sure_of = 0;
        for _ in 0..20_000 {
            let text: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            if sure(&text) {
                assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
                sure_of += 1;
            }
        }
        // Enough of them well formed for the check to mean something.
        assert!(sure_of > 500, "{sure_of}");
    }

    #[test]
    fn gives_each_top_level_member() {
        let text = r#"{"family": "web", "x": {"family": 1}, "tags": [{"key": "a"}]}"#;
        let mut members = Vec::new();
        surely_valid(text.as_bytes(), 0, |key, at| {
            members.push((String::from_utf8_lossy(key).into_owned(), at))
        });
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["family", "x", "tags"]);
        assert_eq!(&text[members[0].1..members[0].1 + 5], "\"web\"");
        assert_eq!(&text[members[2].1..members[2].1 + 1], "[");
    }
}
