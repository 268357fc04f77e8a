x = <<EOF
never ends
