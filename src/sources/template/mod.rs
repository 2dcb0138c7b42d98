//! CloudFormation templates (JSON or YAML) to resources: each ECS resource's `Properties`
//! become its API document (`cfn_names`), with what the template decides resolved
//! (`intrinsics`) and what it does not recorded as undecided, and its origin map says where in
//! the template each part was written, so findings land on the template's own lines.

mod associations;
mod ec2;
mod exports;
mod files;
mod fix;
mod iam;
mod intrinsics;
mod json;
mod placer;
mod undecided;
mod walk;
mod yaml_parts;

pub use exports::import_exports;
pub use files::read_parameters;
pub(super) use files::read_yaml;
pub use fix::{Parsed, plan_yaml, plan_yaml_in};
pub(super) use json::{JsonTemplate, read_json, scan_root};

use super::cfn_names::{self, Branches};
use crate::location::{Span, Step};
use crate::model::origin::{OriginMap, PathKey, Written};
use crate::model::unknown::Unknown;
use crate::model::{Resource, ResourceKind};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The ECS resource types read, and the kind each becomes.
const TYPES: &[(&str, ResourceKind)] = &[
    ("AWS::ECS::TaskDefinition", ResourceKind::TaskDefinition),
    ("AWS::ECS::Service", ResourceKind::Service),
    ("AWS::ECS::Cluster", ResourceKind::Cluster),
    ("AWS::ECS::CapacityProvider", ResourceKind::CapacityProvider),
    ("AWS::IAM::Role", ResourceKind::IamRole),
    (
        "AWS::AutoScaling::AutoScalingGroup",
        ResourceKind::AutoScalingGroup,
    ),
];

/// The parameter values a run gives a template (`--parameter`, `--parameters`, or what its
/// parent stack passes), and the parameters its parent passes without deciding them, with why.
#[derive(Clone, Copy)]
pub(super) struct Given<'a> {
    pub values: &'a BTreeMap<String, String>,
    pub undecided: &'a BTreeMap<String, String>,
}

/// Whether a parsed document is a CloudFormation template: `AWSTemplateFormatVersion`, or a
/// `Resources` map whose entries have a `Type` such as `AWS::ECS::Service`.
pub fn is_template(doc: &Value) -> bool {
    doc.get("AWSTemplateFormatVersion").is_some()
        || doc
            .get("Resources")
            .and_then(Value::as_object)
            .is_some_and(|resources| {
                !resources.is_empty()
                    && resources.values().all(|r| {
                        r.get("Type")
                            .and_then(Value::as_str)
                            .is_some_and(|t| t.contains("::"))
                    })
            })
}

