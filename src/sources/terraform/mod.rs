//! Terraform configurations to resources: the `.tf` files of a folder are one configuration,
//! evaluated as far as it decides its values (`eval.rs`: variables, locals, templates,
//! functions, `count`/`for_each`, references), and each instance of a resource type ecslint
//! reads becomes the API document the rules read (`mapping.rs` by the API model and
//! `data/terraform-mapping.toml`), with an origin map into the files that wrote it, so findings
//! land on the `.tf` line (or the template file a `templatefile` read). What only `terraform
//! apply` knows is recorded as undecided, with why.

mod config;
mod data;
mod eval;
mod fix;
mod folds;
mod functions;
mod instances;
mod json_syntax;
pub mod mapping;
mod modules;
mod parts;
mod plan;
mod references;
mod resources;
mod template;
mod value;

use crate::model::input::InputError;
use crate::model::{Resource, SourceFile};
use eval::{Evaluator, Files, Scope};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use value::Node;

pub use fix::fix_edit;
pub use modules::is_module_folder;
pub use plan::{is_plan, read_plan};
pub use resources::TYPES;

/// Whether a path is a Terraform file ecslint reads as part of its folder's configuration
/// (not one of the modules `terraform init` copied into `.terraform/`).
pub fn is_terraform(path: &Path) -> bool {
    is_tf_name(path) && !path.components().any(|c| c.as_os_str() == ".terraform")
}

/// `*.tf` or `*.tf.json`.
pub(super) fn is_tf_name(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// The variable values a run gives (`--var NAME=VALUE`, `--var-file FILE`).
#[derive(Debug, Clone, Default)]
pub struct Variables {
    pub values: BTreeMap<String, String>,
    pub files: Vec<PathBuf>,
}

/// One configuration as read: its files (the `.tf` files, then the files they read), its
/// resources (whose origins number those files from 0), and its errors.
#[derive(Default)]
pub struct ReadConfig {
    pub files: Vec<SourceFile>,
    pub resources: Vec<Resource>,
    pub errors: Vec<InputError>,
    /// Module calls whose source is not here (a registry or git module before `terraform
    /// init`): (the file of the call, why), for the run's list of what it did not read.
    pub not_read: Vec<(String, String)>,
    /// The folders read as modules of this configuration (canonical), which are not
    /// configurations of their own.
    pub module_folders: Vec<PathBuf>,
}

impl ReadConfig {
    /// Why the configuration's files are skipped, when it declares nothing ecslint reads.
    pub const NOTHING_READ: &'static str =
        "Terraform that declares no ECS, IAM or EC2 resource ecslint reads";
}

/// Reads the configuration of `folder` (shown as `shown`): every `.tf` file in it, and the
/// modules it calls.
pub fn read_folder(folder: &Path, shown: &str, variables: &Variables) -> ReadConfig {
    let files = Files::default();
    let mut read = ReadConfig::default();
    let root = Module {
        folder: folder.to_path_buf(),
        shown: shown.to_string(),
        address: String::new(),
        key: String::new(),
        root: folder.to_path_buf(),
        depth: 0,
    };
    let prefix = match shown {
        "" | "." => String::new(),
        folder => format!("{folder}/"),
    };
    let (resources, _) = read_module(&root, &prefix, &files, Inputs::Given(variables), &mut read);
    read.resources = resources;
    read.files = files
        .into_inner()
        .into_iter()
        .map(|file| {
            let mut read = SourceFile::new(file.shown, file.text.to_string());
            read.source = file.source;
            read
        })
        .collect();
    read
}

/// A module being read: its folder, how it is shown, its address (`module.api[\"blue\"].`,
/// empty for the root), its key in `.terraform/modules/modules.json` (`api`, `api.sidecar`),
/// the root module's folder (where `.terraform/` is), its depth.
pub(super) struct Module {
    pub folder: PathBuf,
    pub shown: String,
    pub address: String,
    pub key: String,
    pub root: PathBuf,
    pub depth: usize,
}

/// Where a module's variables take their values: the run's (root) or its call's (a child).
pub(super) enum Inputs<'a> {
    Given(&'a Variables),
    Passed(std::collections::HashMap<String, Node>),
}

/// Reads one module: its files, variables, the modules it calls, and its resources (ids
/// prefixed with `root_prefix` and the module's address). Returns them and its outputs.
pub(super) fn read_module(
    module: &Module,
    root_prefix: &str,
    files: &Files,
    inputs: Inputs<'_>,
    read: &mut ReadConfig,
) -> (Vec<Resource>, std::collections::HashMap<String, Node>) {
    let parsed = parse_folder(&module.folder, &module.shown, files, read);
    if parsed.is_empty() {
        return Default::default();
    }
    let config = config::Config::new(&parsed);
    let mut evaluator = Evaluator::new(&config, files, module.folder.clone());
    evaluator.shown_folder = module.shown.clone();
    evaluator.variables = match inputs {
        Inputs::Given(given) => {
            variable_values(&evaluator, &module.folder, given, &mut read.errors)
        }
        Inputs::Passed(passed) => modules::passed_values(&evaluator, &module.address, passed),
    };
    let prefix = format!("{root_prefix}{}", module.address);
    evaluator.tokens = resources::tokens(&evaluator, &prefix);
    let mut resources = modules::read_calls(&evaluator, module, root_prefix, read);
    // Locals read while counting instances saw no ids or module outputs yet.
    evaluator.forget();
    resources.extend(resources::read(&evaluator, &prefix, &module.address));
    let outputs = modules::outputs(&evaluator);
    drop(evaluator);
    drop(config);
    drop_on_every_core(parsed);
    (resources, outputs)
}

/// Drops parsed files on every core: the syntax tree of a large configuration takes as long to
/// free as a third of its reading.
fn drop_on_every_core(parsed: Vec<config::ParsedFile>) {
    use rayon::prelude::*;
    let structures: Vec<_> = parsed.into_iter().flat_map(|file| file.body).collect();
    structures.into_par_iter().for_each(drop);
}

/// Parses every `.tf` file of a folder, adding each to `files`; one that does not parse is an
/// input error at its place.
fn parse_folder(
    folder: &Path,
    shown: &str,
    files: &Files,
    read: &mut ReadConfig,
) -> Vec<config::ParsedFile> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_tf_name(p) && p.is_file())
            .collect(),
        Err(error) => {
            read.errors
                .push(error_at(shown, None, format!("cannot read: {error}")));
            return Vec::new();
        }
    };
    paths.sort();
    let mut parsed = Vec::new();
    for path in &paths {
        let shown_path = join(
            shown,
            &path.file_name().unwrap_or_default().to_string_lossy(),
        );
        let text = match read_text(path) {
            Ok(text) => text,
            Err(reason) => {
                read.errors.push(error_at(&shown_path, None, reason));
                continue;
            }
        };
        let parsed_text = match shown_path.ends_with(".json") {
            true => json_syntax::body(&text),
            false => parts::parse(&text).map(|body| (body, Default::default())),
        };
        match parsed_text {
            Ok((body, headers)) => {
                let file = files.add(shown_path.clone(), Some(path.clone()), Arc::from(text));
                parsed.push(config::ParsedFile {
                    file,
                    path: shown_path,
                    body,
                    headers,
                });
            }
            Err(error) => read.errors.push(hcl_error(&shown_path, &error)),
        }
    }
    parsed
}

