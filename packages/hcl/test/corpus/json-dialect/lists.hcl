{"objects": [{"b": 1}, {"c": 2}], "numbers": [1, 2.5, -3], "strings": ["x", "y"], "bools": [true, false, 1], "empty": []}
