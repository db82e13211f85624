"""Command-line arguments: a bad value stops ``vsmock`` during parsing, with exit status 2
and one line naming the flag (after argparse's usage), never a traceback."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, start_serve

from vsmock import cli
from vsmock.cli import build_parser

UPSTREAM = "http://127.0.0.1:9/v1"  # never contacted: these commands fail before that

# (argv after ``vsmock``, the flag the error must name). ``{file}`` is a regular file,
# ``{tmp}`` an empty directory. Negative values use ``--flag=value`` so that argparse
# hands them to the flag's type instead of reading them as an option.
BAD: list[tuple[list[str], str]] = [
    (["serve", "--port", "99999"], "--port"),
    (["serve", "--port", "65536"], "--port"),
    (["serve", "--port=-1"], "--port"),
    (["serve", "--port", "eighty"], "--port"),
    (["serve", "--data-dir", "{file}"], "--data-dir"),
    (["serve", "--data-dir", "{file}/state"], "--data-dir"),
    (["serve", "--data-dir="], "--data-dir"),
    (["serve", "--log-level", "bogus"], "--log-level"),
    (["serve", "--log-level", ""], "--log-level"),
    (["serve", "--processing-polls=-1"], "--processing-polls"),
    (["serve", "--processing-polls", "1001"], "--processing-polls"),
    (["serve", "--processing-seconds=-1"], "--processing-seconds"),
    (["serve", "--processing-seconds", "nan"], "--processing-seconds"),
    (["serve", "--processing-seconds", "inf"], "--processing-seconds"),
    (["serve", "--processing-seconds", "315360001"], "--processing-seconds"),
    (["serve", "--now=-1"], "--now"),
    (["serve", "--now", "nan"], "--now"),
    (["serve", "--now", "inf"], "--now"),
    (["serve", "--now=-inf"], "--now"),
    (["serve", "--now", "253402300800"], "--now"),
    (["serve", "--seed=-1"], "--seed"),
    (["serve", "--seed", str(2**63)], "--seed"),
    (["serve", "--seed", "1.5"], "--seed"),
    (["serve", "--poll-after-ms=-1"], "--poll-after-ms"),
    (["serve", "--poll-after-ms", "600001"], "--poll-after-ms"),
    (["serve", "--max-upload-bytes", "0"], "--max-upload-bytes"),
    (["serve", "--max-upload-bytes=-1"], "--max-upload-bytes"),
    (["serve", "--strict-requests"], "--strict-requests"),
    (["proxy", "--upstream", UPSTREAM, "--port", "99999"], "--port"),
    (["proxy", "--upstream", UPSTREAM, "--port=-1"], "--port"),
    (["proxy", "--upstream", UPSTREAM, "--log-level", "bogus"], "--log-level"),
    (["proxy", "--upstream", "api.openai.com/v1"], "--upstream"),
    (["proxy", "--upstream", "ftp://example.com/v1"], "--upstream"),
    (["record", "--upstream", UPSTREAM, "--out", "{tmp}/s.json", "--port=99999"], "--port"),
    (["record", "--upstream", UPSTREAM, "--out", "{tmp}/s.json", "--log-level=x"], "--log-level"),
    (["record", "--upstream", "localhost:8000", "--out", "{tmp}/s.json"], "--upstream"),
    (["record", "--upstream", UPSTREAM, "--out", "{tmp}"], "--out"),
    (["record", "--upstream", UPSTREAM, "--out", "{file}/s.json"], "--out"),
    (["replay", "{tmp}/s.json", "--base-url", "localhost:8000/v1"], "--base-url"),
    (["replay", "{tmp}/s.json", "--base-url", "http:///v1"], "--base-url"),
]


def run_vsmock(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vsmock", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )


def assert_refused(result: subprocess.CompletedProcess[str], command: str, flag: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout  # nothing started, nothing listened
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"vsmock {command}: error: "), result.stderr
    assert flag in last, result.stderr


@pytest.mark.parametrize(("argv", "flag"), BAD, ids=[" ".join(argv) for argv, _ in BAD])
def test_cli_refuses_a_bad_value_in_one_line(argv: list[str], flag: str, tmp_path: Path) -> None:
    regular = tmp_path / "a-file"
    regular.write_text("not a directory\n")
    filled = [a.replace("{file}", str(regular)).replace("{tmp}", str(tmp_path)) for a in argv]
    assert_refused(run_vsmock(filled), argv[0], flag)
    assert regular.read_text() == "not a directory\n"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere"
)
def test_cli_refuses_a_data_dir_it_may_not_create(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert_refused(
            run_vsmock(["serve", "--data-dir", str(locked / "state")]), "serve", "--data-dir"
        )
    finally:
        locked.chmod(0o700)


def test_cli_reports_a_data_dir_that_fails_to_be_made_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What only trying shows (a full or read-only disk) is reported like a bad value."""

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert cli.main(["serve", "--data-dir", str(tmp_path / "state")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("vsmock serve: error: argument --data-dir: cannot create ")


def test_cli_defaults_are_unchanged() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.data_dir, args.seed, args.now) == (
        "127.0.0.1",
        8000,
        None,
        None,
        None,
    )
    assert (args.processing_polls, args.processing_seconds, args.poll_after_ms) == (0, 0.0, 20)
    assert args.max_upload_bytes == 512 * 1024 * 1024
    assert args.log_level == "warning"
    assert not args.stateless and not args.strict_requests
    for command, extra in (("proxy", []), ("record", ["--out", "s.json"])):
        other = build_parser().parse_args([command, "--upstream", UPSTREAM, *extra])
        assert (other.port, other.log_level) == (8001, "warning")


def test_cli_accepts_the_limits_of_every_range(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--port=65535",
            f"--seed={2**63 - 1}",
            "--now=253402300799",
            "--processing-polls=1000",
            "--processing-seconds=315360000",
            "--poll-after-ms=600000",
            "--max-upload-bytes=1",
            "--log-level=TRACE",
            f"--data-dir={tmp_path / 'new' / 'state'}",
            "--stateless",
            "--strict-requests",
        ]
    )
    assert (args.port, args.seed, args.now) == (65535, 2**63 - 1, 253402300799.0)
    assert (args.processing_polls, args.processing_seconds) == (1000, 315360000.0)
    assert (args.poll_after_ms, args.max_upload_bytes) == (600_000, 1)
    assert args.log_level == "trace"  # uvicorn's spelling, whatever the case given
    assert args.data_dir == tmp_path / "new" / "state"
    assert not (tmp_path / "new").exists()  # parsing checks, it does not create
    low = build_parser().parse_args(["serve", "--port=0", "--seed=0", "--now=0"])
    assert (low.port, low.seed, low.now) == (0, 0, 0.0)


