"""Which controlled parking zones are loaded, and what are one zone's polygons and hours?"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from parking_api.engine.model import normalise_permit
from parking_api.errors import UnknownZone
from parking_api.store import reads

MAX_CODE_LENGTH = 32


def normalise_zone_code(code: str) -> str:
    """A zone code as the data writes it (``CAF`` and ``ca_f`` are ``CA-F``)."""
    return normalise_permit(code.replace("\x00", ""))


def zones(session: Session, *, code: str | None = None) -> list[dict[str, Any]]:
    """Every live zone polygon, or (with ``code``) those of one zone — or of one sub-zone, named as the API returns
    it (``CA-F(n)``); :class:`UnknownZone` when it has none."""
    if code is not None and len(code) <= MAX_CODE_LENGTH and "\x00" not in code:
        sub = reads.zones(session, sub_zone=code.strip())
        if sub:
            return sub
    if code is not None:
        code = normalise_zone_code(code)
        if not code or len(code) > MAX_CODE_LENGTH:
            raise UnknownZone(f"No zone {code!r}.")
    rows = reads.zones(session, code=code)
    if code is not None and not rows:
        raise UnknownZone(f"No zone {code!r}: zone codes look like CA-F.")
    return rows
