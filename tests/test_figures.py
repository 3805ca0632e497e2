"""lib.figures: every figure draws what lib.conv.analyze says, stays small and labelled.

Expected values come from ``analyze`` (stages, axes, counts), never from the figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import plotly.io as pio
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from lib.conv import KINDS, ConvError, analyze
from lib.figures import (compare_params_figure, filter_tensor_figure, param_breakdown_figure,
                         scaling_figure, sliding_window_figure, sliding_window_frames,
                         volume_figure)
from lib.figures._common import CHANNEL_COLORS, NOTE, TRUNCATION
from lib.figures.blocks import MAX_KERNEL_DRAWN
from lib.figures.sliding import INPUT
from tests.conftest import window

BUDGET = 300_000  # bytes of fig.to_json()
MAX_TRACES = 20
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000", "#999999"}

DEFAULT = dict(k=10, w=4, c=3, H=32, W=32)
MAXIMUM = dict(k=512, w=11, c=512, H=1024, W=1024)


def _valid(kind: str, **kw):
    try:
        return analyze(kind, **kw)
    except ConvError:
        return None

def _cases(kinds, base: dict, rows) -> list:
    """(kind, *row) for every combination that is a valid layer: invalid ones are not
    collected at all (a skipped test must never count as a pass)."""
    out = []
    for kind in kinds:
        for row in rows:
            row = row if isinstance(row, tuple) else (row,)
            if _valid(kind, **{**base, **row[0]}) is not None:
                name = "-".join(f"{k}{v}" for k, v in row[0].items()) or "plain"
                out.append(pytest.param(kind, *row, id=f"{kind}-{name}-{len(out)}"))
    return out



def _max_variants(kind: str) -> list[dict]:
    """The app's maximum settings for a kind, plus the per-kind knobs at their maximum."""
    out = [dict(MAXIMUM),
           dict(MAXIMUM, stride=8, padding=10, dilation=8),
           dict(MAXIMUM, padding="same", dilation=8)]
    if kind == "grouped":
        out += [dict(MAXIMUM, groups=g) for g in (2, 4, 64, 512)]
    if kind in ("depthwise", "separable_keras", "separable_pytorch"):
        out += [dict(MAXIMUM, depth_multiplier=8), dict(MAXIMUM, depth_multiplier=8, dilation=8)]
    if kind == "transposed":
        out += [dict(MAXIMUM, stride=8, padding=10, output_padding=7),
                dict(MAXIMUM, stride=8, padding=0, dilation=8, output_padding=7),
                dict(MAXIMUM, groups=2, padding=1), dict(MAXIMUM, groups=512, padding=1)]
    return out


MAX_CASES = [(kind, kw) for kind in KINDS for kw in _max_variants(kind)
             if _valid(kind, **kw) is not None]
MAX_IDS = [kind + "".join(f"-{a}{b}" for a, b in kw.items() if a not in MAXIMUM)
           for kind, kw in MAX_CASES]


def _spatial(r):
    return [(i, s) for i, s in enumerate(r.stages) if s.op != "channel_sum"]


def _named(fig, name):
    return [a for a in (fig.layout.annotations or ()) if a.name == name]


def _check_axes_titled(fig):
    lay = fig.layout
    present = lay.to_plotly_json().keys()  # only what the figure set
    axes = [lay[k] for k in present if k.startswith(("xaxis", "yaxis"))]
    for scene_key in [k for k in present if k.startswith("scene")]:
        scene = lay[scene_key]
        axes += [scene.xaxis, scene.yaxis, scene.zaxis]
    assert axes, "figure has no axes"
    for ax in axes:
        if ax.visible is False:
            continue
        assert ax.title.text, f"untitled axis in {fig.layout.meta.get('figure')}"
    assert fig.layout.title.text


def _check_common(fig):
    assert len(fig.data) <= MAX_TRACES
    _check_axes_titled(fig)
    assert fig.layout.template == pio.templates["plotly_white"]
    meta = fig.layout.meta
    assert bool(_named(fig, TRUNCATION)) == bool(meta["truncated"])


def _all_figures(r):
    yield filter_tensor_figure(r)
    yield volume_figure(r)
    yield sliding_window_figure(r, (3, 5))
    yield sliding_window_frames(r, (1, 1), max_frames=24)
    yield param_breakdown_figure(r)


