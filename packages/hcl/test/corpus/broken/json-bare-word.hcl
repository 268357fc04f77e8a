{"a": nope}
