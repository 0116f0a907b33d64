"""door: typed badge numbers, re-entry setting, online/offline scans, transliterated search

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-01 22:30:00

Badges get the folded printed number (``number_key``) door staff type; events the
re-entry setting of their entrance; scans how the badge was presented (``entry``) and
whether the scan was queued offline. The search terms are rewritten with
transliterations of Greek and Cyrillic, and the email's words.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("badges", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("number_key", sa.String(length=8), server_default="", nullable=False)
        )
        batch_op.create_index("ix_badges_event_number", ["event_id", "number_key"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entrance_readmits", sa.Boolean(), nullable=True))
    with op.batch_alter_table("badge_scans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("entry", sa.String(length=10), server_default="code", nullable=False)
        )
        batch_op.add_column(
            sa.Column("offline", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    from conference.badges.numbers import number_key
    from conference.registration.search import reindex

    bind = op.get_bind()
    badges = sa.table("badges", sa.column("id"), sa.column("public_id"), sa.column("number_key"))
    for badge_id, public_id in bind.execute(sa.select(badges.c.id, badges.c.public_id)).all():
        bind.execute(
            badges.update().where(badges.c.id == badge_id).values(number_key=number_key(public_id))
        )
    scans = sa.table(
        "badge_scans",
        sa.column("manual"),
        sa.column("entry"),
        sa.column("offline"),
        sa.column("client_scanned_at"),
    )
    # Until now a manual check-in was always found by name, and a device time meant offline.
    bind.execute(scans.update().where(scans.c.manual.is_(True)).values(entry="name"))
    bind.execute(scans.update().where(scans.c.client_scanned_at.is_not(None)).values(offline=True))
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM registrations"))]
    reindex(bind, registration_ids=ids)


def downgrade():
    with op.batch_alter_table("badge_scans", schema=None) as batch_op:
        batch_op.drop_column("offline")
        batch_op.drop_column("entry")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("entrance_readmits")
    with op.batch_alter_table("badges", schema=None) as batch_op:
        batch_op.drop_index("ix_badges_event_number")
        batch_op.drop_column("number_key")
