service "web" { port = 80 }
service { port = 81 }
