import sys

from bench.deadlines.run import main

sys.exit(main())
