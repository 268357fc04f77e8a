disable_remote_exec = true
disable_update_check = true
disable_host_node_id = false
disable_coordinates = false
disable_keyring_file = false
enable_script_checks = false
enable_local_script_checks = true
enable_central_service_config = true
discard_check_output = false
check_output_max_size = 4096
check_update_interval = "5m"
default_query_time = "300s"
max_query_time = "600s"
session_ttl_min = "10s"
pid_file = "/var/run/consul.pid"
protocol = 2
server_name = "server.dc1.consul"
peering {
  enabled = true
}
rpc {
  enable_streaming = true
}
use_streaming_backend = true
cache {
  entry_fetch_max_burst = 42
  entry_fetch_rate_limit = 0.334
}
