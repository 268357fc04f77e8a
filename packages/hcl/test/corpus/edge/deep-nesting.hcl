a {
  b {
    c {
      d {
        e = "deep"
        f = [{ g = { h = 1 } }]
      }
    }
  }
}
