"""Which language a page is served in: the switch (account or session), the browser, the
event's default language, English; and the ``lang`` attributes that say so."""

from __future__ import annotations

import re

import pytest

from conference.accounts.models import User
from conference.extensions import db
from tests.factories import PASSWORD, make_event, make_user

HTML_LANG = re.compile(r'<html lang="([a-z]+)">')


def served_language(response) -> str:
    match = HTML_LANG.search(response.get_data(as_text=True))
    assert match, "the page has no <html lang>"
    return match.group(1)


def test_page_is_english_without_any_preference(client):
    assert served_language(client.get("/")) == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("fr-FR,fr;q=0.9,en;q=0.5", "fr"), ("de-AT, de;q=0.8", "de"), ("es, it", "en")],
)
def test_browser_language_is_used_when_nothing_was_chosen(client, header, expected):
    assert served_language(client.get("/", headers={"Accept-Language": header})) == expected


def test_anonymous_choice_is_kept_in_the_session_and_returns_to_the_page(client):
    event = make_event("lang-anon")

    response = client.post(
        "/language", data={"language": "de", "next": f"/events/{event.slug}/?tab=1"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.slug}/?tab=1"
    with client.session_transaction() as session:
        assert session["language"] == "de"
    # The choice beats the browser's wish.
    page = client.get(f"/events/{event.slug}/", headers={"Accept-Language": "fr"})
    assert served_language(page) == "de"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "evil.example"]
)
def test_switch_never_follows_a_foreign_return_address(client, target):
    response = client.post("/language", data={"language": "fr", "next": target})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_unknown_language_changes_nothing(client):
    response = client.post("/language", data={"language": "xx", "next": "/"})

    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "language" not in session
    assert served_language(client.get("/", follow_redirects=True)) == "en"


def test_switch_is_a_post_only(client):
    assert client.get("/language?language=fr").status_code == 405


def test_logged_in_choice_is_saved_on_the_account_and_used_at_the_next_login(app, login):
    user = make_user("polyglot@example.org")
    browser = login(user)

    browser.post("/language", data={"language": "fr", "next": "/account/profile"})

    assert db.session.get(User, user.id).language == "fr"
    # A new browser, with no session yet and a German browser: the account's choice wins.
    fresh = app.test_client()
    fresh.post("/account/login", data={"email": "polyglot@example.org", "password": PASSWORD})
    assert served_language(fresh.get("/", headers={"Accept-Language": "de"})) == "fr"


def test_profile_page_offers_the_choice_with_the_current_one_checked(login):
    user = make_user()
    user.language = "de"
    db.session.commit()

    page = login(user).get("/account/profile").get_data(as_text=True)

    assert 'action="/language"' in page
    assert re.search(
        r'<input type="radio" id="language-de" name="language" value="de" checked>', page
    )
    assert '<label for="language-fr" lang="fr">Français</label>' in page


def test_event_default_language_serves_its_pages_when_nothing_else_says(client):
    event = make_event("lang-default", default_language="fr")

    assert served_language(client.get(f"/events/{event.slug}/")) == "fr"
    # The browser's wish comes first; other pages do not follow the event.
    assert (
        served_language(client.get(f"/events/{event.slug}/", headers={"Accept-Language": "de"}))
        == "de"
    )
    assert served_language(client.get("/")) == "en"


def test_event_default_language_yields_to_the_visitors_choice(client):
    event = make_event("lang-chosen", default_language="de")
    client.post("/language", data={"language": "en", "next": "/"})

    assert served_language(client.get(f"/events/{event.slug}/")) == "en"


def test_organisers_set_the_default_language_in_the_event_form(login):
    from tests.factories import make_staff

    event = make_event("lang-form")
    organiser = login(make_staff(event, "organiser"))

    page = organiser.get(f"/events/{event.slug}/manage/").get_data(as_text=True)

    assert 'id="default_language" name="default_language"><option lang="en" selected' in page
    assert '<option lang="fr" value="fr">Français</option>' in page


def test_header_switch_names_each_language_in_itself(client):
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)

    assert '<html lang="de">' in page
    assert 'lang="fr" class="link-button">Français</button>' in page
    assert 'value="en" lang="en" class="link-button">English</button>' in page
    assert '<span lang="de" aria-current="true">Deutsch</span>' in page
    # The switch brings the visitor back to the page they were on.
    assert '<input type="hidden" name="next" value="/">' in page


def test_anonymous_pages_carry_no_token_and_open_no_session(client):
    response = client.get("/")

    assert 'action="/language"' in response.get_data(as_text=True)
    assert "csrf_token" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_anonymous_switch_sent_from_another_site_is_refused(client):
    response = client.post(
        "/language", data={"language": "fr", "next": "/"}, headers={"Sec-Fetch-Site": "cross-site"}
    )

    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "language" not in session


def test_signed_in_switch_needs_the_csrf_token(app_factory):
    from tests.conftest import csrf_token_from
    from tests.factories import sign_in

    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        user = make_user()
        browser = sign_in(csrf_app.test_client(), user)
        forged = browser.post("/language", data={"language": "de", "next": "/"})
        unchanged = db.session.get(User, user.id).language
        token = csrf_token_from(browser.get("/").get_data(as_text=True))
        sent = browser.post("/language", data={"language": "de", "next": "/", "csrf_token": token})
        db.session.expire_all()
        saved = db.session.get(User, user.id).language
        db.session.remove()

    assert forged.status_code == 400 and unchanged is None
    assert sent.status_code == 302 and saved == "de"