/// The resources of a template read from file `file`, named within `stack` (the file's stem,
/// or the CDK stack), and what it exports; `given` are parameter values from the command line.
/// `span_at` says where a path of the template was written (a member from its key). A value a
/// parameter gave is placed at the property that names the parameter. `own` gives what a
/// resource's translation reads from its file alone, when the file has that (a JSON template).
fn resources<'t>(
    file: usize,
    stack: &str,
    template: &Value,
    given: Given<'_>,
    span_at: &SpanAt<'_>,
    own: &(dyn Fn(&str) -> Own<'t> + Sync),
) -> (Vec<Resource>, Offered) {
    let Some(declared) = template.get("Resources").and_then(Value::as_object) else {
        return (Vec::new(), Offered::default());
    };
    let read: Vec<(&String, &Value, &str, ResourceKind)> = declared
        .iter()
        .filter_map(|(logical_id, declaration)| {
            let cfn_type = declaration.get("Type")?.as_str()?;
            let &(_, kind) = TYPES.iter().find(|(t, _)| *t == cfn_type)?;
            Some((logical_id, declaration, cfn_type, kind))
        })
        .collect();
    let named: Vec<(String, String)> = read
        .iter()
        .map(|(logical_id, declaration, _, _)| names(stack, logical_id, declaration))
        .collect();
    let tokens = tokens(stack, declared);
    let context = intrinsics::Context::new(template, given, tokens);
    let resolver = resolver(&context);
    // Each resource on its own: a template of thousands is translated on every core.
    use rayon::prelude::*;
    let mut out: Vec<Resource> = read
        .into_par_iter()
        .zip(named)
        .filter_map(|((logical_id, declaration, cfn_type, kind), (id, name))| {
            let base = properties_path(logical_id);
            let empty = Value::Object(serde_json::Map::new());
            let own = own(logical_id);
            let properties = own
                .properties
                .as_ref()
                .or(declaration.get("Properties"))
                .unwrap_or(&empty);
            let span_at = own.span_at.as_deref().unwrap_or(span_at);
            let new_sink = |lazy: bool| Placed {
                file,
                properties,
                base: &base,
                span_at,
                context: &context,
                map: match lazy {
                    true => OriginMap::default(),
                    false => OriginMap::with_capacity(nodes(properties)),
                },
                walk: (!lazy).then(|| walk::Walk::new(own.stepper.as_deref())),
                lazy,
                dropped: false,
            };
            let translate = |lazy: bool| {
                let mut sink = new_sink(lazy);
                // The resource itself is shown at its logical id.
                if let Some(span) = (sink.span_at)(&base[..2], &[]) {
                    sink.map.insert(Vec::new(), written(file, span));
                }
                let doc = cfn_names::translate(cfn_type, properties, &resolver, &mut sink)?;
                // What is placed after the translation is not where its walk ended.
                sink.walk = None;
                Some((doc, sink))
            };
            // A JSON template's nodes are found in its text when a finding asks (a role's
            // map is added to after the translation, and keeps every place).
            let written_in = own
                .declaration
                .clone()
                .filter(|_| kind != ResourceKind::IamRole);
            let lazily = written_in.and_then(|(text, tree)| {
                let placer = Arc::new(placer::JsonProperties::new(cfn_type, tree)?);
                let (doc, mut sink) = translate(true)?;
                // Left-out list elements shift the indexes after them: every node is placed.
                if sink.dropped {
                    return None;
                }
                if cfg!(debug_assertions) {
                    placer::check(&placer, text, new_sink(false), |sink| {
                        cfn_names::translate(cfn_type, properties, &resolver, sink);
                    });
                }
                sink.map.place_with(file, placer);
                Some((doc, sink))
            });
            let (doc, mut sink) = match lazily {
                Some(translated) => translated,
                None => translate(false)?,
            };
            if kind == ResourceKind::IamRole {
                iam::place_inline_documents(&mut sink, &doc, properties);
            }
            let map = sink.map;
            Some(Resource::translated(
                (kind, id, name),
                doc,
                (file, base),
                Some(map),
            ))
        })
        .collect();
    iam::attach_policies((file, stack), template, &context, span_at, &mut out);
    associations::fold(file, template, &context, span_at, &mut out);
    associations::fold_task_sets(file, template, &context, span_at, &mut out);
    let network = ec2::Reader {
        file,
        stack,
        template,
        context: &context,
        span_at,
    };
    out.extend(network.read());
    let offered = Offered {
        exports: exports::exports(template, &context),
        nested: exports::nested_stacks(template, &context),
    };
    (out, offered)
}

/// What a template gives the other templates of its run: its exports, and its nested stacks'
/// parameters.
#[derive(Default)]
struct Offered {
    exports: Vec<(String, Value)>,
    nested: Vec<crate::model::NestedStack>,
}

impl Offered {
    fn give(self, file: &mut crate::model::SourceFile) {
        file.exports = self.exports;
        file.nested = self.nested;
    }
}

/// What a resource's translation reads from its file alone, when the file has it: its
/// `Properties`, when the parse left them as text, and where its nodes were written (dropped
/// with the translation).
#[derive(Default)]
pub(super) struct Own<'a> {
    pub properties: Option<Value>,
    pub span_at: Option<Box<SpanAt<'a>>>,
    /// The same spans, stepped through as the translation descends.
    stepper: Option<Box<dyn walk::Stepper + 'a>>,
    /// The file's text and the span tree of the resource's declaration, when it is JSON:
    /// where its nodes are found when asked.
    pub declaration: Option<(&'a str, Arc<crate::location::SpanTree>)>,
}

