service {
  name = "ingress-gateway"
  kind = "ingress-gateway"
  port = 8888
  proxy {
    config {
      envoy_dns_discovery_type = "STRICT_DNS"
    }
  }
}
