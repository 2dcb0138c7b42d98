//! The normalized resource model: every input, whatever its shape, becomes a list of
//! [`Resource`]s that keep their raw API document and know where they came from.
//!
//! **Invariant:** the model holds raw API shapes (plus `_facts`), never a lossy typed copy: a new
//! field in the ECS API is visible to rules without touching this code.

pub mod facts;
pub mod iam;
pub mod index;
pub mod input;
pub mod kinds;
pub mod link;
pub mod origin;
pub mod text;
pub mod unknown;
pub mod vocabulary;

use crate::location::Step;
use serde_json::Value;
use std::fmt;

/// What a resource is. The set of kinds rules can be written for, plus the resources they link to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Account,
    TaskDefinition,
    Service,
    Cluster,
    CapacityProvider,
    AutoScalingGroup,
    IamRole,
    IamPolicy,
    Subnet,
    RouteTable,
    SecurityGroup,
    Vpc,
    InternetGateway,
    NatGateway,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 14] = [
        ResourceKind::Account,
        ResourceKind::TaskDefinition,
        ResourceKind::Service,
        ResourceKind::Cluster,
        ResourceKind::CapacityProvider,
        ResourceKind::AutoScalingGroup,
        ResourceKind::IamRole,
        ResourceKind::IamPolicy,
        ResourceKind::Subnet,
        ResourceKind::RouteTable,
        ResourceKind::SecurityGroup,
        ResourceKind::Vpc,
        ResourceKind::InternetGateway,
        ResourceKind::NatGateway,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Account => "account",
            ResourceKind::TaskDefinition => "task-definition",
            ResourceKind::Service => "service",
            ResourceKind::Cluster => "cluster",
            ResourceKind::CapacityProvider => "capacity-provider",
            ResourceKind::AutoScalingGroup => "auto-scaling-group",
            ResourceKind::IamRole => "iam-role",
            ResourceKind::IamPolicy => "iam-policy",
            ResourceKind::Subnet => "subnet",
            ResourceKind::RouteTable => "route-table",
            ResourceKind::SecurityGroup => "security-group",
            ResourceKind::Vpc => "vpc",
            ResourceKind::InternetGateway => "internet-gateway",
            ResourceKind::NatGateway => "nat-gateway",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a resource's document sits in its input file.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Index into the estate's files.
    pub file: usize,
    /// Path from the file's root to the resource document.
    pub base: Vec<Step>,
    /// Byte offset where the resource document starts, so locating inside it never rescans the file.
    pub start: usize,
    /// Parts of the document that come from elsewhere in the file, as (path in the document,
    /// path from the file root): `tags` beside `taskDefinition` in describe-task-definition
    /// output, or `settings[0]` for the lone `setting` of put-account-setting output.
    pub grafted: Vec<(Vec<Step>, Vec<Step>)>,
    /// Where each part was written, for a resource a source translated (a template): then
    /// `base`, `start` and `grafted` say nothing and this map decides (`origin::written_at`).
    pub map: Option<std::sync::Arc<origin::OriginMap>>,
}

/// One resource: its kind, identity, raw API document and provenance.
#[derive(Debug, Clone)]
pub struct Resource {
    pub kind: ResourceKind,
    /// The most stable identity known: an ARN when the input has one.
    pub id: String,
    /// A short name for messages (family:revision, service name, role name...).
    pub name: String,
    /// The raw API document, plus a `_facts` object added by linking.
    pub doc: Value,
    pub origin: Origin,
    /// True when the input held only part of the resource (a bare container-definition array):
    /// rules that need the rest say NotEvaluated.
    pub partial: bool,
    /// The document is not kept in memory (`doc` is null): it is parsed from the file when the
    /// resource is evaluated and dropped after. Task definitions are the bulk of an estate; this
    /// keeps memory to the file text plus what is being evaluated.
    pub deferred: bool,
    /// Rule ids waived by an `ecslint:ignore` tag on the resource.
    pub ignore: Vec<String>,
}

