"""counter states: a service point is open, paused (with a reason) or closed, and by whom

Revision ID: 0006_counter_states
Revises: 0005_statistics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_counter_states"
down_revision = "0005_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs, no batch copy: recreating service_points on SQLite would cascade
    # to the rows that refer to it.
    op.add_column("service_points", sa.Column("state", sa.String(16), nullable=True))
    op.add_column("service_points", sa.Column("state_reason", sa.String(200), nullable=True))
    op.add_column(
        "service_points", sa.Column("state_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("service_points", sa.Column("staffed_by", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_points") as batch:
        batch.drop_column("staffed_by")
        batch.drop_column("state_since")
        batch.drop_column("state_reason")
        batch.drop_column("state")
