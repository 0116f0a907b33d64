"""The check-in JSON API, for our scanner page and third-party scanners (docs/badges.md).

Authentication: ``Authorization: Bearer <device token>`` (a token an
organiser issued for one event), or a logged-in door-staff session, which
must then send the CSRF token in ``X-CSRFToken`` like any form.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from conference import permissions
from conference.badges import checkin, offline
from conference.badges.answers import answer_json
from conference.badges.checkpoints import is_device, parse_checkpoint
from conference.badges.client_time import parse_scanned_at
from conference.badges.scanner_auth import ApiError, load_api_actor, rate_key
from conference.db_types import utcnow
from conference.errors import DomainError, PermissionDenied
from conference.events.models import Event
from conference.extensions import csrf, db, limiter
from conference.request_limits import body_limit


def _scan_limit() -> str:
    return current_app.config["SCAN_RATE_LIMIT"]


def _batch_limit() -> str:
    return current_app.config["SCAN_BATCH_RATE_LIMIT"]


bp = Blueprint("badges_api", __name__, url_prefix="/api/v1/events/<slug>")
csrf.exempt(bp)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(
            "Send a JSON object with Content-Type: application/json.", code="malformed_body"
        )
    return body


def _flag(item: dict[str, Any], name: str, default: bool) -> bool:
    value = item.get(name, default)
    if not isinstance(value, bool):
        raise ApiError(f"{name} must be true or false.", field=name, code="bad_flag")
    return value


def _scan_item(event: Event, item: Any, actor: Any, *, offline: bool) -> dict[str, Any]:
    """Validate one scan request, run it, commit, and give the answer.

    ``offline`` is the default: the batch upload carries scans queued offline. Any text
    is scanned, however long (a garbled read is an invalid code, logged as a refusal).
    """
    if not isinstance(item, dict):
        raise ApiError("Each scan must be a JSON object.", code="malformed_body")
    code = item.get("code")
    if not isinstance(code, str) or not code.strip():
        raise ApiError("Give the scanned code as a string.", field="code", code="missing_code")
    offline = _flag(item, "offline", offline)
    let_in_again = _flag(item, "let_in_again", False)
    checkpoint = parse_checkpoint(event, item.get("checkpoint"))
    client_scan_id = item.get("client_scan_id")
    if client_scan_id is not None and (
        not isinstance(client_scan_id, str) or not 8 <= len(client_scan_id) <= 64
    ):
        raise ApiError("client_scan_id must be a string of 8 to 64 characters.", code="bad_id")
    margin = timedelta(days=current_app.config["SCAN_CLOCK_MARGIN_DAYS"])
    scanned_at = parse_scanned_at(item.get("scanned_at"), event, utcnow(), margin)
    try:
        scan = checkin.scan(
            event,
            checkpoint,
            code,
            actor=actor,
            client_scan_id=client_scan_id,
            client_scanned_at=scanned_at,
            offline=offline,
            let_in_again=let_in_again,
        )
        # Answer from what is loaded now: after the commit every row would be read again.
        answer = answer_json(scan, actor)
        db.session.commit()
    except IntegrityError:
        # The same offline scan arrived twice at once: answer with the one that won.
        db.session.rollback()
        scan = checkin.find_client_scan(event, client_scan_id) if client_scan_id else None
        if scan is None:
            raise
        answer = answer_json(scan, actor)
    return answer


@bp.route("/checkins", methods=["POST"])
@limiter.limit(_scan_limit, key_func=rate_key)
@body_limit("SCAN_BODY_MAX_BYTES")
def create_checkin(slug: str):
    """Scan a code at a checkpoint: accepted or refused, with the reason and the attendee."""
    event, actor = load_api_actor(slug)
    return jsonify(_scan_item(event, _json_body(), actor, offline=False))


@bp.route("/checkins/batch", methods=["POST"])
@limiter.limit(_batch_limit, key_func=rate_key)
@body_limit("SCAN_BATCH_BODY_MAX_BYTES")
def create_checkins_batch(slug: str):
    """Upload scans queued offline; each is answered (or has an error) in order."""
    event, actor = load_api_actor(slug)
    scans = _json_body().get("scans")
    if not isinstance(scans, list):
        raise ApiError('Send {"scans": [...]}.', code="malformed_body")
    if len(scans) > current_app.config["SCAN_BATCH_MAX"]:
        raise ApiError("Too many scans in one batch; send them in parts.", code="batch_too_large")
    results = []
    for item in scans:
        try:
            results.append(_scan_item(event, item, actor, offline=True))
        except DomainError as error:
            db.session.rollback()
            client_id = item.get("client_scan_id") if isinstance(item, dict) else None
            results.append(
                {
                    "error": {"name": error.code, "message": error.message},
                    "client_scan_id": client_id,
                }
            )
    return jsonify({"results": results})


@bp.route("/checkins/manual", methods=["POST"])
@limiter.limit(_scan_limit, key_func=rate_key)
@body_limit("SCAN_BODY_MAX_BYTES")
def create_manual_checkin(slug: str):
    """Check a person in by hand (forgotten badge): ``{"registration": id, "checkpoint": ...}``."""
    event, actor = load_api_actor(slug)
    body = _json_body()
    checkpoint = parse_checkpoint(event, body.get("checkpoint"))
    let_in_again = _flag(body, "let_in_again", False)
    registration = offline.registration_of(event, body.get("registration"))
    if registration is None:
        raise ApiError("No such registration at this event.", code="unknown_registration")
    scan = checkin.manual_check_in(
        event, checkpoint, registration, actor=actor, let_in_again=let_in_again
    )
    db.session.commit()
    return jsonify(answer_json(scan, actor))


@bp.route("/checkpoints")
def list_checkpoints(slug: str):
    """The entrance and the session doors, named as this scanner may see them."""
    event, actor = load_api_actor(slug)
    return jsonify({"checkpoints": offline.checkpoints_json(event, actor)})


@bp.route("/keys")
def list_keys(slug: str):
    """The event's public keys, for verifying codes offline."""
    event, _ = load_api_actor(slug)
    return jsonify({"keys": offline.keys_json(event)})


@bp.route("/revocations")
def list_revocations(slug: str):
    """Badges whose older versions, or all versions, are revoked."""
    event, _ = load_api_actor(slug)
    return jsonify(offline.revocations_json(event))


@bp.route("/attendees")
def list_attendees(slug: str):
    """Badge holders (names for display, rules for offline checks); ``?q=`` searches by name."""
    event, _ = load_api_actor(slug)
    query = request.args.get("q", "").strip()
    if query:
        return jsonify({"attendees": offline.search_json(event, query)})
    return jsonify(offline.attendees_json(event))


@bp.route("/checkins/stats")
def checkin_stats(slug: str):
    """Live counts per checkpoint (organisers' page)."""
    event, actor = load_api_actor(slug)
    if is_device(actor) or not permissions.can_view_checkins(actor, event):
        raise PermissionDenied("Only organisers see the counts.", code="forbidden")
    from conference.badges.reports import checkpoint_counts

    rows = checkpoint_counts(event, actor)
    now = utcnow()
    return jsonify(
        {
            "checkpoints": rows,
            "generated_at": now.isoformat(),
            # For people: the event's wall-clock time, 24-hour.
            "generated_local_time": now.astimezone(event.tz).strftime("%H:%M:%S"),
        }
    )
