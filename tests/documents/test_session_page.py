"""The session page lists the documents the viewer may download, and nothing of the others;
no document title or marking reaches an outsider through any output."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.markings import TLP
from tests.documents.conftest import ACTORS, BASE, download_url

SEES_RESTRICTED = {"verified", "checked_in", "organiser", "door_staff"}


def _outputs(client, docs) -> dict[str, str]:
    urls = {
        "grid": f"{BASE}/agenda/",
        "list": f"{BASE}/agenda/?view=list",
        "open session": f"{BASE}/sessions/{docs.open.id}/",
        "restricted session": f"{BASE}/sessions/{docs.restricted.id}/",
        "json": f"{BASE}/agenda.json",
        "xml": f"{BASE}/schedule.xml",
        "feed": f"{BASE}/calendar.ics",
        "event page": f"{BASE}/",
    }
    outputs = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        outputs[name] = response.get_data(as_text=True)
    return outputs


@pytest.mark.parametrize("actor", ACTORS)
def test_no_title_or_marking_of_the_restricted_session_reaches_who_may_not_see_it(
    actor, docs, client_for
):
    docs.restricted.tlp, docs.restricted.chatham_house = TLP.RED.value, True
    db.session.commit()

    outputs = _outputs(client_for(actor), docs)

    secrets = [d.title for (key, _), d in docs.documents.items() if key == "restricted"]
    secrets += ["Restricted briefing QUUX", "Chatham House"]
    for (key, _), document in docs.documents.items():
        if key == "restricted":
            secrets.append(download_url(document))
    if actor in SEES_RESTRICTED:
        assert "Restricted briefing QUUX" in outputs["restricted session"]
        assert "TLP:RED" in outputs["restricted session"]
    else:
        for name, text in outputs.items():
            for secret in secrets:
                assert secret not in text, f"{secret!r} leaks into {name} for {actor}"
            # The open session's own documents carry every marking; elsewhere none may show.
            if name != "open session":
                assert "TLP:RED" not in text, f"the marking leaks into {name} for {actor}"
        assert "documents-heading" not in outputs["restricted session"]


@pytest.mark.parametrize(
    ("actor", "shown", "withheld"),
    [
        ("anonymous", {TLP.CLEAR}, 4),
        ("outsider", {TLP.CLEAR}, 4),
        ("registered", {TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT}, 1),
        ("checked_in", set(TLP), 0),
        ("organiser", set(TLP), 0),
    ],
)
def test_session_page_lists_only_what_the_viewer_may_download(
    actor, shown, withheld, docs, client_for
):
    page = client_for(actor).get(f"{BASE}/sessions/{docs.open.id}/").get_data(as_text=True)

    for marking in TLP:
        document = docs.documents[("open", marking)]
        assert (document.title in page) == (marking in shown), marking
        assert (download_url(document) in page) == (marking in shown), marking
    if withheld:
        assert f"{withheld} more document" in page
    else:
        assert "more document" not in page


def test_strict_and_red_documents_say_never_share_onwards(docs, client_for):
    registered = client_for("registered").get(f"{BASE}/sessions/{docs.open.id}/")
    checked_in = client_for("checked_in").get(f"{BASE}/sessions/{docs.open.id}/")

    assert "Never share onwards" in registered.get_data(as_text=True)  # AMBER+STRICT shown
    assert "Never share onwards" in checked_in.get_data(as_text=True)


def test_no_never_share_notice_without_such_documents(docs, client_for):
    page = client_for("anonymous").get(f"{BASE}/sessions/{docs.open.id}/").get_data(as_text=True)

    assert "Never share onwards" not in page


def test_organiser_page_lists_versions_and_download_counts(docs, client_for):
    client = client_for("organiser")
    client.get(download_url(docs.documents[("open", TLP.RED)]))

    page = client.get(f"{BASE}/manage/documents/sessions/{docs.open.id}/").get_data(as_text=True)

    for marking in TLP:
        assert docs.documents[("open", marking)].title in page
    assert "Upload a document" in page and 'enctype="multipart/form-data"' in page
