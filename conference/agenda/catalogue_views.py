"""Organisers' pages for rooms, tracks and speakers: list, add, edit, delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from conference.agenda import catalogue
from conference.agenda.forms import RoomForm, SpeakerForm, TrackForm
from conference.agenda.models import Room, Speaker, Track
from conference.confirmation import ConfirmActionForm, Confirmation, confirmation_page
from conference.errors import DomainError
from conference.events.loaders import load_managed_event
from conference.events.models import Event
from conference.extensions import db

bp = Blueprint("agenda_catalogue", __name__, url_prefix="/events/<slug>/manage/agenda")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page here needs a login (then the organiser role, checked per view)."""


@dataclass(frozen=True)
class Kind:
    """How one of rooms, tracks and speakers is listed, edited and saved."""

    name: str
    plural: str
    model: type
    form: type
    lister: Callable[[Event], list]
    saver: Callable[..., Any]
    deleter: Callable[..., None]
    details: Callable[[Any], Any]
    deleting: str  # what deleting one does, for its confirmation page
    # What pages and messages say of this kind, whole sentences per kind (translated):
    # keys title, heading (%(title)s), caption, none, add, edit (%(name)s), saved (%(name)s),
    # deleted (%(name)s), question (%(name)s), confirm, keep.
    texts: dict[str, Any]

    def say(self, key: str, **values: Any) -> str:
        """One of ``texts`` in the language of the request, with ``values`` filled in."""
        text = str(self.texts[key])
        return text % values if values else text


KINDS = {
    "rooms": Kind(
        "room",
        "rooms",
        Room,
        RoomForm,
        catalogue.list_rooms,
        lambda event, d, obj: catalogue.save_room(event, d, actor=current_user, room=obj),
        catalogue.delete_room,
        lambda f: catalogue.RoomDetails(f.name.data, f.capacity.data, f.position.data or 0),
        _l(
            "The room is removed from the event's rooms. While sessions take place in it, "
            "deleting is refused: move them first."
        ),
        {
            "title": _l("Rooms"),
            "heading": _l("Rooms of “%(title)s”"),
            "caption": _l("Rooms of the event"),
            "none": _l("No rooms yet."),
            "add": _l("Add a room"),
            "edit": _l("Edit the room “%(name)s”"),
            "saved": _l("The room “%(name)s” is saved."),
            "deleted": _l("The room “%(name)s” is deleted."),
            "question": _l("Delete the room “%(name)s”?"),
            "confirm": _l("Yes, delete the room"),
            "keep": _l("No, keep the room"),
        },
    ),
    "tracks": Kind(
        "track",
        "tracks",
        Track,
        TrackForm,
        catalogue.list_tracks,
        lambda event, d, obj: catalogue.save_track(event, d, actor=current_user, track=obj),
        catalogue.delete_track,
        lambda f: catalogue.TrackDetails(f.name.data, f.position.data or 0),
        _l(
            "The track is removed: its sessions stay on the agenda without a track, and the "
            "track's page and calendar feed stop (subscribers get nothing more from it)."
        ),
        {
            "title": _l("Tracks"),
            "heading": _l("Tracks of “%(title)s”"),
            "caption": _l("Tracks of the event"),
            "none": _l("No tracks yet."),
            "add": _l("Add a track"),
            "edit": _l("Edit the track “%(name)s”"),
            "saved": _l("The track “%(name)s” is saved."),
            "deleted": _l("The track “%(name)s” is deleted."),
            "question": _l("Delete the track “%(name)s”?"),
            "confirm": _l("Yes, delete the track"),
            "keep": _l("No, keep the track"),
        },
    ),
    "speakers": Kind(
        "speaker",
        "speakers",
        Speaker,
        SpeakerForm,
        catalogue.list_speakers,
        lambda event, d, obj: catalogue.save_speaker(event, d, actor=current_user, speaker=obj),
        catalogue.delete_speaker,
        lambda f: catalogue.SpeakerDetails(
            f.name.data,
            f.organisation.data or "",
            f.country.data or "",
            f.bio.data or "",
        ),
        _l(
            "The speaker is removed from the event's speakers. While they are on sessions, "
            "deleting is refused: take them off those sessions first."
        ),
        {
            "title": _l("Speakers"),
            "heading": _l("Speakers of “%(title)s”"),
            "caption": _l("Speakers of the event"),
            "none": _l("No speakers yet."),
            "add": _l("Add a speaker"),
            "edit": _l("Edit the speaker “%(name)s”"),
            "saved": _l("The speaker “%(name)s” is saved."),
            "deleted": _l("The speaker “%(name)s” is deleted."),
            "question": _l("Delete the speaker “%(name)s”?"),
            "confirm": _l("Yes, delete the speaker"),
            "keep": _l("No, keep the speaker"),
        },
    ),
}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _save(event: Event, kind: Kind, form, obj):
    """Validate and save; returns a redirect on success, None to show the form again."""
    if not form.validate_on_submit():
        return None
    try:
        saved = kind.saver(event, kind.details(form), obj)
    except DomainError as error:
        db.session.rollback()
        getattr(form, error.field or "name", form.name).errors.append(error.message)
        return None
    db.session.commit()
    flash(kind.say("saved", name=saved.name), "success")
    return redirect(url_for("agenda_catalogue.listing", slug=event.slug, kind=kind.plural))


