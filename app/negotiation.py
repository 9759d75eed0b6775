"""Content negotiation: one reader of weighted headers (Accept, Accept-Encoding), RFC 9110, 12.4.

An element is a token (a media range or a content coding) with optional parameters, one of which
may be the weight `q`. What the client gives an offer is the weight of the most specific element
that matches it (`application/json` before `application/*` before `*/*`; `gzip` before `*`), so
`application/json;q=0.5, */*` ranks JSON-LD (q=1) above JSON, and `gzip;q=0, *` refuses gzip.
"""

import re

# RFC 9110, 12.4.2: at most three decimals, never above 1. Anything else is not a weight a
# client meant, and counts as "not acceptable" rather than as a guess.
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
# A parameter value may be a quoted string, which may hold commas and semicolons.
ELEMENT = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+')
PARAMETER = re.compile(r'\s*;\s*([^=;\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;]*))?')

Weights = list[tuple[str, float]]

JSON = "application/json"
JSON_LD = "application/ld+json"
HTML = "text/html"
# An answer chosen by the request's Accept header: caches must key it by Accept.
VARY_ACCEPT = {"Vary": "Accept"}


def weights(header: str) -> Weights:
    """Each element's token (lowercased, parameters dropped) and weight, in the header's order."""
    elements: Weights = []
    for match in ELEMENT.finditer(header):
        element = match.group()
        token, separator, parameters = element.partition(";")
        token = token.strip().lower()
        if not token:
            continue
        weight = 1.0
        for name, value in PARAMETER.findall(separator + parameters):
            if name.lower() == "q":
                value = value.strip()
                weight = float(value) if QVALUE.fullmatch(value) else 0.0
        elements.append((token, weight))
    return elements


def _specificity(token: str, offer: str) -> int:
    """How closely `token` names `offer`: 2 exactly, 1 as type/*, 0 as a wildcard, -1 not at all."""
    if token == offer:
        return 2
    if token in ("*", "*/*"):
        return 0
    if token.endswith("/*") and offer.startswith(token[:-1]):
        return 1
    return -1


def _match(elements: Weights, offer: str) -> tuple[float, int]:
    """The weight the client gives `offer` (that of the most specific element naming it, else 0),
    and how specific that element is."""
    best, weight = -1, 0.0
    for token, q in elements:
        specificity = _specificity(token, offer)
        if specificity > best:
            best, weight = specificity, q
        elif specificity == best >= 0:
            weight = max(weight, q)
    return weight, best


def choose(header: str, offers: list[str]) -> str | None:
    """The offer the client wants most; None if it takes none.

    Of offers with the same weight, the one the client named more precisely wins
    (`application/ld+json, */*` asks for JSON-LD), then the first offer.
    """
    elements = weights(header)
    chosen, best = None, (0.0, -1)
    for offer in offers:
        rank = _match(elements, offer)
        if rank[0] > 0 and rank > best:
            chosen, best = offer, rank
    return chosen


def accepts(header: str, offer: str) -> bool:
    """Whether the client takes `offer` at all (a weight above 0)."""
    return _match(weights(header), offer)[0] > 0
