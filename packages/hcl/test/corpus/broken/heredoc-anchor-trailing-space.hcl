x = <<EOF 
body
EOF
