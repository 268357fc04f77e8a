upstreams = [
  {
    destination_name = "a"
    config { x = 1 }
    mesh_gateway = { mode = "local" }
  }
]
