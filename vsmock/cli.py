"""The command line: a parser, the app factory, and ``main(argv)``."""

from __future__ import annotations

import argparse
import math
import os
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vsmock.control.clock import LATEST
from vsmock.settings import (
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_POLL_AFTER_MS,
    MAX_POLL_AFTER_MS,
    MAX_PROCESSING_POLLS,
    MAX_PROCESSING_SECONDS,
    Settings,
)

# -- argument types: each turns one command-line string into a value or refuses it ----------
# A refusal is an ``argparse.ArgumentTypeError``, which argparse reports as
# ``vsmock serve: error: argument --port: …`` with exit status 2 (never a traceback).

MAX_PORT = 65535
MAX_SEED = 2**63 - 1  # what IdSource draws when no seed is given (``secrets.randbits(63)``)
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An integer from ``low`` to ``high`` inclusive (no upper bound when None)."""
    wanted = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


def float_range(low: float, high: float) -> Callable[[str], float]:
    """A finite number from ``low`` to ``high`` inclusive (never ``nan`` or ``inf``)."""
    wanted = f"a number from {low:g} to {high:.0f}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


port = int_range(0, MAX_PORT)
seed = int_range(0, MAX_SEED)
unix_time = float_range(0.0, LATEST)
processing_polls = int_range(0, MAX_PROCESSING_POLLS)
processing_seconds = float_range(0.0, float(MAX_PROCESSING_SECONDS))
poll_after_ms = int_range(0, MAX_POLL_AFTER_MS)
upload_bytes = int_range(1)


def log_level(text: str) -> str:
    """One of uvicorn's log levels, in any case; returned in lower case."""
    level = text.lower()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return level


def http_url(text: str) -> str:
    """An ``http://`` or ``https://`` URL with a host, returned as given."""
    try:
        parts = urlsplit(text)
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed "[" or a port that is not a number
        usable = False
    if not usable:
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def _why_not_creatable(path: Path) -> str | None:
    """Why directory ``path`` (which does not exist) could not be made, or None."""
    for ancestor in path.absolute().parents:  # the nearest one that exists decides
        try:
            info = os.stat(ancestor)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not stat.S_ISDIR(info.st_mode):
            return f"cannot create {str(path)!r}: {str(ancestor)!r} is not a directory"
        if not os.access(ancestor, os.W_OK | os.X_OK):
            return f"cannot create {str(path)!r}: {str(ancestor)!r} is not writable"
        return None
    return None


