"""Opening a page in AppTest as a link would: shared by the AppTest test modules."""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.state import ADVANCED_EXPANDER, PRODUCTS_EXPANDER

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def discover_pages() -> list[str]:
    """The page files of ``st.Page("pages/x.py", ...)`` calls in app.py, in order."""
    tree = ast.parse(Path(APP).read_text(encoding="utf-8"))
    pages: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != "Page" or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                and first.value.endswith(".py"):
            pages.append(first.value)
    return sorted(set(pages), key=pages.index)


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


def open_expanders(at: AppTest,
                   keys: tuple[str, ...] = (ADVANCED_EXPANDER, PRODUCTS_EXPANDER)) -> AppTest:
    """Open the expanders ``keys`` that are built only while open (Advanced on the explorer
    and the compare page, the explorer's clicked-cell products) as a student would, so a
    check reads all a student can reach. Nothing happens for one that is open or not on
    the page."""
    closed = [key for key in keys if key in at.session_state and not at.session_state[key]]
    for key in closed:
        at.session_state[key] = True
    if closed:
        at.run()
    return at


def open_advanced(at: AppTest) -> AppTest:
    """Open the Advanced expander of the explorer or the compare page (see
    :func:`open_expanders`)."""
    return open_expanders(at, (ADVANCED_EXPANDER,))
