name = "unterminated
port = 80
