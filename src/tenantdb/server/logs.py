"""Logging of ``tenantdb serve``: uvicorn's configuration with every token-shaped string redacted.

Tokens travel in the Authorization header, which uvicorn does not log; the filter covers a token pasted into a
URL (``?token=tdb_...``) or a message, so no log line ever holds one.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

TOKEN_PATTERN = re.compile(r"tdb_[A-Za-z0-9_-]+")
REDACTED = "tdb_[redacted]"


def redact(value: Any) -> Any:
    return TOKEN_PATTERN.sub(REDACTED, value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Rewrites a record's message and arguments with tokens redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(arg) for key, arg in record.args.items()}
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging with :class:`RedactTokens` on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_tokens": {"()": f"{__name__}.RedactTokens"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_tokens"]
    config["loggers"]["tenantdb"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
