"""Everything a server can be configured with; the CLI, the plugin and tests build one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # the real API's per-file limit
DEFAULT_POLL_AFTER_MS = 20
DEFAULT_JOURNAL_BYTES = 64 * 1024 * 1024  # of bodies the request journal keeps
# The bounds of the processing settings, on the command line and the admin route alike
# (vsmock/contract/admin.yaml says the same; tests/cli/test_cli.py checks that the two agree).
MAX_PROCESSING_POLLS = 1000
MAX_PROCESSING_SECONDS = 315_360_000  # ten years of mock time
MAX_POLL_AFTER_MS = 600_000  # ten minutes


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path | None = None
    seed: int | None = None
    now: float | None = None  # freeze the clock at this instant
    api_key: str | None = None
    fsync: bool = False
    processing_polls: int = 0
    processing_seconds: float = 0.0
    poll_after_ms: int = DEFAULT_POLL_AFTER_MS
    validate_responses: bool = True
    stateless: bool = False
    strict_requests: bool = False
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    journal_size: int = 10_000  # entries the request journal keeps (the newest)
    journal_bytes: int = DEFAULT_JOURNAL_BYTES  # of bodies it keeps, across its entries
