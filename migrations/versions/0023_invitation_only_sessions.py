"""invitation-only sessions and per-session quotas of delegations (issue 17)

Revision ID: 0023
Revises: 0019
Create Date: 2026-12-02 07:30:00

``session_delegations`` links a restricted session to the delegations whose accepted nominees
it admits (besides its categories, or instead of them); ``registrations.delegation_id`` names
the delegation whose accepted nominee a registration is; ``delegation_session_quotas`` caps the
seats a delegation's nominees book in a session (``booked_count`` kept by conditional UPDATEs),
and ``bookings.delegation_quota_id`` the quota a booking counts against.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0019"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    # Altering a table copies it on SQLite: dropping the old copy would cascade to bookings.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    op.create_table(
        "session_delegations",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_delegations_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_session_delegations_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "delegation_id", name=op.f("pk_session_delegations")),
    )
    op.create_index(
        op.f("ix_session_delegations_delegation_id"), "session_delegations", ["delegation_id"]
    )
    op.create_table(
        "delegation_session_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("booked_count", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegations.id"],
            name=op.f("fk_delegation_session_quotas_delegation_id_delegations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_delegation_session_quotas_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegation_session_quotas")),
        sa.UniqueConstraint(
            "delegation_id",
            "session_id",
            name=op.f("uq_delegation_session_quotas_delegation_id_session_id"),
        ),
    )
    op.create_index(
        op.f("ix_delegation_session_quotas_session_id"),
        "delegation_session_quotas",
        ["session_id"],
    )
    _foreign_keys(False)
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("delegation_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_registrations_delegation_id"), ["delegation_id"])
        batch.create_foreign_key(
            batch.f("fk_registrations_delegation_id_delegations"),
            "delegations",
            ["delegation_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("delegation_quota_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_bookings_delegation_quota_id_delegation_session_quotas"),
            "delegation_session_quotas",
            ["delegation_quota_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _foreign_keys(True)
    # Accepted nominees of before: their registration names their delegation.
    op.execute(
        "UPDATE registrations SET delegation_id = (SELECT n.delegation_id FROM nominations n "
        "WHERE n.registration_id = registrations.id AND n.state = 'accepted') "
        "WHERE id IN (SELECT registration_id FROM nominations WHERE state = 'accepted' "
        "AND registration_id IS NOT NULL)"
    )


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint(
            batch.f("fk_bookings_delegation_quota_id_delegation_session_quotas"),
            type_="foreignkey",
        )
        batch.drop_column("delegation_quota_id")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_constraint(
            batch.f("fk_registrations_delegation_id_delegations"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_registrations_delegation_id"))
        batch.drop_column("delegation_id")
    _foreign_keys(True)
    op.drop_index(
        op.f("ix_delegation_session_quotas_session_id"), table_name="delegation_session_quotas"
    )
    op.drop_table("delegation_session_quotas")
    op.drop_index(op.f("ix_session_delegations_delegation_id"), table_name="session_delegations")
    op.drop_table("session_delegations")
