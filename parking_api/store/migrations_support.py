"""Shared by the alembic environment and the test that checks no migration is pending."""

from __future__ import annotations

from geoalchemy2 import alembic_helpers

NOT_OURS = {"spatial_ref_sys"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """PostGIS's own tables are not ours to manage; spatial indexes are handled by GeoAlchemy2's helpers."""
    if type_ == "table" and name in NOT_OURS:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
