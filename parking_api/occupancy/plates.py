"""Number plates are personal data: only a keyed hash is ever stored, and only when a key is configured."""

from __future__ import annotations

import hashlib
import hmac
import re

_NOT_PLATE = re.compile(r"[^0-9A-Z]")


def plate_hash(plate: str | None, key: str) -> str | None:
    """HMAC-SHA256 of the plate written canonically ("ab12 cde" and "AB12CDE" are one vehicle), or ``None`` when
    there is no plate or no key (the plate is then discarded: without a secret key a hash of a plate is reversible
    by trying every plate)."""
    if not plate or not key:
        return None
    canonical = _NOT_PLATE.sub("", plate.upper())
    if not canonical:
        return None
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
