"""The explorer's code menu in a real browser.

The code is shown on request (``lib.state.CODE_VIEWS``: the block was ~1 s of a first
visit, issue 14), so a first visit sends no code block; each menu entry must show its own
code, keep it across slider moves, and a copied link must reopen the same code.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib import snippets
from lib.state import (ADVANCED_EXPANDER, CODE_CONTROL, EXPLORER_CONTROLS, analyze_or_error,
                       conv_kwargs)
from tests.e2e.helpers import EXCEPTION, open_app, slider_locator, wait_for_app_idle

CODE = '[data-testid="stCode"]'
TEXTS = {"keras": snippets.keras_code, "pytorch": snippets.pytorch_code,
         "keras_summary": snippets.keras_summary, "torchinfo": snippets.torchinfo_summary}


def _expected(choice: str, **changes: object) -> str:
    values = {c.key: c.default for c in EXPLORER_CONTROLS} | {"kind": "separable_pytorch"}
    r, error = analyze_or_error(conv_kwargs(values | changes))
    assert r is not None, error
    return "\n".join(line.rstrip() for line in TEXTS[choice](r).strip().splitlines())


def _shown(page: Page) -> list[str]:
    return ["\n".join(line.rstrip() for line in text.strip().splitlines())
            for text in page.locator(CODE).all_inner_texts()]


#: The code block's text, normalised as ``_shown`` does, equals ``want``.
_SHOWS_JS = """([sel, want]) => { const el = document.querySelector(sel);
  return !!el && el.innerText.trim().split('\\n').map((l) => l.trimEnd()).join('\\n') === want; }"""


def _wait_for_code(page: Page, want: str) -> None:
    """A menu click reruns the code fragment, and the app can read idle before that rerun
    has started. Wait for the block to change first; on a timeout the caller's assert
    shows the difference."""
    try:
        page.wait_for_function(_SHOWS_JS, arg=[CODE, want], timeout=30_000)
    except PlaywrightTimeout:
        pass


def _choose(page: Page, choice: str) -> None:
    menu = page.get_by_role("radiogroup", name=CODE_CONTROL.label, exact=True)
    menu.get_by_text(CODE_CONTROL.label_of(choice), exact=True).click()


def test_a_first_visit_sends_no_code_block(page: Page):
    open_app(page, "/")
    expect(page.get_by_role("radiogroup", name=CODE_CONTROL.label, exact=True)).to_be_visible()
    # The sidebar is drawn after the main column: once its last element shows, a code
    # block sent in this run would be on the page too (an absence needs that anchor).
    expect(page.locator(f".st-key-{ADVANCED_EXPANDER}")).to_be_visible()
    wait_for_app_idle(page)
    expect(page.locator(CODE)).to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)


@pytest.mark.parametrize("choice", list(TEXTS))
def test_each_menu_entry_shows_its_own_code_and_the_link_keeps_it(page: Page, choice: str):
    open_app(page, "/?kind=separable_pytorch")
    _choose(page, choice)
    want = _expected(choice)
    _wait_for_code(page, want)
    wait_for_app_idle(page)
    expect(page.locator(CODE)).to_have_count(1)
    assert _shown(page) == [want]
    expect(page).to_have_url(re.compile(rf"[?&]code={choice}(&|$)"))
    link = page.url
    page.goto("about:blank")
    open_app(page, link)  # the copied link, in a new session
    _wait_for_code(page, want)
    assert _shown(page) == [want]
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_the_chosen_code_stays_and_follows_a_slider_move(page: Page):
    open_app(page, "/?kind=separable_pytorch&code=pytorch")
    wait_for_app_idle(page)
    slider = slider_locator(page, "k — filters (output channels)")
    slider.focus()
    page.keyboard.press("ArrowRight")  # k: 10 -> 11
    expect(slider).to_have_value("11")
    want = _expected("pytorch", k=11)
    _wait_for_code(page, want)
    wait_for_app_idle(page)
    expect(page.locator(CODE)).to_have_count(1)
    assert _shown(page) == [want]


def test_hiding_the_code_removes_the_block(page: Page):
    open_app(page, "/?code=keras")
    expect(page.locator(CODE)).to_have_count(1)
    _choose(page, "none")
    expect(page.locator(CODE)).to_have_count(0)
    wait_for_app_idle(page)
    expect(page).not_to_have_url(re.compile(r"[?&]code="))
    expect(page.locator(EXCEPTION)).to_have_count(0)
