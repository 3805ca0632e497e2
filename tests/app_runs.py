"""Opening a page in AppTest as a link would: shared by the AppTest test modules."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str, query: dict[str, str] | None = None,
              timeout: float = 60) -> AppTest:
    """``page`` opened with the link ``query`` in a fresh session (and run once)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(page).run()


def run_page(page: str, query: dict[str, str]) -> AppTest:
    """``page`` opened with the link ``query`` in a fresh session, run without an error."""
    at = open_page(page, query)
    assert not at.exception, [e.value for e in at.exception]
    return at
