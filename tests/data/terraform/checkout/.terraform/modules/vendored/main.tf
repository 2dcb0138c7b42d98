# What `terraform init` copies: read only through a module call, never as a configuration.
resource "aws_ecs_task_definition" "vendored" {
  family                = "vendored"
  container_definitions = jsonencode([{ name = "v", image = "v", privileged = true }])
}
