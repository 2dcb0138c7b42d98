"""Seeds moto with the estate the live-scan test asserts findings on, through boto3.
Usage: seed_estate.py ENDPOINT   (moto started with MOTO_IAM_LOAD_MANAGED_POLICIES=true)

Network: one VPC over three AZs with a public subnet (internet gateway), a NAT-routed private one,
an isolated one, and a subnet *named* "private" whose route goes to the internet gateway.
IAM: a narrow inline policy, a customer managed policy whose default v2 allows everything (v1 is
narrow), one whose non-default v2 allows everything (must not count), and AWS's AdministratorAccess. ECS: Fargate, EC2 and Spot-only services; clusters with and
without Container Insights."""
import json
import sys

import boto3

kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
ec2, ecs, iam = (boto3.client(name, **kw) for name in ("ec2", "ecs", "iam"))

vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)


def subnet(cidr, zone, name):
    sid = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[sid], Tags=[{"Key": "Name", "Value": name}])
    return sid


public = subnet("10.0.1.0/24", "us-east-1a", "public")
private = subnet("10.0.2.0/24", "us-east-1b", "app-b")
isolated = subnet("10.0.3.0/24", "us-east-1c", "isolated")
misnamed = subnet("10.0.4.0/24", "us-east-1a", "private")
nat = ec2.create_nat_gateway(SubnetId=public)["NatGateway"]["NatGatewayId"]


def table(target_key, target, subnets):
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    if target:
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", **{target_key: target})
    for s in subnets:
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=s)


table("GatewayId", igw, [public, misnamed])
table("NatGatewayId", nat, [private])
table(None, None, [isolated])
group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]

trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                           "Action": "sts:AssumeRole"}]})
narrow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
roles = {name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
         for name in ("narrow-task", "managed-v2-task", "admin-task")}
iam.put_role_policy(RoleName="narrow-task", PolicyName="read", PolicyDocument=json.dumps(narrow))
managed = iam.create_policy(PolicyName="app-data", PolicyDocument=json.dumps(narrow))["Policy"]["Arn"]
iam.create_policy_version(PolicyArn=managed, PolicyDocument=json.dumps(everything), SetAsDefault=True)
iam.attach_role_policy(RoleName="managed-v2-task", PolicyArn=managed)
# A v2 that allows everything but is NOT the default version: only the default counts.
drafted = iam.create_policy(PolicyName="drafted", PolicyDocument=json.dumps(narrow))["Policy"]["Arn"]
iam.create_policy_version(PolicyArn=drafted, PolicyDocument=json.dumps(everything), SetAsDefault=False)
iam.attach_role_policy(RoleName="narrow-task", PolicyArn=drafted)
iam.attach_role_policy(RoleName="admin-task", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

ecs.create_cluster(clusterName="prod", settings=[{"name": "containerInsights", "value": "enabled"}])
ecs.create_cluster(clusterName="dev", settings=[{"name": "containerInsights", "value": "disabled"}])
for family, role in (("web", "narrow-task"), ("api", "managed-v2-task"), ("batch", "admin-task")):
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        taskRoleArn=roles[role],
        containerDefinitions=[{"name": family, "image": f"{family}:1.0", "essential": True, "user": "1000",
                               "readonlyRootFilesystem": True}])
ecs.register_task_definition(family="legacy", networkMode="bridge", requiresCompatibilities=["EC2"],
                             containerDefinitions=[{"name": "legacy", "image": "legacy:1.0", "memory": 256}])


def service(name, cluster, family, subnets, **extra):
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}}
    ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=2,
                       tags=[{"key": "environment", "value": "production"}],
                       **({"networkConfiguration": network} if subnets else {}), **extra)


service("web", "prod", "web", [private, isolated], launchType="FARGATE")
service("api", "prod", "api", [misnamed], launchType="FARGATE")
service("legacy", "prod", "legacy", None, launchType="EC2")
service("spot", "dev", "batch", [private, isolated])
# moto drops a strategy given to CreateService; UpdateService stores it.
ecs.update_service(cluster="dev", service="spot", capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
print("seeded")
