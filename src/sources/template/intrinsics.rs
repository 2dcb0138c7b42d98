//! What a template decides by itself: parameters (given, else their `Default`), pseudo
//! parameters, `Ref` and `Fn::GetAtt` to the resources ecslint reads (a token that links them),
//! `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::GetAZs` (as distinct
//! zones, named by position), and `Fn::If` on conditions it can decide. Everything else is kept as written, and [`Context::why`] says why
//! it is undecided, for the rules that depend on it.

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

mod provenance;

/// Pseudo parameters a template cannot decide, and what they are.
const PSEUDO: &[(&str, &str)] = &[
    ("AWS::Region", "the stack's region"),
    ("AWS::AccountId", "the stack's account"),
    ("AWS::StackName", "the stack's name"),
    ("AWS::StackId", "the stack's id"),
    ("AWS::NotificationARNs", "the stack's notification topics"),
];

/// Pseudo parameters with the value nearly every stack has; `--parameter` overrides them.
const PSEUDO_DEFAULTS: &[(&str, &str)] = &[
    ("AWS::Partition", "aws"),
    ("AWS::URLSuffix", "amazonaws.com"),
];

/// One template's decided values, and why the others are not.
pub struct Context<'t> {
    parameters: Map<String, Value>,
    /// The parameters whose values were given (the others decided have their `Default`).
    given: Vec<String>,
    /// Parameters without a value, with why.
    undecided: HashMap<String, String>,
    /// Logical id → the token a reference to it becomes (the resource's id in the estate).
    tokens: HashMap<String, String>,
    /// Logical id → type, for every resource the template declares.
    types: HashMap<&'t str, &'t str>,
    mappings: Option<&'t Map<String, Value>>,
    conditions: Option<&'t Map<String, Value>>,
    /// Every declared condition is decided when the context is made, so that contexts shared
    /// by threads only read it.
    decided_conditions: Mutex<HashMap<String, Option<bool>>>,
    /// What wording why a value is undecided needs, made when the first one is.
    explainer: OnceLock<Arc<provenance::Explainer>>,
}

