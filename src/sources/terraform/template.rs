//! String templates (quoted, heredoc, template files): their text, with where each part was
//! written, so JSON parsed from a rendered template lands on the template's own lines; unknown
//! parts are holes.

use super::eval::{Evaluator, HOLE, Scope, at, entries, why};
use super::value::{At, Node, Piece, Rendered, Unknown, UnknownShape, Val};
use crate::location::Span;
use crate::model::unknown::Part;
use hcl_edit::Span as _;
use hcl_edit::template::{Directive, Element, Template};

impl Evaluator<'_> {
    /// A template's text, with where each part was written; a template that is one
    /// interpolation is that value, of any type.
    pub fn template(&self, template: &Template, scope: &Scope, here: Option<At>) -> Node {
        let elements: Vec<&Element> = template.iter().collect();
        if let [Element::Interpolation(only)] = elements.as_slice() {
            return self.eval(&only.expr, scope);
        }
        let mut out = Rendered {
            text: String::new(),
            pieces: Vec::new(),
        };
        let mut holes = Vec::new();
        self.render(&elements, scope, &mut out, &mut holes);
        if holes.is_empty() {
            let note = out.pieces.iter().find_map(|p| p.note.clone());
            let mut node = Node::new(Val::Rendered(out), here);
            node.note = note;
            return node;
        }
        let mut parts = Vec::new();
        for (i, segment) in out.text.split(HOLE).enumerate() {
            if i > 0 {
                parts.push(Part::Hole);
            }
            parts.push(Part::Known(segment.to_string()));
        }
        holes.dedup();
        Node::new(
            Val::Unknown(Box::new(Unknown {
                why: holes.join("; "),
                shape: UnknownShape::Text(parts),
                rendered: Some(out),
            })),
            here,
        )
    }

    fn render(
        &self,
        elements: &[&Element],
        scope: &Scope,
        out: &mut Rendered,
        holes: &mut Vec<String>,
    ) {
        for element in elements {
            match element {
                Element::Literal(literal) => {
                    let range = literal.span();
                    self.literal_pieces(literal.value(), scope.file, range, out);
                }
                Element::Interpolation(interpolation) => {
                    let node = self.eval(&interpolation.expr, scope);
                    let source = at(scope.file, interpolation.expr.span()).or(node.at);
                    let text = match node.as_text() {
                        Some(text) => text.into_owned(),
                        None => {
                            holes.push(why(&node));
                            HOLE.to_string()
                        }
                    };
                    if let Some(source) = source {
                        out.pieces.push(Piece {
                            start: out.text.len(),
                            len: text.len(),
                            source,
                            literal: false,
                            note: node.note.clone(),
                        });
                    }
                    out.text.push_str(&text);
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(branch) => {
                        let condition = self.eval(&branch.if_expr.cond_expr, scope);
                        let chosen = match condition.as_bool() {
                            Some(true) => Some(&branch.if_expr.template),
                            Some(false) => branch.else_expr.as_ref().map(|e| &e.template),
                            None => {
                                holes.push(why(&condition));
                                out.text.push(HOLE);
                                None
                            }
                        };
                        if let Some(template) = chosen {
                            self.render(&template.iter().collect::<Vec<_>>(), scope, out, holes);
                        }
                    }
                    Directive::For(each) => {
                        let expr = &each.for_expr;
                        let collection = self.eval(&expr.collection_expr, scope);
                        let Some(entries) = entries(&collection) else {
                            holes.push(why(&collection));
                            out.text.push(HOLE);
                            continue;
                        };
                        for (key, value) in entries {
                            let mut inner = scope.with(expr.value_var.as_str(), value);
                            if let Some(key_var) = &expr.key_var {
                                inner = inner.with(key_var.as_str(), key);
                            }
                            self.render(
                                &expr.template.iter().collect::<Vec<_>>(),
                                &inner,
                                out,
                                holes,
                            );
                        }
                    }
                },
            }
        }
    }

    /// A literal part of a template: each line placed where it is written, when found in the
    /// source (escapes and a heredoc's stripped indentation shift the others).
    fn literal_pieces(
        &self,
        literal: &str,
        file: usize,
        range: Option<std::ops::Range<usize>>,
        out: &mut Rendered,
    ) {
        let Some(range) = range else {
            out.text.push_str(literal);
            return;
        };
        let text = self.text(file).unwrap_or_default();
        let source = text.get(range.clone()).unwrap_or("");
        let mut from = 0;
        for line in literal.split_inclusive('\n') {
            let found = source[from..].find(line).map(|i| i + from);
            let (start, literal_piece) = match found {
                Some(i) => (range.start + i, true),
                None => (range.start + from, false),
            };
            out.pieces.push(Piece {
                start: out.text.len(),
                len: line.len(),
                source: At {
                    file,
                    span: Span {
                        start,
                        end: if literal_piece {
                            start + line.len()
                        } else {
                            range.end
                        },
                    },
                },
                literal: literal_piece,
                note: None,
            });
            if let Some(i) = found {
                from = i + line.len();
            }
            out.text.push_str(line);
        }
    }
}
