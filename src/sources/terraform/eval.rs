//! Evaluates a configuration's expressions as far as the configuration decides them:
//! literals, variables (given, tfvars, default), locals, string templates, conditionals,
//! operators, `for` expressions, splats, functions (`functions.rs`), and references to
//! resources — the ones ecslint reads become their ids (links), attributes a block writes are
//! read from it, and the rest are unknown, with why.

use super::config::Config;
use super::value::{At, Node, Unknown, UnknownShape, Val};
use crate::location::Span;
use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Body, Structure};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::RwLock;

/// Stands for an unknown part of a rendered string, so JSON parsed from it keeps the rest.
pub const HOLE: char = '\u{FFFC}';

/// The files of a configuration (and its modules), numbered as the estate numbers them from
/// the configuration's first: `.tf` files, tfvars, what `file` and `templatefile` read.
#[derive(Default)]
pub struct Files {
    entries: RwLock<Vec<File>>,
}

/// A file of a configuration: how it is shown, where it was read from (none for a `--var`
/// value), its text.
pub struct File {
    pub shown: String,
    pub source: Option<std::path::PathBuf>,
    pub text: Arc<str>,
}

impl Files {
    /// Adds a file (shown as `shown`, read from `source`), returning its number.
    pub fn add(&self, shown: String, source: Option<std::path::PathBuf>, text: Arc<str>) -> usize {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.push(File {
            shown,
            source,
            text,
        });
        entries.len() - 1
    }

    /// Adds a file unless one shown as `shown` was added (by another thread) first.
    pub fn add_once(
        &self,
        shown: String,
        source: Option<std::path::PathBuf>,
        text: Arc<str>,
    ) -> usize {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = entries.iter().position(|f| f.shown == shown) {
            return file;
        }
        entries.push(File {
            shown,
            source,
            text,
        });
        entries.len() - 1
    }

    pub fn text(&self, file: usize) -> Option<Arc<str>> {
        self.read().get(file).map(|f| f.text.clone())
    }

    pub fn path(&self, file: usize) -> Option<String> {
        self.read().get(file).map(|f| f.shown.clone())
    }

    /// The number of the file shown as `shown`, when it was added.
    pub fn find(&self, shown: &str) -> Option<usize> {
        self.read().iter().position(|f| f.shown == shown)
    }

    pub fn into_inner(self) -> Vec<File> {
        self.entries.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<File>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }
}

thread_local! {
    /// How deep the expression being evaluated on this thread is.
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// The locals being evaluated on this thread, to tell a local that refers to itself.
    pub(super) static EVALUATING: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Locks as readable whatever another thread's panic left.
pub(super) fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

pub(super) fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// References followed deeper than this are taken as a cycle.
const MAX_DEPTH: usize = 48;

pub struct Evaluator<'c> {
    pub config: &'c Config<'c>,
    /// Every file of the run's configuration: `.tf` files, tfvars, what `file` and
    /// `templatefile` read.
    pub files: &'c Files,
    /// The folder of the configuration, for `file()` paths.
    pub folder: std::path::PathBuf,
    /// How the folder is shown (`infra/`), for the paths of files it reads.
    pub shown_folder: String,
    /// Each variable's value, as given or defaulted (or unknown, with why).
    pub variables: HashMap<String, Node>,
    /// What references to the resources ecslint reads become: their ids, by address
    /// (`aws_iam_role.task`, `aws_subnet.private[0]`).
    pub tokens: HashMap<String, String>,
    /// The locals evaluated so far (resources are evaluated on every core).
    pub(super) locals: RwLock<HashMap<String, Node>>,
    /// The instances of each resource with `count` or `for_each`, by address, once evaluated:
    /// every reference to such a resource asks.
    pub(super) instances: RwLock<HashMap<String, Option<Vec<super::instances::Instance>>>>,
    /// The outputs of the modules this one calls, by call name (a list or map of them for a
    /// call with `count` or `for_each`).
    pub(super) module_outputs: RwLock<HashMap<String, Node>>,
}

/// The names an expression sees besides the configuration's: `count.index`, `each.key` and
/// `each.value` of a resource instance, `for` variables, a `dynamic` block's iterator, a
/// template file's variables.
#[derive(Clone, Default)]
pub struct Scope {
    pub file: usize,
    pub names: Vec<(String, Node)>,
}

impl Scope {
    pub fn in_file(file: usize) -> Scope {
        Scope {
            file,
            names: Vec::new(),
        }
    }

