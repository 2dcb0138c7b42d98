//! Where a value came from and why one is undecided, said for a person: the notes findings
//! carry on values a template decided elsewhere, and the reasons of rules not evaluated.

use super::super::undecided::sub_variables;
use super::{Context, get_att_resource};
use crate::model::unknown::Why;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

impl Context<'_> {
    /// Where a value written as `written` came from, when the template decided it elsewhere:
    /// a parameter (its `Default`, or the value given) or a mapping.
    pub fn source_of(&self, written: &Value) -> Option<String> {
        let (function, argument) = written
            .as_object()
            .filter(|m| m.len() == 1)?
            .iter()
            .next()?;
        let parameter = |name: &str| -> Option<String> {
            let declared = self.parameters.contains_key(name) && !name.starts_with("AWS::");
            declared.then(|| match self.given.iter().any(|g| g == name) {
                true => format!("from parameter {name}, as given"),
                false => format!("from parameter {name}'s Default"),
            })
        };
        match (function.as_str(), argument) {
            ("Ref", Value::String(name)) => parameter(name),
            ("Fn::FindInMap", Value::Array(keys)) => {
                let map = keys.first()?.as_str()?;
                Some(format!("from mapping {map}"))
            }
            // The branch a condition chose, and the parameters that decided it.
            ("Fn::If", Value::Array(parts)) => {
                let name = parts.first()?.as_str()?;
                let holds = self.condition(name)?;
                let mut read = Vec::new();
                self.condition_parameters(name, &mut read, 0);
                let mut sources = vec![format!("condition {name} is {holds}")];
                sources.extend(read.iter().filter_map(|p| parameter(p)));
                // The branch taken may have come from elsewhere itself.
                let branch = parts.get(if holds { 1 } else { 2 });
                sources.extend(branch.and_then(|b| self.source_of(b)));
                Some(sources.join(", "))
            }
            ("Fn::Sub", _) => {
                let text = argument
                    .as_str()
                    .or_else(|| argument.get(0).and_then(Value::as_str))?;
                let sources: Vec<String> = sub_variables(text)
                    .into_iter()
                    .filter_map(|(_, name)| parameter(name))
                    .collect();
                (!sources.is_empty()).then(|| sources.join(", "))
            }
            _ => None,
        }
    }

    /// The parameters condition `name` reads, through the conditions it names, each once.
    fn condition_parameters<'c>(&'c self, name: &str, read: &mut Vec<&'c str>, depth: usize) {
        let Some(definition) = self.conditions.and_then(|c| c.get(name)) else {
            return;
        };
        let mut pending = vec![definition];
        while let Some(node) = pending.pop() {
            match node {
                Value::Object(map) => {
                    for (key, value) in map {
                        match (key.as_str(), value) {
                            ("Ref", Value::String(p)) if !read.contains(&p.as_str()) => {
                                read.push(p)
                            }
                            ("Condition", Value::String(c)) if depth < 8 => {
                                self.condition_parameters(c, read, depth + 1)
                            }
                            _ => pending.push(value),
                        }
                    }
                }
                Value::Array(items) => pending.extend(items),
                _ => {}
            }
        }
    }

    /// Why a value left as written is undecided, for a person: the value in short and what in
    /// it the template does not decide.
    pub fn why(&self, value: &Value) -> String {
        self.explainer().why(value)
    }

    /// [`Context::why`], worded when it is first shown.
    pub fn why_later(&self, value: &Value) -> Why {
        let (explainer, value) = (self.explainer(), value.clone());
        Why::later(move || explainer.why(&value))
    }

    fn explainer(&self) -> Arc<Explainer> {
        let made = self.explainer.get_or_init(|| {
            Arc::new(Explainer {
                undecided: self.undecided.clone(),
                types: (self.types.iter())
                    .map(|(id, kind)| (id.to_string(), kind.to_string()))
                    .collect(),
                conditions: self.conditions.cloned(),
            })
        });
        Arc::clone(made)
    }
}

/// What wording why a value is undecided reads of a template, its own copy: a reason may be
/// worded after the template is gone.
pub struct Explainer {
    /// Parameters without a value, with why.
    undecided: HashMap<String, String>,
    /// Logical id → type.
    types: HashMap<String, String>,
    conditions: Option<Map<String, Value>>,
}

impl Explainer {
    fn why(&self, value: &Value) -> String {
        let mut causes = Vec::new();
        self.causes(value, &mut causes, 0);
        let mut shown = serde_json::to_string(value).unwrap_or_default();
        // At most 80 characters: 77 and an ellipsis (no more bytes than that is short enough).
        if shown.len() > 80
            && let Some((cut, _)) = shown.char_indices().nth(77)
            && shown[cut..].chars().nth(3).is_some()
        {
            shown.truncate(cut);
            shown.push_str("...");
        }
        causes.dedup();
        if causes.is_empty() {
            format!("`{shown}`, decided when the stack is deployed")
        } else {
            format!("`{shown}`: {}", causes.join(", "))
        }
    }

    fn causes(&self, value: &Value, out: &mut Vec<String>, depth: usize) {
        // Conditions may name each other in a loop.
        if depth > 32 {
            return;
        }
        let mut add = |cause: String| {
            if !out.contains(&cause) {
                out.push(cause);
            }
        };
        match value {
            Value::Object(map) if map.len() == 1 => {
                let Some((function, argument)) = map.iter().next() else {
                    return;
                };
                match (function.as_str(), argument) {
                    ("Ref", Value::String(name)) => add(self.undecided_name(name)),
                    ("Fn::GetAtt", _) => {
                        if let Some(resource) = get_att_resource(argument) {
                            add(self.undecided_resource(&resource));
                        }
                    }
                    ("Fn::ImportValue", _) => {
                        add("an export of another stack, not given in this run".into())
                    }
                    ("Fn::If", Value::Array(parts)) if !parts.is_empty() => {
                        let name = parts[0].as_str().unwrap_or("?");
                        add(format!("condition {name} is not decided"));
                        if let Some(condition) = self.conditions.as_ref().and_then(|c| c.get(name))
                        {
                            self.causes(condition, out, depth + 1);
                        }
                        for part in &parts[1..] {
                            self.causes(part, out, depth + 1);
                        }
                        return;
                    }
                    ("Fn::Sub", _) => {
                        let text = argument
                            .as_str()
                            .or_else(|| argument.get(0).and_then(Value::as_str))
                            .unwrap_or("");
                        for (_, name) in sub_variables(text) {
                            add(match name.split_once('.') {
                                Some((resource, _)) => self.undecided_resource(resource),
                                None => self.undecided_name(name),
                            });
                        }
                    }
                    ("Condition", Value::String(name)) => {
                        if let Some(condition) = self.conditions.as_ref().and_then(|c| c.get(name))
                        {
                            self.causes(condition, out, depth + 1);
                        }
                        return;
                    }
                    (f, _) if f.starts_with("Fn::") => {}
                    _ => return,
                }
                self.causes(argument, out, depth + 1);
            }
            Value::Object(map) => map.values().for_each(|v| self.causes(v, out, depth + 1)),
            Value::Array(items) => items.iter().for_each(|v| self.causes(v, out, depth + 1)),
            _ => {}
        }
    }

    fn undecided_name(&self, name: &str) -> String {
        if let Some(why) = self.undecided.get(name) {
            return why.clone();
        }
        self.undecided_resource(name)
    }

    fn undecided_resource(&self, name: &str) -> String {
        match self.types.get(name) {
            Some(kind) => format!("{name} is an {kind}, whose names CloudFormation decides"),
            None => format!("{name} is not declared in the template"),
        }
    }
}
