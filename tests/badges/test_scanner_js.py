"""The scanner page's offline checks (static/js/badge-token.js) run in Node against real codes.

The browser verifies Ed25519 signatures with WebCrypto, as Node does; this proves
the JavaScript reads our token format and applies the door rules like the server.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conference.badges import offline, services
from conference.extensions import db
from tests.badges.helpers import badge_for
from tests.factories import make_event, make_session

NODE = shutil.which("node")
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import { decideOffline, importPublicKey, parseToken } from "./badge-token.mjs";
const input = JSON.parse(process.argv[2]);
const keys = {};
for (const key of input.keys) {
  keys[key.key_id] = { cryptoKey: await importPublicKey(key.public_key), status: key.status };
}
const base = {
  eventId: input.eventId,
  keys,
  revocations: Object.fromEntries(input.revocations.map((r) => [r.badge, r])),
  attendees: Object.fromEntries(input.attendees.filter((a) => a.badge).map((a) => [a.badge, a])),
  seen: new Set(input.seen || []),
  day: "2027-03-23",
};
const out = [];
for (const test of input.cases) {
  const checkpoint = input.checkpoints.find((c) => c.key === test.checkpoint);
  const answer = await decideOffline(test.code, {
    ...base, checkpoint, admitsReentry: Boolean(test.reentry), letInAgain: Boolean(test.again),
  });
  out.push(answer.reason);
}
out.push(parseToken(input.cases[0].code.toLowerCase()).version);
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_offline_decisions_in_javascript_match_the_server_rules(app, tmp_path):
    event = make_event()
    other_event = make_event(slug="other-event")
    briefing = make_session(event, restricted_to=["member_state_expert"], visibility="hidden")
    _, good = badge_for(event, name="Good")
    _, expert = badge_for(event, name="Expert", category="member_state_expert", verified=True)
    _, replaced = badge_for(event, name="Replaced")
    old_code = replaced.token
    services.reissue_badge(replaced, actor=None)
    pending, pending_badge = badge_for(event, name="Pending")
    pending.status = "cancelled"
    _, foreign = badge_for(other_event, name="Foreign")
    db.session.commit()
    altered = good.token[:10] + ("B" if good.token[10] != "B" else "C") + good.token[11:]
    session_key = f"session:{briefing.id}"
    cases = [
        (good.token, "entrance"),
        (altered, "entrance"),
        (good.token[:-20], "entrance"),
        (old_code, "entrance"),
        (replaced.token, "entrance"),
        (pending_badge.token, "entrance"),
        (good.token, session_key),
        (expert.token, session_key),
        (foreign.token, "entrance"),
        (expert.token, "entrance"),
        (expert.token, "entrance", True),  # re-entry admitted: amber
        (expert.token, "entrance", True, True),  # and staff let them in again
    ]
    data = {
        "eventId": event.id,
        "keys": offline.keys_json(event),
        "revocations": offline.revocations_json(event)["badges"],
        "attendees": offline.attendees_json(event)["attendees"],
        "checkpoints": offline.checkpoints_json(event, None),
        "seen": [f"{expert.public_id}|entrance|2027-03-23"],
        # (code, checkpoint[, entrance admits re-entry[, staff let in again]])
        "cases": [
            dict(zip(("code", "checkpoint", "reentry", "again"), case, strict=False))
            for case in cases
        ],
    }
    shutil.copy(ROOT / "static" / "js" / "badge-token.js", tmp_path / "badge-token.mjs")
    (tmp_path / "run.mjs").write_text(SCRIPT)

    completed = subprocess.run(
        [NODE, str(tmp_path / "run.mjs"), json.dumps(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(completed.stdout) == [
        "checked_in",
        "invalid_code",
        "invalid_code",
        "revoked_badge",
        "checked_in",
        "not_approved",
        "not_authorised",
        "checked_in",
        "wrong_event",
        "already_checked_in",
        "already_in",
        "let_in_again",
        1,
    ]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_offline_invitation_only_door_admits_the_listed_delegations(app, tmp_path):
    from tests.delegations.helpers import make_delegation

    event = make_event()
    alpha, bravo = make_delegation(event, "Alphaland"), make_delegation(event, "Bravonia")
    huddle = make_session(
        event, restricted_delegations=[bravo.id], visibility="hidden", title="Huddle"
    )
    mixed = make_session(
        event,
        restricted_to=["policy_maker"],
        restricted_delegations=[alpha.id],
        visibility="listed",
        title="Mixed",
    )
    nominee_a, badge_a = badge_for(event, name="Anna", category="member_state_expert")
    nominee_b, badge_b = badge_for(event, name="Boris", category="member_state_expert")
    _, expert = badge_for(event, name="Expert", category="member_state_expert", verified=True)
    _, policy = badge_for(event, name="Pat", category="policy_maker", verified=True)
    # As an accepted nomination leaves them (tests/delegations cover the acceptance itself).
    nominee_a.delegation_id, nominee_b.delegation_id = alpha.id, bravo.id
    db.session.commit()
    cases = [
        (badge_b.token, f"session:{huddle.id}"),
        (badge_a.token, f"session:{huddle.id}"),
        (expert.token, f"session:{huddle.id}"),
        (badge_a.token, f"session:{mixed.id}"),
        (policy.token, f"session:{mixed.id}"),
        (badge_b.token, f"session:{mixed.id}"),
    ]
    data = {
        "eventId": event.id,
        "keys": offline.keys_json(event),
        "revocations": offline.revocations_json(event)["badges"],
        "attendees": offline.attendees_json(event)["attendees"],
        "checkpoints": offline.checkpoints_json(event, None),
        "cases": [{"code": code, "checkpoint": key} for code, key in cases],
    }
    shutil.copy(ROOT / "static" / "js" / "badge-token.js", tmp_path / "badge-token.mjs")
    (tmp_path / "run.mjs").write_text(SCRIPT)

    completed = subprocess.run(
        [NODE, str(tmp_path / "run.mjs"), json.dumps(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(completed.stdout)[:-1] == [
        "checked_in",
        "not_authorised",
        "not_authorised",
        "checked_in",
        "checked_in",
        "not_authorised",
    ]