    pub fn with(&self, name: &str, value: Node) -> Scope {
        let mut scope = self.clone();
        scope.names.push((name.to_string(), value));
        scope
    }

    pub(super) fn name(&self, name: &str) -> Option<&Node> {
        self.names
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

pub fn at(file: usize, range: Option<std::ops::Range<usize>>) -> Option<At> {
    range.map(|r| At {
        file,
        span: Span {
            start: r.start,
            end: r.end,
        },
    })
}

impl<'c> Evaluator<'c> {
    pub fn new(config: &'c Config<'c>, files: &'c Files, folder: std::path::PathBuf) -> Self {
        Evaluator {
            config,
            files,
            shown_folder: String::new(),
            folder,
            variables: HashMap::new(),
            tokens: HashMap::new(),
            locals: RwLock::default(),
            instances: RwLock::default(),
            module_outputs: RwLock::default(),
        }
    }

    /// The text of file `file`, when the configuration has it.
    pub fn text(&self, file: usize) -> Option<Arc<str>> {
        self.files.text(file)
    }

    /// Forgets what was evaluated before the ids of the resources and the modules' outputs
    /// were known.
    pub(super) fn forget(&self) {
        write(&self.locals).clear();
        write(&self.instances).clear();
    }

    /// `path:line` of a place, for notes.
    pub fn describe(&self, at: At) -> String {
        let path = self
            .files
            .path(at.file)
            .unwrap_or_else(|| format!("file {}", at.file));
        let text = self.text(at.file).unwrap_or_default();
        let line = text[..at.span.start.min(text.len())].matches('\n').count();
        format!("{path}:{}", line + 1)
    }

    /// Adds a file the configuration reads (a tfvars file, a template), returning its index.
    pub fn add_text(&self, shown: &str, source: Option<std::path::PathBuf>, text: String) -> usize {
        self.files.add(shown.to_string(), source, Arc::from(text))
    }

    /// Evaluates a block's body into an object: attributes as members, nested blocks as lists
    /// of objects under their type (`dynamic` blocks expanded).
    pub fn body(&self, body: &Body, scope: &Scope) -> Vec<(String, Node)> {
        let mut members: Vec<(String, Node)> = Vec::new();
        let push_block = |members: &mut Vec<(String, Node)>, name: &str, node: Node| match members
            .iter_mut()
            .find(|(k, _)| k == name)
        {
            Some((
                _,
                Node {
                    value: Val::List(items),
                    ..
                },
            )) => items.push(node),
            _ => {
                let at = node.at;
                members.push((name.to_string(), Node::new(Val::List(vec![node]), at)));
            }
        };
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let mut node = self.eval(&attribute.value, scope);
                    let whole = at(scope.file, attribute.span());
                    if whole.is_some()
                        && node.at.is_some()
                        && node.at == at(scope.file, attribute.value.span())
                    {
                        node.at = whole;
                    }
                    members.push((attribute.key.as_str().to_string(), node));
                }
                Structure::Block(block) if block.ident.as_str() == "dynamic" => {
                    let Some(label) = block.labels.first().map(|l| l.as_str().to_string()) else {
                        continue;
                    };
                    let block_at = at(scope.file, block.ident.span());
                    let Some(each) = block.body.get_attribute("for_each") else {
                        continue;
                    };
                    let iterator = block
                        .body
                        .get_attribute("iterator")
                        .and_then(|a| a.value.as_variable().map(|v| v.as_str().to_string()))
                        .unwrap_or_else(|| label.clone());
                    let collection = self.eval(&each.value, scope);
                    let Some(content) = block.body.get_blocks("content").next() else {
                        continue;
                    };
                    match entries(&collection) {
                        Some(entries) => {
                            for (key, value) in entries {
                                let item = Node::new(
                                    Val::Object(vec![("key".into(), key), ("value".into(), value)]),
                                    None,
                                );
                                let inner = scope.with(&iterator, item);
                                let object = Val::Object(self.body(&content.body, &inner));
                                push_block(&mut members, &label, Node::new(object, block_at));
                            }
                        }
                        None => members.push((
                            label.clone(),
                            Node::unknown(
                                format!("the `dynamic \"{label}\"` blocks: {}", why(&collection)),
                                block_at,
                            ),
                        )),
                    }
                }
                Structure::Block(block) => {
                    let object = Val::Object(self.body(&block.body, scope));
                    let node = Node::new(object, at(scope.file, block.ident.span()));
                    push_block(&mut members, block.ident.as_str(), node);
                }
            }
        }
        members
    }

    pub fn eval(&self, expression: &Expression, scope: &Scope) -> Node {
        let here = at(scope.file, expression.span());
        if DEPTH.get() > MAX_DEPTH {
            return Node::unknown("references nested too deep (a cycle?)", here);
        }
        DEPTH.set(DEPTH.get() + 1);
        let node = self.eval_inner(expression, scope, here);
        DEPTH.set(DEPTH.get() - 1);
        node
    }

    fn eval_inner(&self, expression: &Expression, scope: &Scope, here: Option<At>) -> Node {
        match expression {
            Expression::Null(_) => Node::null(here),
            Expression::Bool(b) => Node::new(Val::Bool(*b.value()), here),
            Expression::Number(n) => Node::new(number(n.value()), here),
            Expression::String(s) => Node::string(s.value().clone(), here),
            Expression::Array(items) => Node::new(
                Val::List(items.iter().map(|e| self.eval(e, scope)).collect()),
                here,
            ),
            Expression::Object(object) => {
                let mut members = Vec::new();
                for (key, value) in object.iter() {
                    let name = match key {
                        hcl_edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(e) => {
                            match self.eval(e, scope).as_text() {
                                Some(text) => text.into_owned(),
                                None => return Node::unknown("an object key is unknown", here),
                            }
                        }
                    };
                    let mut node = self.eval(value.expr(), scope);
                    if node.at.is_some() && node.at == at(scope.file, value.expr().span()) {
                        let start = key.span().map(|s| s.start);
                        let end = value.expr().span().map(|s| s.end);
                        if let (Some(start), Some(end)) = (start, end) {
                            node.at = at(scope.file, Some(start..end));
                        }
                    }
                    members.push((name, node));
                }
                Node::new(Val::Object(members), here)
            }
            Expression::StringTemplate(template) => self.template(template, scope, here),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template, scope, here),
            Expression::Parenthesis(inner) => self.eval(inner.inner(), scope),
            Expression::Variable(name) => self.reference(name.as_str(), &[], scope, here),
            Expression::Traversal(traversal) => match &traversal.expr {
                Expression::Variable(name) => {
                    let operators: Vec<&TraversalOperator> =
                        traversal.operators.iter().map(|o| o.value()).collect();
                    self.reference(name.as_str(), &operators, scope, here)
                }
                root => {
                    let base = self.eval(root, scope);
                    let operators: Vec<&TraversalOperator> =
                        traversal.operators.iter().map(|o| o.value()).collect();
                    self.traverse(base, &operators, scope, here)
                }
            },
            Expression::Conditional(conditional) => {
                let condition = self.eval(&conditional.cond_expr, scope);
                match condition.as_bool() {
                    Some(true) => self.eval(&conditional.true_expr, scope),
                    Some(false) => self.eval(&conditional.false_expr, scope),
                    None => {
                        let when_true = self.eval(&conditional.true_expr, scope);
                        let when_false = self.eval(&conditional.false_expr, scope);
                        let text = self.source(scope.file, conditional.cond_expr.span());
                        Node::new(
                            Val::Unknown(Box::new(Unknown {
                                why: format!("condition `{text}`: {}", why(&condition)),
                                shape: UnknownShape::Branches {
                                    condition: text,
                                    when_true,
                                    when_false,
                                },
                                rendered: None,
                            })),
                            here,
                        )
                    }
                }
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                self.call(name, &call.args.iter().collect::<Vec<_>>(), scope, here)
            }
            Expression::UnaryOp(op) => {
                let value = self.eval(&op.expr, scope);
                match (op.operator.value(), &value.value) {
                    (UnaryOperator::Not, _) if value.as_bool().is_some() => {
                        Node::new(Val::Bool(!value.as_bool().unwrap_or(false)), here)
                    }
                    (UnaryOperator::Neg, _) if value.as_f64().is_some() => {
                        Node::new(float(-value.as_f64().unwrap_or(0.0)), here)
                    }
                    _ => Node::unknown(why(&value), here),
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr, scope);
                let rhs = self.eval(&op.rhs_expr, scope);
                binary(*op.operator.value(), &lhs, &rhs, here)
            }
            Expression::ForExpr(for_expr) => self.for_expr(for_expr, scope, here),
        }
    }

    /// The source text of a span of file `file`.
    pub fn source(&self, file: usize, range: Option<std::ops::Range<usize>>) -> String {
        let Some(range) = range else {
            return String::new();
        };
        self.text(file)
            .and_then(|t| t.get(range).map(str::to_string))
            .unwrap_or_default()
    }

    fn for_expr(
        &self,
        for_expr: &hcl_edit::expr::ForExpr,
        scope: &Scope,
        here: Option<At>,
    ) -> Node {
        let intro = &for_expr.intro;
        let collection = self.eval(&intro.collection_expr, scope);
        let Some(entries) = entries(&collection) else {
            return Node::unknown(
                format!("a `for` over an unknown value: {}", why(&collection)),
                here,
            );
        };
        let mut list = Vec::new();
        let mut object = Vec::new();
        for (key, value) in entries {
            let mut inner = scope.with(intro.value_var.as_str(), value);
            if let Some(key_var) = &intro.key_var {
                inner = inner.with(key_var.as_str(), key);
            }
            if let Some(cond) = &for_expr.cond {
                match self.eval(&cond.expr, &inner).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Node::unknown("a `for` condition is unknown", here),
                }
            }
            let value = self.eval(&for_expr.value_expr, &inner);
            match &for_expr.key_expr {
                Some(key_expr) => match self.eval(key_expr, &inner).as_text() {
                    Some(key) => object.push((key.into_owned(), value)),
                    None => return Node::unknown("a `for` key is unknown", here),
                },
                None => list.push(value),
            }
        }
        match for_expr.key_expr {
            Some(_) => Node::new(Val::Object(object), here),
            None => Node::new(Val::List(list), here),
        }
    }
}

