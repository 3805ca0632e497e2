"""A hand-written link with a key the page does not have, in a real browser.

``groups=2`` where the explorer's key is ``g`` used to open with 1 group and no word about
it. The page now names the key it ignored and the setting it most likely meant, shows the
rest of the link, and a page switch from the sidebar (whose address has no keys of the
other page) warns about nothing.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from lib.conv import analyze
from lib.text import fmt_int
from tests.e2e.helpers import EXCEPTION, link_warning, metric, open_app, wait_for_app_idle


def test_a_wrong_key_is_named_with_the_key_it_meant(page: Page):
    open_app(page, "/?k=12&groups=2")
    warning = link_warning(page)
    expect(warning).to_contain_text(
        "groups is not a setting of this page, so it was ignored; did you mean g= for groups?")
    # the key and the suggestion are code, not markup
    expect(warning.locator("code")).to_have_text(["groups", "g="])
    expect(metric(page, "Parameters")).to_have_text(fmt_int(analyze("standard", k=12, w=4, c=3, H=32,
                                                       W=32).params))
    expect(page).to_have_url(re.compile(r"k=12"))
    assert "groups" not in page.url  # the settled address is the view's own
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_page_switch_from_the_sidebar_warns_about_nothing(page: Page):
    open_app(page, "/?kind=depthwise&k=20&fig=volume")
    expect(link_warning(page)).to_have_count(0)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile(r"Compare$")).click()
    expect(page).to_have_url(re.compile(r"/compare"))
    page.get_by_test_id("stMain").locator("h1").first.wait_for()
    wait_for_app_idle(page)
    expect(page.get_by_test_id("stMain")).to_contain_text("k = 20 filters")
    expect(link_warning(page)).to_have_count(0)
    assert not re.search(r"[?&](kind|fig)=", page.url), page.url
    expect(page.locator(EXCEPTION)).to_have_count(0)
