//! Checks of a rule's queries when the rule is loaded, for what the query engine would otherwise
//! do quietly or without bound:
//! - RFC 9535 makes `match()` and `search()` quietly false for a pattern that is not a valid
//!   regular expression, so an invalid pattern (a typo in a team's `names` parameter, a
//!   look-ahead, a pattern over the size limit) would silently disable the rule;
//! - each descendant segment (`..`) multiplies the nodes a query visits by the depth of the
//!   document: `$..*..*..*..*` on a 2 KB document nested 100 deep grew past 24 GB. One is
//!   allowed per query, which bounds the work to the document's nodes times its depth.

use super::catalog::ParamValue;
use std::collections::BTreeMap;

/// The most descendant segments a query may use.
pub const MAX_DESCENDANT_SEGMENTS: usize = 1;

/// How many descendant segments (`..`) a query uses, outside its string literals.
pub fn descendant_segments(query: &str) -> usize {
    let bytes = query.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_string(bytes, i),
            b'.' if bytes.get(i + 1) == Some(&b'.') => {
                count += 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    count
}

/// The pattern literals given to `match()` and `search()` in a JSONPath query, decoded.
pub fn patterns(query: &str) -> Vec<String> {
    let bytes = query.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_string(bytes, i),
            _ => {
                let call = ["match(", "search("]
                    .into_iter()
                    .find(|name| bytes[i..].starts_with(name.as_bytes()));
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

/// What the query engine would do quietly or without bound, as an error naming what to change.
pub(super) fn lint_query(
    query: &str,
    params: &BTreeMap<String, ParamValue>,
    overrides: &BTreeMap<String, ParamValue>,
) -> Result<(), String> {
    let descendants = descendant_segments(query);
    if descendants > MAX_DESCENDANT_SEGMENTS {
        return Err(format!(
            "the query uses {descendants} descendant segments (`..`); at most \
             {MAX_DESCENDANT_SEGMENTS} is allowed, since each multiplies the nodes visited by the \
             document's depth"
        ));
    }
    for pattern in patterns(query) {
        if let Err(reason) = check(&pattern) {
            // Name the parameter the pattern came from: that is what the user wrote.
            let source = params
                .iter()
                .find(|(_, value)| value.pattern_text().is_some_and(|t| pattern.contains(&t)))
                .map_or_else(String::new, |(name, _)| {
                    let set_by = if overrides.contains_key(name) {
                        " as set in the config"
                    } else {
                        ""
                    };
                    format!(" in parameter {name:?}{set_by}")
                });
            return Err(format!("invalid regular expression{source}: {reason}"));
        }
    }
    Ok(())
}

/// The literals a query compares with, and values around them: its strings, the words of its
/// regular expressions' alternatives (`(?i)^(awslogs|splunk)$` gives `awslogs` and `splunk`),
/// texts each pattern matches, and its numbers with one less and one more. A value the source could not decide is tried
/// with these: a rule whose outcome changes among them depends on it.
pub fn literals(query: &str) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let bytes = query.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                let (text, end) = string_at(query, i);
                if let Some(text) = text {
                    found.extend(pattern_words(&text).into_iter().map(Value::String));
                    found.push(Value::String(text));
                }
                i = end;
            }
            b'-' | b'0'..=b'9' if i == 0 || !is_name_byte(bytes[i - 1]) => {
                let end = (i + 1..bytes.len())
                    .find(|&j| !(bytes[j].is_ascii_digit() || bytes[j] == b'.'))
                    .unwrap_or(bytes.len());
                if let Ok(n) = query[i..end].parse::<i64>() {
                    found.extend([n - 1, n, n + 1].map(Value::from));
                } else if let Ok(x) = query[i..end].parse::<f64>() {
                    found.extend([x - 1.0, x, x + 1.0].map(Value::from));
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    // Texts each `match()`/`search()` pattern matches: its words alone may match nothing.
    for pattern in patterns(query) {
        let made = super::pattern_examples::examples(&pattern);
        found.extend(made.into_iter().map(Value::String));
    }
    let mut unique = Vec::new();
    for value in found {
        if !unique.contains(&value) {
            unique.push(value);
        }
    }
    unique
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The plain words of a regular expression's alternatives, when it has any.
fn pattern_words(pattern: &str) -> Vec<String> {
    if !pattern.contains(['|', '^', '$', '(', '*']) {
        return Vec::new();
    }
    let plain = pattern
        .replace("(?i)", "")
        .replace(".*", "|")
        .replace(['^', '$', '(', ')', '?', ':'], "|");
    plain
        .split('|')
        .map(|w| w.replace('\\', ""))
        .filter(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_alphanumeric() || "-_/.=@".contains(c))
        })
        .collect()
}

/// What a query may read of a document, by member name.
#[derive(Debug, Default, PartialEq)]
pub struct NamesRead {
    /// Every name it selects (`.image`, `['environment','secrets']`, and, over-approximating,
    /// every string literal).
    pub names: Vec<String>,
    /// The names whose members or elements it selects all of, or counts (`options.*`,
    /// `environment[?...]`, `length(@.environment)`): a member of one may change what it
    /// selects even when the member's own name is never written.
    pub wholes: Vec<String>,
    /// The names whose elements a filter compares whole (`drop[?@ == 'ALL']`,
    /// `[?match(@, ...)]`): anything inside one may change what it selects.
    pub deep: Vec<String>,
}

/// What a query may read of a document (see [`NamesRead`]); `None` when it may read anything
/// (`..`, `$.*`, a filter comparing a node whose name the query does not say).
pub fn names_read(query: &str) -> Option<NamesRead> {
    let bytes = query.as_bytes();
    let mut read = NamesRead::default();
    // The names the segment just read selects, and the bracket depth and subject of each
    // filter open around the current position.
    let mut last: Vec<String> = Vec::new();
    let mut filters: Vec<(usize, Vec<String>)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                let (text, end) = string_at(query, i);
                if let Some(text) = text {
                    read.names.push(text.clone());
                    last.push(text);
                }
                i = end;
            }
            b'.' if bytes.get(i + 1) == Some(&b'.') => return None,
            b'$' if matches!(bytes.get(i + 1..i + 3), Some(b".*") | Some(b"[*")) => return None,
            b'.' if bytes.get(i + 1) == Some(&b'*') => {
                read.wholes.append(&mut last);
                i += 2;
            }
            b'[' if bytes.get(i + 1) == Some(&b'*') => {
                read.wholes.append(&mut last);
                i += 2;
            }
            b'[' if bytes.get(i + 1) == Some(&b'?') => {
                depth += 1;
                filters.push((depth, last.clone()));
                read.wholes.append(&mut last);
                i += 2;
            }
            // `@` alone (not `@.name`, `@[...]`): the filter's subject's elements, whole.
            b'@' if !matches!(bytes.get(i + 1), Some(b'.') | Some(b'[')) => {
                match filters.last() {
                    Some((_, subject)) if !subject.is_empty() => {
                        read.deep.extend(subject.iter().cloned())
                    }
                    _ => return None,
                }
                last.clear();
                i += 1;
            }
            b')' => {
                read.wholes.append(&mut last);
                i += 1;
            }
            b'.' => {
                let end = name_end(bytes, i + 1);
                last.clear();
                if end > i + 1 {
                    let name = query[i + 1..end].to_string();
                    read.names.push(name.clone());
                    last.push(name);
                }
                i = end.max(i + 1);
            }
            b'[' => {
                depth += 1;
                last.clear();
                i += 1;
            }
            b']' => {
                if filters.last().is_some_and(|(open, _)| *open == depth) {
                    filters.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            // Names in one selector (`['environment','secrets']`) are read together.
            b' ' | b',' => i += 1,
            _ => {
                last.clear();
                i += 1;
            }
        }
    }
    Some(read)
}

/// A linked resource's part a query reads: the link's name and the member names that follow it
/// (`$._links.taskDefinition.runtimePlatform.operatingSystemFamily`), below which it may read
/// anything.
pub type LinkRead = (String, Vec<String>);

/// The parts of linked resources `query` reads (see [`LinkRead`]); `None` when it may reach
/// `_links` some other way (`..`, `$.*`, `@._links`, `['_links']`).
pub fn links_read(query: &str) -> Option<Vec<LinkRead>> {
    names_read(query)?;
    let bytes = query.as_bytes();
    let mut read = Vec::new();
    let mut from = 0;
    while let Some(found) = query[from..].find("_links") {
        let at = from + found;
        if !query[..at].ends_with("$.") {
            return None;
        }
        let mut i = at + "_links".len();
        let mut names = Vec::new();
        while bytes.get(i) == Some(&b'.') {
            let end = name_end(bytes, i + 1);
            // `.*` or `..`: what follows may be anything below.
            if end == i + 1 {
                break;
            }
            names.push(query[i + 1..end].to_string());
            i = end;
        }
        let (link, chain) = names.split_first()?;
        read.push((link.clone(), chain.to_vec()));
        from = i;
    }
    Some(read)
}

/// The members of a document's root that `query` reads (`$.containerDefinitions[...]`,
/// `$._facts.x`); `None` when it may read others (`$..`, `$.*`, `$['...']`, `$` alone).
/// A text without `$` (a link requirement's name) reads none.
pub fn roots_read(query: &str) -> Option<Vec<String>> {
    let bytes = query.as_bytes();
    let mut roots = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_string(bytes, i),
            b'$' if bytes.get(i + 1) == Some(&b'.') => {
                let name = i + 2;
                let end = name_end(bytes, name);
                // `$..`, `$.*`, or a name this scan does not read whole (non-ASCII).
                if end == name || bytes.get(end).is_some_and(|b| !b.is_ascii()) {
                    return None;
                }
                roots.push(query[name..end].to_string());
                i = end;
            }
            b'$' => return None,
            _ => i += 1,
        }
    }
    Some(roots)
}

