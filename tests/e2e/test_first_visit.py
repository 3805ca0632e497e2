"""The first visitor after a server (re)start may arrive through a teacher's deep link.

Streamlit treats a ``pages/`` folder the old way until app.py's ``st.navigation`` has run
once in the process; these tests use a fresh server each so that they really are first.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.helpers import EXCEPTION, wait_for_app_idle
from tools.serve import REPO_ROOT, WAIT_MS, start_server


@pytest.fixture()
def fresh_server(tmp_path):
    server = start_server(REPO_ROOT / "app.py", log_dir=tmp_path)
    try:
        yield server.url
    finally:
        server.stop()


def test_a_deep_link_as_the_very_first_request_goes_through_app_navigation(
        browser: Browser, fresh_server: str):
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{fresh_server}/compare?k=20")
    page.wait_for_selector('[data-testid="stApp"]')
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("Explorer")
    expect(nav).to_contain_text("How many weights?")
    expect(nav).not_to_contain_text("shared")  # the v1 fallback lists every file in pages/
    expect(page.locator("h1").first).to_contain_text("Compare conv kinds")
    wait_for_app_idle(page)
    expect(page.get_by_test_id("stMain")).to_contain_text("k = 20 filters")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.close()
