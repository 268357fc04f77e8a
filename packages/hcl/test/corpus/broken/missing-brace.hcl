service {
  name = "web"
