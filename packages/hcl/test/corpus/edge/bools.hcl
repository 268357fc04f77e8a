t = true
f = false
list = [true, false]
truthy_string = "true"
