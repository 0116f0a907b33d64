"""search terms: the holder's name in the term index, so a search stops at its first matches

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 00:00:00

The door lists the first 25 matches by name. A surname shared by a thousand registrants of a
20,000-attendee event made the database join and sort all thousand before keeping 25 (issue
22); with the name beside each term the first 25 are chosen from the index alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_NAME = "ix_registration_search_terms_event_term"
_TABLE = "registration_search_terms"


def upgrade():
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column("sort_name", sa.String(200), server_default="", nullable=False))
    op.execute(
        "UPDATE registration_search_terms SET sort_name = COALESCE(("
        "SELECT users.name FROM registrations JOIN users ON users.id = registrations.user_id "
        "WHERE registrations.id = registration_search_terms.registration_id), '')"
    )
    op.drop_index(_NAME, table_name=_TABLE)
    op.create_index(
        _NAME, _TABLE, ["event_id", "term", "sort_name", "registration_id"], unique=False
    )


def downgrade():
    op.drop_index(_NAME, table_name=_TABLE)
    op.create_index(_NAME, _TABLE, ["event_id", "term", "registration_id"], unique=False)
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("sort_name")
