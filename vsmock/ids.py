"""The one source of identifiers.

Each kind of id has its own stream derived from the seed, so adding a request
(which consumes a request id) never shifts the ids of objects, and a seed
always yields the same sequence of ``vs_…``, ``file-…`` and ``vsfb_…`` ids.
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
    "request": ("req_", _HEX, 32),
}


class IdSource:
    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self.seed: int = 0
        self._streams: dict[str, random.Random] = {}
        self.reset(seed)

    def reset(self, seed: int | None = None) -> None:
        """Restart every stream from ``seed`` (a fresh random seed when None)."""
        with self._lock:
            self.seed = seed if seed is not None else secrets.randbits(63)
            self._streams = {kind: random.Random(f"{self.seed}:{kind}") for kind in KINDS}

    def new(self, kind: str) -> str:
        prefix, alphabet, length = KINDS[kind]
        with self._lock:
            return prefix + draw(self._streams[kind], alphabet, length)


def draw(rng: random.Random, alphabet: str, length: int) -> str:
    """``length`` characters of ``alphabet``: exactly ``rng.choice(alphabet)`` drawn
    ``length`` times (the same draws of the same bits, so the same ids), without its
    per-character calls; every request takes a request id."""
    n = len(alphabet)
    bits = n.bit_length()
    getrandbits = rng.getrandbits
    out: list[str] = []
    while len(out) < length:
        r = getrandbits(bits)
        if r < n:
            out.append(alphabet[r])
    return "".join(out)
