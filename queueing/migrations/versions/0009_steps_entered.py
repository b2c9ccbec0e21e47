"""ticket steps by the time their line was entered, across the site's services

Revision ID: 0009_steps_entered
Revises: 0008_languages
"""

from __future__ import annotations

from alembic import op

revision = "0009_steps_entered"
down_revision = "0008_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL does not reach (service_id, entered_at) through a join to the site's services:
    # without a range index of its own it scanned every step of the history for one week.
    op.create_index("ix_ticket_steps_entered", "ticket_steps", ["entered_at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_steps_entered", table_name="ticket_steps")
