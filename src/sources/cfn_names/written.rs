//! Where a node of a translated document was written, found in the template's span tree when a
//! finding asks, instead of recorded for every node while translating: the translation's walk
//! (`translate_value`) taken again along one path.

use super::{DOCUMENT, member, names_intrinsic, shape};
use crate::location::{Span, SpanTree, Step, member_span};
use std::borrow::Cow;

/// Where the node at `path` of the document of a type (its API shape `root`) was written: in
/// `text`, whose resource declaration `tree` indexes (its properties at member `Properties`
/// of the tree's root). A member is shown from its key, as the translation places it. `None`
/// where the translation placed nothing: below an intrinsic function, or where the text has no
/// such node.
///
/// Exact only for a translation that left out no list element (which shifts the indexes of
/// the elements after it); a source records the place of every node for one that did.
pub fn written_span(root: &str, text: &[u8], tree: &SpanTree, path: &[Step]) -> Option<Span> {
    let mut shape_name = root;
    let mut node = tree.node_at(text, &[Step::Key("Properties".into())])?;
    for step in path {
        let kind = shape(shape_name).map(|definition| definition.kind);
        (node, shape_name) = match step {
            Step::Key(name) => {
                let members = unique(tree.members(text, node)?);
                if is_intrinsic(&members) {
                    return None;
                }
                match kind {
                    Some("structure") => members.into_iter().rev().find_map(|(key, child)| {
                        match member(shape_name, &key)? {
                            (Some(api), Some(below)) if api == *name => Some((child, below)),
                            _ => None,
                        }
                    })?,
                    Some("map") => (keyed(&members, name)?, element(shape_name)),
                    // A JSON document (a policy as an object), its members kept as named.
                    None | Some("string") => (keyed(&members, name)?, DOCUMENT),
                    _ => return None,
                }
            }
            Step::Index(_) => {
                let below = match kind {
                    Some("list") => element(shape_name),
                    None => DOCUMENT,
                    _ => return None,
                };
                (tree.child_of(text, node, step, None)?, below)
            }
        };
    }
    let span = tree.span(node)?;
    Some(match path.last() {
        Some(Step::Key(_)) => member_span(text, span),
        _ => span,
    })
}

/// An object's members as its parse has them: each key once, where it first appears, with the
/// value it last has.
fn unique(members: Vec<(Cow<'_, str>, usize)>) -> Vec<(Cow<'_, str>, usize)> {
    let mut unique: Vec<(Cow<'_, str>, usize)> = Vec::with_capacity(members.len());
    for (key, node) in members {
        match unique.iter_mut().find(|(seen, _)| *seen == key) {
            Some(seen) => seen.1 = node,
            None => unique.push((key, node)),
        }
    }
    unique
}

/// An intrinsic function's object, which the translation resolves instead of walking into
/// (`super::is_intrinsic`).
fn is_intrinsic(members: &[(Cow<'_, str>, usize)]) -> bool {
    matches!(members, [(key, _)] if names_intrinsic(key))
}

fn keyed(members: &[(Cow<'_, str>, usize)], name: &str) -> Option<usize> {
    members
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, node)| *node)
}

/// A list's element shape or a map's value shape.
fn element(shape_name: &str) -> &'static str {
    shape(shape_name).map_or(DOCUMENT, |definition| definition.element)
}
