service {
  name = "search"
  port = 9200
  enable_tag_override = true
  weights {
    passing = 10
    warning = 1
  }
}
