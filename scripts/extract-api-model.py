#!/usr/bin/env python3
"""Writes data/aws-api-model.json: the shapes of the AWS API documents ecslint reads, cut from
botocore's service models, so a test can check that every field a fixture uses exists in the API.

Usage: scripts/extract-api-model.py BOTOCORE_DATA_DIR > data/aws-api-model.json
(BOTOCORE_DATA_DIR is botocore/data from the botocore wheel: `pip download --no-deps botocore`.)
"""
import gzip, json, os, sys

ROOTS = {
    "ecs": ["TaskDefinition", "RegisterTaskDefinitionRequest", "ContainerDefinition", "DescribeTaskDefinitionResponse",
            "Service", "CreateServiceRequest", "DescribeServicesResponse", "Cluster", "DescribeClustersResponse",
            "CapacityProvider", "DescribeCapacityProvidersResponse", "ListAccountSettingsResponse"],
    "iam": ["GetAccountAuthorizationDetailsResponse", "GetRoleResponse", "GetRolePolicyResponse", "GetPolicyResponse",
            "GetPolicyVersionResponse"],
    "ec2": ["DescribeSubnetsResult", "DescribeRouteTablesResult", "DescribeSecurityGroupsResult", "DescribeVpcsResult",
            "DescribeInternetGatewaysResult", "DescribeNatGatewaysResult"],
    "autoscaling": ["AutoScalingGroupsType", "CreateAutoScalingGroupType"],
}

def load(data_dir, service):
    folder = os.path.join(data_dir, service)
    version = sorted(os.listdir(folder))[-1]
    path = os.path.join(folder, version, "service-2.json")
    opener = gzip.open if not os.path.exists(path) else open
    path = path if os.path.exists(path) else path + ".gz"
    with opener(path, "rt") as f:
        return json.load(f)

def main():
    data_dir = sys.argv[1]
    out = {"source": "botocore service models (service-2.json) for ecs, iam, ec2 and autoscaling", "shapes": {}}
    for service, roots in ROOTS.items():
        model = load(data_dir, service)
        shapes = model["shapes"]
        todo = list(roots)
        while todo:
            name = todo.pop()
            key = f"{service}.{name}"
            if key in out["shapes"]:
                continue
            shape = shapes[name]
            kind = shape["type"]
            entry = {"type": kind}
            if kind == "structure":
                entry["members"] = {m: f"{service}.{ref['shape']}" for m, ref in shape["members"].items()}
                todo.extend(ref["shape"] for ref in shape["members"].values())
            elif kind == "list":
                entry["member"] = f"{service}.{shape['member']['shape']}"
                todo.append(shape["member"]["shape"])
            elif kind == "map":
                entry["value"] = f"{service}.{shape['value']['shape']}"
                todo.append(shape["value"]["shape"])
            elif "enum" in shape:
                entry["enum"] = shape["enum"]
            out["shapes"][key] = entry
    out["shapes"] = dict(sorted(out["shapes"].items()))
    json.dump(out, sys.stdout, indent=0, sort_keys=False)
    sys.stdout.write("\n")

main()