/// Where the member name written in shorthand (`.name`) from `start` ends.
pub(super) fn name_end(bytes: &[u8], start: usize) -> usize {
    (start..bytes.len())
        .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'))
        .unwrap_or(bytes.len())
}

/// The string literal that starts at `start`, decoded (`None` when it is not closed), and the
/// index just after it.
fn string_at(query: &str, start: usize) -> (Option<String>, usize) {
    let end = skip_string(query.as_bytes(), start);
    let text = (end >= start + 2 && end <= query.len()).then(|| decode(&query[start + 1..end - 1]));
    (text, end)
}

/// The index just after the string literal that starts at `start`.
pub(super) fn skip_string(bytes: &[u8], start: usize) -> usize {
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
                // An unterminated literal is the JSONPath parser's error to report.
                if end > bytes.len() || end < start + 2 || bytes[end - 1] != quote {
                    return None;
                }
                return Some(decode(&query[start + 1..end - 1]));
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
    #[test]
    fn links_read_are_the_member_chains_after_each_link() {
        let chain = |link: &str, names: &[&str]| -> super::LinkRead {
            (link.into(), names.iter().map(|n| n.to_string()).collect())
        };
        let when = "$.launchType == 'FARGATE' && match($._links.taskDefinition.runtimePlatform.operatingSystemFamily, 'W.*')";
        assert_eq!(
            super::links_read(when),
            Some(vec![chain(
                "taskDefinition",
                &["runtimePlatform", "operatingSystemFamily"]
            )])
        );
        assert_eq!(
            super::links_read("$._links.taskRole._facts.allowStatements[*].Action"),
            Some(vec![chain("taskRole", &["_facts", "allowStatements"])])
        );
        assert_eq!(
            super::links_read("$._links.subnets[*]"),
            Some(vec![chain("subnets", &[])])
        );
        assert_eq!(super::links_read("$.containerDefinitions[*]"), Some(vec![]));
        for anything in [
            "$.._links",
            "$.*",
            "$['_links'].role",
            "$[?@._links]",
            "$._links",
        ] {
            assert_eq!(super::links_read(anything), None, "{anything}");
        }
    }

    #[test]
    fn roots_read_are_the_members_after_the_root() {
        let query = "$.containerDefinitions[?@.name == '$.x' && $._facts.fargate]";
        assert_eq!(
            super::roots_read(query),
            Some(vec!["containerDefinitions".into(), "_facts".into()])
        );
        assert_eq!(super::roots_read("taskRole"), Some(vec![]));
        for anything in ["$..image", "$.*", "$['family']", "$", "$.fam\u{e9}"] {
            assert_eq!(super::roots_read(anything), None, "{anything}");
        }
    }

    use super::*;

    #[test]
    fn finds_the_patterns_of_match_and_search() {
        let query = r#"$.a[?match(@.name, '(?i).*KEY') && !search(@.v, 'x\\.y') && @.b == 'match(no, ''')]"#;
        assert_eq!(patterns(query), [r"(?i).*KEY", r"x\.y"]);
        assert_eq!(patterns("$.a[?match(@.x, @.y)]"), Vec::<String>::new());
    }

    #[test]
    fn any_text_is_scanned_without_panicking() {
        for query in [
            "$.café[?match(@.é, 'ü",
            "$[?search(@, \"é",
            "match(x, 'a\\",
            "é..é",
        ] {
            let _ = patterns(query);
            let _ = descendant_segments(query);
        }
    }

    #[test]
    fn literals_are_the_query_s_strings_words_and_numbers() {
        let query =
            "$[?@.mode == 'non-blocking' && @.cpu < 256 && match(@.d, '^(awslogs|splunk)$')]";
        let found = literals(query);
        for expected in [
            serde_json::json!("non-blocking"),
            serde_json::json!(255),
            serde_json::json!(256),
            serde_json::json!(257),
            serde_json::json!("awslogs"),
            serde_json::json!("splunk"),
        ] {
            assert!(found.contains(&expected), "{expected} in {found:?}");
        }
        assert!(
            !found.contains(&serde_json::json!(9)),
            "no digit of a name: {found:?}"
        );
        let _ = literals("$[?@.a == 'unterminated");
    }

    #[test]
    fn names_read_are_selected_names_and_what_is_taken_whole() {
        let read = names_read(
            "$.containerDefinitions[*]['environment','secrets'][?match(@.name, 'X')] && length(@.options) > 1",
        )
        .unwrap();
        for name in [
            "containerDefinitions",
            "environment",
            "secrets",
            "name",
            "options",
        ] {
            assert!(read.names.contains(&name.to_string()), "{name} in {read:?}");
        }
        for name in ["containerDefinitions", "environment", "secrets", "options"] {
            assert!(
                read.wholes.contains(&name.to_string()),
                "{name} in {read:?}"
            );
        }
        assert!(read.deep.is_empty(), "{read:?}");
        assert_eq!(names_read("$..image"), None);
        assert_eq!(names_read("$.*"), None);
        let read = names_read("$.logConfiguration.options.*").unwrap();
        assert_eq!(read.wholes, ["options"]);
        // A filter comparing its elements whole reads all of each.
        let read = names_read("$.linuxParameters.capabilities.drop[?@ == 'ALL']").unwrap();
        assert_eq!(read.deep, ["drop"]);
        let read = names_read("$.a[?@.b[?match(@, 'x')]].c").unwrap();
        assert_eq!(read.deep, ["b"]);
        assert!(read.names.contains(&"c".to_string()), "{read:?}");
        // Whole, but whose: not said.
        assert_eq!(names_read("$[?@ == 1]"), None);
    }

    #[test]
    fn counts_descendant_segments_outside_strings() {
        assert_eq!(descendant_segments("$..*..*..*..*"), 4);
        assert_eq!(descendant_segments("$.a[?@..b == 'x..y']"), 1);
        assert_eq!(descendant_segments("$.containerDefinitions[*].image"), 0);
    }

    #[test]
    fn refuses_what_the_engine_cannot_compile() {
        assert!(check("(?i)(PASSWORD|TOKEN)").is_ok());
        assert!(check("(PASSWORD").is_err());
        assert!(check("(?=lookahead)").is_err());
        assert!(check("(a{1000}){1000}").unwrap_err().contains("size limit"));
    }
}
