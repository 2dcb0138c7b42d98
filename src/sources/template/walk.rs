//! Following a resource's translation down its template: the translation descends one step at
//! a time (`cfn_names::Sink::enter`), so each node is found in the span tree from its parent's
//! node and keyed in the origin map from its parent's key, instead of both being worked out
//! from the resource's root for every node (a tenth of a JSON template's load).

use crate::location::{Span, SpanTree, Step, member_span};
use crate::model::origin::PathKey;
use crate::sources::yaml::{Cursor, YamlSpans};

/// A resource's written nodes, stepped through from its `Properties`. A node is an opaque
/// handle of the tree it came from.
pub(super) trait Stepper: Sync {
    /// The resource's `Properties` node.
    fn root(&self) -> Option<u64>;
    /// The node one `step` below `node`.
    /// `member`: where the step's member is among its object's members, when the translation
    /// knows (`cfn_names::MemberAt`), to be tried first.
    fn child(&self, node: u64, step: &Step, member: Option<(usize, usize)>) -> Option<u64>;
    /// Where `node` was written, as `SpanAt` says it for a path whose last step is `last`.
    fn span(&self, node: u64, last: &Step) -> Option<Span>;
}

/// The span tree of a JSON template's resource declaration, whose text starts at offset 0 of
/// the tree's own indexing (`SpanTree::build` from the declaration's start).
pub(super) struct JsonStepper<'t> {
    pub bytes: &'t [u8],
    pub tree: std::sync::Arc<SpanTree>,
}

impl Stepper for JsonStepper<'_> {
    fn root(&self) -> Option<u64> {
        let properties = Step::Key("Properties".into());
        self.tree
            .descend(self.bytes, 0, std::slice::from_ref(&properties))
            .map(|node| node as u64)
    }

    fn child(&self, node: u64, step: &Step, member: Option<(usize, usize)>) -> Option<u64> {
        self.tree
            .child_of(self.bytes, node as usize, step, member)
            .map(|node| node as u64)
    }

    fn span(&self, node: u64, last: &Step) -> Option<Span> {
        let span = self.tree.find_from(self.bytes, node as usize, &[])?;
        // A member is shown from its key, as YAML shows `Key: value`.
        Some(match last {
            Step::Key(_) => member_span(self.bytes, span),
            Step::Index(_) => span,
        })
    }
}

/// The spans of a YAML template's resource declaration, parsed apart (`yaml_parts`): a tree
/// whose top is the declaration's one member, the logical id.
pub(super) struct YamlStepper {
    pub spans: std::sync::Arc<YamlSpans>,
    pub logical_id: String,
}

impl Stepper for YamlStepper {
    fn root(&self) -> Option<u64> {
        let path = [
            Step::Key(self.logical_id.clone()),
            Step::Key("Properties".into()),
        ];
        let cursor = self.spans.cursor(&path[..1])?;
        self.spans.descend(cursor, &path[1..]).map(|c| c.pack())
    }

    fn child(&self, node: u64, step: &Step, _: Option<(usize, usize)>) -> Option<u64> {
        let cursor = Cursor::unpack(node);
        self.spans
            .descend(cursor, std::slice::from_ref(step))
            .map(|c| c.pack())
    }

    fn span(&self, node: u64, _last: &Step) -> Option<Span> {
        let cursor = Cursor::unpack(node);
        self.spans.get_from(cursor, &[])
    }
}

/// Where a translation is: the node of each step taken (none where the template has no node
/// there, as under a resolved intrinsic), and the origin map key of each.
pub(super) struct Walk<'a> {
    stepper: Option<&'a dyn Stepper>,
    nodes: Vec<Option<u64>>,
    keys: Vec<PathKey>,
}

impl<'a> Walk<'a> {
    /// At the resource's root; nodes are found when `stepper` is given.
    pub fn new(stepper: Option<&'a dyn Stepper>) -> Walk<'a> {
        Walk {
            stepper,
            nodes: vec![stepper.and_then(|s| s.root())],
            keys: vec![PathKey::ROOT],
        }
    }

    pub fn enter(&mut self, api: &Step, cfn: &Step, member: Option<(usize, usize)>) {
        let key = self.key().child(api);
        self.keys.push(key);
        let parent = self.nodes.last().copied().flatten();
        let node = self.stepper.zip(parent);
        self.nodes
            .push(node.and_then(|(stepper, node)| stepper.child(node, cfn, member)));
    }

    pub fn leave(&mut self) {
        self.keys.pop();
        self.nodes.pop();
    }

    /// The origin map key of the node the walk is at.
    pub fn key(&self) -> PathKey {
        self.keys.last().copied().unwrap_or(PathKey::ROOT)
    }

    /// Where the node the walk is at was written, when the walk has a stepper (`None` inside:
    /// the template has no node there); `last` is the last step of its template path.
    pub fn span(&self, last: &Step) -> Option<Option<Span>> {
        let stepper = self.stepper?;
        let node = self.nodes.last().copied().flatten();
        Some(node.and_then(|node| stepper.span(node, last)))
    }
}
