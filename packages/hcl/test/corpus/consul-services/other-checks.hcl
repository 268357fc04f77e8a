service {
  name = "grpc-svc"
  port = 50051
  checks = [
    {
      id = "grpc"
      name = "gRPC health"
      grpc = "127.0.0.1:50051/grpc.health.v1.Health"
      grpc_use_tls = true
      interval = "10s"
    },
    {
      id = "h2"
      name = "h2ping"
      h2ping = "localhost:50051"
      h2ping_use_tls = false
      interval = "10s"
    },
    {
      id = "alias"
      name = "alias of db"
      alias_service = "db"
      alias_node = "db-node"
    },
    {
      id = "docker"
      name = "in container"
      docker_container_id = "f972c95ebf0e"
      shell = "/bin/bash"
      args = ["/usr/local/bin/check.sh"]
      interval = "10s"
    },
    {
      id = "os"
      name = "windows service"
      os_service = "myco-svctype-svcname-001"
      interval = "30s"
    },
    {
      id = "udp"
      name = "dns over udp"
      udp = "localhost:53"
      interval = "10s"
    }
  ]
}
