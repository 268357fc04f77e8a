service {
  id      = "web-1"
  name    = "web"
  address = "10.1.2.3"
  port    = 8080
  tags    = ["v1", "blue"]

  checks = [
    {
      id       = "web-http"
      name     = "HTTP on 8080"
      http     = "http://10.1.2.3:8080/health"
      interval = "10s"
      timeout  = "2s"
    },
    {
      id       = "web-tcp"
      name     = "TCP on 8080"
      tcp      = "10.1.2.3:8080"
      interval = "30s"
    }
  ]
}
