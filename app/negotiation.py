"""Content negotiation: which of two media types a request's Accept header ranks higher."""


def quality(accept: str, media_type: str) -> float:
    """How much `accept` wants `media_type`; an exact match outranks a wildcard of equal weight."""
    main_type = media_type.split("/")[0]
    best = 0.0
    for part in accept.split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        name = name.lower()
        if name in (media_type, f"{main_type}/*", "*/*"):
            weight = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
            try:
                q = float(weight)
            except ValueError:
                q = 0.0
            best = max(best, q + (0.001 if name == media_type else 0.0))
    return best


def prefers(accept: str, media_type: str, over: str) -> bool:
    """Whether `accept` ranks `media_type` above `over`; `over` wins ties."""
    return quality(accept, media_type) > quality(accept, over)
