//! Pretty JSON written by hand for the report's most numerous elements (findings and the rules
//! not evaluated): the bytes serde_json's pretty formatter writes for them, at a fraction of its
//! cost, as a large report is mostly these. A string that needs no escape is copied whole;
//! one that does is escaped as serde_json escapes it.

use serde::Serialize;

/// A pretty JSON buffer at a depth of the document, following serde_json's `PrettyFormatter`:
/// two spaces per level, `": "` after a key, an empty container written `{}` or `[]`.
pub(super) struct Pretty {
    pub bytes: Vec<u8>,
    indent: usize,
    /// The container being written has a member: its end goes on a line of its own.
    has_value: bool,
}

impl Pretty {
    /// Writing a value inside `depth` open containers.
    pub fn at(depth: usize) -> Pretty {
        Pretty {
            bytes: Vec::with_capacity(1024),
            indent: depth,
            has_value: false,
        }
    }

    fn new_line(&mut self) {
        // A new line and its indent in one copy, up to 63 levels deep.
        const LINE: &[u8; 128] = &{
            let mut line = [b' '; 128];
            line[0] = b'\n';
            line
        };
        let width = 2 * self.indent;
        match LINE.get(..1 + width) {
            Some(line) => self.bytes.extend_from_slice(line),
            None => {
                self.bytes.push(b'\n');
                self.bytes.resize(self.bytes.len() + width, b' ');
            }
        }
    }

    pub fn begin_object(&mut self) {
        self.begin(b'{');
    }

    pub fn end_object(&mut self) {
        self.end(b'}');
    }

    pub fn begin_array(&mut self) {
        self.begin(b'[');
    }

    pub fn end_array(&mut self) {
        self.end(b']');
    }

    fn begin(&mut self, open: u8) {
        self.indent += 1;
        self.has_value = false;
        self.bytes.push(open);
    }

    fn end(&mut self, close: u8) {
        self.indent -= 1;
        if self.has_value {
            self.new_line();
        }
        self.bytes.push(close);
        self.has_value = true;
    }

    /// Starts the member `key` (a name that needs no escape) of the object being written.
    pub fn key(&mut self, key: &str) {
        self.separate();
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(key.as_bytes());
        self.bytes.extend_from_slice(b"\": ");
    }

    /// Starts an element of the array being written.
    pub fn element(&mut self) {
        self.separate();
    }

    fn separate(&mut self) {
        if self.has_value {
            self.bytes.push(b',');
        }
        self.new_line();
    }

    /// A value ends: the member or element just started.
    fn ended(&mut self) {
        self.has_value = true;
    }

    pub fn string(&mut self, text: &str) {
        escape_into(&mut self.bytes, text);
        self.ended();
    }

    pub fn number(&mut self, number: usize) {
        let mut digits = itoa::Buffer::new();
        self.bytes
            .extend_from_slice(digits.format(number).as_bytes());
        self.ended();
    }

    /// A value serialized before by [`Pretty::serialized`] at the same depth ([`Pretty::depth`]).
    pub fn serialized_before(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        self.ended();
    }

    /// The depth values are written at here.
    pub fn depth(&self) -> usize {
        self.indent
    }

    /// Any other value, through serde_json at this depth: for the rare and the small.
    pub fn serialized(&mut self, value: &impl Serialize) -> std::io::Result<()> {
        let formatter = super::splice::formatter_at(self.indent);
        let mut serializer = serde_json::Serializer::with_formatter(&mut self.bytes, formatter);
        value.serialize(&mut serializer)?;
        self.ended();
        Ok(())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    /// Nested and empty containers, numbers, nulls and serialized values at a depth: what
    /// serde_json's pretty formatter writes for the same value at that depth.
    #[test]
    fn containers_are_laid_out_as_serde_json_lays_them_out() {
        for depth in [0, 2, 3] {
            let mut ours = Pretty::at(depth);
            ours.begin_object();
            ours.key("a");
            ours.string("x");
            ours.key("empty");
            ours.begin_array();
            ours.end_array();
            ours.key("list");
            ours.begin_array();
            for i in 0..2 {
                ours.element();
                ours.begin_object();
                ours.key("n");
                ours.number(i);
                ours.key("none");
                ours.serialized(&serde_json::Value::Null).unwrap();
                ours.end_object();
            }
            ours.end_array();
            ours.key("nothing");
            ours.begin_object();
            ours.end_object();
            ours.key("other");
            ours.serialized(&json!({"k": [1, {"z": null}], "e": {}}))
                .unwrap();
            ours.key("last");
            ours.serialized(&serde_json::Value::Null).unwrap();
            ours.end_object();
            let value = json!({
                "a": "x", "empty": [], "list": [{"n": 0, "none": null}, {"n": 1, "none": null}],
                "nothing": {}, "other": {"k": [1, {"z": null}], "e": {}}, "last": null
            });
            let mut formatter = serde_json::ser::PrettyFormatter::new();
            for _ in 0..depth {
                let _ =
                    serde_json::ser::Formatter::begin_array(&mut formatter, &mut std::io::sink());
            }
            let mut theirs = Vec::new();
            let mut serializer = serde_json::Serializer::with_formatter(&mut theirs, formatter);
            value.serialize(&mut serializer).unwrap();
            assert_eq!(
                String::from_utf8(ours.bytes).unwrap(),
                String::from_utf8(theirs).unwrap(),
                "depth {depth}"
            );
        }
    }
}
