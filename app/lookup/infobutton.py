"""The Infobutton answer: a lookup as an Atom feed, in XML or in JSON, as MedlinePlus Connect
answers the HL7 Context-Aware Knowledge Retrieval (Infobutton) URL-based requests.

The feed names the request in its categories (`mainSearchCriteria.v.c`, `.v.cs`, `.v.dn`,
`informationRecipient`), and each entry is an item: its name as the title, a link to its page
here, and a summary (its description, then how it fits the code, in words for the recipient:
plain for a patient, the matched code for a provider). The JSON form is MedlinePlus Connect's:
each element an object, its text under `_value`, its attributes beside it.
"""

import json
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from app import served
from app.lookup import (
    BROADER,
    EXACT,
    NARROWER,
    RELATED,
    CodeSystem,
    LookupHit,
    UnknownCode,
    lookup,
)
from app.negotiation import JSON
from app.schemas import SearchHit
from app.search import search
from app.served import Shape

ATOM = "http://www.w3.org/2005/Atom"
TITLE = "Condition Knowledge API"
# Entries a feed holds at most, best first (MedlinePlus Connect gives up to three).
MAX_ENTRIES = 10
XML = "text/xml"
# The parameter that carries the requesting organization's password at the resource: never
# answered back, never logged.
CERTIFICATE = "holder.assignedEntity.certificateText"
# The guide's parameters that make the answer.
CODE, SYSTEM, DISPLAY_NAME = (
    "mainSearchCriteria.v.c",
    "mainSearchCriteria.v.cs",
    "mainSearchCriteria.v.dn",
)
RESPONSE_TYPE, RECIPIENT, LANGUAGE_CODE = (
    "knowledgeResponseType",
    "informationRecipient",
    "informationRecipient.languageCode.c",
)
PATIENT, PROVIDER = "PAT", "PROV"
LANGUAGE = "en"
# How an item fits the code sent, said to a patient.
FITS = {
    EXACT: "About what this code names.",
    BROADER: "About a broader category that includes what this code names.",
    NARROWER: "About something more specific than what this code names.",
    RELATED: "About something related to what this code names.",
}
# ... and to a provider, after the code that matched.
PROVIDER_FITS = {
    EXACT: "exactly",
    BROADER: "a broader category than the code sent",
    NARROWER: "more specific than the code sent",
    RELATED: "related to the code sent",
}


class _Atom(BaseModel):
    model_config = ConfigDict(frozen=True, serialize_by_alias=True, validate_by_name=True)


class AtomValue(_Atom):
    """An Atom element's text."""

    value: str = Field(alias="_value")


class AtomText(_Atom):
    """An Atom text construct: its text, and its type (`text`)."""

    value: str = Field(alias="_value")
    type: str = "text"


class AtomLink(_Atom):
    title: str
    rel: str = "alternate"
    type: str = Field(description="The media type of what the link leads to.")
    href: str


class AtomCategory(_Atom):
    """A parameter of the request, as the feed repeats it."""

    scheme: str
    term: str


class AtomAuthor(_Atom):
    name: AtomValue
    uri: AtomValue


class AtomEntry(_Atom):
    """An item the request leads to."""

    lang: str
    title: AtomText
    link: list[AtomLink]
    id: AtomValue
    updated: AtomValue
    summary: AtomText


class AtomFeed(_Atom):
    """The answer: the request's parameters as categories, and an entry per item, best first."""

    base: str
    lang: str
    title: AtomText
    subtitle: AtomText
    author: AtomAuthor
    updated: AtomValue
    category: list[AtomCategory]
    id: AtomValue
    entry: list[AtomEntry]


class InfobuttonFeed(_Atom):
    """An Infobutton knowledge response, as MedlinePlus Connect's JSON gives it."""

    feed: AtomFeed


def summary(description: str, hit: LookupHit | None, recipient: str, label: str) -> str:
    """The item's description, then how it fits the code, in words for the recipient."""
    if hit is None:  # found by its name
        said = "Found by its name, not by a code." if recipient == PROVIDER else ""
    elif recipient == PROVIDER:
        code = hit.code
        said = f"Matched by {label} {code.code} ({code.display}), {PROVIDER_FITS[hit.relation]}"
        said += f", through {hit.via.code} ({hit.via.display})." if hit.via else "."
    else:
        said = FITS[hit.relation]
    return " ".join(text for text in (description, said) if text)


