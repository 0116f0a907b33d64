"""Template globals and filters: permissions, labels and local times."""

from __future__ import annotations

from flask import Flask

from conference import permissions
from conference.categories import category_label
from conference.db_types import utcnow
from conference.localtime import format_date_range, format_local
from conference.markings import CHATHAM_HOUSE_TEXT


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.filters["category_label"] = category_label
    app.jinja_env.globals["format_date_range"] = format_date_range

    @app.context_processor
    def inject_permissions() -> dict[str, object]:
        return {
            **permissions.TEMPLATE_PREDICATES,
            "now": utcnow(),
            "chatham_house_text": CHATHAM_HOUSE_TEXT,
        }
