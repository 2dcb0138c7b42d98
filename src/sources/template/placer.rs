//! Where a JSON template resource's nodes were written, found in the text when a finding asks
//! (`cfn_names::written_span`) instead of recorded for each of its nodes while it is
//! translated.

use crate::location::{Span, SpanTree, Step};
use crate::model::origin::Placer;
use crate::sources::cfn_names;
use std::sync::Arc;

/// The nodes of a resource of a JSON template, whose declaration `tree` indexes (the tree its
/// parse built, kept instead of a place for each node).
#[derive(Debug)]
pub(super) struct JsonProperties {
    root: &'static str,
    tree: Arc<SpanTree>,
}

impl JsonProperties {
    /// For a resource of type `cfn_type`, when ecslint translates the type.
    pub fn new(cfn_type: &str, tree: Arc<SpanTree>) -> Option<JsonProperties> {
        Some(JsonProperties {
            root: cfn_names::root_shape(cfn_type)?,
            tree,
        })
    }
}

impl Placer for JsonProperties {
    fn place(&self, text: &str, path: &[Step]) -> Option<Span> {
        cfn_names::written_span(self.root, text.as_bytes(), &self.tree, path)
    }
}

/// Checked in debug builds (every test run): the places `placer` finds are those a translation
/// that records every node records; `translate` runs the translation into `sink`.
pub(super) fn check(
    placer: &JsonProperties,
    text: &str,
    sink: super::Placed<'_>,
    translate: impl FnOnce(&mut dyn cfn_names::Sink),
) {
    let mut recording = Recording {
        inner: sink,
        paths: Vec::new(),
    };
    translate(&mut recording);
    let mut recorded = recording.inner.map;
    recorded.finish();
    for path in recording.paths.iter().filter(|path| !path.is_empty()) {
        assert_eq!(
            placer.place(text, path),
            recorded.recorded(path).map(|written| written.span),
            "{path:?}"
        );
    }
}

/// A sink that places every node, and the document paths it was told of.
struct Recording<'a> {
    inner: super::Placed<'a>,
    paths: Vec<Vec<Step>>,
}

impl cfn_names::Sink for Recording<'_> {
    fn moved(&mut self, api: &[Step], cfn: &[Step], written: &serde_json::Value) {
        self.paths.push(api.to_vec());
        self.inner.moved(api, cfn, written);
    }

    fn undecided(
        &mut self,
        api: &[Step],
        cfn: &[Step],
        value: &serde_json::Value,
        branches: cfn_names::Branches,
    ) {
        self.inner.undecided(api, cfn, value, branches);
    }

    fn enter(&mut self, api: &Step, cfn: &Step, member: Option<cfn_names::MemberAt>) {
        self.inner.enter(api, cfn, member);
    }

    fn leave(&mut self) {
        self.inner.leave();
    }
}
