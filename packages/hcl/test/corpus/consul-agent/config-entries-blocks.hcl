config_entries {
  bootstrap {
    kind = "proxy-defaults"
    name = "global"
    config {
      local_connect_timeout_ms = 1000
      handshake_timeout_ms = 10000
    }
  }
  bootstrap {
    kind = "service-intentions"
    name = "db"
    sources = [
      {
        name = "web"
        action = "allow"
      },
      {
        name = "*"
        action = "deny"
      }
    ]
  }
}
