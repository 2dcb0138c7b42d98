//! Texts a regular expression matches, to try undecided values with. A rule that searches a
//! value for credentials (`(AKIA|ASIA)[A-Z0-9]{16}|...`) matches none of the words its pattern is
//! written with, so without these an undecided value (a parameter without a default) would
//! always pass it; the template may well pass a key there.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The most texts made for one pattern: one for each alternative, up to this.
const MOST: usize = 8;

/// Texts that `pattern` matches whole: one for each of its alternatives (up to [`MOST`]), and
/// an optional part or repetition both left out and taken once (`.*:latest` gives `:latest`
/// and `a:latest`). None when the pattern does not parse.
pub fn examples(pattern: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let mut made = texts(&hir);
    made.retain(|text| !text.is_empty());
    made.dedup();
    made
}

fn texts(hir: &Hir) -> Vec<String> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(literal) => vec![String::from_utf8_lossy(&literal.0).into_owned()],
        HirKind::Class(class) => one_of(class).map(String::from).into_iter().collect(),
        HirKind::Repetition(repetition) => {
            let times = repetition.min.clamp(1, 64) as usize;
            let repeated = texts(&repetition.sub)
                .into_iter()
                .map(|text| text.repeat(times));
            match repetition.min {
                0 => std::iter::once(String::new()).chain(repeated).collect(),
                _ => repeated.collect(),
            }
        }
        HirKind::Capture(capture) => texts(&capture.sub),
        HirKind::Concat(parts) => {
            // Each part's first text, and each other text of a part in turn with the others'
            // first: every alternative inside appears in some text.
            let each: Vec<Vec<String>> = parts.iter().map(texts).collect();
            if each.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            let first: Vec<&str> = each.iter().map(|texts| texts[0].as_str()).collect();
            let mut made = vec![first.concat()];
            for (at, texts) in each.iter().enumerate() {
                for text in texts.iter().skip(1) {
                    if made.len() >= MOST {
                        return made;
                    }
                    let mut parts = first.clone();
                    parts[at] = text;
                    made.push(parts.concat());
                }
            }
            made
        }
        HirKind::Alternation(alternatives) => {
            alternatives.iter().flat_map(texts).take(MOST).collect()
        }
    }
}

/// A character of `class`: a plain one when it has one, else its first.
fn one_of(class: &Class) -> Option<char> {
    let Class::Unicode(class) = class else {
        return None;
    };
    let has = |c: char| {
        class
            .ranges()
            .iter()
            .any(|r| r.start() <= c && c <= r.end())
    };
    "a0A-_.x"
        .chars()
        .find(|&c| has(c))
        .or_else(|| class.ranges().first().map(|range| range.start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches_whole(pattern: &str, text: &str) -> bool {
        regex::Regex::new(&format!(r"\A(?:{pattern})\z"))
            .unwrap()
            .is_match(text)
    }

    #[test]
    fn every_example_matches_its_pattern_and_every_alternative_has_one() {
        let patterns = [
            "((AKIA|ASIA)[A-Z0-9]{16}|Splunk [0-9a-fA-F-]{36}|-----BEGIN [A-Z ]*PRIVATE KEY-----|[a-z]+://[^:/@ ]+:[^@/ ]+@)",
            ".*:latest",
            "(root|0):.*",
            "(?i)env(ironment)?",
            "WINDOWS.*",
            "[^/:]+",
        ];
        for pattern in patterns {
            let made = examples(pattern);
            assert!(!made.is_empty(), "{pattern}");
            for text in &made {
                assert!(
                    matches_whole(pattern, text),
                    "{pattern} does not match {text:?}"
                );
            }
        }
        let credentials = examples(patterns[0]);
        for start in ["AKIA", "ASIA", "Splunk ", "-----BEGIN", "a://"] {
            assert!(
                credentials.iter().any(|text| text.starts_with(start)),
                "no example starts with {start}: {credentials:?}"
            );
        }
        assert_eq!(
            examples(".*:latest"),
            vec![":latest".to_string(), "a:latest".to_string()]
        );
        assert!(examples("(").is_empty());
    }
}
