/*
 * A developer's laptop agent.
 * Every comment style HCL 1 knows is in here.
 */
datacenter = "laptop" # trailing hash comment
data_dir   = "/tmp/consul" // trailing slash comment
log_level  = "TRACE"

// Listen everywhere so containers can reach it.
client_addr = "0.0.0.0"

ports {
  # no HTTPS locally
  https = -1
  /* gRPC for Envoy */ grpc = 8502
}

ui_config { enabled = true }
connect { enabled = true }
