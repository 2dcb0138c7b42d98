//! Where a resource's document was written: paths inside a resource mapped to spans in files.
//!
//! Two ways, behind one question ([`written_at`]): a resource read from API JSON is its file's
//! text, so a path is found by scanning that text from the resource's start (following grafts,
//! members brought in from elsewhere in the file); a resource a source *translated* (a
//! CloudFormation template, Terraform) carries an [`OriginMap`] the source filled with where each
//! part was written, in any file of the estate (a parameter default, a variable, a template
//! file). The engine, reporters, fingerprints and fixes only ask [`written_at`].

use super::{Estate, Resource};
use crate::location::{Span, SpanTree, Step, locate};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Where the parts of a translated resource's document were written, by document path.
///
/// Kept as a list sorted by key rather than a hash table: a template's maps hold a million
/// places, and a table sized for a translation's estimate of its nodes held twice what they
/// need. A translation appends its places and sorts them once, when it is done
/// ([`OriginMap::finish`]); places added after that are looked up among the few added.
#[derive(Debug, Clone, Default)]
pub struct OriginMap {
    /// Sorted by key, one place a key, up to `sorted`; then in the order inserted.
    entries: Vec<(PathKey, Packed)>,
    sorted: usize,
    /// The values of the document the source could not decide.
    pub unknowns: Vec<super::unknown::Unknown>,
    /// Where a value came from when it was not written where it is shown ("from parameter
    /// Image's Default"), by document path.
    notes: foldhash::HashMap<PathKey, String>,
    /// What places the nodes no entry places, from the text of a file: for a source whose
    /// documents follow their text step by step, which then records no place per node.
    placer: Option<(u32, Arc<dyn Placer>)>,
}

/// Finds where a node of a translated document was written, from the text of its file, when it
/// is asked (a JSON template's properties: a template of 5,000 task definitions has a million
/// nodes, and its findings are placed at a few thousand of them).
pub trait Placer: Send + Sync + std::fmt::Debug {
    /// Where the node at `path` (not the root) was written in `text`.
    fn place(&self, text: &str, path: &[Step]) -> Option<Span>;
}

/// A document path as a map key: two independent 64-bit hashes of it. A template of 5,000 task
/// definitions has a million nodes; kept as paths, their keys took more memory than the
/// documents and most of the translation's time. Two paths share a key with a chance of about
/// 2^-128, far below that of the machine miscomputing.
///
/// A path's key is its parent's key with its last step hashed in ([`PathKey::child`]), so a
/// walk down a document keys each node in constant time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathKey(u64, u64);

impl PathKey {
    /// The key of the document's root (the empty path).
    pub const ROOT: PathKey = PathKey(0x243f_6a88_85a3_08d3, 0x1319_8a2e_0370_7344);

    pub fn of(path: &[Step]) -> PathKey {
        path.iter().fold(PathKey::ROOT, |key, step| key.child(step))
    }

    /// The key of the path one `step` below this one's.
    pub fn child(self, step: &Step) -> PathKey {
        use foldhash::quality::FixedState;
        use std::hash::BuildHasher;
        const SEEDS: [FixedState; 2] = [
            FixedState::with_seed(0xa409_3822_299f_31d0),
            FixedState::with_seed(0x082e_fa98_ec4e_6c89),
        ];
        PathKey(
            SEEDS[0].hash_one((self.0, step)),
            SEEDS[1].hash_one((self.1, step)),
        )
    }
}

/// Where one node of a document was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// An index into the estate's files: the resource's own file or another one.
    pub file: usize,
    /// What a finding at the node shows: for a JSON member, its value (the key is found from
    /// it); for a translated node, the source's choice (a YAML `Key: value` line).
    pub span: Span,
    /// The span is this node's JSON text in an API-shaped document, so a fix may edit it.
    pub json: bool,
}

/// A [`Written`] in 16 bytes instead of 32: a template's maps hold a million of them.
#[derive(Debug, Clone, Copy)]
struct Packed {
    file: u32,
    start: u32,
    end: u32,
    json: bool,
}

/// An offset or file number in 32 bits: input files are read whole into memory, and none
/// reaches 4 GiB.
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<Written> for Packed {
    fn from(written: Written) -> Packed {
        Packed {
            file: narrow(written.file),
            start: narrow(written.span.start),
            end: narrow(written.span.end),
            json: written.json,
        }
    }
}

impl From<Packed> for Written {
    fn from(packed: Packed) -> Written {
        Written {
            file: packed.file as usize,
            span: Span {
                start: packed.start as usize,
                end: packed.end as usize,
            },
            json: packed.json,
        }
    }
}

impl OriginMap {
    /// A map with room for `nodes` places without growing (a translation knows about how many
    /// nodes it writes, a few more than it places).
    pub fn with_capacity(nodes: usize) -> OriginMap {
        OriginMap {
            entries: Vec::with_capacity(nodes),
            ..OriginMap::default()
        }
    }

