//! The Auto Scaling reader: the groups capacity providers name, for the rules that judge a
//! capacity provider with its group (managed termination protection needs the group's scale-in
//! protection).

use super::capture::{Capture, Collected, take_xml};
use super::client::{Scope, short_error};
use crate::model::{ResourceKind, auto_scaling_group_name};
use serde_json::Value;
use std::collections::BTreeSet;

/// DescribeAutoScalingGroups takes at most 50 names a call.
const NAMES_PER_CALL: usize = 50;

/// The Auto Scaling groups of this region's capacity providers.
pub(super) async fn collect_groups(scope: &Scope, out: &mut Collected) {
    let names: Vec<String> = out
        .of(ResourceKind::CapacityProvider)
        .iter()
        .filter_map(|p| p.pointer("/autoScalingGroupProvider/autoScalingGroupArn"))
        .filter_map(Value::as_str)
        .map(|reference| auto_scaling_group_name(reference).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if names.is_empty() {
        return;
    }
    let client = scope.autoscaling();
    for chunk in names.chunks(NAMES_PER_CALL) {
        described_pages!(
            out,
            "autoscaling:DescribeAutoScalingGroups",
            client
                .describe_auto_scaling_groups()
                .set_auto_scaling_group_names(Some(chunk.to_vec())),
            &[ResourceKind::AutoScalingGroup],
            "Auto Scaling groups"
        );
    }
}
