//! The resources ecslint reads from a configuration: each instance of a resource block of a
//! known type, its arguments evaluated, mapped to the API's names and translated to the API
//! document, with an origin map into the `.tf` files (and the files they read).

use super::config::Declared;
use super::eval::Evaluator;
use super::instances::{self, Instance};
use super::mapping::{self, Mapped};
use super::value::{At, Node, UnknownShape, Val};
use crate::location::Step;
use crate::model::origin::{OriginMap, PathKey, Written};
use crate::model::unknown::{MayBe, Unknown};
use crate::model::{Resource, ResourceKind};
use crate::sources::cfn_names;
use serde_json::Value;

/// The resource types read: the kind each becomes and the API shape of its document.
pub const TYPES: &[(&str, ResourceKind, &str)] = &[
    (
        "aws_ecs_task_definition",
        ResourceKind::TaskDefinition,
        "ecs.RegisterTaskDefinitionRequest",
    ),
    (
        "aws_ecs_service",
        ResourceKind::Service,
        "ecs.CreateServiceRequest",
    ),
    ("aws_ecs_cluster", ResourceKind::Cluster, "ecs.Cluster"),
    (
        "aws_ecs_capacity_provider",
        ResourceKind::CapacityProvider,
        "ecs.CapacityProvider",
    ),
    ("aws_iam_role", ResourceKind::IamRole, "iam.RoleDetail"),
    (
        "aws_autoscaling_group",
        ResourceKind::AutoScalingGroup,
        "autoscaling.CreateAutoScalingGroupType",
    ),
    (
        "aws_iam_policy",
        ResourceKind::IamPolicy,
        "iam.ManagedPolicyDetail",
    ),
    (
        "aws_ecs_account_setting_default",
        ResourceKind::Account,
        "ecs.ListAccountSettingsResponse",
    ),
    ("aws_vpc", ResourceKind::Vpc, "ec2.Vpc"),
    ("aws_subnet", ResourceKind::Subnet, "ec2.Subnet"),
    (
        "aws_route_table",
        ResourceKind::RouteTable,
        "ec2.RouteTable",
    ),
    (
        "aws_internet_gateway",
        ResourceKind::InternetGateway,
        "ec2.InternetGateway",
    ),
    (
        "aws_nat_gateway",
        ResourceKind::NatGateway,
        "ec2.NatGateway",
    ),
    (
        "aws_security_group",
        ResourceKind::SecurityGroup,
        "ec2.SecurityGroup",
    ),
];

/// The ids of every instance of the resources read, by address (`aws_iam_role.task`,
/// `aws_subnet.private[0]`): what references to their ids and ARNs become.
pub fn tokens(
    evaluator: &Evaluator<'_>,
    prefix: &str,
) -> std::collections::HashMap<String, String> {
    let mut tokens = std::collections::HashMap::new();
    for declared in read_declared(evaluator) {
        for instance in instances_of(evaluator, declared) {
            let address = format!("{}{}", declared.address(), instance.suffix());
            tokens.insert(address.clone(), format!("{prefix}{address}"));
        }
    }
    tokens
}

fn read_declared<'e, 'c>(evaluator: &'e Evaluator<'c>) -> impl Iterator<Item = &'e Declared<'c>> {
    evaluator
        .config
        .resources
        .iter()
        .filter(|d| !d.data && TYPES.iter().any(|(t, ..)| *t == d.kind))
}

fn instances_of(evaluator: &Evaluator<'_>, declared: &Declared<'_>) -> Vec<Instance> {
    instances::of(evaluator, declared).unwrap_or_else(|| vec![Instance::single()])
}

/// Every instance of the resources read, as resources; `prefix` makes their ids unique in a
/// run (the configuration's folder).
pub fn read(evaluator: &Evaluator<'_>, prefix: &str, module_address: &str) -> Vec<Resource> {
    use rayon::prelude::*;
    let parts = super::folds::parts(evaluator);
    let declared: Vec<&Declared<'_>> = read_declared(evaluator).collect();
    // Each resource on its own: a configuration of thousands is evaluated on every core.
    let ones: Vec<One> = declared
        .par_iter()
        .flat_map_iter(|declared| {
            instances_of(evaluator, declared)
                .into_iter()
                .map(move |instance| {
                    let scope = instance.scope(declared.file);
                    One {
                        kind: declared.kind,
                        address: format!("{}{}", declared.address(), instance.suffix()),
                        members: evaluator.body(&declared.block.body, &scope),
                        header: header_at(declared),
                        file: declared.file,
                    }
                })
        })
        .collect();
    build_all(ones, (prefix, module_address), &parts)
}

/// The resources of `ones`, their ids prefixed with `prefix` and names with `module_address`,
/// completed by `parts`. Evaluation is done: the mapping and translation run on every core.
pub fn build_all(
    ones: Vec<One<'_>>,
    (prefix, module_address): (&str, &str),
    parts: &[super::folds::Part],
) -> Vec<Resource> {
    use rayon::prelude::*;
    let mut settings = Settings::default();
    let (accounts, others): (Vec<One>, Vec<One>) = ones
        .into_iter()
        .partition(|one| one.kind == "aws_ecs_account_setting_default");
    for one in accounts {
        settings
            .settings
            .push(Node::new(Val::Object(one.members), one.header));
        settings.file = settings.file.or(Some(one.file));
    }
    let mut out: Vec<Resource> = others
        .into_par_iter()
        .filter_map(|one| one.build(prefix, module_address, parts))
        .collect();
    out.extend(settings.build(prefix, module_address));
    out
}

/// One instance of a resource of a type read, with its arguments: what a configuration
/// evaluates and what a plan lists.
pub struct One<'a> {
    pub kind: &'a str,
    /// Its address in its module (`aws_ecs_service.api["blue"]`).
    pub address: String,
    pub members: Vec<(String, Node)>,
    pub header: Option<At>,
    pub file: usize,
}

