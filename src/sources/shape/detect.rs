//! Shape detection: which AWS documents a parsed JSON file holds.
//!
//! The kinds' collection and single keys, and the members that tell a resource from a
//! look-alike, are rows of `model::kinds`; the request shapes are below. A key alone is not enough: `services`, `cluster` or
//! `settings` also appear in files that are not ECS documents (docker-compose, editor settings,
//! the inputs of other CLI calls), so a collection counts only when its elements look like the
//! resource. A file may hold several collections at once (ecslint's own snapshot does).

use super::{ShapeError, element_resource, type_error, type_name};
use crate::location::{self, Step, element_starts};
use crate::model::kinds::{KINDS, collections};
use crate::model::{Resource, ResourceKind};
use serde_json::{Map, Value};

/// The members of a CreateService request (and of the service it describes) other than its
/// name: `serviceName` plus one of these is create-service input.
const SERVICE_MEMBERS: &[&str] = &[
    "cluster",
    "taskDefinition",
    "availabilityZoneRebalancing",
    "loadBalancers",
    "serviceRegistries",
    "desiredCount",
    "clientToken",
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "role",
    "deploymentConfiguration",
    "placementConstraints",
    "placementStrategy",
    "networkConfiguration",
    "healthCheckGracePeriodSeconds",
    "schedulingStrategy",
    "deploymentController",
    "tags",
    "enableECSManagedTags",
    "propagateTags",
    "enableExecuteCommand",
    "serviceConnectConfiguration",
    "volumeConfigurations",
    "vpcLatticeConfigurations",
    "serviceArn",
    "status",
];

/// Members that exist on services alone (not on run-task or create-task-set input): two of them
/// tell an ecspresso service definition, whose name and cluster live in the tool's config.
const SERVICE_ONLY: &[&str] = &[
    "desiredCount",
    "deploymentConfiguration",
    "deploymentController",
    "schedulingStrategy",
    "healthCheckGracePeriodSeconds",
    "enableExecuteCommand",
    "enableECSManagedTags",
    "serviceRegistries",
    "serviceConnectConfiguration",
    "placementStrategy",
];

/// Members that an element of a bare container-definition array has besides `name`.
const CONTAINER_MEMBERS: &[&str] = &[
    "essential",
    "portMappings",
    "environment",
    "secrets",
    "logConfiguration",
    "command",
    "entryPoint",
    "memory",
    "memoryReservation",
    "cpu",
    "healthCheck",
    "mountPoints",
];

type Whole<'a> = &'a dyn Fn(ResourceKind, Value, bool) -> Resource;

pub(super) fn detect(
    file: usize,
    bytes: &[u8],
    root_start: usize,
    root: Value,
    whole: Whole<'_>,
    members: Option<&[(String, usize)]>,
) -> Result<Vec<Resource>, ShapeError> {
    let object = match root {
        Value::Object(object) => object,
        Value::Array(items) => return container_array(items, whole),
        other => {
            return Err(ShapeError::unrecognized(format!(
                "expected a JSON object or array, found {}",
                type_name(&other)
            )));
        }
    };
    if let Some(kind) = single_document(&object) {
        return Ok(vec![whole(kind?, Value::Object(object), false)]);
    }
    // Where each top-level member starts, in one pass (a snapshot's first member may be a
    // 100 MB array that must not be skipped again for every other member).
    let scanned;
    let members = match members {
        Some(members) => members,
        None => {
            scanned = location::top_level_members(bytes).unwrap_or_default();
            &scanned[..]
        }
    };
    let member_start = |key: &str| {
        members
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, start)| *start)
    };
    let mut found = Found {
        object,
        resources: Vec::new(),
        recognized: false,
    };
    found.singles(file, root_start, whole, &member_start)?;
    found.collections(file, bytes, root_start, &member_start)?;
    found.account_settings(file, bytes, root_start, whole, &member_start)?;
    let Found {
        object,
        resources,
        recognized,
    } = found;
    if !recognized && !object.contains_key("failures") {
        let keys: Vec<&str> = object.keys().map(String::as_str).take(8).collect();
        let hint = if object.contains_key("Resources") {
            " (a CloudFormation template or an AppSpec file: not read yet)"
        } else {
            ""
        };
        return Err(ShapeError::unrecognized(format!(
            "not a known ECS, IAM or EC2 document shape{hint} (top-level keys: {})",
            if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            }
        )));
    }
    Ok(resources)
}

