"""bench/content_floor_app.py must draw what the explorer draws, or its floor means nothing.

The content floor (issue 14) is the explorer's default view with every number and figure
prepared at start-up: the benchmark reads the difference between it and the explorer as the
explorer's own logic, and between it and the bare app as the cost of the content. That
holds only while both send the same elements with the same text and the same figure, for
the k values the browser benchmark moves through.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_runs import APP

FLOOR_APP = str(Path(__file__).resolve().parent.parent / "bench" / "content_floor_app.py")


def _element(node) -> str:
    kind = getattr(node, "type", type(node).__name__)
    if kind == "plotly_chart":
        return f"plotly_chart {node.proto.spec}"
    for attr in ("value", "label", "body"):
        try:
            return f"{kind} {getattr(node, attr)!r}"
        except Exception:  # noqa: BLE001 - element kinds differ in what they expose
            continue
    return kind


def _drawn(at: AppTest) -> list[str]:
    """Every element of the main column and the sidebar, nested, with its text."""
    out: list[str] = []

    def walk(node, depth: int) -> None:
        for child in getattr(node, "children", {}).values():
            out.append("  " * depth + _element(child))
            walk(child, depth + 1)

    walk(at.main, 0)
    out.append("--- sidebar")
    walk(at.sidebar, 0)
    return out


def _after_moving_k(app: str, k: int | None) -> AppTest:
    at = AppTest.from_file(app, default_timeout=120).run()
    if k is not None:
        at.slider(key="k").set_value(k).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("k", [None, 11, 35, 128])
def test_the_floor_draws_the_explorers_elements(k):
    explorer = _drawn(_after_moving_k(APP, k))
    floor = _drawn(_after_moving_k(FLOOR_APP, k))
    assert len(explorer) > 40  # the whole page, not an error message
    assert floor == explorer
