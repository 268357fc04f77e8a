{"a": "line
break"}
