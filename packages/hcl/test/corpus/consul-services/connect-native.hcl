service {
  name = "native-app"
  port = 8443
  connect {
    native = true
  }
}
