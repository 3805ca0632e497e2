"""AppTest: every plotly figure on every page has its text alternative right after it.

A screen reader reads the page in order; the sentence ("Figure: …", ``lib.alt_text``) must
be the element that follows each chart, as plain text (a caption), in the same column.
Covered: every page of app.py in its default view, every explorer figure id with several
kinds at 1D, 2D and 3D, the walkthrough's steps, the network builder's charts tab and
comparison, and every prove-it proof.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.alt_text import PREFIX
from lib.conv import analyze
from lib.numeric import PROVE_IT_CONTROLS
from lib.state import FIGURES
from lib.text import fmt_int

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ("explorer", "compare", "walkthrough", "network", "quiz", "prove_it")
#: The kinds whose figures differ most (one stage, two stages, scattered, shared channels).
KINDS = ("standard", "separable_pytorch", "transposed", "shared_channels")


def _open(path: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"pages/{path}.py")
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _children(node) -> list:
    kids = getattr(node, "children", None)
    return [kids[i] for i in sorted(kids)] if isinstance(kids, dict) else []


def figures_and_texts(at: AppTest) -> list[tuple[object, str | None]]:
    """Every plotly chart in page order, with the caption right after it (or None)."""
    found = []

    def walk(node) -> None:
        kids = _children(node)
        for i, kid in enumerate(kids):
            if getattr(kid, "type", None) == "plotly_chart":
                after = kids[i + 1] if i + 1 < len(kids) else None
                text = after.value if getattr(after, "type", None) == "caption" else None
                found.append((kid, text))
            walk(kid)

    walk(at._tree)
    return found


def assert_every_figure_has_its_text(at: AppTest) -> list[str]:
    assert not at.exception, at.exception
    pairs = figures_and_texts(at)
    texts = []
    for chart, text in pairs:
        assert text is not None and text.startswith(PREFIX), (
            f"a plotly chart has no '{PREFIX}…' caption right after it (got {text!r})")
        assert any(ch.isdigit() for ch in text), text  # the sentence says the numbers
        texts.append(text)
    return texts


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_text_for_every_figure(page):
    at = _open(page)
    texts = assert_every_figure_has_its_text(at)
    if page != "quiz":  # the quiz draws no figure; every other page does
        assert texts, f"{page}: no figure found"


@pytest.mark.parametrize("dims", ["1D", "2D", "3D"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fig", FIGURES)
def test_every_explorer_figure_kind_and_rank_has_its_text(fig, kind, dims):
    at = _open("explorer", {"fig": fig, "kind": kind, "dims": dims, "or": "2", "oc": "3"})
    texts = assert_every_figure_has_its_text(at)
    charts = figures_and_texts(at)
    infos = " ".join(x.value for x in at.info)
    assert len(charts) == 1 or "does not draw" in infos, (fig, kind, dims, infos)
    if fig in ("filters", "params") and texts:
        sizes = {"1D": dict(W=32), "2D": dict(H=32, W=32), "3D": dict(D=16, H=32, W=32)}[dims]
        r = analyze(kind, k=10, w=4, c=3, **sizes)
        assert f"{fmt_int(r.params)} parameters in all" in texts[0], texts[0]


def test_the_explorer_text_follows_the_sliders():
    """It can fail: another k gives another sentence with lib's numbers."""
    at = _open("explorer", {"fig": "filters"})
    before = assert_every_figure_has_its_text(at)
    at.slider(key="k").set_value(11).run()
    after = assert_every_figure_has_its_text(at)
    r = analyze("standard", k=11, w=4, c=3, H=32, W=32)
    assert after != before
    assert f"{fmt_int(r.stages[0].weight_params)} weights in 11 blocks" in after[0]


def test_the_window_text_follows_the_position_sliders():
    at = _open("explorer", {"fig": "window", "or": "3", "oc": "5"})
    (text,) = assert_every_figure_has_its_text(at)
    assert "output row 3, column 5" in text and "▶ play" in text
    at.slider(key="oc").set_value(6).run()
    (text,) = assert_every_figure_has_its_text(at)
    assert "output row 3, column 6" in text


def test_the_network_charts_and_comparison_have_texts():
    at = _open("network", {"net": "in32x32x3,c3x3-16-same,sep3x3-32-same,gap,d10"})
    texts = assert_every_figure_has_its_text(at)
    assert len(texts) == 4, texts  # 2 bars in the charts tab + 2 comparison charts
    assert any("depthwise separable next to standard" in t for t in texts)


@pytest.mark.parametrize("proof", next(c for c in PROVE_IT_CONTROLS if c.key == "proof").choices)
def test_every_proof_has_texts_for_its_heatmaps(proof):
    at = _open("prove_it", {"proof": proof})
    assert_every_figure_has_its_text(at)