def entry(
    *, name: str, path: str, text: str, base: str, updated: str, media_type: str
) -> AtomEntry:
    href = f"{base}{path}"
    return AtomEntry(
        lang=LANGUAGE,
        title=AtomText(value=name),
        link=[AtomLink(title=name, type=media_type, href=href)],
        id=AtomValue(value=href),
        updated=AtomValue(value=updated),
        summary=AtomText(value=text),
    )


def feed(
    *,
    base: str,
    request_id: str,
    updated: str,
    system: CodeSystem | None,
    code: str | None,
    display_name: str | None,
    recipient: str,
    entries: list[AtomEntry],
) -> InfobuttonFeed:
    asked = f"{system.label} {code}" if system and code else f'"{display_name or ""}"'
    return InfobuttonFeed(
        feed=AtomFeed(
            base=f"{base}/",
            lang=LANGUAGE,
            title=AtomText(value=TITLE),
            subtitle=AtomText(value=f"{TITLE} results for {asked}"),
            author=AtomAuthor(name=AtomValue(value=TITLE), uri=AtomValue(value=base)),
            updated=AtomValue(value=updated),
            category=[
                AtomCategory(scheme="mainSearchCriteria.v.c", term=code or ""),
                AtomCategory(scheme="mainSearchCriteria.v.cs", term=system.oid if system else ""),
                AtomCategory(scheme="mainSearchCriteria.v.dn", term=display_name or ""),
                AtomCategory(scheme="informationRecipient", term=recipient),
            ],
            id=AtomValue(value=request_id),
            entry=entries,
        )
    )


def atom_xml(answer: InfobuttonFeed) -> bytes:
    """The feed as an Atom document (RFC 4287)."""
    data = answer.feed
    root = Element("feed", {"xmlns": ATOM, "xml:base": data.base, "xml:lang": data.lang})
    _text(root, "title", data.title)
    _text(root, "subtitle", data.subtitle)
    author = SubElement(root, "author")
    SubElement(author, "name").text = data.author.name.value
    SubElement(author, "uri").text = data.author.uri.value
    SubElement(root, "updated").text = data.updated.value
    for category in data.category:
        SubElement(root, "category", {"scheme": category.scheme, "term": category.term})
    SubElement(root, "id").text = data.id.value
    for item in data.entry:
        element = SubElement(root, "entry", {"xml:lang": item.lang})
        _text(element, "title", item.title)
        for link in item.link:
            SubElement(element, "link", _attributes(link))
        SubElement(element, "id").text = item.id.value
        SubElement(element, "updated").text = item.updated.value
        _text(element, "summary", item.summary)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode").encode()


def _text(parent: Element, tag: str, text: AtomText) -> None:
    SubElement(parent, tag, {"type": text.type}).text = text.value


def _attributes(link: AtomLink) -> dict[str, Any]:
    return {"href": link.href, "rel": link.rel, "type": link.type, "title": link.title}


def answer(
    connection: Connection,
    shape: Shape,
    *,
    base: str,
    request_id: str,
    system: CodeSystem | None,
    code: str | None,
    display_name: str | None,
    recipient: str,
) -> InfobuttonFeed:
    """The feed answering an infobutton request: what the code leads to, or, when it leads to
    nothing (or none is sent), what a search for the display name finds."""
    updated = shape.derived(knowledge_updated, connection)

    def entry_of(hit: LookupHit | SearchHit, matched: LookupHit | None, label: str) -> AtomEntry:
        text = summary(hit.description, matched, recipient, label)
        return entry(
            name=hit.name, path=hit.path, text=text, base=base, updated=updated, media_type=JSON
        )

    entries: list[AtomEntry] = []
    shown = code
    if system is not None and code is not None:
        try:
            found = lookup(connection, system, code, CODE)
        except UnknownCode:
            if display_name is None:
                raise
        else:
            shown = found.code
            entries = [entry_of(hit, hit, system.label) for hit in found.hits[:MAX_ENTRIES]]
    if not entries and display_name is not None:
        hits = search(connection, shape, display_name, limit=MAX_ENTRIES, offset=0)
        entries = [entry_of(hit, None, "") for hit in hits.items]
    return feed(
        base=base,
        request_id=request_id,
        updated=updated,
        system=system,
        code=shown,
        display_name=display_name,
        recipient=recipient,
        entries=entries,
    )


def knowledge_updated(connection: Connection) -> str:
    """When the knowledge was written, as an Atom date: the day of its revision (/meta)."""
    meta = json.loads(served.document(connection, "meta"))
    return f"{meta.get('knowledge_date') or '1970-01-01'}T00:00:00Z"
