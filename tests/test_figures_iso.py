"""The default filter figure: flat isometric SVG drawing (lib/figures/filters_iso.py).

Every kind at every rank (1D, 2D, 3D): the blocks, slices, weights, biases and labels it
draws must match what ``analyze`` says the layer has (``r.stages``), never the figure's
own plan. The rotatable 3D view keeps its own tests (tests/test_figures*.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib.conv import KINDS, analyze
from lib.figures import filter_iso_figure, filter_tensor_figure
from lib.figures._common import CHANNEL_COLORS, NOTE, TRUNCATION
from lib.figures.blocks import MAX_KERNEL_DRAWN
from lib.figures.filters_iso import MARKER_BUDGET
from tests.figure_checks import cases as _cases
from tests.figure_checks import named as _named
from tests.figure_checks import spatial_stages as _spatial
from tests.figure_checks import valid_layer as _valid

BUDGET = 300_000  # bytes of fig.to_json()
MAX_TRACES = 20
KINDS_1D = tuple(k for k in KINDS if k != "spatially_separable")
KINDS_3D = tuple(k for k in KINDS if k != "separable_keras")
#: rank -> (kinds, default, small, maximum)
RANKS = {
    1: (KINDS_1D, dict(k=10, w=4, c=3, W=64), dict(k=3, w=3, c=2, W=16),
        dict(k=512, w=11, c=512, W=1024)),
    2: (KINDS, dict(k=10, w=4, c=3, H=32, W=32), dict(k=4, w=3, c=2, H=8, W=8),
        dict(k=512, w=11, c=512, H=1024, W=1024)),
    3: (KINDS_3D, dict(k=10, w=3, c=3, D=8, H=16, W=16), dict(k=3, w=2, c=2, D=4, H=6, W=6),
        dict(k=512, w=11, c=512, D=64, H=1024, W=1024)),
}
EXTRA = [{}, dict(groups=2), dict(groups=4, k=8, c=8), dict(depth_multiplier=2),
         dict(bias=False), dict(stride=2, dilation=2)]
CASES = [(rank, kind, name, {**base, **extra})
         for rank, (kinds, *bases) in RANKS.items()
         for name, base in zip(("default", "small", "max"), bases)
         for extra in EXTRA
         for kind in kinds
         if _valid(kind, **{**base, **extra}) is not None]
IDS = [f"{rank}d-{kind}-{name}-" + ("-".join(f"{k}{v}" for k, v in kw.items()
                                             if k in ("groups", "depth_multiplier", "bias",
                                                      "stride")) or "plain")
       for rank, kind, name, kw in CASES]


def _trace(fig, name):
    (t,) = [t for t in fig.data if t.name == name]
    return t


def _weights(fig):
    return [t for t in fig.data if t.name and t.name.startswith("weights")]


def check_iso(r, max_filters=8, max_channels=8):
    """Everything drawn, checked against ``r.stages``; returns the figure."""
    fig = filter_iso_figure(r, max_filters=max_filters, max_channels=max_channels)
    meta = fig.layout.meta
    assert meta["figure"] == "filter_iso" and meta["rank"] == r.rank
    # SVG only: no WebGL trace (scatter3d, mesh3d, scattergl) and no 3D scene
    assert {t.type for t in fig.data} == {"scatter"}
    assert "scene" not in fig.layout.to_plotly_json()
    assert len(fig.data) <= MAX_TRACES
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    spatial = _spatial(r)
    assert len(meta["stages"]) == len(spatial) == len(_weights(fig))
    shared = r.kind == "shared_channels"
    filters_drawn = seen_slices = 0
    labels = list(_trace(fig, "filter labels").text)
    for (index, stage), sm, trace in zip(spatial, meta["stages"], _weights(fig)):
        per_out = stage.out_channels // stage.groups
        per_in = stage.in_channels // stage.groups
        drawn = min(stage.out_channels, max_filters)
        assert sm["stage"] == index
        assert sm["filters_total"] == stage.out_channels
        assert sm["filters_drawn"] == drawn == len(set(sm["filters"]))
        assert sm["channels_total"] == (1 if shared else per_in)
        ch_drawn = sm["channels_drawn"]
        assert 1 <= ch_drawn <= min(per_in, max_channels)
        if stage.groups == 1 and not shared:
            assert ch_drawn == min(per_in, max_channels)
        kernel = tuple(stage.kernel)
        assert tuple(sm["kernel"]) == kernel
        kd = tuple(sm["kernel_drawn"])
        assert all(1 <= a <= min(b, MAX_KERNEL_DRAWN) for a, b in zip(kd, kernel))
        if r.rank < 3:
            assert kd == tuple(min(k, MAX_KERNEL_DRAWN) for k in kernel)
        assert sm["cells"] == drawn * ch_drawn * math.prod(kd)
        assert sm["biases"] == (drawn if stage.bias_params else 0)
        assert sm["labels"] == drawn
        # weight markers: the faces the viewer sees, (filter, channel, row, col) in range
        front = math.prod(kd[-2:]) if r.rank > 1 else kd[0]
        per_filter = front if r.rank == 2 else front * ch_drawn
        cd = np.asarray(trace.customdata, dtype=np.int64)
        assert cd.shape == (drawn * per_filter, 4) == (len(trace.x), 4)
        assert set(np.unique(cd[:, 0])) == set(sm["filters"])
        assert cd[:, 0].max() < stage.out_channels and cd[:, 1].max() < stage.in_channels
        if not shared:
            assert (cd[:, 1] // per_in == cd[:, 0] // per_out).all()
        rows, cols = (kd[-2], kd[-1]) if r.rank > 1 else (1, kd[0])
        assert cd[:, 2].max() == rows - 1 and cd[:, 3].max() == cols - 1
        # every weight of a front face is its own cell: no two markers at one spot
        assert len({(x, y) for x, y in zip(trace.x, trace.y)}) == len(trace.x)
        filters_drawn += drawn
        seen_slices += drawn * ch_drawn
        assert sm["slices"] >= drawn * ch_drawn
        if stage.groups == 1 and not shared:
            assert sm["slices"] == drawn * ch_drawn
    # one label per drawn filter, one hover point per seen slice, one bias per filter
    assert len(labels) == filters_drawn == meta["labels"] == meta["filters_drawn"]
    for sm in meta["stages"]:
        for f in sm["filters"]:
            assert any(t == f"filter {f}" or t.startswith((f"filter {f} ", f"out ch {f}"))
                       for t in labels)
    assert len(_trace(fig, "channel slices").x) == seen_slices
    biases = [t for t in fig.data if t.name and t.name.startswith("bias")]
    n_bias = sum(sm["biases"] for sm in meta["stages"])
    assert (len(biases[0].x) if biases else 0) == n_bias
    # headings: one per stage, with the true filter count
    headings = list(_trace(fig, "stage headings").text)
    assert len(headings) == len(spatial)
    for text, (_, stage) in zip(headings, spatial):
        assert f"{stage.out_channels:,}" in text
    # the "+N more" note exactly when something was not drawn
    notes = _named(fig, TRUNCATION)
    assert bool(notes) == meta["truncated"]
    truncated = any(sm["filters_total"] > sm["filters_drawn"]
                    or sm["channels_total"] > sm["channels_drawn"]
                    or sm["kernel"] != sm["kernel_drawn"] for sm in meta["stages"])
    assert meta["truncated"] == truncated
    for sm in meta["stages"]:
        more = sm["filters_total"] - sm["filters_drawn"]
        if more:
            assert f"+{more:,} more filters" in notes[0].text
    assert bool(_named(fig, NOTE)) == shared
    # the parameter count in the title is lib's
    assert f"{r.params:,} parameters" in fig.layout.title.subtitle.text
    assert len(fig.to_json()) < BUDGET
    return fig


@pytest.mark.parametrize("rank,kind,name,kw", CASES, ids=IDS)
def test_iso_figure_matches_the_layer(rank, kind, name, kw):
    check_iso(analyze(kind, **kw))


@pytest.mark.parametrize("rank", sorted(RANKS))
@pytest.mark.parametrize("max_filters,max_channels", [(1, 1), (3, 2), (16, 12)])
def test_iso_figure_limits(rank, max_filters, max_channels):
    kinds, _, _, maximum = RANKS[rank]
    for kind in kinds:
        cfg = {**maximum, "k": 20, "c": 20, "w": 5}
        check_iso(analyze(kind, **cfg), max_filters, max_channels)


@pytest.mark.parametrize("rank", sorted(RANKS))
def test_iso_and_3d_views_draw_the_same_filters(rank):
    """One click between the views changes the drawing, not what is drawn."""
    kinds, default, _, _ = RANKS[rank]
    for kind in kinds:
        r = analyze(kind, **default)
        iso, mesh = filter_iso_figure(r).layout.meta, filter_tensor_figure(r).layout.meta
        assert mesh["figure"] == "filter_tensor"
        for key in ("filters_drawn", "filters_total", "channels_drawn", "channels_total"):
            assert iso[key] == mesh[key]
        for a, b in zip(iso["stages"], mesh["stages"]):
            assert a["filters"] == b["filters"] and a["biases"] == b["biases"]


def test_iso_colours_are_the_channels():
    r = analyze("standard", k=2, w=3, c=4, H=8, W=8)
    fig = check_iso(r)
    legend = {t.name: t.marker.color for t in fig.data if t.showlegend is not False
              and t.name.startswith("channel ")}
    assert legend == {f"channel {i}": CHANNEL_COLORS[i] for i in range(4)}
    fills = {s.fillcolor for s in fig.layout.shapes}
    assert {CHANNEL_COLORS[i] for i in range(4)} <= fills


def test_iso_3d_big_kernel_is_cropped_to_the_marker_budget():
    r = analyze("standard", **RANKS[3][3])
    fig = check_iso(r)
    assert sum(len(t.x) for t in _weights(fig)) <= MARKER_BUDGET
    assert "kernel cropped" in _named(fig, TRUNCATION)[0].text


def test_iso_transposed_shows_the_scatter():
    fig = check_iso(analyze("transposed", k=4, w=3, c=2, H=8, W=8, stride=2))
    patch = [t for t in fig.data if t.name and t.name.startswith("output patch")]
    assert len(patch) == 1 and len(patch[0].x) == 9
