service {
  name = "mesh-gateway"
  kind = "mesh-gateway"
  port = 8443
  tagged_addresses {
    wan {
      address = "203.0.113.10"
      port = 443
    }
  }
  proxy {
    config {
      envoy_gateway_no_default_bind = true
      envoy_gateway_bind_addresses {
        all-interfaces {
          address = "0.0.0.0"
          port = 8443
        }
      }
    }
  }
}
