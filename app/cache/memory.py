"""What the kept answers cost in memory: each entry counted object by object, for the bound,
and the header lines many entries carry kept once."""

from sys import getsizeof as sizeof

from app.cache.entry import Entry, Line
from app.cache.key import Key

# What the table of entries spends on each (its slot and its place in the recency order), as
# tracemalloc measures an OrderedDict of many entries; the entry's own objects are counted one by
# one (see `cost`).
SLOT_BYTES = 100
# Header lines that many answers carry (content type, policies, Vary) are kept once and shared by
# every entry; past this many distinct lines, each entry keeps its own.
SHARED_LINES = 1000


class SharedLines:
    """The header lines kept once, each the one copy every entry carrying it holds."""

    def __init__(self) -> None:
        self.lines: dict[Line, Line] = {}

    def share(self, line: Line) -> Line:
        """The one kept copy of a header line, so that entries carrying it share it."""
        kept = self.lines.get(line)
        if kept is None:
            if len(self.lines) >= SHARED_LINES:
                return line
            kept = self.lines[line] = line
        return kept

    def clear(self) -> None:
        self.lines.clear()


def cost(key: Key, entry: Entry, shared: SharedLines) -> int:
    """The bytes an entry and its key hold that no other entry shares, for the memory bound.

    Counted object by object: for small answers, the key, tags and header lists weigh more
    than the body, and a flat guess let the cache grow to several times its bound.
    """
    size = SLOT_BYTES + sizeof(key) + sum(map(sizeof, key)) + sizeof(entry)
    for kept in (entry.identity, entry.gzipped):
        if kept is None:
            continue
        size += sizeof(kept) + sizeof(kept.body) + sizeof(kept.etag)
        size += sizeof(kept.headers) + sizeof(kept.not_modified_headers)
        for line in kept.headers:
            if shared.lines.get(line) is not line:
                size += sizeof(line) + (0 if line[1] is kept.etag else sizeof(line[1]))
    return size
