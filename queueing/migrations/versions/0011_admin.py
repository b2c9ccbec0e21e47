"""an organisation admin may have no site of their own (the first account of an empty database)

Revision ID: 0011_admin
Revises: 0009_steps_entered
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_admin"
down_revision = "0010_site_address"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The first admin of an installation creates its first site in /admin, so the account
    # exists before any site does: it belongs to its organisation only.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("site_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM users WHERE site_id IS NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("site_id", existing_type=sa.Integer(), nullable=False)
