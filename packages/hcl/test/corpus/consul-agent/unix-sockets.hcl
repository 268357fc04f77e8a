addresses {
  http = "unix:///tmp/consul-http.sock"
}
unix_sockets {
  user = "1234"
  group = "2345"
  mode = "0770"
}
