"""Click an output cell: the selection payload -> position, the explorer's written-out cell,
and every page's charts keeping plotly's camera button (download as PNG)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lib import numeric
from lib.cell import example_input, example_weights
from lib.conv import analyze
from lib.figures import CLICK_TRACE, sliding_window_frames, volume_figure
from lib.figures.volume import CELL_COLOR
from lib.state import clicked_position, position_values
from tests.figure_checks import front_faces, inside

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _open(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception
    return at


# ---------------------------------------------------------------------------
# The selection payload -> the position
# ---------------------------------------------------------------------------

def _click_trace(fig) -> tuple[int, object]:
    """(curve number, trace) of the see-through click markers."""
    curve = next(i for i, t in enumerate(fig.data) if t.name == CLICK_TRACE)
    trace = fig.data[curve]
    assert trace.marker.opacity < 0.05 and trace.showlegend is False
    return curve, trace


def _payload(trace, curve: int, i: int) -> dict:
    """What Streamlit reports for a click on marker ``i`` of ``trace`` (curve ``curve``)."""
    return {"points": [{"curve_number": curve, "point_number": i, "point_index": i,
                        "x": float(trace.x[i]), "y": float(trace.y[i]),
                        "customdata": [int(v) for v in trace.customdata[i]]}],
            "point_indices": [i], "box": [], "lasso": []}


@pytest.mark.parametrize("dims, position", [(dict(H=7, W=9), (2, 5)), (dict(W=11), (4,)),
                                            (dict(D=4, H=5, W=6), (0, 1, 3))])
def test_every_click_marker_maps_back_to_its_cell(dims, position):
    """Streamlit reports a click as the marker's point (x, y and customdata): each marker
    over an output cell gives that cell's row and column."""
    r = analyze("standard", k=2, w=3, c=2, **dims)
    fig = sliding_window_frames(r, position=position)
    curve, trace = _click_trace(fig)
    n_out = r.output_shape[:-1]
    for i, (x, y) in enumerate(zip(trace.x, trace.y)):
        pos = clicked_position(_payload(trace, curve, i))
        assert len(pos) == r.rank and all(0 <= p < n for p, n in zip(pos, n_out))
        if r.rank == 1:
            assert position_values(pos) == {"oc": pos[0]}
        else:  # the marker sits on the cell it names: x = column, y = row
            assert (pos[-2], pos[-1]) == (int(y), int(x))
            assert position_values(pos) == {"or": int(y), "oc": int(x)}


@pytest.mark.parametrize("dims, markers", [(dict(H=7, W=9), 35), (dict(W=11), 9),
                                           (dict(D=4, H=5, W=6), 12),
                                           (dict(H=300, W=1000), 31 * 32)])
def test_every_volume_click_marker_maps_back_to_its_cell(dims, markers):
    """A click on a volume figure marker moves the position sliders to a cell, and the
    figure drawn at those slider values highlights the cell under that marker."""
    r = analyze("standard", k=2, w=3, c=2, **dims)
    fig = volume_figure(r)
    curve, trace = _click_trace(fig)
    assert len(trace.x) == markers
    n_out = r.output_shape[:-1]
    step = max(1, len(trace.x) // 40)  # the large layer: every 40th marker, and the last
    for i in sorted(set(range(0, len(trace.x), step)) | {len(trace.x) - 1}):
        pos = clicked_position(_payload(trace, curve, i))
        assert len(pos) == r.rank and all(0 <= p < n for p, n in zip(pos, n_out))
        sliders = position_values(pos)  # what the page then draws
        shown = (sliders["or"], sliders["oc"]) if r.rank > 1 else (sliders["oc"],)
        moved = volume_figure(r, shown)
        assert moved.layout.meta["position"] == list(pos)
        (cell,) = front_faces(moved, CELL_COLOR)
        x, y = trace.x[i], trace.y[i]
        assert inside((x, y, x, y), cell), (i, pos, cell)


@pytest.mark.parametrize("payload", [None, {}, {"points": []},
                                     {"points": [{"x": 1, "y": 2}]},
                                     {"points": [{"customdata": ["1", "2"]}]},
                                     {"points": [{"customdata": [1.5, 2]}]},
                                     {"points": [{"customdata": [-1, 2]}]},
                                     {"points": ["junk"]}])
def test_clicks_elsewhere_are_ignored(payload):
    assert clicked_position(payload) is None


def test_a_typed_array_customdata_is_read_in_order():
    """What the browser sent for a numpy customdata row (seen in a real click)."""
    assert clicked_position({"points": [{"customdata": {"1": 2, "0": 4}}]}) == (4, 2)


def test_the_last_clicked_cell_wins():
    assert clicked_position({"points": [{"customdata": [1, 2]}, {"customdata": [3, 4]}]}) == (3, 4)


# ---------------------------------------------------------------------------
# The explorer writes out the cell at the position, with numbers numpy agrees with
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    dict(fig="window", **{"or": "2", "oc": "3"}),
    dict(fig="volume", **{"or": "3", "oc": "2"}),
    dict(fig="volume", kind="transposed", k="2", w="3", c="2", H="4", W="4", s="2",
         **{"or": "6", "oc": "8"}),
    dict(fig="window", kind="transposed", k="2", w="3", c="2", H="4", W="4", s="2",
         **{"or": "5", "oc": "1"}),
    dict(fig="window", kind="depthwise", w="3", c="3", H="6", W="6", dm="2", pad="same",
         **{"or": "4", "oc": "0"}),
])
def test_explorer_writes_out_the_cell_at_the_position(query):
    at = _open(query)
    row, col = int(query["or"]), int(query["oc"])
    assert at.slider(key="or").value == row and at.slider(key="oc").value == col
    text = "\n".join(m.value for m in at.markdown)
    m = re.search(rf"\*\*y\[{row}, {col}, 0\] = [^*]*= (−?\d+)\*\*", text)
    assert m, text[-1500:]
    shown = int(m.group(1).replace("−", "-"))
    # numpy's full convolution of the same example (lib.numeric, checked against frameworks)
    spec = dict(kind=query.get("kind", "standard"), k=int(query.get("k", 10)),
                w=int(query.get("w", 4)), c=int(query.get("c", 3)), H=int(query.get("H", 32)),
                W=int(query.get("W", 32)), stride=int(query.get("s", 1)),
                padding=query.get("pad", "valid"), depth_multiplier=int(query.get("dm", 1)))
    r = analyze(**spec)
    x = example_input(r).astype(float)
    kernel, bias = example_weights(r, 0)
    geo = dict(stride=spec["stride"], padding=spec["padding"])
    if spec["kind"] == "transposed":
        full = numeric.transposed2d(x, kernel, bias, **geo)
    elif spec["kind"] == "depthwise":
        full = numeric.depthwise2d(x, kernel, bias, **geo)
    else:
        full = numeric.conv2d(x, kernel, bias, **geo)
    assert shown == full[row, col, 0]
    # the figure's window is at the same position, and the window's subtitle carries the
    # same sum
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout["meta"]["position"] == [row, col]
    if query["fig"] == "window":
        assert f"= {m.group(1)}" in layout["title"]["subtitle"]["text"]


