//! Pretty JSON written as bytes for the report's most numerous elements (findings, rules not
//! evaluated, SARIF results), which are laid out from constant parts: the values between them,
//! written as serde_json writes them. A string that needs no escape is copied whole; one that
//! does is escaped as serde_json escapes it.

use serde::Serialize;

/// `text` as a JSON string, escaped as serde_json escapes it: `"`, `\` and control characters
/// only (the short forms where JSON has them, else `\u00XX` in lower-case hex).
pub(super) fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most texts need no escape: found by a scan without early exit, which compiles to wide
    // compares, and copied whole.
    let needs_escape = |byte: u8| (byte < 0x20) | (byte == b'"') | (byte == b'\\');
    if !bytes
        .iter()
        .fold(false, |any, &byte| any | needs_escape(byte))
    {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0x00..=0x1f => b'u',
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.push(b'\\');
        out.push(short);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'0',
                b'0',
                HEX[(byte >> 4) as usize],
                HEX[(byte & 0xf) as usize],
            ]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// `value` as serde_json's pretty formatter writes it inside `depth` open containers.
pub(super) fn serialized_at(
    out: &mut Vec<u8>,
    depth: usize,
    value: &impl Serialize,
) -> std::io::Result<()> {
    let formatter = super::splice::formatter_at(depth);
    let mut serializer = serde_json::Serializer::with_formatter(out, formatter);
    value.serialize(&mut serializer)?;
    Ok(())
}

/// Each text, as a JSON string, after its constant part.
pub(super) fn texts_after(out: &mut Vec<u8>, parts: &[(&Vec<u8>, &str)]) {
    for (before, text) in parts {
        out.extend_from_slice(before);
        escape_into(out, text);
    }
}

/// Each number after its constant part.
pub(super) fn numbers_after(out: &mut Vec<u8>, parts: &[(&Vec<u8>, usize)]) {
    for (before, number) in parts {
        out.extend_from_slice(before);
        out.extend_from_slice(itoa::Buffer::new().format(*number).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ASCII byte, and text beyond it, escaped as serde_json escapes it.
    #[test]
    fn strings_escape_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = (0u8..128).map(|b| format!("a{}b", b as char)).collect();
        texts.extend(
            [
                "",
                "héllo — ☃ 😀",
                "\"\\\"",
                "\u{7f}\u{80}\u{2028}",
                "tab\tnew\nline",
            ]
            .map(String::from),
        );
        for text in texts {
            let mut ours = Vec::new();
            escape_into(&mut ours, &text);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }
}
