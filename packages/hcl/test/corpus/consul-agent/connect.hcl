connect {
  enabled = true
  ca_provider = "consul"
  enable_mesh_gateway_wan_federation = false

  ca_config {
    leaf_cert_ttl = "72h"
    intermediate_cert_ttl = "8760h"
    root_cert_ttl = "87600h"
    private_key_type = "ec"
    private_key_bits = 256
    csr_max_per_second = 50
    csr_max_concurrent = 0
  }
}

ports {
  grpc = 8502
}
