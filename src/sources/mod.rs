//! Sources: turn files (or stdin) into an [`Estate`]. This is the only part that reads input
//! files; everything after it works on the model.

#[cfg(feature = "live")]
pub mod live;

pub mod api_model;
pub mod cfn_names;
pub mod shape;
pub mod snapshot;
pub mod template;
pub mod terraform;
pub mod yaml;

use crate::location;
mod discover;
mod parse;

pub use parse::json_reason;
pub(crate) use parse::offset_of;
use parse::parse_file;

pub use crate::model::input::{InputError, Skipped};
use crate::model::{Estate, Resource, SourceFile};
pub use discover::{Discovered, Input, discover};
use rayon::prelude::*;
use shape::InputKind;
use std::path::{Path, PathBuf};

/// What folders are searched for: API JSON, snapshots, templates and Terraform.
pub const DEFAULT_INCLUDE: [&str; 5] = ["*.json", "*.yaml", "*.yml", "*.template", "*.tf"];

/// How inputs are found and read.
#[derive(Debug, Clone)]
pub struct InputOptions {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Files named are read as if found in a folder (what is not ours is skipped), and a run
    /// that reads nothing is no error.
    pub skip_unrecognized: bool,
    pub input_kind: InputKind,
    /// Template parameter values (`--parameter`, `--parameters`), pseudo parameters included.
    pub parameters: std::collections::BTreeMap<String, String>,
    /// Parameters a parent stack passes a nested template without deciding them, with why.
    pub passed_undecided: std::collections::BTreeMap<String, String>,
    /// Terraform variable values (`--var`, `--var-file`).
    pub variables: terraform::Variables,
}

impl InputOptions {
    fn given(&self) -> template::Given<'_> {
        template::Given {
            values: &self.parameters,
            undecided: &self.passed_undecided,
        }
    }
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            include: DEFAULT_INCLUDE.map(String::from).to_vec(),
            exclude: Vec::new(),
            skip_unrecognized: false,
            input_kind: InputKind::Auto,
            parameters: Default::default(),
            passed_undecided: Default::default(),
            variables: Default::default(),
        }
    }
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Loaded {
    pub estate: Estate,
    pub errors: Vec<InputError>,
    pub skipped: Vec<Skipped>,
}

/// Reads and parses files the user named (in parallel) into one estate. A file that fails
/// yields an [`InputError`]; the others are still loaded.
pub fn load(files: &[PathBuf], options: &InputOptions) -> (Estate, Vec<InputError>) {
    let discovered = Discovered {
        roots: files.iter().map(|path| display_path(path)).collect(),
        inputs: files
            .iter()
            .map(|path| Input {
                path: path.clone(),
                named: true,
            })
            .collect(),
        ..Discovered::default()
    };
    let loaded = load_discovered(discovered, options);
    (loaded.estate, loaded.errors)
}

