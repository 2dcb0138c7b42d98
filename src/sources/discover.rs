//! Finding the files to read: named paths, and folders walked with hidden folders included and
//! what git ignores left out.

use super::{InputError, InputOptions, display_path};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A file to read. `named`: the user gave its path, so it must be an ECS, IAM or EC2 document;
/// otherwise it was found by walking a folder, and a file of no known shape is skipped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub path: PathBuf,
    pub named: bool,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The paths as given, for messages.
    pub roots: Vec<String>,
    pub inputs: Vec<Input>,
    /// Files seen in folders but not read (not matched by `--include`), counted by extension.
    pub not_read: BTreeMap<String, usize>,
    /// Folders or entries that could not be listed; the rest is still read.
    pub errors: Vec<InputError>,
}

/// Expands the paths given on the command line into a sorted list of files. `-` stands for
/// stdin. Folders are walked with hidden folders included (`.aws/task-definition.json` is where
/// the AWS deploy actions look), except `.git/` and what `.gitignore`, `.ignore` and
/// `.git/info/exclude` exclude; a path named explicitly is always read, even when ignored.
pub fn discover(paths: &[PathBuf], options: &InputOptions) -> Result<Discovered, String> {
    let include = build_globs(&options.include)?;
    let exclude = build_globs(&options.exclude)?;
    let mut found = Discovered::default();
    for path in paths {
        found.roots.push(display_path(path));
        // Anything but a folder is read as named: files, pipes (`<(render)`), /dev/stdin.
        if path.as_os_str() == "-" || (path.exists() && !path.is_dir()) {
            found.inputs.push(Input {
                path: path.clone(),
                named: !options.skip_unrecognized || path.as_os_str() == "-",
            });
            continue;
        }
        if !path.exists() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        let walker = ignore::WalkBuilder::new(path)
            .hidden(false)
            .require_git(false)
            // The user's global excludes differ between machines; a gate must not.
            .git_global(false)
            // `.terraform/` is Terraform's working state (providers, copied modules): modules
            // in it are read through the calls that name them.
            .filter_entry(|entry| entry.file_name() != ".git" && entry.file_name() != ".terraform")
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    found.errors.push(walk_error(path, &error));
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let candidate = entry.path();
            let name = candidate.file_name().map(Path::new).unwrap_or(candidate);
            if exclude.is_match(name) || exclude.is_match(candidate) {
                continue;
            }
            if include.is_match(name) || include.is_match(candidate) {
                found.inputs.push(Input {
                    path: candidate.to_path_buf(),
                    named: false,
                });
            } else if let Some(extension) = name.extension() {
                *found
                    .not_read
                    .entry(format!(".{}", extension.to_string_lossy()))
                    .or_default() += 1;
            }
        }
    }
    // As paths compare (component by component), each path's key made once: comparing
    // `Path`s parses their components at every comparison (40 ms for 20,000 files).
    found
        .inputs
        .sort_by_cached_key(|input| (sort_key(&input.path), input.named));
    // A file both named and found in a named folder is read once, as named.
    found.inputs.dedup_by(|later, earlier| {
        if later.path == earlier.path {
            earlier.named |= later.named;
            true
        } else {
            false
        }
    });
    Ok(found)
}

/// A key whose byte order is the order of paths: each component's kind, then its text, then
/// a zero byte (no path component holds one), so that a component sorts before its
/// extensions and a path before the paths under it.
fn sort_key(path: &Path) -> Vec<u8> {
    use std::path::Component;
    let mut key = Vec::with_capacity(path.as_os_str().len() + 8);
    for component in path.components() {
        key.push(match component {
            Component::Prefix(_) => 1,
            Component::RootDir => 2,
            Component::CurDir => 3,
            Component::ParentDir => 4,
            Component::Normal(_) => 5,
        });
        key.extend_from_slice(component.as_os_str().as_encoded_bytes());
        key.push(0);
    }
    key
}

/// A folder or entry the walker could not read, as an input error of its own.
fn walk_error(root: &Path, error: &ignore::Error) -> InputError {
    let mut inner = error;
    let mut path = None;
    loop {
        match inner {
            ignore::Error::WithPath { path: at, err } => {
                path = Some(at.clone());
                inner = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner = err;
            }
            _ => break,
        }
    }
    InputError {
        path: display_path(path.as_deref().unwrap_or(root)),
        location: None,
        offset: None,
        reason: format!("cannot read: {inner}"),
        text: None,
    }
}

fn build_globs(patterns: &[String]) -> Result<globset::GlobSet, String> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::Glob::new(pattern).map_err(|e| format!("bad glob {pattern:?}: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths sorted by their keys are in the order paths compare in, where byte order would
    /// differ (`a/b` before `a.b/c` and `a-b`).
    #[test]
    fn keys_sort_as_paths_do() {
        let texts = [
            "a/b",
            "a.b/c",
            "a/b/c",
            "a",
            "ab",
            "a-b",
            "/x",
            "/",
            "./y",
            "../z",
            "a/B",
            "é/x",
            "a/b.json",
            "a/b/.hidden",
            "a b/c",
        ];
        let mut by_path: Vec<&Path> = texts.iter().map(Path::new).collect();
        let mut by_key = by_path.clone();
        by_path.sort();
        by_key.sort_by_cached_key(|path| sort_key(path));
        assert_eq!(by_key, by_path);
    }
}
