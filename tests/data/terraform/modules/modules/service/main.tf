variable "name" {
  type = string
}

variable "image" {
  type = string
}

variable "task_role_arn" {
  type = string
}

resource "aws_ecs_task_definition" "this" {
  family        = var.name
  network_mode  = "awsvpc"
  cpu           = 256
  memory        = 512
  task_role_arn = var.task_role_arn
  container_definitions = jsonencode([{
    name      = var.name
    image     = var.image
    essential = true
  }])
}
