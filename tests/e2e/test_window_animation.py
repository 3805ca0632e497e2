"""Browser: the sliding-window figure's animation plays in plotly.js.

Its frames are built without plotly's validation (issue 14, ``lib.figures._common.finish``);
tests/test_figure_cases.py checks they are the same JSON, and this checks plotly.js plays
them: "▶ play" moves the window (the frame slider and the subtitle), in 1D, 2D and 3D.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.helpers import EXCEPTION, open_app

PLOT = ".js-plotly-plot"

#: The live figure's subtitle and the name of the frame plotly.js shows.
_STATE_JS = f"""() => {{ const gd = document.querySelector('{PLOT}');
    if (!gd || !gd._fullLayout || !gd.layout.title) return null;
    const t = gd.layout.title.subtitle;
    return {{subtitle: t ? t.text : '', frame: gd._fullLayout.sliders[0].active,
             frames: (gd._transitionData && gd._transitionData._frames || []).length}}; }}"""


def _changed(page: Page, before: dict) -> None:
    """Wait until plotly.js shows another frame than ``before`` (slider and subtitle)."""
    page.wait_for_function(
        f"""(b) => {{ const s = ({_STATE_JS})();
            return s && s.frame !== b.frame && s.subtitle !== b.subtitle; }}""", arg=before)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("dims", ["1D", "2D", "3D"])
def test_play_moves_the_window(page: Page, dims: str):
    page.set_viewport_size({"width": 1440, "height": 900})
    open_app(page, f"/?dims={dims}&fig=window")
    page.wait_for_function(f"() => {{ const s = ({_STATE_JS})(); return s && s.frames > 1; }}")
    before = page.evaluate(_STATE_JS)
    assert before["frame"] == 0
    page.locator(f"{PLOT} .updatemenu-button").first.click()  # ▶ play
    _changed(page, before)
    assert page.locator(EXCEPTION).count() == 0
