"""a site's stop_issue_when_full: refuse walk-ins for a service full for the day

Revision ID: 0015_estimates_stop_issue
Revises: 0014_line_heads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_estimates_stop_issue"
down_revision = "0014_line_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Off by default: a site chooses to turn walk-ins away once the estimate passes closing.
    op.add_column(
        "sites",
        sa.Column("stop_issue_when_full", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("sites", "stop_issue_when_full")
