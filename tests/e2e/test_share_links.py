"""A teacher's link, in a real browser: every URL-bound control of every page.

The matrix (tests/url_cases.py, built from the pages' ``*_CONTROLS``): for each control,
open the page with what the control needs (that link is itself a deep link: it must
settle with no warning), change the control with the mouse or keyboard as a student
would, copy the address bar, open it in a fresh browser context (a new student) and
compare everything the page shows: the main area's text, every widget's value and every
figure. The copied address is a deep link with a non-default value, so each cell checks
both directions of issue 11. On top, the explorer's kind x input type matrix through the
kind menu, and the network builder's stack.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from lib.conv import KINDS
from lib.network.grammar import serialise_net
from lib.network.presets import PRESETS
from lib.state import ADVANCED_EXPANDER, CONTROL_BY_KEY, DIMS
from tests.e2e.helpers import (EXCEPTION, WAIT_MS, choose_option, link_warning, open_app,
                               slider_locator, wait_for_app_idle)
from tests.url_cases import CHAINS, PAGES, LinkCase, chain_cases

#: Longest walk first: parallel workers start the long ones side by side (tests/conftest.py).
WALKS = sorted(CHAINS, key=lambda page: -len(list(chain_cases(page))))

#: Everything a student sees, read once the page and its figures have drawn.
_VIEW_JS = """() => {
  const text = sel => { const el = document.querySelector(sel); return el ? el.innerText : ''; };
  // every widget's value, also those inside a collapsed expander (hence not innerText)
  const inputs = [...document.querySelectorAll('[data-testid="stSidebarUserContent"] input,'
                                             + '[data-testid="stMain"] input')]
    .map(i => `${i.getAttribute('aria-label') || i.type}=`
              + (i.type === 'checkbox' || i.type === 'radio' ? i.checked : i.value));
  const figures = [...document.querySelectorAll('.js-plotly-plot')].map(p =>
    JSON.stringify([p.layout && p.layout.meta, p.layout && p.layout.title,
                    (p.data || []).length]));
  // A figure's own words are compared as a sorted list, in their place in the page's
  // text: plotly draws paper and 3D-scene annotations into one layer, in the order its
  // redraws happen to run, which differs between two loads of the same view.
  let main = text('[data-testid="stMain"]');
  const figureText = [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')]
    .map((p, i) => {
      const words = p.innerText || '';
      if (words && main.includes(words)) main = main.replace(words, `[figure ${i}]\\n`);
      return words.split('\\n').filter(line => line.trim()).sort();
    });
  return {main, inputs, figures, figureText};
}"""
#: Every element has loaded (no skeleton placeholders: a widget's code arrives lazily) and
#: every st.plotly_chart has drawn its figure.
_DRAWN_JS = """() => {
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]').length;
  const drawn = [...document.querySelectorAll('.js-plotly-plot')].filter(p => p._fullLayout);
  return drawn.length >= charts;
}"""


def settle(page: Page) -> None:
    wait_for_app_idle(page)
    page.wait_for_function(_DRAWN_JS)
    wait_for_app_idle(page)


def open_advanced(page: Page) -> None:
    """Open the explorer's Advanced expander if it is closed: its widgets are built only
    while it is open, and a link opens it only for non-default knobs. Opened on both
    sides of a comparison, the values of every knob are compared."""
    closed = page.locator(f".st-key-{ADVANCED_EXPANDER} details:not([open]) > summary")
    if closed.count():
        closed.first.click()
        expect(page.locator(f".st-key-{ADVANCED_EXPANDER} [data-testid='stSlider']").first
               ).to_be_visible()
        wait_for_app_idle(page)


def view(page: Page, timeout_s: float = WAIT_MS / 1000) -> dict:
    """The page's view once it has stopped changing (elements such as code blocks and
    figures keep drawing for a moment after the script run has finished). Bounded like
    every other wait (a busy CI machine drew one 3D page for over 20 s)."""
    deadline = time.monotonic() + timeout_s
    settle(page)
    open_advanced(page)
    last = page.evaluate(_VIEW_JS)
    changed: list[str] = []
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        settle(page)
        now = page.evaluate(_VIEW_JS)
        if now == last:
            return now
        changed = [part for part in now if now[part] != last[part]]
        last = now
    raise AssertionError(f"the page kept changing for {timeout_s:.0f} s ({changed} still "
                         f"changing): {page.url}")


def address(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def no_link_warning(page: Page) -> None:
    expect(link_warning(page)).to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def reveal(page: Page, control) -> None:
    """Advanced controls live in collapsed expanders: open the one that holds ``control``
    as a student would."""
    for where in ("stSidebar", "stMain"):  # controls sit in the sidebar; maps, tables below
        closed = page.locator(f'[data-testid="{where}"] [data-testid="stExpander"] '
                              'details:not([open]) > summary')
        for _ in range(closed.count()):  # each click opens one: the next closed is .first
            if page.get_by_label(control.label, exact=True).first.is_visible():
                return
            summary = closed.first.element_handle()  # (once open, it is no longer "closed")
            summary.click()
            # A lazy expander's widgets come with the rerun the click starts, and the idle
            # check alone can pass before that rerun has begun: wait for its content.
            page.wait_for_function(
                """s => s.parentElement.querySelector(
                       '[data-testid="stExpanderDetails"] [data-testid="stElementContainer"]')""",
                arg=summary, timeout=WAIT_MS)
            wait_for_app_idle(page)


def _label(case: LinkCase, choice: str) -> str:
    return case.control.label_of(choice)


def change(page: Page, case: LinkCase) -> None:
    """Change the case's control to ``case.value`` with the mouse or keyboard."""
    c = case.control
    reveal(page, c)
    if case.widget == "selectbox":
        choose_option(page, c.label, _label(case, case.value))
    elif case.widget == "radio":
        group = page.get_by_role("radiogroup", name=c.label, exact=True)
        group.get_by_text(_label(case, case.value), exact=True).click()
    elif case.widget == "toggle":
        switch = page.get_by_role("switch", name=c.label, exact=True)
        switch.focus()
        page.keyboard.press("Space")
    elif case.widget == "number":
        box = page.get_by_label(c.label, exact=True)
        box.fill(str(case.value))
        box.press("Enter")
    else:
        box = page.get_by_label(f"{c.label} (exact value)", exact=True)
        if box.count():  # a wide slider: type the exact value into its box
            box.fill(str(case.value))
            box.press("Enter")
        else:  # a short one: arrow keys on the focused thumb
            thumb = slider_locator(page, c.label)
            thumb.focus()
            steps = case.value - int(thumb.input_value())
            for _ in range(abs(steps)):
                page.keyboard.press("ArrowRight" if steps > 0 else "ArrowLeft")
    expect(page).to_have_url(re.compile(
        rf"[?&]{re.escape(c.key)}={re.escape(case.url_value)}(&|$)"))