# ---------------------------------------------------------------------------
# Filter tensor
# ---------------------------------------------------------------------------

def _weight_traces(fig):
    return [t for t in fig.data if t.type == "scatter3d" and t.hovertemplate
            and "weight (" in t.hovertemplate]


def _check_filters(r, max_filters=8, max_channels=8):
    fig = filter_tensor_figure(r, max_filters=max_filters, max_channels=max_channels)
    _check_common(fig)
    meta = fig.layout.meta
    spatial = _spatial(r)
    assert len(meta["stages"]) == len(spatial)
    weights = _weight_traces(fig)
    assert len(weights) == len(spatial)
    truncated = False
    notes = _named(fig, TRUNCATION)
    for (index, stage), sm, trace in zip(spatial, meta["stages"], weights):
        per_out = stage.out_channels // stage.groups
        per_in = stage.in_channels // stage.groups
        assert sm["stage"] == index
        assert sm["filters_total"] == stage.out_channels
        assert sm["filters_drawn"] == min(stage.out_channels, max_filters)
        assert len(set(sm["filters"])) == sm["filters_drawn"]
        assert sm["channels_total"] == per_in
        assert 1 <= sm["channels_drawn"] <= min(per_in, max_channels)
        if stage.groups == 1:
            assert sm["channels_drawn"] == min(per_in, max_channels)
        kh, kw = stage.kernel
        kernel_drawn = (min(kh, MAX_KERNEL_DRAWN), min(kw, MAX_KERNEL_DRAWN))
        assert tuple(sm["kernel"]) == (kh, kw)
        assert tuple(sm["kernel_drawn"]) == kernel_drawn
        cells = sm["filters_drawn"] * sm["channels_drawn"] * kernel_drawn[0] * kernel_drawn[1]
        assert sm["cells"] == cells == len(trace.x)
        assert sm["biases"] == (sm["filters_drawn"] if stage.bias_params else 0)
        # hover data: (filter, channel, row, col) within range, channel of the filter's group
        cd = np.asarray(trace.customdata, dtype=np.int64)
        assert cd.shape == (cells, 4)
        assert set(np.unique(cd[:, 0])) == set(sm["filters"])
        assert cd[:, 0].max() < stage.out_channels
        assert cd[:, 1].max() < stage.in_channels
        assert (cd[:, 1] // per_in == cd[:, 0] // per_out).all()
        assert cd[:, 2].max() == kernel_drawn[0] - 1 and cd[:, 3].max() == kernel_drawn[1] - 1
        stage_truncated = (stage.out_channels > max_filters or sm["channels_drawn"] < per_in
                           or kernel_drawn != (kh, kw))
        truncated |= stage_truncated
        more = stage.out_channels - min(stage.out_channels, max_filters)
        if more:
            assert f"+{more:,} more filters" in notes[0].text
    biases = [t for t in fig.data if t.name and t.name.startswith("bias")]
    n_bias = sum(sm["biases"] for sm in meta["stages"])
    assert (len(biases[0].x) if biases else 0) == n_bias
    assert meta["truncated"] == truncated
    return fig


@pytest.mark.parametrize("kind", KINDS)
def test_filter_tensor_default(kind):
    r = analyze(kind, **DEFAULT)
    fig = _check_filters(r)
    # k=10 > 8 filters: every kind that has k filters says so
    if kind != "depthwise":
        assert fig.layout.meta["truncated"]
    else:  # 3 channels × multiplier 1 = 3 filters, all drawn
        assert not fig.layout.meta["truncated"]
        assert fig.layout.meta["filters_drawn"] == 3


@pytest.mark.parametrize("kind", KINDS)
def test_filter_tensor_small_layer_is_complete(kind):
    r = analyze(kind, k=4, w=3, c=2, H=8, W=8)
    fig = _check_filters(r)
    assert not fig.layout.meta["truncated"]
    assert not _named(fig, TRUNCATION)


def test_filter_tensor_each_channel_has_its_own_colour():
    r = analyze("standard", k=2, w=3, c=4, H=8, W=8)
    fig = filter_tensor_figure(r)
    meshes = [t for t in fig.data if t.type == "mesh3d"]
    assert len({m.color for m in meshes}) == 4
    assert {m.color for m in meshes} <= set(CHANNEL_COLORS)


def test_filter_tensor_shared_channels_draws_one_kernel_per_filter():
    r = analyze("shared_channels", k=3, w=3, c=5, H=8, W=8)
    fig = _check_filters(r)
    (sm,) = fig.layout.meta["stages"]
    assert sm["channels_drawn"] == 1 and sm["cells"] == 3 * 9
    assert _named(fig, NOTE) and "Same kernel for all 5 channels" in _named(fig, NOTE)[0].text


def test_filter_tensor_grouped_spreads_over_groups():
    r = analyze("grouped", k=512, w=3, c=512, H=8, W=8, groups=4)
    fig = _check_filters(r)
    (sm,) = fig.layout.meta["stages"]
    per_out = r.stages[0].out_channels // r.stages[0].groups
    assert {f // per_out for f in sm["filters"]} == {0, 1, 2, 3}


@pytest.mark.parametrize("max_filters,max_channels", [(1, 1), (3, 2), (16, 12)])
def test_filter_tensor_limits(max_filters, max_channels):
    for kind in KINDS:
        _check_filters(analyze(kind, k=20, w=5, c=20, H=16, W=16), max_filters, max_channels)


# ---------------------------------------------------------------------------
# Volume
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,extra", _cases(KINDS, DEFAULT, [
    {}, dict(padding=1), dict(padding="same", stride=2),
    dict(stride=2, padding=1, output_padding=1)]))
