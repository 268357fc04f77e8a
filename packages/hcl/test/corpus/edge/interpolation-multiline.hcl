x = "${foo(
  "bar",
  "baz"
)}"
