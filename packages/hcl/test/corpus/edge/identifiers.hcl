simple = 1
with_underscore = 2
with-dash = 3
with.dot = 4
_leading = 5
trailing_ = 6
CamelCase = 7
"" = 8
"has space" = 9
"a=b" = 10
x1y2 = 11
