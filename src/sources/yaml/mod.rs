//! YAML text to the JSON value it stands for, with the byte span of every node: what a
//! CloudFormation template written in YAML is read with. CloudFormation's short-form tags become
//! their long forms (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.Arn` → `{"Fn::GetAtt": ["A", "Arn"]}`,
//! `!Sub s` → `{"Fn::Sub": s}`), as the CloudFormation service reads them, so one translator
//! serves JSON and YAML templates. An aliased node is the anchored one, and its spans are where
//! the anchor wrote it. Plain scalars follow the YAML 1.2 core schema. The parser is
//! saphyr-parser (docs/decisions/yaml.md).

use crate::location::{Span, Step};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

mod chunks;
mod spans;

pub use chunks::{Chunks, cut, parse_part};
use spans::Edge;
pub use spans::{Cursor, YamlSpans};

/// Containers nested deeper than this are refused, as serde_json refuses deeper JSON.
const MAX_DEPTH: usize = 128;

/// A YAML document as a JSON value, and where each of its nodes was written.
#[derive(Debug, Clone, Default)]
pub struct SpannedYaml {
    pub value: Value,
    pub spans: YamlSpans,
}

/// Why a text is not a YAML document we read, and where (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub reason: String,
}

/// Parses the first document of `text` (a byte-order mark is the caller's to strip).
pub fn parse(text: &str) -> Result<SpannedYaml, YamlError> {
    if text.len() > spans::MAX_TEXT {
        return Err(YamlError {
            offset: 0,
            reason: format!("longer than {} bytes", spans::MAX_TEXT),
        });
    }
    let offsets = ByteOffsets::new(text);
    let mut builder = Builder {
        text: text.as_bytes(),
        ..Builder::default()
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            offset: offsets.byte(e.marker().index()),
            reason: e.info().to_string(),
        })?;
        let span = Span {
            start: offsets.byte(span.start.index()),
            end: offsets.byte(span.end.index()),
        };
        if builder.event(event, span)? {
            break;
        }
    }
    let mut spans = builder.tree;
    spans.index_wide();
    Ok(SpannedYaml {
        value: builder.root.unwrap_or(Value::Null),
        spans,
    })
}

/// saphyr counts characters; spans here are bytes.
enum ByteOffsets {
    Ascii(usize),
    /// The byte offset of each character, then the text's length.
    Table(Vec<usize>),
}

impl ByteOffsets {
    fn new(text: &str) -> ByteOffsets {
        if text.is_ascii() {
            return ByteOffsets::Ascii(text.len());
        }
        let mut table: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        table.push(text.len());
        ByteOffsets::Table(table)
    }

    fn byte(&self, char_index: usize) -> usize {
        match self {
            ByteOffsets::Ascii(len) => char_index.min(*len),
            ByteOffsets::Table(table) => table[char_index.min(table.len() - 1)],
        }
    }
}

/// The long-form key a CloudFormation short-form tag stands for (`!Sub` → `Fn::Sub`).
fn long_form(tag: &Tag) -> Option<String> {
    if tag.handle != "!" || tag.suffix.is_empty() {
        return None;
    }
    Some(match tag.suffix.as_str() {
        "Ref" | "Condition" => tag.suffix.clone(),
        other => format!("Fn::{other}"),
    })
}

/// A container being built.
struct Frame {
    value: Value,
    /// The member key waiting for its value, and where that key starts.
    key: Option<(String, usize)>,
    /// Where the member this container is the value of starts (its key), if it is one.
    key_start: Option<usize>,
    start: usize,
    end: usize,
    /// The long form of the container's short-form tag (`!If [...]` → `Fn::If`).
    wrapper: Option<String>,
    anchor: usize,
    /// Its step in its parent (none at the root).
    step: Option<Step>,
    /// Written `{...}` or `[...]`: it ends with its closing bracket.
    flow: bool,
    /// Its node in the span tree, and where its edges start in `Builder::pending`.
    node: u32,
    edges_from: usize,
}

#[derive(Default)]
struct Builder<'t> {
    text: &'t [u8],
    stack: Vec<Frame>,
    root: Option<Value>,
    tree: YamlSpans,
    /// The edges of the open containers, innermost last.
    pending: Vec<Edge>,
    /// Anchored nodes: their value and their node in the span tree.
    anchors: HashMap<usize, (Value, u32)>,
}