/// The account settings of a configuration: every `aws_ecs_account_setting_default` is one.
#[derive(Default)]
pub struct Settings {
    settings: Vec<Node>,
    file: Option<usize>,
}

impl One<'_> {
    /// The resource, its id `prefix` and address, completed by the `parts` that name it
    /// (account settings are [`build_all`]'s).
    fn build(
        mut self,
        prefix: &str,
        module_address: &str,
        parts: &[super::folds::Part],
    ) -> Option<Resource> {
        let &(kind_name, kind, root) = TYPES.iter().find(|(t, ..)| *t == self.kind)?;
        let id = format!("{prefix}{}", self.address);
        // The id the provider computes is the resource's own (what references to it are).
        self.members.retain(|(k, _)| k != "id");
        self.members
            .push(("id".into(), Node::string(id.clone(), self.header)));
        let mut names = vec![id.clone()];
        names.extend(
            self.members
                .iter()
                .find(|(k, _)| k == "name")
                .and_then(|(_, v)| text_of(v)),
        );
        super::folds::fold(kind_name, &names, parts, &mut self.members);
        if kind == ResourceKind::IamPolicy {
            self.members
                .push(("default_version_id".into(), Node::string("v1", self.header)));
        }
        let name = format!("{module_address}{}", self.address);
        Some(resource(
            kind,
            (id, name),
            kind_name,
            root,
            &self.members,
            (self.file, self.header),
        ))
    }
}

impl Settings {
    /// The account settings resource, when there are settings.
    pub fn build(self, prefix: &str, module_address: &str) -> Option<Resource> {
        let file = self.file?;
        let address = "aws_ecs_account_setting_default";
        let at = self.settings.first().and_then(|s| s.at);
        let members = vec![(
            "setting".to_string(),
            Node::new(Val::List(self.settings), at),
        )];
        let names = (
            format!("{prefix}{address}"),
            format!("{module_address}{address}"),
        );
        let root = "ecs.ListAccountSettingsResponse";
        Some(resource(
            ResourceKind::Account,
            names,
            address,
            root,
            &members,
            (file, at),
        ))
    }
}

/// A resource of `kind`, `(id, name)`, from the arguments of a resource of Terraform type
/// `kind_name` whose document has shape `root`, shown in `file` at `header`.
fn resource(
    kind: ResourceKind,
    (id, name): (String, String),
    kind_name: &str,
    root: &str,
    members: &[(String, Node)],
    (file, header): (usize, Option<At>),
) -> Resource {
    let mapped = mapping::map(kind_name, root, members, header);
    let (doc, map) = translate(root, &mapped);
    Resource::translated((kind, id, name), doc, (file, Vec::new()), Some(map))
}

/// Where a resource block is shown: `resource "aws_ecs_service" "api"`.
pub fn header_at(declared: &Declared<'_>) -> Option<super::value::At> {
    use hcl_edit::Span as _;
    if let Some(header) = &declared.header {
        return super::eval::at(declared.file, Some(header.clone()));
    }
    let start = declared.block.ident.span()?.start;
    let end = declared
        .block
        .labels
        .last()
        .and_then(|l| l.span())
        .map_or(start, |s| s.end);
    super::eval::at(declared.file, Some(start..end))
}

/// The mapped arguments translated to the API's types, with the origin map.
fn translate(root: &str, mapped: &Mapped) -> (Value, OriginMap) {
    let mut heard = Heard {
        mapped,
        map: OriginMap::with_capacity(mapped.places.len()),
    };
    if let Some((at, _)) = mapped.places.get(&PathKey::of(&[])) {
        heard.map.insert(Vec::new(), written(*at));
    }
    let doc = cfn_names::translate_shape(root, &mapped.value, &cfn_names::as_written, &mut heard)
        .unwrap_or_else(|| Value::Object(Default::default()));
    (doc, heard.map)
}

fn written(at: super::value::At) -> Written {
    Written {
        file: at.file,
        span: at.span,
        json: false,
    }
}

/// Hears the translation: where each node was written, and what is unknown.
struct Heard<'m> {
    mapped: &'m Mapped,
    map: OriginMap,
}

impl cfn_names::Sink for Heard<'_> {
    fn moved(&mut self, api: &[Step], mapped_path: &[Step], _: &Value) {
        if api.is_empty() {
            return;
        }
        if let Some((at, note)) = self.mapped.places.get(&PathKey::of(mapped_path)) {
            self.map.insert(api, written(*at));
            if let Some(note) = note {
                self.map.insert_note(api, note.to_string());
            }
        }
    }

    fn undecided(
        &mut self,
        api: &[Step],
        mapped_path: &[Step],
        _: &Value,
        branches: cfn_names::Branches,
    ) {
        let Some(unknown) = self.mapped.unknowns.get(&PathKey::of(mapped_path)) else {
            return;
        };
        let may_be = match (&unknown.shape, branches) {
            (UnknownShape::Branches { condition, .. }, Some([when_true, when_false])) => {
                MayBe::Branches {
                    condition: condition.clone(),
                    when_true,
                    when_false,
                }
            }
            (UnknownShape::Text(parts), _) => MayBe::Text(parts.clone()),
            _ => MayBe::Anything,
        };
        self.map.unknowns.push(Unknown {
            path: api.to_vec(),
            why: crate::model::unknown::Why::said(unknown.why.clone()),
            may_be,
        });
    }
}

/// The text of a node, when known.
pub fn text_of(node: &Node) -> Option<String> {
    match &node.value {
        Val::Unknown(_) => None,
        _ => node.as_text().map(|t| t.into_owned()),
    }
}
