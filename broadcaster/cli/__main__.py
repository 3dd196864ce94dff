"""`python -m broadcaster.cli` runs the command line."""

import sys

from broadcaster.cli import main

sys.exit(main())
