"""The geometry checks of tests/e2e/layout.py can fail: a figure built to break each rule is
flagged for that rule, and a tidy figure is not.

Drawn with the plotly.js bundled in the plotly Python package on a blank page (no server):
the checks only read boxes and font sizes, which both plotly.js versions draw the same way.
"""

from __future__ import annotations

from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest
from playwright.sync_api import Browser

from tests.e2e.layout import check_figures

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@pytest.fixture(scope="module")
def blank(browser: Browser):
    page = browser.new_page(viewport=dict(width=800, height=600))
    page.set_content("<html><body style='margin:0'></body></html>")
    page.add_script_tag(path=str(PLOTLY_JS))
    yield page
    page.close()


def _draw(page, fig: go.Figure, width: int = 400, height: int = 300) -> list[dict]:
    page.evaluate("""([spec, w, h]) => {
        document.body.innerHTML = '';
        const div = document.createElement('div');
        div.id = 'fig'; div.style.width = w + 'px'; div.style.height = h + 'px';
        document.body.appendChild(div);
        const f = JSON.parse(spec);
        f.layout.width = w; f.layout.height = h;
        return Plotly.newPlot(div, f.data, f.layout, {staticPlot: false});
    }""", [fig.to_json(), width, height])
    return check_figures(page)[0]["violations"]


def _checks(violations: list[dict]) -> set[str]:
    return {v["check"] for v in violations}


def _tidy() -> go.Figure:
    return go.Figure(go.Scatter(x=[0, 1, 2], y=[1, 3, 2], name="a"),
                     layout=dict(title=dict(text="Tidy", font=dict(size=16)),
                                 font=dict(size=12), showlegend=False,
                                 margin=dict(l=50, r=20, t=50, b=40)))


def test_a_tidy_figure_passes(blank):
    assert _draw(blank, _tidy()) == []


def test_tiny_text_is_flagged(blank):
    fig = _tidy().update_layout(font=dict(size=9))
    v = _draw(blank, fig)
    assert "font" in _checks(v) and any("tick" in x["what"] for x in v)


def test_a_small_title_is_flagged(blank):
    fig = _tidy().update_layout(title_font_size=12)
    assert any(x["check"] == "font" and "title" in x["what"] for x in _draw(blank, fig))


def test_text_cut_at_the_edge_is_flagged(blank):
    fig = _tidy().update_layout(title=dict(
        text="A title far too long to fit in a figure only four hundred pixels wide"))
    assert "cut" in _checks(_draw(blank, fig))


def test_overlapping_texts_are_flagged(blank):
    fig = _tidy()
    fig.add_annotation(x=1, y=2, text="first note", showarrow=False)
    fig.add_annotation(x=1, y=2, text="second note", showarrow=False)
    assert "overlap" in _checks(_draw(blank, fig))


def test_a_legend_on_the_data_is_flagged(blank):
    fig = _tidy().update_layout(showlegend=True, legend=dict(x=0.5, y=0.5))
    fig.add_scatter(x=[0, 2], y=[2, 2], name="b")
    assert "legend-over-data" in _checks(_draw(blank, fig))


def test_a_legend_below_the_plot_passes(blank):
    fig = _tidy().update_layout(showlegend=True, legend=dict(
        orientation="h", yref="container", y=0, yanchor="bottom"), margin=dict(b=80))
    fig.add_scatter(x=[0, 2], y=[2, 2], name="b")
    assert _draw(blank, fig) == []


def test_3d_points_outside_the_scene_are_flagged(blank):
    base = dict(x=[0, 10], y=[0, 0], z=[0, 0], mode="markers")
    scene = dict(aspectmode="manual", aspectratio=dict(x=6, y=1, z=1),
                 camera=dict(eye=dict(x=0, y=-2, z=0), projection=dict(type="orthographic")))
    fig = go.Figure(go.Scatter3d(**base), layout=dict(scene=scene, font=dict(size=12),
                                                    margin=dict(l=0, r=0, t=0, b=0)))
    assert "outside" in _checks(_draw(blank, fig))
    fig.update_layout(scene_aspectratio=dict(x=1, y=1, z=1))
    assert "outside" not in _checks(_draw(blank, fig))


def test_tiny_3d_labels_are_flagged(blank):
    fig = go.Figure(go.Scatter3d(x=[0], y=[0], z=[0], mode="text", text=["label"],
                                 textfont=dict(size=8)),
                    layout=dict(font=dict(size=12), margin=dict(l=0, r=0, t=0, b=0)))
    assert any(x["check"] == "font" and "scene text" in x["what"] for x in _draw(blank, fig))
