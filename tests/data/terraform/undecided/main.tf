variable "privileged" {
  type = bool
}

variable "debug" {
  type    = bool
  default = null
}

resource "aws_ecs_task_definition" "app" {
  family       = "app"
  network_mode = "awsvpc"
  cpu          = "256"
  memory       = "512"
  container_definitions = jsonencode([
    {
      name       = "app"
      image      = "${data.aws_caller_identity.current.account_id}.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2"
      essential  = true
      privileged = var.privileged
      user       = var.debug == true ? "0" : "1000"
    }
  ])
}

data "aws_caller_identity" "current" {}
