名前 = "値"
"ключ" = "значение"
café = "ok"
emoji = "🚀 launch"
node_meta {
  "région" = "île-de-France"
  ζ = "zeta"
}
greek_ident_λ = 1
