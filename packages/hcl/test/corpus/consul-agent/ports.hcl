ports {
  dns      = 8600
  http     = 8500
  https    = -1
  grpc     = 8502
  grpc_tls = 8503
  serf_lan = 8301
  serf_wan = 8302
  server   = 8300
  sidecar_min_port = 21000
  sidecar_max_port = 21255
  expose_min_port  = 21500
  expose_max_port  = 21755
}
