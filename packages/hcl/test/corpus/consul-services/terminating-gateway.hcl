service {
  name = "terminating-gateway"
  kind = "terminating-gateway"
  port = 8443
  address = "10.0.0.20"
  check {
    name = "gateway listening"
    tcp = "10.0.0.20:8443"
    interval = "10s"
    deregister_critical_service_after = "6h"
  }
}
