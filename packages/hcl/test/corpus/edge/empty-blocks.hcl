a {}
b = {}
c = []
d = [{}]
e {
}
f "label" {}
