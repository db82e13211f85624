"""The command line: a parser, the app factory, and ``main(argv)``."""

from __future__ import annotations

import argparse
import math
import os
import stat
import sys
import warnings
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


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their line breaks; an option with a value shows its default.

    ``(default: …)`` is added to the help of every option that has a default other than
    None, False or empty; an option without one says in its own words what happens
    when it is left out.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        nothing = default is None or default is False or default == []  # not 0, not 0.0
        if "(default:" in text or nothing or default is argparse.SUPPRESS or action.required:
            return text
        return text + " (default: %(default)s)"


def _command(commands: Any, name: str, summary: str, description: str) -> CommandParser:
    parser: CommandParser = commands.add_parser(
        name, help=summary, description=description, formatter_class=HelpFormatter
    )
    return parser


def _listening(parser: argparse.ArgumentParser, port_default: int) -> None:
    """``--host`` and ``--port``, as every listening command has them."""
    parser.add_argument("--host", default="127.0.0.1", metavar="HOST", help="address to bind")
    parser.add_argument(
        "--port",
        type=port,
        default=port_default,
        metavar="PORT",
        help="port to listen on; 0 picks a free one",
    )


def _log_level(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        type=log_level,
        default="warning",
        metavar="LEVEL",
        help=f"uvicorn's log level: {', '.join(LOG_LEVELS)} (any case)",
    )


SERVE = """\
Run the stateful mock server. It prints its base URL, http://HOST:PORT/v1, once it
answers; point the SDK's base_url there (any API key is accepted unless --api-key is
given). The admin routes are under http://HOST:PORT/__admin. Stop it with Ctrl-C.

A bad value stops it before it starts: exit status 2 and one line naming the flag."""

PROXY = """\
Forward every request to UPSTREAM unchanged (path, query, body, headers, key) and
return the upstream's answer unchanged, checking the request and the response against
openapi.yaml. Violations are listed at /__admin/violations and summarised on exit.
The key is never logged. Stop it with Ctrl-C."""

RECORD = """\
Record a scenario through the validating proxy: point a client at the URL it prints,
make the calls to record, then press Ctrl-C (or send SIGTERM): that writes the
scenario to --out. The upstream must be reachable when recording starts.

If the upstream is a vsmock (in stateful mode), it is first RESET: all its state is
cleared, its ids restart from a new seed and its clock is frozen, so the scenario
replays exactly. If that vsmock has --api-key, set VSMOCK_API_KEY to the key.
Any other upstream (the real API) is recorded as it answers.

Exit status: 0 when the file is written with every interaction, 1 when one had to be
left out (a body over 8 MB), 2 when the upstream cannot be reached."""

