"""Feed endpoints: conditional GET/HEAD with strong ETags, built once per agenda version."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference import permissions
from conference.accounts.forms import EmptyForm
from conference.accounts.models import User
from conference.agenda.queries import Audience, load_session, visible_session
from conference.agenda.translated import current_language, lang_attribute, translated
from conference.events.loaders import load_visible_event
from conference.events.services import get_event
from conference.extensions import db
from conference.feeds import services
from conference.feeds.links import add_to_calendar_links
from conference.feeds.models import FeedKind
from conference.i18n import language_for, supported
from conference.outputcache import BuiltFeed
from conference.urls import safe_next_url

bp = Blueprint("feeds", __name__)
# ``{{ item|translated("title") }}``: an event's or session's text in the page's language.
bp.add_app_template_filter(translated, "translated")
bp.add_app_template_filter(lang_attribute, "lang_attribute")


@bp.app_context_processor
def calendar_link_helpers() -> dict[str, object]:
    return {"add_to_calendar_links": add_to_calendar_links}


# Calendar apps poll; five minutes keeps them fresh without hammering us.
MAX_AGE = 300


def _respond(feed: BuiltFeed, *, private: bool) -> Response:
    response = Response(feed.body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{feed.filename}"'
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def feed_language(default: str) -> str:
    """The language a feed is written in: ``?lang=`` if we serve it, else ``default``.

    A calendar app polls without cookies or a chosen language, so a feed's language is in
    its address (docs/feeds-language.md), never the polling client's Accept-Language."""
    return supported(request.args.get("lang")) or default


def _viewer_feed(event, **scope) -> Response:
    audience = services.visibility_class(current_user, event)
    language = feed_language(language_for(None, event))
    feed = services.event_feed(event, audience, language=language, **scope)
    if feed is None:
        abort(404)
    # Whatever a logged-in viewer gets stays out of shared caches.
    private = not audience.is_public or current_user.is_authenticated
    response = _respond(feed, private=private)
    # The same address answers differently once logged in.
    response.vary.add("Cookie")
    return response


@bp.route("/events/<slug>/calendar.ics")
def event_calendar(slug: str):
    """Every session the viewer may see (the public programme for calendar apps)."""
    return _viewer_feed(load_visible_event(slug))


@bp.route("/events/<slug>/tracks/<int:track_id>/calendar.ics")
def track_calendar(slug: str, track_id: int):
    """One track's sessions shown in full; a track the viewer sees no session in is a 404."""
    return _viewer_feed(load_visible_event(slug), track_id=track_id)


@bp.route("/events/<slug>/rooms/<int:room_id>/calendar.ics")
def room_calendar(slug: str, room_id: int):
    """One room's sessions and closed blocks; a room the viewer sees nothing in is a 404."""
    return _viewer_feed(load_visible_event(slug), room_id=room_id)


@bp.route("/events/<slug>/sessions/<int:session_id>/calendar.ics")
def session_calendar(slug: str, session_id: int):
    """One session, for "add to calendar"; a hidden session is as absent as a missing one."""
    event = load_visible_event(slug)
    registration = permissions.registration_for(current_user, event)
    session = load_session(event, session_id, Audience.of(current_user, event, registration))
    item = visible_session(current_user, session, registration) if session else None
    if item is None:
        abort(404)
    # Downloaded from the session's page: the page's language unless ``?lang=`` says otherwise.
    language = feed_language(current_language())
    response = _respond(services.single_session_feed(item, event, language), private=True)
    response.vary.add("Cookie")
    return response


@bp.route("/calendar/<token>.ics")
def personal_calendar(token: str):
    """The holder's booked sessions; the secret address stands in for a login."""
    found = services.find_token(token, FeedKind.PERSONAL)
    if found is None:
        abort(404)
    user = db.session.get(User, found.user_id)
    if user is None or not user.is_active:
        abort(404)
    language = feed_language(language_for(user))
    return _respond(
        services.personal_feed(user, since=found.created_at, language=language), private=True
    )


@bp.route("/events/<slug>/calendar/staff/<token>.ics")
def staff_calendar(slug: str, token: str):
    """Everything of the event, hidden sessions included, for its organisers."""
    event = get_event(slug)
    found = services.find_token(token, FeedKind.STAFF)
    if event is None or found is None or found.event_id != event.id:
        abort(404)
    user = db.session.get(User, found.user_id)
    # Losing the role ends the feed, whatever the token.
    if user is None or not user.is_active or not permissions.can_manage_event(user, event):
        abort(404)
    language = feed_language(language_for(user, event))
    return _respond(services.staff_feed(event, language), private=True)


@bp.route("/account/calendar/rotate", methods=["POST"])
@login_required
def rotate_personal():
    """Give the personal feed a new address (the old one answers 404 from now on), or its
    first one; back to the page the form came from (``next``), else the profile."""
    if EmptyForm().validate_on_submit():
        first = services.find_token_of(current_user, FeedKind.PERSONAL) is None
        services.rotate_token(current_user, FeedKind.PERSONAL)
        db.session.commit()
        if first:
            flash(
                _("Your calendar address is ready: subscribe to it in your calendar app."),
                "success",
            )
        else:
            flash(
                _("Your calendar address is changed. Subscribe again with the new one."),
                "success",
            )
    back = safe_next_url(request.form.get("next")) or url_for("accounts.profile")
    return redirect(back.split("#", 1)[0] + "#calendar")


@bp.route("/events/<slug>/manage/calendar/rotate", methods=["POST"])
@login_required
def rotate_staff(slug: str):
    """Give the staff feed of the event a new address."""
    event = load_visible_event(slug)
    permissions.require(permissions.can_manage_event(current_user, event))
    if EmptyForm().validate_on_submit():
        services.rotate_token(current_user, FeedKind.STAFF, event)
        db.session.commit()
        flash(_("The staff calendar address is changed."), "success")
    return redirect(url_for("events.manage", slug=event.slug) + "#calendar")