def test_volume_boxes_match_stages(kind, extra):
    r = _valid(kind, **DEFAULT, **extra)
    assert r is not None  # only valid layers are collected
    fig = volume_figure(r)
    _check_common(fig)
    boxes = fig.layout.meta["boxes"]
    expected = [list(r.input_shape)] + [list(s.out_shape) for s in r.stages]
    assert [b["shape"] for b in boxes] == expected
    assert boxes[-1]["shape"] == list(r.output_shape)
    texts = " ".join(a.text for a in fig.layout.annotations)
    for shape in expected:
        assert "×".join(map(str, shape)) in texts
    padded = any((a.before or a.after) for s in r.stages if s.op in ("conv", "depthwise")
                 for a in s.axes)
    assert ("zero padding" in texts) == padded
    cropped = any(max(a.before, 0) + max(a.after, 0) for s in r.stages
                  if s.op == "transposed" for a in s.axes)
    assert ("cropped away" in texts) == cropped


# ---------------------------------------------------------------------------
# Sliding window
# ---------------------------------------------------------------------------

def _check_sliding(r, position, frames=False, max_frames=24):
    fig = (sliding_window_frames(r, position, max_frames=max_frames) if frames
           else sliding_window_figure(r, position))
    _check_common(fig)
    m = fig.layout.meta
    stage = r.stages[m["stage"]]
    assert stage.op != "channel_sum"
    ah, aw = stage.axes
    n_out = (stage.out_shape[0], stage.out_shape[1])
    assert tuple(m["output_size"]) == n_out
    o = tuple(m["position"])
    assert o == (min(position[0], n_out[0] - 1), min(position[1], n_out[1] - 1))
    assert tuple(m["kernel"]) == stage.kernel
    assert m["taps"] == stage.kernel[0] * stage.kernel[1]
    assert tuple(m["extent"]) == (ah.extent, aw.extent)
    lines = [window(stage, 0), window(stage, 1)]
    grid = [v for ln in lines for v in (ln.lo, ln.hi)]
    assert m["grid"] == grid
    for i, (a, ln) in enumerate(zip((ah, aw), lines)):
        lo, hi = ln.lo, ln.hi
        assert lo <= min(ln.first, 0) and max(ln.last, ln.span - 1) <= hi  # all input drawn
        if stage.op == "transposed":
            # stride-1 windows over the zero-inserted input give exactly size_out outputs
            assert (ln.last - ln.first + 1) - a.extent + 1 == a.size_out
        else:
            assert ln.start(o[i]) == o[i] * a.stride - a.before
        # the last output's window still fits in the (padded) input
        assert ln.start(a.size_out - 1) + a.extent - 1 <= ln.last
        start = ln.start(o[i])
        assert m["window_start"][i] == start
        assert lo <= start and start + a.extent - 1 <= hi
        v_lo, v_hi = m["input_view"][2 * i], m["input_view"][2 * i + 1]
        assert lo <= v_lo <= v_hi <= hi
        ov_lo, ov_hi = m["output_view"][2 * i], m["output_view"][2 * i + 1]
        assert 0 <= ov_lo <= o[i] <= ov_hi < a.size_out
    view_is_full = (m["input_view"] == grid
                    and m["output_view"] == [0, n_out[0] - 1, 0, n_out[1] - 1])
    assert m["truncated"] == (not view_is_full)
    bg = np.asarray(fig.data[0].z)
    assert bg.shape == (m["input_view"][1] - m["input_view"][0] + 1,
                        m["input_view"][3] - m["input_view"][2] + 1)
    if view_is_full:  # every real input cell appears once
        assert (bg == INPUT).sum() == stage.in_shape[0] * stage.in_shape[1]
    taps = np.asarray(fig.data[2].z)
    assert taps.shape[0] <= ah.extent and taps.shape[1] <= aw.extent
    if m["input_view"][0] <= m["window_start"][0] and (
            m["window_start"][0] + ah.extent - 1 <= m["input_view"][1]) and (
            m["input_view"][2] <= m["window_start"][1]) and (
            m["window_start"][1] + aw.extent - 1 <= m["input_view"][3]):
        assert taps.shape == (ah.extent, aw.extent)
        assert np.isin(taps, [3, 4]).sum() == stage.kernel[0] * stage.kernel[1]
    if frames:
        assert 1 <= m["frames"] <= max_frames and len(fig.frames) == m["frames"]
        assert fig.frames[0].name == f"({o[0]}, {o[1]})"
        assert len(fig.layout.sliders[0].steps) == m["frames"]
    return fig


