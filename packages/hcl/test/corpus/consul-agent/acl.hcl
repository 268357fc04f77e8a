primary_datacenter = "dc1"

acl {
  enabled = true
  default_policy = "deny"
  down_policy = "extend-cache"
  enable_token_persistence = true
  enable_token_replication = false
  policy_ttl = "30s"
  role_ttl = "30s"
  token_ttl = "30s"

  tokens {
    initial_management = "b1gs33cr3t"
    agent = "e95b599e-166e-7d80-08ad-aee76e7ddf19"
    default = ""
    replication = ""
    config_file_service_registration = "service-registration-token"
  }
}
