"""Every icon the app shows is a Material Symbols icon, never an emoji.

Why: an emoji needs a colour-emoji font on the student's machine; Debian's Chromium has
none, and every icon of the app (the page list, the callouts, the buttons) was an empty
box there. Streamlit ships the Material Symbols font itself. And Streamlit checks an emoji
icon against its list of ~4,000 emoji, an import of 43-65 ms on a server's first page
(issue 14's cold start), which no page needs any more.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from streamlit.string_util import is_material_icon

from pages._shared import ICON

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
           ROOT / "bench" / "content_floor_app.py"]
ICON_ARGS = ("icon", "page_icon")


def _material_name(value: str) -> str | None:
    if value.startswith(":material/") and value.endswith(":"):
        return value[len(":material/"):-1]
    return None


def _icon_arguments(path: Path) -> list[tuple[int, ast.expr]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            found += [(kw.value.lineno, kw.value) for kw in node.keywords
                      if kw.arg in ICON_ARGS]
    return found


def _is_shared_icon(expr: ast.expr) -> bool:
    """``ICON["name"]`` with a name the table has."""
    return (isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name)
            and expr.value.id == "ICON" and isinstance(expr.slice, ast.Constant)
            and expr.slice.value in ICON)


def _strings(expr: ast.expr) -> list[str]:
    """The string constants an icon argument can take (both sides of ``a if c else b``)."""
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body) + _strings(expr.orelse)
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    return []


def test_the_icon_table_names_real_material_icons():
    for meaning, value in ICON.items():
        name = _material_name(value)
        assert name and is_material_icon(name), f"ICON[{meaning!r}] = {value!r}"


def test_every_icon_argument_is_a_material_icon():
    seen = 0
    for path in SOURCES:
        for line, expr in _icon_arguments(path):
            seen += 1
            where = f"{path.relative_to(ROOT)}:{line}"
            if _is_shared_icon(expr) or isinstance(expr, ast.Name):
                continue  # a name: the loop variable of the page list, checked below
            if isinstance(expr, ast.IfExp):
                sides = (expr.body, expr.orelse)
                assert all(_is_shared_icon(e) or _strings(e) for e in sides), where
            for value in _strings(expr):
                name = _material_name(value)
                assert name and is_material_icon(name), f"{where}: icon {value!r} is not one"
    assert seen >= 30  # the walk found the app's icons (7 pages, callouts, buttons, links)


def test_the_content_floors_page_list_uses_material_icons():
    tree = ast.parse((ROOT / "bench" / "content_floor_app.py").read_text(encoding="utf-8"))
    tuples = [n for n in ast.walk(tree) if isinstance(n, ast.Tuple) and len(n.elts) == 3
              and all(isinstance(e, ast.Constant) for e in n.elts)]
    icons = [t.elts[1].value for t in tuples]
    assert len(icons) == 6, icons
    for value in icons:
        assert _material_name(value) and is_material_icon(_material_name(value)), value


#: Runs every page of app.py once (each without an exception) in a fresh interpreter and
#: reports whether Streamlit loaded its emoji list (it does so only to check an emoji icon).
_PROBE = """
import sys
from tests.app_runs import discover_pages, run_page
for page in discover_pages():
    run_page(page, {})
print("emoji list loaded:", "streamlit.emojis" in sys.modules)
"""


def test_no_page_loads_streamlits_emoji_list():
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "emoji list loaded: False" in out.stdout, out.stdout + out.stderr[-2000:]
