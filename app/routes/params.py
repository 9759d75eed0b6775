"""Query and path parameters shared by the routes, declared once with their bounds."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote_to_bytes

from fastapi import Depends, Path, Query, Request

from app.errors import PLAIN_TEXT_PATTERN, SLUG_PATTERN, InvalidParameter

MAX_OFFSET = 1_000_000
MAX_TEXT = 200


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
    Query(
        max_length=100,
        pattern=SLUG_PATTERN,
        description="Only items of the condition with this slug.",
    ),
]
TextQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_TEXT,
        pattern=PLAIN_TEXT_PATTERN,
        description="Only items whose name or description contains this text.",
    ),
]


def utf8_query(request: Request) -> None:
    """Refuse a query string that is not UTF-8, rather than read it with replacement characters."""
    for pair in request.scope["query_string"].split(b"&"):
        name, _, value = (
            unquote_to_bytes(part) for part in pair.replace(b"+", b" ").partition(b"=")
        )
        try:
            name.decode(), value.decode()
        except UnicodeDecodeError:
            raise InvalidParameter(name.decode(errors="replace"), "must be UTF-8 text") from None
