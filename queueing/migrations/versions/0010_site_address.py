"""a site's street address, per language, for the organisation's pages

Revision ID: 0010_site_address
Revises: 0009_steps_entered
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_site_address"
down_revision = "0009_steps_entered"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a site file need not give one; the organisation's pages then show none.
    op.add_column("sites", sa.Column("address", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("sites", "address")