@bp.route("/<kind>/", methods=["GET", "POST"])
def listing(slug: str, kind: str):
    """Rooms, tracks or speakers of the event, with a form to add one."""
    event = load_managed_event(slug)
    spec = _kind(kind)
    form = spec.form()
    done = _save(event, spec, form, None)
    if done is not None:
        return done
    return (
        render_template(
            "agenda/manage/catalogue.html",
            event=event,
            kind=spec,
            items=spec.lister(event),
            form=form,
        ),
        422 if form.errors else 200,
    )


@bp.route("/<kind>/<int:item_id>/edit", methods=["GET", "POST"])
def edit(slug: str, kind: str, item_id: int):
    """Edit one room, track or speaker."""
    event = load_managed_event(slug)
    spec = _kind(kind)
    obj = catalogue.get_owned(spec.model, event, item_id)
    if obj is None:
        abort(404)
    form = spec.form(obj=obj)
    done = _save(event, spec, form, obj)
    if done is not None:
        return done
    return (
        render_template(
            "agenda/manage/catalogue_edit.html", event=event, kind=spec, obj=obj, form=form
        ),
        422 if form.errors else 200,
    )


@bp.route("/<kind>/<int:item_id>/delete", methods=["GET", "POST"])
def delete(slug: str, kind: str, item_id: int):
    """Delete a room, track or speaker after a confirmation page (refused while sessions use
    a room or speaker)."""
    event = load_managed_event(slug)
    spec = _kind(kind)
    obj = catalogue.get_owned(spec.model, event, item_id)
    if obj is None:
        abort(404)
    listing_url = url_for("agenda_catalogue.listing", slug=event.slug, kind=spec.plural)
    form = ConfirmActionForm()
    if not form.is_confirmed():
        confirmation = Confirmation(
            question=spec.say("question", name=obj.name),
            consequences=[str(spec.deleting), _("This cannot be undone: you would add it again.")],
            action_url=url_for(
                "agenda_catalogue.delete", slug=event.slug, kind=spec.plural, item_id=obj.id
            ),
            confirm_label=spec.say("confirm"),
            back_url=listing_url,
            back_label=spec.say("keep"),
            context=event.title,
        )
        return confirmation_page(confirmation, form, title_of=event.title)
    name = obj.name
    try:
        spec.deleter(obj, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(spec.say("deleted", name=name), "success")
    return redirect(listing_url)