@pytest.mark.parametrize("kind,extra,position", _cases(KINDS, DEFAULT, [
    ({}, (0, 0)), ({}, (28, 28)), (dict(padding=1, stride=2), (3, 4)),
    (dict(padding="same", stride=3, dilation=2), (5, 1)), (dict(dilation=3), (2, 9)),
    (dict(padding=2, stride=2, output_padding=1), (7, 7)), (dict(H=5, W=7), (9, 9)),
]))
def test_sliding_window_geometry(kind, extra, position):
    r = _valid(kind, **{**DEFAULT, **extra})
    assert r is not None  # only valid layers are collected
    _check_sliding(r, position)
    _check_sliding(r, position, frames=True)


def test_sliding_window_small_input_is_not_cropped():
    r = analyze("standard", k=2, w=3, c=1, H=6, W=6, padding=1)
    fig = _check_sliding(r, (2, 3))
    assert not fig.layout.meta["truncated"] and not _named(fig, TRUNCATION)


def test_sliding_window_large_input_is_cropped_with_note():
    r = analyze("standard", **MAXIMUM)
    fig = _check_sliding(r, (500, 700))
    m = fig.layout.meta
    assert m["truncated"]
    assert m["input_view"][1] - m["input_view"][0] < 100
    assert "Cropped view" in _named(fig, TRUNCATION)[0].text


def test_sliding_window_transposed_labels_input_and_output():
    r = analyze("transposed", k=2, w=3, c=1, H=4, W=4, stride=2, padding=1)
    fig = _check_sliding(r, (2, 3))
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "INPUT" in texts and "OUTPUT" in texts and "zero-inserted" in texts
    bg = np.asarray(fig.data[0].z)
    assert (bg == INPUT).sum() == 16  # the 4×4 real input cells, zeros between them


@pytest.mark.parametrize("extra", [dict(), dict(output_padding=1),
                                   dict(H=3, W=3, w=2, dilation=2, padding=3),
                                   dict(H=3, W=4, output_padding=1, dilation=2)])
def test_sliding_window_transposed_cropped_past_the_kernel_still_shows_the_input(extra):
    """Issue 17: padding 1 crops more than a 1×1 kernel overlaps (p > d·(k-1)); the windows
    start inside the zero-inserted input, and every input cell is still drawn."""
    kw = {**dict(k=1, w=1, c=1, H=2, W=2, stride=2, padding=1), **extra}
    r = analyze("transposed", **kw)
    a = r.stages[0].axes[0]
    assert a.before > a.extent - 1  # the crop reaches past the kernel
    fig = _check_sliding(r, (0, 0))
    m = fig.layout.meta
    assert m["grid"][0] == 0 and m["window_start"][0] == a.before - (a.extent - 1) > 0
    bg = np.asarray(fig.data[0].z)
    assert (bg == INPUT).sum() == kw["H"] * kw["W"]
    notes = " ".join(n.text for n in _named(fig, NOTE))
    assert "no window reaches rows 0" in notes


