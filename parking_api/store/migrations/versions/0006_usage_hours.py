"""usage hours: each bay's usage per settled UTC hour, so that a month of usage sums hours instead of sweeping the
month's sessions

Per bay, hour and ``with_simulated``: online and occupied space-seconds, the sessions that started in the hour, the
overstays and unverifiable ones among them and the dwell seconds of those that had ended (every value, so that a
median over any run of hours stays exact). Written with ``usage_online`` when a day is settled; the settled instant
is reset so that the next ``parking usage refresh`` settles every day again with its hours.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_hours",
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("with_simulated", sa.Boolean(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("online_s", sa.Numeric(), nullable=False),
        sa.Column("occupied_s", sa.Numeric(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("overstays", sa.Integer(), nullable=False),
        sa.Column("unverifiable", sa.Integer(), nullable=False),
        sa.Column("dwell_s", postgresql.ARRAY(sa.Numeric()), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place_id", "with_simulated", "hour"),
    )
    op.execute("DELETE FROM usage_settled")


def downgrade() -> None:
    op.drop_table("usage_hours")
