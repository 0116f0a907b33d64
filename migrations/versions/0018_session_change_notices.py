"""notices: session changes awaiting their announcement, attachments of queued mail

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:20:00

Each organiser's save that moves, re-rooms, retitles, cancels or reinstates a session of a
published agenda keeps how the session was (session_changes); conference/notices announces
them in change sets, one mail per affected person with a calendar file, which the outbox
now stores with the message (outbox_attachments). Two new tables: no batch copy of any.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "session_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("was_title", sa.String(length=300), nullable=False),
        sa.Column("was_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("was_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("was_room_id", sa.Integer(), nullable=True),
        sa.Column("was_room_name", sa.String(length=200), nullable=False),
        sa.Column("was_status", sa.String(length=12), nullable=False),
        sa.Column("announced_key", sa.String(length=40), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_session_changes_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_session_changes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_changes_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_changes")),
    )
    op.create_index(
        "ix_session_changes_pending", "session_changes", ["announced_at", "event_id"], unique=False
    )
    op.create_index(
        "ix_session_changes_session", "session_changes", ["session_id", "id"], unique=False
    )
    op.create_table(
        "outbox_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_attachments_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attachments")),
    )
    op.create_index(
        op.f("ix_outbox_attachments_message_id"),
        "outbox_attachments",
        ["message_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_outbox_attachments_message_id"), table_name="outbox_attachments")
    op.drop_table("outbox_attachments")
    op.drop_index("ix_session_changes_session", table_name="session_changes")
    op.drop_index("ix_session_changes_pending", table_name="session_changes")
    op.drop_table("session_changes")