    /// Sorts the places inserted so far for lookups, the last inserted of a path winning, and
    /// gives back the room they did not use.
    pub fn finish(&mut self) {
        // Stable: of equal keys, the last inserted stays last.
        self.entries.sort_by_key(|(key, _)| *key);
        let mut kept = 0;
        for i in 0..self.entries.len() {
            let last_of_its_key = self
                .entries
                .get(i + 1)
                .is_none_or(|next| next.0 != self.entries[i].0);
            if last_of_its_key {
                self.entries[kept] = self.entries[i];
                kept += 1;
            }
        }
        self.entries.truncate(kept);
        if self.entries.capacity() > kept + kept / 4 {
            self.entries.shrink_to_fit();
        }
        self.sorted = kept;
    }

    pub fn insert(&mut self, path: impl AsRef<[Step]>, written: Written) {
        self.insert_at(PathKey::of(path.as_ref()), written);
    }

    /// [`OriginMap::insert`] by the path's key, for a source that keys its walk as it goes.
    pub fn insert_at(&mut self, key: PathKey, written: Written) {
        self.entries.push((key, Packed::from(written)));
    }

    /// Where `path` was written: its place recorded, or what the placer finds in the text of
    /// its file among `files`.
    pub fn get(&self, path: &[Step], files: &[super::SourceFile]) -> Option<Written> {
        if let Some(written) = self.recorded(path) {
            return Some(written);
        }
        let (file, placer) = self.placer.as_ref()?;
        let text = files.get(*file as usize)?.text();
        let span = (!path.is_empty()).then(|| placer.place(&text, path))??;
        Some(Written {
            file: *file as usize,
            span,
            json: false,
        })
    }

    /// The places of the nodes no entry places are found by `placer` in file `file`.
    pub fn place_with(&mut self, file: usize, placer: Arc<dyn Placer>) {
        self.placer = Some((narrow(file), placer));
    }

    /// Where `path` was written, as recorded (not as a placer would find it).
    pub fn recorded(&self, path: &[Step]) -> Option<Written> {
        let key = PathKey::of(path);
        let (sorted, added) = self.entries.split_at(self.sorted);
        let found = match added.iter().rev().find(|(k, _)| *k == key) {
            Some((_, packed)) => packed,
            None => {
                let at = sorted.binary_search_by_key(&key, |(k, _)| *k).ok()?;
                &sorted[at].1
            }
        };
        Some(Written::from(*found))
    }

    pub fn insert_note(&mut self, path: impl AsRef<[Step]>, note: String) {
        self.notes.insert(PathKey::of(path.as_ref()), note);
    }

    /// Where the value at `path` came from, when it was not written where it is shown.
    pub fn note(&self, path: &[Step]) -> Option<&str> {
        self.notes.get(&PathKey::of(path)).map(String::as_str)
    }

    /// Says `to` wherever the map said file `from` (the estate numbers files as it adds them).
    pub fn refile(&mut self, from: usize, to: usize) {
        let (from, to) = (narrow(from), narrow(to));
        for (_, written) in &mut self.entries {
            if written.file == from {
                written.file = to;
            }
        }
        if let Some((file, _)) = &mut self.placer
            && *file == from
        {
            *file = to;
        }
    }

    /// Adds `base` to every file number (files added to an estate that already has `base`).
    pub fn shift_files(&mut self, base: usize) {
        let base = narrow(base);
        for (_, written) in &mut self.entries {
            written.file += base;
        }
        if let Some((file, _)) = &mut self.placer {
            *file += base;
        }
    }

    /// For a list member of `len` elements that became objects (`[arn]` →
    /// `[{PolicyArn: arn}]`): each element's place and undecided value is also its `child`'s
    /// (places recorded: a role's map has no placer).
    pub fn nest_under_key(&mut self, list: &str, len: usize, child: &str) {
        let is_element =
            |path: &[Step]| matches!(path, [Step::Key(key), Step::Index(_)] if key == list);
        for i in 0..len {
            let element = [Step::Key(list.into()), Step::Index(i)];
            if let Some(written) = self.recorded(&element) {
                let [list, index] = element;
                self.insert([list, index, Step::Key(child.into())], written);
            }
        }
        for unknown in &mut self.unknowns {
            if is_element(&unknown.path) {
                unknown.path.push(Step::Key(child.into()));
            }
        }
    }

