"""Opening a page in AppTest as a link would: shared by the AppTest test modules."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.state import ADVANCED_EXPANDER, PRODUCTS_EXPANDER

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


def open_advanced(at: AppTest) -> AppTest:
    """Open the explorer's Advanced expander as a student would: its widgets are built
    only while it is open. Nothing happens on a page without it, or when it is open."""
    if ADVANCED_EXPANDER in at.session_state and not at.session_state[ADVANCED_EXPANDER]:
        at.session_state[ADVANCED_EXPANDER] = True
        at.run()
    return at


def open_lazy_parts(at: AppTest) -> AppTest:
    """Open every expander the explorer builds only while open (Advanced, the clicked cell's
    products), so a check reads all a student can reach."""
    closed = [key for key in (ADVANCED_EXPANDER, PRODUCTS_EXPANDER)
              if key in at.session_state and not at.session_state[key]]
    for key in closed:
        at.session_state[key] = True
    if closed:
        at.run()
    return at
