# the image a release pins
image = "public.ecr.aws/app/web:latest"
