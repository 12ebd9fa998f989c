"""live availability: API keys, events partitioned by month, their idempotency record, sessions and occupancy

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Partitions are made on demand, by whoever inserts first: under an advisory lock (two writers rarely race to create
# the same one; the one that loses — its catalogue cache may not show the winner's table yet — ignores the
# duplicate) and SECURITY DEFINER, so that a role that may only insert events needs no CREATE privilege.
ENSURE_PARTITION = """
CREATE FUNCTION ensure_event_partition(at timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'events_p' || to_char(at AT TIME ZONE 'UTC', 'YYYYMM');
BEGIN
    IF to_regclass(name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('ensure_event_partition'), hashtext(name));
        BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                           name, month_start, month_start + interval '1 month');
        EXCEPTION WHEN duplicate_table THEN
            NULL;
        END;
    END IF;
    RETURN name;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("sources", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("rate_per_second", sa.Numeric(precision=10, scale=3), server_default="20", nullable=False),
        sa.Column("burst", sa.Integer(), server_default="200", nullable=False),
        sa.Column("tokens", sa.Numeric(precision=12, scale=3), server_default="200", nullable=False),
        sa.Column("tokens_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('council', 'sensor', 'app')", name="api_keys_role"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_table(
        "event_ids",
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index(op.f("ix_event_ids_place_id"), "event_ids", ["place_id"], unique=False)
    op.create_table(
        "events",
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("event_source", sa.String(length=32), nullable=True),
        sa.Column("session_key", sa.Text(), nullable=True),
        sa.Column("space", sa.Text(), nullable=True),
        sa.Column("occupied", sa.Integer(), nullable=True),
        sa.Column("vehicle_type", sa.String(length=16), nullable=True),
        sa.Column("permits", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("badge", sa.String(length=8), nullable=True),
        sa.Column("plate_hash", sa.String(length=64), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "event_time"),
        postgresql_partition_by="RANGE (event_time)",
    )
    op.create_index("events_place_time", "events", ["place_id", "event_time"], unique=False)
    op.execute(ENSURE_PARTITION)
    op.create_table(
        "parking_sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("session_key", sa.Text(), nullable=True),
        sa.Column("space", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_event_id", sa.UUID(), nullable=True),
        sa.Column("end_event_id", sa.UUID(), nullable=True),
        sa.Column("vehicle_type", sa.String(length=16), nullable=True),
        sa.Column("permits", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("badge", sa.String(length=8), nullable=True),
        sa.Column("plate_hash", sa.String(length=64), nullable=True),
        sa.Column("simulated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "parking_sessions_open",
        "parking_sessions",
        ["place_id"],
        unique=False,
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_index("parking_sessions_place_start", "parking_sessions", ["place_id", "started_at"], unique=False)
    op.create_table(
        "occupancy",
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("occupied", sa.Integer(), server_default="0", nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_type", sa.String(length=32), nullable=False),
        sa.Column("count_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported", sa.Integer(), nullable=True),
        sa.Column("report_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("simulated", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place_id"),
    )


def downgrade() -> None:
    op.drop_table("occupancy")
    op.drop_index("parking_sessions_place_start", table_name="parking_sessions")
    op.drop_index("parking_sessions_open", table_name="parking_sessions", postgresql_where=sa.text("ended_at IS NULL"))
    op.drop_table("parking_sessions")
    op.execute("DROP FUNCTION IF EXISTS ensure_event_partition(timestamptz)")
    op.drop_table("events")  # its partitions go with it
    op.drop_index(op.f("ix_event_ids_place_id"), table_name="event_ids")
    op.drop_table("event_ids")
    op.drop_table("api_keys")
