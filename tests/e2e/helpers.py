"""Helpers for the browser (Playwright) tests. Import as ``from tests.e2e.helpers import ...``."""

from __future__ import annotations

import re

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tools.serve import APP_IDLE_JS, WAIT_MS, slider_locator, wait_for_app_idle

__all__ = ["APP_IDLE_JS", "PLOTLY_TITLE", "EXCEPTION", "LINK_WARNING", "WAIT_MS",
           "slider_locator", "wait_for_app_idle", "open_app", "choose_option", "metric",
           "link_warning"]

PLOTLY_TITLE = ".js-plotly-plot .gtitle"  # SVG <text>: use text_content()/to_have_text
EXCEPTION = '[data-testid="stException"]'
#: The opening of the warning a page shows for what a link asked that it changed or ignored.
LINK_WARNING = "Some values in this link were changed or ignored"


def metric(page: Page, label: str):
    """The value element of the st.metric whose label starts with ``label``."""
    label_el = page.get_by_test_id("stMetricLabel").filter(
        has_text=re.compile(f"^{re.escape(label)}"))
    box = page.get_by_test_id("stMetric").filter(has=label_el)
    return box.get_by_test_id("stMetricValue")


def link_warning(page: Page):
    """The link's warning (see ``pages/_shared.show_link_warning``), if the page shows one."""
    return page.get_by_test_id("stAlertContentWarning").filter(has_text=LINK_WARNING)


def open_app(page: Page, path: str = "/", timeout: float = WAIT_MS) -> None:
    """Navigate to ``path`` (relative to the server's base_url) and wait until the app is idle."""
    page.goto(path)
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    # Every page starts with its title; waiting for it avoids an "idle" seen before the run.
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=timeout)
    wait_for_app_idle(page, timeout=timeout)


def choose_option(page: Page, menu: str, option: str, tries: int = 3) -> None:
    """Open the selectbox named ``menu`` and pick ``option``. A menu opened while a late
    part of the page is still being drawn can close again before the option shows (seen
    once under load in CI): then open it again, up to ``tries`` times."""
    box = page.get_by_role("combobox", name=menu, exact=True)
    item = page.get_by_role("option", name=option, exact=True)
    for attempt in range(1, tries + 1):
        box.click()
        try:
            item.wait_for(state="visible", timeout=10_000)
        except PlaywrightTimeout:
            if attempt == tries:
                raise
            page.keyboard.press("Escape")
            continue
        item.click()
        return
