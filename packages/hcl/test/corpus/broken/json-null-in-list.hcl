{"a": [null]}
