service {
  kind = "connect-proxy"
  name = "web-proxy"
  port = 21000
  proxy {
    destination_service_name = "web"
    destination_service_id = "web-1"
    local_service_address = "127.0.0.1"
    local_service_port = 8080
    mode = "transparent"
    transparent_proxy {
      outbound_listener_port = 15001
      dialed_directly = false
    }
    upstreams {
      destination_name = "db"
      local_bind_port = 9191
    }
    upstreams {
      destination_name = "cache"
      local_bind_port = 9192
      mesh_gateway {
        mode = "remote"
      }
    }
    mesh_gateway {
      mode = "local"
    }
    expose {
      checks = true
      paths = [
        {
          path = "/metrics"
          local_path_port = 8080
          listener_port = 21500
          protocol = "http"
        },
        {
          path = "/healthz"
          local_path_port = 8080
          listener_port = 21501
          protocol = "http2"
        }
      ]
    }
  }
}
