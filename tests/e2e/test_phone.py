"""A phone (390×844) in a real browser: formulas fit, controls and the quiz score are found.

On a phone Streamlit folds the sidebar away. Each page must say where its controls are at
the top of the main column, every formula must fit the screen (no "= 490" cut off at the
right edge with no hint to scroll), and the quiz score must be visible without opening the
sidebar. One browser context at the phone's size; the pages share one server.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import EXCEPTION, open_app, wait_for_app_idle

PHONE = {"width": 390, "height": 844}
WIDE = "k=512&c=512&H=1024&W=1024&w=11"

#: Every page, at settings that make its formulas long (the longest explorer formulas:
#: a 3D spatially separable conv's sum of three terms, a transposed conv's output size).
PAGES = {
    # (small tensors where the digits do not matter: the page stays quick to build)
    "explorer-3d": "/?kind=spatially_separable&dims=3D&D=16&k=512&c=512&H=16&W=16&w=11",
    "explorer-transposed": ("/?kind=transposed&k=16&c=16&H=1024&W=1024&w=11&pad=explicit&p=10"
                            "&s=8&d=8&op=7&code=pytorch"),  # with its code block
    "compare": f"/compare?{WIDE}",
    "walkthrough": ("/walkthrough?w1=11&c1=64&H2=256&w2=11&k3=512&w3=11&c3=512&H4=1024"
                    "&W4=1024&c5=512&k6=512&c6=512"),
    "network": "/network",
    "quiz": "/quiz?level=hard&seed=7",
    "prove_it": "/prove_it",
}
#: The phone style app.py adds (formulas at 1em): measured once it is on the page.
_STYLED_JS = """() => [...document.querySelectorAll('style')]
  .some(s => s.textContent.includes('katex-display > .katex'))"""

#: Every rendered formula: its box, and how far its own scroll box overflows.
_FORMULAS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .katex-display')]
  .filter(el => el.getBoundingClientRect().width > 0)
  .map(el => { const k = el.querySelector('.katex') || el;
               const r = k.getBoundingClientRect();
               return {left: r.left, right: r.right, scroll: el.scrollWidth,
                       client: el.clientWidth, text: k.textContent.slice(0, 80)}; })"""


@pytest.fixture(scope="module")
def phone(browser, base_url) -> Page:
    """One phone-sized page for the module (each test opens its own URL in it)."""
    context = browser.new_context(viewport=PHONE, base_url=base_url, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


def _formulas_fit(page: Page) -> list[str]:
    width = page.evaluate("() => document.documentElement.clientWidth")
    bad = []
    for f in page.evaluate(_FORMULAS_JS):
        # (KaTeX's struts overhang its box by a pixel or two: 3 px of slack)
        if f["right"] > width + 1 or f["left"] < -1 or f["scroll"] > f["client"] + 3:
            bad.append(f"{f['text']!r}: {f['left']:.0f}..{f['right']:.0f} px on a {width} px "
                       f"screen (scroll {f['scroll']} > {f['client']})")
    return bad


def _in_first_screen(page: Page, locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box


@pytest.mark.parametrize("name", list(PAGES))
def test_phone_page_fits_and_says_where_the_controls_are(phone: Page, name: str):
    open_app(phone, PAGES[name])
    expect(phone.locator(EXCEPTION)).to_have_count(0)
    main = phone.get_by_test_id("stMain")
    if name != "walkthrough":  # the walkthrough's controls sit beside each step
        _in_first_screen(phone, main.get_by_text("in the sidebar", exact=False).first)
    if name == "quiz":
        _in_first_screen(phone, main.get_by_test_id("stMetric").filter(has_text="Score"))
        # answer, so the worked formulas are on the page too
        phone.locator(".st-key-choice_0 button").click()
        expect(main.get_by_text("The worked formula")).to_be_visible()
        expect(main.get_by_test_id("stMetric").filter(has_text="1 / 1").or_(
            main.get_by_test_id("stMetric").filter(has_text="0 / 1"))).to_be_visible()
        # the run's last element: every worked formula above it has arrived
        expect(main.get_by_role("button", name=re.compile("Next question"))).to_be_visible()
        wait_for_app_idle(phone)
    phone.wait_for_function(_STYLED_JS)
    bad = _formulas_fit(phone)
    assert not bad, "\n".join(bad)
