"""Browser: click an output cell of the sliding-window figure (or of the volume figure);
the window, the position sliders, the written-out arithmetic and the URL all move there.
Presets are one click."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from lib.figures import CLICK_TRACE
from tests.e2e.helpers import EXCEPTION, open_app, slider_locator, wait_for_app_idle

PLOT = ".js-plotly-plot"

#: The live figure's layout.meta (what lib.figures recorded it drew) and dragmode.
_LIVE_JS = f"""() => {{ const gd = document.querySelector('{PLOT}');
    return gd && gd.layout && gd.layout.meta ? {{meta: gd.layout.meta,
        dragmode: gd._fullLayout.dragmode}} : null; }}"""


def _cell_center(page: Page, row: int, col: int) -> tuple[float, float]:
    """Screen pixels of output cell (row, col): the output grid is on axes x2/y2."""
    return tuple(page.evaluate(f"""() => {{
        const gd = document.querySelector('{PLOT}'), box = gd.getBoundingClientRect();
        const xa = gd._fullLayout.xaxis2, ya = gd._fullLayout.yaxis2;
        return [box.left + xa._offset + xa.l2p({col}), box.top + ya._offset + ya.l2p({row})];
    }}"""))


def _open_figure(page: Page, path: str) -> dict:
    """Open ``path`` on a desktop-sized page; the live figure's meta and dragmode."""
    page.set_viewport_size({"width": 1440, "height": 900})
    open_app(page, path)
    page.wait_for_function(f"() => ({_LIVE_JS})() !== null")
    return page.evaluate(_LIVE_JS)


def _click_moves_there(page: Page, xy: tuple[float, float], row: int, col: int,
                       written: str) -> dict[str, list[str]]:
    """Click pixel ``xy``: the position sliders, the written-out cell (``written``, a
    pattern) and the figure move to (row, col) and zoom stays on; the settled query."""
    page.mouse.click(*xy)
    expect(slider_locator(page, "Output row")).to_have_value(str(row))
    expect(slider_locator(page, "Output column")).to_have_value(str(col))
    expect(page.get_by_test_id("stMarkdown").filter(
        has_text=re.compile(written)).first).to_be_visible()
    page.wait_for_function(f"() => {{ const l = ({_LIVE_JS})(); "
                           f"return l && l.meta.position.join() === '{row},{col}'; }}")
    assert page.evaluate(_LIVE_JS)["dragmode"] == "zoom"  # clicks did not switch zoom off
    wait_for_app_idle(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["or"] == [str(row)] and query["oc"] == [str(col)]
    return query


@pytest.mark.timeout(300)  # two shared cores: the first render alone can take 20 s
def test_clicking_an_output_cell_moves_the_window_there(page: Page):
    t0 = time.perf_counter()
    live = _open_figure(page, "/?fig=window&k=2&w=3&c=1&H=8&W=8")
    assert live["meta"]["position"] == [0, 0] and live["dragmode"] == "zoom"
    # the camera button (download as PNG) is in the modebar
    page.locator(PLOT).hover()
    expect(page.locator('.modebar-btn[data-title="Download plot as a PNG"]')).to_have_count(1)

    page.locator(PLOT).scroll_into_view_if_needed()
    _click_moves_there(page, _cell_center(page, 4, 2), 4, 2, r"y\[4, 2, 0\] = .* = −?\d+")
    live = page.evaluate(_LIVE_JS)
    assert live["meta"]["window_start"] == [4, 2]  # the highlighted window moved

    # the sliders still move the window after a click
    slider_locator(page, "Output column").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => {{ const l = ({_LIVE_JS})(); "
                           "return l && l.meta.position.join() === '4,3'; }")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    print(f"click test: {time.perf_counter() - t0:.1f} s")


def _marker_center(page: Page, row: int, col: int) -> tuple[float, float]:
    """Screen pixels of the volume figure's click marker for output cell (row, col)
    (``_fullData``: its x and y arrive base64-encoded and are decoded there)."""
    return tuple(page.evaluate(f"""() => {{
        const gd = document.querySelector('{PLOT}'), box = gd.getBoundingClientRect();
        const t = gd._fullData.find(d => d.name === '{CLICK_TRACE}');
        const i = Array.from(t.customdata).findIndex(c => c[0] === {row} && c[1] === {col});
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        return [box.left + xa._offset + xa.l2p(t.x[i]), box.top + ya._offset + ya.l2p(t.y[i])];
    }}"""))


@pytest.mark.timeout(300)
def test_clicking_an_output_cell_of_the_volume_moves_the_kernel_there(page: Page):
    t0 = time.perf_counter()
    live = _open_figure(page, "/?fig=volume&k=2&w=3&c=1&H=8&W=8")
    assert live["meta"]["figure"] == "volume" and live["meta"]["position"] == [0, 0]
    page.locator(PLOT).scroll_into_view_if_needed()
    query = _click_moves_there(page, _marker_center(page, 4, 2), 4, 2,
                               r"How output cell y\[4, 2, 0\] is computed")
    assert query["fig"] == ["volume"]
    expect(page.locator(EXCEPTION)).to_have_count(0)
    print(f"volume click test: {time.perf_counter() - t0:.1f} s")


@pytest.mark.timeout(300)
def test_a_preset_is_one_click(page: Page):
    open_app(page, "/?fig=window")
    # the pill (a button in the button group), not the link of the same name in the caption
    page.locator('[data-testid="stButtonGroup"] button',
                 has_text=re.compile(r"^\s*Strided\s*$")).first.click()
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("2×2×1")
    wait_for_app_idle(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["s"] == ["2"] and query["H"] == ["5"] and query["fig"] == ["window"]
    expect(page.locator(EXCEPTION)).to_have_count(0)
