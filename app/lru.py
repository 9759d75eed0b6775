"""A memory-bounded store of computed answers: least recently used first out."""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """Values by key, the least recently used forgotten once their costs pass `max_bytes`.

    `cost` says what a value holds in memory (with its key); a value dearer than the whole
    bound is not kept.
    """

    def __init__(self, max_bytes: int, cost: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self.cost = cost
        self.entries: OrderedDict[K, V] = OrderedDict()
        self.size = 0

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: K) -> V | None:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        cost = self.cost(value)
        if cost > self.max_bytes:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= self.cost(old)
        self.entries[key] = value
        self.size += cost
        while self.size > self.max_bytes:
            _, evicted = self.entries.popitem(last=False)
            self.size -= self.cost(evicted)

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0
