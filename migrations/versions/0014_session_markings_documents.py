"""documents: TLP and Chatham House markings on sessions, session documents

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-01 23:10:00

Sessions carry a FIRST TLP 2.0 label and a Chatham House Rule flag (issue 19), and
documents: each with versions whose bytes live in document_blobs, and a download record.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("sessions", sa.Column("tlp", sa.String(length=20), nullable=True))
    op.add_column(
        "sessions",
        sa.Column("chatham_house", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "document_blobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_blobs")),
    )
    op.create_table(
        "session_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_session_documents_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_documents_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_session_documents_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_documents")),
    )
    op.create_index(
        op.f("ix_session_documents_event_id"), "session_documents", ["event_id"], unique=False
    )
    op.create_index(
        op.f("ix_session_documents_session_id"), "session_documents", ["session_id"], unique=False
    )
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=160), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["session_documents.id"],
            name=op.f("fk_document_versions_document_id_session_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["document_blobs.id"], name=op.f("fk_document_versions_blob_id_document_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_document_versions_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint("blob_id", name=op.f("uq_document_versions_blob_id")),
        sa.UniqueConstraint(
            "document_id", "number", name=op.f("uq_document_versions_document_id_number")
        ),
    )
    op.create_index(
        op.f("ix_document_versions_document_id"), "document_versions", ["document_id"], unique=False
    )
    op.create_table(
        "document_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=20), nullable=False),
        sa.Column("stamped", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["session_documents.id"],
            name=op.f("fk_document_downloads_document_id_session_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name=op.f("fk_document_downloads_version_id_document_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_document_downloads_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_downloads")),
    )
    op.create_index(
        "ix_document_downloads_document_at", "document_downloads", ["document_id", "at"]
    )
    op.create_index(
        op.f("ix_document_downloads_user_id"), "document_downloads", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_document_downloads_version_id"),
        "document_downloads",
        ["version_id"],
        unique=False,
    )


def downgrade():
    op.drop_table("document_downloads")
    op.drop_table("document_versions")
    op.drop_table("session_documents")
    op.drop_table("document_blobs")
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
