service {
  name = "redis"
  address = "10.0.0.5"
  port = 6379
  tagged_addresses {
    lan {
      address = "192.168.0.55"
      port = 8000
    }
    wan {
      address = "198.18.0.23"
      port = 80
    }
    lan_ipv4 = {
      address = "192.168.0.55"
      port = 8000
    }
  }
}
