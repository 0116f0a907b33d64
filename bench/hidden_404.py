"""Hidden versus missing: the 404 of a hidden session, track or speaker costs what a missing one's does.

    python -m bench.hidden_404 [--requests 400]

An in-process event (31 sessions, one hidden with its own track and speaker) on a
temporary SQLite file; for each address, hidden and missing requests alternate
(the order flips every round) and the medians of wall and CPU time are printed.
CPU time (this process only) is the steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from conference import create_app
from conference.accounts.services import create_user
from conference.agenda import catalogue
from conference.agenda.services import SessionFields, create_session
from conference.events.services import EventDetails, create_event, set_published
from conference.extensions import db
from conference.registration.models import Registration

SLUG = "bench-404"
MISSING = 987654


def _build() -> dict[str, int | str]:
    import conference.models  # noqa: F401  (every table)

    db.create_all()
    event = create_event(
        EventDetails(
            slug=SLUG,
            title="404 bench",
            kind="thematic",
            timezone="Europe/Brussels",
            start_date=date(2027, 3, 23),
            end_date=date(2027, 3, 23),
        ),
        actor=None,
    )
    set_published(event, True, actor=None)
    room = catalogue.save_room(event, catalogue.RoomDetails("Room", 100), actor=None)
    track = catalogue.save_track(event, catalogue.TrackDetails("Open track"), actor=None)
    speaker = catalogue.save_speaker(event, catalogue.SpeakerDetails("Open speaker"), actor=None)
    start = datetime(2027, 3, 23, 7, tzinfo=UTC)
    for n in range(30):
        at = start + timedelta(minutes=20 * n)
        fields = SessionFields(f"Open {n}", at, at + timedelta(minutes=20), track_id=track.id)
        fields.room_id, fields.speakers = room.id, [speaker]
        create_session(event, fields)
    secret_track = catalogue.save_track(event, catalogue.TrackDetails("Hidden"), actor=None)
    secret_speaker = catalogue.save_speaker(event, catalogue.SpeakerDetails("Hidden"), actor=None)
    at = start + timedelta(hours=11)
    hidden = create_session(
        event,
        SessionFields(
            "Hidden",
            at,
            at + timedelta(hours=1),
            track_id=secret_track.id,
            room_id=room.id,
            restricted_to=["member_state_expert"],
            restricted_visibility="hidden",
            speakers=[secret_speaker],
        ),
    )
    user = create_user("attendee@example.org", "Attendee", "a long password", email_verified=True)
    db.session.flush()
    db.session.add(
        Registration(
            event_id=event.id,
            user_id=user.id,
            category="academia",
            status="approved",
            category_verified_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    return {
        "session": hidden.id,
        "track": secret_track.id,
        "speaker": secret_speaker.id,
        "user": user.session_token,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(args.requests, f"{folder}/bench.sqlite3")


def run(requests: int, path: str) -> None:
    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": "sqlite:///" + path,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://bench.test",
        }
    )
    with app.app_context():
        ids = _build()
    base = f"/events/{SLUG}"
    addresses = {
        "session page": f"{base}/sessions/{{}}/",
        "session .ics": f"{base}/sessions/{{}}/calendar.ics",
        "track feed": f"{base}/tracks/{{}}/calendar.ics",
        "speaker page": f"{base}/speakers/{{}}/",
    }
    hidden_ids = {"session page": "session", "session .ics": "session"}
    print("| viewer | address | hidden wall | missing wall | hidden CPU | missing CPU |")
    print("| --- | --- | --- | --- | --- | --- |")
    for viewer in ("anonymous", "attendee"):
        client = app.test_client()
        if viewer == "attendee":
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = ids["user"], True
        client.get(f"{base}/")
        for name, pattern in addresses.items():
            key = hidden_ids.get(name, name.split()[0])
            urls = {"hidden": pattern.format(ids[key]), "missing": pattern.format(MISSING)}
            wall: dict[str, list[float]] = {"hidden": [], "missing": []}
            cpu: dict[str, list[float]] = {"hidden": [], "missing": []}
            for round_ in range(requests + 30):
                order = ("hidden", "missing") if round_ % 2 else ("missing", "hidden")
                for label in order:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    status = client.get(urls[label]).status_code
                    if round_ >= 30:  # the first rounds warm up
                        wall[label].append(time.perf_counter() - started)
                        cpu[label].append(time.process_time() - cpu_started)
                    assert status == 404, (urls[label], status)
            ms = {k: statistics.median(v) * 1000 for k, v in wall.items()}
            cms = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
            print(
                f"| {viewer} | {name} | {ms['hidden']:.2f} ms | {ms['missing']:.2f} ms "
                f"| {cms['hidden']:.2f} ms | {cms['missing']:.2f} ms |"
            )


if __name__ == "__main__":
    main()
