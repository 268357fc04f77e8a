# Two service blocks in one file: HCL collects them into a list.
service {
  name = "web"
  port = 80
}

service {
  name = "web-admin"
  port = 8080
  tags = ["admin"]
}

check {
  id = "mem-util"
  name = "Memory utilization"
  args = ["/usr/local/bin/check_mem.py", "-limit", "256MB"]
  interval = "10s"
  timeout = "1s"
}