/// Intrinsic functions resolved one node at a time, as the translation meets them.
fn resolver<'c>(
    context: &'c intrinsics::Context<'c>,
) -> impl for<'v> Fn(&'v Value) -> Option<Cow<'v, Value>> + 'c {
    move |value| {
        if cfn_names::is_intrinsic(value) {
            context.resolve(value).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(value))
        }
    }
}

/// What a reference to each resource this run reads becomes, by logical id: its id, which
/// linking finds it by (a task definition's `!Ref`, a role's `!GetAtt .Arn`, a managed policy's
/// ARN, a network resource's id). Other resources' names and ARNs are CloudFormation's to
/// decide, and stay undecided.
fn tokens(
    stack: &str,
    declared: &serde_json::Map<String, Value>,
) -> std::collections::HashMap<String, String> {
    declared
        .iter()
        .filter(|(_, declaration)| {
            let cfn_type = declaration
                .get("Type")
                .and_then(Value::as_str)
                .unwrap_or("");
            TYPES.iter().any(|(t, _)| *t == cfn_type)
                || cfn_type == "AWS::IAM::ManagedPolicy"
                || ec2::TYPES.iter().any(|(t, ..)| *t == cfn_type)
        })
        .map(|(logical_id, declaration)| {
            (logical_id.clone(), names(stack, logical_id, declaration).0)
        })
        .collect()
}

/// A template resource's id (what references to it become, unique in a run) and name (for
/// people): its CDK path (`Checkout/Service/TaskDef`) where it has one, else the stack and
/// logical id.
fn names(stack: &str, logical_id: &str, declaration: &Value) -> (String, String) {
    match declaration
        .pointer("/Metadata/aws:cdk:path")
        .and_then(Value::as_str)
    {
        Some(path) => {
            let path = path.strip_suffix("/Resource").unwrap_or(path);
            (path.to_string(), path.to_string())
        }
        None => (format!("{stack}/{logical_id}"), logical_id.to_string()),
    }
}

/// Hears the translation: where each node was written, and what was left undecided.
struct Placed<'a> {
    file: usize,
    /// The resource's `Properties` as written.
    properties: &'a Value,
    base: &'a [Step],
    span_at: &'a SpanAt<'a>,
    context: &'a intrinsics::Context<'a>,
    map: OriginMap,
    /// Where the translation is, while it runs.
    walk: Option<walk::Walk<'a>>,
    /// Nodes are found in the text when asked (`placer`): only notes and undecided values
    /// are recorded.
    lazy: bool,
    /// A list element was left out.
    dropped: bool,
}

impl cfn_names::Sink for Placed<'_> {
    fn moved(&mut self, api: &[Step], cfn: &[Step], value: &Value) {
        let Some(last) = cfn.last() else {
            return;
        };
        if self.lazy {
            if let Some(note) = self.context.source_of(value) {
                self.map.insert_note(api, note);
            }
            return;
        }
        let (key, span) = match &self.walk {
            Some(walk) => (
                walk.key(),
                walk.span(last)
                    .unwrap_or_else(|| (self.span_at)(self.base, cfn)),
            ),
            None => (PathKey::of(api), (self.span_at)(self.base, cfn)),
        };
        // The walk finds what a lookup from the root finds (every test run checks it).
        debug_assert_eq!(key, PathKey::of(api));
        debug_assert_eq!(span, (self.span_at)(self.base, cfn), "{cfn:?}");
        if let Some(span) = span {
            self.map.insert_at(key, written(self.file, span));
        }
        if let Some(note) = self.context.source_of(value) {
            self.map.insert_note(api, note);
        }
    }

    fn undecided(&mut self, api: &[Step], _cfn: &[Step], value: &Value, branches: Branches) {
        self.map.unknowns.push(Unknown {
            path: api.to_vec(),
            why: self.context.why_later(value),
            may_be: undecided::may_be(value, branches),
        });
    }

    fn enter(&mut self, api: &Step, cfn: &Step, member: Option<cfn_names::MemberAt>) {
        if let Some(walk) = &mut self.walk {
            walk.enter(api, cfn, member);
        }
    }

    fn leave(&mut self) {
        if let Some(walk) = &mut self.walk {
            walk.leave();
        }
    }

    fn dropped(&mut self) {
        self.dropped = true;
    }
}

