"""usage: the engine's verdict on each ended session, the availability forecast per bay and hour of the week, and
each bay's online time per settled day

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A verdict holds for the start and end it judged: pairing may still complete or re-close a session (a late
    # event), and then the verdict is judged again.
    op.create_table(
        "session_verdicts",
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("allowed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("judged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("verdict IN ('ok', 'overstay', 'unverifiable')", name="session_verdicts_verdict"),
        sa.ForeignKeyConstraint(["session_id"], ["parking_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_table(
        "bay_forecasts",
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("hour_of_week", sa.SmallInteger(), nullable=False),
        sa.Column("share_free", sa.Float(), nullable=True),
        sa.Column("weeks", sa.SmallInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hour_of_week BETWEEN 0 AND 167", name="bay_forecasts_hour_of_week"),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place_id", "hour_of_week"),
    )
    # Online time is derived from the raw events; for days that are over (settled) it is kept here, per UTC day, with
    # and without the simulator's events, so that usage never rescans a month of events (and survives pruning).
    op.create_table(
        "usage_online",
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("with_simulated", sa.Boolean(), nullable=False),
        sa.Column("online", postgresql.TSTZMULTIRANGE(), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place_id", "day", "with_simulated"),
    )
    op.create_table(
        "usage_settled",
        sa.Column("id", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="usage_settled_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("usage_settled")
    op.drop_table("usage_online")
    op.drop_table("bay_forecasts")
    op.drop_table("session_verdicts")
