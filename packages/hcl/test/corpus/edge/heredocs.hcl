plain = <<EOF
line one
  line two, indented
EOF

stripped = <<-EOT
    first
      second, deeper
    third
    EOT

not_all_indented = <<-END
    indented
  less
   END

terminator_indented = <<EOF
body
  EOF

empty = <<EOF
EOF

in_list = [<<A
alpha
A
, "beta"]

digits_in_anchor = <<EOF2
x
EOF2
