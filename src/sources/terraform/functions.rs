//! Terraform's functions, as far as ecslint evaluates them: the ones configurations use to
//! build ECS definitions (`jsonencode`, `templatefile`, `merge`, `concat`, `lookup`, `format`,
//! `try`, `coalesce`...). Any unknown argument makes the result unknown; a function not here
//! gives an unknown value that says so.

use super::eval::{Evaluator, Scope, why};
use super::value::{At, Node, Piece, Rendered, Val, parse_json};
use hcl_edit::Span as _;
use hcl_edit::expr::Expression;

impl Evaluator<'_> {
    pub(super) fn call(
        &self,
        name: &str,
        args: &[&Expression],
        scope: &Scope,
        here: Option<At>,
    ) -> Node {
        // Lazy: an argument that fails is skipped, not propagated.
        match name {
            "try" => {
                let mut last = Node::unknown("`try` with no argument that evaluates", here);
                for arg in args {
                    let node = self.eval(arg, scope);
                    if node.first_unknown().is_none() {
                        return node;
                    }
                    last = node;
                }
                return last;
            }
            "can" => {
                let node = args.first().map(|a| self.eval(a, scope));
                return match node {
                    Some(node) if node.first_unknown().is_none() => {
                        Node::new(Val::Bool(true), here)
                    }
                    Some(node) => Node::unknown(why(&node), here),
                    None => Node::unknown("`can` without an argument", here),
                };
            }
            _ => {}
        }
        let values: Vec<Node> = args.iter().map(|a| self.eval(a, scope)).collect();
        // These keep the unknown parts of their arguments in place.
        match name {
            "jsonencode" => {
                return match values.into_iter().next() {
                    Some(value) => Node::new(Val::Json(Box::new(value)), here),
                    None => Node::unknown("`jsonencode` without an argument", here),
                };
            }
            "jsondecode" => {
                return values
                    .first()
                    .map(parse_json)
                    .unwrap_or_else(|| Node::null(here));
            }
            "tostring" | "tonumber" | "tobool" | "tolist" | "toset" | "tomap" | "sensitive"
            | "nonsensitive" => {
                return values
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Node::null(here));
            }
            "concat" => {
                let mut out = Vec::new();
                for value in &values {
                    match &value.value {
                        Val::List(items) => out.extend(items.iter().cloned()),
                        _ => return Node::unknown(format!("`concat` of {}", reason(value)), here),
                    }
                }
                return Node::new(Val::List(out), here);
            }
            "merge" => {
                let mut out: Vec<(String, Node)> = Vec::new();
                for value in &values {
                    match &value.value {
                        Val::Object(members) => {
                            for (key, member) in members {
                                out.retain(|(k, _)| k != key);
                                out.push((key.clone(), member.clone()));
                            }
                        }
                        Val::Null => {}
                        _ => return Node::unknown(format!("`merge` of {}", reason(value)), here),
                    }
                }
                return Node::new(Val::Object(out), here);
            }
            "file" => return self.read_file(values.first(), here),
            "templatefile" => return self.template_file(values.first(), values.get(1), here),
            _ => {}
        }
        if let Some(unknown) = values.iter().find(|v| v.is_unknown()) {
            return Node::unknown(why(unknown), here);
        }
        let text = |i: usize| {
            values
                .get(i)
                .and_then(|v| v.as_text().map(|t| t.into_owned()))
        };
        let list = |i: usize| match values.get(i).map(|v| &v.value) {
            Some(Val::List(items)) => Some(items.clone()),
            _ => None,
        };
        let result = match name {
            "lookup" => match values.first().and_then(|m| m.get(&text(1)?).cloned()) {
                Some(found) => Some(found),
                None => values.get(2).cloned(),
            },
            "coalesce" => values
                .iter()
                .find(|v| !v.is_null() && v.as_text().is_none_or(|t| !t.is_empty()))
                .cloned(),
            "coalescelist" => values
                .iter()
                .find(|v| matches!(&v.value, Val::List(items) if !items.is_empty()))
                .cloned(),
            "format" => text(0).map(|f| Node::string(format(&f, &values[1..]), here)),
            "join" => list(1).and_then(|items| {
                let parts: Option<Vec<String>> = items
                    .iter()
                    .map(|i| i.as_text().map(|t| t.into_owned()))
                    .collect();
                Some(Node::string(parts?.join(&text(0)?), here))
            }),
            "split" => match (text(0), text(1)) {
                (Some(sep), Some(s)) => Some(Node::new(
                    Val::List(
                        s.split(sep.as_str())
                            .map(|p| Node::string(p, here))
                            .collect(),
                    ),
                    here,
                )),
                _ => None,
            },
            "lower" => text(0).map(|t| Node::string(t.to_lowercase(), here)),
            "upper" => text(0).map(|t| Node::string(t.to_uppercase(), here)),
            "trimspace" => text(0).map(|t| Node::string(t.trim(), here)),
            "replace" => match (text(0), text(1), text(2)) {
                (Some(s), Some(from), Some(to)) if !from.starts_with('/') => {
                    Some(Node::string(s.replace(&from, &to), here))
                }
                _ => None,
            },
            "length" => values
                .first()
                .and_then(|v| match &v.value {
                    Val::List(items) => Some(items.len()),
                    Val::Object(members) => Some(members.len()),
                    _ => v.as_text().map(|t| t.chars().count()),
                })
                .map(|n| Node::new(Val::Number(n.into()), here)),
            "element" => match (list(0), values.get(1).and_then(Node::as_f64)) {
                (Some(items), Some(i)) if !items.is_empty() => {
                    Some(items[(i.max(0.0) as usize) % items.len()].clone())
                }
                _ => None,
            },
            "one" => list(0).and_then(|items| match items.len() {
                0 => Some(Node::null(here)),
                1 => items.into_iter().next(),
                _ => None,
            }),
            "flatten" => list(0).map(|items| Node::new(Val::List(flatten(items)), here)),
            "compact" => list(0).map(|items| {
                let kept = items
                    .into_iter()
                    .filter(|i| !i.is_null() && i.as_text().is_none_or(|t| !t.is_empty()))
                    .collect();
                Node::new(Val::List(kept), here)
            }),
            "distinct" => list(0).map(|items| {
                let mut seen = Vec::new();
                let kept = items
                    .into_iter()
                    .filter(|i| {
                        let json = i.to_json();
                        let new = !seen.contains(&json);
                        seen.push(json);
                        new
                    })
                    .collect();
                Node::new(Val::List(kept), here)
            }),
            "keys" | "values" => match values.first().map(|v| &v.value) {
                Some(Val::Object(members)) => Some(Node::new(
                    Val::List(
                        members
                            .iter()
                            .map(|(k, v)| match name {
                                "keys" => Node::string(k.clone(), here),
                                _ => v.clone(),
                            })
                            .collect(),
                    ),
                    here,
                )),
                _ => None,
            },
            "contains" => match (list(0), values.get(1).and_then(Node::to_json)) {
                (Some(items), Some(wanted)) => Some(Node::new(
                    Val::Bool(items.iter().any(|i| i.to_json().as_ref() == Some(&wanted))),
                    here,
                )),
                _ => None,
            },
            "startswith" | "endswith" => match (text(0), text(1)) {
                (Some(s), Some(affix)) => Some(Node::new(
                    Val::Bool(if name == "startswith" {
                        s.starts_with(&affix)
                    } else {
                        s.ends_with(&affix)
                    }),
                    here,
                )),
                _ => None,
            },
            "max" | "min" => {
                let numbers: Option<Vec<f64>> = values.iter().map(Node::as_f64).collect();
                numbers.filter(|n| !n.is_empty()).map(|n| {
                    let pick = if name == "max" { f64::max } else { f64::min };
                    let first = n[0];
                    Node::new(super::eval::float(n.into_iter().fold(first, pick)), here)
                })
            }
            _ => {
                return Node::unknown(
                    format!("function `{name}` is not evaluated by ecslint"),
                    here,
                );
            }
        };
        result.unwrap_or_else(|| {
            Node::unknown(format!("`{name}` with arguments it cannot take"), here)
        })
    }

    /// `file(path)`: the file's text, placed in it (a file of the configuration from then on).
    fn read_file(&self, path: Option<&Node>, here: Option<At>) -> Node {
        let Some(path) = path.and_then(|p| p.as_text().map(|t| t.into_owned())) else {
            return Node::unknown(
                format!("`file` of {}", path.map_or("nothing".into(), reason)),
                here,
            );
        };
        match self.add_file(&path) {
            Ok((file, text)) => {
                let len = text.len();
                let text = text.to_string();
                let source = At {
                    file,
                    span: crate::location::Span { start: 0, end: len },
                };
                let pieces = vec![Piece {
                    start: 0,
                    len,
                    source,
                    literal: true,
                    note: None,
                }];
                Node::new(Val::Rendered(Rendered { text, pieces }), here)
            }
            Err(error) => Node::unknown(error, here),
        }
    }

    /// `templatefile(path, vars)`: the template rendered with `vars`, each part placed where it
    /// was written in the template file.
    fn template_file(&self, path: Option<&Node>, vars: Option<&Node>, here: Option<At>) -> Node {
        let Some(path) = path.and_then(|p| p.as_text().map(|t| t.into_owned())) else {
            return Node::unknown(
                format!(
                    "`templatefile` of {}",
                    path.map_or("nothing".into(), reason)
                ),
                here,
            );
        };
        let (file, text) = match self.add_file(&path) {
            Ok(read) => read,
            Err(error) => return Node::unknown(error, here),
        };
        let template = match hcl_edit::parser::parse_template(&text) {
            Ok(template) => template,
            Err(error) => {
                return Node::unknown(
                    format!("template {path} does not parse: {}", error.message()),
                    here,
                );
            }
        };
        let mut scope = Scope::in_file(file);
        if let Some(Val::Object(members)) = vars.map(|v| &v.value) {
            for (name, value) in members {
                scope = scope.with(name, value.clone());
            }
        }
        let span = at_whole(file, &template);
        self.template(&template, &scope, here.or(span))
    }

    /// Reads a file a function names (relative to the configuration's folder), once.
    fn add_file(&self, path: &str) -> Result<(usize, std::sync::Arc<str>), String> {
        let relative = path.strip_prefix("./").unwrap_or(path);
        let shown = match self.shown_folder.as_str() {
            "" | "." => relative.to_string(),
            folder => format!("{folder}/{relative}"),
        };
        if let Some(file) = self.files.find(&shown) {
            return Ok((file, self.files.text(file).unwrap_or_default()));
        }
        let source = self.folder.join(relative);
        let text = std::fs::read_to_string(&source)
            .map_err(|e| format!("file {shown} cannot be read: {e}"))?;
        let text: std::sync::Arc<str> = match text.strip_prefix('\u{feff}') {
            Some(stripped) => stripped.into(),
            None => text.into(),
        };
        let file = self.files.add_once(shown, Some(source), text.clone());
        Ok((file, self.files.text(file).unwrap_or(text)))
    }
}

