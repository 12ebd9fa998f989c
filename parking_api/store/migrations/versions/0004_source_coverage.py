"""source coverage: each source's hull of live bays and zones, kept on its row by the load that changes them

Computing the hull on a reader's first request scanned every live geometry (6.5 s, past the statement timeout, with a
million bays); a load already holds the source's rows and its lock, so it computes the hull once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE sources ADD COLUMN coverage geometry(Geometry, 4326)")
    op.execute(
        """
        UPDATE sources s SET coverage = h.hull
        FROM (
            SELECT source_id, ST_ConvexHull(ST_Collect(geom)) AS hull
            FROM (
                SELECT source_id, geom FROM places WHERE retired_at IS NULL
                UNION ALL
                SELECT source_id, geom FROM zones WHERE retired_at IS NULL
            ) shapes
            GROUP BY source_id
        ) h
        WHERE h.source_id = s.id
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE sources DROP COLUMN coverage")
