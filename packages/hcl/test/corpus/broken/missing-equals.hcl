service {
  name "web"
}
