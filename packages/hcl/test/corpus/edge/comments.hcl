# hash
// slashes
/* block */
/* multi
   line
   block */
a = 1 # after a value
b = [
  1, # inside a list
  // another
  2, /* and a block */ 3,
]
c { # after a brace
  d = "x" // after a string
  /* before a key */ e = true
}
/* trailing comment at the end, no newline after */
