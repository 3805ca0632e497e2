"""lib.figures at spatial rank 1 (sequences) and 3 (volumes), and the dilated stack figure.

Expected values come from ``analyze`` (stages, axes, receptive fields), never from the
figure. 2D is covered by tests/test_figures.py.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib.conv import KINDS, ConvError, analyze, receptive_field
from lib.figures import (compare_params_figure, dilated_stack_figure, filter_tensor_figure,
                         param_breakdown_figure, scaling_figure, sliding_window_figure,
                         sliding_window_frames, volume_figure)
from lib.figures import blocks
from lib.figures._common import CHANNEL_COLORS, NOTE, TRUNCATION, as_position
from tests.figure_cases import figure_cases
from tests.figure_checks import (cases, check_common, check_filters_nd, check_sliding_1d,
                                 check_sliding_3d, named, spatial_stages, timed,
                                 traces_named, valid_layer, weight_traces)

BUDGET = 300_000  # bytes of fig.to_json()
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000", "#999999"}

KINDS_1D = tuple(k for k in KINDS if k != "spatially_separable")
KINDS_3D = tuple(k for k in KINDS if k != "separable_keras")
DEFAULT_1D = dict(k=10, w=4, c=3, W=64)
DEFAULT_3D = dict(k=10, w=3, c=3, D=8, H=16, W=16)
MAXIMUM_1D = dict(k=512, w=11, c=512, W=1024)
MAXIMUM_3D = dict(k=512, w=11, c=512, D=64, H=1024, W=1024)
WAVENET = [analyze("standard", k=16, w=2, c=16, W=64, padding="causal", dilation=d)
           for d in (1, 2, 4, 8)]


def _figures(r, position):
    yield filter_tensor_figure(r)
    yield volume_figure(r)
    yield sliding_window_figure(r, position)
    yield sliding_window_frames(r, position, max_frames=24)
    yield param_breakdown_figure(r)


# ---------------------------------------------------------------------------
# Every builder × every kind valid at the rank
# ---------------------------------------------------------------------------

EXTRAS_1D = [{}, dict(padding="causal"), dict(padding="causal", dilation=4),
             dict(padding="same", stride=2), dict(padding=2, stride=3, dilation=2),
             dict(stride=2, padding=1, output_padding=1)]
EXTRAS_3D = [{}, dict(padding="same"), dict(padding=1, stride=2, dilation=2),
             dict(stride=2, padding=1, output_padding=1), dict(w=(2, 3, 5))]


@pytest.mark.parametrize("kind,extra", cases(KINDS_1D, DEFAULT_1D, EXTRAS_1D))
def test_every_builder_1d(kind, extra):
    r = valid_layer(kind, **{**DEFAULT_1D, **extra})
    assert r is not None  # only valid layers are collected
    for fig in _figures(r, 7):
        check_common(fig)
        assert fig.layout.meta.get("rank", 1) == 1
        assert len(fig.to_json()) < BUDGET


@pytest.mark.parametrize("kind,extra", cases(KINDS_3D, DEFAULT_3D, EXTRAS_3D))
def test_every_builder_3d(kind, extra):
    r = valid_layer(kind, **{**DEFAULT_3D, **extra})
    assert r is not None  # only valid layers are collected
    for fig in _figures(r, (2, 5, 6)):
        check_common(fig)
        assert fig.layout.meta.get("rank", 3) == 3
        assert len(fig.to_json()) < BUDGET


def test_kinds_not_at_a_rank_are_refused_by_lib():
    with pytest.raises(ConvError):
        analyze("spatially_separable", **DEFAULT_1D)
    with pytest.raises(ConvError):
        analyze("separable_keras", **DEFAULT_3D)


def test_as_position():
    assert as_position(5, 1) == (5,)
    assert as_position((3, 5), 1) == (5,)
    assert as_position((3, 5), 3) == (0, 3, 5)
    assert as_position((1, 2, 3), 2) == (2, 3)
    assert as_position(np.int64(4), 2) == (0, 4)


# ---------------------------------------------------------------------------
# Filter tensor
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS_1D)
@pytest.mark.parametrize("cfg", [DEFAULT_1D, dict(k=4, w=3, c=2, W=16),
                                 dict(k=20, w=15, c=20, W=64)])
def test_filter_tensor_1d(kind, cfg):
    r = analyze(kind, **cfg)
    fig = check_filters_nd(r)
    assert check_filters_nd(r, 3, 2).layout.meta["filters_drawn"] <= 3 * len(spatial_stages(r))
    assert "row of kw taps per input channel" in fig.layout.title.subtitle.text


@pytest.mark.parametrize("kind", KINDS_3D)
@pytest.mark.parametrize("cfg", [DEFAULT_3D, dict(k=4, w=3, c=2, D=4, H=8, W=8),
                                 dict(k=20, w=(3, 5, 7), c=20, D=16, H=16, W=16)])
def test_filter_tensor_3d(kind, cfg):
    r = analyze(kind, **cfg)
    fig = check_filters_nd(r)
    check_filters_nd(r, 1, 1)
    check_filters_nd(r, 16, 12)
    assert "a kd×kh×kw cube for every input channel" in fig.layout.title.subtitle.text


def test_filter_tensor_1d_is_taps_by_channels_coloured_by_channel():
    r = analyze("standard", k=2, w=5, c=4, W=32)
    fig = check_filters_nd(r)
    (sm,) = fig.layout.meta["stages"]
    assert sm["cells"] == 2 * 4 * 5 and not fig.layout.meta["truncated"]
    meshes = [t for t in fig.data if t.type == "mesh3d"]
    assert len({m.color for m in meshes}) == 4 and {m.color for m in meshes} <= set(CHANNEL_COLORS)


def test_filter_tensor_3d_rows_of_cubes_with_bias():
    r = analyze("standard", k=3, w=3, c=2, D=8, H=8, W=8)
    fig = check_filters_nd(r)
    (sm,) = fig.layout.meta["stages"]
    assert sm["kernel_drawn"] == [3, 3, 3] and sm["cells"] == 3 * 2 * 27
    (weights,) = weight_traces(fig)
    cd = np.asarray(weights.customdata, dtype=np.int64)
    # one cube per (filter, channel): every cube holds all kd×kh×kw weights
    for f in range(3):
        for ch in range(2):
            assert ((cd[:, 0] == f) & (cd[:, 1] == ch)).sum() == 27
    # a filter's cubes share a row: same z range; different filters are different rows
    z = np.asarray(weights.z)
    rows = [set(np.round(z[cd[:, 0] == f], 3)) for f in range(3)]
    assert rows[0].isdisjoint(rows[1]) and rows[1].isdisjoint(rows[2])
    bias = next(t for t in fig.data if t.name and t.name.startswith("bias"))
    assert list(bias.customdata) == [0, 1, 2]


def test_filter_tensor_3d_big_kernel_is_cropped_with_note():
    r = analyze("standard", **MAXIMUM_3D)
    fig = check_filters_nd(r)
    (sm,) = fig.layout.meta["stages"]
    assert sm["filters_drawn"] == 8 and sm["channels_drawn"] == 8
    assert sm["kernel_drawn"][0] < 11
    text = named(fig, TRUNCATION)[0].text
    assert "+504 more filters" in text and "+504 more channels per filter" in text


def test_filter_tensor_shared_channels_note_per_rank():
    for r in (analyze("shared_channels", k=3, w=3, c=5, W=16),
              analyze("shared_channels", k=3, w=3, c=5, D=4, H=8, W=8)):
        fig = check_filters_nd(r)
        assert "Same kernel for all 5 channels" in named(fig, NOTE)[0].text


# ---------------------------------------------------------------------------
# Sliding window, 1D
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,extra,position", cases(KINDS_1D, DEFAULT_1D, [
    ({}, 0), ({}, 60), (dict(padding="causal"), 0), (dict(padding="causal", dilation=3), 9),
    (dict(padding="causal", stride=2, dilation=2), 5), (dict(padding="same", stride=2), 3),
    (dict(padding=3, stride=2, dilation=2), 4), (dict(stride=2, padding=1), 7),
    (dict(W=5, w=3), 9), (dict(W=1000, dilation=64, w=11), 400),
]))
def test_sliding_window_1d_geometry(kind, extra, position):
    r = valid_layer(kind, **{**DEFAULT_1D, **extra})
    assert r is not None  # only valid layers are collected
    check_sliding_1d(r, position)
    check_sliding_1d(r, position, frames=True)


@pytest.mark.parametrize("d,w,t", [(1, 2, 0), (1, 3, 5), (2, 3, 9), (4, 2, 3), (8, 5, 40)])
def test_causal_pads_on_the_left_only_and_never_looks_ahead(d, w, t):
    r = analyze("standard", k=4, w=w, c=2, W=48, padding="causal", dilation=d)
    a = r.stages[0].axes[0]
    assert (a.before, a.after) == (d * (w - 1), 0)
    fig = check_sliding_1d(r, t)
    m = fig.layout.meta
    assert m["causal"] and m["padding"] == [a.before, a.after]
    pads = traces_named(fig, "zero padding")
    if pads:  # every zero drawn sits left of step 0
        assert (np.asarray(pads[0].x) < 0).all()
    assert m["padding_drawn"][1] == 0
    # output t's newest input is x[t]: everything it reads is at or before t
    taps = np.asarray(traces_named(fig, "kernel weight")[0].x)
    assert taps.max() == t == m["newest_input"]
    assert m["output_x"] == t  # drawn under its newest input
    future = traces_named(fig, "future")
    assert future and min(x for x in future[0].x if x is not None) == t + 0.5
    assert "causal" in fig.layout.title.text


def test_sliding_window_1d_small_is_complete_and_long_is_cropped():
    fig = check_sliding_1d(analyze("standard", k=2, w=3, c=1, W=12, padding=1), 4)
    m = fig.layout.meta
    assert not m["truncated"] and m["input_view"] == [-1, 12]
    assert len(traces_named(fig, "input cell")[0].x) == 12
    fig = check_sliding_1d(analyze("standard", **MAXIMUM_1D), 500)
    assert fig.layout.meta["truncated"]
    assert "Cropped view" in named(fig, TRUNCATION)[0].text


def test_sliding_window_1d_transposed_inserts_zeros():
    r = analyze("transposed", k=2, w=3, c=1, W=5, stride=2, padding=1)
    fig = check_sliding_1d(r, 4)
    assert len(traces_named(fig, "input cell")[0].x) == 5
    assert list(traces_named(fig, "input cell")[0].x) == [0, 2, 4, 6, 8]
    assert traces_named(fig, "inserted zero")


# ---------------------------------------------------------------------------
# Sliding window, 3D
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,extra,position", cases(KINDS_3D, DEFAULT_3D, [
    ({}, (0, 0, 0)), ({}, (5, 13, 13)), (dict(padding="same"), (0, 3, 4)),
    (dict(padding=2, stride=2, dilation=2), (1, 2, 3)),
    (dict(stride=2, padding=1, output_padding=1), (3, 7, 7)), (dict(w=(1, 3, 5)), (2, 2, 2)),
]))
def test_sliding_window_3d_geometry(kind, extra, position):
    r = valid_layer(kind, **{**DEFAULT_3D, **extra})
    assert r is not None  # only valid layers are collected
    check_sliding_3d(r, position)
    check_sliding_3d(r, position, frames=True)


def test_sliding_window_3d_same_padding_at_depth_0_shows_the_first_real_slice():
    r = analyze("standard", k=2, w=3, c=1, D=6, H=6, W=6, padding="same")
    fig = check_sliding_3d(r, (0, 2, 2))
    m = fig.layout.meta
    assert m["depth_taps"] == [-1, 0, 1] and m["depth_shown"] == 0
    strip = next(t for t in fig.data if t.name == "depth slices")
    assert np.asarray(strip.z).shape == (8, 1)  # 6 slices + one zero slice either side


def test_sliding_window_3d_2d_position_means_depth_0():
    r = analyze("standard", **DEFAULT_3D)
    assert sliding_window_figure(r, (3, 4)).layout.meta["position"] == [0, 3, 4]


# ---------------------------------------------------------------------------
# Volume
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("extra", [{}, dict(padding=1), dict(padding="same", stride=2),
                                   dict(padding="causal"),
                                   dict(stride=2, padding=1, output_padding=1)])
def test_volume_boxes_match_stages(rank, extra):
    base, kinds = (DEFAULT_1D, KINDS_1D) if rank == 1 else (DEFAULT_3D, KINDS_3D)
    for kind in kinds:
        r = valid_layer(kind, **{**base, **extra})
        if r is None:
            continue
        fig = volume_figure(r)
        check_common(fig)
        m = fig.layout.meta
        assert m["rank"] == rank
        expected = [list(r.input_shape)] + [list(s.out_shape) for s in r.stages]
        assert [b["shape"] for b in m["boxes"]] == expected
        texts = " ".join(re.sub(r"<[^>]+>", " ", a.text) for a in fig.layout.annotations)
        texts = re.sub(r"\s+", " ", texts)  # lines joined by one space, tags dropped
        for shape in expected:
            assert "×".join(map(str, shape)) in texts
        padded = any((a.before or a.after) for s in r.stages if s.op in ("conv", "depthwise")
                     for a in s.axes)
        assert ("zero padding" in texts) == padded
        a = r.stages[0].axes[0]
        if rank == 1 and a.mode == "causal" and a.before:
            assert f"zero padding: {a.before} left / 0 right (causal)" in texts
        if rank == 3:
            assert f"depth D = {r.input_shape[0]}" in texts
            assert "D×H×W×C" in texts


# ---------------------------------------------------------------------------
# Parameter charts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("rank", [1, 3])
def test_param_breakdown_and_compare_all_kinds(rank):
    base, kinds = (DEFAULT_1D, KINDS_1D) if rank == 1 else (DEFAULT_3D, KINDS_3D)
    results = {k: analyze(k, **base) for k in kinds}
    for r in results.values():
        fig = param_breakdown_figure(r)
        check_common(fig)
        assert list(fig.data[0].y) == [s.weight_params for s in r.stages]
        assert list(fig.data[1].y) == [s.bias_params for s in r.stages]
    for log in (False, True):
        fig = compare_params_figure(results, log_scale=log, current="standard")
        check_common(fig)
        assert list(fig.data[0].x) == [results[k].weight_params for k in kinds]
        assert f"Conv{rank}D" in " ".join(fig.data[0].y)
        assert ("W)" if rank == 1 else "D, H, W") in fig.layout.title.subtitle.text


@pytest.mark.parametrize("base,vary,values", [
    (dict(kind="standard", **DEFAULT_1D), "W", [8, 16, 32, 64, 128]),
    (dict(kind="depthwise", **DEFAULT_1D, padding="causal"), "w", [1, 2, 3, 5, 9]),
    (dict(kind="standard", **DEFAULT_3D), "D", [1, 2, 4, 8, 16]),
    (dict(kind="separable_pytorch", **DEFAULT_3D), "H", [4, 8, 16, 32]),
    (dict(kind="grouped", **DEFAULT_3D, groups=1), "k", [1, 2, 4, 8]),
])
def test_scaling_every_rank(base, vary, values):
    fig = scaling_figure(base, vary, values, current=values[2])
    check_common(fig)
    m = fig.layout.meta
    args = ("H", "W") if vary == "H" and base.get("H") == base.get("W") else (vary,)
    expected = {v: valid_layer(**{**base, **{a: v for a in args}}) for v in values}
    valid = [v for v, e in expected.items() if e is not None]
    assert m["values"] == valid
    assert m["params"] == [expected[v].params for v in valid]
    assert m["macs"] == [expected[v].macs for v in valid]
    if vary in ("W", "D", "H"):
        assert len(set(m["params"])) == 1  # parameters never depend on the sizes


def test_scaling_refuses_axes_the_rank_does_not_have():
    with pytest.raises(ValueError, match="vary 'W'"):
        scaling_figure(dict(kind="standard", **DEFAULT_1D), "H", [8, 16], current=8)
    with pytest.raises(ValueError, match="needs D"):
        scaling_figure(dict(kind="standard", k=4, w=3, c=3, H=16, W=16), "D", [8], current=8)


# ---------------------------------------------------------------------------
# Dilated stack
# ---------------------------------------------------------------------------

def test_wavenet_stack_receptive_fields():
    fig = dilated_stack_figure(WAVENET)
    check_common(fig)
    m = fig.layout.meta
    assert m["receptive_fields"] == [2, 4, 8, 16]
    texts = [a.text for a in named(fig, "receptive_field")]
    assert len(texts) == 4
    for rf, text in zip((2, 4, 8, 16), texts):
        assert f"<b>{rf}</b>" in text
    # lib.conv's stage-level receptive field, applied to the whole stack
    stages = tuple(s for r in WAVENET for s in r.stages)
    assert receptive_field(stages) == (16,)
    # the drawn tree of the last output reaches exactly the 16 last inputs
    assert m["step"] == 63 and m["reached"] == list(range(48, 64)) and m["input_span"] == 16
    assert m["dilations"] == [1, 2, 4, 8] and m["kernels"] == [2, 2, 2, 2] and m["causal"]
    assert m["window"][1] - m["window"][0] + 1 >= 32  # the last ~32 steps
    assert "16 input steps" in named(fig, "receptive_field_input")[0].text
    # causal: no line goes from a step to a later one
    for t in fig.data:
        if t.name and "reads" in t.name:
            xs = list(t.x)
            for k in range(0, len(xs), 3):
                assert xs[k + 1] <= xs[k]
    assert len(fig.to_json()) < BUDGET


def test_stack_early_step_reaches_causal_padding():
    fig = dilated_stack_figure(WAVENET, step=5)
    m = fig.layout.meta
    assert m["reached"] == [0, 1, 2, 3, 4, 5]
    pads = [t for t in fig.data if t.name and t.name.startswith("zero padding")]
    assert pads and (np.asarray(pads[0].x) < 0).all()
    assert m["window"][0] <= -3  # layer 4 reads 5 - 8 = -3, a zero


def test_stack_refuses_non_stacks():
    with pytest.raises(ValueError, match="1D"):
        dilated_stack_figure([analyze("standard", **DEFAULT_3D)])
    with pytest.raises(ValueError, match="not a stack"):
        dilated_stack_figure([analyze("standard", k=8, w=2, c=16, W=64),
                              analyze("standard", k=8, w=2, c=8, W=64)])
    with pytest.raises(ValueError):
        dilated_stack_figure([])


@st.composite
def stacks(draw):
    n = draw(st.integers(1, 5))
    W = draw(st.integers(64, 400))
    c = 4
    rs = []
    for _ in range(n):
        kw = dict(k=c, w=draw(st.integers(1, 4)), c=c, W=W,
                  dilation=draw(st.sampled_from([1, 2, 3, 4, 8])),
                  stride=draw(st.sampled_from([1, 1, 2])),
                  padding=draw(st.sampled_from(["causal", "same", "valid"])))
        kind = draw(st.sampled_from(["standard", "depthwise", "separable_pytorch",
                                     "grouped", "shared_channels"]))
        try:
            r = analyze(kind, **kw)
        except ConvError:
            assume(False)
        rs.append(r)
        W = r.output_shape[0]
    return rs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                  HealthCheck.too_slow])
@given(rs=stacks(), where=st.floats(0, 1))
def test_stack_tree_span_is_the_receptive_field(rs, where):
    step = int(where * (rs[-1].output_shape[0] - 1))
    fig = dilated_stack_figure(rs, step=step)
    check_common(fig)
    m = fig.layout.meta
    rfs = [receptive_field(tuple(s for r in rs[:i + 1] for s in r.stages))[0]
           for i in range(len(rs))]
    assert m["receptive_fields"] == rfs
    assert len(named(fig, "receptive_field")) == len(rs)
    if m["padding_reached_all"] == 0:
        # the tree touches no zero in any row: its input span is the whole receptive field
        assert m["reached"][-1] - m["reached"][0] + 1 == rfs[-1] == m["input_span"]
    else:
        assert m["input_span"] <= rfs[-1]
    assert len(fig.to_json()) < BUDGET


# ---------------------------------------------------------------------------
# Budgets at the maximum settings, build time, random layers
# ---------------------------------------------------------------------------

def _max_variants(base: dict, kind: str, rank: int) -> list[dict]:
    out = [dict(base), dict(base, stride=8, padding=10, dilation=8),
           dict(base, padding="same", dilation=8)]
    if rank == 1:
        out += [dict(base, padding="causal", dilation=64), dict(base, dilation=64)]
    if kind == "grouped":
        out += [dict(base, groups=g) for g in (2, 64, 512)]
    if kind in ("depthwise", "separable_keras", "separable_pytorch"):
        out += [dict(base, depth_multiplier=8), dict(base, depth_multiplier=8, dilation=8)]
    if kind == "transposed":
        out += [dict(base, stride=8, padding=10, output_padding=7),
                dict(base, stride=8, padding=0, dilation=8, output_padding=7),
                dict(base, groups=512, padding=1)]
    return out


MAX_CASES = [(kind, kw) for rank, base, kinds in ((1, MAXIMUM_1D, KINDS_1D),
                                                  (3, MAXIMUM_3D, KINDS_3D))
             for kind in kinds for kw in _max_variants(base, kind, rank)
             if valid_layer(kind, **kw) is not None]
MAX_IDS = [f"{'3d' if 'D' in kw else '1d'}-{kind}" + "".join(
    f"-{a}{b}" for a, b in kw.items() if a not in MAXIMUM_3D) for kind, kw in MAX_CASES]


@pytest.mark.parametrize("kind,kw", MAX_CASES, ids=MAX_IDS)
def test_payload_budget_at_maximum_settings(kind, kw):
    r = analyze(kind, **kw)
    pos = 500 if r.rank == 1 else (30, 500, 500)
    figs = list(_figures(r, pos))
    figs.append(sliding_window_frames(r, pos, max_frames=60))
    for fig in figs:
        check_common(fig)
        size = len(fig.to_json())
        assert size < BUDGET, (fig.layout.meta["figure"], size)
    f = figs[0].layout.meta
    assert f["truncated"] and f["filters_drawn"] <= 8 * len(spatial_stages(r))


def test_stack_and_compare_payload_at_maximum():
    for base, kinds in ((MAXIMUM_1D, KINDS_1D), (MAXIMUM_3D, KINDS_3D)):
        results = {k: analyze(k, **base) for k in kinds}
        for log in (False, True):
            assert len(compare_params_figure(results, log_scale=log).to_json()) < BUDGET
    deep = [analyze("standard", k=512, w=11, c=512, W=8192, padding="causal", dilation=64)
            for _ in range(8)]
    fig = dilated_stack_figure(deep)
    assert fig.layout.meta["truncated"] and len(fig.to_json()) < BUDGET


def test_build_time_is_bounded():
    """Generous bound in CPU time (shared CI machines); bench/figure_payload.py reports real
    timings."""
    for r, pos in ((analyze("standard", **MAXIMUM_1D), 500),
                   (analyze("standard", **MAXIMUM_3D), (30, 500, 500))):
        for build in (lambda: filter_tensor_figure(r), lambda: volume_figure(r),
                      lambda: sliding_window_figure(r, pos),
                      lambda: sliding_window_frames(r, pos),
                      lambda: param_breakdown_figure(r)):
            build()
            assert min(timed(build) for _ in range(3)) < 0.5
    dilated_stack_figure(WAVENET)
    assert min(timed(lambda: dilated_stack_figure(WAVENET)) for _ in range(3)) < 0.5


@st.composite
def layers(draw, rank):
    kinds = KINDS_1D if rank == 1 else KINDS_3D
    kind = draw(st.sampled_from(kinds))
    sizes = (dict(W=draw(st.integers(1, 200))) if rank == 1 else
             dict(D=draw(st.integers(1, 24)), H=draw(st.integers(1, 40)),
                  W=draw(st.integers(1, 40))))
    w = draw(st.integers(1, 11)) if rank == 1 else draw(st.one_of(
        st.integers(1, 7), st.tuples(st.integers(1, 7), st.integers(1, 7),
                                     st.integers(1, 7))))
    paddings = ["valid", "same", 0, 1, 2, 5] + (["causal"] if rank == 1 else [])
    kw = dict(k=draw(st.sampled_from([1, 2, 3, 4, 8, 12, 64])),
              c=draw(st.sampled_from([1, 2, 3, 4, 8, 64])), w=w, **sizes,
              stride=draw(st.integers(1, 4)), padding=draw(st.sampled_from(paddings)),
              dilation=draw(st.integers(1, 3)), groups=draw(st.sampled_from([1, 2, 4])),
              depth_multiplier=draw(st.integers(1, 3)),
              output_padding=draw(st.integers(0, 2)), bias=draw(st.booleans()))
    try:
        return analyze(kind, **kw)
    except ConvError:
        assume(False)


_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@_SETTINGS
@given(r=layers(1), t=st.integers(0, 250))
def test_any_valid_1d_layer(r, t):
    check_filters_nd(r)
    check_filters_nd(r, max_filters=3, max_channels=2)
    check_sliding_1d(r, t)
    check_sliding_1d(r, t, frames=True)
    for fig in (volume_figure(r), param_breakdown_figure(r)):
        check_common(fig)
        assert len(fig.to_json()) < BUDGET


@_SETTINGS
@given(r=layers(3), pos=st.tuples(st.integers(0, 30), st.integers(0, 50), st.integers(0, 50)))
def test_any_valid_3d_layer(r, pos):
    check_filters_nd(r)
    check_filters_nd(r, max_filters=3, max_channels=2)
    check_sliding_3d(r, pos)
    for fig in (volume_figure(r), param_breakdown_figure(r),
                sliding_window_frames(r, pos, max_frames=6)):
        check_common(fig)
        assert len(fig.to_json()) < BUDGET


def test_palette_is_okabe_ito():
    from lib.figures import stack
    assert set(CHANNEL_COLORS) <= OKABE_ITO
    assert set(stack.EDGE_COLORS) <= OKABE_ITO


_FILTER_CASES = [c for c in figure_cases() if c.builder == "filter_tensor_figure"]


def _with_text_traces(case, monkeypatch):
    """The case's figure with its labels still as scene text traces (as fitted)."""
    with monkeypatch.context() as m:
        m.setattr(blocks, "labels_to_annotations", lambda scene, traces: None)
        return case.build()


