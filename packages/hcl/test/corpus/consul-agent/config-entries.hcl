config_entries {
  bootstrap = [
    {
      kind = "proxy-defaults"
      name = "global"
      config {
        protocol = "http"
      }
      mesh_gateway = {
        mode = "local"
      }
    },
    {
      kind = "service-defaults"
      name = "web"
      protocol = "grpc"
    }
  ]
}