fn hcl_error(shown: &str, error: &hcl_edit::parser::Error) -> InputError {
    let location = error.location();
    let at = crate::location::LineCol {
        line: location.line(),
        column: location.column(),
    };
    error_at(
        shown,
        Some(at),
        format!("not valid HCL: {}", error.message()),
    )
}

/// A plan and the configuration it was made from, in one run: each resource of the plan keeps
/// its planned values (variables and what `terraform plan` decided), and is shown where the
/// configuration wrote it; the configuration's own reading of it goes. Matched by id (the
/// plan's folder and the resource's address, as the configuration's), else by address when
/// one configuration of the run has it.
pub fn join_plans(estate: &mut crate::model::Estate) {
    let is_plan = |r: &Resource| {
        estate
            .files
            .get(r.origin.file)
            .is_some_and(|f| f.terraform_plan)
    };
    let configured: std::collections::HashMap<(crate::model::ResourceKind, &str), usize> = estate
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| !is_plan(r) && r.origin.map.is_some())
        .map(|(i, r)| ((r.kind, r.id.as_str()), i))
        .collect();
    // A plan written elsewhere than its configuration (the repository's root): by address,
    // when one configuration of the run has it.
    let mut by_address: std::collections::HashMap<(crate::model::ResourceKind, &str), Vec<usize>> =
        Default::default();
    for &i in configured.values() {
        let r = &estate.resources[i];
        by_address
            .entry((r.kind, r.name.as_str()))
            .or_default()
            .push(i);
    }
    let mut joined: Vec<(usize, usize)> = Vec::new();
    for (i, resource) in estate.resources.iter().enumerate() {
        if !is_plan(resource) {
            continue;
        }
        let from = configured
            .get(&(resource.kind, resource.id.as_str()))
            .copied()
            .or_else(
                || match by_address.get(&(resource.kind, resource.name.as_str())) {
                    Some(only) if only.len() == 1 => Some(only[0]),
                    _ => None,
                },
            );
        if let Some(from) = from
            && estate.files[estate.resources[from].origin.file]
                .path
                .contains(".tf")
        {
            joined.push((i, from));
        }
    }
    if joined.is_empty() {
        return;
    }
    let mut drop = vec![false; estate.resources.len()];
    for &(planned, from) in &joined {
        let source = estate.resources[from].origin.clone();
        let unknowns = estate.resources[planned]
            .origin
            .map
            .as_ref()
            .map(|m| m.unknowns.clone())
            .unwrap_or_default();
        let mut map = source.map.as_deref().cloned().unwrap_or_default();
        map.unknowns = unknowns;
        let resource = &mut estate.resources[planned];
        resource.origin.file = source.file;
        resource.origin.map = Some(Arc::new(map));
        drop[from] = true;
    }
    let mut index = 0;
    estate.resources.retain(|_| {
        index += 1;
        !drop[index - 1]
    });
}

