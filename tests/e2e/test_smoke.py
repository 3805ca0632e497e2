"""Smoke test: the root page of the real app loads in a real browser without an exception."""

from playwright.sync_api import Page, expect

from tests.e2e.helpers import EXCEPTION, open_app


def test_root_page_loads(page: Page):
    open_app(page, "/")  # waits for stApp CONNECTED / notRunning
    app = page.locator('[data-testid="stApp"]')
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.locator(EXCEPTION)).to_have_count(0)
