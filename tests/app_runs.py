"""Opening a page in AppTest as a link would: shared by the AppTest test modules."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_page(page: str, query: dict[str, str]) -> AppTest:
    """``page`` opened with the link ``query`` in a fresh session, run without an error."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
