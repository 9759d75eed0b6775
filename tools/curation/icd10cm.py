"""ICD-10-CM codes checked against the release itself (the pinned package simple-icd-10-cm).

Every ICD-10-CM code a seed names must be in the verified code table (seed/codes.md) with the
table's display (app/knowledge/checks.py); here each of the table's ICD-10-CM codes is checked
against the release the API looks codes up in: it must be a code of it (a category or a code,
written as the release writes it) and carry the release's name for it. So every ICD-10-CM code
the seeds name is verified by the package, not by eye.
"""

from pathlib import Path

from app.knowledge.codes import CODE_SYSTEMS, CODE_TABLE, read_code_table
from app.knowledge.problems import Problem
from app.lookup import icd10cm_code, icd10cm_display, icd10cm_release
from app.served import lookup_key

SYSTEM = "ICD-10-CM"


def icd10cm_problems(seeds: Path) -> list[Problem]:
    """Each ICD-10-CM code of the code table in `seeds` that the release does not have, or
    names otherwise, with the release's code and name (a table that cannot be read is
    reported by the loader)."""
    path = seeds / CODE_TABLE
    try:
        table = read_code_table(path)
    except OSError:
        return []
    release = f"the ICD-10-CM release of {icd10cm_release()}"
    problems: list[Problem] = []
    for (system, code), verified in sorted(table.items()):
        if system != SYSTEM:
            continue
        item = f"{SYSTEM} {code}"
        found = icd10cm_code(lookup_key(CODE_SYSTEMS[SYSTEM], code))
        if found is None:
            problems.append(
                Problem(path, item, f"is not a code of {release}: correct it, or leave it out")
            )
            continue
        if found != code:
            problems.append(Problem(path, item, f"{release} writes it {found!r}"))
        named = icd10cm_display(found)
        if verified.display != named:
            problems.append(
                Problem(
                    path,
                    item,
                    f"{release} names it {named!r}, not {verified.display!r}: correct the "
                    "display (a landed seed is corrected by a new seed and its migration)",
                )
            )
    return problems
