"""editions: event series, clone origin, retention of personal data

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 22:20:00

Events may belong to a series (the flagship conference, the CERIS thematic events),
remember the edition they were cloned from, and carry how many months their
registrants' personal data is kept after the last day (default 12).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_series")),
        sa.UniqueConstraint("slug", name=op.f("uq_event_series_slug")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite adds foreign keys only by copying the table; the copy's DROP TABLE would
        # cascade to every registration unless foreign keys are off meanwhile.
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cloned_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_events_series_id_event_series",
            "event_series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            "fk_events_cloned_from_id_events",
            "events",
            ["cloned_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
    op.add_column(
        "events", sa.Column("retention_months", sa.Integer(), server_default="12", nullable=False)
    )
    op.add_column("events", sa.Column("retention_warned_at", sa.DateTime(timezone=True)))
    op.add_column("events", sa.Column("personal_data_erased_at", sa.DateTime(timezone=True)))
    op.create_index(op.f("ix_events_series_id"), "events", ["series_id"])


def downgrade():
    op.drop_index(op.f("ix_events_series_id"), table_name="events")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a foreign-key column only by copying the table: switch the
        # cascades off first so the copy's DROP TABLE deletes no registration.
        op.execute("PRAGMA foreign_keys=OFF")
        with op.batch_alter_table("events") as batch:
            batch.drop_column("cloned_from_id")
            batch.drop_column("series_id")
        op.execute("PRAGMA foreign_keys=ON")
    else:
        op.drop_constraint("fk_events_cloned_from_id_events", "events", type_="foreignkey")
        op.drop_constraint("fk_events_series_id_event_series", "events", type_="foreignkey")
        op.drop_column("events", "cloned_from_id")
        op.drop_column("events", "series_id")
    op.drop_column("events", "personal_data_erased_at")
    op.drop_column("events", "retention_warned_at")
    op.drop_column("events", "retention_months")
    op.drop_table("event_series")
