telemetry {
  disable_hostname = true
  prometheus_retention_time = "60s"
  statsd_address = "127.0.0.1:8125"
  dogstatsd_addr = "localhost:8125"
  dogstatsd_tags = ["env:prod", "team:platform"]
  metrics_prefix = "consul"
  filter_default = true
  prefix_filter = ["+consul.raft.apply", "-consul.http", "+consul.http.GET"]
  retry_failed_connection = true
  circonus_api_token = ""
  circonus_submission_interval = "10s"
}
