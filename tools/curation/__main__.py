"""python -m tools.curation: the curator's command line."""

import sys

from tools.curation.cli import main

sys.exit(main())