/// Reads and parses what discovery found (in parallel) into one estate.
///
/// The policy for a file found by walking a folder (a named file must be a document we read):
/// - a JSON document of a known shape is linted;
/// - one of our shapes, broken (`containerDefinitions` that is not an array) is an input error;
/// - valid JSON of no known shape (package.json, tsconfig.json, renovate.json) is skipped;
/// - text that is not JSON is an input error when it names an ECS member
///   (`"containerDefinitions"`, `"serviceName"`...) or when its folder holds documents that were
///   read, and is skipped otherwise (JSON with comments such as tsconfig.json, editor settings).
///
/// A run that reads no document at all is an input error that says what was seen.
pub fn load_discovered(mut discovered: Discovered, options: &InputOptions) -> Loaded {
    // Terraform is read a folder at a time: its files are one configuration.
    let (terraform, inputs): (Vec<Input>, Vec<Input>) = std::mem::take(&mut discovered.inputs)
        .into_iter()
        .partition(|input| terraform::is_terraform(&input.path));
    discovered.inputs = inputs;
    let configurations = read_terraform(&terraform, options);
    let mut outcomes: Vec<FileOutcome> = discovered
        .inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| load_one(index, &input.path, options))
        .collect();
    pass_nested_parameters(&discovered.inputs, &mut outcomes, options);
    let read_folders: std::collections::HashSet<&Path> = discovered
        .inputs
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .filter_map(|(input, _)| input.path.parent())
        .collect();
    let mut loaded = Loaded {
        errors: discovered.errors.clone(),
        ..Loaded::default()
    };
    let mut skip = |error: InputError| {
        loaded.skipped.push(Skipped {
            path: error.path,
            reason: error.reason,
        })
    };
    let mut errors = Vec::new();
    for (input, outcome) in discovered.inputs.iter().zip(outcomes) {
        let rejection = match outcome {
            Ok((mut file, resources)) => {
                if input.path.as_os_str() != "-" {
                    file.source = Some(input.path.clone());
                    file.read_again_with(read_again(input.path.clone()));
                }
                loaded.estate.add_file(file, resources);
                continue;
            }
            Err(rejection) => rejection,
        };
        match rejection {
            Rejection::Broken(error) => errors.push(error),
            rejection if input.named => errors.push(rejection.into_error()),
            Rejection::Unrecognized(error) => skip(error),
            Rejection::NotJson {
                error,
                names_ecs_member,
            } => {
                let beside_documents = input
                    .path
                    .parent()
                    .is_some_and(|folder| read_folders.contains(folder));
                if names_ecs_member || beside_documents {
                    errors.push(error);
                } else {
                    skip(error);
                }
            }
        }
    }
    let module_folders: Vec<PathBuf> = configurations
        .iter()
        .flat_map(|(_, read)| read.module_folders.iter().cloned())
        .collect();
    for (folder, read) in configurations {
        // A module another configuration calls is read through its calls only.
        if terraform::is_module_folder(&folder, &module_folders) {
            continue;
        }
        errors.extend(read.errors);
        // A configuration whose modules are not here is still read: it says so by name.
        let calls_unread = !read.not_read.is_empty();
        let unread = read.not_read.into_iter();
        loaded
            .skipped
            .extend(unread.map(|(path, reason)| Skipped { path, reason }));
        if read.resources.is_empty() && !calls_unread {
            let skipped = read.files.into_iter().map(|file| Skipped {
                path: file.path,
                reason: terraform::ReadConfig::NOTHING_READ.into(),
            });
            loaded.skipped.extend(skipped);
        } else {
            loaded.estate.add_files(read.files, read.resources);
        }
    }
    loaded.errors.extend(errors);
    template::import_exports(&mut loaded.estate);
    terraform::join_plans(&mut loaded.estate);
    if loaded.estate.files.is_empty() && loaded.errors.is_empty() && !options.skip_unrecognized {
        loaded
            .errors
            .push(nothing_read(&discovered, &loaded.skipped));
    }
    loaded
}

/// The Terraform configurations of the folders these files are in, one per folder.
fn read_terraform(
    files: &[Input],
    options: &InputOptions,
) -> Vec<(PathBuf, terraform::ReadConfig)> {
    let mut folders: Vec<PathBuf> = files
        .iter()
        .map(|input| input.path.parent().unwrap_or(Path::new(".")).to_path_buf())
        .collect();
    folders.sort();
    folders.dedup();
    folders
        .par_iter()
        .map(|folder| {
            let shown = match folder.as_os_str().is_empty() {
                true => ".".to_string(),
                false => display_path(folder),
            };
            let path = if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            };
            let read = terraform::read_folder(path, &shown, &options.variables);
            (path.to_path_buf(), read)
        })
        .collect()
}

/// One input as read, or why not.
type FileOutcome = Result<(SourceFile, Vec<Resource>), Rejection>;

