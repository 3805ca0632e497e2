"""WCAG 2.1 AA in a real browser: axe-core on every page, at every classroom viewport.

axe-core (vendored, ``tests/e2e/vendor/``; see its README for why) is injected into each
settled page and run with the rules tagged wcag2a, wcag2aa, wcag21a and wcag21aa. Any
violation of impact *serious* or *critical* fails the test, and the message lists every
violation (rule, impact, how many elements, the first elements' selectors and axe's
explanation), so a failure says what to fix.

Cases: the six pages at 1440x900 (laptop), 1024x768 (projector) and 390x844 (phone), and
the states that put other elements on a page: every explorer figure, 1D / 3D inputs,
kinds whose explanation, notes or figure differ, an impossible layer (error alert), the
advanced controls open, an answered quiz question (success / error alerts), the network
builder's charts tab and the other proofs.

Speed: one server for the session (``streamlit_server``), one browser (pytest-playwright's
session ``browser``), a new context per case; every wait is for a state, never a sleep.
``A11Y_REPORT=path.jsonl`` appends what each case found (all impacts) for the notes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import EXCEPTION, WAIT_MS, open_app, wait_for_app_idle

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = {"serious", "critical"}
VIEWPORTS = {"1440x900": (1440, 900), "1024x768": (1024, 768), "390x844": (390, 844)}
#: path -> how many plotly charts the page draws on first view (wait for them: axe must
#: see the page as a student does, figures included).
PAGES = {
    "/": 1,
    "/compare": 1,
    "/walkthrough": 2,
    "/network": 2,       # the per-layer bars (in the hidden "Charts" tab)
    "/quiz": 0,
    "/prove_it": 0,
}


def _open_expander(page: Page) -> None:
    """Open the first expander unless it is open (a link with a non-default advanced knob
    opens the explorer's "Advanced" by itself; a click would close it)."""
    first = page.get_by_test_id("stExpander").first
    if first.locator("details:not([open])").count():
        first.locator("summary").click()
    expect(first.get_by_test_id("stExpanderDetails")).to_be_visible()
    expect(first.get_by_test_id("stSlider").first).to_be_visible()


def _answer_quiz(page: Page) -> None:
    page.locator(".st-key-choice_0 button").click()
    expect(page.locator('[data-testid="stAlertContentSuccess"], '
                        '[data-testid="stAlertContentError"]')).to_have_count(1)


def _charts_tab(page: Page) -> None:
    page.get_by_role("tab", name="Charts").click()
    expect(page.locator('[data-testid="stPlotlyChart"]:visible')).to_have_count(4)


#: (id, path, charts to wait for, an action after the page settled or None)
STATES: list[tuple[str, str, int, Callable[[Page], None] | None]] = [
    ("explorer-volume", "/?fig=volume", 1, None),
    ("explorer-window", "/?fig=window&or=3&oc=5", 1, None),
    ("explorer-params", "/?fig=params", 1, None),
    ("explorer-scaling", "/?fig=scaling&vary=filters", 1, None),
    ("explorer-1D-window", "/?dims=1D&fig=window", 1, None),
    ("explorer-1D-filters", "/?dims=1D&fig=filters", 1, None),
    ("explorer-3D-window", "/?dims=3D&fig=window", 1, None),
    ("explorer-3D-filters", "/?dims=3D&fig=filters", 1, None),
    ("explorer-separable-filters", "/?kind=separable_keras&fig=filters", 1, None),
    ("explorer-transposed-window", "/?kind=transposed&s=2&fig=window", 1, None),
    ("explorer-depthwise-volume", "/?kind=depthwise&fig=volume", 1, None),
    ("explorer-error", "/?kind=grouped&c=4&g=3&k=12", 0, None),
    ("explorer-link-warning", "/?k=lots", 1, None),
    ("explorer-advanced-open", "/?kind=grouped&c=6&g=3&k=12", 1, _open_expander),
    ("explorer-code-keras", "/?code=keras", 1, None),  # the highlighted code block
    ("explorer-code-summary", "/?kind=separable_keras&code=keras_summary", 1, None),
    ("compare-3D", "/compare?dims=3D", 1, None),
    ("quiz-answered", "/quiz?seed=7&level=hard", 0, _answer_quiz),
    ("network-charts", "/network?net=in32x32x3,c3x3-16-same,sep3x3-32-same,gap,d10", 4,
     _charts_tab),
    ("prove-im2col", "/prove_it?proof=im2col", 0, None),
    ("prove-transposed", "/prove_it?proof=transposed", 0, None),
]
STATE_VIEWPORT = "1024x768"


def run_axe(page: Page) -> list[dict]:
    """axe's violations on ``page`` for the WCAG 2.1 A/AA rules (each with its nodes)."""
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations'], elementRef: true});
            // WCAG 1.4.3 exempts the text of an inactive (disabled) control, e.g. the k
            // slider a depthwise conv does not use; axe cannot tell that the label belongs to it.
            const inactive = n => v => v.id === 'color-contrast' && n.element && (() => {
                const widget = n.element.closest('[data-testid="stElementContainer"]');
                return !!widget && !!widget.querySelector('[aria-disabled="true"], :disabled');
            })();
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.filter(n => !inactive(n)(v))
                              .map(n => ({target: n.target.join(' '),
                                          summary: n.failureSummary}))}))
              .filter(v => v.nodes.length > 0);
        }""", WCAG_TAGS)


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        for n in v["nodes"][:3]:
            lines.append(f"    {n['target']}: {(n['summary'] or '').splitlines()[-1][:160]}")
    return "\n".join(lines)


def _report(case: str, violations: list[dict]) -> None:
    path = os.environ.get("A11Y_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"case": case, "violations": [
                {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
                 "targets": [n["target"] for n in v["nodes"]][:5],
                 "summary": (v["nodes"][0]["summary"] or "")[:300] if v["nodes"] else ""}
                for v in violations]}) + "\n")


def check(browser: Browser, base_url: str, case: str, path: str, viewport: str,
          charts: int, action: Callable[[Page], None] | None = None) -> None:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  base_url=base_url)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        open_app(page, path)
        if charts:  # each chart's element, then plotly's drawing inside every one of them
            expect(page.get_by_test_id("stPlotlyChart")).to_have_count(charts)
            for i in range(charts):
                expect(page.get_by_test_id("stPlotlyChart").nth(i).locator(".main-svg").first
                       ).to_be_attached()
        if action is not None:
            action(page)
            wait_for_app_idle(page)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        violations = run_axe(page)
        _report(f"{case} @ {viewport}", violations)
        bad = [v for v in violations if v["impact"] in FAILING]
        assert not bad, (f"{case} at {viewport}: {len(bad)} serious/critical WCAG 2.1 AA "
                         f"violations\n{describe(violations)}")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_has_no_serious_violation(browser: Browser, base_url: str, path: str,
                                             viewport: str):
    check(browser, base_url, path, path, viewport, PAGES[path])


@pytest.mark.parametrize("case,path,charts,action", STATES, ids=[s[0] for s in STATES])
def test_every_page_state_has_no_serious_violation(browser: Browser, base_url: str, case: str,
                                                   path: str, charts: int, action):
    check(browser, base_url, case, path, STATE_VIEWPORT, charts, action)


def test_axe_finds_a_contrast_violation_it_should(browser: Browser, base_url: str):
    """The check can fail: grey-on-grey text added to a real page is reported as serious."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        open_app(page, "/quiz")
        # On top of everything (a rerun cannot replace it, nothing covers it).
        page.evaluate("""() => { const p = document.createElement('p');
            p.textContent = 'low contrast'; p.style.color = '#999999';
            Object.assign(p.style, {background: '#aaaaaa', position: 'fixed', top: '40%',
                                    left: '40%', zIndex: '999999', padding: '8px'});
            document.body.appendChild(p); }""")
        found = {v["id"]: v["impact"] for v in run_axe(page)}
        assert found.get("color-contrast") == "serious", found
    finally:
        context.close()
