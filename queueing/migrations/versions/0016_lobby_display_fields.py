"""a lobby display's current calls and their minimum time on screen

Revision ID: 0016_lobby_display_fields
Revises: 0015_estimates_stop_issue
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_lobby_display_fields"
down_revision = "0015_estimates_stop_issue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Server defaults: the displays configured before keep working with the new lobby's defaults.
    with op.batch_alter_table("displays") as batch:
        batch.add_column(
            sa.Column("current_calls", sa.Integer(), nullable=False, server_default="4")
        )
        batch.add_column(
            sa.Column("min_visible_seconds", sa.Integer(), nullable=False, server_default="20")
        )


def downgrade() -> None:
    with op.batch_alter_table("displays") as batch:
        batch.drop_column("min_visible_seconds")
        batch.drop_column("current_calls")
