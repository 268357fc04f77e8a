service "web" {
  port = 80
}
service "db" {
  port = 5432
}
service "web" {
  port = 8080
}
backend "s3" "primary" {
  bucket = "a"
}
backend "s3" "secondary" {
  bucket = "b"
}
backend "gcs" "primary" {
  bucket = "c"
}
ident_label thing {
  x = 1
}
"quoted" "label" {
  y = 2
}
