"""web push: the install's VAPID keys and the browsers subscribed to a ticket

Revision ID: 0017_push_subscriptions
Revises: 0016_lobby_display_fields
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_push_subscriptions"
down_revision = "0016_lobby_display_fields"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "endpoint", name="uq_push_ticket_endpoint"),
    )
    op.create_index("ix_push_subscriptions_ticket_id", "push_subscriptions", ["ticket_id"])
    op.create_index("ix_push_subscriptions_site_id", "push_subscriptions", ["site_id"])


def downgrade() -> None:
    op.drop_table("push_subscriptions")
    op.drop_table("push_keys")
