"""registration search terms

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 16:30:00

Folded words of each registrant's name and organisation, for the name search at the
door (conference/registration/search.py); filled here for existing registrations.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEARCH_TERM_TYPE = sa.String(length=64).with_variant(
    sa.String(length=64, collation="C"), "postgresql"
)


def upgrade():
    op.create_table(
        "registration_search_terms",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("term", SEARCH_TERM_TYPE, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_registration_search_terms_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_registration_search_terms_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "registration_id", "term", name=op.f("pk_registration_search_terms")
        ),
    )
    op.create_index(
        "ix_registration_search_terms_event_term",
        "registration_search_terms",
        ["event_id", "term"],
        unique=False,
    )
    from conference.registration.search import reindex

    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM registrations"))]
    reindex(bind, registration_ids=ids, with_names=False)  # sort_name comes in 0026


def downgrade():
    op.drop_index("ix_registration_search_terms_event_term", table_name="registration_search_terms")
    op.drop_table("registration_search_terms")
