"""Errors as small classes, rendered in OpenAI's envelope.

Each class carries its HTTP status, ``type``, ``code`` and default ``param`` as
class data; an instance adds the message (and may override ``param``/``code``).
One handler (``vsmock.http.envelope``) turns every error into::

    {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
"""

from __future__ import annotations

from typing import ClassVar

from vsmock.contract.json_types import JsonObject


class APIError(Exception):
    status: ClassVar[int] = 500
    type: ClassVar[str] = "server_error"
    code: str | None = None
    param: str | None = None
    recorded: ClassVar[bool] = False  # a server-side failure, reported to tests as one

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if param is not None:
            self.param = param
        if code is not None:
            self.code = code
        self.headers = headers or {}

    def body(self) -> JsonObject:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class InvalidRequest(APIError):
    status = 400
    type = "invalid_request_error"


class MissingAPIKey(APIError):
    status = 401
    type = "invalid_request_error"

    def __init__(self) -> None:
        super().__init__(
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), "
            "or as the password field (with blank username) if you're accessing the API from "
            "your browser and are prompted for a username and password. You can obtain an API "
            "key from https://platform.openai.com/account/api-keys."
        )


class MissingAzureAPIKey(APIError):
    """No key on an Azure OpenAI route: Azure's wording, which names its ``api-key`` header."""

    status = 401
    type = "invalid_request_error"

    def __init__(self) -> None:
        super().__init__(
            "Access denied due to missing subscription key. Make sure to include "
            "subscription key when making requests to an API (the api-key header, or "
            "Authorization: Bearer)."
        )


class InvalidAPIKey(APIError):
    status = 401
    type = "invalid_request_error"
    code = "invalid_api_key"

    def __init__(self, key: str):
        super().__init__(
            f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        )


class NotFound(APIError):
    status = 404
    type = "invalid_request_error"


class VectorStoreNotFound(NotFound):
    def __init__(self, vector_store_id: str):
        super().__init__(f"No vector store found with id '{vector_store_id}'.")


class VectorStoreFileNotFound(NotFound):
    def __init__(self, file_id: str, vector_store_id: str):
        super().__init__(f"No file found with id '{file_id}' in vector store '{vector_store_id}'.")


class FileBatchNotFound(NotFound):
    def __init__(self, batch_id: str, vector_store_id: str):
        super().__init__(
            f"No file batch found with id '{batch_id}' in vector store '{vector_store_id}'."
        )


class FileNotFound(NotFound):
    """The Files API's own wording."""

    param = "id"

    def __init__(self, file_id: str):
        super().__init__(f"No such File object: {file_id}")


class AttachedFileNotFound(NotFound):
    """A file id given to a vector store that names no File."""

    param = "file_id"

    def __init__(self, file_id: str, param: str = "file_id"):
        super().__init__(f"No file found with id '{file_id}'.", param=param)


class CursorNotFound(NotFound):
    def __init__(self, param: str):
        super().__init__("Resource not found.", param=param)


class ResponseNotFound(NotFound):
    def __init__(self, response_id: str):
        super().__init__(f"Response with id '{response_id}' not found.")


class PreviousResponseNotFound(InvalidRequest):
    """``previous_response_id`` names no stored response (deleted, never stored, unknown)."""

    code = "previous_response_not_found"
    param = "previous_response_id"

    def __init__(self, response_id: str):
        super().__init__(f"Previous response with id '{response_id}' not found.")


class RouteNotFound(NotFound):
    def __init__(self, method: str, path: str):
        super().__init__(
            f"Invalid URL ({method} {path})",
        )


class InvalidURL(InvalidRequest):
    code = "invalid_url"

    def __init__(self, method: str, path: str):
        super().__init__(f"Invalid URL ({method} {path!r}): the path holds control characters.")


class MethodNotAllowed(APIError):
    status = 405
    type = "invalid_request_error"


class VectorStoreExpired(InvalidRequest):
    code = "vector_store_expired"

    def __init__(self, vector_store_id: str):
        super().__init__(f"Vector store '{vector_store_id}' has expired.")


class Conflict(APIError):
    status = 409
    type = "invalid_request_error"


class StateWasReset(Conflict):
    """A request admitted before the server's state was reset, reaching the state that
    replaced it (one its client gave up on, still in flight): it is not carried out."""

    code = "state_reset"

    def __init__(self) -> None:
        super().__init__(
            "The server's state was reset while this request was in flight, so it was not "
            "carried out."
        )


class PayloadTooLarge(APIError):
    """A request body over the server's limit (``--max-upload-bytes``)."""

    status = 413
    type = "invalid_request_error"
    code = "request_too_large"


class FileTooLarge(PayloadTooLarge):
    """An upload (a multipart body) over the limit: the file is what is too large."""

    code = "file_too_large"
    param = "file"


class RequestTimeout(APIError):
    status = 408
    type = "server_error"


class RateLimited(APIError):
    status = 429
    type = "requests"
    code = "rate_limit_exceeded"


class ServerError(APIError):
    status = 500
    type = "server_error"


class StoredDataMissing(ServerError):
    """A recorded file's bytes or chunk texts are gone from the data directory (removed
    behind vsmock's back). Recorded as a server error, so a test using the server fails."""

    code = "stored_data_missing"
    recorded = True

    def __init__(self, path: str):
        super().__init__(
            f"The data this request needs is missing from vsmock's data directory ({path}): "
            "it was removed outside vsmock. Restart the server to have the data directory "
            "checked, or restore it from a backup."
        )


class BadGateway(APIError):
    status = 502
    type = "server_error"


class ServiceUnavailable(APIError):
    status = 503
    type = "server_error"


BY_STATUS: dict[int, type[APIError]] = {
    cls.status: cls
    for cls in (
        InvalidRequest,
        NotFound,
        MethodNotAllowed,
        RequestTimeout,
        Conflict,
        PayloadTooLarge,
        RateLimited,
        ServerError,
        BadGateway,
        ServiceUnavailable,
    )
}


def mask_key(key: str) -> str:
    """The live API's masking: the first 8 characters, stars, the last 4."""
    if len(key) <= 12:
        return key[:2] + "*" * max(len(key) - 4, 0) + key[-2:] if len(key) > 4 else "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


class MissingApiVersion(InvalidRequest):
    """A request on the Azure OpenAI routes (``/openai/...``) without ``api-version``.

    Worded as the Azure REST API guidelines word it (``MissingApiVersionParameter``); the
    Azure OpenAI service itself answers 404 ``Resource not found``, which a test could not
    tell from an unknown id."""

    code = "MissingApiVersionParameter"
    param = "api-version"

    def __init__(self) -> None:
        super().__init__(
            "The api-version query parameter (?api-version=) is required for all requests."
        )
