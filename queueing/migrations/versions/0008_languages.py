"""languages: a ticket's, booking's, feedback's and message's language is a BCP 47 tag

Revision ID: 0008_languages
Revises: 0007_notes_feedback
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_languages"
down_revision = "0007_notes_feedback"
branch_labels = None
depends_on = None

# "sv-FI" or "sr-Latn-RS" do not fit the two letters of "fi"; 35 is the longest tag we accept.
TABLES = ("tickets", "appointments", "feedback", "outbox_messages")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "language", type_=sa.String(length=35), existing_type=sa.String(length=2)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "language", type_=sa.String(length=2), existing_type=sa.String(length=35)
            )
