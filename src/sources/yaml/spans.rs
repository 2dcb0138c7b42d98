//! Where each node of a YAML document was written: a tree of spans beside the value, flat (each
//! node's edges side by side in one list, member keys side by side in one text), as a template
//! has millions of nodes.

use crate::location::{Span, Step};
use std::collections::HashMap;

/// Where each node of a document was written, as a tree beside the value: an object member
/// from its key to the end of its value (`Image: !Ref Image`), anything else by its own span. The
/// long form of a short-form tag (`…/Image/Ref`) has the tagged node's span; an aliased node
/// shares its anchor's tree.
#[derive(Debug, Clone, Default)]
pub struct YamlSpans {
    nodes: Vec<SpanNode>,
    edges: Vec<Edge>,
    /// Every member key, one after another.
    keys: String,
    pub(super) root: Option<u32>,
    /// For mappings with many members (a template's `Resources`): each key's edge, the last
    /// one when a key repeats.
    wide: HashMap<u32, HashMap<String, u32>>,
}

/// Mappings with at least this many members are indexed by key.
const WIDE: u32 = 32;

/// Offsets are stored in 32 bits; the parser refuses longer texts.
pub(super) const MAX_TEXT: usize = u32::MAX as usize - 1;

/// An absent key start.
const NO_KEY: u32 = u32::MAX;

/// A node of a [`YamlSpans`] tree (see [`YamlSpans::cursor`]).
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    node: u32,
    pub(super) key_start: Option<usize>,
}

impl Cursor {
    /// The cursor in 64 bits, for a handle that does not know its type.
    pub fn pack(self) -> u64 {
        let key_start = self
            .key_start
            .and_then(|k| u32::try_from(k).ok())
            .unwrap_or(NO_KEY);
        (u64::from(self.node) << 32) | u64::from(key_start)
    }

    /// The cursor [`Cursor::pack`] made `packed` of.
    pub fn unpack(packed: u64) -> Cursor {
        let key_start = packed as u32;
        Cursor {
            node: (packed >> 32) as u32,
            key_start: (key_start != NO_KEY).then_some(key_start as usize),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct SpanNode {
    start: u32,
    end: u32,
    /// Its edges: `edges[first..first + count]`.
    first: u32,
    count: u32,
}

/// A step to a child: a member (its key in `keys`, and where the key was written) or an
/// element (its index in `key_at`, `key_len` = [`NO_KEY`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
    key_at: u32,
    key_len: u32,
    node: u32,
    key_start: u32,
}

impl YamlSpans {
    /// A node whose span and edges are not known yet (a container, when it opens).
    pub(super) fn reserve(&mut self) -> u32 {
        self.leaf(Span { start: 0, end: 0 })
    }

    /// A node without children.
    pub(super) fn leaf(&mut self, span: Span) -> u32 {
        self.nodes.push(SpanNode {
            start: span.start as u32,
            end: span.end as u32,
            first: 0,
            count: 0,
        });
        (self.nodes.len() - 1) as u32
    }

    pub(super) fn span(&self, node: u32) -> Span {
        let node = &self.nodes[node as usize];
        Span {
            start: node.start as usize,
            end: node.end as usize,
        }
    }

    /// The edge of `step` to `node`, for [`YamlSpans::finish`] (a member's key is stored now).
    pub(super) fn edge(&mut self, step: &Step, node: u32, key_start: Option<usize>) -> Edge {
        let (key_at, key_len) = match step {
            Step::Key(key) => {
                let at = self.keys.len() as u32;
                self.keys.push_str(key);
                (at, key.len() as u32)
            }
            Step::Index(i) => (*i as u32, NO_KEY),
        };
        Edge {
            key_at,
            key_len,
            node,
            key_start: key_start.map_or(NO_KEY, |s| s as u32),
        }
    }

    /// Gives `node` its span and its edges.
    pub(super) fn finish(&mut self, node: u32, span: Span, edges: impl Iterator<Item = Edge>) {
        let first = self.edges.len() as u32;
        self.edges.extend(edges);
        self.nodes[node as usize] = SpanNode {
            start: span.start as u32,
            end: span.end as u32,
            first,
            count: self.edges.len() as u32 - first,
        };
    }

    /// Moves every offset by `by` (a part parsed apart, placed in the whole text).
    pub(super) fn shift(&mut self, by: usize) {
        let by = by as u32;
        for node in &mut self.nodes {
            node.start += by;
            node.end += by;
        }
        for edge in &mut self.edges {
            if edge.key_start != NO_KEY {
                edge.key_start += by;
            }
        }
    }

    fn children(&self, node: u32) -> &[Edge] {
        let node = &self.nodes[node as usize];
        &self.edges[node.first as usize..(node.first + node.count) as usize]
    }

    fn key(&self, edge: &Edge) -> Option<&str> {
        (edge.key_len != NO_KEY)
            .then(|| &self.keys[edge.key_at as usize..(edge.key_at + edge.key_len) as usize])
    }

    fn step(&self, edge: &Edge) -> Step {
        match self.key(edge) {
            Some(key) => Step::Key(key.to_string()),
            None => Step::Index(edge.key_at as usize),
        }
    }

    fn cursor_of(edge: &Edge) -> Cursor {
        Cursor {
            node: edge.node,
            key_start: (edge.key_start != NO_KEY).then_some(edge.key_start as usize),
        }
    }

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
        let span = self.span(cursor.node);
        Some(Span {
            start: cursor.key_start.unwrap_or(span.start),
            end: span.end,
        })
    }

    pub(super) fn index_wide(&mut self) {
        for (id, node) in self.nodes.iter().enumerate() {
            if node.count < WIDE {
                continue;
            }
            let keys: HashMap<String, u32> = (0..node.count)
                .filter_map(|i| {
                    let edge = &self.edges[(node.first + i) as usize];
                    Some((self.key(edge)?.to_string(), i))
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
            let children = self.children(cursor.node);
            let edge = match (step, self.wide.get(&cursor.node)) {
                (Step::Index(i), _) => children
                    .get(*i)
                    .filter(|e| e.key_len == NO_KEY && e.key_at as usize == *i),
                (Step::Key(key), Some(index)) => children.get(*index.get(key)? as usize),
                (Step::Key(key), None) => children
                    .iter()
                    .rev()
                    .find(|e| self.key(e) == Some(key.as_str())),
            }?;
            Some(Self::cursor_of(edge))
        })
    }

    /// The node at `path` alone (a member's value, without its key), and where its own first
    /// member's key starts (for a mapping that has one): where an edit replaces or inserts.
    pub fn node(&self, path: &[Step]) -> Option<(Span, Option<usize>)> {
        let node = self.cursor(path)?.node;
        let first_key = self
            .children(node)
            .first()
            .and_then(|e| Self::cursor_of(e).key_start);
        Some((self.span(node), first_key))
    }

    /// Every path with its span (for tests and fuzzing; templates look paths up).
    pub fn all(&self) -> Vec<(Vec<Step>, Span)> {
        let mut out = Vec::new();
        let Some(root) = self.root else { return out };
        let mut pending = vec![(Vec::new(), root, None::<usize>)];
        while let Some((path, node, key_start)) = pending.pop() {
            let span = self.span(node);
            out.push((
                path.clone(),
                Span {
                    start: key_start.unwrap_or(span.start),
                    end: span.end,
                },
            ));
            for edge in self.children(node) {
                let mut child = path.clone();
                child.push(self.step(edge));
                pending.push((child, edge.node, Self::cursor_of(edge).key_start));
            }
        }
        out
    }
}
