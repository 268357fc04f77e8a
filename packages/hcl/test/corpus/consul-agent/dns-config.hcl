domain = "consul"
alt_domain = "service.internal"
recursors = ["1.1.1.1", "8.8.8.8:53"]

dns_config {
  allow_stale = true
  max_stale = "87600h"
  node_ttl = "30s"
  only_passing = true
  enable_truncate = true
  udp_answer_limit = 3
  a_record_limit = 5
  recursor_strategy = "random"
  recursor_timeout = "2s"
  enable_additional_node_meta_txt = false
  use_cache = true
  cache_max_age = "10s"

  service_ttl {
    "*"   = "5s"
    "web" = "30s"
    "db*" = "1m"
  }

  soa {
    refresh = 3600
    retry = 600
    expire = 86400
    min_ttl = 0
  }
}