impl<'t> Context<'t> {
    /// `given`: values from `--parameter` and `--parameters` (pseudo parameters included);
    /// `tokens`: the resources this run reads, by logical id.
    pub fn new(
        template: &'t Value,
        given: super::Given<'_>,
        tokens: HashMap<String, String>,
    ) -> Self {
        let mut parameters = Map::new();
        let mut undecided = HashMap::new();
        for (name, value) in PSEUDO_DEFAULTS {
            parameters.insert((*name).into(), Value::String((*value).into()));
        }
        for (name, what) in PSEUDO {
            undecided.insert(
                (*name).to_string(),
                format!("{name} is {what}, known when it is deployed (give it with --parameter {name}=VALUE)"),
            );
        }
        let declared = template.get("Parameters").and_then(Value::as_object);
        for (name, declaration) in declared.into_iter().flatten() {
            let kind = declaration
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("");
            let value = match (given.values.get(name), declaration.get("Default")) {
                (Some(text), _) => Value::String(text.clone()),
                (None, _) if given.undecided.contains_key(name) => {
                    undecided.insert(name.clone(), given.undecided[name].clone());
                    continue;
                }
                (None, _) if kind.starts_with("AWS::SSM::Parameter::Value") => {
                    undecided.insert(
                        name.clone(),
                        format!("parameter {name} is read from SSM when the stack is deployed (give it with --parameter {name}=VALUE)"),
                    );
                    continue;
                }
                (None, _) if declaration.get("NoEcho").is_some_and(is_true) => {
                    undecided.insert(
                        name.clone(),
                        format!("parameter {name} is NoEcho: its value is not read (give it with --parameter {name}=VALUE)"),
                    );
                    continue;
                }
                (None, Some(default)) => default.clone(),
                (None, None) => {
                    undecided.insert(
                        name.clone(),
                        format!("parameter {name} has no Default (give it with --parameter {name}=VALUE or --parameters FILE)"),
                    );
                    continue;
                }
            };
            let is_list = kind == "CommaDelimitedList" || kind.starts_with("List<");
            let value = match (is_list, value) {
                (true, Value::String(text)) => Value::Array(
                    text.split(',')
                        .map(|s| Value::String(s.trim().into()))
                        .collect(),
                ),
                (_, Value::Number(n)) => Value::String(n.to_string()),
                (_, other) => other,
            };
            undecided.remove(name);
            parameters.insert(name.clone(), value);
        }
        for (name, text) in given.values {
            if name.starts_with("AWS::") {
                undecided.remove(name);
                parameters.insert(name.clone(), Value::String(text.clone()));
            }
        }
        let types = template
            .get("Resources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(id, r)| Some((id.as_str(), r.get("Type")?.as_str()?)))
            .collect();
        let context = Context {
            parameters,
            given: given.values.keys().cloned().collect(),
            undecided,
            tokens,
            types,
            mappings: template.get("Mappings").and_then(Value::as_object),
            conditions: template.get("Conditions").and_then(Value::as_object),
            decided_conditions: Mutex::default(),
            explainer: OnceLock::new(),
        };
        for name in context.conditions.into_iter().flat_map(|c| c.keys()) {
            context.condition(name);
        }
        context
    }

    /// `value` with what the template decides resolved; `None` when it is `AWS::NoValue` (the
    /// member is left out). List elements that are `AWS::NoValue` are dropped.
    pub fn resolve(&self, value: &Value) -> Option<Value> {
        match value {
            Value::Object(map) => {
                if map.len() == 1
                    && let Some((function, argument)) = map.iter().next()
                    && let Some(resolved) = self.resolve_function(function, argument)
                {
                    return resolved;
                }
                Some(Value::Object(
                    map.iter()
                        .filter_map(|(k, v)| Some((k.clone(), self.resolve(v)?)))
                        .collect(),
                ))
            }
            Value::Array(items) => Some(Value::Array(
                items.iter().filter_map(|v| self.resolve(v)).collect(),
            )),
            other => Some(other.clone()),
        }
    }

    /// The value of a `Ref`, when the template decides it.
    fn reference(&self, name: &str) -> Option<Value> {
        if let Some(value) = self.parameters.get(name) {
            return Some(value.clone());
        }
        self.tokens.get(name).map(|t| Value::String(t.clone()))
    }

    /// The value of `Fn::GetAtt [resource, attribute]`: a resource this run reads is its
    /// token (its ARN, name and id all name it for linking).
    fn attribute(&self, resource: &str) -> Option<Value> {
        self.tokens.get(resource).map(|t| Value::String(t.clone()))
    }

    /// The functions this context decides: `Some(None)` leaves the member out, `Some(Some(v))`
    /// is its value (the function kept as written, with its arguments resolved, when it is
    /// undecided); `None` when `function` is not an intrinsic function.
    fn resolve_function(&self, function: &str, argument: &Value) -> Option<Option<Value>> {
        let kept =
            |argument: Value| Some(Value::Object(Map::from_iter([(function.into(), argument)])));
        Some(match function {
            "Ref" => match argument.as_str() {
                Some("AWS::NoValue") => None,
                Some(name) => self.reference(name).or_else(|| kept(argument.clone())),
                None => kept(argument.clone()),
            },
            "Fn::GetAtt" => match get_att_resource(argument) {
                Some(resource) => self.attribute(&resource).or_else(|| kept(argument.clone())),
                None => kept(argument.clone()),
            },
            "Fn::Sub" => {
                let (text, variables) = match argument {
                    Value::String(text) => (Some(text.as_str()), None),
                    Value::Array(parts) if parts.len() == 2 => {
                        (parts[0].as_str(), self.resolve(&parts[1]))
                    }
                    _ => (None, None),
                };
                let Some(text) = text else {
                    return Some(kept(argument.clone()));
                };
                let (substituted, complete) = self.substitute(text, variables.as_ref());
                match (complete, variables) {
                    (true, _) => Some(Value::String(substituted)),
                    (false, None) => kept(Value::String(substituted)),
                    (false, Some(variables)) => {
                        kept(Value::Array(vec![Value::String(substituted), variables]))
                    }
                }
            }
            "Fn::Join" => {
                let parts = argument.as_array().filter(|p| p.len() == 2);
                let resolved = parts.and_then(|p| Some((p[0].as_str()?, self.resolve(&p[1])?)));
                match resolved {
                    Some((separator, Value::Array(items))) => {
                        match items.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
                            Some(strings) => Some(Value::String(strings.join(separator))),
                            None => kept(Value::Array(vec![
                                Value::String(separator.into()),
                                Value::Array(items),
                            ])),
                        }
                    }
                    Some((separator, items)) => {
                        kept(Value::Array(vec![Value::String(separator.into()), items]))
                    }
                    // A list the template does not decide: kept as written, never dropped.
                    None => kept(argument.clone()),
                }
            }
            "Fn::Select" => {
                let parts = argument.as_array().filter(|p| p.len() == 2);
                let resolved = parts.map(|p| (self.resolve(&p[0]), self.resolve(&p[1])));
                let index = |v: &Value| match v {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                match resolved {
                    Some((Some(i), Some(list))) => {
                        let item = index(&i)
                            .and_then(|at| list.as_array()?.get(at as usize))
                            .filter(|item| !super::super::cfn_names::is_intrinsic(item));
                        match item {
                            Some(item) => Some(item.clone()),
                            None => kept(Value::Array(vec![i, list])),
                        }
                    }
                    _ => kept(argument.clone()),
                }
            }
            "Fn::Split" => {
                let parts = argument.as_array().filter(|p| p.len() == 2);
                let resolved = parts.and_then(|p| Some((p[0].as_str()?, self.resolve(&p[1])?)));
                match resolved {
                    Some((separator, Value::String(text))) if !separator.is_empty() => Some(
                        Value::Array(text.split(separator).map(Value::from).collect()),
                    ),
                    Some((separator, other)) => {
                        kept(Value::Array(vec![Value::String(separator.into()), other]))
                    }
                    None => kept(argument.clone()),
                }
            }
            "Fn::FindInMap" => {
                let keys: Option<Vec<String>> = argument.as_array().and_then(|parts| {
                    parts
                        .iter()
                        .take(3)
                        .map(|p| match self.resolve(p)? {
                            Value::String(s) => Some(s),
                            Value::Number(n) => Some(n.to_string()),
                            _ => None,
                        })
                        .collect()
                });
                let found = keys
                    .filter(|k| k.len() == 3)
                    .and_then(|k| self.mappings?.get(&k[0])?.get(&k[1])?.get(&k[2]).cloned());
                match found {
                    Some(value) => self.resolve(&value),
                    None => kept(argument.clone()),
                }
            }
            "Fn::If" => {
                let parts = argument.as_array().filter(|p| p.len() == 3);
                let Some(parts) = parts else {
                    return Some(kept(argument.clone()));
                };
                let condition = parts[0].as_str().unwrap_or_default();
                match self.condition(condition) {
                    Some(true) => self.resolve(&parts[1]),
                    Some(false) => self.resolve(&parts[2]),
                    None => {
                        // Both branches resolved; `AWS::NoValue` kept so a branch stays a branch.
                        let branch = |v: &Value| {
                            self.resolve(v).unwrap_or_else(|| {
                                Value::Object(Map::from_iter([(
                                    "Ref".into(),
                                    Value::String("AWS::NoValue".into()),
                                )]))
                            })
                        };
                        kept(Value::Array(vec![
                            parts[0].clone(),
                            branch(&parts[1]),
                            branch(&parts[2]),
                        ]))
                    }
                }
            }
            // The region's zones are unknown, but distinct: `!Select [1, !GetAZs '']` is
            // another zone than `!Select [0, !GetAZs '']`, which is what rules count.
            "Fn::GetAZs" => Some(Value::Array(
                (0..6)
                    .map(|i| Value::String(format!("!GetAZs[{i}]")))
                    .collect(),
            )),
            f if f.starts_with("Fn::") || f == "Condition" => kept(argument.clone()),
            _ => return None,
        })
    }

    /// `Fn::Sub`'s text with every variable the template decides substituted, and whether all
    /// were. Undecided ones stay `${Name}`; `${!Literal}` stays escaped until the text is whole.
    fn substitute(&self, text: &str, variables: Option<&Value>) -> (String, bool) {
        let mut out = String::new();
        let mut rest = text;
        let mut complete = true;
        let mut escaped = Vec::new();
        while let Some(start) = super::undecided::variable_start(rest) {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                escaped.push(out.len());
                out.push_str("${!");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = variables.and_then(|v| v.get(name)).cloned().or_else(|| {
                    match name.split_once('.') {
                        Some((resource, _)) => self.attribute(resource),
                        None => self.reference(name),
                    }
                });
                match value {
                    Some(Value::String(s)) => out.push_str(&s),
                    Some(Value::Number(n)) => out.push_str(&n.to_string()),
                    _ => {
                        complete = false;
                        out.push_str("${");
                        out.push_str(name);
                        out.push('}');
                    }
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if complete {
            // `${!Literal}` writes `${Literal}`.
            for at in escaped.into_iter().rev() {
                out.remove(at + 2);
            }
        }
        (out, complete)
    }

    /// A condition's value, when the template decides it.
    pub fn condition(&self, name: &str) -> Option<bool> {
        let decided = |name: &str| self.decided_conditions.lock().ok()?.get(name).copied();
        if let Some(known) = decided(name) {
            return known;
        }
        // Guards against a condition that names itself: undecided while it is being decided.
        if let Ok(mut decided) = self.decided_conditions.lock() {
            decided.insert(name.into(), None);
        }
        let decided = self
            .conditions
            .and_then(|c| c.get(name))
            .and_then(|c| self.decide(c));
        if let Ok(mut known) = self.decided_conditions.lock() {
            known.insert(name.into(), decided);
        }
        decided
    }

    fn decide(&self, condition: &Value) -> Option<bool> {
        let (function, argument) = condition.as_object()?.iter().next()?;
        let operands = || argument.as_array().into_iter().flatten();
        match function.as_str() {
            "Condition" => self.condition(argument.as_str()?),
            "Fn::Equals" => {
                let values: Vec<Value> =
                    operands().map(|v| self.resolve(v)).collect::<Option<_>>()?;
                let comparable = |v: &Value| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                };
                match values.as_slice() {
                    [a, b] => Some(comparable(a)? == comparable(b)?),
                    _ => None,
                }
            }
            "Fn::Not" => operands().next().and_then(|c| self.decide(c)).map(|b| !b),
            // Three-valued: one false decides `And`, one true decides `Or`.
            "Fn::And" | "Fn::Or" => {
                let deciding = function == "Fn::Or";
                let mut all_known = true;
                for operand in operands() {
                    match self.decide(operand) {
                        Some(b) if b == deciding => return Some(deciding),
                        Some(_) => {}
                        None => all_known = false,
                    }
                }
                all_known.then_some(!deciding)
            }
            _ => None,
        }
    }
}

fn is_true(v: &Value) -> bool {
    v.as_bool() == Some(true) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

/// The resource `Fn::GetAtt` names: `[resource, attribute]` or `"resource.attribute"`.
fn get_att_resource(argument: &Value) -> Option<String> {
    match argument {
        Value::Array(parts) => parts.first()?.as_str().map(str::to_string),
        Value::String(text) => text.split_once('.').map(|(r, _)| r.to_string()),
        _ => None,
    }
}
