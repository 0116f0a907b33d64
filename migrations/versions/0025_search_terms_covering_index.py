"""search terms: the (event, term) index carries the registration id (issue 22)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 20:30:00

The door's name search reads the registration ids of a range of terms; with the id in the
index it reads the index alone (a surname of a 20,000-attendee event matches about 1,200
registrants: 1,200 table lookups saved on every search).
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_NAME = "ix_registration_search_terms_event_term"
_TABLE = "registration_search_terms"


def upgrade():
    op.drop_index(_NAME, table_name=_TABLE)
    op.create_index(_NAME, _TABLE, ["event_id", "term", "registration_id"], unique=False)


def downgrade():
    op.drop_index(_NAME, table_name=_TABLE)
    op.create_index(_NAME, _TABLE, ["event_id", "term"], unique=False)
