"""python -m app.knowledge: the curator's command line."""

import sys

from app.knowledge.cli import main

sys.exit(main())
