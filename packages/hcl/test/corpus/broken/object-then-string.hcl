tags = { a = 1 }
tags = "x"
