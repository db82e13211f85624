"""The one source of ids: shapes, streams per kind, and the same ids for the same seed."""

from __future__ import annotations

import random
import re

import pytest

from vsmock.control.ids import KINDS, IdSource, draw


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_draw_is_random_choice_drawn_length_times(kind: str) -> None:
    """Recorded scenarios hold ids made by ``rng.choice``: ``draw`` must give the very same
    characters and leave the generator in the very same state, on this Python."""
    _, alphabet, length = KINDS[kind]
    ours, reference = random.Random(f"3:{kind}"), random.Random(f"3:{kind}")
    for _ in range(500):
        assert draw(ours, alphabet, length) == "".join(
            reference.choice(alphabet) for _ in range(length)
        )
    assert ours.getstate() == reference.getstate()


@pytest.mark.parametrize("first", [0, 0x100], ids=["ascii", "wide"])
@pytest.mark.parametrize("size", [1, 2, 3, 16, 17, 33, 62, 64, 65, 127, 128, 255])
def test_draw_matches_random_choice_for_any_alphabet(size: int, first: int) -> None:
    """Rejection (values past the alphabet) and every bit length, not only the shipped kinds;
    ASCII alphabets of draws up to a byte take the batched path, the others one at a time."""
    alphabet = "".join(chr(first + i) for i in range(size))
    ours, reference = random.Random(size), random.Random(size)
    for length in [1, 2, 7, 32, 50, 200] * 20:
        assert draw(ours, alphabet, length) == "".join(
            reference.choice(alphabet) for _ in range(length)
        )
    assert ours.getstate() == reference.getstate()


@pytest.mark.parametrize("seed", [0, 7, 2**62 + 5])
def test_ids_are_the_streams_random_choices_in_order(seed: int) -> None:
    """The source keeps characters drawn ahead: each kind's ids must still be its stream's
    ``rng.choice`` characters in order, across kinds interleaved, a reset, and a resume."""
    kinds = sorted(KINDS)
    ids = IdSource(seed)
    for round_ in range(2):
        references = {kind: random.Random(f"{seed}:{kind}") for kind in kinds}
        order = random.Random(round_)
        for _ in range(3000):
            kind = order.choice(kinds)
            prefix, alphabet, length = KINDS[kind]
            expected = prefix + "".join(references[kind].choice(alphabet) for _ in range(length))
            assert ids.new(kind) == expected
        positions = ids.positions()
        ids.reset(seed)  # the same ids again from the start
    resumed = IdSource(seed)
    resumed.resume(positions)
    for kind in ("vector_store", "file"):
        assert resumed.new(kind) == ids_after(seed, kind, positions[kind])


def ids_after(seed: int, kind: str, drawn: int) -> str:
    """The id ``rng.choice`` gives ``kind`` after ``drawn`` ids."""
    prefix, alphabet, length = KINDS[kind]
    reference = random.Random(f"{seed}:{kind}")
    for _ in range(drawn * length):
        reference.choice(alphabet)
    return prefix + "".join(reference.choice(alphabet) for _ in range(length))


def test_shapes_and_streams() -> None:
    ids = IdSource(7)
    assert re.fullmatch(r"vs_[0-9a-f]{32}", ids.new("vector_store"))
    assert re.fullmatch(r"file-[0-9A-Za-z]{22}", ids.new("file"))
    assert re.fullmatch(r"vsfb_[0-9a-f]{32}", ids.new("batch"))
    assert re.fullmatch(r"req_[0-9a-f]{32}", ids.new("request"))
    # Requests take ids from their own stream: they never shift the ids of objects.
    busy = IdSource(7)
    for _ in range(10):
        busy.new("request")
    assert busy.new("vector_store") == IdSource(7).new("vector_store")
    assert IdSource(8).new("vector_store") != IdSource(7).new("vector_store")
