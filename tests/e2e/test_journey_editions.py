"""Journey: an organiser starts the 2029 flagship edition from 2027's; a visitor on a phone
browses the series and the past 2025 edition."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.driver import Person, login
from tests.e2e.seed import ORGANISER, PASSWORD


def test_organiser_clones_the_flagship_and_a_phone_visitor_browses_the_series(
    new_context, site, screenshot
):
    organiser = Person(new_context().new_page(), label="organiser")
    page = organiser.page
    login(organiser, ORGANISER, PASSWORD)
    organiser.goto("/events/flagship-2027/manage/")
    organiser.click(page.get_by_role("link", name="Start the next edition from this one"))
    organiser.fill(page.get_by_label("Short name (in addresses)"), "flagship-2025")
    organiser.fill(page.get_by_label("First day"), "2029-03-20")
    page.get_by_label("Speakers", exact=True).uncheck()
    organiser.click(page.get_by_role("button", name="Create the new edition"))
    # The slug is taken: said next to the field, and the choices are kept.
    expect(page.locator("#slug-error")).to_have_text("Another event already uses this short name.")
    expect(page.get_by_label("Speakers", exact=True)).not_to_be_checked()
    screenshot(page, "clone-error-1280")
    organiser.fill(page.get_by_label("Short name (in addresses)"), "flagship-2029")
    organiser.click(page.get_by_role("button", name="Create the new edition"))
    expect(page.locator("h1")).to_have_text(
        "“European Flagship Conference on Research Security 2029” is ready as a draft"
    )
    expect(page.locator("main")).to_contain_text("Speakers: not copied")
    screenshot(page, "clone-summary-1280")
    assert site.scalar("SELECT is_published FROM events WHERE slug = 'flagship-2029'") in (0, False)

    phone = Person(
        new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page(),
        label="anonymous",
    )
    phone.goto("/")
    screenshot(phone.page, "home-390")
    phone.click(
        phone.page.get_by_role(
            "link", name="European Flagship Conference on Research Security", exact=True
        )
    )
    expect(phone.page.locator("#past-heading")).to_be_visible()
    expect(phone.page.locator("main")).not_to_contain_text("2029")  # a draft: not public
    screenshot(phone.page, "series-390")
    phone.click(
        phone.page.get_by_role(
            "link", name="European Flagship Conference on Research Security 2025", exact=True
        )
    )
    expect(phone.page.locator("main")).to_contain_text("Past edition: this event has ended")
    screenshot(phone.page, "past-edition-390")
    phone.click(phone.page.get_by_role("link", name="Next edition:", exact=False))
    expect(phone.page).to_have_url(site.url + "/events/flagship-2027/")

    # The same pages the other way round: the form on a phone, the series on a desktop.
    page.set_viewport_size({"width": 390, "height": 844})
    organiser.goto("/events/flagship-2029/manage/clone")
    screenshot(page, "clone-form-390")
    phone.page.set_viewport_size({"width": 1280, "height": 900})
    phone.goto("/series/flagship-conference/")
    screenshot(phone.page, "series-1280")
    phone.goto("/")
    expect(phone.page.locator("main h2").first).to_have_text(
        "European Flagship Conference on Research Security"
    )
