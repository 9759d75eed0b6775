"""Query and path parameters shared by the routes, declared once with their bounds."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query

MAX_OFFSET = 1_000_000
MAX_TEXT = 200
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=100, description="How many items to return.")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="How many matching items to skip.")
    ] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]
SlugPath = Annotated[
    str,
    Path(max_length=100, pattern=SLUG_PATTERN, description="The item's kebab-case slug."),
]
ConditionQuery = Annotated[
    str | None,
    Query(max_length=100, description="Only items of the condition with this slug."),
]
TextQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_TEXT, description="Only items whose name or description contains this text."
    ),
]