impl Builder<'_> {
    /// Takes one event; `Ok(true)` when the first document is complete.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, YamlError> {
        let refuse = |reason: &str| YamlError {
            offset: span.start,
            reason: reason.to_string(),
        };
        match event {
            Event::DocumentEnd | Event::StreamEnd => return Ok(true),
            Event::MappingStart(anchor, tag) => {
                self.open(Value::Object(Map::new()), anchor, tag.as_deref(), span)?
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(Value::Array(Vec::new()), anchor, tag.as_deref(), span)?
            }
            Event::MappingEnd | Event::SequenceEnd => self.close(span),
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(frame) = self.stack.last_mut()
                    && frame.value.is_object()
                    && frame.key.is_none()
                {
                    frame.key = Some((text.into_owned(), span.start));
                    return Ok(false);
                }
                let (key_start, step) = self
                    .slot()
                    .ok_or_else(|| refuse("a value where none fits"))?;
                // A block scalar's end event sits at the next token, past the indentation of
                // the line after it: it ends with its last line.
                let mut span = span;
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    while span.end > span.start && self.text.get(span.end - 1) == Some(&b' ') {
                        span.end -= 1;
                    }
                }
                let tag = tag.as_deref();
                let value = scalar(&text, style, tag);
                let mut node = self.tree.leaf(span);
                let value = match tag.and_then(long_form) {
                    Some(wrapper) => {
                        let inner = if wrapper == "Fn::GetAtt"
                            && let Value::String(dotted) = &value
                            && let Some((resource, attribute)) = dotted.split_once('.')
                        {
                            // `!GetAtt A.Arn` is `{"Fn::GetAtt": ["A", "Arn"]}`.
                            let parts: Vec<Edge> = (0..2)
                                .map(|i| {
                                    let part = self.tree.leaf(span);
                                    self.tree.edge(&Step::Index(i), part, None)
                                })
                                .collect();
                            self.tree.finish(node, span, parts.into_iter());
                            Value::Array(vec![resource.into(), attribute.into()])
                        } else {
                            value
                        };
                        node = self.wrap(node, &wrapper, span);
                        Value::Object(Map::from_iter([(wrapper, inner)]))
                    }
                    None => value,
                };
                self.place(value, step, key_start, node, span, anchor);
            }
            Event::Alias(id) => {
                if let Some(frame) = self.stack.last()
                    && frame.value.is_object()
                    && frame.key.is_none()
                {
                    return Err(refuse("an alias as a mapping key is not read"));
                }
                let (value, node) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| refuse("an alias of no anchor"))?;
                let (_, step) = self
                    .slot()
                    .ok_or_else(|| refuse("a value where none fits"))?;
                // The value was written at its anchor: its spans say so.
                let own = self.tree.span(node);
                self.place(value, step, None, node, own, 0);
            }
            _ => {}
        }
        Ok(false)
    }

    /// The node of a tag's long form, holding the tagged node under the long-form key.
    fn wrap(&mut self, inner: u32, wrapper: &str, span: Span) -> u32 {
        let node = self.tree.leaf(span);
        let edge = self.tree.edge(&Step::Key(wrapper.to_string()), inner, None);
        self.tree.finish(node, span, std::iter::once(edge));
        node
    }

    /// Where the next value goes: its member key's start, and its step in the parent.
    fn slot(&mut self) -> Option<(Option<usize>, Option<Step>)> {
        let Some(frame) = self.stack.last_mut() else {
            return self.root.is_none().then_some((None, None));
        };
        match &mut frame.value {
            Value::Object(_) => {
                let (key, start) = frame.key.clone()?;
                Some((Some(start), Some(Step::Key(key))))
            }
            Value::Array(items) => Some((None, Some(Step::Index(items.len())))),
            _ => None,
        }
    }

    fn open(
        &mut self,
        value: Value,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), YamlError> {
        let refuse = |reason: String| YamlError {
            offset: span.start,
            reason,
        };
        if self.stack.len() >= MAX_DEPTH {
            return Err(refuse(format!("nested more than {MAX_DEPTH} levels")));
        }
        let (key_start, step) = self
            .slot()
            .ok_or_else(|| refuse("a value where none fits".into()))?;
        let node = self.tree.reserve();
        self.stack.push(Frame {
            value,
            key: None,
            key_start,
            start: span.start,
            end: span.end,
            wrapper: tag.and_then(long_form),
            anchor,
            step,
            flow: matches!(self.text.get(span.start), Some(b'{' | b'[')),
            node,
            edges_from: self.pending.len(),
        });
        Ok(())
    }

    fn close(&mut self, span: Span) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        // A block container's end event sits at the next token: it ends with its last child.
        let end = if frame.flow || frame.end <= frame.start {
            span.end.max(frame.end)
        } else {
            frame.end
        };
        let own = Span {
            start: frame.start,
            end,
        };
        let mut node = frame.node;
        let edges = self.pending.drain(frame.edges_from..);
        self.tree.finish(node, own, edges);
        // Built member by member, a container has room to spare: a template holds hundreds of
        // thousands of small ones.
        let mut value = match frame.value {
            Value::Object(map) => {
                let mut exact = Map::with_capacity(map.len());
                exact.extend(map);
                Value::Object(exact)
            }
            Value::Array(mut items) => {
                items.shrink_to_fit();
                Value::Array(items)
            }
            other => other,
        };
        if let Some(wrapper) = frame.wrapper {
            node = self.wrap(node, &wrapper, own);
            value = Value::Object(Map::from_iter([(wrapper, value)]));
        }
        self.place(value, frame.step, frame.key_start, node, own, frame.anchor);
    }

    /// Puts a finished node in its parent (or at the root). An anchored node keeps its value and
    /// its span tree for its aliases.
    fn place(
        &mut self,
        value: Value,
        step: Option<Step>,
        key_start: Option<usize>,
        node: u32,
        own: Span,
        anchor: usize,
    ) {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), node));
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(value);
            self.tree.root = Some(node);
            return;
        };
        frame.end = frame.end.max(own.end);
        let Some(step) = step else { return };
        let edge = self.tree.edge(&step, node, key_start);
        self.pending.push(edge);
        match (&mut frame.value, step) {
            (Value::Object(map), Step::Key(key)) => {
                map.insert(key, value);
                frame.key = None;
            }
            (Value::Array(items), Step::Index(_)) => items.push(value),
            _ => {}
        }
    }
}

