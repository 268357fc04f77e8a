limits {
  http_max_conns_per_client = 400
  https_handshake_timeout = "5s"
  rpc_handshake_timeout = "5s"
  rpc_client_timeout = "60s"
  rpc_max_conns_per_client = 100
  rpc_rate = 100.5
  rpc_max_burst = 1000
  kv_max_value_size = 1048576
  txn_max_req_len = 524288
  request_limits {
    mode = "permissive"
    read_rate = 1000.0
    write_rate = 250
  }
}