/// Reads again each nested stack's template of the run with the parameter values its parent
/// passes (`AWS::CloudFormation::Stack`'s `Parameters`, over `--parameter`), which it otherwise
/// leaves undecided. A nested stack's own nested stacks get theirs in the next round.
fn pass_nested_parameters(inputs: &[Input], outcomes: &mut [FileOutcome], options: &InputOptions) {
    type Parameters = std::collections::BTreeMap<String, String>;
    // The values a parent decides, and why it does not decide the others it passes.
    type Passed = (Parameters, Parameters);
    let key = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut passed: std::collections::HashMap<PathBuf, Passed> = Default::default();
    // Deep enough for CDK's nesting; a parent that names itself stops here too.
    for _round in 0..4 {
        let mut wanted: std::collections::HashMap<PathBuf, Passed> = Default::default();
        for (input, outcome) in inputs.iter().zip(outcomes.iter()) {
            let Ok((file, _)) = outcome else { continue };
            let folder = input.path.parent().unwrap_or(Path::new("."));
            for nested in &file.nested {
                // Two parents of one nested template: the first (in path order) counts.
                wanted
                    .entry(key(&folder.join(&nested.template)))
                    .or_insert_with(|| (nested.parameters.clone(), nested.undecided.clone()));
            }
        }
        if wanted.is_empty() {
            return;
        }
        let changed: Vec<(usize, Passed)> = inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| {
                let path = key(&input.path);
                let parameters = wanted.remove(&path)?;
                // The first read was with none passed.
                let unchanged = match passed.get(&path) {
                    Some(before) => *before == parameters,
                    None => parameters.0.is_empty() && parameters.1.is_empty(),
                };
                (!unchanged).then_some((i, parameters))
            })
            .collect();
        if changed.is_empty() {
            return;
        }
        let reread: Vec<(usize, Passed, FileOutcome)> = changed
            .into_par_iter()
            .map(|(i, parameters)| {
                let mut options = options.clone();
                // The parent's word counts over `--parameter`, decided or not.
                let (values, undecided) = &parameters;
                options
                    .parameters
                    .retain(|name, _| !undecided.contains_key(name));
                options.parameters.extend(values.clone());
                options.passed_undecided = undecided.clone();
                let outcome = load_one(i, &inputs[i].path, &options);
                (i, parameters, outcome)
            })
            .collect();
        for (i, parameters, outcome) in reread {
            passed.insert(key(&inputs[i].path), parameters);
            outcomes[i] = outcome;
        }
    }
}

/// The error of a run that found no document: what it saw instead.
fn nothing_read(discovered: &Discovered, skipped: &[Skipped]) -> InputError {
    let mut seen = Vec::new();
    if !skipped.is_empty() {
        seen.push(format!(
            "{} file{} of no ECS, IAM or EC2 shape skipped (--verbose lists them)",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" }
        ));
    }
    let mut not_read: Vec<(&String, &usize)> = discovered.not_read.iter().collect();
    not_read.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    const SHOWN: usize = 4;
    let mut parts: Vec<String> = not_read
        .iter()
        .take(SHOWN)
        .map(|(extension, count)| format!("{count} {extension}"))
        .collect();
    if not_read.len() > SHOWN {
        let rest: usize = not_read[SHOWN..].iter().map(|(_, count)| **count).sum();
        parts.push(format!("{rest} other"));
    }
    if !parts.is_empty() {
        let last = parts.pop().unwrap_or_default();
        let list = if parts.is_empty() {
            last
        } else {
            format!("{} and {last}", parts.join(", "))
        };
        let total: usize = discovered.not_read.values().sum();
        let (files, are) = if total == 1 {
            ("file", "is")
        } else {
            ("files", "are")
        };
        seen.push(format!(
            "{list} {files} {are} not read (ecslint reads JSON, YAML and Terraform; --include selects files)"
        ));
    }
    // An AWS CDK app's templates exist once synthesized, in `cdk.out/`, which its .gitignore
    // usually excludes: name it.
    let cdk_app = skipped
        .iter()
        .any(|s| Path::new(&s.path).file_name() == Some(std::ffi::OsStr::new("cdk.json")));
    if cdk_app {
        seen.push(
            "an AWS CDK app (cdk.json): lint its templates with `cdk synth && ecslint check cdk.out`"
                .to_string(),
        );
    }
    let roots = if discovered.roots.is_empty() {
        "the input".to_string()
    } else {
        discovered.roots.join(", ")
    };
    InputError {
        path: roots,
        location: None,
        offset: None,
        reason: if seen.is_empty() {
            "no ECS, IAM or EC2 document found: no file matched".to_string()
        } else {
            format!("no ECS, IAM or EC2 document found: {}", seen.join("; "))
        },
        text: None,
    }
}

/// Why a file was not read, in the terms of the discovery policy.
pub(crate) enum Rejection {
    /// Not JSON (or not UTF-8). `names_ecs_member`: its text names a member only our shapes
    /// have, so it is one of them, broken.
    NotJson {
        error: InputError,
        names_ecs_member: bool,
    },
    /// Valid JSON of no known shape.
    Unrecognized(InputError),
    /// One of our shapes, broken.
    Broken(InputError),
}

