variable "name" {
  type = string
}

variable "image" {
  type = string
}

variable "essential" {
  type    = bool
  default = true
}

variable "port" {
  type    = number
  default = null
}

variable "readonly_root_filesystem" {
  type    = bool
  default = true
}

locals {
  definition = {
    name                   = var.name
    image                  = var.image
    essential              = var.essential
    readonlyRootFilesystem = var.readonly_root_filesystem
    user                   = "1000"
    portMappings           = var.port == null ? [] : [{ containerPort = var.port, protocol = "tcp" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = "/ecs/${var.name}"
        awslogs-region        = "eu-west-1"
        awslogs-stream-prefix = var.name
      }
    }
  }
}

output "container_definition" {
  value = { for k, v in local.definition : k => v if v != null }
}
