//! `data/terraform-mapping.toml`, the exceptions to "an argument is the API member of its
//! camelCase name": every entry names a member of the API model (botocore's), step by step
//! from the resource's API shape, and converts with a conversion the mapping knows.

use ecslint::sources::api_model::{self, element_shape, shape_type};
use ecslint::sources::terraform::{TYPES, mapping};

/// The shape at the end of a dotted member path from `shape`, lists stepped through.
fn walk(shape: &str, path: &str) -> Option<&'static str> {
    let mut current: &'static str = "";
    let mut at = shape.to_string();
    for name in path.split('.') {
        current = api_model::shape(&at)?.member(name)?;
        at = current.to_string();
        while shape_type(&at) == Some("list") {
            at = element_shape(&at).to_string();
        }
    }
    Some(current)
}

/// The API shape an argument path (provider names) is at: each step by the mapping's entry
/// for the path so far, else by name.
fn argument_shape(kind: &str, root: &str, argument: &str) -> Option<String> {
    let rules = mapping::RULES.get(kind)?;
    let steps: Vec<&str> = argument.split('.').collect();
    let mut shape = root.to_string();
    for i in 0..steps.len() {
        let so_far = steps[..=i].join(".");
        let next = match rules.get(&so_far) {
            Some(rule) if i + 1 == steps.len() => {
                return walk(&shape, rule.api()).map(str::to_string);
            }
            Some(rule) => walk(&shape, rule.api())?,
            None => {
                let (_, member_shape) = mapping::member_of(&shape, steps[i])?;
                member_shape
            }
        };
        shape = next.to_string();
        while shape_type(&shape) == Some("list") {
            shape = element_shape(&shape).to_string();
        }
    }
    Some(shape)
}

#[test]
fn every_exception_names_a_member_of_the_api_model() {
    let mut checked = 0;
    for (kind, rules) in mapping::RULES.iter() {
        let Some(&(_, _, root)) = TYPES.iter().find(|(t, ..)| t == kind) else {
            panic!("{kind}: not a type ecslint reads");
        };
        for (argument, rule) in rules {
            if rule.api().is_empty() {
                continue;
            }
            assert!(
                argument_shape(kind, root, argument).is_some(),
                "{kind}.{argument} -> {}: no such member in {root}",
                rule.api()
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} entries checked");
    assert_eq!(
        mapping::RULES.len(),
        TYPES.len(),
        "an entry table per type read"
    );
}

#[test]
fn arguments_named_like_the_api_need_no_entry() {
    // The provider's documented arguments, by their API names through the model.
    let cases = [
        (
            "ecs.RegisterTaskDefinitionRequest",
            "network_mode",
            "networkMode",
        ),
        ("ecs.RegisterTaskDefinitionRequest", "volume", "volumes"),
        (
            "ecs.RegisterTaskDefinitionRequest",
            "requires_compatibilities",
            "requiresCompatibilities",
        ),
        (
            "ecs.EFSVolumeConfiguration",
            "file_system_id",
            "fileSystemId",
        ),
        ("ecs.EphemeralStorage", "size_in_gib", "sizeInGiB"),
        ("ecs.Cluster", "setting", "settings"),
        ("ecs.CreateServiceRequest", "load_balancer", "loadBalancers"),
        (
            "ecs.CreateServiceRequest",
            "capacity_provider_strategy",
            "capacityProviderStrategy",
        ),
        (
            "ecs.CreateServiceRequest",
            "enable_execute_command",
            "enableExecuteCommand",
        ),
        (
            "ecs.ExecuteCommandLogConfiguration",
            "cloud_watch_encryption_enabled",
            "cloudWatchEncryptionEnabled",
        ),
        (
            "autoscaling.CreateAutoScalingGroupType",
            "vpc_zone_identifier",
            "VPCZoneIdentifier",
        ),
        ("autoscaling.CreateAutoScalingGroupType", "tag", "Tags"),
    ];
    for (shape, argument, member) in cases {
        let found = mapping::member_of(shape, argument).map(|(name, _)| name);
        assert_eq!(found.as_deref(), Some(member), "{shape}.{argument}");
    }
    assert_eq!(
        mapping::member_of("ecs.CreateServiceRequest", "wait_for_steady_state"),
        None
    );
}
