"""The conference application: registration, agenda, feeds and badges for CERIS events."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build and configure the Flask application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    from conference.config import load_config

    load_config(app, overrides)
    from conference.urls import register_url_converters

    register_url_converters(app)

    from conference import extensions

    extensions.init_app(app)
    from conference import gc_guard

    gc_guard.init_app(app)  # CPython 3.11's collector inside attribute stores (issue 13)
    from conference import i18n

    i18n.init_app(app)

    from conference import models  # noqa: F401  (registers every table on the metadata)
    from conference.accounts.oidc_views import bp as oidc_bp
    from conference.accounts.session_views import bp as account_sessions_bp
    from conference.accounts.two_factor_views import bp as two_factor_bp
    from conference.accounts.views import bp as accounts_bp
    from conference.admin.views import bp as admin_bp
    from conference.agenda.catalogue_views import bp as agenda_catalogue_bp
    from conference.agenda.manage_views import bp as agenda_manage_bp
    from conference.agenda.views import bp as agenda_bp
    from conference.badges import print_jobs  # noqa: F401  (print-job route on the badges bp)
    from conference.badges.api import bp as badges_api_bp
    from conference.badges.checkin_views import bp as checkin_bp
    from conference.badges.views import bp as badges_bp
    from conference.dashboard.views import bp as dashboard_bp
    from conference.delegations.manage_views import bp as delegations_manage_bp
    from conference.delegations.views import bp as delegations_bp
    from conference.documents.manage_views import bp as documents_manage_bp
    from conference.documents.views import bp as documents_bp
    from conference.editions.views import bp as editions_bp
    from conference.events.views import bp as events_bp
    from conference.feeds.views import bp as feeds_bp
    from conference.jobs import housekeeping  # noqa: F401  (the periodic clearing of jobs)
    from conference.jobs.views import bp as jobs_bp
    from conference.languages.views import bp as languages_bp
    from conference.mailings.views import bp as mailings_bp
    from conference.notices import services as notices  # noqa: F401  (the notices.send task)
    from conference.registration.manage_views import bp as registration_manage_bp
    from conference.registration.views import bp as registration_bp
    from conference.workload.manage_views import bp as agenda_import_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(two_factor_bp)
    app.register_blueprint(account_sessions_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(editions_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(agenda_bp)
    app.register_blueprint(agenda_manage_bp)
    app.register_blueprint(agenda_import_bp)
    app.register_blueprint(agenda_catalogue_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(badges_api_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(registration_manage_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(mailings_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(documents_manage_bp)
    app.register_blueprint(delegations_bp)
    app.register_blueprint(delegations_manage_bp)
    app.register_blueprint(languages_bp)

    from conference import (
        cli,
        cookie_sessions,
        errors,
        outage,
        proxies,
        request_limits,
        security,
        templating,
    )
    from conference.badges import receivers as badge_receivers
    from conference.delegations import receivers as delegation_receivers
    from conference.feeds import receivers as feed_receivers
    from conference.registration import receivers as registration_receivers
    from conference.tasks.queue import init_task_queue

    badge_receivers.connect()
    feed_receivers.connect()
    registration_receivers.connect()
    delegation_receivers.connect()
    init_task_queue(app)  # after every capability declared its tasks

    errors.register_error_handlers(app)
    outage.register_outage_handler(app)
    cookie_sessions.register_session_interface(app)
    security.register_security_headers(app)
    security.register_input_guards(app)
    request_limits.register_request_limits(app)
    proxies.trust_forwarded_headers(app)
    templating.register_template_helpers(app)
    cli.register_commands(app)
    return app
