"""the site's neutral unit, shown in public for sensitive services

Revision ID: 0004_neutral_unit
Revises: 0003_trust
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_neutral_unit"
down_revision = "0003_trust"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN, never a batch copy of `sites`: on SQLite that drops and recreates the
# table, and the ON DELETE CASCADE of every table referring to it would empty them.
def upgrade() -> None:
    op.add_column("sites", sa.Column("neutral_unit", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("sites", "neutral_unit")
