"""Cursor pagination over objects kept in creation order.

Objects are ordered by ``(created_at, seq)``: ``seq`` is a creation counter, so
objects made in the same second (or under a clock moved backwards) still have
one total order. ``after``/``before`` are object ids, as in the real API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sortedcontainers import SortedList

from vsmock.errors import CursorNotFound

Key = tuple[int, int, str]  # (created_at, seq, id)


class Ordering:
    """The creation order of one collection, with O(log n) cursor lookups."""

    def __init__(self) -> None:
        self._keys: SortedList = SortedList()
        self._by_id: dict[str, Key] = {}

    def add(self, object_id: str, created_at: int, seq: int) -> None:
        self.discard(object_id)
        key = (created_at, seq, object_id)
        self._keys.add(key)
        self._by_id[object_id] = key

    def discard(self, object_id: str) -> None:
        key = self._by_id.pop(object_id, None)
        if key is not None:
            self._keys.remove(key)

    def clear(self) -> None:
        self._keys.clear()
        self._by_id.clear()

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._by_id

    def ids(self) -> list[str]:
        return [key[2] for key in self._keys]

    def page(
        self,
        *,
        limit: int,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        keep: Callable[[str], bool] | None = None,
    ) -> Page:
        """One page of ids, in the requested order.

        ``after`` starts the page just past that object; ``before`` ends it just before
        that object (the page nearest the cursor). Both together bound the page on
        each side, as the SDK may send when the caller fixed ``before``.
        """
        keys = self._keys
        lo, hi = 0, len(keys)  # the window [lo, hi) in ascending order
        for cursor, is_after in ((after, True), (before, False)):
            if cursor is None:
                continue
            key = self._by_id.get(cursor)
            if key is None:
                raise CursorNotFound("after" if is_after else "before")
            at = keys.bisect_left(key)
            if is_after == (order == "asc"):
                lo = max(lo, at + 1)
            else:
                hi = min(hi, at)
        # Walk away from `after` (or from the start of the order when only `before`
        # is given, towards it, so the page is the one nearest that cursor).
        toward_before = before is not None and after is None
        ascending = (order == "asc") != toward_before
        # One O(log n) seek, then O(1) per key (indexing each key would seek every time).
        window: Iterator[Key] = keys.islice(lo, hi, reverse=not ascending)
        picked: list[str] = []
        has_more = False
        for key in window:
            object_id = key[2]
            if keep is not None and not keep(object_id):
                continue
            if len(picked) == limit:
                has_more = True
                break
            picked.append(object_id)
        if toward_before:
            picked.reverse()
        return Page(picked, has_more)


@dataclass
class Page:
    ids: list[str]
    has_more: bool


def list_object(data: list[dict], has_more: bool) -> dict:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }
