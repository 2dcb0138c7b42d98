//! A resource's instances: one, or one per `count` index or `for_each` key, each with the
//! names its expressions see (`count.index`, `each.key`, `each.value`).

use super::config::Declared;
use super::eval::{Evaluator, Scope, entries, why};
use super::value::{Node, Val};

/// The largest `count` expanded into instances.
const MAX_COUNT: usize = 10_000;

/// One instance of a resource.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `count.index` (a number) or `each.key` (a string); none for a resource without either.
    pub key: Option<Node>,
    /// `each.value`.
    pub value: Option<Node>,
    counted: bool,
}

impl Instance {
    pub fn single() -> Instance {
        Instance {
            key: None,
            value: None,
            counted: false,
        }
    }

    /// The key as an index is written (`0`, `blue`).
    pub fn key_text(&self) -> String {
        match &self.key {
            Some(key) => key.as_text().map_or_else(|| "?".into(), |t| t.into_owned()),
            None => String::new(),
        }
    }

    /// What follows the resource's address: `[0]`, `["blue"]`, or nothing.
    pub fn suffix(&self) -> String {
        match (&self.key, self.counted) {
            (None, _) => String::new(),
            (Some(_), true) => format!("[{}]", self.key_text()),
            (Some(_), false) => format!("[{:?}]", self.key_text()),
        }
    }

    /// The scope of the resource's expressions for this instance, in file `file`.
    pub fn scope(&self, file: usize) -> Scope {
        let mut scope = Scope::in_file(file);
        if let Some(key) = &self.key {
            if self.counted {
                let count = Val::Object(vec![("index".into(), key.clone())]);
                scope = scope.with("count", Node::new(count, None));
            } else {
                let value = self.value.clone().unwrap_or_else(|| key.clone());
                let each = Val::Object(vec![("key".into(), key.clone()), ("value".into(), value)]);
                scope = scope.with("each", Node::new(each, None));
            }
        }
        scope
    }
}

/// The instances of a resource with `count` or `for_each`; `None` for a resource without
/// either (one instance, no key). A count or collection Terraform only knows when it applies
/// gives one instance whose key is unknown.
pub fn of(evaluator: &Evaluator<'_>, declared: &Declared<'_>) -> Option<Vec<Instance>> {
    let address = declared.address();
    if let Some(known) = super::eval::read(&evaluator.instances).get(&address) {
        return known.clone();
    }
    let instances = evaluate(evaluator, declared);
    super::eval::write(&evaluator.instances).insert(address, instances.clone());
    instances
}

/// [`of`], evaluated.
fn evaluate(evaluator: &Evaluator<'_>, declared: &Declared<'_>) -> Option<Vec<Instance>> {
    let body = &declared.block.body;
    let scope = Scope::in_file(declared.file);
    if let Some(count) = body.get_attribute("count") {
        let n = evaluator.eval(&count.value, &scope);
        return Some(match n.as_f64() {
            // More instances than any estate has: a mistake or a hostile input; not expanded.
            Some(many) if many > MAX_COUNT as f64 => {
                let why = format!("a count of {many}, more than ecslint expands ({MAX_COUNT})");
                vec![unknown_key(&Node::unknown(why, None), true)]
            }
            Some(n) => (0..n.max(0.0) as usize)
                .map(|i| Instance {
                    key: Some(Node::new(Val::Number(i.into()), None)),
                    value: None,
                    counted: true,
                })
                .collect(),
            None => vec![unknown_key(&n, true)],
        });
    }
    let each = body.get_attribute("for_each")?;
    let collection = evaluator.eval(&each.value, &scope);
    Some(match (&collection.value, entries(&collection)) {
        // A set of strings: each key is its value.
        (Val::List(_), Some(items)) => items
            .into_iter()
            .map(|(_, value)| Instance {
                key: Some(value.clone()),
                value: Some(value),
                counted: false,
            })
            .collect(),
        (_, Some(items)) => items
            .into_iter()
            .map(|(key, value)| Instance {
                key: Some(key),
                value: Some(value),
                counted: false,
            })
            .collect(),
        (_, None) => vec![unknown_key(&collection, false)],
    })
}

fn unknown_key(collection: &Node, counted: bool) -> Instance {
    let what = if counted { "count" } else { "for_each" };
    let key = Node::unknown(format!("the resource's {what}: {}", why(collection)), None);
    Instance {
        value: Some(key.clone()),
        key: Some(key),
        counted,
    }
}
