"""The pytest plugin (registered through the ``pytest11`` entry point): a fake OpenAI API.

Fixtures:

* ``vsmock_server`` (session): a real vsmock on a free loopback port, started on
  first use, once per session (once per xdist worker);
* ``vsmock`` (function): that server, with all state reset before the test; a
  :class:`~vsmock.plugin.handle.Vsmock` handle for the admin controls;
* ``openai_client`` / ``async_openai_client`` (function): the official SDK's
  clients bound to the server (using one implies the reset).

``@pytest.mark.vsmock(...)`` configures the reset (seed, frozen clock, slow
processing, a scenario file). An exception inside the server while a test runs
(a 500, or a response that breaks the contract) fails that test, with the
server-side traceback.

vsmock itself is imported only when a test first asks for a fixture.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from vsmock.contract.json_types import JsonObject
from vsmock.plugin.handle import Vsmock
from vsmock.plugin.marker import MARKER, MARKER_HELP, MarkerOptions
from vsmock.plugin.tracebacks import trim_traceback

if TYPE_CHECKING:
    from vsmock.plugin.session import ServerOptions, SessionServer

__all__ = ["Vsmock"]

SERVER = pytest.StashKey["SessionServer"]()
USES_SERVER = pytest.StashKey[bool]()


# -- configuration ---------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vsmock", "vsmock: a fake OpenAI Vector Stores / Files API")
    group.addoption(
        "--vsmock-port",
        type=int,
        default=None,
        metavar="PORT",
        help="serve vsmock on this loopback port (default: a free port). Under xdist, "
        "worker gwN uses PORT+N.",
    )
    group.addoption(
        "--vsmock-data-dir",
        default=None,
        metavar="DIR",
        help="keep vsmock's state on disk in DIR (under xdist, DIR/gwN), to inspect the "
        "last test's state afterwards with `vsmock serve --data-dir DIR`.",
    )
    group.addoption(
        "--vsmock-transport",
        default=None,
        choices=("socket", "inprocess"),
        help="how the openai_client fixtures reach vsmock: over a loopback socket (the "
        "default, which also proves the bytes on the wire) or handed to the server's app "
        "in-process (no socket or HTTP parsing: faster).",
    )
    parser.addini("vsmock_transport", "socket (the default) or inprocess: see --vsmock-transport")
    parser.addini("vsmock_port", "vsmock's loopback port (0: a free port)", default="0")
    parser.addini("vsmock_data_dir", "keep vsmock's state on disk in this directory")
    parser.addini(
        "vsmock_api_key", "the only API key vsmock accepts (default: any key is accepted)"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    # A mistyped option in the ini file stops the run at once, as a mistyped flag does.
    configured_port(config)
    configured_transport(config)


def configured_port(config: pytest.Config) -> int:
    """``--vsmock-port``, else the ini's ``vsmock_port`` (0: a free port)."""
    port = config.getoption("vsmock_port")
    if port is not None:
        return int(port)
    text = str(config.getini("vsmock_port") or 0).strip()
    if not text.isdigit() or int(text) > 65_535:
        raise pytest.UsageError(f"vsmock_port = {text!r}: expected a port number (0 to 65535)")
    return int(text)