@pytest.mark.parametrize("case", _FILTER_CASES, ids=[c.id for c in _FILTER_CASES])
def test_filter_scene_labels_are_apart_at_the_narrowest_width(case, monkeypatch):
    """The 3D filter views grow (up to MAX_HEIGHT) until no filter tag or heading touches
    another label or covers a drawn weight; channel names that still collide are left out,
    never the first of a row. The browser matrix measures the same as drawn."""
    fig = _with_text_traces(case, monkeypatch)
    assert 400 <= fig.layout.height <= blocks.MAX_HEIGHT
    scene, data = fig.layout.scene.to_plotly_json(), list(fig.data)
    scale = blocks.fit_view(scene, data, fig.layout.height, fig.layout.margin.t)
    assert not blocks._overlapping(scene, data, scale, fig.layout.height, fig.layout.margin.t)
    boxes = blocks._label_boxes(scene, data, scale)
    assert len(boxes) >= fig.layout.meta["filters_drawn"]  # every drawn filter is tagged
    for t in data:
        if t.name == blocks.THINNABLE:
            assert t.text[0], "the first channel column keeps its name"


@pytest.mark.parametrize("case", _FILTER_CASES, ids=[c.id for c in _FILTER_CASES])
def test_filter_scene_labels_are_drawn_as_annotations_where_they_were_fitted(case, monkeypatch):
    """Issue 14: the labels go out as SVG scene annotations (WebGL text triangulates every
    string). Each non-empty label of the fitted text traces is one annotation at the same
    point, with the same text, size and side of its point; nothing else changes."""
    fitted, drawn = _with_text_traces(case, monkeypatch), case.build()
    side = {"bottom center": ("center", "top"), "top center": ("center", "bottom"),
            "middle left": ("right", "middle"), "middle right": ("left", "middle")}
    want = []
    for t in fitted.data:
        if t.type == "scatter3d" and t.mode == "text":
            pos = t.textposition
            for i, text in enumerate(t.text):
                if text.strip():
                    p = pos[i] if isinstance(pos, tuple) else pos
                    want.append((t.name, text, *np.float32([t.x[i], t.y[i], t.z[i]]).tolist(),
                                 side[p], t.textfont.size))
    got = [(a.name, a.text, *np.float32([a.x, a.y, a.z]).tolist(), (a.xanchor, a.yanchor),
            a.font.size) for a in drawn.layout.scene.annotations]
    assert got == want and len(got) >= drawn.layout.meta["filters_drawn"]
    assert all(a.showarrow is False for a in drawn.layout.scene.annotations)
    # No label is left as WebGL text, which plotly draws a marker's size off its point
    # (the fitting measures the annotation's box): the transposed conv's "one input cell"
    # label did that and touched the filter block under it.
    assert not [t.name for t in drawn.data if t.type == "scatter3d" and "text" in t.mode]