/// Why a value is unknown (for a known value, empty).
pub fn why(node: &Node) -> String {
    match node.first_unknown() {
        Some(unknown) => unknown.why.clone(),
        None => String::new(),
    }
}

/// The entries a `for`, `for_each` or `dynamic` iterates: (index or key, value).
pub fn entries(collection: &Node) -> Option<Vec<(Node, Node)>> {
    match &collection.value {
        Val::List(items) => {
            if items.iter().any(Node::is_unknown) {
                return None;
            }
            Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (Node::new(Val::Number(i.into()), None), item.clone()))
                    .collect(),
            )
        }
        Val::Object(members) => Some(
            members
                .iter()
                .map(|(k, v)| (Node::string(k.clone(), None), v.clone()))
                .collect(),
        ),
        Val::Null => Some(Vec::new()),
        _ => None,
    }
}

fn number(n: &hcl_edit::Number) -> Val {
    if let Some(i) = n.as_i64() {
        return Val::Number(i.into());
    }
    if let Some(u) = n.as_u64() {
        return Val::Number(u.into());
    }
    float(n.as_f64().unwrap_or(0.0))
}

pub fn float(f: f64) -> Val {
    if f.fract() == 0.0 && f.abs() < 9e15 {
        return Val::Number((f as i64).into());
    }
    serde_json::Number::from_f64(f).map_or(Val::Null, Val::Number)
}

