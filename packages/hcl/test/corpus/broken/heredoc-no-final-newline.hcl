x = <<EOF
body
EOF