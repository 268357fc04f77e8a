{
  "datacenter": "dc1",
  "data_dir": "/opt/consul",
  "server": true,
  "bootstrap_expect": 3,
  "retry_join": ["10.0.0.1", "10.0.0.2"],
  "ports": {"http": 8500, "dns": -1},
  "node_meta": {"rack": "r1"},
  "dns_config": {"service_ttl": {"*": "5s"}, "node_ttl": "10s"},
  "telemetry": {"prometheus_retention_time": "60s"}
}
