snapshot_agent {
  http_addr = "127.0.0.1:8500"
  token = ""
  datacenter = ""
  ca_file = ""
  snapshot {
    interval = "1h"
    retain = 30
    stale = false
    service = "consul-snapshot"
    deregister_after = "72h"
    lock_key = "consul-snapshot/lock"
    max_failures = 3
    local_scratch_path = ""
  }
  log {
    level = "INFO"
    enable_syslog = false
    syslog_facility = "LOCAL0"
  }
  consul {
    enabled = true
    http_addr = "127.0.0.1:8500"
  }
  local_storage {
    path = "."
  }
}
