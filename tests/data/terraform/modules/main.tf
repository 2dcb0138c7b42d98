module "iam" {
  source = "./modules/iam"
  name   = "shop"
}

module "service" {
  source   = "./modules/service"
  for_each = { api = "nginx:latest", worker = "public.ecr.aws/shop/worker:1.2.3" }

  name          = each.key
  image         = each.value
  task_role_arn = module.iam.task_role_arn
}

module "cluster" {
  source       = "terraform-aws-modules/ecs/aws//modules/cluster"
  cluster_name = "shop"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