impl Resource {
    /// A resource a source translated (a template's, a configuration's): `(kind, id, name)`,
    /// its API document, where it is (`(file, base)`, the path of what it was translated from,
    /// empty when that is not one node) and the origin map the source filled.
    pub fn translated(
        (kind, id, name): (ResourceKind, String, String),
        doc: Value,
        (file, base): (usize, Vec<crate::location::Step>),
        map: Option<origin::OriginMap>,
    ) -> Resource {
        Resource {
            kind,
            id,
            name,
            doc,
            origin: Origin {
                file,
                base,
                start: 0,
                grafted: Vec::new(),
                map: map.map(|mut map| {
                    map.finish();
                    std::sync::Arc::new(map)
                }),
            },
            partial: false,
            deferred: false,
            ignore: Vec::new(),
        }
    }

    /// The resource's document: the kept one, or parsed from its file for a deferred resource.
    pub fn document(&self, files: &[SourceFile]) -> Value {
        self.document_with_tree(files).0
    }

    /// [`Resource::document`], and for a deferred resource the span tree of its text, read in
    /// the same pass (its findings are placed with it), when its text allows.
    pub fn document_with_tree(
        &self,
        files: &[SourceFile],
    ) -> (Value, Option<crate::location::SpanTree>) {
        if !self.deferred {
            return (self.doc.clone(), None);
        }
        let held = files[self.origin.file].text();
        let whole = held.as_str();
        let text = whole.as_bytes();
        // serde stops at the end of the value: no need to find where it ends first.
        let parse = |start: usize| {
            let mut deserializer = serde_json::Deserializer::from_slice(text.get(start..)?);
            <Value as serde::Deserialize>::deserialize(&mut deserializer).ok()
        };
        let (mut doc, tree) = match crate::location::SpanTree::parse(whole, self.origin.start) {
            Some((doc, tree, _)) => (doc, Some(tree)),
            None => (parse(self.origin.start).unwrap_or(Value::Null), None),
        };
        strip_nulls(&mut doc);
        for (prefix, from_root) in &self.origin.grafted {
            // Only whole top-level members are grafted into deferred documents.
            let [Step::Key(key)] = prefix.as_slice() else {
                continue;
            };
            let value =
                crate::location::locate(text, 0, from_root).and_then(|span| parse(span.start));
            if let (Value::Object(map), Some(value)) = (&mut doc, value)
                && !map.contains_key(key)
            {
                map.insert(key.clone(), value);
            }
        }
        (doc, tree)
    }
}

/// Removes object members whose value is null, recursively. The AWS CLI and many exported files
/// write every unset field as `null` (`"user": null`); for rules a null field is an absent one, and
/// an existence test such as `!@.user` must see it so.
pub fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, member| !member.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// The tag by which a resource waives rules for itself: `ecslint:ignore` = `SEC101,REL204`.
pub const IGNORE_TAG: &str = "ecslint:ignore";

/// The rule ids of an `ecslint:ignore` tag in a `tags`/`Tags` list (`key`/`Key`, `value`/`Value`).
pub fn ignore_tag(tags: Option<&Value>) -> Vec<String> {
    let mut rules = Vec::new();
    for tag in tags.and_then(Value::as_array).into_iter().flatten() {
        let key = tag
            .get("key")
            .or_else(|| tag.get("Key"))
            .and_then(Value::as_str);
        let value = tag
            .get("value")
            .or_else(|| tag.get("Value"))
            .and_then(Value::as_str);
        if let (Some(IGNORE_TAG), Some(value)) = (key, value) {
            rules.extend(
                value
                    .split([',', ' ', ':'])
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string),
            );
        }
    }
    rules
}

