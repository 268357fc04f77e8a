start_join = ["10.0.0.1", "10.0.0.2"]
retry_join = [
  "10.0.0.1",
  "[::1]:8301",
  "consul.domain.internal",
  "provider=gce project_name=my-project tag_value=consul-server",
]
retry_interval = "30s"
retry_max = 5
retry_join_wan = ["10.1.0.1", "10.2.0.1"]
retry_interval_wan = "30s"
retry_max_wan = 0
rejoin_after_leave = false