def test_sliding_window_stage_choice():
    r = analyze("spatially_separable", **DEFAULT)
    assert _check_sliding(r, (0, 0)).layout.meta["stage"] == 0
    fig = sliding_window_figure(r, (0, 0), stage=1)
    assert fig.layout.meta["kernel"] == [1, 4]
    with pytest.raises(ValueError):
        sliding_window_figure(analyze("shared_channels", **DEFAULT), stage=0)
    assert sliding_window_figure(analyze("shared_channels", **DEFAULT)).layout.meta["stage"] == 1


# ---------------------------------------------------------------------------
# Parameter charts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bias", [True, False])
def test_param_breakdown_matches_stages(kind, bias):
    r = analyze(kind, **DEFAULT, bias=bias)
    fig = param_breakdown_figure(r)
    _check_common(fig)
    weights, biases = fig.data[0], fig.data[1]
    assert list(weights.y) == [s.weight_params for s in r.stages]
    assert list(biases.y) == [s.bias_params for s in r.stages]
    assert sum(weights.y) + sum(biases.y) == r.params
    assert len(weights.x) == len(r.stages)


@pytest.mark.parametrize("log_scale", [False, True])
def test_compare_params_across_kinds(log_scale):
    results = {k: analyze(k, k=12, w=4, c=3, H=32, W=32) for k in KINDS}
    fig = compare_params_figure(results, log_scale=log_scale, current="standard")
    _check_common(fig)
    w, b = fig.data[0], fig.data[1]
    assert list(w.x) == [results[k].weight_params for k in KINDS]
    assert list(b.x) == [results[k].bias_params for k in KINDS]
    assert len(w.y) == len(KINDS)
    assert (fig.layout.xaxis.type == "log") == log_scale
    assert fig.layout.barmode == ("group" if log_scale else "stack")


def test_scaling_params_flat_in_H_while_macs_grow():
    base = dict(kind="standard", **DEFAULT)
    values = [8, 16, 32, 64, 128]
    fig = scaling_figure(base, "H", values, current=32)
    _check_common(fig)
    m = fig.layout.meta
    expected = [analyze(**{**base, "H": v, "W": v}) for v in values]
    assert m["values"] == values
    assert m["params"] == [e.params for e in expected]
    assert m["macs"] == [e.macs for e in expected]
    assert len(set(m["params"])) == 1 and m["macs"] == sorted(set(m["macs"]))
    assert m["current_drawn"]
    current = [t for t in fig.data if t.name and t.name.startswith("current")]
    assert list(current[0].y) == [analyze(**{**base, "H": 32, "W": 32}).params]


def test_scaling_skips_invalid_values():
    base = dict(kind="standard", k=10, w=5, c=3, H=32, W=32)
    fig = scaling_figure(base, "H", [2, 3, 4, 5, 6], current=5)
    m = fig.layout.meta
    assert m["skipped"] == [2, 3, 4]  # a 5×5 kernel does not fit
    assert m["values"] == [5, 6]
    fig = scaling_figure(dict(kind="grouped", k=8, w=3, c=8, H=16, W=16, groups=4), "c",
                         [4, 6, 8, 12, 16], current=8)
    assert fig.layout.meta["skipped"] == [6]  # groups=4 must divide c


@pytest.mark.parametrize("vary", ["k", "c", "w", "W"])
def test_scaling_other_knobs(vary):
    base = dict(kind="separable_keras", **DEFAULT)
    values = [1, 2, 3, 5, 8]
    fig = scaling_figure(base, vary, values, current=3)
    _check_common(fig)
    expected = {v: _valid(**{**base, vary: v}) for v in values}
    valid = [v for v, e in expected.items() if e is not None]
    assert fig.layout.meta["values"] == valid
    assert fig.layout.meta["skipped"] == [v for v in values if v not in valid]
    assert fig.layout.meta["params"] == [expected[v].params for v in valid]
    assert fig.layout.meta["macs"] == [expected[v].macs for v in valid]
    with pytest.raises(ValueError):
        scaling_figure(base, "stride", values, current=1)


