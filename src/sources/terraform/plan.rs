//! `terraform show -json` output: a plan (`planned_values`, format 1.x) or a state (`values`).
//! Each resource of a type ecslint reads becomes the same document a configuration gives, from
//! its planned values (placed in the plan file). A value the plan marks unknown
//! (`after_unknown`) is followed through the configuration's expression references: a
//! reference to a resource of the plan is a link to it (`task_role_arn` →
//! `aws_iam_role.task`), anything else stays undecided, saying what it refers to.

use super::folds::{Part, is_part};
use super::resources::{One, build_all};
use super::value::{At, Node, Val, placed_value};
use crate::location::Span;
use crate::model::Resource;
use serde_json::Value;
use std::collections::HashMap;

/// Whether a parsed JSON document is `terraform show -json` output.
pub fn is_plan(doc: &Value) -> bool {
    doc.get("format_version").is_some()
        && (doc.get("planned_values").is_some() || doc.pointer("/values/root_module").is_some())
}

/// One resource of the plan: its module's address, its own address in that module, type,
/// values, where it is listed.
struct Listed {
    module: String,
    address: String,
    kind: String,
    values: Node,
    at: Option<At>,
}

/// The resources of plan `doc` (text `text`, file `file`); ids are prefixed with `prefix`
/// (the plan's folder), as a configuration's are, so a plan and its configuration name each
/// resource alike.
pub fn read_plan(file: usize, text: &str, mut doc: Value, prefix: &str) -> Vec<Resource> {
    // What the unknown values are told from, by address; the rest becomes placed nodes.
    let changes = doc
        .as_object_mut()
        .and_then(|d| d.remove("resource_changes"))
        .unwrap_or_default();
    let configuration = doc
        .as_object_mut()
        .and_then(|d| d.remove("configuration"))
        .unwrap_or_default();
    let after_unknown: HashMap<&str, &Value> = changes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some((
                c.get("address")?.as_str()?,
                c.pointer("/change/after_unknown")?,
            ))
        })
        .collect();
    let mut configured = HashMap::new();
    if let Some(root) = configuration.get("root_module") {
        expressions(root, "", &mut configured);
    }
    let place = |span: Span| (Some(At { file, span }), None);
    let tree = placed_value(doc, text, &place);
    let root = tree
        .get("planned_values")
        .or_else(|| tree.get("values"))
        .and_then(|v| v.get("root_module"));
    let mut listed = Vec::new();
    if let Some(root) = root {
        list(root, "", &mut listed);
    }
    let ids: Vec<String> = listed
        .iter()
        .map(|l| format!("{}{}", l.module, l.address))
        .collect();
    for resource in &mut listed {
        let full = format!("{}{}", resource.module, resource.address);
        let Some(unknown) = after_unknown.get(full.as_str()) else {
            continue;
        };
        let expressions = configured.get(&without_keys(&full)).copied();
        let context = Unknowns {
            configured: expressions.is_some(),
            full: &full,
            module: &resource.module,
            prefix,
            ids: &ids,
            at: resource.at,
        };
        context.mark(&mut resource.values, unknown, expressions, &mut Vec::new());
    }
    let parts: Vec<Part> = listed
        .iter()
        .filter(|l| is_part(&l.kind))
        .map(|l| Part {
            kind: l.kind.clone(),
            args: members(&l.values),
            at: l.at,
        })
        .collect();
    // Grouped by module: ids and names are prefixed with each module's address.
    let mut out = Vec::new();
    let mut modules: Vec<String> = listed.iter().map(|l| l.module.clone()).collect();
    modules.dedup();
    for module in modules {
        let ones: Vec<One> = listed
            .iter()
            .filter(|l| l.module == module)
            .map(|l| One {
                kind: &l.kind,
                address: l.address.clone(),
                members: members(&l.values),
                header: l.at,
                file,
            })
            .collect();
        let module_prefix = format!("{prefix}{module}");
        out.extend(build_all(ones, (&module_prefix, &module), &parts));
    }
    out
}

fn members(values: &Node) -> Vec<(String, Node)> {
    match &values.value {
        Val::Object(members) => members.clone(),
        _ => Vec::new(),
    }
}

/// The managed resources of a module of the plan and of its child modules.
fn list(module: &Node, module_address: &str, out: &mut Vec<Listed>) {
    if let Some(Val::List(resources)) = module.get("resources").map(|r| &r.value) {
        for resource in resources {
            let text = |key: &str| {
                resource
                    .get(key)
                    .and_then(|v| v.as_text())
                    .map(|t| t.into_owned())
            };
            if text("mode").as_deref() != Some("managed") {
                continue;
            }
            let (Some(address), Some(kind)) = (text("address"), text("type")) else {
                continue;
            };
            let own = address
                .strip_prefix(module_address)
                .unwrap_or(&address)
                .to_string();
            out.push(Listed {
                module: module_address.to_string(),
                address: own,
                kind,
                values: resource
                    .get("values")
                    .cloned()
                    .unwrap_or_else(|| Node::null(resource.at)),
                at: resource.get("address").and_then(|a| a.at).or(resource.at),
            });
        }
    }
    if let Some(Val::List(children)) = module.get("child_modules").map(|c| &c.value) {
        for child in children {
            let Some(address) = child.get("address").and_then(|a| a.as_text()) else {
                continue;
            };
            list(child, &format!("{address}."), out);
        }
    }
}

