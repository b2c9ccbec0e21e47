"""statistics: the estimate a ticket was shown at issue; indexes for reading ranges of visits

Revision ID: 0005_statistics
Revises: 0004_neutral_unit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_statistics"
down_revision = "0004_neutral_unit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shown_estimates",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("low_seconds", sa.Float(), nullable=True),
        sa.Column("high_seconds", sa.Float(), nullable=True),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_shown_estimates_ticket_id_tickets",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_shown_estimates"),
    )
    op.create_index("ix_ticket_steps_service_entered", "ticket_steps", ["service_id", "entered_at"])
    op.create_index("ix_appointments_ticket_id", "appointments", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_appointments_ticket_id", table_name="appointments")
    op.drop_index("ix_ticket_steps_service_entered", table_name="ticket_steps")
    op.drop_table("shown_estimates")
