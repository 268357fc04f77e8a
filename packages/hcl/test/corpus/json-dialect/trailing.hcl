{"a": 1} anything after the object is not read