/// Each declared variable's value: `--var`, then `--var-file` files, then `*.auto.tfvars` and
/// `terraform.tfvars`, then its default; unknown, with why, when none gives one.
fn variable_values(
    evaluator: &Evaluator<'_>,
    folder: &Path,
    given: &Variables,
    errors: &mut Vec<InputError>,
) -> std::collections::HashMap<String, Node> {
    let mut values = std::collections::HashMap::new();
    for (name, &(file, block)) in &evaluator.config.variables {
        let node = match block.body.get_attribute("default") {
            Some(default) => {
                let node = evaluator.eval(&default.value, &Scope::in_file(file));
                let at = eval::at(file, hcl_edit::Span::span(&default.value));
                let place = at.map(|at| evaluator.describe(at)).unwrap_or_default();
                let note: Arc<str> =
                    Arc::from(format!("from variable `{name}`'s default ({place})"));
                node.shown_at(None, &note)
            }
            None => Node::unknown(
                format!(
                    "variable `{name}` has no value: no default, and no tfvars file or --var gives one"
                ),
                None,
            ),
        };
        values.insert(name.to_string(), node);
    }
    // Later sources win, as in Terraform.
    let mut tfvars: Vec<PathBuf> = vec![
        folder.join("terraform.tfvars"),
        folder.join("terraform.tfvars.json"),
    ];
    let mut auto: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.to_string_lossy();
                    name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    tfvars.extend(auto);
    tfvars.extend(given.files.iter().cloned());
    for path in tfvars.iter().filter(|p| p.is_file()) {
        let shown = match path.parent() == Some(folder) {
            true => join(
                &evaluator.shown_folder,
                &path.file_name().unwrap_or_default().to_string_lossy(),
            ),
            false => path.to_string_lossy().replace('\\', "/"),
        };
        let text = match read_text(path) {
            Ok(text) => text,
            Err(reason) => {
                errors.push(error_at(&shown, None, reason));
                continue;
            }
        };
        // `.tfvars.json`: one JSON object of values.
        let parsed = match shown.ends_with(".json") {
            true => json_syntax::attributes(&text),
            false => hcl_edit::parser::parse_body(&text),
        };
        let body = match parsed {
            Ok(body) => body,
            Err(error) => {
                errors.push(hcl_error(&shown, &error));
                continue;
            }
        };
        let file = evaluator.add_text(&shown, Some(path.clone()), text);
        for attribute in body.attributes() {
            let node = evaluator.eval(&attribute.value, &Scope::in_file(file));
            let at = eval::at(file, hcl_edit::Span::span(attribute));
            let place = at.map(|at| evaluator.describe(at)).unwrap_or_default();
            let note: Arc<str> = Arc::from(format!("from {place}"));
            values.insert(
                attribute.key.as_str().to_string(),
                node.shown_at(None, &note),
            );
        }
    }
    for (name, value) in &given.values {
        let node = match hcl_edit::parser::parse_expr(value) {
            // A complex value is written as HCL; a plain word is a string.
            Ok(expression) if !matches!(expression, hcl_edit::expr::Expression::Variable(_)) => {
                let scratch = evaluator.add_text(&format!("--var {name}"), None, value.clone());
                evaluator.eval(&expression, &Scope::in_file(scratch))
            }
            _ => Node::string(value.clone(), None),
        };
        let note: Arc<str> = Arc::from(format!("from --var {name}"));
        values.insert(name.clone(), node.shown_at(None, &note));
    }
    values
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

fn join(folder: &str, name: &str) -> String {
    match folder {
        "" | "." => name.to_string(),
        folder => format!("{folder}/{name}"),
    }
}

fn error_at(path: &str, location: Option<crate::location::LineCol>, reason: String) -> InputError {
    InputError {
        path: path.to_string(),
        location,
        offset: None,
        reason,
        text: None,
    }
}
