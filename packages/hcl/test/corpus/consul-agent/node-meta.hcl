node_name = "db-a"
node_id = "adf4238a-882b-9ddc-4a9d-5b6758e4159e"
node_meta {
  rack = "r12"
  zone = "us-east-1a"
  "consul-network-segment" = ""
  owner = "team-data"
}
