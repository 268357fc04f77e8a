service {
  name = "billing"
  port = 7000
  meta = {
    version = "1.4.2"
    "git-sha" = "3a5f9c1"
    owner = "payments"
  }
  token = "233b604b-b92e-48c8-a253-5f11514e4b50"
}
