# Services in the agent's own config file, in both of Consul's forms.
service {
  name = "redis"
  id = "redis-1"
  port = 6379
  tags = ["primary", "v7"]
  check {
    id = "redis-tcp"
    name = "Redis TCP"
    tcp = "localhost:6379"
    interval = "10s"
    timeout = "1s"
  }
}

services = [
  {
    name = "api"
    port = 9090
    checks = [
      {
        http = "http://localhost:9090/health"
        interval = "5s"
      },
    ]
  },
  {
    name = "worker"
    port = 0
  }
]
