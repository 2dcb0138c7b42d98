//! Module calls: a local module (`source = "./modules/service"`) or one `terraform init`
//! copied into `.terraform/modules/` (its `modules.json` maps each call's key to a folder) is
//! read with the values its call passes, its resources addressed under the call
//! (`module.api.aws_ecs_service.this`), its outputs readable as `module.api.NAME`; a module whose
//! source is not here is reported as not read, by name.

use super::config::Declared;
use super::eval::{Evaluator, Scope, at};
use super::instances::{self, Instance};
use super::value::{Node, Val};
use super::{Inputs, Module, ReadConfig, join, read_module};
use crate::model::Resource;
use hcl_edit::structure::Block;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Modules nested deeper than this are taken as a cycle.
const MAX_DEPTH: usize = 8;

/// The arguments of a module call that are Terraform's, not the module's variables.
const META: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Reads the modules `evaluator`'s module calls, returning their resources and recording
/// their outputs for `module.NAME` references. Calls whose arguments name another module's
/// outputs are read after it.
pub fn read_calls(
    evaluator: &Evaluator<'_>,
    module: &Module,
    root_prefix: &str,
    read: &mut ReadConfig,
) -> Vec<Resource> {
    let mut calls: Vec<&(usize, &Block)> = evaluator.config.modules.iter().collect();
    let names: Vec<String> = calls.iter().map(|(_, b)| name_of(b)).collect();
    // Those that name no other call's outputs first.
    calls.sort_by_key(|(file, block)| {
        let text = evaluator.source(*file, hcl_edit::Span::span(*block));
        names
            .iter()
            .filter(|n| **n != name_of(block) && text.contains(&format!("module.{n}")))
            .count()
    });
    let mut resources = Vec::new();
    for &&(file, block) in &calls {
        let name = name_of(block);
        let declared = Declared {
            file,
            data: false,
            kind: "module",
            name: &name,
            block,
            header: None,
        };
        let shown_call = evaluator.files.path(file).unwrap_or_default();
        let source = block
            .body
            .get_attribute("source")
            .and_then(|a| {
                evaluator
                    .eval(&a.value, &Scope::in_file(file))
                    .as_text()
                    .map(|t| t.into_owned())
            })
            .unwrap_or_default();
        let Some((folder, shown)) = locate(module, &name, &source) else {
            read.not_read.push((
                shown_call,
                format!(
                    "module `{name}` ({source}) is not read: its source is not a local folder, \
                     and `terraform init` has not copied it into .terraform/modules"
                ),
            ));
            continue;
        };
        let has_tf = std::fs::read_dir(&folder)
            .is_ok_and(|entries| entries.flatten().any(|e| super::is_tf_name(&e.path())));
        if !has_tf {
            let why = format!("module `{name}` ({source}) is not read: {shown} has no .tf file");
            read.not_read.push((shown_call, why));
            continue;
        }
        if module.depth >= MAX_DEPTH {
            read.not_read
                .push((shown_call, format!("module `{name}` is nested too deep")));
            continue;
        }
        if let Ok(canonical) = std::fs::canonicalize(&folder) {
            read.module_folders.push(canonical);
        }
        let each = instances::of(evaluator, &declared);
        let counted = each.is_some();
        let mut outputs: Vec<(Instance, Node)> = Vec::new();
        for instance in each.unwrap_or_else(|| vec![Instance::single()]) {
            let child = Module {
                folder: folder.clone(),
                shown: shown.clone(),
                address: format!("{}module.{name}{}.", module.address, instance.suffix()),
                key: match module.key.as_str() {
                    "" => name.clone(),
                    parent => format!("{parent}.{name}"),
                },
                root: module.root.clone(),
                depth: module.depth + 1,
            };
            let passed = arguments(evaluator, file, block, &instance, &name);
            let (found, out) = read_module(
                &child,
                root_prefix,
                evaluator.files,
                Inputs::Passed(passed),
                read,
            );
            resources.extend(found);
            let members = out.into_iter().collect();
            outputs.push((instance, Node::new(Val::Object(members), None)));
        }
        let value = match counted {
            false => outputs
                .pop()
                .map(|(_, node)| node)
                .unwrap_or_else(|| Node::null(None)),
            true if outputs.iter().all(|(i, _)| {
                i.key
                    .as_ref()
                    .is_some_and(|k| matches!(k.value, Val::Number(_)))
            }) =>
            {
                Node::new(
                    Val::List(outputs.into_iter().map(|(_, n)| n).collect()),
                    None,
                )
            }
            true => Node::new(
                Val::Object(
                    outputs
                        .into_iter()
                        .map(|(i, n)| (i.key_text(), n))
                        .collect(),
                ),
                None,
            ),
        };
        super::eval::write(&evaluator.module_outputs).insert(name, value);
    }
    resources
}