/// Where a fix that sets `fix_path` (API names) under the violating node `node` of translated
/// resource `resource` writes in its template: the node's path in the file, the property names
/// to set under it, the value as the template writes it, and whether the file is YAML.
pub fn fix_target(
    estate: &crate::model::Estate,
    parsed: &ParsedFiles,
    (resource, node): (usize, &[Step]),
    fix_path: &[String],
    value: &Value,
) -> Option<FixTarget> {
    let owner = estate.resources.get(resource)?;
    let map = owner.origin.map.as_ref()?;
    let (cfn_type, _) = TYPES.iter().find(|(_, kind)| *kind == owner.kind)?;
    let file = estate.files.get(owner.origin.file)?;
    // As the file was read: YAML by its extension (a `.template` by its first character).
    let text = file.text();
    let yaml = super::parse::is_yaml(&file.path, &text);
    // The document itself is its properties; a node is found by where it was written.
    let written_at = match node.is_empty() {
        true => owner.origin.base.clone(),
        false => {
            let template = parsed.get(owner.origin.file, &text, yaml)?;
            let span = map.get(node, &estate.files)?.span;
            fix::written_path(&template, &text, &owner.origin.base, span)?
        }
    };
    let full: Vec<Step> = node
        .iter()
        .cloned()
        .chain(fix_path.iter().map(|k| Step::Key(k.clone())))
        .collect();
    let (full_cfn, shape) = cfn_names::property_path(cfn_type, &full)?;
    let keys = full_cfn[node.len()..]
        .iter()
        .map(|step| match step {
            Step::Key(key) => Some(key.clone()),
            Step::Index(_) => None,
        })
        .collect::<Option<Vec<String>>>()?;
    Some(FixTarget {
        file: owner.origin.file,
        node: written_at,
        keys,
        value: cfn_names::render_as(shape, value),
        yaml,
    })
}

/// The template files of a run as fixes read them, each parsed once, when first asked.
#[derive(Default)]
pub struct ParsedFiles {
    files: std::cell::RefCell<std::collections::HashMap<usize, Option<std::rc::Rc<Parsed>>>>,
}

impl ParsedFiles {
    /// File `file` (whose text is `text`) parsed, as YAML when `yaml`.
    pub fn get(&self, file: usize, text: &str, yaml: bool) -> Option<std::rc::Rc<Parsed>> {
        self.files
            .borrow_mut()
            .entry(file)
            .or_insert_with(|| Parsed::new(text, yaml).map(std::rc::Rc::new))
            .clone()
    }
}

/// See [`fix_target`].
#[derive(Debug, Clone, PartialEq)]
pub struct FixTarget {
    pub file: usize,
    pub node: Vec<Step>,
    pub keys: Vec<String>,
    pub value: Value,
    pub yaml: bool,
}

/// Where the template path `base` then `rest` was written (a member from its key); two parts,
/// so a resource's nodes are looked up under its own without building each full path.
pub type SpanAt<'a> = dyn Fn(&[Step], &[Step]) -> Option<Span> + Sync + 'a;

/// Where a resource's properties are in its template.
fn properties_path(logical_id: &str) -> Vec<Step> {
    vec![
        Step::Key("Resources".into()),
        Step::Key(logical_id.into()),
        Step::Key("Properties".into()),
    ]
}

/// How many nodes `value` has, itself included.
fn nodes(value: &Value) -> usize {
    1 + match value {
        Value::Object(map) => map.values().map(nodes).sum(),
        Value::Array(items) => items.iter().map(nodes).sum(),
        _ => 0,
    }
}

