"""Every figure of every page, measured as drawn in Chromium at the three viewports.

The matrix: every case of tests/figure_cases.py (every page's figures, every kind,
1D/2D/3D where the kind exists, plus the long-note settings) at the slot width the real app
gives it on a laptop (1440x900), a classroom projector (1024x768) and a phone (390x844).
Cases are drawn by a bare Streamlit page (tests/e2e/figure_harness_app.py: Streamlit's own
plotly.js and theme), a few per page load, each at the three widths, and measured with
tests/e2e/layout.py (text cut at the edge, overlapping texts, legend over data, text under
12 px / titles under 14 px, drawn elements outside the frame).

A second, small pass opens the real app: the slot widths assumed by the matrix must be the
ones Streamlit really gives (so the numbers cannot drift), and the figures of each page as
a student first sees them must pass the same checks.
"""

from __future__ import annotations

import warnings

import pytest
from playwright.sync_api import Browser, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.helpers import open_app, wait_for_app_idle
from tests.e2e.layout import check_figures, describe
from tests.figure_cases import SLOT_WIDTHS, VIEWPORTS, figure_cases
from tools.serve import REPO_ROOT, WAIT_MS, streamlit_server

HARNESS = REPO_ROOT / "tests" / "e2e" / "figure_harness_app.py"
CASES = figure_cases()
#: Cases per page load: each is drawn at three widths; 3D scenes each hold a WebGL
#: context and Chromium keeps only 16 per page (SVG figures have no such limit).
BATCH, BATCH_3D = 8, 4
#: Builders that draw WebGL scenes: fewer of them a page load.
WEBGL_BUILDERS = ("filter_tensor_figure",)
#: Pixels the measured slot width may differ from SLOT_WIDTHS (scrollbars, rounding).
WIDTH_SLACK = 2

_READY_JS = """(n) => {
  const gds = [...document.querySelectorAll('.js-plotly-plot')];
  if (gds.length !== n) return false;
  return gds.every(gd => gd._fullLayout && gd.querySelector('.main-svg') &&
     Object.keys(gd._fullLayout).filter(k => /^scene\\d*$/.test(k))
       .every(k => gd._fullLayout[k]._scene && gd._fullLayout[k]._scene.glplot &&
                   gd._fullLayout[k]._scene.glplot.cameraParams));
}"""
#: The real app's figures drawn: as many plotly graphs as chart elements *now* (the count is
#: read on every poll, so a chart added or replaced late cannot leave the wait counting the
#: old number), each with its SVG and any 3D scene's camera.
_PAGE_READY_JS = """() => {
  const n = document.querySelectorAll('[data-testid=stPlotlyChart]').length;
  return n > 0 && (%s)(n);
}""" % _READY_JS
#: What a page's figures look like when they are not drawn: for the failure message.
_FIGURE_STATE_JS = """() => ({
  charts: document.querySelectorAll('[data-testid=stPlotlyChart]').length,
  plots: [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
    layout: !!gd._fullLayout, svg: !!gd.querySelector('.main-svg'),
    scenes: gd._fullLayout ? Object.keys(gd._fullLayout).filter(k => /^scene\\d*$/.test(k))
      .map(k => !!(gd._fullLayout[k]._scene && gd._fullLayout[k]._scene.glplot &&
                   gd._fullLayout[k]._scene.glplot.cameraParams)) : []})),
  script: (document.querySelector('[data-testid=stApp]') || {dataset: {}}).dataset.testScriptState,
})"""