fn name_of(block: &Block) -> String {
    block
        .labels
        .first()
        .map(|l| l.as_str().to_string())
        .unwrap_or_default()
}

/// The folder a call's source is, and how it is shown: a local path, or the folder
/// `.terraform/modules/modules.json` gives the call's key.
fn locate(module: &Module, name: &str, source: &str) -> Option<(PathBuf, String)> {
    if source.starts_with("./") || source.starts_with("../") {
        let folder = module.folder.join(source);
        return folder
            .is_dir()
            .then(|| (folder, normalize(&join(&module.shown, source))));
    }
    let key = match module.key.as_str() {
        "" => name.to_string(),
        parent => format!("{parent}.{name}"),
    };
    let listing =
        std::fs::read_to_string(module.root.join(".terraform/modules/modules.json")).ok()?;
    let listing: serde_json::Value = serde_json::from_str(&listing).ok()?;
    let dir = listing
        .get("Modules")?
        .as_array()?
        .iter()
        .find(|m| m.get("Key").and_then(|k| k.as_str()) == Some(&key))?
        .get("Dir")?
        .as_str()?
        .to_string();
    let folder = module.root.join(&dir);
    let root_shown = root_shown(module);
    folder
        .is_dir()
        .then(|| (folder, normalize(&join(&root_shown, &dir))))
}

/// How the root module's folder is shown: the module's shown folder with the steps from the
/// root to it taken off (they are only known for local paths, so the root's own when equal).
fn root_shown(module: &Module) -> String {
    match (
        module.folder.strip_prefix(&module.root),
        module.shown.as_str(),
    ) {
        (Ok(rest), shown) if !rest.as_os_str().is_empty() => {
            let rest = rest.to_string_lossy().replace('\\', "/");
            shown
                .strip_suffix(&rest)
                .map(|s| s.trim_end_matches('/').to_string())
                .unwrap_or_else(|| shown.to_string())
        }
        (_, shown) => shown.to_string(),
    }
}

/// `infra/./modules/../modules/svc` → `infra/modules/svc`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    match parts.is_empty() {
        true => ".".into(),
        false => parts.join("/"),
    }
}

/// The values a module call passes its module's variables, each saying where it was passed.
fn arguments(
    evaluator: &Evaluator<'_>,
    file: usize,
    block: &Block,
    instance: &Instance,
    name: &str,
) -> HashMap<String, Node> {
    let scope = instance.scope(file);
    let mut passed = HashMap::new();
    for attribute in block.body.attributes() {
        let key = attribute.key.as_str();
        if META.contains(&key) {
            continue;
        }
        let mut node = evaluator.eval(&attribute.value, &scope);
        if node.note.is_none()
            && let Some(place) = at(file, hcl_edit::Span::span(attribute))
        {
            let note = format!(
                "from module `{name}`'s argument `{key}` ({})",
                evaluator.describe(place)
            );
            node.note = Some(Arc::from(note));
        }
        passed.insert(key.to_string(), node);
    }
    passed
}

/// A child module's variables: what its call passes, else the default, else unknown.
pub fn passed_values(
    evaluator: &Evaluator<'_>,
    address: &str,
    mut passed: HashMap<String, Node>,
) -> HashMap<String, Node> {
    let mut values = HashMap::new();
    for (name, &(file, block)) in &evaluator.config.variables {
        let node = match (passed.remove(*name), block.body.get_attribute("default")) {
            (Some(node), _) => node,
            (None, Some(default)) => {
                let node = evaluator.eval(&default.value, &Scope::in_file(file));
                let place = at(file, hcl_edit::Span::span(&default.value))
                    .map(|at| evaluator.describe(at))
                    .unwrap_or_default();
                let note: Arc<str> =
                    Arc::from(format!("from variable `{name}`'s default ({place})"));
                node.shown_at(None, &note)
            }
            (None, None) => Node::unknown(
                format!(
                    "variable `{name}` of {} has no value: its call does not pass one",
                    address.trim_end_matches('.')
                ),
                None,
            ),
        };
        values.insert(name.to_string(), node);
    }
    values
}

/// A module's outputs, by name.
pub fn outputs(evaluator: &Evaluator<'_>) -> HashMap<String, Node> {
    evaluator
        .config
        .outputs
        .iter()
        .filter_map(|&(file, block)| {
            let value = block.body.get_attribute("value")?;
            Some((
                name_of(block),
                evaluator.eval(&value.value, &Scope::in_file(file)),
            ))
        })
        .collect()
}

/// Whether `path` is one of `folders` (canonical).
pub fn is_module_folder(path: &Path, folders: &[PathBuf]) -> bool {
    std::fs::canonicalize(path).is_ok_and(|p| folders.contains(&p))
}