REPLAY = """\
Replay a scenario against a target and compare every status and body. A vsmock target
is first RESET (all its state is cleared) to the scenario's seed, frozen clock and
processing settings. Any other target is only replayed when something is ignored
(--ignore), for what varies there (ids, timestamps).

Exit status: 0 when every answer matches, 1 on a mismatch, 2 when the file or the
target is unusable."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vsmock",
        description="A stateful mock of the OpenAI Vector Stores, Files and Responses APIs.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=CommandParser, metavar="COMMAND"
    )
    serve = _command(commands, "serve", "run the mock server", SERVE)
    serve.rules.append(_strict_needs_stateless)
    _listening(serve, 8000)
    serve.add_argument(
        "--data-dir",
        type=directory,
        metavar="DIR",
        help="keep state on disk in DIR, created if missing, and reopen it on restart "
        "(default: in memory, gone on exit)",
    )
    serve.add_argument(
        "--seed",
        type=seed,
        metavar="N",
        help="seed the id sequence, so a run makes the same ids every time (default: random)",
    )
    serve.add_argument(
        "--now",
        type=unix_time,
        metavar="UNIX",
        help="freeze the mock clock at this Unix time; it then moves only through "
        "/__admin/clock (default: the real clock)",
    )
    serve.add_argument(
        "--api-key",
        metavar="KEY",
        help="accept only this key (Authorization: Bearer KEY, or the api-key: KEY header on "
        "the Azure routes under /openai), on the admin routes too (default: any key)",
    )
    serve.add_argument(
        "--processing-polls",
        type=processing_polls,
        default=0,
        metavar="N",
        help="a newly attached file stays in_progress until its N-th status read (a "
        "retrieve of the file, of its batch or of its store), which returns completed or "
        "failed; lists and searches are no status reads; 0 completes at once",
    )
    serve.add_argument(
        "--processing-seconds",
        type=processing_seconds,
        default=0.0,
        metavar="S",
        help="a newly attached file stays in_progress until S seconds of mock time have "
        "passed since it was attached; with --processing-polls, both must hold",
    )
    serve.add_argument(
        "--poll-after-ms",
        type=poll_after_ms,
        default=DEFAULT_POLL_AFTER_MS,
        metavar="MS",
        help="the openai-poll-after-ms header on every response that shows something "
        "in_progress (the SDKs' polling interval)",
    )
    serve.add_argument(
        "--max-upload-bytes",
        type=upload_bytes,
        default=DEFAULT_MAX_UPLOAD_BYTES,
        metavar="N",
        help="largest request body accepted (an upload or any other); a bigger one gets "
        "a 413 "
        "(default: %(default)s, 512 MiB, the real API's file limit)",
    )
    serve.add_argument(
        "--no-validate-responses",
        action="store_true",
        help="do not check responses against openapi.yaml (they are checked by default)",
    )
    serve.add_argument(
        "--stateless",
        action="store_true",
        help="contract mode: answer every operation from openapi.yaml's schemas and "
        "examples, store nothing, and record what the real API would refuse as a violation",
    )
    serve.add_argument(
        "--strict-requests",
        action="store_true",
        help="with --stateless: refuse those violations with a 400 instead",
    )
    serve.add_argument(
        "--fsync",
        action="store_true",
        help="with --data-dir: flush every write to disk before answering",
    )
    _log_level(serve)

    proxy = _command(
        commands,
        "proxy",
        "forward to an upstream and check both directions against openapi.yaml",
        PROXY,
    )
    proxy.add_argument(
        "--upstream",
        type=http_url,
        required=True,
        metavar="URL",
        help="the API to forward to, e.g. https://api.openai.com/v1 (required)",
    )
    _listening(proxy, 8001)
    _log_level(proxy)

    record = _command(commands, "record", "record a scenario through the validating proxy", RECORD)
    record.add_argument(
        "--upstream",
        type=http_url,
        required=True,
        metavar="URL",
        help="the API to record, e.g. http://127.0.0.1:8000/v1 (required)",
    )
    record.add_argument(
        "--out",
        required=True,
        type=output_file,
        metavar="FILE",
        help="scenario file to write on Ctrl-C (required)",
    )
    _listening(record, 8001)
    _log_level(record)

    replay = _command(commands, "replay", "replay a scenario and compare every answer", REPLAY)
    replay.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="the scenario to replay (a JSON file written by vsmock record or "
        "GET /__admin/scenario)",
    )
    replay.add_argument(
        "--base-url",
        type=http_url,
        required=True,
        metavar="URL",
        help="the target's API base, e.g. http://127.0.0.1:8000/v1 (required)",
    )
    replay.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATH",
        help="a JSON path not to compare, e.g. '$.data[*].id' or '..created_at'; "
        "repeatable (default: compare everything)",
    )
    replay.add_argument(
        "--api-key",
        default="sk-vsmock-replay",
        metavar="KEY",
        help="the key sent to the target",
    )
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


# Connexion imports ``starlette.testclient`` when it is imported (connexion/apps/abstract.py,
# for ``App.test_client()``, which vsmock never calls), and Starlette 1.x warns at that import
# when only ``httpx`` is installed, not ``httpx2``. With a plain ``pip install .`` (no openai
# SDK, which brings httpx2) every command then printed a StarletteDeprecationWarning before
# its first line. The warning concerns a test helper of a third-party package that this
# process never uses, so exactly that warning is ignored here.
TESTCLIENT_WARNING = r"Using `httpx` with `starlette\.testclient` is deprecated"
UPSTREAM_TIMEOUT = 5.0  # seconds to wait for the upstream's first answer in ``record``


def quiet_third_party_warnings() -> None:
    try:
        from starlette.exceptions import StarletteDeprecationWarning
    except ImportError:  # a Starlette from before the warning
        return
    warnings.filterwarnings(
        "ignore", message=TESTCLIENT_WARNING, category=StarletteDeprecationWarning
    )


def unreachable(url: str) -> str | None:
    """Why ``url`` cannot be reached (refused, unknown host, timed out, TLS), or None.

    Any HTTP answer at all, a 401 or a 404 included, means it can be reached."""
    import httpx

    try:
        httpx.get(url, timeout=UPSTREAM_TIMEOUT)
    except httpx.TransportError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return f"cannot reach the upstream {url}: {reason}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet_third_party_warnings()
    if args.command == "serve":
        return serve(args)
    if args.command == "proxy":
        from vsmock.proxy.forwarding import run_proxy

        return run_proxy(args)
    if args.command == "record":
        # Checked before anything starts: recording through a proxy to nowhere would only
        # show the mistake on the first request, as a 502.
        problem = unreachable(args.upstream)
        if problem is not None:
            print(f"vsmock record: error: {problem}", file=sys.stderr)
            return 2
        from vsmock.proxy.recording import run_record

        return run_record(args)
    if args.command == "replay":
        from vsmock.scenarios.replay import run_replay

        return run_replay(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
