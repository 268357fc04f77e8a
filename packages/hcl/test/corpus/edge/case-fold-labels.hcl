Thing "a" { x = 1 }
thing "b" { y = 2 }
THING = 3
