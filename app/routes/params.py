"""Query and path parameters shared by the routes, declared once with their bounds.

Every dependency here is `async`: it does no I/O, and a plain function would cost a trip to
a worker thread on every request.
"""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes, urlencode

from fastapi import Path, Query, Request
from pydantic import BaseModel, Field

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


def _slug(description: str) -> Any:
    return Field(None, max_length=100, pattern=SLUG_PATTERN, description=description)


def condition_field() -> Any:
    return _slug(
        "Only items the source of the condition with this slug names, with its statements."
    )


# A list's query parameters are one model per list (validated in one go, which costs a good
# deal less per request than a dependency per group of parameters).
class PageQuery(BaseModel):
    """Which page of a list."""

    limit: int = Field(50, ge=1, le=100, description="How many items to return.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many matching items to skip.")

    @property
    def paging(self) -> Paging:
        return Paging(limit=self.limit, offset=self.offset)


class ListQuery(PageQuery):
    """A page of a list of concepts, and what narrows it."""

    condition: str | None = condition_field()
    q: str | None = Field(
        None,
        max_length=MAX_TEXT,
        pattern=PLAIN_TEXT_PATTERN,
        description="Only items whose name, aliases or description contain this text.",
    )
    certainty: str | None = _slug(
        "Only items with a statement of this certainty (see /vocabulary)."
    )

    @property
    def filters(self) -> Filters:
        return Filters(**self.model_dump(exclude=set(PAGE_PARAMETERS)))


class RiskFactorQuery(ListQuery):
    cause: str | None = _slug("Only risk factors named under this cause type (slug).")


class KindQuery(ListQuery):
    kind: str | None = _slug("Only items of this kind (see /vocabulary).")


class DrugQuery(ListQuery):
    treatment: str | None = _slug("Only drugs the treatment with this slug gives.")


PageQueryDep = Annotated[PageQuery, Query()]
SlugPath = Annotated[
    str,
    Path(max_length=100, pattern=SLUG_PATTERN, description="The item's kebab-case slug."),
]


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
