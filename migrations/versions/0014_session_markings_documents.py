"""documents: TLP and Chatham House markings on sessions, session documents

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01 23:10:00

Sessions carry a FIRST TLP 2.0 label and a Chatham House Rule flag (issue 19).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("sessions", sa.Column("tlp", sa.String(length=20), nullable=True))
    op.add_column(
        "sessions",
        sa.Column("chatham_house", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite drops a column by copying the table: its DROP TABLE would cascade to
        # every booking and scan unless foreign keys are off meanwhile.
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("chatham_house")
        batch.drop_column("tlp")
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
