# A Consul server, three of them in dc1 (the shape of the deployment guide's server.hcl).
datacenter = "dc1"
data_dir = "/opt/consul"
encrypt = "qDOPBEr+/oUVeOFQOnVypxwDaHzLrD+lvjo5vCEBbZ0="
server = true
bootstrap_expect = 3
bind_addr = "10.0.0.11"
client_addr = "0.0.0.0"
advertise_addr = "10.0.0.11"
retry_join = ["10.0.0.11", "10.0.0.12", "10.0.0.13"]
log_level = "INFO"
leave_on_terminate = false
skip_leave_on_interrupt = true
rejoin_after_leave = true

ui_config {
  enabled = true
}

performance {
  raft_multiplier = 1
  leave_drain_time = "5s"
  rpc_hold_timeout = "7s"
}
