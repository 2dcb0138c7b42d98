//! Data sources: `aws_iam_policy_document` becomes the policy it describes (placed at its
//! statements), a few whose values have a known form stand for them (the account, region and
//! partition), and the others are what Terraform reads when it plans: unknown.

use super::config::Declared;
use super::eval::Evaluator;
use super::instances::Instance;
use super::value::{At, Node, Val, parse_json};
use crate::model::unknown::Part;

/// Attribute `name` of data source `declared`.
pub fn attribute(
    evaluator: &Evaluator<'_>,
    declared: &Declared<'_>,
    instance: &Instance,
    name: &str,
    here: Option<At>,
) -> Node {
    let address = format!("{}{}", declared.address(), instance.suffix());
    let like = |examples: &[&str]| {
        let mut node = Node::unknown(
            format!("`{address}.{name}` is read when Terraform plans"),
            here,
        );
        if let Val::Unknown(unknown) = &mut node.value {
            let examples = examples.iter().map(|e| e.to_string()).collect();
            unknown.shape = super::value::UnknownShape::Text(vec![Part::Like(examples)]);
        }
        node
    };
    match (declared.kind, name) {
        ("aws_iam_policy_document", "json" | "minified_json") => {
            policy_document(evaluator, declared, instance)
        }
        ("aws_caller_identity", "account_id") => like(&["123456789012", "210987654321"]),
        ("aws_region", "name" | "region" | "id") => {
            like(&["us-east-1", "eu-west-1", "ap-southeast-2"])
        }
        ("aws_partition", "partition") => Node::string("aws", here),
        ("aws_partition", "dns_suffix") => Node::string("amazonaws.com", here),
        _ => Node::unknown(
            format!("`{address}.{name}` is read when Terraform plans; ecslint does not read it"),
            here,
        ),
    }
}

/// The policy an `aws_iam_policy_document` describes, as the JSON string its `json` is: each
/// statement placed at its block, each element at its attribute.
fn policy_document(
    evaluator: &Evaluator<'_>,
    declared: &Declared<'_>,
    instance: &Instance,
) -> Node {
    let scope = instance.scope(declared.file);
    let written = evaluator.body(&declared.block.body, &scope);
    let member = |name: &str| written.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let mut statements: Vec<Node> = Vec::new();
    // Source documents' statements come first; the document's own replace those of its Sids.
    for source in ["source_policy_documents", "source_json"] {
        statements.extend(documents_statements(member(source)));
    }
    for statement in blocks(member("statement")) {
        let converted = statement_of(statement);
        replace_by_sid(&mut statements, converted);
    }
    for overriding in ["override_policy_documents", "override_json"] {
        for statement in documents_statements(member(overriding)) {
            replace_by_sid(&mut statements, statement);
        }
    }
    let at = super::eval::at(declared.file, hcl_edit::Span::span(&declared.block.ident));
    let mut document = vec![(
        "Version".to_string(),
        member("version")
            .cloned()
            .unwrap_or_else(|| Node::string("2012-10-17", at)),
    )];
    if let Some(id) = member("policy_id") {
        document.push(("Id".into(), id.clone()));
    }
    document.push(("Statement".into(), Node::new(Val::List(statements), at)));
    Node::new(
        Val::Json(Box::new(Node::new(Val::Object(document), at))),
        at,
    )
}

fn blocks(node: Option<&Node>) -> Vec<&Node> {
    match node.map(|n| &n.value) {
        Some(Val::List(items)) => items.iter().collect(),
        _ => Vec::new(),
    }
}

