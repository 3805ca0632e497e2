"""Every page in a real browser against the real server: one small test per behaviour.

Numbers are compared with ``lib.conv.analyze`` (the page must show what lib computes);
figures are read back from the live plotly div (``layout.meta`` records what was drawn).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lib.conv import analyze
from lib.text import fmt_int, fmt_shape
from tests.e2e.helpers import (EXCEPTION, choose_option, metric, open_app, slider_locator,
                               wait_for_app_idle)

PAGES = {
    "/": "Conv explorer",
    "/compare": "Compare conv kinds",
    "/walkthrough": "How many weights",
    "/network": "Network builder",
    "/quiz": "Quiz",
    "/prove_it": "Prove it",
    "/real_image": "On a real image",
}
CLASSIC = dict(kind="standard", k=10, w=4, c=3, H=32, W=32)
SLIDERS = {"k": "k — filters (output channels)", "w": "w — kernel size",
           "c": "c — input channels", "H": "H — input height", "W": "W — input width"}
_META_JS = """() => { const el = document.querySelector('.js-plotly-plot');
                      return el && el.layout ? el.layout.meta : null; }"""


def figure_meta(page: Page) -> dict:
    page.wait_for_function(f"() => ({_META_JS})() !== null")
    return page.evaluate(_META_JS)


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_loads_without_an_error(page: Page, path: str):
    open_app(page, path)
    expect(page.locator("h1").first).to_contain_text(PAGES[path])
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


@pytest.mark.parametrize("key", list(SLIDERS))
def test_explorer_slider_updates_numbers_and_figure(page: Page, key: str):
    open_app(page, "/?fig=Filters")
    expect(metric(page, "Parameters")).to_have_text("490")
    before = figure_meta(page)
    slider = slider_locator(page, SLIDERS[key])
    slider.focus()
    page.keyboard.press("ArrowRight")
    expected = analyze(**{**CLASSIC, key: CLASSIC[key] + 1})
    expect(metric(page, "Parameters")).to_have_text(fmt_int(expected.params))
    expect(metric(page, "Output")).to_have_text(fmt_shape(expected.output_shape))
    wait_for_app_idle(page)
    after = figure_meta(page)
    if key in ("k", "w", "c"):  # the filters themselves change
        assert after != before
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_compare_slider_updates_the_table(page: Page):
    open_app(page, "/compare")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("k = 10 filters")
    slider_locator(page, SLIDERS["k"]).focus()
    page.keyboard.press("ArrowRight")
    expect(slider_locator(page, SLIDERS["k"])).to_have_value("11")  # (the browser's own)
    expect(main).to_contain_text("k = 11 filters")  # the rerun's table and caption
    wait_for_app_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_walkthrough_shows_the_seed_numbers(page: Page):
    open_app(page, "/walkthrough")
    body = page.get_by_test_id("stMain")
    for text in ("490", "29×29×10", "170", "88", "91"):
        expect(body).to_contain_text(text)


def test_a_garbage_link_warns_and_the_page_still_works(page: Page):
    open_app(page, "/?k=lots&kind=%3Cscript%3Ealert(1)%3C/script%3E&H=-5&w=2.5")
    warning = page.get_by_test_id("stAlertContentWarning").first
    expect(warning).to_contain_text("k=")
    expect(warning).to_contain_text("kind=")
    expect(warning).to_contain_text("H=")
    expect(page.locator("script:text('alert(1)')")).to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    slider_locator(page, SLIDERS["H"]).focus()
    page.keyboard.press("ArrowRight")
    expect(slider_locator(page, SLIDERS["H"])).to_have_value("2")  # (the browser's own)
    expect(page).to_have_url(re.compile(r"[?&]H=2(&|$)"))  # the rerun wrote it
    wait_for_app_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_the_kind_selector_switches_the_figure(page: Page):
    open_app(page, "/?fig=Filters")
    before = figure_meta(page)
    choose_option(page, "Conv kind", "Depthwise separable (Keras)")
    expect(metric(page, "Parameters")).to_have_text("88")
    wait_for_app_idle(page)
    after = figure_meta(page)
    assert after != before
    assert len(after.get("stages", after.get("filters_drawn", []))) >= 1
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_an_impossible_layer_shows_the_rule_and_controls_keep_working(page: Page):
    open_app(page, "/?kind=grouped&c=4&g=3&k=12")
    expect(page.get_by_test_id("stAlertContentError").first).to_contain_text(
        "groups=3 must divide c=4")
    slider_locator(page, SLIDERS["c"]).focus()
    page.keyboard.press("ArrowRight")  # c=5: still not divisible by 3
    page.keyboard.press("ArrowRight")  # c=6: divisible
    expected = analyze(kind="grouped", k=12, w=4, c=6, H=32, W=32, groups=3)
    expect(metric(page, "Parameters")).to_have_text(fmt_int(expected.params))


def test_the_window_position_slider_moves_the_window(page: Page):
    open_app(page, "/?fig=Sliding+window&or=3&oc=5")
    assert figure_meta(page)["position"] == [3, 5]
    slider_locator(page, "Output column").focus()
    page.keyboard.press("ArrowRight")
    expect(slider_locator(page, "Output column")).to_have_value("6")
    page.wait_for_function(f"() => {{ const m = ({_META_JS})(); "
                           f"return m && m.position && m.position[1] === 6; }}")
    expect(metric(page, "Parameters")).to_have_text("490")
    expect(page).to_have_url(re.compile(r"oc=6"))
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_the_network_charts_number_each_layer_once(page: Page):
    """The per-layer bars tick whole layer numbers, each once (the axis once printed
    "0 1 1 2 2 3 … 6" under the default 5-layer stack)."""
    open_app(page, "/network")
    page.get_by_role("tab", name="Charts").click()
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".filter(p => p._fullLayout && p.offsetWidth > 0).length >= 2")
    layers = int(metric(page, "Layers").inner_text())
    for chart in page.locator(".js-plotly-plot").all():
        if not chart.is_visible():
            continue
        ticks = [t.strip() for t in chart.locator(".xtick text").all_text_contents()]
        assert ticks and len(ticks) == len(set(ticks)), ticks
        assert all(t.isdigit() and 1 <= int(t) <= layers for t in ticks), (ticks, layers)
    expect(page.locator(EXCEPTION)).to_have_count(0)
