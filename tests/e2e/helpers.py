"""Helpers for the browser (Playwright) tests. Import as ``from tests.e2e.helpers import ...``."""

from __future__ import annotations

from playwright.sync_api import Page

from tools.serve import APP_IDLE_JS, WAIT_MS, slider_locator, wait_for_app_idle

__all__ = ["APP_IDLE_JS", "PLOTLY_TITLE", "EXCEPTION", "WAIT_MS", "slider_locator",
           "wait_for_app_idle", "open_app"]

PLOTLY_TITLE = ".js-plotly-plot .gtitle"  # SVG <text>: use text_content()/to_have_text
EXCEPTION = '[data-testid="stException"]'


def open_app(page: Page, path: str = "/", timeout: float = WAIT_MS) -> None:
    """Navigate to ``path`` (relative to the server's base_url) and wait until the app is idle."""
    page.goto(path)
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    # Every page starts with its title; waiting for it avoids an "idle" seen before the run.
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=timeout)
    wait_for_app_idle(page, timeout=timeout)