def test_a_label_that_touches_a_marker_square_overlaps_it():
    """The fitting counts a marker's whole square (``marker.size`` px wide), not only its
    centre: a label that ends ``gap`` px left of a marker's centre touches a marker wider
    than 2 × ``gap`` and clears a narrower one."""
    import plotly.graph_objects as go

    def scene_with(size: float) -> tuple[dict, list, float]:
        traces = [blocks.text_trace([-1], [0], [0], ["label"], name="a label",
                                    textposition="middle left"),
                  go.Scatter3d(x=[0.0], y=[0], z=[0], mode="markers", name="weights",
                               marker=dict(size=size))]
        scene = dict(camera=dict(eye=dict(x=0, y=-2, z=0), up=dict(x=0, y=0, z=1),
                                 projection=dict(type="orthographic")),
                     **{f"{a}axis": {} for a in "xyz"})
        return scene, traces, blocks.fit_view(scene, traces, 400, 0)

    scene, traces, scale = scene_with(1.0)
    (_, _, box), = blocks._label_boxes(scene, traces, scale)
    u, _, _ = blocks._marker_px(scene, traces, scale)
    gap = float(u[0] - box[1])
    assert gap > 5.0  # the centre is well outside the label's box
    for size, touches in ((2 * gap + 4, True), (2 * gap - 4, False)):
        scene, traces, scale = scene_with(size)
        assert blocks._marker_px(scene, traces, scale)[2].tolist() == [size / 2]
        assert blocks._overlapping(scene, traces, scale, 400, 0) is touches, size
