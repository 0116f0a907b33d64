"""seat offers: a waiting person whose bookings overlap the session is offered the seat

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 03:00:00

A booking may be ``offered``: it holds a seat until ``offer_expires_at``; ``offer_nonce`` is
the secret the one-click link of the offer mail is signed over. Plain ADD COLUMNs and an
index: SQLite does not copy the bookings table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("offer_nonce", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_bookings_status_offer_expires_at", ["status", "offer_expires_at"], unique=False
        )


def downgrade():
    # An open offer goes back to its place in the waiting list (kept during the offer) and
    # gives its held seat back.
    op.execute(
        "UPDATE sessions SET confirmed_count = confirmed_count - (SELECT COUNT(*) FROM bookings"
        " WHERE bookings.session_id = sessions.id AND bookings.status = 'offered')"
    )
    op.execute("UPDATE bookings SET status = 'waitlisted' WHERE status = 'offered'")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_status_offer_expires_at")
        batch_op.drop_column("offer_nonce")
        batch_op.drop_column("offer_expires_at")