def configured_transport(config: pytest.Config) -> str:
    """``--vsmock-transport``, else the ini's ``vsmock_transport`` (default: socket)."""
    from vsmock.plugin.session import TRANSPORTS

    transport = (
        config.getoption("vsmock_transport")
        or str(config.getini("vsmock_transport") or "socket").strip()
    )
    if transport not in TRANSPORTS:
        raise pytest.UsageError(
            f"vsmock_transport = {transport!r}: expected one of {', '.join(TRANSPORTS)}"
        )
    return transport


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A mistyped ``@pytest.mark.vsmock`` stops the run before any server starts."""
    for item in items:
        if item.get_closest_marker(MARKER) is not None:
            marker_options(item)


def server_options(config: pytest.Config) -> ServerOptions:
    """Command line first, then the ini file."""
    from vsmock.plugin.session import ServerOptions

    data_dir: Path | None = None
    if config.getoption("vsmock_data_dir"):  # relative to where pytest was started
        data_dir = config.invocation_params.dir / config.getoption("vsmock_data_dir")
    elif config.getini("vsmock_data_dir"):  # relative to the ini file
        base = config.inipath.parent if config.inipath else config.rootpath
        data_dir = base / str(config.getini("vsmock_data_dir"))
    workerinput: JsonObject | None = getattr(config, "workerinput", None)
    return ServerOptions(
        port=configured_port(config),
        data_dir=data_dir,
        api_key=config.getini("vsmock_api_key") or None,
        worker=workerinput["workerid"] if workerinput else None,
        transport=configured_transport(config),
    )


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def vsmock_server(pytestconfig: pytest.Config) -> Iterator[SessionServer]:
    """A vsmock server on loopback, started once per session (per xdist worker).

    State is shared between the tests that use it directly; ask for ``vsmock`` to get a
    freshly reset server.
    """
    from vsmock.plugin.session import SessionServer

    server = SessionServer(server_options(pytestconfig))
    pytestconfig.stash[SERVER] = server
    try:
        yield server
    finally:
        del pytestconfig.stash[SERVER]
        server.stop()


@pytest.fixture
def vsmock(vsmock_server: SessionServer, request: pytest.FixtureRequest) -> Vsmock:
    """The vsmock server, reset for this test (as ``@pytest.mark.vsmock`` asks)."""
    options = marker_options(request.node)
    test_dir = Path(str(request.node.path)).parent
    handle = Vsmock(vsmock_server, search_dirs=(test_dir, request.config.rootpath))
    request.node.stash[USES_SERVER] = True
    handle.reset(seed=options.seed, now=options.now)
    if options.scenario is not None:
        handle.load(options.scenario)  # brings its own seed and clock
    processing = options.processing()
    if processing:
        handle.set_processing(**processing)
    return handle


@pytest.fixture
def openai_client(vsmock: Vsmock) -> Iterator[Any]:
    """An ``openai.OpenAI`` client (SDK defaults, dummy key) bound to the reset server."""
    with vsmock.server.openai_client() as client:
        yield client


@pytest.fixture
def async_openai_client(vsmock: Vsmock) -> Any:
    """An ``openai.AsyncOpenAI`` client (SDK defaults, dummy key) bound to the reset server."""
    return vsmock.server.async_openai_client()


@pytest.fixture(autouse=True)
def _vsmock_marker(request: pytest.FixtureRequest) -> None:
    """``@pytest.mark.vsmock`` implies the ``vsmock`` fixture."""
    if request.node.get_closest_marker(MARKER) is not None:
        request.getfixturevalue("vsmock")


def marker_options(item: pytest.Item) -> MarkerOptions:
    marks = list(item.iter_markers(MARKER))  # closest first
    for mark in marks:
        if mark.args:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.vsmock takes keyword arguments only"
            )
    try:
        return MarkerOptions.merge(mark.kwargs for mark in marks)
    except TypeError as exc:
        raise pytest.UsageError(f"{item.nodeid}: {exc}") from None


# -- server errors fail the test that caused them ---------------------------------------------
def _server_errors(item: pytest.Item) -> list[str]:
    server = item.config.stash.get(SERVER, None)
    if server is None:
        return []
    if not (item.stash.get(USES_SERVER, False) or "vsmock_server" in _fixturenames(item)):
        return []
    return server.runtime.take_errors()


def _fixturenames(item: pytest.Item) -> list[str]:
    names: list[str] = getattr(item, "fixturenames", [])
    return names


def _failure(item: pytest.Item, errors: list[str]) -> str:
    if item.config.get_verbosity() < 2:
        errors = [trim_traceback(e) for e in errors]
    count = f"{len(errors)} errors" if len(errors) > 1 else "an error"
    rule = "\n" + "-" * 40 + "\n"
    return f"vsmock: the server had {count} while this test ran:{rule}" + rule.join(
        e.rstrip() for e in errors
    )


def _check_phase(item: pytest.Item) -> Generator[None, None, None]:
    __tracebackhide__ = True
    try:
        result = yield
    except (Exception, pytest.fail.Exception):  # not skips, exits or ^C
        errors = _server_errors(item)
        if errors:  # shown after the test's own exception, in the same report
            pytest.fail(_failure(item, errors))
        raise
    errors = _server_errors(item)
    if errors:
        _fail_with(_failure(item, errors))
    return result


def _fail_with(message: str) -> NoReturn:
    """Fail with just ``message``. (Not hidden from tracebacks: with every frame hidden,
    pytest would add a note that all traceback entries are hidden.)"""
    pytest.fail(message, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    __tracebackhide__ = True
    return (yield from _check_phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    __tracebackhide__ = True
    return (yield from _check_phase(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    __tracebackhide__ = True
    return (yield from _check_phase(item))
