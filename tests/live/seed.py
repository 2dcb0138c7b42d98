"""Seeds moto's server with a small ECS estate, through boto3.
Usage: seed.py ENDPOINT [EXTRA_SERVICES] [EXTRA_FAMILIES]"""
import json
import sys

import boto3

kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
ecs = boto3.client("ecs", **kw)
ec2 = boto3.client("ec2", **kw)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
# The subnet is public by its route table: 0.0.0.0/0 goes to an internet gateway.
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
iam = boto3.client("iam", **kw)
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                           "Action": "sts:AssumeRole"}]})
role = iam.create_role(RoleName="web-task", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
iam.put_role_policy(RoleName="web-task", PolicyName="everything",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
# An EC2 capacity provider with managed termination protection, whose group does not protect
# new instances from scale-in (REL303).
autoscaling = boto3.client("autoscaling", **kw)
template = ec2.create_launch_template(LaunchTemplateName="ecs-hosts",
                                      LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})
autoscaling.create_auto_scaling_group(AutoScalingGroupName="ecs-hosts", MinSize=0, MaxSize=2, DesiredCapacity=0,
                                      LaunchTemplate={"LaunchTemplateName": "ecs-hosts", "Version": "$Latest"},
                                      VPCZoneIdentifier=subnet, NewInstancesProtectedFromScaleIn=False)
hosts = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["ecs-hosts"])["AutoScalingGroups"][0]
ecs.create_capacity_provider(name="ec2-hosts", autoScalingGroupProvider={
    "autoScalingGroupArn": hosts["AutoScalingGroupARN"], "managedTerminationProtection": "ENABLED",
    "managedScaling": {"status": "ENABLED", "targetCapacity": 100}})
ecs.create_cluster(clusterName="prod", settings=[{"name": "containerInsights", "value": "disabled"}],
                   tags=[{"key": "team", "value": "payments"}], capacityProviders=["ec2-hosts"])
ecs.put_account_setting(name="containerInsights", value="enabled")
ecs.register_task_definition(
    family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512", taskRoleArn=role,
    containerDefinitions=[{"name": "web", "image": "nginx:latest", "essential": True,
                           "environment": [{"name": "DB_PASSWORD", "value": "hunter2-live"}]}])
ecs.register_task_definition(
    family="worker", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="4096",
    containerDefinitions=[{"name": "worker", "image": "worker:1.0", "essential": True, "user": "1000",
                           "readonlyRootFilesystem": True}])
ecs.create_service(cluster="prod", serviceName="web", taskDefinition="web", desiredCount=1, launchType="FARGATE",
                   networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group],
                                                                 "assignPublicIp": "ENABLED"}})
extra_services = int(sys.argv[2]) if len(sys.argv) > 2 else 0
extra_families = int(sys.argv[3]) if len(sys.argv) > 3 else 0
for i in range(extra_families):
    ecs.register_task_definition(family=f"batch-{i:03}", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512",
                                 containerDefinitions=[{"name": "batch", "image": f"batch:{i}", "essential": True}])
for i in range(extra_services):
    ecs.create_service(cluster="prod", serviceName=f"api-{i:03}", taskDefinition="worker", desiredCount=2,
                       launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group],
                                                                     "assignPublicIp": "DISABLED"}})
print("seeded")
