service {
  name = "local-app"
  socket_path = "/run/local-app.sock"
  check {
    name = "app alive"
    ttl = "30s"
  }
}
