//! A block-style YAML template cut into parts that parse apart: each top-level member, and each
//! member of the top-level `Resources` mapping, found by indentation alone. A template of
//! thousands of resources is then parsed on every core. The cut is only a guess at where YAML
//! nodes end: the caller parses every part and, when one does not parse as a single-member
//! mapping or anything is unusual, parses the text whole (which also reports any error at its
//! place). A cut inside a multi-line construct leaves the part before it unterminated, so a wrong
//! guess fails to parse rather than reading something else.

use super::{SpannedYaml, YamlError, parse};
use std::ops::Range;

/// The parts of a template: its top-level members other than `Resources`, and the members of
/// `Resources`, each as a byte range of the text.
#[derive(Debug, Default, PartialEq)]
pub struct Chunks {
    pub root: Vec<Range<usize>>,
    pub resources: Vec<Range<usize>>,
}

/// Lines with their start offsets, without their line ends.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |line| {
        let at = start;
        start += line.len();
        (at, line.trim_end_matches(['\n', '\r']))
    })
}

/// What a line is to the cut: blank or a comment (`None`), else its indentation.
fn indentation(line: &str) -> Option<usize> {
    let content = line.trim_start_matches(' ');
    if content.is_empty() || content.starts_with('#') {
        return None;
    }
    Some(line.len() - content.len())
}

/// Whether a line that starts a member at indentation `at` is one this cut can take: a plain
/// or quoted key, not a sequence entry, a flow collection, a complex key, a tab, a directive or
/// a document marker.
fn starts_member(line: &str, at: usize) -> bool {
    let content = &line[at..];
    !content.starts_with(['-', '{', '[', '?', ':', '\t', '%', '&', '*', '!', '|', '>'])
        && !line.starts_with("...")
        && content.contains(':')
}

/// Whether `text` has only characters YAML allows anywhere (its printable set): a comment the
/// cut passes over may hold one the whole document's parse refuses.
fn printable(text: &str) -> bool {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}')
            || matches!(c, '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    };
    // Most templates are ASCII: their bytes checked without decoding, and without an early exit,
    // which compiles to wide compares.
    let byte_allowed = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | b' '..=b'~') | (b >= 0x80);
    text.bytes().fold(true, |ok, b| ok & byte_allowed(b))
        && (text.is_ascii() || text.chars().all(allowed))
}

/// The cut of `text`, when it is a block mapping whose `Resources` member is a block mapping.
pub fn cut(text: &str) -> Option<Chunks> {
    if !printable(text) {
        return None;
    }
    let mut chunks = Chunks::default();
    // The member being read: where it starts, and whether it is `Resources`.
    let mut member: Option<(usize, bool)> = None;
    let mut entry_indent: Option<usize> = None;
    let mut entry_start: Option<usize> = None;
    let mut resources_seen = false;
    let close = |chunks: &mut Chunks, member: Option<(usize, bool)>, entry: Option<usize>, end| {
        match member {
            Some((_, true)) => chunks.resources.extend(entry.map(|start| start..end)),
            Some((start, false)) => chunks.root.push(start..end),
            None => {}
        }
    };
    for (at, line) in lines(text) {
        if line.trim_start_matches(' ').starts_with('\t') {
            return None;
        }
        let Some(indent) = indentation(line) else {
            continue;
        };
        if indent == 0 {
            if !starts_member(line, 0) {
                return None;
            }
            close(&mut chunks, member, entry_start, at);
            let is_resources = line
                .strip_prefix("Resources:")
                .map(|rest| rest.trim_start_matches(' '));
            match is_resources {
                Some(rest) if rest.is_empty() || rest.starts_with('#') => {
                    if resources_seen {
                        return None;
                    }
                    resources_seen = true;
                    member = Some((at, true));
                }
                // `Resources: {...}` on one line, or a key only starting `Resources:`.
                Some(_) => return None,
                None => member = Some((at, false)),
            }
            entry_start = None;
            entry_indent = None;
            continue;
        }
        // Inside another top-level member (or before any, which the cut does not take).
        let (_, true) = member? else {
            continue;
        };
        let expected = *entry_indent.get_or_insert(indent);
        if indent < expected {
            return None;
        }
        if indent == expected {
            if !starts_member(line, indent) {
                return None;
            }
            if let Some(start) = entry_start {
                chunks.resources.push(start..at);
            }
            entry_start = Some(at);
        }
    }
    close(&mut chunks, member, entry_start, text.len());
    (resources_seen && !chunks.resources.is_empty()).then_some(chunks)
}