fn binary(operator: BinaryOperator, lhs: &Node, rhs: &Node, here: Option<At>) -> Node {
    use BinaryOperator::*;
    let value = match operator {
        And | Or => match (lhs.as_bool(), rhs.as_bool()) {
            (Some(a), Some(b)) => Some(Val::Bool(if operator == And { a && b } else { a || b })),
            // Decided by one side alone.
            (Some(false), None) | (None, Some(false)) if operator == And => Some(Val::Bool(false)),
            (Some(true), None) | (None, Some(true)) if operator == Or => Some(Val::Bool(true)),
            _ => None,
        },
        Eq | NotEq => match (lhs.to_json(), rhs.to_json()) {
            (Some(a), Some(b)) => Some(Val::Bool((a == b) == (operator == Eq))),
            _ => None,
        },
        _ => match (lhs.as_f64(), rhs.as_f64()) {
            (Some(a), Some(b)) => Some(match operator {
                Less => Val::Bool(a < b),
                LessEq => Val::Bool(a <= b),
                Greater => Val::Bool(a > b),
                GreaterEq => Val::Bool(a >= b),
                Plus => float(a + b),
                Minus => float(a - b),
                Mul => float(a * b),
                Div if b != 0.0 => float(a / b),
                Mod if b != 0.0 => float(a % b),
                _ => Val::Null,
            }),
            _ => None,
        },
    };
    match value {
        Some(value) => Node::new(value, here),
        None => {
            let reason = [why(lhs), why(rhs)].into_iter().find(|w| !w.is_empty());
            Node::unknown(
                reason.unwrap_or_else(|| "an operation on values of other types".into()),
                here,
            )
        }
    }
}
