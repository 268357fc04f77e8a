connect {
  enabled = true
  ca_provider = "vault"
  ca_config {
    address = "https://vault.service.consul:8200"
    token = "s.7fUUkXBEkAfEg7KhEOg4wGRo"
    root_pki_path = "connect-root"
    intermediate_pki_path = "connect-intermediate"
    auth_method {
      type = "kubernetes"
      mount_path = "kubernetes"
      params {
        role = "consul-ca"
      }
    }
  }
}