def _wait_until_drawn(page, url: str, where: str, tries: int = 3) -> None:
    """Scroll every chart into view (a 3D scene below the fold starts when shown) and wait
    until all are drawn. A try that times out reloads the page: a chart added after the
    scroll, or a WebGL scene whose context Chromium dropped (a long CI run's shared browser
    has made hundreds), gets a fresh start. After ``tries`` the test fails and says which
    figure was not drawn and what the browser logged."""
    logged: list[str] = []

    def log(m):
        logged.append(f"{m.type}: {m.text}"[:200])

    charts = page.get_by_test_id("stPlotlyChart")
    page.on("console", log)
    try:
        for attempt in range(tries):
            if attempt:
                open_app(page, url)
                charts.first.wait_for()
            for i in range(charts.count()):
                charts.nth(i).scroll_into_view_if_needed()
            try:
                page.wait_for_function(_PAGE_READY_JS, polling=100, timeout=WAIT_MS // tries)
                if attempt:  # shown in pytest's summary (-ra), so a flaky draw is not hidden
                    warnings.warn(f"{where}: figures drawn only after {attempt} reload(s); "
                                  f"browser log: {logged[-10:]}", stacklevel=2)
                return
            except PlaywrightTimeout:
                pass
    finally:
        page.remove_listener("console", log)
    raise AssertionError(f"{where}: figures not drawn in {tries} loads of "
                         f"{WAIT_MS // tries} ms: {page.evaluate(_FIGURE_STATE_JS)}; "
                         f"browser log: {logged[-10:]}")


#: The explorer's longest metric values ("63×1,023×1,021×509", "1.1 P"): they must wrap
#: to the next line, not be cut.
WIDEST_METRICS = "/?dims=3D&D=63&H=1023&W=1021&k=511&c=509&fig=params"
#: Metric values and labels drawn narrower than their text (Streamlit ends them with "…").
_CUT_METRICS_JS = """() => [...document.querySelectorAll(
    '[data-testid=stMetricValue], [data-testid=stMetricLabel]')]
  .flatMap(m => [m, ...m.querySelectorAll('*')])
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""


def _batches() -> list:
    """Cases by slot (one width set a page), the WebGL ones apart, as pytest params."""
    groups: dict[tuple[str, bool], list] = {}
    for case in CASES:
        groups.setdefault((case.slot, case.builder in WEBGL_BUILDERS), []).append(case)
    out = []
    for (slot, webgl), cases in groups.items():
        size = BATCH_3D if webgl else BATCH
        for i in range(0, len(cases), size):
            batch = cases[i:i + size]
            out.append(pytest.param(batch, id=f"{slot}-{batch[0].id}+{len(batch) - 1}"))
    return out


BATCHES = _batches()


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    with streamlit_server(HARNESS, log_dir=tmp_path_factory.mktemp("harness-log")) as server:
        yield server.url


@pytest.fixture(scope="module")
def harness_page(browser: Browser, harness):
    ctx = browser.new_context(viewport=dict(width=1440, height=900))
    ctx.set_default_timeout(WAIT_MS)
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.mark.timeout(600)  # the first batch waits for the server and Streamlit's plotly.js
@pytest.mark.parametrize("batch", BATCHES)
def test_every_figure_fits_at_every_viewport(harness_page, harness, batch):
    widths = sorted({SLOT_WIDTHS[batch[0].slot][v] for v in VIEWPORTS}, reverse=True)
    page = harness_page
    page.goto("about:blank")  # drop the last batch's WebGL scenes first
    page.goto(f"{harness}/?ids={','.join(c.id for c in batch)}"
              f"&widths={','.join(map(str, widths))}")
    page.get_by_text("harness done").wait_for(timeout=3 * WAIT_MS)
    wait_for_app_idle(page, timeout=3 * WAIT_MS)
    page.wait_for_function(_READY_JS, arg=len(batch) * len(widths), polling=100,
                           timeout=3 * WAIT_MS)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                  "requestAnimationFrame(r)))")
    results = check_figures(page)
    bad = {r["id"]: r["violations"] for r in results if r["violations"]}
    assert not bad, "\n\n".join(f"{fid}:\n{describe(v)}" for fid, v in bad.items())


@pytest.mark.timeout(600)
def test_slot_widths_match_the_real_app(browser: Browser, base_url):
    """The widths the matrix draws at are the ones Streamlit gives each slot."""
    probes = {"explorer": "/", "full": "/compare", "half": "/prove_it"}
    for view, (w, h) in VIEWPORTS.items():
        ctx = browser.new_context(viewport=dict(width=w, height=h))
        ctx.set_default_timeout(WAIT_MS)
        page = ctx.new_page()
        try:
            for slot, path in probes.items():
                open_app(page, f"{base_url}{path}")
                chart = page.get_by_test_id("stPlotlyChart")
                expect(chart.first).to_be_visible()
                got = page.evaluate("""() => [...document.querySelectorAll(
                    '[data-testid=stPlotlyChart]')].map(e => e.getBoundingClientRect().width)""")
                want = SLOT_WIDTHS[slot][view]
                assert any(abs(g - want) <= WIDTH_SLACK for g in got), (
                    f"{slot} slot at {view} {w}x{h}: charts are {got} px wide, the layout "
                    f"matrix assumes {want} px (update tests/figure_cases.py SLOT_WIDTHS)")
        finally:
            ctx.close()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("view", list(VIEWPORTS))
def test_real_pages_pass_the_same_checks(browser: Browser, base_url, view):
    """Each page with figures, as first opened, in the real app: the figure checks, and no
    metric value or label cut short ("29×29…" for 29×29×10 on a projector)."""
    w, h = VIEWPORTS[view]
    ctx = browser.new_context(viewport=dict(width=w, height=h))
    ctx.set_default_timeout(WAIT_MS)
    page = ctx.new_page()
    problems = []
    try:
        for path in ("/", "/?fig=window", "/?fig=scaling", WIDEST_METRICS, "/compare",
                     "/walkthrough", "/prove_it", "/network"):
            open_app(page, f"{base_url}{path}")
            if path == "/network":  # its charts wait in a closed tab: its metrics only
                page.get_by_test_id("stMetricValue").first.wait_for()
                wait_for_app_idle(page)
            else:
                page.get_by_test_id("stPlotlyChart").first.wait_for()
                wait_for_app_idle(page)
                _wait_until_drawn(page, f"{base_url}{path}", f"{path} @ {view}")
                wait_for_app_idle(page)
                for r in check_figures(page):
                    if r["violations"]:
                        problems.append(f"{path} @ {view}:\n{describe(r['violations'])}")
            problems += [f"{path} @ {view}: metric cut to fit: {t!r}"
                         for t in page.evaluate(_CUT_METRICS_JS)]
    finally:
        ctx.close()
    assert not problems, "\n\n".join(problems)


