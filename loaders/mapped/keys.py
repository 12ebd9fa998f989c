"""TOML key paths as a person writes them, and the checker that collects every problem of a mapping with the key path
it concerns (``types."paid-for".park[1]: unknown user class 'resident'``), so one run lists them all."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from parking_api.engine.model import UserClass

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_path(*parts: str | int) -> str:
    """A TOML key path as a person writes it: ``types."paid-for".park[1]``."""
    return extend_path("", *parts)


def extend_path(prefix: str, *parts: str | int) -> str:
    """``prefix`` (an already written key path) extended by raw keys and list indices."""
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out += f".{text}" if out else text
    return out


class Checker:
    """Collects every problem of a mapping, each with its key path."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def table(self, value: Any, path: str, allowed: dict[str, bool]) -> dict[str, Any] | None:
        """A TOML table; unknown keys and missing required keys (``allowed[key] is True``) are errors."""
        if not isinstance(value, dict):
            self.error(path, f"must be a table, not {type_name(value)}")
            return None
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (expected one of: {', '.join(allowed)})"
                self.error(extend_path(path, key), f"unknown key{hint}")
        for key, required in allowed.items():
            if required and key not in value:
                self.error(extend_path(path, key), "required key is missing")
        return value

    def string(self, table: dict[str, Any], key: str, path: str, *, choices: tuple[str, ...] = ()) -> str | None:
        if key not in table:
            return None
        value = table[key]
        here = extend_path(path, key)
        if not isinstance(value, str):
            self.error(here, f"must be a string, not {type_name(value)}")
            return None
        if choices and value not in choices:
            self.error(here, f"must be one of {', '.join(choices)}, not {value!r}")
            return None
        if not value.strip() and not choices:
            self.error(here, "must not be empty")
            return None
        return value

    def boolean(self, table: dict[str, Any], key: str, path: str) -> bool | None:
        if key not in table:
            return None
        if not isinstance(table[key], bool):
            self.error(extend_path(path, key), f"must be true or false, not {type_name(table[key])}")
            return None
        return table[key]

    def integer(self, table: dict[str, Any], key: str, path: str) -> int | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(extend_path(path, key), f"must be an integer, not {type_name(value)}")
            return None
        return value

    def number(self, table: dict[str, Any], key: str, path: str) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(extend_path(path, key), f"must be a number, not {type_name(value)}")
            return None
        if value < 0:
            self.error(extend_path(path, key), "must not be negative")
            return None
        return float(value)

    def strings(self, table: dict[str, Any], key: str, path: str) -> list[str] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list):
            self.error(extend_path(path, key), f"must be a list of strings, not {type_name(value)}")
            return None
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.error(extend_path(path, key, i), f"must be a string, not {type_name(item)}")
            else:
                out.append(item)
        return out

    def classes(self, value: Any, here: str) -> list[UserClass]:
        if not isinstance(value, list):
            self.error(here, f"must be a list of user classes, not {type_name(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            cls = self.user_class(item, f"{here}[{i}]")
            if cls is not None:
                out.append(cls)
        return out

    def user_class(self, item: Any, here: str) -> UserClass | None:
        if not isinstance(item, str):
            self.error(here, f"must be a user class name, not {type_name(item)}")
            return None
        try:
            return UserClass(item.strip().lower())
        except ValueError:
            close = difflib.get_close_matches(item.strip().lower(), [c.value for c in UserClass], n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.error(here, f"unknown user class {item!r} ({hint}known: {', '.join(c.value for c in UserClass)})")
            return None


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__

