xds {
  update_max_per_second = 250
}
ports {
  grpc_tls = 8503
}
locality {
  region = "us-west-1"
  zone = "us-west-1a"
}
