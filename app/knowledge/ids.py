"""How the knowledge names things: the slug every item has, and the id of every claim.

A claim is what evidence backs: a statement, a condition's definition, a guidance section.
The seeds, the rows written from them and the served pages all name claims this way.
"""

import re

from app.knowledge.formats import StatementSeed

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def statement_id(condition: str, statement: StatementSeed) -> str:
    """condition/[subject/]predicate/object[/cause type]: stable as long as the claim is."""
    parts = [condition]
    if statement.subject is not None:
        parts.append(statement.subject)
    parts += [statement.predicate, statement.object]
    if statement.cause_type is not None:
        parts.append(statement.cause_type)
    return "/".join(parts)


# The other claims evidence backs: a condition's definition, and its guidance sections.
def definition_claim(condition: str) -> str:
    return f"{condition}/definition"


def guidance_claim(condition: str, slug: str) -> str:
    return f"{condition}/guidance/{slug}"
