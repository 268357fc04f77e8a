services = [
  {
    id = "api-1"
    name = "api"
    port = 9001
    tags = ["blue"]
  },
  {
    id = "api-2"
    name = "api"
    port = 9002
    tags = ["green"]
    meta = {
      canary = "true"
    }
  }
]
