{
  "service": {
    "name": "web",
    "tags": ["rails"],
    "port": 80,
    "check": {"args": ["curl", "localhost"], "interval": "10s"}
  },
  "services": [
    {"name": "a", "port": 1},
    {"name": "b", "port": 2, "checks": [{"ttl": "5s"}, {"tcp": "localhost:2", "interval": "3s"}]}
  ]
}
