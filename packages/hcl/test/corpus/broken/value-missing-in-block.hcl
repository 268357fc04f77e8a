a { b = }
