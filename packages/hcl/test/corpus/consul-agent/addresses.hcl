addresses {
  http = "0.0.0.0"
  https = "0.0.0.0"
  dns = "127.0.0.1"
  grpc = "127.0.0.1"
  grpc_tls = "127.0.0.1"
}

advertise_addr = "192.168.10.5"
advertise_addr_ipv4 = "192.168.10.5"
advertise_addr_wan = "203.0.113.5"
advertise_addr_wan_ipv6 = "2001:db8::5"
translate_wan_addrs = true
serf_lan = "192.168.10.5"
serf_wan = "203.0.113.5"
serf_lan_allowed_cidrs = ["192.168.10.0/24", "10.0.0.0/8"]

advertise_reconnect_timeout = "15m"
tagged_addresses {
  lan_ipv4 = "192.168.10.5"
}
