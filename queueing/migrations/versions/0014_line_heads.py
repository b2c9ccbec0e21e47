"""the lines' heads and places by priority: waiting tickets of a service by priority, then rank

Revision ID: 0014_line_heads
Revises: 0013_pg_steps
"""

from __future__ import annotations

from alembic import op

revision = "0014_line_heads"
down_revision = "0013_pg_steps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Call-next reads each line's head with and without a priority need, and an issue counts
    # its place (those with a priority need and those ranked before it): through ix_tickets_line
    # (service_id, status, ranked_at) both walked the whole line checking each row's priority,
    # 17 ms for five heads with 13,000 waiting. With priority in the key both are index seeks.
    op.create_index(
        "ix_tickets_line_priority", "tickets", ["service_id", "status", "priority", "ranked_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_line_priority", table_name="tickets")
