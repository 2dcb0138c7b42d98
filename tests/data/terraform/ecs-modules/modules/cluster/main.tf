variable "cluster_name" {
  type = string
}

variable "fargate_capacity_providers" {
  type    = any
  default = {}
}

resource "aws_ecs_cluster" "this" {
  name = var.cluster_name
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = keys(var.fargate_capacity_providers)

  dynamic "default_capacity_provider_strategy" {
    for_each = var.fargate_capacity_providers
    content {
      capacity_provider = default_capacity_provider_strategy.key
      weight            = default_capacity_provider_strategy.value.weight
      base              = try(default_capacity_provider_strategy.value.base, null)
    }
  }
}

output "arn" {
  value = aws_ecs_cluster.this.arn
}
