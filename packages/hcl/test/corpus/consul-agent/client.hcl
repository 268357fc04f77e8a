datacenter = "dc1"
node_name = "web-01"
data_dir = "/var/lib/consul"
bind_addr = "{{ GetInterfaceIP \"eth0\" }}"
client_addr = "127.0.0.1 {{ GetPrivateInterfaces | exclude \"type\" \"ipv6\" | join \"address\" \" \" }}"
retry_join = ["provider=aws tag_key=consul-role tag_value=server region=us-east-1"]
retry_interval = "15s"
retry_max = 0
leave_on_terminate = true
enable_local_script_checks = true
disable_update_check = true
node_meta {
  role = "web"
  "instance-type" = "m5.large"
}