def test_cli_validators_name_what_they_expect() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="from 0 to 65535"):
        cli.port("65536")
    with pytest.raises(argparse.ArgumentTypeError, match="critical, error, warning"):
        cli.log_level("verbose")
    assert cli.log_level("Debug") == "debug"
    assert cli.http_url("https://api.openai.com/v1") == "https://api.openai.com/v1"


def test_cli_good_flags_still_start_the_server(tmp_path: Path) -> None:
    server = start_serve(
        "--processing-polls",
        "0",
        "--now",
        "1700000000",
        "--seed",
        "7",
        "--poll-after-ms",
        "0",
        "--processing-seconds",
        "0.5",
        "--log-level",
        "WARNING",
        "--data-dir",
        str(tmp_path / "fresh" / "state"),
    )
    try:
        health = server.admin("GET", "/health")
        assert health.status_code == 200, health.text
        assert server.admin("GET", "/clock").json()["now"] == 1700000000
        assert (tmp_path / "fresh" / "state").is_dir()
    finally:
        server.stop()


def test_the_cli_and_the_admin_route_bound_processing_alike() -> None:
    import yaml

    from vsmock.contract import documents
    from vsmock.settings import MAX_POLL_AFTER_MS, MAX_PROCESSING_POLLS, MAX_PROCESSING_SECONDS

    spec = yaml.safe_load(documents.admin_path().read_text())
    body = spec["paths"]["/processing"]["post"]["requestBody"]["content"]["application/json"]
    fields = body["schema"]["properties"]
    assert fields["polls"]["maximum"] == MAX_PROCESSING_POLLS
    assert fields["seconds"]["maximum"] == MAX_PROCESSING_SECONDS
    assert fields["poll_after_ms"]["maximum"] == MAX_POLL_AFTER_MS


# -- help: every command explains itself -------------------------------------------------------
COMMANDS = ("serve", "proxy", "record", "replay")


