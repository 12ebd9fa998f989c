"""Shared by the alembic environment and the test that checks no migration is pending."""

from __future__ import annotations

import re

from geoalchemy2 import alembic_helpers

NOT_OURS = {"spatial_ref_sys"}
EVENT_PARTITION = re.compile(r"^events_p\d{6}$")
"""The monthly partitions of ``events``, made at run time by ``ensure_event_partition`` (not by migrations)."""


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """PostGIS's own tables are not ours to manage; spatial indexes are handled by GeoAlchemy2's helpers."""
    if type_ == "table" and (name in NOT_OURS or EVENT_PARTITION.match(name or "")):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