/// The statements of policy documents given as JSON strings (`source_policy_documents`).
fn documents_statements(node: Option<&Node>) -> Vec<Node> {
    let documents: Vec<Node> = match node.map(|n| &n.value) {
        Some(Val::List(items)) => items.iter().map(parse_json).collect(),
        Some(_) => node.into_iter().map(parse_json).collect(),
        None => Vec::new(),
    };
    documents
        .iter()
        .flat_map(
            |document| match document.get("Statement").map(|s| &s.value) {
                Some(Val::List(items)) => items.clone(),
                Some(_) => document.get("Statement").cloned().into_iter().collect(),
                None if document.is_unknown() => vec![document.clone()],
                None => Vec::new(),
            },
        )
        .collect()
}

fn replace_by_sid(statements: &mut Vec<Node>, statement: Node) {
    let sid = statement
        .get("Sid")
        .and_then(|s| s.as_text().map(|t| t.into_owned()));
    if let Some(sid) = sid.filter(|s| !s.is_empty())
        && let Some(existing) = statements.iter_mut().find(|s| {
            s.get("Sid")
                .and_then(|v| v.as_text().map(|t| t.into_owned()))
                == Some(sid.clone())
        })
    {
        *existing = statement;
        return;
    }
    statements.push(statement);
}

/// A `statement` block as an IAM policy statement.
fn statement_of(block: &Node) -> Node {
    let Val::Object(members) = &block.value else {
        return block.clone();
    };
    let mut out: Vec<(String, Node)> = Vec::new();
    for (name, value) in members {
        let key = match name.as_str() {
            "sid" => "Sid",
            "effect" => "Effect",
            "actions" => "Action",
            "not_actions" => "NotAction",
            "resources" => "Resource",
            "not_resources" => "NotResource",
            "principals" => {
                out.push(("Principal".into(), principals(value)));
                continue;
            }
            "not_principals" => {
                out.push(("NotPrincipal".into(), principals(value)));
                continue;
            }
            "condition" => {
                out.push(("Condition".into(), conditions(value)));
                continue;
            }
            _ => continue,
        };
        out.push((key.to_string(), value.clone()));
    }
    if !out.iter().any(|(k, _)| k == "Effect") {
        out.push(("Effect".into(), Node::string("Allow", block.at)));
    }
    Node::new(Val::Object(out), block.at)
}

/// `principals { type = "AWS" identifiers = [...] }` blocks as `{"AWS": [...]}`; type `*`
/// with identifiers `["*"]` is the principal `"*"`.
fn principals(value: &Node) -> Node {
    let mut by_type: Vec<(String, Node)> = Vec::new();
    for block in blocks(Some(value)) {
        let kind = block
            .get("type")
            .and_then(|t| t.as_text().map(|t| t.into_owned()));
        let identifiers = block
            .get("identifiers")
            .cloned()
            .unwrap_or_else(|| Node::null(block.at));
        match kind.as_deref() {
            Some("*") => return Node::string("*", block.at),
            Some(kind) => by_type.push((kind.to_string(), identifiers)),
            None => return Node::unknown("a principal's type is unknown", block.at),
        }
    }
    Node::new(Val::Object(by_type), value.at)
}

/// `condition { test variable values }` blocks as `{"test": {"variable": values}}`.
fn conditions(value: &Node) -> Node {
    let mut by_test: Vec<(String, Node)> = Vec::new();
    for block in blocks(Some(value)) {
        let text = |name: &str| {
            block
                .get(name)
                .and_then(|t| t.as_text().map(|t| t.into_owned()))
        };
        let (Some(test), Some(variable)) = (text("test"), text("variable")) else {
            return Node::unknown("a condition's test or variable is unknown", block.at);
        };
        let values = block
            .get("values")
            .cloned()
            .unwrap_or_else(|| Node::null(block.at));
        match by_test.iter_mut().find(|(t, _)| *t == test) {
            Some((
                _,
                Node {
                    value: Val::Object(variables),
                    ..
                },
            )) => variables.push((variable, values)),
            _ => by_test.push((
                test,
                Node::new(Val::Object(vec![(variable, values)]), block.at),
            )),
        }
    }
    Node::new(Val::Object(by_test), value.at)
}