def _why_not_directory(path: Path, access: int) -> str | None:
    """Why ``path`` is not, and cannot become, a directory allowing ``access``; or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return f"{str(path)!r} is a broken symbolic link"
        return _why_not_creatable(path)
    except NotADirectoryError:  # some parent is a file
        return _why_not_creatable(path)
    if not stat.S_ISDIR(info.st_mode):
        return f"{str(path)!r} exists and is not a directory"
    if not os.access(path, access):
        return f"{str(path)!r} is not accessible (permission denied)"
    return None


def directory(text: str) -> Path:
    """A directory to keep state in: an existing one, or one that can be created."""
    if not text:
        raise argparse.ArgumentTypeError("expected a directory, got ''")
    path = Path(text)
    try:
        problem = _why_not_directory(path, os.R_OK | os.W_OK | os.X_OK)
    except OSError as exc:  # e.g. a name too long, a loop of symbolic links
        problem = f"cannot use {text!r}: {exc.strerror or exc}"
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return path


def output_file(text: str) -> Path:
    """A file to write later: not a directory, in a directory that exists or can be made."""
    if not text:
        raise argparse.ArgumentTypeError("expected a file name, got ''")
    path = Path(text)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        try:
            problem = _why_not_directory(path.parent, os.W_OK | os.X_OK)
        except OSError as exc:
            problem = f"cannot use {text!r}: {exc.strerror or exc}"
    except OSError as exc:
        problem = f"cannot use {text!r}: {exc.strerror or exc}"
    else:
        if stat.S_ISDIR(info.st_mode):
            problem = f"{text!r} is a directory"
        elif not os.access(path, os.W_OK):
            problem = f"{text!r} is not writable"
        else:
            problem = None
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return path


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser that also enforces rules spanning several flags.

    Each rule takes the parsed namespace and returns what is wrong (or None); the first
    problem is reported through :meth:`error`, like any other bad argument.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rules: list[Callable[[argparse.Namespace], str | None]] = []

    def parse_known_args(
        self, args: Iterable[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        for rule in self.rules:
            problem = rule(parsed)
            if problem is not None:
                self.error(problem)
        return parsed, extras


def _strict_needs_stateless(args: argparse.Namespace) -> str | None:
    if args.strict_requests and not args.stateless:
        return "argument --strict-requests: only applies with --stateless"
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vsmock", description="A stateful mock of the OpenAI Vector Stores and Files APIs."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    serve = commands.add_parser("serve", help="run the mock server")
    serve.rules.append(_strict_needs_stateless)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument("--port", type=port, default=8000, help="port (0 picks a free one)")
    serve.add_argument("--data-dir", type=directory, help="keep state on disk in DIR")
    serve.add_argument("--seed", type=seed, help="make the sequence of ids repeatable")
    serve.add_argument("--now", type=unix_time, help="freeze the mock clock at this Unix time")
    serve.add_argument("--api-key", help="accept only this key (and require it on admin routes)")
    serve.add_argument("--fsync", action="store_true", help="flush every write to disk")
    serve.add_argument(
        "--processing-polls",
        type=processing_polls,
        default=0,
        metavar="N",
        help="files stay in_progress for N status reads (default 0)",
    )
    serve.add_argument(
        "--processing-seconds",
        type=processing_seconds,
        default=0.0,
        metavar="S",
        help="files stay in_progress for S seconds of mock time",
    )
    serve.add_argument(
        "--poll-after-ms",
        type=poll_after_ms,
        default=DEFAULT_POLL_AFTER_MS,
        help="the openai-poll-after-ms hint on in-progress responses",
    )
    serve.add_argument(
        "--no-validate-responses",
        action="store_true",
        help="skip checking responses against openapi.yaml",
    )
    serve.add_argument(
        "--stateless",
        action="store_true",
        help="contract mode: answer every operation from the schemas",
    )
    serve.add_argument(
        "--strict-requests",
        action="store_true",
        help="with --stateless: refuse contract violations with 400",
    )
    serve.add_argument("--max-upload-bytes", type=upload_bytes, default=DEFAULT_MAX_UPLOAD_BYTES)
    serve.add_argument("--log-level", type=log_level, default="warning")

    proxy = commands.add_parser(
        "proxy", help="forward to an upstream and check both directions against openapi.yaml"
    )
    proxy.add_argument(
        "--upstream", type=http_url, required=True, help="e.g. https://api.openai.com/v1"
    )
    proxy.add_argument("--host", default="127.0.0.1")
    proxy.add_argument("--port", type=port, default=8001)
    proxy.add_argument("--log-level", type=log_level, default="warning")

    record = commands.add_parser("record", help="record a scenario through a proxy")
    record.add_argument("--upstream", type=http_url, required=True)
    record.add_argument("--out", required=True, type=output_file, help="scenario file to write")
    record.add_argument("--host", default="127.0.0.1")
    record.add_argument("--port", type=port, default=8001)
    record.add_argument("--log-level", type=log_level, default="warning")

    replay = commands.add_parser("replay", help="replay a scenario and compare every answer")
    replay.add_argument("file", type=Path)
    replay.add_argument(
        "--base-url", type=http_url, required=True, help="the target's API base, e.g. …/v1"
    )
    replay.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATH",
        help="a JSON path to skip when comparing (repeatable)",
    )
    replay.add_argument("--api-key", default="sk-vsmock-replay")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        seed=args.seed,
        now=args.now,
        api_key=args.api_key,
        fsync=args.fsync,
        processing_polls=args.processing_polls,
        processing_seconds=args.processing_seconds,
        poll_after_ms=args.poll_after_ms,
        validate_responses=not args.no_validate_responses,
        stateless=args.stateless,
        strict_requests=args.strict_requests,
        max_upload_bytes=args.max_upload_bytes,
    )


def serve(args: argparse.Namespace) -> int:
    from vsmock.startup import lean_imports, settled

    if args.data_dir is not None:
        # ``directory`` checked what it could without side effects; what only trying shows
        # (a full or read-only disk, a race) is reported the same way, before anything starts.
        try:
            Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(
                f"vsmock serve: error: argument --data-dir: cannot create "
                f"{str(args.data_dir)!r}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
    lean_imports()
    from vsmock.http.app import API_PREFIX, create_app, preload_in_background
    from vsmock.http.uvicorn_adapter import make_server, run_until_stopped
    from vsmock.storage.tinydb_adapter import DamagedState

    settings = settings_from(args)
    try:
        app = create_app(settings)
    except DamagedState as exc:
        print(str(exc), file=sys.stderr)
        return 2
    settled()

    def ready(url: str) -> None:
        print(f"vsmock listening on {url}{API_PREFIX}  (admin: {url}/__admin)", flush=True)
        preload_in_background()

    server = make_server(
        app, settings.host, settings.port, on_ready=ready, log_level=args.log_level
    )

    def stopped() -> None:
        if app.runtime.mode == "stateless":
            print(app.runtime.violations.summary(), flush=True)
        app.runtime.close()

    run_until_stopped(server, stopped)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "proxy":
        from vsmock.proxy.forwarding import run_proxy

        return run_proxy(args)
    if args.command == "record":
        from vsmock.proxy.recording import run_record

        return run_record(args)
    if args.command == "replay":
        from vsmock.scenarios.replay import run_replay

        return run_replay(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
