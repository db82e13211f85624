"""How attached files move from ``in_progress`` to a final status.

With the defaults (0 polls, 0 seconds) a file is final as soon as it is attached.
Otherwise a file stays ``in_progress`` until both conditions that are set hold:
it has been read ``polls`` times (a retrieve of that vector-store file, of a
batch that holds it, or of its vector store; the N-th read returns the final
status; lists and searches are not status reads), and the mock clock
has reached ``attached + seconds``. ``fail`` makes the next K attached files end
``failed`` with the given ``last_error.code``.

``stall`` keeps the files attached while it is on ``in_progress`` through every read, as a
processing that never ends would (openai-python #3097). Turning it off releases them: each
finishes on its next status read, whatever its polls and seconds were.
"""

from __future__ import annotations

from dataclasses import dataclass

from vsmock.contract.json_types import JsonObject

FAIL_MESSAGES = {
    "server_error": "The server had an error while processing the file.",
    "unsupported_file": "The file type is not supported.",
    "invalid_file": "The file could not be parsed.",
}


@dataclass
class Processing:
    polls: int = 0
    seconds: float = 0.0
    fail_count: int = 0
    fail_code: str = "server_error"
    stall: bool = False

    @property
    def immediate(self) -> bool:
        return self.polls <= 0 and self.seconds <= 0 and not self.stall

    def take_failure(self) -> str | None:
        """The forced failure code for the next file, if any are left."""
        if self.fail_count <= 0:
            return None
        self.fail_count -= 1
        return self.fail_code

    def pending(self, now: float) -> JsonObject:
        pending: JsonObject = {
            "polls": max(self.polls, 0),
            "ready_at": now + max(self.seconds, 0.0),
        }
        if self.stall:
            pending["stalled"] = True
        return pending

    def to_dict(self) -> JsonObject:
        return {
            "polls": self.polls,
            "seconds": self.seconds,
            "fail": {"count": self.fail_count, "code": self.fail_code},
            "stall": self.stall,
        }


def is_due(pending: JsonObject, now: float, stalling: bool = False) -> bool:
    """Whether an in-progress file's processing has ended. A stalled file never ends while
    ``stalling``; once released, it ends at once (on the read that finds it)."""
    if pending.get("stalled"):
        return not stalling
    return pending["polls"] <= 0 and now >= pending["ready_at"]
