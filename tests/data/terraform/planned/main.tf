variable "image" {
  type = string
}

variable "cluster_arn" {
  type = string
}

resource "aws_iam_role" "task" {
  name = "web-task"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Condition = { ArnLike = { "aws:SourceArn" = "arn:aws:ecs:eu-west-1:123456789012:*" } }
    }]
  })
}

resource "aws_iam_role_policy" "task" {
  name = "all"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_ecs_task_definition" "web" {
  family                   = "web"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 256
  memory                   = 512
  task_role_arn            = aws_iam_role.task.arn
  container_definitions = jsonencode([{
    name       = "web"
    image      = var.image
    essential  = true
    privileged = true
  }])
}

resource "aws_ecs_service" "web" {
  for_each        = toset(["blue"])
  name            = "web-${each.key}"
  cluster         = var.cluster_arn
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 1
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = ["subnet-0a1b2c3d"]
    assign_public_ip = true
  }
}
