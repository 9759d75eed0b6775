"""Query and path parameters shared by the routes, declared once with their bounds.

Every dependency here is `async`: it does no I/O, and a plain function would cost a trip to
a worker thread on every request.
"""

from dataclasses import dataclass
from difflib import get_close_matches
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote_to_bytes, urlencode

from fastapi import Path, Query, Request
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo
from starlette.routing import BaseRoute

from app.errors import PLAIN_TEXT_PATTERN, SLUG_PATTERN, InvalidParameter, UnknownParameter
from app.graph import Filters

MAX_OFFSET = 1_000_000
PAGE_PARAMETERS = ("limit", "offset")
MAX_TEXT = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int

    def window(self, items: list[T]) -> list[T]:
        return items[self.offset : self.offset + self.limit]

    def links(self, request: Request, total: int) -> dict[str, str]:
        """A Link header (RFC 8288) to the first, previous, next and last pages of `total` items.

        Each link is the request's own path and query with another offset: relative, so it
        holds behind any host or proxy. `next`, `prev` and `last` are on the request's own
        sequence of pages (its offset plus or minus steps of `limit`), so that following `next`
        reaches `last`; `prev` stops at the first page.
        """
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in PAGE_PARAMETERS]
        last = last_offset(self.offset, self.limit, total)
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


def last_offset(offset: int, limit: int, total: int) -> int:
    """The offset of the last page of `total` items on the sequence of pages `offset` is on
    (offset plus or minus steps of `limit`): the last that starts on an item, or, when none of
    them does, the sequence's first (0 for an empty list read from its start)."""
    start = offset % limit
    if total <= start:
        return start
    return start + (total - 1 - start) // limit * limit


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
    """Refuse a query string that is not UTF-8, rather than read it with replacement characters,
    and any query parameter the operation does not define, rather than answer as if it were not
    there (a misspelt filter would answer the whole list)."""
    query = request.scope["query_string"]
    if not query:
        return
    route = request.scope.get("route")
    defined = None if route is None else query_parameters(route)
    unknown: dict[str, None] = {}
    for pair in query.split(b"&"):
        if not pair:
            continue  # `a=1&&b=2`: no parameter, as the routes read it
        name, _, value = (
            unquote_to_bytes(part) for part in pair.replace(b"+", b" ").partition(b"=")
        )
        try:
            decoded, _ = name.decode(), value.decode()
        except UnicodeDecodeError:
            raise InvalidParameter(name.decode(errors="replace"), "must be UTF-8 text") from None
        if defined is not None and decoded not in defined.names:
            unknown[decoded] = None
    if unknown and defined is not None:
        raise UnknownParameter({name: defined.hint(name) for name in unknown})


@dataclass(frozen=True)
class QueryParameters:
    """The query parameters an operation defines: in the order it declares them, and as a set."""

    ordered: tuple[str, ...]
    names: frozenset[str]

    def hint(self, unknown: str) -> str:
        """What a client sending `unknown` may have meant: the closest name, or every name."""
        if not self.ordered:
            return "this operation takes no query parameters"
        by_lower = {name.lower(): name for name in self.ordered}
        lowered = unknown.lower()
        close = [lowered] if lowered in by_lower else get_close_matches(lowered, by_lower, n=1)
        if close:
            return f"did you mean `{by_lower[close[0]]}`?"
        return "this operation takes " + ", ".join(f"`{name}`" for name in self.ordered)


# Where a route keeps its QueryParameters, read from its dependant once: routes never change
# once the app is built. (A route is not hashable, so no dictionary could hold them.)
DEFINED_ATTRIBUTE = "defined_query_parameters"


def query_parameters(route: BaseRoute) -> QueryParameters | None:
    """The query parameters `route` defines (None for a route FastAPI did not build)."""
    defined: QueryParameters | None = getattr(route, DEFINED_ATTRIBUTE, None)
    if defined is None:
        dependant: Dependant | None = getattr(route, "dependant", None)
        if dependant is None:
            return None
        ordered = tuple(dict.fromkeys(_query_names(dependant)))
        defined = QueryParameters(ordered, frozenset(ordered))
        setattr(route, DEFINED_ATTRIBUTE, defined)
    return defined


def _query_names(dependant: Dependant) -> list[str]:
    """The names of the query parameters of `dependant` and of its dependencies; a model's
    fields (`Annotated[ListQuery, Query()]`) each by the name a client sends."""
    names: list[str] = []
    for field in dependant.query_params:
        model = field.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            names.extend(_alias(name, info) for name, info in model.model_fields.items())
        else:
            names.append(field.alias)
    for dependency in dependant.dependencies:
        names.extend(_query_names(dependency))
    return names


def _alias(name: str, info: FieldInfo) -> str:
    alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
    return alias or name