/// Parses the part `range` of `text` as a document of its own, its spans and errors placed in
/// the whole text.
pub fn parse_part(text: &str, range: Range<usize>) -> Result<SpannedYaml, YamlError> {
    let start = range.start;
    let mut parsed = parse(&text[range]).map_err(|error| YamlError {
        offset: error.offset + start,
        reason: error.reason,
    })?;
    parsed.spans.shift(start);
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Step;

    const TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'
# A comment at the top level
Parameters:
  Env: {Type: String}
Resources:
  # A comment among resources
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Script: |
        echo one

        echo two
  'Quoted Id':
    Type: AWS::ECS::Service
Outputs: {}
";

    #[test]
    fn a_template_is_cut_at_its_members_and_resources() {
        let chunks = cut(TEMPLATE).unwrap();
        let texts: Vec<&str> = chunks.root.iter().map(|r| &TEMPLATE[r.clone()]).collect();
        assert_eq!(texts.len(), 3);
        assert!(texts[1].starts_with("Parameters:"));
        assert_eq!(texts[2], "Outputs: {}\n");
        let resources: Vec<&str> = chunks
            .resources
            .iter()
            .map(|r| &TEMPLATE[r.clone()])
            .collect();
        assert_eq!(resources.len(), 2);
        assert!(resources[0].starts_with("  Task:") && resources[0].ends_with("echo two\n"));
        assert!(resources[1].starts_with("  'Quoted Id':"));
    }

    #[test]
    fn an_indented_part_parses_with_its_spans_in_the_whole_text() {
        let chunks = cut(TEMPLATE).unwrap();
        let part = parse_part(TEMPLATE, chunks.resources[0].clone()).unwrap();
        assert_eq!(
            part.value["Task"]["Properties"]["Script"],
            "echo one\n\necho two\n"
        );
        let whole = parse(TEMPLATE).unwrap();
        let path = [
            Step::Key("Task".into()),
            Step::Key("Properties".into()),
            Step::Key("Script".into()),
        ];
        let mut in_whole = vec![Step::Key("Resources".into())];
        in_whole.extend(path.iter().cloned());
        assert_eq!(part.spans.get(&path), whole.spans.get(&in_whole));
    }

    /// The document read in parts, when every part parses as one member.
    fn in_parts(text: &str) -> Option<serde_json::Value> {
        let chunks = cut(text)?;
        let member = |range: &Range<usize>| -> Option<(String, serde_json::Value)> {
            let value = parse_part(text, range.clone()).ok()?.value;
            let serde_json::Value::Object(map) = value else {
                return None;
            };
            (map.len() == 1).then(|| map.into_iter().next()).flatten()
        };
        let mut root: serde_json::Map<_, _> =
            chunks.root.iter().map(member).collect::<Option<_>>()?;
        let resources = chunks.resources.iter().map(member).collect::<Option<_>>()?;
        root.insert("Resources".into(), serde_json::Value::Object(resources));
        Some(serde_json::Value::Object(root))
    }

    #[test]
    fn a_cut_inside_a_multi_line_node_does_not_read_something_else() {
        for text in [
            // Quoted and plain scalars, and a flow mapping, whose lines go back to the
            // indentation of the resources.
            "Resources:\n  A:\n    Type: \"x\n  B: y\"\n  C: {Type: z}\n",
            "Resources:\n  A:\n    Type: 'x\n  B: y'\n",
            "Resources:\n  A:\n    Type: x\n  y\n  B: {Type: z}\n",
            "Resources:\n  A: {Type: x,\n  B: y}\n",
            "Resources:\n  A:\n    Properties: |\n      text\n  B: {Type: z}\n",
            "Resources:\n  A: &a {Type: x}\n  B: *a\n",
        ] {
            match (in_parts(text), parse(text)) {
                (Some(parts), Ok(whole)) => assert_eq!(parts, whole.value, "{text:?}"),
                (Some(_), Err(e)) => panic!("read in parts, not whole ({e:?}): {text:?}"),
                (None, _) => {}
            }
        }
    }

    #[test]
    fn what_the_cut_cannot_take_is_left_whole() {
        for text in [
            "Resources: {A: {Type: AWS::ECS::Cluster}}\n",
            "---\nResources:\n  A: {Type: AWS::ECS::Cluster}\n",
            "Resources:\n  - A\n",
            "Resources:\n    A: {Type: X}\n  B: {Type: X}\n",
            "Resources:\n  A: {Type: X}\nResources:\n  B: {Type: X}\n",
            "  Resources:\n  A: {Type: X}\n",
            "Resources:\n\tA: {Type: X}\n",
            // A character YAML does not allow, in a comment the cut would pass over.
            "Resources:\n #\0kDef:\n  A: {Type: X}\n",
            "Resources:\n # \u{9f}\n  A: {Type: X}\n",
        ] {
            assert_eq!(cut(text), None, "{text:?}");
        }
    }
}
