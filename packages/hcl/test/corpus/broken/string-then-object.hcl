name = "x"
name = { a = 1 }
