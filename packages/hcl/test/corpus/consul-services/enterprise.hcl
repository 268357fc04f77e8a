service {
  name = "ledger"
  namespace = "finance"
  partition = "eu"
  port = 4000
  locality {
    region = "eu-west-1"
    zone = "eu-west-1b"
  }
}
