scalar = "first"
scalar = "second"
number = 1
number = 2
number_from_string = 1
number_from_string = "0x20"
string_from_number = "a"
string_from_number = 5
list = [1, 2]
list = [3]
list_then_object = ["x"]
list_then_object = { y = 1 }
block { a = 1 }
block { b = 2 }
object = { c = 3 }
object { d = 4 }
bool = true
bool = false
float = 1.5
float = 2
