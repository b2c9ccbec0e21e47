"""trust boundaries: organisations, serving agreements, audit log, token generations, needs

Revision ID: 0003_trust
Revises: 0002_appointments, 0002_displays
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_trust"
down_revision = ("0002_appointments", "0002_displays")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    # Plain ADD COLUMN, never a batch copy: SQLite would drop and recreate `sites` and `users`,
    # and the ON DELETE CASCADE of every table referring to them would empty those tables.
    op.add_column("sites", sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.add_column("sites", sa.Column("need_types", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("users", sa.Column("organisation_id", sa.Integer(), nullable=True))
    op.add_column(
        "users", sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("tickets", sa.Column("needs", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column(
        "tickets",
        sa.Column("needs_confirmed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot add a constraint to a table
        for table in ("sites", "users"):
            op.create_foreign_key(
                op.f(f"fk_{table}_organisation_id_organisations"),
                table,
                "organisations",
                ["organisation_id"],
                ["id"],
                ondelete="SET NULL",
            )
    op.create_table(
        "serving_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_serving_agreements_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_serving_agreements_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_serving_agreements_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_agreements")),
        sa.UniqueConstraint("unit_id", "service_id", name=op.f("uq_serving_agreements_unit_id")),
    )
    op.create_index(
        op.f("ix_serving_agreements_site_id"), "serving_agreements", ["site_id"], unique=False
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("resource", sa.String(length=120), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_audit_entries_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_site_at", "audit_entries", ["site_id", "at"], unique=False)
    op.create_index(op.f("ix_audit_entries_unit_id"), "audit_entries", ["unit_id"], unique=False)
    op.create_table(
        "kiosk_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_kiosk_tokens_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosk_tokens_token_hash")),
    )
    op.create_index(op.f("ix_kiosk_tokens_site_id"), "kiosk_tokens", ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_table("kiosk_tokens")
    op.drop_table("audit_entries")
    op.drop_table("serving_agreements")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in (
        ("tickets", "needs_confirmed"),
        ("tickets", "needs"),
        ("users", "token_generation"),
        ("users", "organisation_id"),
        ("sites", "need_types"),
        ("sites", "organisation_id"),
    ):
        if column == "organisation_id" and not sqlite:
            op.drop_constraint(f"fk_{table}_organisation_id_organisations", table, "foreignkey")
        op.drop_column(table, column)
    op.drop_table("organisations")
