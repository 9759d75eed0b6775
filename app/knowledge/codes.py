"""The verified code table (seed/codes.md): the only codes the API may serve.

Each row was read next to its name in a public code table. A code that is not in it is not
shipped, and a seed that names one is refused.
"""

import re
from functools import cache
from pathlib import Path

from app.knowledge.terms import CODE_SYSTEMS

CODE_TABLE = "codes.md"
# The table may note after a display the entry term the code was found under; the display
# served is the code's own name, without that note.
_NOTE = re.compile(r"\s*\(.*\)$")


@cache
def verified_codes(path: Path) -> dict[tuple[str, str], str]:
    """(short system name, code) -> display, for every row of the table at `path`."""
    verified: dict[tuple[str, str], str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1] in CODE_SYSTEMS:
            _entity, system, code, display, _source = cells
            verified[(system, code)] = _NOTE.sub("", display)
    return verified
