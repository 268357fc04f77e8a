service {
  check {
    interval = "10s"
  
}