/// A scalar's JSON value: quoted and block scalars are strings; plain ones follow the YAML 1.2
/// core schema (null, booleans, integers, floats), as do the core tags (`!!str`, `!!int`...).
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let core = tag
        .filter(|t| t.is_yaml_core_schema())
        .map(|t| t.suffix.as_str());
    match core {
        Some("str") => return Value::String(text.into()),
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain && core.is_none() {
        return Value::String(text.into());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let negative = text.starts_with('-');
    let integer = if let Some(hex) = text.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(octal) = text.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()
    } else if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(n) = integer {
        return Value::Number(n.into());
    }
    if !negative
        && !unsigned.is_empty()
        && unsigned.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = text.trim_start_matches('+').parse::<u64>()
    {
        return Value::Number(n.into());
    }
    let float_shaped = unsigned.bytes().any(|b| b.is_ascii_digit())
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && !unsigned.starts_with(['e', 'E']);
    if float_shaped
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(doc: &'a SpannedYaml, text: &'a str, path: &[Step]) -> &'a str {
        let span = doc
            .spans
            .get(path)
            .unwrap_or_else(|| panic!("no span for {path:?}"));
        &text[span.start..span.end]
    }

    fn key(k: &str) -> Step {
        Step::Key(k.into())
    }

    #[test]
    fn short_forms_become_long_forms_with_spans() {
        let text = "Resources:\n  TaskDef:\n    Type: AWS::ECS::TaskDefinition # the task\n    Properties:\n      TaskRoleArn: !GetAtt TaskRole.Arn\n      ContainerDefinitions:\n        - Name: app\n          Image: !Ref Image\n          Privileged: true\n          Cpu: 256\n          Environment: [{Name: MODE, Value: !Sub '${AWS::Region}-prod'}]\n      Tags: !If [IsProd, [{Key: env, Value: prod}], !Ref AWS::NoValue]\n";
        let doc = parse(text).unwrap();
        let props = &doc.value["Resources"]["TaskDef"]["Properties"];
        assert_eq!(
            props["TaskRoleArn"],
            serde_json::json!({"Fn::GetAtt": ["TaskRole", "Arn"]})
        );
        let container = &props["ContainerDefinitions"][0];
        assert_eq!(container["Image"], serde_json::json!({"Ref": "Image"}));
        assert_eq!(container["Privileged"], serde_json::json!(true));
        assert_eq!(container["Cpu"], serde_json::json!(256));
        assert_eq!(
            container["Environment"][0]["Value"],
            serde_json::json!({"Fn::Sub": "${AWS::Region}-prod"})
        );
        assert_eq!(props["Tags"]["Fn::If"][0], serde_json::json!("IsProd"));
        assert_eq!(
            props["Tags"]["Fn::If"][2],
            serde_json::json!({"Ref": "AWS::NoValue"})
        );
        let base = [key("Resources"), key("TaskDef"), key("Properties")];
        let path = |rest: &[Step]| -> Vec<Step> { base.iter().chain(rest).cloned().collect() };
        let c0 = [key("ContainerDefinitions"), Step::Index(0)];
        let member = |m: &str| -> Vec<Step> { path(&[c0[0].clone(), c0[1].clone(), key(m)]) };
        assert_eq!(at(&doc, text, &member("Privileged")), "Privileged: true");
        assert_eq!(at(&doc, text, &member("Image")), "Image: !Ref Image");
        // Flow collections end with their bracket, block ones with their last child.
        assert!(at(&doc, text, &member("Environment")).ends_with("-prod'}]"));
        assert!(at(&doc, text, &path(&c0)).ends_with("-prod'}]"));
        let mut image_ref = member("Image");
        image_ref.push(key("Ref"));
        assert_eq!(at(&doc, text, &image_ref), "!Ref Image");
        assert_eq!(
            at(&doc, text, &path(&[key("TaskRoleArn")])),
            "TaskRoleArn: !GetAtt TaskRole.Arn"
        );
        assert!(at(&doc, text, &path(&c0)).starts_with("Name: app"));
        assert_eq!(
            at(
                &doc,
                text,
                &path(&[key("Tags"), key("Fn::If"), Step::Index(0)])
            ),
            "IsProd"
        );
        let type_span = at(&doc, text, &[key("Resources"), key("TaskDef"), key("Type")]);
        assert_eq!(type_span, "Type: AWS::ECS::TaskDefinition");
    }

    #[test]
    fn anchors_crlf_unicode_and_scalars() {
        let text = "Common: &env\r\n  - Name: É\r\n    Value: \"1\"\r\nA:\r\n  Environment: *env\r\n  N: 0x1F\r\n  F: 1.5\r\n  S: 'true'\r\n  Z: ~\r\n  Big: 18446744073709551615\r\n";
        let doc = parse(text).unwrap();
        assert_eq!(doc.value["A"]["Environment"], doc.value["Common"]);
        assert_eq!(doc.value["A"]["N"], serde_json::json!(31));
        assert_eq!(doc.value["A"]["F"], serde_json::json!(1.5));
        assert_eq!(doc.value["A"]["S"], serde_json::json!("true"));
        assert_eq!(doc.value["A"]["Z"], Value::Null);
        assert_eq!(
            doc.value["A"]["Big"],
            serde_json::json!(18446744073709551615u64)
        );
        // The aliased value's parts point where the anchor wrote them.
        let name = [key("A"), key("Environment"), Step::Index(0), key("Name")];
        assert_eq!(at(&doc, text, &name), "Name: É");
        assert_eq!(at(&doc, text, &[key("A"), key("F")]), "F: 1.5");
    }

    #[test]
    fn errors_have_places() {
        let text = "A:\n  B: [1, 2\n";
        let error = parse(text).unwrap_err();
        assert!(
            error.offset <= text.len() && !error.reason.is_empty(),
            "{error:?}"
        );
        let deep = "a: ".to_string() + &"[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).unwrap_err().reason.contains("nested"));
        assert!(parse("*x\n").is_err());
    }
}
