x = <<-EOF
body
EOF
