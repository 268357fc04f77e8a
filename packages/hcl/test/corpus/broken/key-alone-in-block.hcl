a {
  b
}
