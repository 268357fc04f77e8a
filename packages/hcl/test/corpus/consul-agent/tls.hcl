tls {
  defaults {
    ca_file = "/etc/consul.d/tls/consul-agent-ca.pem"
    cert_file = "/etc/consul.d/tls/dc1-server-consul-0.pem"
    key_file = "/etc/consul.d/tls/dc1-server-consul-0-key.pem"
    verify_incoming = true
    verify_outgoing = true
    tls_min_version = "TLSv1_2"
    tls_cipher_suites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
  }

  internal_rpc {
    verify_server_hostname = true
  }

  https {
    verify_incoming = false
  }

  grpc {
    use_auto_cert = false
  }
}

auto_encrypt {
  allow_tls = true
}
