"""What data is loaded: the sources, with their publishers, licences, time zones and counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from parking_api.store import reads


def sources(session: Session) -> list[dict[str, Any]]:
    """Every loaded source as the store reads it (counts of live bays and zone polygons included)."""
    return reads.sources(session)
