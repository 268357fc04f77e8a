port = 1
port = "eighty"
