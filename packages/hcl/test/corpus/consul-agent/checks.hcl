checks = [
  {
    id = "chk1"
    name = "mem"
    args = ["/bin/check_mem", "-limit", "256MB"]
    interval = "5s"
  },
  {
    id = "chk2"
    name = "/health"
    http = "http://localhost:5000/health"
    method = "POST"
    header = { Content-Type = ["application/json"], X-Token = ["a", "b"] }
    body = "{\"check\": \"all\"}"
    interval = "15s"
    tls_skip_verify = true
    disable_redirects = true
  },
  {
    id = "chk3"
    name = "cpu"
    ttl = "30s"
    status = "passing"
    notes = "Updated by an external job"
  },
  {
    id = "chk4"
    name = "ssh"
    tcp = "localhost:22"
    interval = "10s"
    deregister_critical_service_after = "90m"
    success_before_passing = 3
    failures_before_critical = 3
    failures_before_warning = 1
  },
]
