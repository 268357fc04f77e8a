matrix = [[1, 2], [3, 4], []]
objects = [
  { name = "a", ports = [80, 443] },
  { name = "b", nested = { deep = { deeper = true } } },
  {},
]
mixed = ["s", 1, 2.5, true, { k = "v" }]
trailing_comma = ["x", "y",]
empty = []
list_after_list = [1, [2] 3]
