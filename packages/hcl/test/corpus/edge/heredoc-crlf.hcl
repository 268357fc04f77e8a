x = <<EOF
crlf body
EOF
y = 1