/// The configuration's expressions of every resource of a module and of the modules it calls,
/// by address without instance keys (`module.svc.aws_ecs_service.this`).
fn expressions<'d>(module: &'d Value, address: &str, out: &mut HashMap<String, &'d Value>) {
    for resource in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(own), Some(expressions)) = (
            resource.get("address").and_then(Value::as_str),
            resource.get("expressions"),
        ) {
            out.insert(format!("{address}{own}"), expressions);
        }
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(inner) = call.get("module") {
            expressions(inner, &format!("{address}module.{name}."), out);
        }
    }
}

/// An address without its instance keys: `module.svc["a"].aws_x.y[0]` → `module.svc.aws_x.y`.
fn without_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0;
    let mut quoted = false;
    for c in address.chars() {
        match (c, depth, quoted) {
            ('"', 1, _) => quoted = !quoted,
            ('[', _, false) => depth += 1,
            (']', _, false) => depth -= 1,
            (c, 0, _) => out.push(c),
            _ => {}
        }
    }
    out
}

/// What an unknown value of one resource may be told from.
struct Unknowns<'a> {
    /// The plan has the resource's configuration: an unknown attribute it does not set is the
    /// provider's to compute (a role's `inline_policy` when `aws_iam_role_policy` resources
    /// add them), and is left out as the configuration leaves it.
    configured: bool,
    full: &'a str,
    module: &'a str,
    prefix: &'a str,
    /// Every resource of the plan, by full address.
    ids: &'a [String],
    at: Option<At>,
}

impl Unknowns<'_> {
    /// Marks what `after_unknown` says is unknown in `values`, following `expressions`.
    fn mark(
        &self,
        values: &mut Node,
        unknown: &Value,
        expressions: Option<&Value>,
        path: &mut Vec<String>,
    ) {
        match unknown {
            Value::Bool(true) if self.configured && expressions.is_none() => {
                *values = Node::null(values.at)
            }
            Value::Bool(true) => *values = self.resolve(expressions, path),
            Value::Object(members) => {
                if !matches!(values.value, Val::Object(_)) {
                    *values = Node::new(Val::Object(Vec::new()), values.at.or(self.at));
                }
                for (key, inner) in members {
                    let Val::Object(fields) = &mut values.value else {
                        return;
                    };
                    let index = match fields.iter().position(|(k, _)| k == key) {
                        Some(i) => i,
                        None => {
                            fields.push((key.clone(), Node::null(self.at)));
                            fields.len() - 1
                        }
                    };
                    path.push(key.clone());
                    let expression = expressions.and_then(|e| e.get(key));
                    self.mark(&mut fields[index].1, inner, expression, path);
                    path.pop();
                }
                // What was only added to hold nothing unknown goes again.
                if let Val::Object(fields) = &mut values.value {
                    fields.retain(|(_, v)| !v.is_null());
                }
            }
            Value::Array(items) => {
                let Val::List(elements) = &mut values.value else {
                    return;
                };
                for (i, inner) in items.iter().enumerate() {
                    if let Some(element) = elements.get_mut(i) {
                        path.push(i.to_string());
                        let expression = expressions.and_then(|e| e.get(i).or_else(|| e.get(0)));
                        self.mark(element, inner, expression, path);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    /// An unknown value: the resources of the plan its expression refers to (their ids),
    /// else undecided, naming what it refers to.
    fn resolve(&self, expression: Option<&Value>, path: &[String]) -> Node {
        let references: Vec<&str> = expression
            .and_then(|e| e.get("references"))
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut tokens: Vec<String> = Vec::new();
        for reference in &references {
            for target in self.targets(reference) {
                if !tokens.contains(&target) {
                    tokens.push(target);
                }
            }
        }
        let attribute = path.join(".");
        match tokens.len() {
            0 => {
                let refers = match references.first() {
                    Some(first) => format!(": it is `{first}`"),
                    None => String::new(),
                };
                Node::unknown(
                    format!(
                        "`{}.{attribute}` is known only after apply{refers}",
                        self.full
                    ),
                    self.at,
                )
            }
            1 if !expression_is_list(expression) => Node::string(tokens.remove(0), self.at),
            _ => Node::new(
                Val::List(
                    tokens
                        .into_iter()
                        .map(|t| Node::string(t, self.at))
                        .collect(),
                ),
                self.at,
            ),
        }
    }

    /// The ids of the plan's resources a reference (`aws_iam_role.task.arn`,
    /// `aws_subnet.private[0].id`, `aws_subnet.private`) names by its id, ARN or name.
    fn targets(&self, reference: &str) -> Vec<String> {
        let Some((target, attribute)) = reference.rsplit_once('.') else {
            return Vec::new();
        };
        if !matches!(attribute, "arn" | "id" | "name") || target.matches('.').count() != 1 {
            return Vec::new();
        }
        let full = format!("{}{target}", self.module);
        self.ids
            .iter()
            .filter(|id| {
                **id == full || (!full.ends_with(']') && id.starts_with(&format!("{full}[")))
            })
            .map(|id| format!("{}{id}", self.prefix))
            .collect()
    }
}

/// Whether a configuration expression builds a list (its references then name its elements).
fn expression_is_list(expression: Option<&Value>) -> bool {
    expression
        .and_then(|e| e.get("references"))
        .and_then(Value::as_array)
        .is_some_and(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .filter(|s| s.ends_with(".id") || s.ends_with(".arn"))
                .count()
                > 1
        })
}
