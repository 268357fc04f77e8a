x = / y