def reopen_in_a_fresh_browser(page: Page, link: str, seen: dict, step: str) -> Page:
    """Open ``link`` as a new student would; it must show ``seen`` and keep the address."""
    student = page.context.browser.new_context(viewport=page.viewport_size)
    other = student.new_page()
    open_app(other, link)
    no_link_warning(other)
    assert view(other) == seen, f"{step}: {link} opened in a fresh browser shows another view"
    assert other.url == link, f"{step}: the address settled on {other.url}, not {link}"
    return other


@pytest.mark.timeout(900)  # one walk is a whole page's controls (~25 page loads)
@pytest.mark.parametrize("page_file", WALKS, ids=lambda p: p.split("/")[-1][:-3])
def test_change_copy_reopen_every_control(page: Page, page_file: str):
    """Walk every control of the page (tests/url_cases.CHAINS): after each change the
    address holds the new value, and opened in a fresh browser it is the same view, with
    no warning, and its settled address unchanged. The fresh page is where the walk goes
    on, so every copied link is also the next step's deep link."""
    current = page
    open_app(current, PAGES[page_file][0])
    no_link_warning(current)
    for n, case in enumerate(chain_cases(page_file), start=1):
        step = f"step {n}: {case.control.key}={case.url_value}"
        started = time.perf_counter()
        change(current, case)
        seen = view(current)
        assert address(current)[case.control.key] == [case.url_value], step
        fresh = reopen_in_a_fresh_browser(current, current.url, seen, step)
        print(f"{page_file} {step}: {time.perf_counter() - started:.1f} s")
        if current is not page:
            current.context.close()
        current = fresh
    current.context.close()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("dims", DIMS)
def test_every_kind_through_the_menu_in_every_input_type(page: Page, dims: str):
    """Explorer: pick each kind in the menu; each copied address reopens that view (also
    for a kind that has no layer in this input type: the reason shows in both)."""
    kind_control = CONTROL_BY_KEY["kind"]
    open_app(page, f"/?dims={dims}")
    for kind in (*KINDS[1:], KINDS[0]):
        change(page, LinkCase("pages/explorer.py", kind_control, kind))
        seen = view(page)
        assert address(page).get("dims", ["2D"]) == [dims]
        reopen_in_a_fresh_browser(page, page.url, seen, f"{kind} in {dims}").context.close()


def test_the_network_stack_travels_in_the_link(page: Page):
    open_app(page, "/network")  # its address already holds the default preset's net=
    preset = list(PRESETS.values())[1]
    choose_option(page, "Preset", preset.label)
    # wait for this preset's own stack in the address, not for any net=
    page.wait_for_function("want => new URLSearchParams(location.search).get('net') === want",
                           arg=serialise_net(preset.spec), timeout=WAIT_MS)
    seen = view(page)
    reopen_in_a_fresh_browser(page, page.url, seen, "network preset").context.close()


def test_an_old_label_link_opens_silently_and_is_rewritten(page: Page):
    open_app(page, "/?kind=Depthwise+separable+%28Keras%29&fig=Sliding+window")
    no_link_warning(page)
    settle(page)
    assert address(page)["kind"] == ["separable_keras"]
    assert address(page)["fig"] == ["window"]


def test_the_back_button_restores_the_previous_view(page: Page):
    open_app(page, "/?kind=transposed&s=2")
    choose_option(page, "Conv kind", "Depthwise conv")
    expect(page).to_have_url(re.compile(r"kind=depthwise"))
    settle(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"kind=transposed"))
    expect(page.get_by_role("combobox", name="Conv kind")).to_have_value(
        CONTROL_BY_KEY["kind"].label_of("transposed"))
    no_link_warning(page)


def test_the_walks_cover_every_page_and_control():
    walked = {(page, key) for page, steps in CHAINS.items() for key, _ in steps}
    assert walked == {(page, c.key) for page, (_, _, controls) in PAGES.items()
                      for c in controls}
