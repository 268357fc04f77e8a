x = "${unclosed"
