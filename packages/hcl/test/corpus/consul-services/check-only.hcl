check {
  id = "api"
  name = "HTTP API on port 5000"
  http = "https://localhost:5000/health"
  tls_skip_verify = false
  method = "POST"
  header = {Content-Type = ["application/json"]}
  body = "{\"method\":\"health\"}"
  interval = "10s"
  timeout = "1s"
}
