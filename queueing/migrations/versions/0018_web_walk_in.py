"""sites.web_walk_in: whether customers may take a walk-in ticket from their phone

Revision ID: 0018_web_walk_in
Revises: 0017_push_subscriptions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_web_walk_in"
down_revision = "0017_push_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Off for every existing site: a site turns phone walk-ins on in its file or the admin API.
    with op.batch_alter_table("sites") as batch:
        batch.add_column(
            sa.Column("web_walk_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("web_walk_in")