/// A bare container-definition array (Terraform's `container_definitions`).
fn container_array(items: Vec<Value>, whole: Whole<'_>) -> Result<Vec<Resource>, ShapeError> {
    let is_container = |c: &Value| {
        c.get("image").is_some()
            || (c.get("name").is_some() && CONTAINER_MEMBERS.iter().any(|k| c.get(*k).is_some()))
    };
    if items.is_empty() || !items.iter().all(is_container) {
        return Err(ShapeError::unrecognized(
            "a JSON array that is not a list of container definitions \
             (each element needs \"image\", or \"name\" and another container field)"
                .into(),
        ));
    }
    // The task-level fields live elsewhere (in the Terraform resource).
    let doc = serde_json::json!({ "containerDefinitions": items });
    let mut resource = whole(ResourceKind::TaskDefinition, doc, true);
    resource.origin.grafted = vec![(vec![Step::Key("containerDefinitions".into())], Vec::new())];
    Ok(vec![resource])
}

/// The kind of a file that is one task definition or one service at its root.
fn single_document(object: &Map<String, Value>) -> Option<Result<ResourceKind, ShapeError>> {
    let has = |key: &str| object.contains_key(key);
    let reference_or_absent = |key: &str| object.get(key).is_none_or(Value::is_string);
    if has("containerDefinitions") && !has("taskDefinitions") {
        if let Some(other) = object.get("containerDefinitions").filter(|v| !v.is_array()) {
            return Some(Err(type_error("containerDefinitions", "an array", other)));
        }
        return Some(Ok(ResourceKind::TaskDefinition));
    }
    let collection = collections().any(|(_, key)| has(key));
    // create-service input: a name and at least one other member of the request.
    if object.get("serviceName").is_some_and(Value::is_string)
        && !collection
        && SERVICE_MEMBERS.iter().any(|k| has(k))
        && reference_or_absent("cluster")
        && reference_or_absent("taskDefinition")
    {
        return Some(Ok(ResourceKind::Service));
    }
    // ecspresso's service definition, or update-service input (named by `service`). Task sets
    // (`externalId`) and run-task input have too few service-only members.
    let service_only = SERVICE_ONLY.iter().filter(|k| has(k)).count();
    if service_only >= 2
        && !collection
        && !has("externalId")
        && ["cluster", "service", "taskDefinition"]
            .iter()
            .all(|k| reference_or_absent(k))
    {
        return Some(Ok(ResourceKind::Service));
    }
    None
}

/// What detection has taken from the root object so far.
struct Found {
    object: Map<String, Value>,
    resources: Vec<Resource>,
    /// A member of a known shape was seen (even an empty collection).
    recognized: bool,
}

type MemberStart<'a> = &'a dyn Fn(&str) -> Option<usize>;

fn has_any(value: &Value, keys: &[&str]) -> bool {
    keys.iter().any(|k| value.get(*k).is_some())
}

impl Found {
    fn singles(
        &mut self,
        file: usize,
        root_start: usize,
        whole: Whole<'_>,
        member_start: MemberStart<'_>,
    ) -> Result<(), ShapeError> {
        if self.object.contains_key("RoleName") && self.object.contains_key("PolicyDocument") {
            // get-role-policy output: an inline policy of a role.
            let doc = Value::Object(std::mem::take(&mut self.object));
            self.resources
                .push(whole(ResourceKind::IamPolicy, doc, false));
            self.recognized = true;
            return Ok(());
        }
        let singles = KINDS
            .iter()
            .flat_map(|spec| spec.singles.iter().map(move |key| (*key, spec)));
        for (key, spec) in singles {
            let kind = spec.kind;
            let Some(value) = self.object.get(key) else {
                continue;
            };
            if !value.is_object() || !has_any(value, spec.identity) {
                continue;
            }
            self.recognized = true;
            let path = vec![Step::Key(key.into())];
            let start = member_start(key).unwrap_or(root_start);
            let mut doc = self.object.shift_remove(key).unwrap_or_default();
            let mut grafted = Vec::new();
            // describe-task-definition puts tags beside the task definition.
            if kind == ResourceKind::TaskDefinition
                && let (Some(tags), Value::Object(map)) = (self.object.get("tags"), &mut doc)
                && !map.contains_key("tags")
            {
                map.insert("tags".into(), tags.clone());
                let tags_path = vec![Step::Key("tags".into())];
                grafted.push((tags_path.clone(), tags_path));
            }
            let mut resource = element_resource(kind, doc, file, path, start);
            resource.origin.grafted = grafted;
            self.resources.push(resource);
        }
        Ok(())
    }

