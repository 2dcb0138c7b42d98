//! The EC2 reader: the subnets and security groups services use, with their VPCs' routes.

use super::capture::{Capture, Collected, take_xml};
use super::client::{Scope, short_error};
use crate::model::ResourceKind;
use serde_json::Value;
use std::collections::BTreeSet;

/// The subnets and security groups services use, with their VPCs' route tables.
pub(super) async fn collect_network(scope: &Scope, out: &mut Collected) {
    use aws_sdk_ec2::types::Filter;
    let references = |key: &str| -> Vec<String> {
        let pointer = format!("/networkConfiguration/awsvpcConfiguration/{key}");
        out.of(ResourceKind::Service)
            .iter()
            .filter_map(|s| s.pointer(&pointer).and_then(Value::as_array))
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let (subnet_ids, group_ids) = (references("subnets"), references("securityGroups"));
    let ec2 = scope.ec2();
    if !subnet_ids.is_empty() {
        let request = ec2.describe_subnets().set_subnet_ids(Some(subnet_ids));
        described!(
            out,
            "ec2:DescribeSubnets",
            request,
            &[ResourceKind::Subnet],
            "subnets"
        );
    }
    if !group_ids.is_empty() {
        let request = ec2
            .describe_security_groups()
            .set_group_ids(Some(group_ids));
        described!(
            out,
            "ec2:DescribeSecurityGroups",
            request,
            &[ResourceKind::SecurityGroup],
            "security groups"
        );
    }
    let vpc_ids: Vec<String> = out
        .of(ResourceKind::Subnet)
        .iter()
        .filter_map(|s| s.get("VpcId").and_then(Value::as_str).map(str::to_string))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if vpc_ids.is_empty() {
        return;
    }
    // Every route table of those VPCs: explicit subnet associations and the main tables.
    let by_vpc = |name: &str| {
        Filter::builder()
            .name(name)
            .set_values(Some(vpc_ids.clone()))
            .build()
    };
    described_pages!(
        out,
        "ec2:DescribeRouteTables",
        ec2.describe_route_tables().filters(by_vpc("vpc-id")),
        &[ResourceKind::RouteTable],
        "route tables"
    );
    // The gateways the route tables point at, and the VPCs.
    let request = ec2
        .describe_internet_gateways()
        .filters(by_vpc("attachment.vpc-id"));
    described!(
        out,
        "ec2:DescribeInternetGateways",
        request,
        &[ResourceKind::InternetGateway],
        "internet gateways"
    );
    let request = ec2.describe_nat_gateways().filter(by_vpc("vpc-id"));
    described!(
        out,
        "ec2:DescribeNatGateways",
        request,
        &[ResourceKind::NatGateway],
        "NAT gateways"
    );
    let request = ec2.describe_vpcs().set_vpc_ids(Some(vpc_ids.clone()));
    described!(
        out,
        "ec2:DescribeVpcs",
        request,
        &[ResourceKind::Vpc],
        "VPCs"
    );
}
