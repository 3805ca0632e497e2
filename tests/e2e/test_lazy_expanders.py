"""The lazy expanders in a real browser (issue 14: fewer elements per move).

"Advanced" (stride, padding, dilation, groups, depth multiplier, output padding, bias) on
the explorer and the compare page, and the explorer's "Every product" table of the clicked
cell, are built only while open. A student must still reach every knob with one click, keep
its value while the expander is closed, and a link that sets a knob must show it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from lib.state import ADVANCED_EXPANDER, CONTROL_BY_KEY, PRODUCTS_EXPANDER
from tests.e2e.helpers import EXCEPTION, open_app, slider_locator, wait_for_app_idle

ADVANCED = f".st-key-{ADVANCED_EXPANDER}"
STRIDE = CONTROL_BY_KEY["s"].label


def _metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id(
        "stMetricValue")


def _toggle(page: Page, where: str) -> None:
    page.locator(f"{where} summary").click()
    wait_for_app_idle(page)


def _step_right(page: Page, label: str, key: str, value: int) -> None:
    """One step right on the slider labelled ``label``, by keyboard; the link then holds
    ``key=value``."""
    slider_locator(page, label).focus()
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(rf"[?&]{key}={value}(&|$)"))


def _no_advanced_sliders(page: Page) -> None:
    expect(page.locator(f"{ADVANCED} [data-testid='stSlider']")).to_have_count(0)


def test_advanced_opens_with_one_click_and_its_knob_moves_the_numbers(page: Page):
    open_app(page, "/")
    expect(page.locator(f"{ADVANCED} details")).not_to_have_attribute("open", "")
    _no_advanced_sliders(page)
    _toggle(page, ADVANCED)
    _step_right(page, STRIDE, "s", 2)
    expect(_metric(page, "Output")).to_have_text("15×15×10")  # floor((32 − 4) / 2) + 1
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_closed_advanced_keeps_its_values(page: Page):
    open_app(page, "/?s=2")
    expect(slider_locator(page, STRIDE)).to_have_value("2")  # the link opened it
    _toggle(page, ADVANCED)
    _no_advanced_sliders(page)
    _step_right(page, CONTROL_BY_KEY["w"].label, "w", 5)  # with the stride still 2
    expect(page).to_have_url(re.compile(r"[?&]s=2(&|$)"))
    expect(_metric(page, "Output")).to_have_text("14×14×10")  # floor((32 − 5) / 2) + 1
    _toggle(page, ADVANCED)
    expect(slider_locator(page, STRIDE)).to_have_value("2")


def test_every_product_table_is_built_when_opened(page: Page):
    open_app(page, "/?fig=window&k=1&c=1&w=3&H=5&W=5&bias=false")
    products = f".st-key-{PRODUCTS_EXPANDER}"
    expect(page.locator(products)).to_be_visible()
    expect(page.locator(f"{products} [data-testid='stDataFrame']")).to_have_count(0)
    _toggle(page, products)
    expect(page.locator(f"{products} [data-testid='stDataFrame']")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_compare_advanced_is_one_click_away_and_keeps_its_values_closed(page: Page):
    open_app(page, "/compare")
    _no_advanced_sliders(page)
    _toggle(page, ADVANCED)
    _step_right(page, STRIDE, "s", 2)
    wait_for_app_idle(page)
    _toggle(page, ADVANCED)  # closed: the stride still counts and stays in the link
    _no_advanced_sliders(page)
    _step_right(page, CONTROL_BY_KEY["k"].label, "k", 11)
    expect(page).to_have_url(re.compile(r"[?&]s=2(&|$)"))
    _toggle(page, ADVANCED)
    expect(slider_locator(page, STRIDE)).to_have_value("2")
    expect(page.locator(EXCEPTION)).to_have_count(0)
