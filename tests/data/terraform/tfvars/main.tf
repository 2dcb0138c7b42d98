variable "image" {
  type    = string
  default = "public.ecr.aws/app/web:2.3.1"
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = <<-JSON
    [
      {
        "name": "web",
        "image": "${var.image}",
        "essential": true
      }
    ]
  JSON
}
