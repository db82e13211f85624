"""The command line: a parser, the app factory, and ``main(argv)``."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .settings import DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_POLL_AFTER_MS, Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vsmock", description="A stateful mock of the OpenAI Vector Stores and Files APIs."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the mock server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    serve.add_argument("--data-dir", type=Path, help="keep state on disk in DIR")
    serve.add_argument("--seed", type=int, help="make the sequence of ids repeatable")
    serve.add_argument("--now", type=float, help="freeze the mock clock at this Unix time")
    serve.add_argument("--api-key", help="accept only this key (and require it on admin routes)")
    serve.add_argument("--fsync", action="store_true", help="flush every write to disk")
    serve.add_argument(
        "--processing-polls",
        type=int,
        default=0,
        metavar="N",
        help="files stay in_progress for N status reads (default 0)",
    )
    serve.add_argument(
        "--processing-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="files stay in_progress for S seconds of mock time",
    )
    serve.add_argument(
        "--poll-after-ms",
        type=int,
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
    serve.add_argument("--max-upload-bytes", type=int, default=DEFAULT_MAX_UPLOAD_BYTES)
    serve.add_argument("--log-level", default="warning")

    proxy = commands.add_parser(
        "proxy", help="forward to an upstream and check both directions against openapi.yaml"
    )
    proxy.add_argument("--upstream", required=True, help="e.g. https://api.openai.com/v1")
    proxy.add_argument("--host", default="127.0.0.1")
    proxy.add_argument("--port", type=int, default=8001)
    proxy.add_argument("--log-level", default="warning")

    record = commands.add_parser("record", help="record a scenario through a proxy")
    record.add_argument("--upstream", required=True)
    record.add_argument("--out", required=True, type=Path, help="scenario file to write")
    record.add_argument("--host", default="127.0.0.1")
    record.add_argument("--port", type=int, default=8001)
    record.add_argument("--log-level", default="warning")

    replay = commands.add_parser("replay", help="replay a scenario and compare every answer")
    replay.add_argument("file", type=Path)
    replay.add_argument("--base-url", required=True, help="the target's API base, e.g. …/v1")
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
    from .startup import lean_imports, settled

    lean_imports()
    from .app import API_PREFIX, create_app, preload_in_background
    from .database import DamagedState
    from .server import make_server

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


class _Stopped(Exception):
    """SIGTERM, turned into an exception so that shutdown code runs."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def run_until_stopped(server: Any, stopped: Callable[[], None]) -> None:
    """Run a uvicorn server until Ctrl-C or SIGTERM, then call ``stopped``.

    uvicorn shuts down gracefully and then raises the signal again; with the default
    SIGTERM handler that would end the process before any ``finally`` runs.
    """
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stopped()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "proxy":
        from .proxy import run_proxy

        return run_proxy(args)
    if args.command == "record":
        from .scenarios.record import run_record

        return run_record(args)
    if args.command == "replay":
        from .scenarios.replay import run_replay

        return run_replay(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
