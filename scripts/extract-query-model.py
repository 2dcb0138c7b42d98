#!/usr/bin/env python3
"""Writes src/sources/live/query-model.json: for the IAM, EC2 and Auto Scaling operations a live scan calls, the
output shapes and their XML element names, cut from botocore's service models. The live source
uses it to turn those services' XML responses into the JSON the AWS CLI prints, without a
hand-written mapping per field.

Usage: scripts/extract-query-model.py BOTOCORE_DATA_DIR > src/sources/live/query-model.json
(BOTOCORE_DATA_DIR is botocore/data from the botocore wheel: `pip download --no-deps botocore`.)
"""
import gzip, json, os, sys

OPERATIONS = {
    "iam": ["GetAccountAuthorizationDetails", "GetRole", "GetRolePolicy", "ListRolePolicies",
            "ListAttachedRolePolicies", "GetPolicy", "GetPolicyVersion"],
    "ec2": ["DescribeSubnets", "DescribeRouteTables", "DescribeSecurityGroups", "DescribeVpcs",
            "DescribeInternetGateways", "DescribeNatGateways"],
    "autoscaling": ["DescribeAutoScalingGroups"],
}


def load(data_dir, service):
    folder = os.path.join(data_dir, service)
    version = sorted(os.listdir(folder))[-1]
    path = os.path.join(folder, version, "service-2.json")
    if os.path.exists(path):
        return json.load(open(path))
    return json.load(gzip.open(path + ".gz", "rt"))


def main():
    data_dir = sys.argv[1]
    out = {"operations": {}, "shapes": {}}
    for service, operations in OPERATIONS.items():
        model = load(data_dir, service)
        shapes = model["shapes"]
        todo = []
        for op in operations:
            output = model["operations"][op]["output"]
            out["operations"][f"{service}:{op}"] = {
                "shape": f"{service}.{output['shape']}",
                "wrapper": output.get("resultWrapper"),
            }
            todo.append(output["shape"])
        while todo:
            name = todo.pop()
            key = f"{service}.{name}"
            if key in out["shapes"]:
                continue
            shape = shapes[name]
            kind = shape["type"]
            entry = {"type": kind}
            if kind == "structure":
                entry["members"] = {
                    member: [f"{service}.{ref['shape']}", ref.get("locationName", member)]
                    for member, ref in shape["members"].items()
                }
                todo.extend(ref["shape"] for ref in shape["members"].values())
            elif kind == "list":
                entry["member"] = f"{service}.{shape['member']['shape']}"
                entry["item"] = shape["member"].get("locationName", "item" if service == "ec2" else "member")
                entry["flattened"] = shape.get("flattened", False)
                todo.append(shape["member"]["shape"])
            elif kind == "map":
                entry["value"] = f"{service}.{shape['value']['shape']}"
                todo.append(shape["value"]["shape"])
            out["shapes"][key] = entry
    out["shapes"] = dict(sorted(out["shapes"].items()))
    json.dump(out, sys.stdout, indent=0)
    sys.stdout.write("\n")


main()
