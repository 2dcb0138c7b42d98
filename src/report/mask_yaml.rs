//! Masking a YAML excerpt (a CloudFormation template) line by line, as [`super::mask`] masks
//! JSON: keys, tags, anchors and numbers are shown; a scalar value is shown when its key is
//! harmless, when a `!Ref`, `!GetAtt` or `!Condition` names a resource, parameter or condition
//! (code, not data), or when it is the finding's own shown value; anything else (comments,
//! block scalars' lines, values of other keys) is starred. Flow collections are read scalar by
//! scalar, each judged by its own key: `Principal: {Service: ecs-tasks.amazonaws.com}` shows the
//! service, `Environment: [{Name: TOKEN, Value: s3cr3t}]` shows the name, not the value.

use super::mask::{Mask, each_line, is_harmless, star};
use std::ops::Range;

/// Masks every line of `text`. `shown`: a byte range whose values may be printed.
pub(super) fn mask_yaml(text: &mut [u8], mask: Mask, shown: Range<usize>) {
    let mut blocks = Vec::new();
    each_line(text, |text, start, mut end| {
        // A CRLF file's lines end before their `\r`.
        if end > start && text[end - 1] == b'\r' {
            end -= 1;
        }
        mask_line(text, start..end, mask, &shown, &mut blocks);
    });
}

/// A key whose value is the block below it: its column, and whether it is harmless.
type Block = (usize, bool);

/// Masks one line. `blocks`: the keys whose values are the lines below them, innermost last,
/// so that `- subnet-1` under `Subnets:` is judged as a value of `Subnets`.
fn mask_line(
    text: &mut [u8],
    line: Range<usize>,
    mask: Mask,
    shown: &Range<usize>,
    blocks: &mut Vec<Block>,
) {
    let bytes = &text[line.clone()];
    let column = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let indent = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'-' | b'\t'))
        .count();
    // `- item`, not `-1` or `--flag`.
    let is_item = bytes.get(column) == Some(&b'-')
        && matches!(bytes.get(column + 1), None | Some(b' ' | b'\t'));
    if column == bytes.len() || bytes[column] == b'#' {
        // Blank or a comment alone: no block ends.
        let mut reader = Line::new(text, line.start + indent..line.end, mask, shown);
        return reader.values(false);
    }
    // A line ends the blocks it is not inside: a sequence may sit at its key's column.
    blocks.retain(|&(key_column, _)| key_column < column || (is_item && key_column == column));
    let mut reader = Line::new(text, line.start + indent..line.end, mask, shown);
    // `key: value` (the key possibly quoted), or a value alone (`- item`, a block scalar's line).
    let outer = match reader.key_ahead() {
        Some((key, value_start)) => {
            let harmless = is_harmless(unquoted(&reader.text[key]));
            reader.at = value_start;
            if reader.after(reader.at) == reader.end {
                blocks.push((indent, harmless));
            }
            harmless
        }
        // An item of the block sequence of the key above.
        None if is_item => blocks.last().is_some_and(|&(_, harmless)| harmless),
        None => false,
    };
    reader.values(outer);
}

/// A key without its quotes.
fn unquoted(key: &[u8]) -> &[u8] {
    match key {
        [b'"' | b'\'', inner @ .., last] if *last == key[0] => inner,
        _ => key,
    }
}

/// One line, read from `at`: its values masked where they must be.
struct Line<'t, 's> {
    text: &'t mut [u8],
    at: usize,
    end: usize,
    mask: Mask,
    shown: &'s Range<usize>,
}

/// What the scalars of a flow collection belong to.
#[derive(Clone, Copy)]
enum Flow {
    /// A mapping: its last key's harmlessness.
    Mapping(bool),
    /// A sequence: its elements are the values of the key it is under.
    Sequence(bool),
}

impl<'t, 's> Line<'t, 's> {
    fn new(text: &'t mut [u8], range: Range<usize>, mask: Mask, shown: &'s Range<usize>) -> Self {
        Line {
            text,
            at: range.start,
            end: range.end,
            mask,
            shown,
        }
    }