impl Rejection {
    /// The error for a file that had to be read (named by the user, or broken).
    fn into_error(self) -> InputError {
        match self {
            Rejection::Unrecognized(mut error) => {
                error.reason.push_str(
                    "; see `ecslint check --help` for the accepted shapes \
                     or force one with --input-kind",
                );
                error
            }
            Rejection::NotJson { error, .. } | Rejection::Broken(error) => error,
        }
    }
}

/// Members only ECS, IAM and EC2 documents (and ecslint's snapshots) have, quoted as JSON keys,
/// and what only a CloudFormation template has (one that declares ECS resources).
const ECS_MEMBERS: &[&str] = &[
    "\"AWSTemplateFormatVersion\"",
    "\"AWS::ECS::",
    "\"containerDefinitions\"",
    // taskDefinition, taskDefinitions, taskDefinitionArn
    "\"taskDefinition",
    "\"serviceName\"",
    "\"clusterName\"",
    "\"capacityProviderStrategy\"",
    "\"RoleDetailList\"",
    "\"ecslintSnapshot\"",
];

fn names_ecs_member(bytes: &[u8]) -> bool {
    ECS_MEMBERS
        .iter()
        .any(|member| memchr::memmem::find(bytes, member.as_bytes()).is_some())
}

/// Loads documents given as text (used for stdin and by tests).
/// Reads in-memory documents (display name, text) into one estate, as files are read: for
/// tests and fuzz targets. Unlike walked files, every text must be a document (as if named).
pub fn load_texts(texts: Vec<(String, String)>, options: &InputOptions) -> Loaded {
    let mut loaded = Loaded::default();
    for (name, text) in texts {
        match load_text(&name, text, options) {
            Ok((file, resources)) => loaded.estate.add_file(file, resources),
            Err(error) => loaded.errors.push(error),
        }
    }
    template::import_exports(&mut loaded.estate);
    loaded
}

pub fn load_text(
    display_path: &str,
    text: String,
    options: &InputOptions,
) -> Result<(SourceFile, Vec<Resource>), InputError> {
    parse_file(0, display_path.to_string(), text, options).map_err(Rejection::into_error)
}

fn display_path(path: &Path) -> String {
    let shown = path.strip_prefix("./").unwrap_or(path);
    // `.` itself strips to nothing: the working folder is still `.` to a person.
    if shown.as_os_str().is_empty() {
        return ".".into();
    }
    shown.to_string_lossy().replace('\\', "/")
}

/// Reads a file with its identity, taken from the open file (no second look-up by path).
pub fn read_identified(
    path: &std::path::Path,
) -> std::io::Result<(Vec<u8>, Option<crate::model::FileIdentity>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.read_to_end(&mut bytes)?;
    #[cfg(unix)]
    let identity = {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    };
    #[cfg(not(unix))]
    let identity = None;
    Ok((bytes, identity))
}

/// Reads a file's text again as [`load_one`] read it, for a text the estate released.
fn read_again(path: PathBuf) -> crate::model::text::ReadAgain {
    std::sync::Arc::new(move || {
        let mut text = String::from_utf8(std::fs::read(&path).ok()?).ok()?;
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        Some(text)
    })
}

fn load_one(
    index: usize,
    path: &Path,
    options: &InputOptions,
) -> Result<(SourceFile, Vec<Resource>), Rejection> {
    let shown = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        display_path(path)
    };
    let (bytes, identity) = if path.as_os_str() == "-" {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer).map(|_| (buffer, None))
    } else {
        read_identified(path)
    }
    .map_err(|e| {
        Rejection::Broken(InputError {
            path: shown.clone(),
            location: None,
            offset: None,
            reason: format!("cannot read: {e}"),
            text: None,
        })
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
            let at = location::LineIndex::new(valid.as_bytes()).line_col(valid.as_bytes(), offset);
            return Err(Rejection::NotJson {
                names_ecs_member: names_ecs_member(e.as_bytes()),
                error: InputError {
                    path: shown,
                    location: Some(at),
                    offset: None,
                    reason: "not UTF-8 text (a binary file?)".into(),
                    text: None,
                },
            });
        }
    };
    let (mut file, resources) = parse_file(index, shown, text, options)?;
    file.identity = identity;
    Ok((file, resources))
}