def test_too_large_a_cell_says_so_and_the_page_keeps_working():
    at = _open(dict(fig="window", k="512", c="512", w="11", H="64", W="64"))
    assert any("fewer channels" in i.value for i in at.info)
    assert at.get("plotly_chart")  # the figure is still drawn


# ---------------------------------------------------------------------------
# Every chart keeps the camera button (download as PNG)
# ---------------------------------------------------------------------------

def _assert_camera(at: AppTest) -> int:
    charts = at.get("plotly_chart")
    for chart in charts:
        config = json.loads(chart.proto.config)
        assert config.get("displayModeBar", True) is not False
        assert "toImage" not in config.get("modeBarButtonsToRemove", [])
        assert config["toImageButtonOptions"]["format"] == "png"
        assert config["toImageButtonOptions"]["filename"].startswith("convscope-")
    return len(charts)


@pytest.mark.parametrize("fig", ["filters", "volume", "window", "params", "scaling"])
def test_explorer_figures_keep_the_camera_button(fig):
    assert _assert_camera(_open({"fig": fig})) == 1


@pytest.mark.parametrize("page", ["pages/compare.py", "pages/walkthrough.py",
                                  "pages/network.py", "pages/prove_it.py"])
def test_other_pages_keep_the_camera_button(page):
    assert _assert_camera(_open(page=page)) >= 1


@pytest.mark.parametrize("fig", ["window", "volume"])
def test_the_clickable_figures_report_point_clicks_and_keep_zoom(fig):
    at = _open({"fig": fig})
    chart = at.get("plotly_chart")[0]
    assert list(chart.proto.selection_mode) == [0]  # POINTS only: no box / lasso drag
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["dragmode"] == "zoom"
    assert any(t.get("name") == CLICK_TRACE for t in spec["data"])
    if fig == "window":
        assert np.isfinite(len(spec["frames"]))  # play still there


@pytest.mark.parametrize("fig", ["window", "volume"])
@pytest.mark.parametrize("kind", ["shared_channels", "spatially_separable", "separable_keras",
                                  "transposed"])
def test_position_sliders_span_the_output_the_figure_draws(kind, fig):
    """The sliders reach exactly the cells of the output the figure highlights: for a
    shared-channels conv that is the conv after the channel sum (29×29 at the classic
    settings), not the 32×32 channel sum, so no slider value points past the output."""
    at = _open({"kind": kind, "fig": fig, "s": "2" if kind == "transposed" else "1"})
    r = analyze(kind, k=10, w=4, c=3, H=32, W=32, stride=2 if kind == "transposed" else 1)
    drawn = next(st for st in r.stages if st.op != "channel_sum")  # the first window stage
    if kind == "separable_keras":  # depthwise then 1×1: the output keeps the positions
        drawn = r.stages[-1]
    assert at.slider(key="or").max == drawn.out_shape[0] - 1
    assert at.slider(key="oc").max == drawn.out_shape[1] - 1
