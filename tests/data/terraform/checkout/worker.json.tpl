[
  {
    "name": "worker",
    "image": "${image}",
    "essential": true,
    "readonlyRootFilesystem": false
  }
]
