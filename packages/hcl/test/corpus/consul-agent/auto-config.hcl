auto_config {
  enabled = true
  intro_token_file = "/etc/consul.d/intro-token.jwt"
  server_addresses = ["consul-server.example.com"]
  dns_sans = ["client.dc1.consul"]
  ip_sans = ["10.0.0.20"]

  authorization {
    enabled = true
    static {
      oidc_discovery_url = "https://issuer.example.com"
      bound_issuer = "https://issuer.example.com"
      bound_audiences = ["consul-cluster-dc1"]
      claim_mappings {
        sub = "node_name"
      }
      claim_assertions = [
        "value.node == \"${node}\""
      ]
    }
  }
}
