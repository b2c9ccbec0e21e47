"""notes and feedback: staff's note on a ticket; customers' ratings and comments of a visit

Revision ID: 0007_notes_feedback
Revises: 0005_statistics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_notes_feedback"
down_revision = "0006_counter_states"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("note", sa.String(length=500), nullable=True))
    op.create_table(
        "feedback",
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_feedback_ticket_id_tickets", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_feedback_site_id_sites", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name="fk_feedback_service_id_services"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_site_created", "feedback", ["site_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_site_created", table_name="feedback")
    op.drop_table("feedback")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("note")
