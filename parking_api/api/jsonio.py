"""JSON out of the API, serialised by orjson: a driver's answer is serialised on every request (and once more for
its ETag), and the standard library's encoder was a fifth of a request's time (see BENCHMARKS.md).

Values orjson does not know (dates, decimals, dataclasses) go through Flask's own ``default``, so every body reads
as before; only the bytes differ (UTF-8 rather than ``\\u`` escapes). A debug app, or a caller asking for options
(``indent``, ``sort_keys``…), keeps Flask's standard encoder.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson doing the encoding (decoding stays Flask's)."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs or self._app.debug:
            return super().dumps(obj, **kwargs)
        return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self._app.debug:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        encoded = orjson.dumps(obj, default=self.default, option=_OPTIONS)
        return self._app.response_class(encoded, mimetype=self.mimetype)


def digest(obj: Any, app: Flask) -> str:
    """A SHA-1 of ``obj`` as JSON with sorted keys: equal bodies give equal digests, whatever their key order."""
    encoded = orjson.dumps(obj, default=app.json.default, option=_OPTIONS | orjson.OPT_SORT_KEYS)
    return hashlib.sha1(encoded).hexdigest()
