# last line is a comment without newline
x = 1
// done