"""The two Responses API operations that may answer with a stream of server-sent events:
``POST /responses`` with ``"stream": true`` and ``GET /responses/{id}?stream=true``.

The backend makes (or reads) the response whole; its events are derived from it
(``backend/response_events.py``), checked against the schema the contract gives an event's
data (``ResponseStreamEvent``; when responses are validated) before the first byte is sent,
and written as the live API writes them: ``event: <type>``, ``data: <one line of JSON>``,
a blank line; no ``[DONE]``.
The SDKs choose a stream by the request (``stream``), never by ``Accept``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from connexion.exceptions import NonConformingResponseBody
from starlette.responses import StreamingResponse

from vsmock.backend.interface import Operations, operation_id
from vsmock.backend.response_events import response_events
from vsmock.contract.json_types import JsonObject
from vsmock.http.dispatch import fast_validator
from vsmock.http.handlers.context import Reply, backend, call, reply, runtime
from vsmock.stateless.schemas import contract

JSON_TYPE = {"Content-Type": "application/json"}


def create_response(body: JsonObject) -> Reply | StreamingResponse:
    response = call(backend().create_response, body=body)
    if body.get("stream"):
        return event_stream(response_events(response))
    return _json(reply(response))


def get_response(
    response_id: str,
    include: list[str] | None = None,
    stream: bool | None = None,
    starting_after: int | None = None,
    include_obfuscation: bool | None = None,
) -> Reply | StreamingResponse:
    """``include_obfuscation`` is accepted: vsmock never obfuscates (its streams replay)."""
    response = call(backend().get_response, response_id=response_id, include=include)
    if not stream:
        return _json(reply(response))
    events = response_events(response)
    if starting_after is not None:
        events = [event for event in events if event["sequence_number"] > starting_after]
    return event_stream(events)


def _json(answer: Reply) -> Reply:
    """The operation produces JSON or events: a JSON answer says which."""
    obj, status, headers = answer
    return obj, status, {**headers, **JSON_TYPE}


def frame(event: JsonObject) -> bytes:
    """One server-sent event."""
    data = json.dumps(event, separators=(",", ":"))  # ASCII: a lone surrogate is escaped too
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


def event_stream(events: list[JsonObject]) -> StreamingResponse:
    if runtime().settings.validate_responses:
        check = event_check()
        for event in events:
            problem = check(event)
            if problem is not None:
                raise NonConformingResponseBody(
                    detail=f"event {event.get('sequence_number')} ({event.get('type')}): {problem}"
                )

    async def frames() -> AsyncIterator[bytes]:  # on the loop: no worker thread per event
        for event in events:
            yield frame(event)

    return StreamingResponse(
        frames(), media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


@functools.cache
def event_check() -> Callable[[Any], str | None]:
    """What is wrong with an event under the contract (None when it conforms)."""
    spec = contract()
    schema = spec.event_data_schema(operation_id(Operations.create_response))
    assert schema is not None, "openapi.yaml names the schema of an event's data"
    fast = fast_validator(schema)  # compiled once; the slower validator words a failure
    validator = spec.validator(schema)

    def problem(event: Any) -> str | None:
        if fast is not None and fast(event):
            return None
        error = next(iter(validator.iter_errors(event)), None)
        return None if error is None else str(error.message)

    return problem
