"""API-key checks, worded as the live API words them.

Every API route needs an ``Authorization: Bearer`` header; with ``--api-key``
only that key is accepted, and the admin routes need it too. The Azure OpenAI
routes (``/openai/...``, see :mod:`vsmock.http.middleware.admission`) also take
the key as Azure clients send it, in an ``api-key`` header (read first).
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from vsmock.errors import InvalidAPIKey, MissingAPIKey, MissingAzureAPIKey
from vsmock.http.envelope import send_error
from vsmock.http.middleware import ServedMiddleware, is_admin
from vsmock.http.middleware.admission import AZURE_PREFIX, azure_path
from vsmock.http.request_state import RequestState, header_value


def azure_looking(scope: Scope) -> bool:
    """A request for an Azure OpenAI route, or for a path under ``/openai`` that names none
    (which then gets its 404, whichever way it presents its key)."""
    path = scope["path"]
    under = path == AZURE_PREFIX or path.startswith(AZURE_PREFIX + "/")
    return under or azure_path(scope) is not None


def presented_key(scope: Scope) -> str:
    """The API key the request presents ('' for none): an Azure route's ``api-key``
    header, else the ``Authorization: Bearer`` key."""
    if azure_looking(scope):
        key = (header_value(scope["headers"], b"api-key") or "").strip()
        if key:
            return key
    scheme, _, key = (header_value(scope["headers"], b"authorization") or "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


class Auth(ServedMiddleware):
    admin = True  # with --api-key, the admin routes need the key too

    async def handle(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> None:
        expected = state.runtime.settings.api_key
        if is_admin(scope["path"]) and expected is None:
            await self.app(scope, receive, send)
            return
        key = presented_key(scope)
        if not key:
            missing = MissingAzureAPIKey() if azure_looking(scope) else MissingAPIKey()
            await send_error(send, missing)
            return
        if expected is not None and key != expected:
            await send_error(send, InvalidAPIKey(key))
            return
        await self.app(scope, receive, send)
