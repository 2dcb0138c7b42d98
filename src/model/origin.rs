//! Where a resource's document sits in its file: paths inside a resource mapped to the file,
//! following grafts (members brought in from elsewhere in the file).

use super::{Estate, Resource};
use crate::location::{self, Step, locate};

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

/// The byte span of `path` inside a resource, following grafted keys.
pub fn span_in_file(estate: &Estate, resource: &Resource, path: &[Step]) -> Option<location::Span> {
    let text = estate.files.get(resource.origin.file)?.text.as_bytes();
    match graft(resource, path) {
        Some(_) => locate(text, 0, &path_from_file_root(resource, path)),
        // Most paths: scan from the resource's own start, never from the file's.
        None => locate(text, resource.origin.start, path),
    }
}
