"""events: whether the organisers accept the identity provider's second factor for staff

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite does not copy the events table (others reference it).
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column(
                "trusts_provider_second_factor",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade():
    with op.batch_alter_table("events") as batch:
        batch.drop_column("trusts_provider_second_factor")
