# Some people copy the HTTP API's spelling into config files.
service {
  Name = "legacy"
  ID = "legacy-1"
  Port = 8000
  Tags = ["old"]
  EnableTagOverride = false
  Check = {
    Name = "legacy ttl"
    TTL = "15s"
    DeregisterCriticalServiceAfter = "10m"
  }
}
