"""Seeds moto's server with a small ECS estate, through boto3. Usage: seed.py ENDPOINT"""
import sys

import boto3

kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
ecs = boto3.client("ecs", **kw)
ec2 = boto3.client("ec2", **kw)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
ecs.create_cluster(clusterName="prod", settings=[{"name": "containerInsights", "value": "disabled"}],
                   tags=[{"key": "team", "value": "payments"}])
ecs.put_account_setting(name="containerInsights", value="enabled")
ecs.register_task_definition(
    family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    containerDefinitions=[{"name": "web", "image": "nginx:latest", "essential": True,
                           "environment": [{"name": "DB_PASSWORD", "value": "hunter2-live"}]}])
ecs.register_task_definition(
    family="worker", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="4096",
    containerDefinitions=[{"name": "worker", "image": "worker:1.0", "essential": True, "user": "1000",
                           "readonlyRootFilesystem": True}])
ecs.create_service(cluster="prod", serviceName="web", taskDefinition="web", desiredCount=1, launchType="FARGATE",
                   networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group],
                                                                 "assignPublicIp": "ENABLED"}})
print("seeded")
