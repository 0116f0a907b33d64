"""registrations: an organiser may refuse a claimed category, with a reason

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 03:10:00

The attendee's registration page shows the claim as claimed, verified or refused (issue 15,
item 9); a refusal carries the organiser's reason.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: SQLite does not copy the registrations table (others reference it).
    op.add_column(
        "registrations",
        sa.Column("category_refused_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "registrations",
        sa.Column("category_refusal_reason", sa.Text(), server_default="", nullable=False),
    )


def downgrade():
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("category_refusal_reason")
        batch.drop_column("category_refused_at")
