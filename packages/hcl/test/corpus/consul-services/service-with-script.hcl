service {
  name = "db"
  tags = ["master"]
  port = 3306
  check {
    script = "/usr/local/bin/check_mysql_master"
    interval = "10s"
  }
}
