x = "nul-free"
y = "a\u0000b"
