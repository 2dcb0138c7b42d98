//! The regular expressions of a rule's queries, checked when the rule is loaded. RFC 9535 makes
//! `match()` and `search()` quietly false for a pattern that is not a valid regular expression,
//! so an invalid pattern (a typo in a team's `names` parameter, a look-ahead, a pattern over the
//! size limit) would silently disable the rule.

/// The pattern literals given to `match()` and `search()` in a JSONPath query, decoded.
pub fn patterns(query: &str) -> Vec<String> {
    let bytes = query.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_string(bytes, i),
            _ => {
                let rest = &query[i..];
                let call = ["match(", "search("]
                    .into_iter()
                    .find(|name| rest.starts_with(name));
                let preceded =
                    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
                match call {
                    Some(name) if !preceded => {
                        let open = i + name.len();
                        if let Some(pattern) = second_argument(query, open) {
                            found.push(pattern);
                        }
                        i = open;
                    }
                    _ => i += 1,
                }
            }
        }
    }
    found
}

/// Whether the JSONPath engine will accept `pattern` (it compiles I-Regexps with the `regex`
/// crate, anchored for `match()`).
pub fn check(pattern: &str) -> Result<(), String> {
    // The pattern alone first, so an error points into what the user wrote.
    regex::Regex::new(pattern)
        .and_then(|_| regex::Regex::new(&format!(r"\A(?:{pattern})\z")))
        .map(|_| ())
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                format!("the pattern compiles past the size limit of {limit} bytes")
            }
            other => other.to_string(),
        })
}

/// The index just after the string literal that starts at `start`.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The second argument of the call whose arguments start at `open`, when it is a string
/// literal.
fn second_argument(query: &str, open: usize) -> Option<String> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' if depth == 0 => return None,
            b')' | b']' => depth -= 1,
            b',' if depth == 0 => {
                let literal = query[i + 1..].trim_start();
                let start = query.len() - literal.len();
                let quote = *bytes.get(start)?;
                if quote != b'\'' && quote != b'"' {
                    return None;
                }
                let end = skip_string(bytes, start);
                return Some(decode(
                    &query[start + 1..end.saturating_sub(1).max(start + 1)],
                ));
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The text of a JSONPath string literal's body (RFC 9535 escapes).
fn decode(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_patterns_of_match_and_search() {
        let query = r#"$.a[?match(@.name, '(?i).*KEY') && !search(@.v, 'x\\.y') && @.b == 'match(no, ''')]"#;
        assert_eq!(patterns(query), [r"(?i).*KEY", r"x\.y"]);
        assert_eq!(patterns("$.a[?match(@.x, @.y)]"), Vec::<String>::new());
    }

    #[test]
    fn refuses_what_the_engine_cannot_compile() {
        assert!(check("(?i)(PASSWORD|TOKEN)").is_ok());
        assert!(check("(PASSWORD").is_err());
        assert!(check("(?=lookahead)").is_err());
        assert!(check("(a{1000}){1000}").unwrap_err().contains("size limit"));
    }
}
