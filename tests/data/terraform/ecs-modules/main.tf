# The layout of the community ECS module (a cluster module, a service module, a container
# definition module per container), written here with local sources.

module "ecs_cluster" {
  source       = "./modules/cluster"
  cluster_name = "shop"

  fargate_capacity_providers = {
    FARGATE      = { weight = 1, base = 1 }
    FARGATE_SPOT = { weight = 3 }
  }
}

module "ecs_service" {
  source      = "./modules/service"
  name        = "checkout"
  cluster_arn = module.ecs_cluster.arn
  subnet_ids  = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]

  container_definitions = {
    app = {
      image     = "public.ecr.aws/shop/checkout:3.2.1"
      essential = true
      port      = 8080
    }
    sidecar = {
      image     = "public.ecr.aws/aws-observability/aws-otel-collector:latest"
      essential = false
    }
  }
}

resource "aws_ecs_account_setting_default" "insights" {
  name  = "containerInsights"
  value = "enhanced"
}
