x = "\ud800"
y = "\xff\xfe"
