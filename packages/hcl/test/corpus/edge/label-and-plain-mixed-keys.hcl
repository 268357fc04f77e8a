node_meta {
  a = "1"
}
node_meta {
  b = "2"
}
