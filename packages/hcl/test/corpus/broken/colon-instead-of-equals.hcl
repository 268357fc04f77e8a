datacenter: "dc1"
