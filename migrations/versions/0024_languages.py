"""languages: a person's chosen language, an event's default, translated event content (issue 20)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 12:30:00

``users.language`` is the language chosen for pages and mail (NULL: the browser's, then the
event's); ``events.default_language`` the language of an event's own texts; ``translations`` on
events and sessions hold their title and description or abstract in the other languages.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    # Altering a table copies it on SQLite: dropping the old copy would cascade to its children.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("default_language", sa.String(length=5), nullable=False, server_default="en")
        )
        batch.add_column(
            sa.Column("translations", sa.JSON(), nullable=False, server_default="{}")
        )
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(
            sa.Column("translations", sa.JSON(), nullable=False, server_default="{}")
        )
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("translations")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("translations")
        batch.drop_column("default_language")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
    _foreign_keys(True)
