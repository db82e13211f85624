"""Server tracebacks, shortened for a test report: the web framework's frames folded away."""

from __future__ import annotations

import re

FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+, in ')
FRAMEWORKS = ("starlette", "connexion", "anyio", "uvicorn", "asyncio", "concurrent")
_FOLDED = re.compile(r"[\\/](" + "|".join(FRAMEWORKS) + r")[\\/]")


def trim_traceback(text: str) -> str:
    """Fold runs of framework frames into one line; vsmock's (and your) frames stay."""
    out: list[str] = []
    hidden: set[str] = set()
    folding = False
    count = 0

    def flush() -> None:
        nonlocal count
        if count:
            names = ", ".join(sorted(hidden))
            out.append(f"  ... {count} frame{'s' if count > 1 else ''} of {names} (-vv shows them)")
            count = 0
            hidden.clear()

    for line in text.splitlines():
        frame = FRAME.match(line)
        if frame:
            match = _FOLDED.search(frame["path"])
            folding = match is not None
            if match is not None:
                count += 1
                hidden.add(match.group(1))
                continue
            flush()
        elif folding and line.startswith("    "):
            continue  # the source lines of a folded frame
        else:
            folding = False
            flush()
        out.append(line)
    flush()
    return "\n".join(out)
