"""JSON log lines: one object per line on stderr, for a log collector.

Each line has `time` (RFC 3339, UTC, milliseconds), `level`, `logger`, `message`, and the request id
when the line was logged while serving a request. The access line (`vigia.access`, api/middleware.py)
adds `method`, `path` (never the query string: it can carry search terms), `status`, `duration_ms`
and `actor` (the kind of caller: anonymous, staff, partner). An exception adds only its class name:
a message or traceback can quote SQL parameters, that is, record content.

Only the fields listed in `EXTRA_FIELDS` are taken from a record's `extra`, so that nothing a caller
sent reaches the log by accident.
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from api.request_context import request_id

EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "actor")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if "request_id" not in entry and (current := request_id.get()) is not None:
            entry["request_id"] = current
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str)
