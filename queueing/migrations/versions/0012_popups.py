"""pop-up services, closures for walk-ins, two-letter prefixes

Revision ID: 0012_popups
Revises: 0011_admin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_popups"
down_revision = "0011_admin"
branch_labels = None
depends_on = None

# "VA003": a prefix of one or two letters, wherever a prefix is kept.
PREFIXES = ("services", "tickets", "number_counters")
EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    for table in PREFIXES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("prefix", type_=sa.String(length=2), existing_type=sa.String(1))
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("available_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("available_until", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("closures", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
    with op.batch_alter_table("sites") as batch:
        batch.add_column(
            sa.Column("closures", sa.JSON(), nullable=False, server_default=EMPTY_LIST)
        )
        batch.add_column(sa.Column("holidays", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("holidays")
        batch.drop_column("closures")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("closures")
        batch.drop_column("available_until")
        batch.drop_column("available_from")
    # A two-letter prefix does not fit the old column: such rows must go before a downgrade.
    for table in PREFIXES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("prefix", type_=sa.String(length=1), existing_type=sa.String(2))
