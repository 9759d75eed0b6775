"""Query and path parameters shared by the routes, declared once with their bounds.

Every dependency here is `async`: it does no I/O, and a plain function would cost a trip to
a worker thread on every request.
"""

from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes, urlencode

from fastapi import Depends, Path, Query, Request

from app.errors import PLAIN_TEXT_PATTERN, SLUG_PATTERN, InvalidParameter
from app.graph import Filters

MAX_OFFSET = 1_000_000
PAGE_PARAMETERS = ("limit", "offset")
MAX_TEXT = 200


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int

    def window(self, items: list[str]) -> list[str]:
        return items[self.offset : self.offset + self.limit]

    def links(self, request: Request, total: int) -> dict[str, str]:
        """A Link header (RFC 8288) to the first, previous, next and last pages of `total` items.

        Each link is the request's own path and query with another offset: relative, so it
        holds behind any host or proxy.
        """
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in PAGE_PARAMETERS]
        last = max(total - 1, 0) // self.limit * self.limit
        pages = {"first": 0}
        if self.offset > 0:
            pages["prev"] = min(max(self.offset - self.limit, 0), last)
        if self.offset + self.limit < total:
            pages["next"] = self.offset + self.limit
        pages["last"] = last
        path = request.url.path
        return {
            "Link": ", ".join(
                f"<{path}?{urlencode([*kept, ('limit', self.limit), ('offset', offset)])}>; "
                f'rel="{rel}"'
                for rel, offset in pages.items()
            )
        }


async def paging(
    limit: Annotated[int, Query(ge=1, le=100, description="How many items to return.")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="How many matching items to skip.")
    ] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


def slug_query(description: str) -> Any:
    return Query(max_length=100, pattern=SLUG_PATTERN, description=description)


PagingDep = Annotated[Paging, Depends(paging)]
SlugPath = Annotated[
    str,
    Path(max_length=100, pattern=SLUG_PATTERN, description="The item's kebab-case slug."),
]
ConditionQuery = Annotated[
    str | None,
    slug_query("Only items the source of the condition with this slug names, with its statements."),
]
TextQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_TEXT,
        pattern=PLAIN_TEXT_PATTERN,
        description="Only items whose name, aliases or description contain this text.",
    ),
]
CertaintyQuery = Annotated[
    str | None,
    slug_query("Only items with a statement of this certainty (see /vocabulary)."),
]


async def filters(
    condition: ConditionQuery = None, q: TextQuery = None, certainty: CertaintyQuery = None
) -> Filters:
    return Filters(condition=condition, q=q, certainty=certainty)


FiltersDep = Annotated[Filters, Depends(filters)]


async def risk_factor_filters(
    base: FiltersDep,
    cause: Annotated[
        str | None, slug_query("Only risk factors named under this cause type (slug).")
    ] = None,
) -> Filters:
    return replace(base, cause=cause)


async def kind_filters(
    base: FiltersDep,
    kind: Annotated[str | None, slug_query("Only items of this kind (see /vocabulary).")] = None,
) -> Filters:
    return replace(base, kind=kind)


async def drug_filters(
    base: FiltersDep,
    treatment: Annotated[
        str | None, slug_query("Only drugs the treatment with this slug gives.")
    ] = None,
) -> Filters:
    return replace(base, treatment=treatment)


async def utf8_query(request: Request) -> None:
    """Refuse a query string that is not UTF-8, rather than read it with replacement characters."""
    for pair in request.scope["query_string"].split(b"&"):
        name, _, value = (
            unquote_to_bytes(part) for part in pair.replace(b"+", b" ").partition(b"=")
        )
        try:
            name.decode(), value.decode()
        except UnicodeDecodeError:
            raise InvalidParameter(name.decode(errors="replace"), "must be UTF-8 text") from None
