// Consul 1.11 and older spelled TLS settings at the top level.
verify_incoming = true
verify_outgoing = true
verify_server_hostname = true
verify_incoming_rpc = true
verify_incoming_https = false
ca_file = "consul-agent-ca.pem"
ca_path = "/etc/consul.d/ca"
cert_file = "dc1-server-consul-0.pem"
key_file = "dc1-server-consul-0-key.pem"
tls_min_version = "tls12"
tls_prefer_server_cipher_suites = true
auto_encrypt = {
  tls = true
  dns_san = ["consul.example.com"]
  ip_san = ["10.0.0.5"]
}