/// An input file as read: its display path and its text (BOM removed).
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    /// Read through [`SourceFile::text`]: held, or released and read again.
    text: text::FileText,
    /// The file started with a UTF-8 byte-order mark (removed from `text`; `fix` writes it back).
    pub had_bom: bool,
    /// What a live scan could not read, from a snapshot's `ecslintSnapshot.collectionErrors`.
    pub collection_errors: Vec<String>,
    /// The account a snapshot was read from (`ecslintSnapshot.account`).
    pub account: Option<String>,
    /// The path the file was read from (`path` is only how it is shown); none for stdin.
    pub source: Option<std::path::PathBuf>,
    /// The device and inode of the file when it was read (Unix): which file it is, known
    /// without asking the system again.
    pub identity: Option<FileIdentity>,
    /// What a CloudFormation template exports (`Outputs.*.Export.Name`), with the value as
    /// resolved (a resource's token when it names one), for the templates that import it.
    pub exports: Vec<(String, Value)>,
    /// The nested stacks a CloudFormation template declares, with what it passes them.
    pub nested: Vec<NestedStack>,
    /// The file is `terraform show -json` output (a plan or a state).
    pub terraform_plan: bool,
    /// Made when a finding is first placed in the file; released with its text (4 bytes a
    /// line: 80 MB for 100,000 task definition files).
    line_index: std::sync::RwLock<Option<std::sync::Arc<crate::location::LineIndex>>>,
}

/// A file's device and inode.
pub type FileIdentity = (u64, u64);

/// A nested stack a template declares (`AWS::CloudFormation::Stack`): its template's file,
/// relative to the declaring template's folder, the parameter values the parent decides, and
/// why it does not decide the others it passes.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedStack {
    pub template: String,
    pub parameters: std::collections::BTreeMap<String, String>,
    pub undecided: std::collections::BTreeMap<String, String>,
}

impl SourceFile {
    pub fn new(path: String, text: String) -> Self {
        SourceFile {
            path,
            text: text::FileText::new(text),
            had_bom: false,
            collection_errors: Vec::new(),
            account: None,
            source: None,
            identity: None,
            exports: Vec::new(),
            nested: Vec::new(),
            terraform_plan: false,
            line_index: std::sync::RwLock::new(None),
        }
    }

    /// The file's text (BOM removed).
    pub fn text(&self) -> std::sync::Arc<String> {
        self.text.get()
    }

    /// Its display path and text, taken out of the file (for an error that quotes it).
    pub fn into_path_and_text(self) -> (String, String) {
        (self.path, self.text.into_string())
    }

    /// Lets the text be released ([`SourceFile::release_text`]): `again` reads it back.
    pub fn read_again_with(&mut self, again: text::ReadAgain) {
        self.text.read_again_with(again);
    }

