  {"null": null, "t": true, "f": false, "float": 1.5e3, "neg": -2, "zero": 0, "string": "a\nb\t\"c\" \u00e9 \\ /", "interp": "${x}"}
