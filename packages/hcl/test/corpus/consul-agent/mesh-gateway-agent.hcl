primary_gateways = ["10.0.0.100:8443", "10.0.0.101:8443"]
primary_gateways_interval = "30s"
connect {
  enabled = true
  enable_mesh_gateway_wan_federation = true
}
