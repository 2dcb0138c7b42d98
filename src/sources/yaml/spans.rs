//! Where each node of a YAML document was written: a tree of spans beside the value.

use crate::location::{Span, Step};
use std::collections::HashMap;

/// Where each node of a document was written, as a tree beside the value: an object member
/// from its key to the end of its value (`Image: !Ref Image`), anything else by its own span. The
/// long form of a short-form tag (`…/Image/Ref`) has the tagged node's span; an aliased node
/// shares its anchor's tree.
#[derive(Debug, Clone, Default)]
pub struct YamlSpans {
    pub(super) nodes: Vec<SpanNode>,
    pub(super) root: Option<u32>,
    /// For mappings with many members (a template's `Resources`): each key's edge, the last
    /// one when a key repeats.
    wide: HashMap<u32, HashMap<String, usize>>,
}

/// Mappings with at least this many members are indexed by key.
const WIDE: usize = 32;

/// A node of a [`YamlSpans`] tree (see [`YamlSpans::cursor`]).
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    node: u32,
    pub(super) key_start: Option<usize>,
}

#[derive(Debug, Clone)]
pub(super) struct SpanNode {
    pub(super) span: Span,
    pub(super) children: Vec<Edge>,
}

#[derive(Debug, Clone)]
pub(super) struct Edge {
    pub(super) step: Step,
    pub(super) node: u32,
    /// For an object member: where its key starts.
    pub(super) key_start: Option<usize>,
}

impl YamlSpans {
    /// The span of the node at `path`.
    pub fn get(&self, path: &[Step]) -> Option<Span> {
        self.get_from(self.top()?, path)
    }

    /// The node at `path`, to look further paths up from: a template's resource, whose members
    /// are then found without scanning the thousands of resources beside it.
    pub fn cursor(&self, path: &[Step]) -> Option<Cursor> {
        self.walk(self.top()?, path)
    }

    /// The span of the node at `path` under `from`.
    pub fn get_from(&self, from: Cursor, path: &[Step]) -> Option<Span> {
        let cursor = self.walk(from, path)?;
        let span = self.nodes[cursor.node as usize].span;
        Some(Span {
            start: cursor.key_start.unwrap_or(span.start),
            end: span.end,
        })
    }

    pub(super) fn index_wide(&mut self) {
        for (id, node) in self.nodes.iter().enumerate() {
            if node.children.len() < WIDE {
                continue;
            }
            let keys: HashMap<String, usize> = node
                .children
                .iter()
                .enumerate()
                .filter_map(|(i, edge)| match &edge.step {
                    Step::Key(key) => Some((key.clone(), i)),
                    Step::Index(_) => None,
                })
                .collect();
            if !keys.is_empty() {
                self.wide.insert(id as u32, keys);
            }
        }
    }

    fn top(&self) -> Option<Cursor> {
        Some(Cursor {
            node: self.root?,
            key_start: None,
        })
    }

    /// The node at `path` under `from`.
    pub fn descend(&self, from: Cursor, path: &[Step]) -> Option<Cursor> {
        self.walk(from, path)
    }

    fn walk(&self, from: Cursor, path: &[Step]) -> Option<Cursor> {
        path.iter().try_fold(from, |cursor, step| {
            let children = &self.nodes[cursor.node as usize].children;
            let edge = match (step, self.wide.get(&cursor.node)) {
                (Step::Index(i), _) => children.get(*i).filter(|e| e.step == *step),
                (Step::Key(key), Some(index)) => children.get(*index.get(key)?),
                (Step::Key(_), None) => children.iter().rev().find(|e| e.step == *step),
            }?;
            Some(Cursor {
                node: edge.node,
                key_start: edge.key_start,
            })
        })
    }

    /// The node at `path` alone (a member's value, without its key), and where its own first
    /// member's key starts (for a mapping that has one): where an edit replaces or inserts.
    pub fn node(&self, path: &[Step]) -> Option<(Span, Option<usize>)> {
        let node = &self.nodes[self.cursor(path)?.node as usize];
        Some((node.span, node.children.first().and_then(|e| e.key_start)))
    }

    /// Every path with its span (for tests and fuzzing; templates look paths up).
    pub fn all(&self) -> Vec<(Vec<Step>, Span)> {
        let mut out = Vec::new();
        let Some(root) = self.root else { return out };
        let mut pending = vec![(Vec::new(), root, None::<usize>)];
        while let Some((path, node, key_start)) = pending.pop() {
            let span = self.nodes[node as usize].span;
            out.push((
                path.clone(),
                Span {
                    start: key_start.unwrap_or(span.start),
                    end: span.end,
                },
            ));
            for edge in &self.nodes[node as usize].children {
                let mut child = path.clone();
                child.push(edge.step.clone());
                pending.push((child, edge.node, edge.key_start));
            }
        }
        out
    }
}
