"""The conv_arithmetic presets, as a class sees them: each one-click animation is drawn
without cut, overlapping or too-small text at the laptop, projector and phone viewports
(the layout rules of tests/e2e/layout.py, measured on the rendered SVG).

One page per viewport; every preset is picked with its pill, as a teacher would, and the
sliding-window figure is measured once it has drawn the preset's layer. In CI (``.ci/run``):
the input cells' labels no longer sit under the window's weight labels, and cell labels are
drawn only when they fit their cells on the narrowest figure.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, expect

from lib.presets import PRESETS, preset_query
from tests.e2e.helpers import EXCEPTION, WAIT_MS, open_app, wait_for_app_idle
from tests.e2e.layout import check_figures, describe
from tests.figure_cases import VIEWPORTS

#: The main column's figure has drawn (and no element is still loading).
_DRAWN_JS = """() => {
  const gd = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  return !!gd && !!gd._fullLayout && !!gd.querySelector('.main-svg')
         && !document.querySelector('[data-testid="stSkeleton"]');
}"""


@pytest.mark.timeout(600)
@pytest.mark.parametrize("view", list(VIEWPORTS))
def test_every_preset_animation_is_drawn_cleanly(browser: Browser, base_url: str, view: str):
    width, height = VIEWPORTS[view]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  base_url=base_url)
    context.set_default_timeout(WAIT_MS)
    problems, checked = [], 0
    try:
        page = context.new_page()
        open_app(page, "/?fig=window")
        for preset in PRESETS:
            page.locator('[data-testid="stButtonGroup"] button',
                         has_text=re.compile(rf"^\s*{re.escape(preset.title)}\s*$")
                         ).first.click()
            want = {k: [v] for k, v in preset_query(preset).items()}
            expect(page).to_have_url(re.compile(
                "".join(rf"(?=.*[?&]{re.escape(k)}={re.escape(v[0])}(&|$))"
                        for k, v in want.items() if k in ("H", "s", "kind", "pad"))))
            wait_for_app_idle(page)
            page.wait_for_function(_DRAWN_JS)
            wait_for_app_idle(page)
            query = parse_qs(urlsplit(page.url).query)
            assert all(query.get(k) == v for k, v in want.items()), (preset.key, query)
            expect(page.locator(EXCEPTION)).to_have_count(0)
            for figure in check_figures(page, '[data-testid="stMain"]'):
                checked += 1
                if figure["violations"]:
                    problems.append(f"{preset.title} @ {view}:\n"
                                    f"{describe(figure['violations'])}")
    finally:
        context.close()
    assert checked >= len(PRESETS), f"only {checked} figures measured"
    assert not problems, "\n\n".join(problems)