def subparser(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: argparse.ArgumentParser = commands.choices[name]
    return found


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_description_and_every_option_help_with_its_default(
    name: str,
) -> None:
    parser = subparser(name)
    assert parser.description and len(parser.description) > 80, name
    shown = " ".join(parser.format_help().split())
    formatter = parser._get_formatter()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        text = formatter._get_help_string(action)  # type: ignore[attr-defined]
        assert text, (name, action.dest)
        takes_value = action.nargs != 0  # flags (store_true) take none: off unless given
        if action.option_strings and takes_value:
            # a default is shown, or the option says it is required
            assert "(default:" in text or "(required)" in text, (name, action.dest, text)
        expanded = " ".join((text % {"default": action.default}).split())
        assert expanded in shown, (name, action.dest)


def test_serve_help_shows_the_defaults_and_the_names_it_uses() -> None:
    shown = " ".join(subparser("serve").format_help().split())
    for expected in (
        "--host HOST address to bind (default: 127.0.0.1)",
        "(default: 8000)",
        "--data-dir DIR keep state on disk in DIR",
        "--processing-polls N",
        "(default: 0)",
        "(default: 0.0)",
        "(default: 20)",
        f"(default: {512 * 1024 * 1024}, 512 MiB",
        "(default: warning)",
    ):
        assert expected in shown, expected
    assert "DATA_DIR" not in shown


def test_processing_polls_help_says_which_read_completes() -> None:
    """The help, the README and the server agree: the N-th status read completes."""
    serve = subparser("serve")
    polls = next(a for a in serve._actions if a.dest == "processing_polls")
    assert polls.help is not None and "until its N-th status read" in polls.help
    assert "which returns completed or failed" in polls.help


def test_the_nth_status_read_completes_as_the_help_says(tmp_path: Path) -> None:
    import openai

    server = start_serve("--processing-polls", "3", "--poll-after-ms", "0")
    try:
        client = openai.OpenAI(api_key="sk-test", base_url=server.base_url, max_retries=0)
        store = client.vector_stores.create(name="polls")
        upload = client.files.create(file=("a.txt", b"some text"), purpose="assistants")
        attached = client.vector_stores.files.create(vector_store_id=store.id, file_id=upload.id)
        assert attached.status == "in_progress"  # the attach itself is no status read
        listed = client.vector_stores.files.list(vector_store_id=store.id).data
        assert [f.status for f in listed] == ["in_progress"]  # nor is a list
        reads = [
            client.vector_stores.files.retrieve(file_id=upload.id, vector_store_id=store.id).status
            for _ in range(4)
        ]
        assert reads == ["in_progress", "in_progress", "completed", "completed"]
        listed = client.vector_stores.files.list(vector_store_id=store.id).data
        assert [f.status for f in listed] == ["completed"]
        client.close()
    finally:
        server.stop()


def test_record_help_says_ctrl_c_writes_and_a_vsmock_upstream_is_reset() -> None:
    text = " ".join(subparser("record").format_help().split())
    assert "press Ctrl-C (or send SIGTERM): that writes the scenario to --out" in text
    assert "it is first RESET: all its state is cleared" in text
    assert "scenario file to write on Ctrl-C" in text


def test_replay_arguments_have_help() -> None:
    text = " ".join(subparser("replay").format_help().split())
    assert "FILE the scenario to replay" in text
    assert "--api-key KEY the key sent to the target (default: sk-vsmock-replay)" in text


# -- record: an upstream that cannot be reached stops it at once -------------------------------
def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_record_stops_at_once_when_the_upstream_cannot_be_reached(tmp_path: Path) -> None:
    import time

    out = tmp_path / "s.json"
    started = time.monotonic()
    result = run_vsmock(
        ["record", "--upstream", f"http://127.0.0.1:{closed_port()}/v1", "--out", str(out)]
    )
    assert time.monotonic() - started < 15
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""  # nothing listened
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("vsmock record: error: cannot reach the upstream http://127.0.0.1:")
    assert "not a vsmock" not in result.stderr
    assert not out.exists()


def test_an_upstream_that_answers_anything_is_reachable(tmp_path: Path) -> None:
    server = start_serve()
    try:
        assert cli.unreachable(server.base_url) is None  # a 404 at the base is an answer
        assert cli.unreachable(server.url + "/__admin/health") is None
    finally:
        server.stop()
    assert cli.unreachable(server.base_url) is not None  # stopped: refused