    /// How many places are recorded (a path placed twice counts twice until
    /// [`OriginMap::finish`]).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every place recorded (in no order; not those a placer finds): for checks that they lie
    /// inside their files.
    pub fn places(&self) -> impl Iterator<Item = Written> + '_ {
        self.entries.iter().map(|(_, p)| Written::from(*p))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Where `path` of the document of resource `owner` was written, when it is known.
pub fn written_at(estate: &Estate, owner: usize, path: &[Step], spans: &Spans) -> Option<Written> {
    let resource = estate.resources.get(owner)?;
    if let Some(map) = &resource.origin.map {
        return map.get(path, &estate.files);
    }
    let held = estate.files.get(resource.origin.file)?.text();
    let text = held.as_bytes();
    let span = match graft(resource, path) {
        Some(_) => locate(text, 0, &path_from_file_root(resource, path)),
        // Most paths: from the resource's own start, never from the file's.
        None => spans.find(owner, text, resource.origin.start, path),
    }?;
    Some(Written {
        file: resource.origin.file,
        span,
        json: true,
    })
}

/// The span trees of the API JSON resources findings are placed in, for one resource's
/// evaluation: a resource asked about once is scanned for that path alone; asked again, it is
/// indexed in one pass ([`SpanTree`]) and every later path is a lookup. A task definition with
/// ten findings is then scanned once, not ten times.
#[derive(Debug, Default)]
pub struct Spans {
    trees: RefCell<HashMap<usize, Indexed>>,
}

#[derive(Debug)]
enum Indexed {
    AskedOnce,
    /// `None`: the text could not be indexed (too deep); every path is scanned.
    Tree(Option<SpanTree>),
}

impl Spans {
    /// Spans that already hold `owner`'s tree, read with its document.
    pub fn with_tree(owner: usize, tree: Option<SpanTree>) -> Spans {
        let spans = Spans::default();
        if let Some(tree) = tree {
            spans
                .trees
                .borrow_mut()
                .insert(owner, Indexed::Tree(Some(tree)));
        }
        spans
    }

    fn find(&self, owner: usize, text: &[u8], start: usize, path: &[Step]) -> Option<Span> {
        let mut trees = self.trees.borrow_mut();
        let Some(entry) = trees.get_mut(&owner) else {
            trees.insert(owner, Indexed::AskedOnce);
            return locate(text, start, path);
        };
        if matches!(entry, Indexed::AskedOnce) {
            *entry = Indexed::Tree(SpanTree::build(text, start));
        }
        match entry {
            Indexed::Tree(Some(tree)) => tree.find(text, path),
            _ => locate(text, start, path),
        }
    }
}

/// The graft a path starts in: how many of its steps it covers, and where they really are.
fn graft<'a>(resource: &'a Resource, path: &[Step]) -> Option<(usize, &'a [Step])> {
    resource
        .origin
        .grafted
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|(prefix, from_root)| (prefix.len(), from_root.as_slice()))
}

/// The path from the file's root to `path` inside a resource, following grafts.
pub fn path_from_file_root(resource: &Resource, path: &[Step]) -> Vec<Step> {
    let (mut full, rest) = match graft(resource, path) {
        Some((covered, from_root)) => (from_root.to_vec(), &path[covered..]),
        None => (resource.origin.base.clone(), path),
    };
    full.extend_from_slice(rest);
    full
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: usize) -> Written {
        Written {
            file: 0,
            span: Span {
                start,
                end: start + 1,
            },
            json: false,
        }
    }

    fn path(steps: &[&str]) -> Vec<Step> {
        steps.iter().map(|s| Step::Key((*s).to_string())).collect()
    }

    #[test]
    fn the_last_place_of_a_path_wins_before_and_after_the_map_is_finished() {
        let mut map = OriginMap::with_capacity(64);
        for i in 0..40 {
            map.insert(path(&["a", &i.to_string()]), at(i));
        }
        map.insert(path(&["a", "7"]), at(100));
        map.insert(path(&["b"]), at(200));
        map.insert(path(&["b"]), at(201));
        let expect = |map: &OriginMap| {
            assert_eq!(map.recorded(&path(&["a", "7"])), Some(at(100)));
            assert_eq!(map.recorded(&path(&["a", "8"])), Some(at(8)));
            assert_eq!(map.recorded(&path(&["b"])), Some(at(201)));
            assert_eq!(map.recorded(&path(&["c"])), None);
        };
        expect(&map);
        map.finish();
        expect(&map);
        assert_eq!(map.len(), 41);
        // Placed again after the translation (a policy attached later): the new place counts.
        map.insert(path(&["a", "8"]), at(300));
        assert_eq!(map.recorded(&path(&["a", "8"])), Some(at(300)));
        assert_eq!(map.recorded(&path(&["a", "9"])), Some(at(9)));
        map.finish();
        assert_eq!(map.recorded(&path(&["a", "8"])), Some(at(300)));
        assert_eq!(map.len(), 41);
    }

    #[test]
    fn a_path_key_is_its_parents_key_with_its_last_step() {
        let steps = [Step::Key("containerDefinitions".into()), Step::Index(0)];
        assert_eq!(
            PathKey::of(&steps),
            PathKey::ROOT.child(&steps[0]).child(&steps[1])
        );
        assert_ne!(PathKey::of(&steps[..1]), PathKey::of(&steps));
        assert_ne!(PathKey::of(&[]), PathKey::of(&[Step::Index(0)]));
    }
}
