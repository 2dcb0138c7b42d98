"""The request token buckets AWS publishes, per account and Region: what the fault proxy
enforces (faults.py --aws-rates) and what scripts/bench-concurrency.py computes its floor from.

ECS shares one bucket among the actions of a category ("Request throttling for the Amazon ECS
API"); EC2 gives each non-mutating action its own 100 / 20 bucket ("Request throttling for the
Amazon EC2 API"). AWS publishes no request rates for IAM, STS or Auto Scaling: not limited here.
"""

# Category -> (ECS actions, burst, refill per second).
ECS_CATEGORIES = {
    "ECS cluster reads": (("ListClusters", "DescribeClusters"), 50, 20),
    "ECS task definition reads": (("ListTaskDefinitions", "ListTaskDefinitionFamilies", "DescribeTaskDefinition"), 50, 20),
    "ECS capacity provider reads": (("DescribeCapacityProviders",), 50, 20),
    "ECS tag reads": (("ListTagsForResource",), 50, 20),
    "ECS setting reads": (("ListAccountSettings",), 50, 20),
    "ECS service reads": (("ListServices", "DescribeServices"), 100, 20),
}
EC2_NON_MUTATING = (100, 20)


def bucket_of(action):
    """The bucket `action` (`ecs:DescribeServices`) draws on: (name, burst, refill), or None."""
    service, _, name = action.partition(":")
    if service == "ecs":
        for category, (actions, burst, refill) in ECS_CATEGORIES.items():
            if name in actions:
                return category, burst, refill
    if service == "ec2" and name.startswith("Describe"):
        return action, *EC2_NON_MUTATING
    return None
