service {
  name = "web"
  port = 8080
  connect {
    sidecar_service {
      port = 20000
      check {
        name = "Connect Envoy Sidecar"
        tcp = "127.0.0.1:20000"
        interval = "10s"
      }
      proxy {
        local_service_address = "127.0.0.1"
        upstreams = [
          {
            destination_name = "db"
            local_bind_port = 9191
            datacenter = "dc2"
            config {
              connect_timeout_ms = 5000
            }
          },
          {
            destination_type = "prepared_query"
            destination_name = "geo-cache"
            local_bind_port = 8181
          }
        ]
        config {
          protocol = "http"
          envoy_prometheus_bind_addr = "0.0.0.0:9102"
        }
      }
    }
  }
}
