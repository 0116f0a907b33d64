"""door: typed badge numbers, re-entry setting, online/offline scans, transliterated search

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:30:00

Badges get the folded printed number (``number_key``) door staff type; events the
re-entry setting of their entrance; scans how the badge was presented (``entry``) and
whether the scan was queued offline. The search terms are rewritten with
transliterations of Greek and Cyrillic, and the email's words. Organisers' mail to
registrants gets its tables (mailings, mailing_recipients).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
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

    op.create_table(
        "mailings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=300), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_mailings_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["users.id"],
            name=op.f("fk_mailings_sent_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailings")),
    )
    op.create_index(op.f("ix_mailings_event_id"), "mailings", ["event_id"], unique=False)
    op.create_table(
        "mailing_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailing_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mailing_id"],
            ["mailings.id"],
            name=op.f("fk_mailing_recipients_mailing_id_mailings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_mailing_recipients_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_mailing_recipients_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing_recipients")),
    )
    op.create_index(
        op.f("ix_mailing_recipients_mailing_id"), "mailing_recipients", ["mailing_id"], unique=False
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
    reindex(bind, registration_ids=ids, with_names=False)  # sort_name comes in 0026


def downgrade():
    op.drop_index(op.f("ix_mailing_recipients_mailing_id"), table_name="mailing_recipients")
    op.drop_table("mailing_recipients")
    op.drop_index(op.f("ix_mailings_event_id"), table_name="mailings")
    op.drop_table("mailings")
    with op.batch_alter_table("badge_scans", schema=None) as batch_op:
        batch_op.drop_column("offline")
        batch_op.drop_column("entry")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("entrance_readmits")
    with op.batch_alter_table("badges", schema=None) as batch_op:
        batch_op.drop_index("ix_badges_event_number")
        batch_op.drop_column("number_key")
