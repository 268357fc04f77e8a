datacenter = "dc1"
ports {
  http = 8500
}
msg = <<EOF
hello
EOF
list = [
  "a",
]