fn at_whole(file: usize, template: &hcl_edit::template::Template) -> Option<At> {
    super::eval::at(file, template.span())
}

fn reason(node: &Node) -> String {
    match node.first_unknown() {
        Some(unknown) => unknown.why.clone(),
        None => "a value of another type".into(),
    }
}

fn flatten(items: Vec<Node>) -> Vec<Node> {
    items
        .into_iter()
        .flat_map(|item| match item.value {
            Val::List(inner) => flatten(inner),
            _ => vec![item],
        })
        .collect()
}

/// `format`'s verbs: `%s`, `%d`, `%v`, `%q`, `%%` (widths and flags are not read).
fn format(spec: &str, args: &[Node]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Skip flags and widths up to the verb.
        let mut verb = None;
        for next in chars.by_ref() {
            if next.is_ascii_alphabetic() || next == '%' {
                verb = Some(next);
                break;
            }
        }
        match verb {
            Some('%') => out.push('%'),
            Some('q') => {
                let text = args
                    .next()
                    .and_then(|a| a.as_text().map(|t| t.into_owned()));
                out.push_str(&format!("{:?}", text.unwrap_or_default()));
            }
            Some(_) => {
                let text = args
                    .next()
                    .and_then(|a| a.as_text().map(|t| t.into_owned()));
                out.push_str(&text.unwrap_or_default());
            }
            None => {}
        }
    }
    out
}
