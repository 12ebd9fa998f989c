"""load fingerprint: what a successful load was made from, so that an identical reload can be recognised

A run's fingerprint is a digest of the file's bytes, the load's options, its mapping and every setting and piece of
code that goes into the rules; a reload with the fingerprint of the source's last successful run of that table
changes nothing, so it is recorded without being staged again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE load_runs ADD COLUMN fingerprint varchar(64)")


def downgrade() -> None:
    op.execute("ALTER TABLE load_runs DROP COLUMN fingerprint")
