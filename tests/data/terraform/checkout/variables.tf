variable "image" {
  type    = string
  default = "nginx:latest"
}

variable "environment" {
  type = string
}

variable "services" {
  default = {
    blue  = { cpu = 256 }
    green = { cpu = 512 }
  }
}
