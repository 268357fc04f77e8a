watches = [
  {
    type = "key"
    key = "foo/bar/baz"
    handler_type = "script"
    args = ["/usr/bin/my-key-handler.sh", "-redis"]
  },
  {
    type = "service"
    service = "redis"
    passingonly = true
    handler_type = "http"
    http_handler_config {
      path = "https://localhost:8000/watch"
      method = "POST"
      header = {
        x-foo = ["bar", "baz"]
      }
      timeout = "10s"
      tls_skip_verify = false
    }
  },
  {
    type = "event"
    name = "web-deploy"
    handler = "/usr/bin/my-deploy-handler.sh"
  },
  {
    type = "checks"
    state = "critical"
    args = ["/usr/local/bin/page-oncall"]
  }
]