/// A value's members or elements, each with the step to it.
fn children(value: &Value) -> Vec<(Step, &Value)> {
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Step::Index(i), v))
            .collect(),
        _ => Vec::new(),
    }
}

fn written(file: usize, span: Span) -> Written {
    Written {
        file,
        span,
        json: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context(template: &Value) -> intrinsics::Context<'_> {
        let tokens = [("TaskRole".to_string(), "web/TaskRole".to_string())];
        let none = BTreeMap::new();
        let given = Given {
            values: &none,
            undecided: &none,
        };
        intrinsics::Context::new(template, given, tokens.into_iter().collect())
    }

    #[test]
    fn what_the_template_decides_is_resolved_and_the_rest_kept() {
        let template = json!({
            "Parameters": {
                "Env": {"Type": "String", "Default": "prod"},
                "Tag": {"Type": "String"},
                "Subnets": {"Type": "CommaDelimitedList", "Default": "a, b"}
            },
            "Mappings": {"Sizes": {"prod": {"Cpu": 1024}}},
            "Conditions": {
                "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "HasTag": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Tag"}, ""]}]},
                "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "HasTag"}]}
            },
            "Resources": {"TaskRole": {"Type": "AWS::IAM::Role"}}
        });
        let context = context(&template);
        let cases = [
            (
                json!({"Fn::Join": ["-", {"Ref": "Subnets"}]}),
                Some(json!("a-b")),
            ),
            (
                json!({"Fn::Join": ["-", ["web", {"Ref": "Env"}]]}),
                Some(json!("web-prod")),
            ),
            (json!({"Ref": "AWS::NoValue"}), None),
            (
                json!({"Fn::Sub": "${AWS::Region}-${Env}-${!Literal}"}),
                Some(json!({"Fn::Sub": "${AWS::Region}-prod-${!Literal}"})),
            ),
            (
                json!({"Fn::Sub": "${Env}-${!Literal}"}),
                Some(json!("prod-${Literal}")),
            ),
            (
                json!({"Fn::GetAtt": ["TaskRole", "Arn"]}),
                Some(json!("web/TaskRole")),
            ),
            (
                json!({"Fn::Sub": "${TaskRole.Arn}"}),
                Some(json!("web/TaskRole")),
            ),
            (
                json!({"Fn::Select": [1, {"Ref": "Subnets"}]}),
                Some(json!("b")),
            ),
            (
                json!({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Cpu"]}),
                Some(json!(1024)),
            ),
            (
                json!({"Fn::If": ["IsProd", "big", "small"]}),
                Some(json!("big")),
            ),
            (
                json!({"Fn::If": ["Either", "big", "small"]}),
                Some(json!("big")),
            ),
            (
                json!({"Fn::If": ["HasTag", {"Ref": "Env"}, {"Ref": "AWS::NoValue"}]}),
                Some(json!({"Fn::If": ["HasTag", "prod", {"Ref": "AWS::NoValue"}]})),
            ),
            (json!({"Fn::Split": [",", "x,y"]}), Some(json!(["x", "y"]))),
            (json!({"Ref": "AWS::Partition"}), Some(json!("aws"))),
            (
                json!({"Fn::ImportValue": "Shared"}),
                Some(json!({"Fn::ImportValue": "Shared"})),
            ),
        ];
        for (written, expected) in cases {
            assert_eq!(context.resolve(&written), expected, "{written}");
        }
        assert_eq!(context.condition("HasTag"), None);
        let why = context.why(&json!({"Fn::Sub": "${AWS::Region}-${Tag}"}));
        assert!(why.contains("AWS::Region is the stack's region"), "{why}");
        assert!(why.contains("parameter Tag has no Default"), "{why}");
    }

    #[test]
    fn a_condition_that_names_itself_is_undecided() {
        let template = json!({"Conditions": {"Loop": {"Fn::Not": [{"Condition": "Loop"}]}}});
        assert_eq!(context(&template).condition("Loop"), None);
    }
}
