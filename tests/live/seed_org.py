"""Seeds moto's server with an AWS Organization of three accounts, each with a small ECS estate in
two regions, through boto3 (member accounts entered with STS AssumeRole, as ecslint does).
Usage: seed_org.py ENDPOINT  -> prints {"management": ID, "members": {NAME: ID}} as JSON"""
import json
import sys

import boto3

endpoint = sys.argv[1]
base = dict(endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test")
org = boto3.client("organizations", region_name="us-east-1", **base)
org.create_organization(FeatureSet="ALL")
management = boto3.client("sts", region_name="us-east-1", **base).get_caller_identity()["Account"]
members = {}
for name in ("payments", "search"):
    status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
    members[name] = status["AccountId"]
# A suspended account is not read.
closed = org.create_account(AccountName="closed", Email="closed@example.com")["CreateAccountStatus"]["AccountId"]
org.close_account(AccountId=closed)


def clients(account, region):
    if account == management:
        creds = dict(aws_access_key_id="test", aws_secret_access_key="test")
    else:
        sts = boto3.client("sts", region_name="us-east-1", **base)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                            RoleSessionName="seed")["Credentials"]
        creds = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                     aws_session_token=c["SessionToken"])
    return (boto3.client("ecs", endpoint_url=endpoint, region_name=region, **creds),
            boto3.client("iam", endpoint_url=endpoint, region_name=region, **creds))


def estate(account, region, image, privileged):
    ecs, iam = clients(account, region)
    ecs.create_cluster(clusterName=f"{region}-apps")
    ecs.register_task_definition(
        family="api", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "api", "image": image, "essential": True, "privileged": privileged}])


estate(management, "us-east-1", "registry.example/api:1.0", False)
estate(members["payments"], "us-east-1", "registry.example/api:latest", False)
estate(members["payments"], "eu-west-1", "registry.example/api:1.0", True)
estate(members["search"], "us-east-1", "registry.example/api:1.0", False)
print(json.dumps({"management": management, "members": members, "closed": closed}))
