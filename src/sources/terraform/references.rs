//! References: `var.`, `local.`, `each.`/`count.`, `data.` and resource addresses, and the
//! steps that follow them (members, elements, splats). The ids and ARNs of the resources ecslint
//! reads are their ids (links); attributes a resource block writes are read from it; the rest is
//! known only after apply.

use super::config::Declared;
use super::eval::{EVALUATING, Evaluator, Scope, read, why, write};
use super::value::{At, Node, Val};
use hcl_edit::expr::TraversalOperator;
use std::sync::Arc;

impl Evaluator<'_> {
    /// A name and what follows it: `var.x`, `local.y`, `aws_iam_role.task.arn`, `each.key`.
    pub(super) fn reference(
        &self,
        root: &str,
        operators: &[&TraversalOperator],
        scope: &Scope,
        here: Option<At>,
    ) -> Node {
        let attr = |i: usize| match operators.get(i) {
            Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
            _ => None,
        };
        if let Some(value) = scope.name(root) {
            return self.traverse(value.clone(), operators, scope, here);
        }
        let (base, used) = match (root, attr(0)) {
            ("var", Some(name)) => (self.variable(name, here), 1),
            ("local", Some(name)) => (self.local(name), 1),
            ("path", Some(_)) => (Node::string(".", here), 1),
            ("terraform", Some(_)) => (
                Node::unknown(
                    "`terraform.workspace`: the workspace is chosen when Terraform runs",
                    here,
                ),
                1,
            ),
            ("module", Some(name)) => match read(&self.module_outputs).get(name) {
                Some(outputs) => (outputs.clone().placed(here), 1),
                None => (
                    Node::unknown(
                        format!("module `{name}` is not read, nor its outputs"),
                        here,
                    ),
                    operators.len(),
                ),
            },
            ("data", Some(kind)) => match attr(1) {
                Some(name) => {
                    return self.resource_reference(true, kind, name, &operators[2..], scope, here);
                }
                None => (
                    Node::unknown("a bare `data` reference", here),
                    operators.len(),
                ),
            },
            (kind, Some(name)) if kind.contains('_') => {
                return self.resource_reference(false, kind, name, &operators[1..], scope, here);
            }
            _ => (
                Node::unknown(format!("`{root}` is not known to ecslint"), here),
                operators.len(),
            ),
        };
        self.traverse(base, &operators[used..], scope, here)
    }

    /// A variable's value, shown at the reference and saying where it came from.
    fn variable(&self, name: &str, here: Option<At>) -> Node {
        match self.variables.get(name) {
            Some(node) if node.is_unknown() => node.clone().placed_over(here),
            Some(node) => {
                let note: Arc<str> = match node.note.clone() {
                    Some(note) => note,
                    None => Arc::from(format!("from variable `{name}`")),
                };
                node.clone().shown_at(here, &note)
            }
            None => Node::unknown(format!("no variable `{name}` is declared"), here),
        }
    }

    fn local(&self, name: &str) -> Node {
        if let Some(known) = read(&self.locals).get(name) {
            return known.clone();
        }
        let Some(&(file, attribute)) = self.config.locals.get(name) else {
            return Node::unknown(format!("no `local.{name}` is declared"), None);
        };
        let cycle = EVALUATING.with_borrow(|names| names.iter().any(|n| n == name));
        if cycle {
            return Node::unknown(format!("`local.{name}` refers to itself"), None);
        }
        EVALUATING.with_borrow_mut(|names| names.push(name.to_string()));
        let node = self.eval(&attribute.value, &Scope::in_file(file));
        EVALUATING.with_borrow_mut(|names| names.pop());
        write(&self.locals).insert(name.to_string(), node.clone());
        node
    }

    /// `TYPE.NAME` (or `data.TYPE.NAME`) and what follows it.
    fn resource_reference(
        &self,
        data: bool,
        kind: &str,
        name: &str,
        rest: &[&TraversalOperator],
        scope: &Scope,
        here: Option<At>,
    ) -> Node {
        let Some(declared) = self.config.resource(data, kind, name) else {
            let address = if data {
                format!("data.{kind}.{name}")
            } else {
                format!("{kind}.{name}")
            };
            return Node::unknown(
                format!("`{address}` is not declared in this configuration"),
                here,
            );
        };
        let instances = super::instances::of(self, declared);
        match (&instances, rest.first()) {
            // Counted or iterated: the instance indexed, or all of them (a splat).
            (Some(keyed), Some(TraversalOperator::Index(index))) => {
                let key = self.eval(index, scope);
                let Some(key) = key.as_text() else {
                    return Node::unknown(
                        format!("`{}` indexed by an unknown key", declared.address()),
                        here,
                    );
                };
                match keyed.iter().find(|i| i.key_text() == key) {
                    Some(instance) => {
                        let node = self.attribute_of(declared, instance, rest.get(1), here);
                        self.traverse(node, &rest[2.min(rest.len())..], scope, here)
                    }
                    None => Node::unknown(
                        format!("`{}[{key}]` is not an instance", declared.address()),
                        here,
                    ),
                }
            }
            (
                Some(keyed),
                Some(TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)),
            ) => {
                let items = keyed
                    .iter()
                    .map(|instance| {
                        let node = self.attribute_of(declared, instance, rest.get(1), here);
                        self.traverse(node, &rest[2.min(rest.len())..], scope, here)
                    })
                    .collect();
                Node::new(Val::List(items), here)
            }
            (Some(_), _) => Node::unknown(
                format!(
                    "`{}` has several instances; which one is not known",
                    declared.address()
                ),
                here,
            ),
            (None, _) => {
                let instance = super::instances::Instance::single();
                let node = self.attribute_of(declared, &instance, rest.first(), here);
                self.traverse(node, &rest[1.min(rest.len())..], scope, here)
            }
        }
    }

    /// An attribute of one instance of a resource: its id for the ids and ARNs of the
    /// resources ecslint reads, what its block writes, else unknown until applied.
    fn attribute_of(
        &self,
        declared: &Declared<'_>,
        instance: &super::instances::Instance,
        attribute: Option<&&TraversalOperator>,
        here: Option<At>,
    ) -> Node {
        let address = format!("{}{}", declared.address(), instance.suffix());
        let Some(TraversalOperator::GetAttr(name)) = attribute.copied() else {
            return Node::unknown(format!("`{address}` as a whole is not read"), here);
        };
        let name = name.as_str();
        if declared.data {
            return super::data::attribute(self, declared, instance, name, here);
        }
        // The ids and ARNs of the resources read are their ids (links); a role's name, when
        // its block does not write one, too.
        let token = self.tokens.get(&address);
        if let Some(token) = token
            && matches!(name, "arn" | "id")
        {
            return Node::string(token.clone(), here);
        }
        if let Some(written) = declared.block.body.get_attribute(name) {
            let scope = instance.scope(declared.file);
            return self.eval(&written.value, &scope);
        }
        if let Some(token) = token
            && name == "name"
        {
            return Node::string(token.clone(), here);
        }
        Node::unknown(
            format!("`{address}.{name}` is known only after apply"),
            here,
        )
    }

    /// Steps into a value: members, elements, splats.
    pub fn traverse(
        &self,
        mut node: Node,
        operators: &[&TraversalOperator],
        scope: &Scope,
        here: Option<At>,
    ) -> Node {
        for (i, operator) in operators.iter().enumerate() {
            if node.is_unknown() {
                return node.placed_over(here);
            }
            node = match operator {
                TraversalOperator::GetAttr(name) => match node.get(name.as_str()) {
                    Some(member) => member.clone(),
                    None => Node::unknown(format!("no member `{}`", name.as_str()), here),
                },
                TraversalOperator::Index(index) => {
                    let key = self.eval(index, scope);
                    element(&node, &key, here)
                }
                TraversalOperator::LegacyIndex(index) => element(
                    &node,
                    &Node::new(Val::Number((*index.value()).into()), None),
                    here,
                ),
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match &node.value {
                        Val::List(items) => items.clone(),
                        Val::Null => Vec::new(),
                        _ => vec![node.clone()],
                    };
                    let rest = &operators[i + 1..];
                    let mapped = items
                        .into_iter()
                        .map(|item| self.traverse(item, rest, scope, here))
                        .collect();
                    return Node::new(Val::List(mapped), here);
                }
            };
        }
        node
    }
}

fn element(node: &Node, key: &Node, here: Option<At>) -> Node {
    match (&node.value, key.as_f64(), key.as_text()) {
        (Val::List(items), Some(i), _) if i >= 0.0 => items
            .get(i as usize)
            .cloned()
            .unwrap_or_else(|| Node::unknown(format!("no element {i}"), here)),
        (Val::Object(_) | Val::Json(_), _, Some(k)) => node
            .get(&k)
            .cloned()
            .unwrap_or_else(|| Node::unknown(format!("no member `{k}`"), here)),
        _ if key.is_unknown() => Node::unknown(why(key), here),
        _ => Node::unknown("an element that is not there", here),
    }
}
