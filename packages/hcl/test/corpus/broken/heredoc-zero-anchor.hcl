x = <<
body

