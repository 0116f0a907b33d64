"""delegations: Member States nominate their experts within quotas (issue 17)

Revision ID: 0019
Revises: 0022
Create Date: 2026-12-02 03:00:00

Delegations per event with a seat quota (accepted_count kept by conditional UPDATEs), their
national contact points, nominations (invitations locked to an email address; only the hash
of the secret is stored), and on registrations the basis and expiry of a category
verification.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_delegations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        sa.UniqueConstraint("event_id", "name", name=op.f("uq_delegations_event_id_name")),
    )
    op.create_index(op.f("ix_delegations_event_id"), "delegations", ["event_id"])
    op.create_table(
        "delegation_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_delegation_contacts_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_delegation_contacts_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_delegation_contacts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegation_contacts")),
        sa.UniqueConstraint(
            "delegation_id", "user_id", name=op.f("uq_delegation_contacts_delegation_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_delegation_contacts_delegation_id"), "delegation_contacts", ["delegation_id"]
    )
    op.create_index(op.f("ix_delegation_contacts_user_id"), "delegation_contacts", ["user_id"])
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nominated_by_id", sa.Integer(), nullable=True),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_nominations_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_nominations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_id"],
            ["users.id"],
            name=op.f("fk_nominations_nominated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_nominations_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["users.id"],
            name=op.f("fk_nominations_withdrawn_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_nominations_token_hash")),
    )
    op.create_index(op.f("ix_nominations_delegation_id"), "nominations", ["delegation_id"])
    op.create_index("ix_nominations_event_email", "nominations", ["event_id", "email"])
    # Plain ADD COLUMNs (no foreign key): SQLite does not copy the registrations table.
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(
            sa.Column("category_verification_basis", sa.Text(), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("category_verification_expires_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # Dropping a column copies the table on SQLite: its DROP would cascade to bookings.
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("category_verification_expires_at")
        batch.drop_column("category_verification_basis")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys=ON")
    op.drop_index("ix_nominations_event_email", table_name="nominations")
    op.drop_index(op.f("ix_nominations_delegation_id"), table_name="nominations")
    op.drop_table("nominations")
    op.drop_index(op.f("ix_delegation_contacts_user_id"), table_name="delegation_contacts")
    op.drop_index(op.f("ix_delegation_contacts_delegation_id"), table_name="delegation_contacts")
    op.drop_table("delegation_contacts")
    op.drop_index(op.f("ix_delegations_event_id"), table_name="delegations")
    op.drop_table("delegations")
