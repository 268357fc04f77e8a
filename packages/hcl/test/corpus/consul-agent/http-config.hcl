http_config {
  block_endpoints = ["/v1/agent/self", "/v1/acl/"]
  allow_write_http_from = ["127.0.0.0/8", "10.0.0.0/8"]
  use_cache = true
  max_header_bytes = 1048576
  response_headers {
    "Access-Control-Allow-Origin" = "*"
    "X-Frame-Options" = "DENY"
  }
}
disable_http_unprintable_char_filter = false
