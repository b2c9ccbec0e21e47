"""display configurations and device tokens

Revision ID: 0002_displays
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_displays"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "displays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("service_points", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("rotate_seconds", sa.Integer(), nullable=False),
        sa.Column("privacy", sa.Boolean(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("announce", sa.Boolean(), nullable=False),
        sa.Column("show_queues", sa.Boolean(), nullable=False),
        sa.Column("history", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_displays_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_displays")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_displays_site_id")),
    )
    with op.batch_alter_table("displays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_displays_site_id"), ["site_id"], unique=False)

    op.create_table(
        "display_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["display_id"],
            ["displays.id"],
            name=op.f("fk_display_tokens_display_id_displays"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_display_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_display_tokens_token_hash")),
    )
    with op.batch_alter_table("display_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_display_tokens_display_id"), ["display_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("display_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_display_tokens_display_id"))
    op.drop_table("display_tokens")
    with op.batch_alter_table("displays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_displays_site_id"))
    op.drop_table("displays")
