//! Scanning JSON text without parsing it: where white space, a string or a whole value ends.
//! Large files are read several ways (members found, resources split, findings placed), each
//! a pass over their bytes, so these step a word at a time where they can.

use memchr::memchr2;

/// Past the white space at `pos`. Most of it is a line break and an indent: spaces are
/// stepped over a word at a time.
pub(super) fn skip_ws(text: &[u8], mut pos: usize) -> usize {
    const SPACES: u64 = ONES * 0x20;
    loop {
        while let Some(word) = text.get(pos..pos + 8) {
            let others = u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ SPACES;
            if others != 0 {
                pos += (others.trailing_zeros() / 8) as usize;
                break;
            }
            pos += 8;
        }
        match text.get(pos) {
            Some(b' ' | b'\t' | b'\n' | b'\r') => pos += 1,
            _ => return pos,
        }
    }
}

/// Returns the offset just past the string that starts (with its quote) at `pos`.
pub(super) fn skip_string(text: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    loop {
        // Most strings are short: a word at a time, not a search call per string.
        let found = match words_until(text, i, |x| has_byte(x, b'"') | has_byte(x, b'\\')) {
            Some(found) => found,
            None => i + memchr2(b'"', b'\\', text.get(i..)?)?,
        };
        if text[found] == b'\\' {
            i = found + 2;
        } else {
            return Some(found + 1);
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `word` equal to `byte`. Above the lowest, a match may be
/// false (a borrow carries into the next byte), so only the lowest set bit is to be read.
pub(super) fn has_byte(word: u64, byte: u8) -> u64 {
    has_byte_below(word ^ (ONES * u64::from(byte)), 1)
}

/// The high bit of each byte of `word` below `bound` (at most 0x80), read as [`has_byte`]'s.
pub(super) fn has_byte_below(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(bound)) & !word & (ONES * 0x80)
}

/// The first byte at or after `i` that `find` marks in its 8-byte word, read whole words at a
/// time; `None` when the text ends in less than a word without one (the caller finishes).
fn words_until(text: &[u8], mut i: usize, find: impl Fn(u64) -> u64) -> Option<usize> {
    while let Some(word) = text.get(i..i + 8) {
        let marks = find(u64::from_le_bytes(word.try_into().ok()?));
        if marks != 0 {
            return Some(i + (marks.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    None
}

/// The first quote or bracket at or after `i`. `[` and `]` differ from `{` and `}` by the
/// 0x20 bit alone, and no other byte becomes either with it set.
fn next_structural(text: &[u8], i: usize) -> Option<usize> {
    let folded = |x: u64| x | (ONES * 0x20);
    let found = words_until(text, i, |x| {
        has_byte(x, b'"') | has_byte(folded(x), b'{') | has_byte(folded(x), b'}')
    });
    found.or_else(|| {
        let rest = text.get(i..)?;
        let at = rest
            .iter()
            .position(|b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']'))?;
        Some(i + at)
    })
}

/// Returns the offset just past the value that starts at `pos`.
pub(super) fn skip_value(text: &[u8], pos: usize) -> Option<usize> {
    match text.get(pos)? {
        b'"' => skip_string(text, pos),
        b'{' | b'[' => {
            // Depth counting is enough: strings are skipped whole, so brackets inside them
            // never count.
            let mut depth = 0usize;
            let mut i = pos;
            loop {
                i = next_structural(text, i)?;
                match text[i] {
                    b'"' => {
                        i = skip_string(text, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    _ => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                }
                i += 1;
            }
        }
        _ => skip_scalar(text, pos),
    }
}

/// Returns the offset just past the number, `true`, `false` or `null` at `pos`.
pub(super) fn skip_scalar(text: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos;
    while i < text.len() && !matches!(text[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    (i > pos).then_some(i)
}

/// A repeatable sequence of numbers below the one asked, for tests that make random documents.
#[cfg(test)]
pub(crate) fn test_sequence(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values skipped a word at a time end where serde_json's parse of them ends: strings with
    /// escaped quotes and backslashes, brackets inside strings, and every length around the
    /// 8-byte words, compact and pretty-printed; a value cut short is never said to end.
    #[test]
    fn skipped_values_end_where_serde_ends_them() {
        let pieces = [
            "a", "\\\"", "\\\\", "[", "]", "{", "}", "é", " ", "\"", "x1",
        ];
        let mut next = test_sequence(7);
        for round in 0..300 {
            // Keys and strings of pieces, in containers nested a few deep.
            let mut text_of =
                |len: usize| -> String { (0..len).map(|_| pieces[next(pieces.len())]).collect() };
            let mut value = serde_json::Value::String(text_of(round % 23));
            for depth in 0..(round % 5) {
                value = match depth % 2 {
                    0 => serde_json::json!({ text_of(round % 13): value, "n": [1, true, null] }),
                    _ => serde_json::json!([value, text_of(round % 17), {}]),
                };
            }
            for text in [
                serde_json::to_string(&value).unwrap(),
                serde_json::to_string_pretty(&value).unwrap(),
            ] {
                let bytes = text.as_bytes();
                assert_eq!(skip_value(bytes, 0), Some(bytes.len()), "{text}");
                // The value's last byte closes it: cut anywhere before, it does not end.
                for cut in 1..bytes.len().min(40) {
                    assert_eq!(skip_value(&bytes[..bytes.len() - cut], 0), None, "{text}");
                }
            }
        }
    }
}