    fn peek(&self) -> Option<u8> {
        (self.at < self.end).then(|| self.text[self.at])
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// The key this line starts with (`Image:`, `"Image":`), when it does, and where its value
    /// starts (after its `:`).
    fn key_ahead(&self) -> Option<(Range<usize>, usize)> {
        let scalar = self.scalar_at(self.at, false)?;
        let separator = self.after(scalar.end);
        self.is_separator(separator)
            .then_some((scalar, separator + 1))
    }

    /// The first byte at or after `at` that is not a space.
    fn after(&self, mut at: usize) -> usize {
        while at < self.end && matches!(self.text[at], b' ' | b'\t') {
            at += 1;
        }
        at
    }

    /// A `:` that ends a key: followed by a space, the line's end or a flow indicator.
    fn is_separator(&self, at: usize) -> bool {
        at < self.end
            && self.text[at] == b':'
            && (at + 1 == self.end
                || matches!(self.text[at + 1], b' ' | b'\t' | b',' | b'}' | b']'))
    }

    /// The scalar starting at `at`: quoted to its closing quote; plain to the line's end, or
    /// in a flow collection to its next indicator; a key ends before its `: `.
    fn scalar_at(&self, at: usize, in_flow: bool) -> Option<Range<usize>> {
        let first = *self.text.get(at).filter(|_| at < self.end)?;
        if let b'"' | b'\'' = first {
            let mut close = at + 1;
            while close < self.end && self.text[close] != first {
                close += if first == b'"' && self.text[close] == b'\\' {
                    2
                } else {
                    1
                };
            }
            return Some(at..(close + 1).min(self.end));
        }
        if matches!(first, b'{' | b'}' | b'[' | b']' | b',' | b'#') {
            return None;
        }
        let mut end = at;
        while end < self.end {
            let b = self.text[end];
            if (in_flow && matches!(b, b',' | b'}' | b']'))
                || self.is_separator(end)
                || (b == b'#' && matches!(self.text[end - 1], b' ' | b'\t'))
            {
                break;
            }
            end += 1;
        }
        let trimmed = self.text[at..end].trim_ascii_end().len();
        Some(at..at + trimmed)
    }

    /// Reads the values from `at` to the line's end; `outer`: whether the line's key is
    /// harmless.
    fn values(&mut self, outer: bool) {
        let mut flows: Vec<Flow> = Vec::new();
        // The tag before the next scalar (`!Ref`).
        let mut tag: Option<Range<usize>> = None;
        loop {
            self.skip_spaces();
            let Some(b) = self.peek() else { return };
            let harmless_here = match flows.last() {
                Some(Flow::Mapping(harmless) | Flow::Sequence(harmless)) => *harmless,
                None => outer,
            };
            match b {
                b'#' => {
                    // A comment, to the line's end.
                    star(&mut self.text[self.at + 1..self.end]);
                    return;
                }
                b'{' => flows.push(Flow::Mapping(false)),
                b'[' => flows.push(Flow::Sequence(harmless_here)),
                b'}' | b']' => {
                    flows.pop();
                }
                b',' => {}
                b'!' | b'&' | b'*' => {
                    // A tag, an anchor or an alias: code, shown.
                    let start = self.at;
                    while self.at < self.end
                        && !matches!(self.text[self.at], b' ' | b'\t' | b',' | b'}' | b']')
                    {
                        self.at += 1;
                    }
                    if b == b'!' {
                        tag = Some(start..self.at);
                    }
                    continue;
                }
                _ => {
                    let Some(scalar) = self.scalar_at(self.at, !flows.is_empty()) else {
                        self.at += 1;
                        continue;
                    };
                    let after = self.after(scalar.end);
                    if self.is_separator(after) {
                        // A key inside a flow mapping: shown, and it decides its value.
                        let key = &self.text[scalar.clone()];
                        let harmless = is_harmless(unquoted(key));
                        if let Some(Flow::Mapping(last)) = flows.last_mut() {
                            *last = harmless;
                        }
                        self.at = after + 1;
                        tag = None;
                        continue;
                    }
                    let names = tag.take().is_some_and(|t| {
                        matches!(&self.text[t], b"!Ref" | b"!GetAtt" | b"!Condition")
                    });
                    self.judge(scalar.clone(), harmless_here || names);
                    self.at = scalar.end.max(self.at + 1);
                    continue;
                }
            }
            tag = None;
            self.at += 1;
        }
    }

    /// Stars the scalar at `range` unless it may be printed.
    fn judge(&mut self, range: Range<usize>, harmless: bool) {
        let value = &self.text[range.clone()];
        let quoted = matches!(value.first(), Some(b'"' | b'\''));
        let plain_literal = !quoted
            && (matches!(
                value,
                b"true" | b"false" | b"True" | b"False" | b"null" | b"~"
            ) || value
                .iter()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+')));
        let own = self.shown.contains(&range.start) && self.shown.contains(&(range.end - 1));
        let print = match self.mask {
            Mask::AllValues => plain_literal,
            Mask::UnlessHarmless { show_span } => plain_literal || harmless || (show_span && own),
        };
        if !print {
            // Inside the quotes; an unclosed quote's value runs to the line's end.
            let closed = value.len() > 1 && value.last() == value.first();
            let inner = match (quoted, closed) {
                (true, true) => range.start + 1..range.end - 1,
                (true, false) => range.start + 1..range.end,
                (false, _) => range,
            };
            star(&mut self.text[inner]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let mut bytes = text.as_bytes().to_vec();
        mask_yaml(&mut bytes, Mask::UnlessHarmless { show_span: false }, 0..0);
        assert_eq!(bytes.len(), text.len(), "offsets hold");
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn harmless_values_show_quoted_or_tagged_and_the_rest_is_starred() {
        let out = masked(
            "Image: !Sub \"${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/web:1\"\n\
             Family: 'web'\n\
             Command: ['--password', \"hunter2\"]\n\
             Value: !Sub 'token=${Token}' # owner: alice\n\
             TaskRoleArn: !GetAtt TaskRole.Arn\n\
             Secret: !Ref DbPassword\n\
             DesiredCount: !If [IsProd, 3, 1]\n\
             Principal: { Service: ecs-tasks.amazonaws.com, AWS: 'arn:aws:iam::1:root' }\n\
             Environment: [{Name: TOKEN, Value: s3cr3t}, {\"Name\": \"DB\", \"Value\": \"pw\"}]\n\
             RequiresCompatibilities: [FARGATE]\n\
             Script: |\n  echo s3cr3t\n\
             Subnets:\n  - subnet-1\n  # a comment\n\n  - subnet-2\n\
             SecurityGroups:\n- sg-1\n\
             Command:\n  - --password\n  - hunter2\n",
        );
        for shown in [
            "Image: !Sub \"${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/web:1\"",
            "Family: 'web'",
            "TaskRoleArn: !GetAtt TaskRole.Arn",
            "Secret: !Ref DbPassword",
            "3, 1]",
            "Service: ecs-tasks.amazonaws.com",
            "{Name: TOKEN, Value: ******}",
            "{\"Name\": \"DB\", \"Value\": \"**\"}",
            "RequiresCompatibilities: [FARGATE]",
            "  - subnet-1",
            "- sg-1",
        ] {
            assert!(out.contains(shown), "{shown} in\n{out}");
        }
        for hidden in [
            "hunter2", "password", "token=", "alice", "s3cr3t", "arn:aws", "IsProd",
        ] {
            assert!(!out.contains(hidden), "{hidden} in\n{out}");
        }
    }

    #[test]
    fn the_findings_own_value_and_literals_show_and_nothing_when_all_is_masked() {
        let text = "Environment:\n  - Name: TOKEN\n    Value: s3cr3t\n    Port: 80\n";
        let own = text.find("s3cr3t").unwrap();
        let mut bytes = text.as_bytes().to_vec();
        mask_yaml(
            &mut bytes,
            Mask::UnlessHarmless { show_span: true },
            own..own + 6,
        );
        assert!(String::from_utf8(bytes).unwrap().contains("Value: s3cr3t"));
        let mut bytes = text.as_bytes().to_vec();
        mask_yaml(&mut bytes, Mask::AllValues, 0..text.len());
        let out = String::from_utf8(bytes).unwrap();
        assert!(
            !out.contains("TOKEN") && !out.contains("s3cr3t") && out.contains("Port: 80"),
            "{out}"
        );
    }

    #[test]
    fn any_line_is_masked_in_place_without_a_panic() {
        const PARTS: [&str; 24] = [
            "Key", "Image", ":", ": ", " ", "\"", "'", "{", "}", "[", "]", ",", "#", "!Ref ",
            "!Sub", "&a", "*a", "- ", "é", "\\", "\r", "\n", "1", "s3cr3t",
        ];
        let mut next = crate::location::test_sequence(7);
        for _ in 0..3_000 {
            let text: String = (0..next(40)).map(|_| PARTS[next(PARTS.len())]).collect();
            let (from, to) = (next(text.len() + 1), next(text.len() + 1));
            for mask in [Mask::AllValues, Mask::UnlessHarmless { show_span: true }] {
                let mut bytes = text.as_bytes().to_vec();
                mask_yaml(&mut bytes, mask, from.min(to)..from.max(to));
                assert_eq!(bytes.len(), text.len(), "{text:?}");
            }
        }
    }
}
