//! A folder's `.tf` files parsed (hcl-edit, spans on every node) and what they declare:
//! variables, locals, resources and data sources, modules.

use hcl_edit::structure::{Attribute, Block, Body, Structure};
use std::collections::HashMap;

/// One parsed `.tf` file: its index among the configuration's files, and its body.
pub struct ParsedFile {
    pub file: usize,
    /// How the file is shown (`infra/main.tf`).
    pub path: String,
    pub body: Body,
    /// For a `.tf.json` file, where its blocks' names were written (its blocks are made, not
    /// parsed, and have no spans).
    pub headers: super::json_syntax::Headers,
}

/// What the files of one folder declare, borrowed from their parsed bodies.
#[derive(Default)]
pub struct Config<'c> {
    /// `variable` blocks by name, with their file.
    pub variables: HashMap<&'c str, (usize, &'c Block)>,
    /// `locals` members by name, with their file.
    pub locals: HashMap<&'c str, (usize, &'c Attribute)>,
    /// `resource` and `data` blocks, in file order.
    pub resources: Vec<Declared<'c>>,
    /// How each file is shown, by index.
    pub paths: Vec<String>,
    /// `module` blocks, with their file.
    pub modules: Vec<(usize, &'c Block)>,
    /// `output` blocks, with their file.
    pub outputs: Vec<(usize, &'c Block)>,
    /// Where each resource is in `resources`, by (data, type, name).
    index: HashMap<(bool, &'c str, &'c str), usize>,
}

/// A `resource` or `data` block.
pub struct Declared<'c> {
    pub file: usize,
    pub data: bool,
    pub kind: &'c str,
    pub name: &'c str,
    pub block: &'c Block,
    /// Where the block's name was written, when the block has no span (JSON syntax).
    pub header: Option<std::ops::Range<usize>>,
}

impl Declared<'_> {
    /// `aws_ecs_service.api`, or `data.aws_iam_policy_document.task`.
    pub fn address(&self) -> String {
        match self.data {
            true => format!("data.{}.{}", self.kind, self.name),
            false => format!("{}.{}", self.kind, self.name),
        }
    }
}

impl<'c> Config<'c> {
    pub fn new(files: &'c [ParsedFile]) -> Config<'c> {
        let mut config = Config::default();
        for parsed in files {
            if config.paths.len() <= parsed.file {
                config.paths.resize(parsed.file + 1, String::new());
            }
            config.paths[parsed.file] = parsed.path.clone();
            for structure in parsed.body.iter() {
                let Structure::Block(block) = structure else {
                    continue;
                };
                let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
                match (block.ident.as_str(), labels.as_slice()) {
                    ("variable", [name]) => {
                        config.variables.insert(name, (parsed.file, block));
                    }
                    ("locals", []) => {
                        for attribute in block.body.attributes() {
                            config
                                .locals
                                .insert(attribute.key.as_str(), (parsed.file, attribute));
                        }
                    }
                    (ident @ ("resource" | "data"), [kind, name]) => {
                        let at = config.resources.len();
                        config.index.insert((ident == "data", kind, name), at);
                        let key = (ident.to_string(), format!("{kind}.{name}"));
                        config.resources.push(Declared {
                            file: parsed.file,
                            data: ident == "data",
                            kind,
                            name,
                            block,
                            header: parsed.headers.get(&key).cloned(),
                        })
                    }
                    ("module", [_]) => config.modules.push((parsed.file, block)),
                    ("output", [_]) => config.outputs.push((parsed.file, block)),
                    _ => {}
                }
            }
        }
        config
    }

    /// The resource (or data source, when `data`) of this type and name.
    pub fn resource(&self, data: bool, kind: &str, name: &str) -> Option<&Declared<'c>> {
        let at = *self.index.get(&(data, kind, name))?;
        self.resources.get(at)
    }
}
