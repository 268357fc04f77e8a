script = <<-SH
	#!/bin/sh
	echo "tabs"
	SH