# ---------------------------------------------------------------------------
# Budgets, properties, hygiene
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,kw", MAX_CASES, ids=MAX_IDS)
def test_payload_budget_at_maximum_settings(kind, kw):
    r = analyze(kind, **kw)
    figs = list(_all_figures(r))
    figs.append(sliding_window_frames(r, (500, 500), max_frames=60))
    for fig in figs:
        _check_common(fig)
        size = len(fig.to_json())
        assert size < BUDGET, (fig.layout.meta["figure"], size)
    f = figs[0].layout.meta
    assert f["truncated"] and f["filters_drawn"] <= 8 * len(_spatial(r))


def test_payload_budget_compare_and_scaling_at_maximum():
    results = {k: analyze(k, **MAXIMUM) for k in KINDS}
    for log in (False, True):
        assert len(compare_params_figure(results, log_scale=log).to_json()) < BUDGET
    fig = scaling_figure(dict(kind="standard", **MAXIMUM), "H", list(range(1, 1025)), 1024)
    assert len(fig.to_json()) < BUDGET
    assert len(fig.layout.meta["values"]) <= 401


def test_build_time_is_bounded():
    """Generous bound in CPU time (shared CI machines); bench/figure_payload.py reports real
    timings."""
    r = analyze("standard", **MAXIMUM)
    for build in (lambda: filter_tensor_figure(r), lambda: volume_figure(r),
                  lambda: sliding_window_figure(r, (10, 10)),
                  lambda: sliding_window_frames(r, (10, 10)),
                  lambda: param_breakdown_figure(r)):
        build()  # warm up
        best = min(_timed(build) for _ in range(3))
        assert best < 0.5


def _timed(fn):
    """CPU seconds of this process: other jobs on the shared cores do not count."""
    t = time.process_time()
    fn()
    return time.process_time() - t


_kinds = st.sampled_from(KINDS)


@st.composite
def layers(draw):
    kind = draw(_kinds)
    c = draw(st.sampled_from([1, 2, 3, 4, 6, 8, 16, 64]))
    k = draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16, 64]))
    kw = dict(k=k, c=c,
              w=draw(st.one_of(st.integers(1, 11), st.tuples(st.integers(1, 11),
                                                              st.integers(1, 11)))),
              H=draw(st.integers(1, 80)), W=draw(st.integers(1, 80)),
              stride=draw(st.integers(1, 4)),
              padding=draw(st.sampled_from(["valid", "same", 0, 1, 2, 5])),
              dilation=draw(st.integers(1, 3)),
              groups=draw(st.sampled_from([1, 2, 4])),
              depth_multiplier=draw(st.integers(1, 3)),
              output_padding=draw(st.integers(0, 2)),
              bias=draw(st.booleans()))
    try:
        return analyze(kind, **kw)
    except ConvError:
        assume(False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                  HealthCheck.too_slow])
@given(r=layers(), row=st.integers(0, 100), col=st.integers(0, 100))
@example(r=analyze("transposed", k=1, w=1, c=1, H=2, W=2, stride=2, padding=1), row=0, col=0)
def test_any_valid_layer(r, row, col):
    _check_filters(r)
    _check_filters(r, max_filters=3, max_channels=2)
    _check_sliding(r, (row, col))
    fig = volume_figure(r)
    _check_common(fig)
    for fig in (param_breakdown_figure(r), sliding_window_frames(r, (row, col), max_frames=6)):
        _check_common(fig)
        assert len(fig.to_json()) < BUDGET
    json.loads(filter_tensor_figure(r).to_json())


def test_palette_is_okabe_ito():
    assert set(CHANNEL_COLORS) <= OKABE_ITO


def test_spatial_figures_take_every_rank():
    """1D and 3D layers are drawn too (tests/test_figures_nd.py checks them in depth)."""
    for r in (analyze("standard", k=4, w=3, c=2, W=32),
              analyze("standard", k=4, w=3, c=2, D=8, H=8, W=8)):
        for build in (filter_tensor_figure, volume_figure, sliding_window_figure):
            assert build(r).layout.meta["rank"] == r.rank
        assert param_breakdown_figure(r).layout.meta["weights"] == [r.weight_params]


def test_lib_figures_does_not_import_streamlit():
    code = ("import sys, lib.figures; "
            "assert 'streamlit' not in sys.modules, 'lib.figures imported streamlit'")
    subprocess.run([sys.executable, "-c", code], check=True)