    /// Releases the text and its line index, when the text can be read again: for a file whose
    /// task definitions are all evaluated, in a run that does not edit its files.
    pub fn release_text(&self) {
        if self.text.release() {
            *self.line_index.write().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// Whether the text is in memory (not released).
    pub fn text_is_held(&self) -> bool {
        self.text.is_held()
    }

    /// Where `offset` is in the file: by its line index, or, when it was released with the
    /// text, by scanning the text before it (a SARIF fix of a released file needs two places,
    /// not an index).
    pub fn line_col(&self, offset: usize) -> crate::location::LineCol {
        let text = self.text();
        let kept = self
            .line_index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match kept {
            Some(index) => index.line_col(text.as_bytes(), offset),
            None if !self.text_is_held() => {
                crate::location::LineCol::scanned(text.as_bytes(), offset)
            }
            None => self.line_index().line_col(text.as_bytes(), offset),
        }
    }

    /// Where the file's lines start: made once (again after its text was released).
    pub fn line_index(&self) -> std::sync::Arc<crate::location::LineIndex> {
        let made = self.line_index.read().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = made.as_ref() {
            return std::sync::Arc::clone(index);
        }
        drop(made);
        let index = crate::location::LineIndex::new(self.text().as_bytes());
        let mut made = self.line_index.write().unwrap_or_else(|e| e.into_inner());
        std::sync::Arc::clone(made.get_or_insert_with(|| std::sync::Arc::new(index)))
    }
}

/// All resources of one run, with the files they came from.
#[derive(Debug, Default)]
pub struct Estate {
    pub files: Vec<SourceFile>,
    pub resources: Vec<Resource>,
    /// Links between resources, filled by [`link::link`] (empty for deferred resources, whose
    /// links are computed when they are evaluated).
    pub links: Vec<link::Links>,
    pub index: Option<link::Index>,
}

impl Estate {
    /// Adds a file and the resources read from it (their origin set to it).
    pub fn add_file(&mut self, file: SourceFile, mut resources: Vec<Resource>) {
        let index = self.files.len();
        for resource in &mut resources {
            // A translated resource's map names the file by the index it was read under.
            if let Some(map) = &mut resource.origin.map {
                std::sync::Arc::make_mut(map).refile(resource.origin.file, index);
            }
            resource.origin.file = index;
        }
        self.files.push(file);
        self.resources.extend(resources);
    }

    /// Adds files read together (a Terraform configuration) and their resources, whose
    /// origins number those files from 0 in the order given.
    pub fn add_files(&mut self, files: Vec<SourceFile>, mut resources: Vec<Resource>) {
        let base = self.files.len();
        for resource in &mut resources {
            if let Some(map) = &mut resource.origin.map {
                std::sync::Arc::make_mut(map).shift_files(base);
            }
            resource.origin.file += base;
        }
        self.files.extend(files);
        self.resources.extend(resources);
    }

    pub fn of_kind(&self, kind: ResourceKind) -> impl Iterator<Item = (usize, &Resource)> {
        self.resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.kind == kind)
    }
}

/// Reads a string member.
pub fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The account of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:…`); None for other text and
/// for ARNs without one (S3 buckets, AWS managed policies).
pub fn arn_account(arn: &str) -> Option<&str> {
    // `arn:partition:service:region:account[:resource]`: the account is the fifth field. Found
    // by its colons in one loop; splitting cost ~500 instructions, called for every finding.
    let rest = arn.strip_prefix("arn:")?;
    let mut colons = rest.bytes().enumerate().filter(|(_, b)| *b == b':');
    let start = colons.nth(2)?.0 + 1;
    let end = colons.next().map_or(rest.len(), |(i, _)| i);
    Some(&rest[start..end]).filter(|a| !a.is_empty())
}

/// The account id an ARN names, when it names one: twelve digits (`${AWS_ACCOUNT_ID}` in a
/// templated file is not one, nor `aws` in an AWS managed policy's).
pub fn arn_account_id(arn: &str) -> Option<&str> {
    arn_account(arn).filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

/// The account a resource belongs to: its ARN's, else that of the snapshot it was read from.
pub fn account_of<'a>(resource: &'a Resource, files: &'a [SourceFile]) -> Option<&'a str> {
    arn_account(&resource.id).or_else(|| files.get(resource.origin.file)?.account.as_deref())
}

/// The name of an Auto Scaling group named by ARN or by name: a group's name may hold `/` and
/// `:`, so it is what follows `:autoScalingGroupName/` in its ARN.
pub fn auto_scaling_group_name(reference: &str) -> &str {
    reference
        .split_once(":autoScalingGroupName/")
        .map_or(reference, |(_, name)| name)
}

/// The last segment of an ARN's resource part (`arn:aws:iam::1:role/path/name` → `name`).
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::{arn_account, auto_scaling_group_name};

    #[test]
    fn an_arn_names_the_account_of_its_fifth_field() {
        fn split(arn: &str) -> Option<&str> {
            let mut parts = arn.split(':');
            (parts.next() == Some("arn"))
                .then(|| parts.nth(3))
                .flatten()
                .filter(|a| !a.is_empty())
        }
        for arn in [
            "arn:aws:iam::111122223333:role/web",
            "arn:aws:ecs:eu-west-1:111122223333:task-definition/web:7",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::111122223333",
            "arn:aws:iam::",
            "arn:aws:iam",
            "arn:",
            "arn",
            "",
            "nra:aws:iam::111122223333:role/x",
            "arn:aws-cn:ecs:cn-north-1:${AWS_ACCOUNT_ID}:cluster/a",
            "arn::::",
            "arn::::x:",
        ] {
            assert_eq!(arn_account(arn), split(arn), "{arn}");
        }
    }

    #[test]
    fn a_group_is_named_by_its_arn_or_its_name() {
        assert_eq!(
            auto_scaling_group_name(
                "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:6f5a:autoScalingGroupName/ecs/prod:a"
            ),
            "ecs/prod:a"
        );
        assert_eq!(auto_scaling_group_name("prod-ondemand"), "prod-ondemand");
    }
}
