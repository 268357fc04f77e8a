port = 8500
port = 8500.5
