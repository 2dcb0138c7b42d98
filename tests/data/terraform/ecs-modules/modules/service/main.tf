variable "name" {
  type = string
}

variable "cluster_arn" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "container_definitions" {
  type = any
}

module "container_definition" {
  source   = "../container-definition"
  for_each = var.container_definitions

  name      = each.key
  image     = each.value.image
  essential = try(each.value.essential, true)
  port      = try(each.value.port, null)
}

data "aws_iam_policy_document" "tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:ecs:eu-west-1:123456789012:*"]
    }
  }
}

resource "aws_iam_role" "tasks" {
  name               = "${var.name}-tasks"
  assume_role_policy = data.aws_iam_policy_document.tasks_assume.json
}

resource "aws_iam_policy" "tasks" {
  name = "${var.name}-tasks"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:*"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "tasks" {
  role       = aws_iam_role.tasks.name
  policy_arn = aws_iam_policy.tasks.arn
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 512
  memory                   = 1024
  task_role_arn            = aws_iam_role.tasks.arn
  container_definitions    = jsonencode([for name, c in module.container_definition : c.container_definition])
}

resource "aws_ecs_service" "this" {
  name            = var.name
  cluster         = var.cluster_arn
  task_definition = aws_ecs_task_definition.this.arn
  desired_count   = 3

  network_configuration {
    subnets          = var.subnet_ids
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
}
