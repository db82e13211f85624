"""The one source of identifiers.

Each kind of id has its own stream derived from the seed, so adding a request
(which consumes a request id) never shifts the ids of objects, and a seed
always yields the same sequence of ``vs_…``, ``file-…``, ``vsfb_…``, ``resp_…``, ``fs_…``
and ``msg_…`` ids.

How far each stream has gone (:meth:`IdSource.positions`) is kept with the state
(``backend/state.py``), so a server restarted on the same data directory with the same
seed continues the sequence (:meth:`IdSource.resume`) instead of handing out the ids of
deleted objects again: the real API never reuses an id.
"""

from __future__ import annotations

import random
import secrets
import string
import threading

_BASE62 = string.digits + string.ascii_letters
_HEX = "0123456789abcdef"

# kind -> (prefix, alphabet, length). Shapes follow the live API's ids.
KINDS: dict[str, tuple[str, str, int]] = {
    "vector_store": ("vs_", _HEX, 32),
    "file": ("file-", _BASE62, 22),
    "batch": ("vsfb_", _HEX, 32),
    "response": ("resp_", _HEX, 50),
    "file_search_call": ("fs_", _HEX, 50),
    "message": ("msg_", _HEX, 50),
    "request": ("req_", _HEX, 32),
}
# The kinds whose ids name stored objects (request ids are per request, never stored).
OBJECT_KINDS = tuple(kind for kind in KINDS if kind != "request")


POOL_WORDS = 1024  # generator words turned into characters at a time, for each kind


class IdSource:
    """Each kind's ids are its stream's characters, ``rng.choice(alphabet)`` after
    ``rng.choice(alphabet)``, cut into ids of the kind's length. Characters are drawn
    ``POOL_WORDS`` words at a time and kept until used: the same characters in the same
    order (so the same ids), for a few calls per many ids instead of a few per id."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self.seed: int = 0
        self._streams: dict[str, random.Random] = {}
        self._pools: dict[str, str] = {}
        self._drawn: dict[str, int] = {}
        self.reset(seed)

    def reset(self, seed: int | None = None) -> None:
        """Restart every stream from ``seed`` (a fresh random seed when None)."""
        with self._lock:
            self.seed = seed if seed is not None else secrets.randbits(63)
            self._streams = {kind: random.Random(f"{self.seed}:{kind}") for kind in KINDS}
            self._pools = dict.fromkeys(KINDS, "")
            self._drawn = dict.fromkeys(KINDS, 0)

    def new(self, kind: str) -> str:
        prefix, alphabet, length = KINDS[kind]
        with self._lock:
            self._drawn[kind] += 1
            return prefix + self._characters(kind, alphabet, length)

    def _characters(self, kind: str, alphabet: str, length: int) -> str:
        """The next ``length`` characters of ``kind``'s stream (the lock held)."""
        pool = self._pools[kind]
        if len(pool) < length:
            wanted = length - len(pool)
            pool += draw(self._streams[kind], alphabet, wanted, at_least=POOL_WORDS)
        self._pools[kind] = pool[length:]
        return pool[:length]

    def drawn(self, kind: str) -> int:
        """How many ``kind`` ids this seed's stream has handed out."""
        return self._drawn[kind]

    def positions(self) -> dict[str, int]:
        """How many ids of each object kind this seed's streams have handed out."""
        with self._lock:
            return {kind: self._drawn[kind] for kind in OBJECT_KINDS}

    def resume(self, positions: dict[str, int]) -> None:
        """Move each stream on to ``positions`` (from :meth:`positions` of an earlier run
        with the same seed), so that the next id is the one that run would have drawn."""
        with self._lock:
            for kind, target in positions.items():
                if kind not in OBJECT_KINDS:
                    continue
                prefix, alphabet, length = KINDS[kind]
                while self._drawn[kind] < target:
                    self._drawn[kind] += 1
                    self._characters(kind, alphabet, length)


def draw(rng: random.Random, alphabet: str, length: int, *, at_least: int = 0) -> str:
    """``length`` characters of ``alphabet``: exactly ``rng.choice(alphabet)`` drawn
    ``length`` times (the same draws of the same bits, so the same ids), in a few calls
    instead of one per character.

    ``rng.choice`` draws ``getrandbits(k)`` (k = the alphabet's size's bit length) until
    the value names a character. ``getrandbits(k)`` is the top k bits of the generator's
    next 32-bit word, and ``getrandbits(32 * m)`` is its next m words at once, the first in
    the lowest bits. So for an ASCII alphabet with k <= 8, a word's draw is its top byte
    shifted, and one ``bytes.translate`` turns m top bytes into characters, dropping the
    refused ones. No more words are drawn than characters are still wanted, so the
    generator ends where ``rng.choice`` leaves it; unless ``at_least`` asks for that many
    words a call, when the characters of all of them are returned (at least ``length``)."""
    table = _tables.get(alphabet)
    if table is None:
        table = _tables[alphabet] = _table(alphabet)
    if table is _NO_TABLE:
        n = len(alphabet)
        bits = n.bit_length()
        getrandbits = rng.getrandbits
        out: list[str] = []
        while len(out) < length:
            r = getrandbits(bits)
            if r < n:
                out.append(alphabet[r])
        return "".join(out)
    characters, refused = table
    drawn = b""
    while len(drawn) < length:
        wanted = max(length - len(drawn), at_least)
        words = rng.getrandbits(32 * wanted).to_bytes(4 * wanted, "little")
        drawn += words[3::4].translate(characters, refused)
    return drawn.decode("ascii")


_NO_TABLE: tuple[bytes, bytes] = (b"", b"")
_tables: dict[str, tuple[bytes, bytes]] = {}


def _table(alphabet: str) -> tuple[bytes, bytes]:
    """(top byte -> character, the top bytes whose draw is refused) for ``alphabet``;
    ``_NO_TABLE`` when a draw is more than a byte or a character is not ASCII."""
    n = len(alphabet)
    bits = n.bit_length()
    if not 0 < bits <= 8 or not alphabet.isascii():
        return _NO_TABLE
    shift = 8 - bits
    characters = bytes(ord(alphabet[top >> shift]) if top >> shift < n else 0 for top in range(256))
    refused = bytes(top for top in range(256) if top >> shift >= n)
    return characters, refused
