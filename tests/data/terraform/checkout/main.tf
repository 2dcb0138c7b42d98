locals {
  name = "checkout"
  container_definitions = [
    {
      name       = "app"
      image      = var.image
      essential  = true
      privileged = true
      portMappings = [{ containerPort = 80 }]
      environment = [
        { name = "STAGE", value = var.environment },
      ]
    }
  ]
}

resource "aws_ecs_cluster" "main" {
  name = "${local.name}-cluster"

  setting {
    name  = "containerInsights"
    value = "disabled"
  }
}

resource "aws_ecs_task_definition" "app" {
  family                   = local.name
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 256
  memory                   = 512
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.container_definitions)
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = templatefile("${path.module}/worker.json.tpl", { image = var.image })
}

resource "aws_ecs_service" "api" {
  for_each        = var.services
  name            = "api-${each.key}"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 1
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = ["subnet-123"]
    assign_public_ip = true
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "task" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "task" {
  name               = "checkout-task"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "task" {
  name   = "everything"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}