    fn collections(
        &mut self,
        file: usize,
        bytes: &[u8],
        root_start: usize,
        member_start: MemberStart<'_>,
    ) -> Result<(), ShapeError> {
        for (spec, key) in collections() {
            // A snapshot's task definitions are read apart (deferred); the member marks the shape.
            if spec.kind == ResourceKind::TaskDefinition {
                self.recognized |= self.object.contains_key(key);
                continue;
            }
            let Some(Value::Array(items)) = self.object.get(key) else {
                continue;
            };
            // `"services": ["api"]` is describe-services input, not output.
            if !items.is_empty() && !items.iter().any(|item| has_any(item, spec.identity)) {
                continue;
            }
            if let Some(index) = items.iter().position(|item| !item.is_object()) {
                return Err(ShapeError {
                    offset: None,
                    path: vec![Step::Key(key.into()), Step::Index(index)],
                    reason: format!(
                        "expected an object in \"{key}\", found {}",
                        type_name(&items[index])
                    ),
                    unrecognized: false,
                });
            }
            self.recognized = true;
            let Some(Value::Array(items)) = self.object.get_mut(key).map(Value::take) else {
                continue;
            };
            let starts = member_start(key)
                .map(|start| element_starts(bytes, start))
                .unwrap_or_default();
            for (index, item) in items.into_iter().enumerate() {
                let base = vec![Step::Key(key.into()), Step::Index(index)];
                let start = starts.get(index).copied().unwrap_or(root_start);
                self.resources
                    .push(element_resource(spec.kind, item, file, base, start));
            }
        }
        Ok(())
    }

    /// list-account-settings output (`settings`), put-account-setting output (`setting`), and a
    /// merged snapshot's `regionalSettings`. The account is one resource made of its settings;
    /// in a snapshot they are one region's, and the region goes with them.
    fn account_settings(
        &mut self,
        file: usize,
        bytes: &[u8],
        root_start: usize,
        whole: Whole<'_>,
        member_start: MemberStart<'_>,
    ) -> Result<(), ShapeError> {
        let snapshot_region = self
            .object
            .get("ecslintSnapshot")
            .and_then(|meta| meta.get("region"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let is_setting = |s: &Value| s.get("name").is_some_and(Value::is_string);
        if let Some(Value::Array(settings)) = self.object.get_mut("settings")
            && settings.iter().all(is_setting)
        {
            self.recognized = true;
            let mut doc = serde_json::json!({ "settings": std::mem::take(settings) });
            if let Some(region) = snapshot_region {
                doc["region"] = Value::String(region);
            }
            self.resources
                .push(whole(ResourceKind::Account, doc, false));
        } else if let Some(setting) = self.object.get("setting").filter(|s| is_setting(s)) {
            self.recognized = true;
            let doc = serde_json::json!({ "settings": [setting.clone()] });
            let mut resource = whole(ResourceKind::Account, doc, false);
            resource.origin.grafted = vec![(
                vec![Step::Key("settings".into()), Step::Index(0)],
                vec![Step::Key("setting".into())],
            )];
            self.resources.push(resource);
        }
        let Some(regional) = self.object.get_mut("regionalSettings") else {
            return Ok(());
        };
        let Value::Array(items) = regional.take() else {
            return Err(type_error(
                "regionalSettings",
                "an array",
                &self.object["regionalSettings"],
            ));
        };
        self.recognized = true;
        let starts = member_start("regionalSettings")
            .map(|start| element_starts(bytes, start))
            .unwrap_or_default();
        for (index, item) in items.into_iter().enumerate() {
            let base = vec![Step::Key("regionalSettings".into()), Step::Index(index)];
            if !item.get("settings").is_some_and(Value::is_array) {
                return Err(ShapeError {
                    offset: None,
                    path: base,
                    reason: "expected {\"account\", \"region\", \"settings\": [...]}".into(),
                    unrecognized: false,
                });
            }
            let start = starts.get(index).copied().unwrap_or(root_start);
            self.resources.push(element_resource(
                ResourceKind::Account,
                item,
                file,
                base,
                start,
            ));
        }
        Ok(())
    }
}
