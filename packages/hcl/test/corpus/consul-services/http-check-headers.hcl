service {
  name = "payments"
  port = 8443
  check {
    id = "payments-https"
    name = "HTTPS API"
    http = "https://localhost:8443/v1/health?deep=true"
    tls_server_name = "payments.internal"
    tls_skip_verify = false
    method = "POST"
    header {
      Content-Type = ["application/json"]
      Authorization = ["Bearer abc123"]
    }
    body = <<EOF
{"probe": "deep", "timeout": "2s"}
EOF
    interval = "10s"
    timeout = "3s"
    output_max_size = 8192
    success_before_passing = 2
    failures_before_warning = 1
    failures_before_critical = 5
    deregister_critical_service_after = "30m"
  }
}
