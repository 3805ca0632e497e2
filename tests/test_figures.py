"""lib.figures: every figure draws what lib.conv.analyze says, stays small and labelled.

Expected values come from ``analyze`` (stages, axes, counts), never from the figure.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from lib.cell import figure_stage
from lib.conv import KINDS, ConvError, analyze
from lib.figures import (compare_params_figure, filter_tensor_figure, param_breakdown_figure,
                         scaling_figure, sliding_window_figure, sliding_window_frames,
                         volume_figure)
from lib.presets import PRESET_BY_KEY
from lib.figures._common import CHANNEL_COLORS, CLICK_TRACE, NOTE, TRUNCATION
from lib.figures.sliding import INPUT
from lib.figures.volume import (CAPTION, CELL_COLOR, INPUT_COLOR, KERNEL_COLOR, KERNEL_TEXT,
                                MID_COLOR, OUTPUT_COLOR, PAD_COLOR)
from tests.figure_checks import (cases, check_common, check_filters_2d, check_sliding_2d,
                                 front_faces, inside, named, spatial_stages, timed,
                                 valid_layer)

BUDGET = 300_000  # bytes of fig.to_json()
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000", "#999999"}

DEFAULT = dict(k=10, w=4, c=3, H=32, W=32)
MAXIMUM = dict(k=512, w=11, c=512, H=1024, W=1024)


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
             if valid_layer(kind, **kw) is not None]
MAX_IDS = [kind + "".join(f"-{a}{b}" for a, b in kw.items() if a not in MAXIMUM)
           for kind, kw in MAX_CASES]


def _all_figures(r):
    yield filter_tensor_figure(r)
    yield volume_figure(r)
    yield sliding_window_figure(r, (3, 5))
    yield sliding_window_frames(r, (1, 1), max_frames=24)
    yield param_breakdown_figure(r)


# ---------------------------------------------------------------------------
# Filter tensor
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_filter_tensor_default(kind):
    r = analyze(kind, **DEFAULT)
    fig = check_filters_2d(r)
    # k=10 > 8 filters: every kind that has k filters says so
    if kind != "depthwise":
        assert fig.layout.meta["truncated"]
    else:  # 3 channels × multiplier 1 = 3 filters, all drawn
        assert not fig.layout.meta["truncated"]
        assert fig.layout.meta["filters_drawn"] == 3


@pytest.mark.parametrize("kind", KINDS)
def test_filter_tensor_small_layer_is_complete(kind):
    r = analyze(kind, k=4, w=3, c=2, H=8, W=8)
    fig = check_filters_2d(r)
    assert not fig.layout.meta["truncated"]
    assert not named(fig, TRUNCATION)


def test_filter_tensor_each_channel_has_its_own_colour():
    r = analyze("standard", k=2, w=3, c=4, H=8, W=8)
    fig = filter_tensor_figure(r)
    meshes = [t for t in fig.data if t.type == "mesh3d"]
    assert len({m.color for m in meshes}) == 4
    assert {m.color for m in meshes} <= set(CHANNEL_COLORS)


def test_filter_tensor_shared_channels_draws_one_kernel_per_filter():
    r = analyze("shared_channels", k=3, w=3, c=5, H=8, W=8)
    fig = check_filters_2d(r)
    (sm,) = fig.layout.meta["stages"]
    assert sm["channels_drawn"] == 1 and sm["cells"] == 3 * 9
    assert named(fig, NOTE) and "Same kernel for all 5 channels" in named(fig, NOTE)[0].text


def test_filter_tensor_grouped_spreads_over_groups():
    r = analyze("grouped", k=512, w=3, c=512, H=8, W=8, groups=4)
    fig = check_filters_2d(r)
    (sm,) = fig.layout.meta["stages"]
    per_out = r.stages[0].out_channels // r.stages[0].groups
    assert {f // per_out for f in sm["filters"]} == {0, 1, 2, 3}


@pytest.mark.parametrize("max_filters,max_channels", [(1, 1), (3, 2), (16, 12)])
def test_filter_tensor_limits(max_filters, max_channels):
    for kind in KINDS:
        check_filters_2d(analyze(kind, k=20, w=5, c=20, H=16, W=16), max_filters, max_channels)


# ---------------------------------------------------------------------------
# Volume
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,extra", cases(KINDS, DEFAULT, [
    {}, dict(padding=1), dict(padding="same", stride=2),
    dict(stride=2, padding=1, output_padding=1)]))
def test_volume_boxes_match_stages(kind, extra):
    r = valid_layer(kind, **DEFAULT, **extra)
    assert r is not None  # only valid layers are collected
    fig = volume_figure(r)
    check_common(fig)
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


#: One conv stage each (the kernel sits on the input, the cell on the output): 1D, 2D, 3D,
#: padded, strided, dilated, and one large enough for the square-root scale.
VOLUME_LAYERS = [
    ("standard", dict(k=3, w=3, c=2, H=9, W=12)),
    ("standard", dict(k=3, w=3, c=2, H=9, W=12, padding=1, stride=2)),
    ("depthwise", dict(k=3, w=3, c=3, H=9, W=12, padding="same", stride=3)),
    ("standard", dict(k=4, w=5, c=3, W=40, padding="causal")),
    ("standard", dict(k=4, w=3, c=3, W=40, padding=2, dilation=3)),
    ("standard", dict(k=4, w=3, c=3, D=5, H=6, W=7, padding=1)),
    ("standard", dict(k=8, w=11, c=8, H=200, W=300, padding=5, stride=2, dilation=2)),
]


def _volume_parts(fig, r):
    """(padded input face, kernel face, output face, output cell face) of a one-stage layer."""
    padded = any(a.before or a.after for a in r.stages[0].axes)
    outer = front_faces(fig, PAD_COLOR if padded else INPUT_COLOR)
    (kernel,), (out,), (cell,) = (front_faces(fig, c) for c in (KERNEL_COLOR, OUTPUT_COLOR,
                                                                CELL_COLOR))
    return outer[0], kernel, out, cell


@pytest.mark.parametrize("kind, kw", VOLUME_LAYERS, ids=lambda v: str(v))
def test_volume_position_is_clamped_and_the_first_and_last_are_drawn_inside(kind, kw):
    r = analyze(kind, **kw)
    out = r.stages[0].out_shape[:-1]
    last = [n - 1 for n in out]
    assert volume_figure(r).layout.meta["position"] == [0] * r.rank
    assert volume_figure(r, (-3,) * r.rank).layout.meta["position"] == [0] * r.rank
    assert volume_figure(r, (10**6,) * r.rank).layout.meta["position"] == last
    front = [0] * (r.rank - 2) + last[-2:] if r.rank > 1 else last  # 3D: depth slice 0
    first_fig, last_fig = volume_figure(r, [0] * r.rank), volume_figure(r, front)
    check_common(last_fig)
    p0, p1 = _volume_parts(first_fig, r), _volume_parts(last_fig, r)
    for outer, kernel, box, cell in (p0, p1):
        assert inside(kernel, outer) and inside(cell, box)
    # the first window starts at the padded input's top-left, the first cell is the
    # output's top-left; the last cell is its bottom-right (1D: a whole channel column)
    (o0, k0, b0, c0), (_, k1, b1, c1) = p0, p1
    assert k0[0] == pytest.approx(o0[0]) and k0[3] == pytest.approx(o0[3])
    assert c0[0] == pytest.approx(b0[0]) and c0[3] == pytest.approx(b0[3])
    assert c1[2] == pytest.approx(b1[2]) and c1[1] == pytest.approx(b1[1])
    if out[-1] > 1:  # moving right moves the kernel and the cell right
        assert k1[0] > k0[0] and c1[0] > c0[0]
    if r.rank > 1 and out[-2] > 1:  # moving down moves them down
        assert k1[3] < k0[3] and c1[3] < c0[3]
    # monotone along the row: each next column is drawn further right
    cols = sorted({0, 1, out[-1] // 2, out[-1] - 2, out[-1] - 1} & set(range(out[-1])))
    xs = [_volume_parts(volume_figure(r, [0] * (r.rank - 1) + [c]), r)[3][0] for c in cols]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


#: every kind at 1D, 2D and 3D (where the kind exists), padded so a rim label is drawn too
_VOLUME_SIZES = {"1D": dict(W=16), "2D": dict(H=11, W=13), "3D": dict(D=5, H=6, W=7)}
_VOLUME_RANKS = [(kind, dims) for kind in KINDS for dims in _VOLUME_SIZES
                 if valid_layer(kind, k=4, w=3, c=3, padding=1, **_VOLUME_SIZES[dims])]


@pytest.mark.parametrize("kind,dims", _VOLUME_RANKS)
def test_volume_texts_stay_put_whatever_the_position(kind, dims):
    """Only shapes follow the output position; every text (box labels, stage captions,
    rims, notes) is the same at the first, a middle and the last position. A label that
    followed the kernel landed on the stage captions at late positions (review of stop 20),
    and the browser layout checks measure one position per case."""
    r = analyze(kind, k=4, w=3, c=3, padding=1, **_VOLUME_SIZES[dims])
    out = r.stages[figure_stage(r)].out_shape[:-1]
    positions = [[0] * r.rank, [n // 2 for n in out], [n - 1 for n in out]]
    texts = [[(a.text, a.x, a.y, a.xanchor, a.yanchor) for a in
              volume_figure(r, p).layout.annotations] for p in positions]
    moved = [p for p, t in zip(positions, texts) if t != texts[0]]
    assert not moved, f"texts moved with the position at {moved}"
    shapes = [volume_figure(r, p).layout.shapes for p in positions]
    assert shapes[0] != shapes[2]  # the kernel and the cell did move


@pytest.mark.parametrize("kind", KINDS)
def test_volume_stage_captions_name_each_kernel_in_the_kernel_colour(kind):
    """The orange box has no label of its own: every weighted stage's caption reads
    ``<filters> × ■ <kernel>×<channels per group>`` with ■ and shape in the kernel text
    colour, from the stage itself."""
    r = analyze(kind, **DEFAULT)
    captions = [a.text for a in volume_figure(r).layout.annotations if a.name == CAPTION]
    assert len(captions) == len(r.stages)
    for st_, text in zip(r.stages, captions):
        if st_.op == "channel_sum":
            assert "no weights" in text and "■" not in text
            continue
        shape = "×".join(map(str, (*st_.kernel, st_.in_channels // st_.groups)))
        assert f"{st_.out_channels:,} × <span style='color:{KERNEL_TEXT}'>■ {shape}</span>" \
            in text, text
    assert not any(a.text.startswith("kernel ") for a in volume_figure(r).layout.annotations)


def _click_trace(fig):
    (trace,) = [t for t in fig.data if t.name == CLICK_TRACE]
    return trace


@pytest.mark.parametrize("kind,kw", MAX_CASES, ids=MAX_IDS)
def test_volume_click_markers_stay_bounded_at_the_largest_settings(kind, kw):
    """At most ~1,000 markers, on the clickable output's front face, naming real cells
    from the first to the last (a coarser grid than the cells)."""
    r = analyze(kind, **kw)
    index = figure_stage(r)
    fig = volume_figure(r, (10**6, 10**6))
    assert len(fig.data) <= 3 and len(fig.to_json()) < BUDGET
    trace = _click_trace(fig)
    assert 0 < len(trace.x) <= 1000
    cells = np.array(trace.customdata)
    n_out = np.array(r.stages[index].out_shape[:-1])
    assert cells.shape == (len(trace.x), r.rank)
    assert (cells >= 0).all() and (cells < n_out).all()
    assert len({tuple(c) for c in cells.tolist()}) == len(cells)
    assert [0, 0] in cells.tolist() and (n_out - 1).tolist() in cells.tolist()
    face = front_faces(fig, OUTPUT_COLOR if index == len(r.stages) - 1 else MID_COLOR)[0]
    assert all(inside((x, y, x, y), face) for x, y in zip(trace.x, trace.y))


# ---------------------------------------------------------------------------
# Sliding window
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,extra,position", cases(KINDS, DEFAULT, [
    ({}, (0, 0)), ({}, (28, 28)), (dict(padding=1, stride=2), (3, 4)),
    (dict(padding="same", stride=3, dilation=2), (5, 1)), (dict(dilation=3), (2, 9)),
    (dict(padding=2, stride=2, output_padding=1), (7, 7)), (dict(H=5, W=7), (9, 9)),
]))
def test_sliding_window_geometry(kind, extra, position):
    r = valid_layer(kind, **{**DEFAULT, **extra})
    assert r is not None  # only valid layers are collected
    check_sliding_2d(r, position)
    check_sliding_2d(r, position, frames=True)


def _labelled_cells(trace, x0=None, y0=None, text=None) -> set[tuple[int, int]]:
    """(row, col) of every cell of a heatmap trace that shows a label."""
    text = np.asarray(trace.text if text is None else text)
    x0 = trace.x0 if x0 is None else x0
    y0 = trace.y0 if y0 is None else y0
    return {(int(y0) + i, int(x0) + j) for i, j in zip(*np.nonzero(text != ""))}


def _preset_layer(key: str) -> dict:
    v = PRESET_BY_KEY[key].state
    return dict(kind=str(v["kind"]), k=1, w=3, c=1, H=int(v["H"]), W=int(v["W"]),
                stride=int(v["s"]), dilation=int(v["d"]), padding=str(v["pad"]), bias=False)


#: Views small enough to label every cell (labels must fit their cells on the narrowest
#: figure: at most 4 cells across): the no-padding preset, and small layers with padding,
#: dilation, stride and a transposed conv.
_LABELLED_LAYERS = [_preset_layer("no_padding"),
                    dict(kind="transposed", k=1, w=2, c=1, H=2, W=1),
                    dict(kind="standard", k=1, w=2, c=1, H=3, W=4),
                    dict(kind="standard", k=1, w=2, c=1, H=2, W=2, padding=1),
                    dict(kind="standard", k=1, w=2, c=1, H=4, W=4, dilation=2),
                    dict(kind="depthwise", k=2, w=2, c=2, H=4, W=4, stride=2)]


@pytest.mark.parametrize("kw", _LABELLED_LAYERS, ids=lambda kw: "-".join(map(str, kw.values())))
def test_sliding_window_shows_exactly_one_label_per_input_cell(kw):
    """Under the window the tap's weight label ("w0,0") replaces the input cell's label
    ("x0,0", a padding or inserted "0"); every other cell keeps its own. In the first
    drawing and in every animation frame (the browser layout check of the presets found
    the two texts on top of each other)."""
    r = analyze(**kw)
    fig = sliding_window_frames(r, (0, 0))
    (bg,) = [t for t in fig.data if t.name == "input"]
    (taps,) = [t for t in fig.data if t.name == "kernel taps"]
    assert bg.text is not None and taps.text is not None  # a small, labelled view
    rows, cols = np.asarray(bg.z).shape
    view = {(int(bg.y0) + i, int(bg.x0) + j) for i in range(rows) for j in range(cols)}
    states = [(bg.text, taps)]
    assert len(fig.frames) > 1
    for frame in fig.frames:
        by_trace = dict(zip(frame.traces, frame.data))
        states.append((by_trace[fig.data.index(bg)].text, by_trace[fig.data.index(taps)]))
    for text, tap in states:
        inputs = _labelled_cells(bg, text=text)
        weights = _labelled_cells(tap, tap.x0, tap.y0, tap.text) & view
        assert weights, "the window's weights are labelled"
        assert not inputs & weights, sorted(inputs & weights)
        assert inputs | weights == view, sorted(view - inputs - weights)


@pytest.mark.parametrize("kw", [dict(kind="standard", k=10, w=4, c=3, H=32, W=32),
                                dict(kind="standard", k=1, w=3, c=1, H=5, W=12),
                                dict(kind="depthwise", k=3, w=3, c=3, H=64, W=64, stride=2),
                                dict(kind="standard", k=1, w=3, c=1, D=4, H=16, W=16)],
                         ids=["classic", "wide", "strided", "3D"])
def test_sliding_window_next_label_has_room_on_the_first_row(kw):
    """On the first row (the default view) the "next: 1 col →" label stands above the
    grid: the input axis keeps room there (plotly clipped it at the grid's edge), and no
    tick names a row above row 0."""
    r = analyze(**kw)
    fig = sliding_window_frames(r, (0, 0) if "D" not in kw else (0, 0, 0))
    (nxt,) = [t for t in fig.data if t.name.startswith("next window")]
    labels = [(y, t) for y, t in zip(nxt.y, nxt.text) if t]
    if not labels:  # the input grid is narrower than the label: no label, no room
        assert min(fig.layout.yaxis.range) == -0.5
        return
    ((y, text),) = labels
    assert text.startswith("next: ") and y == -0.5
    top = min(fig.layout.yaxis.range)
    assert top < -0.5 - 1, "room above row 0"
    assert min(fig.layout.yaxis.tickvals) >= 0


def test_sliding_window_small_input_is_not_cropped():
    r = analyze("standard", k=2, w=3, c=1, H=6, W=6, padding=1)
    fig = check_sliding_2d(r, (2, 3))
    assert not fig.layout.meta["truncated"] and not named(fig, TRUNCATION)


def test_sliding_window_large_input_is_cropped_with_note():
    r = analyze("standard", **MAXIMUM)
    fig = check_sliding_2d(r, (500, 700))
    m = fig.layout.meta
    assert m["truncated"]
    assert m["input_view"][1] - m["input_view"][0] < 100
    assert "Cropped view" in named(fig, TRUNCATION)[0].text


def test_sliding_window_transposed_labels_input_and_output():
    r = analyze("transposed", k=2, w=3, c=1, H=4, W=4, stride=2, padding=1)
    fig = check_sliding_2d(r, (2, 3))
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
    fig = check_sliding_2d(r, (0, 0))
    m = fig.layout.meta
    assert m["grid"][0] == 0 and m["window_start"][0] == a.before - (a.extent - 1) > 0
    bg = np.asarray(fig.data[0].z)
    assert (bg == INPUT).sum() == kw["H"] * kw["W"]
    notes = " ".join(n.text for n in named(fig, NOTE))
    assert "no window reaches rows 0" in notes


def test_sliding_window_stage_choice():
    r = analyze("spatially_separable", **DEFAULT)
    assert check_sliding_2d(r, (0, 0)).layout.meta["stage"] == 0
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
    check_common(fig)
    weights, biases = fig.data[0], fig.data[1]
    assert list(weights.y) == [s.weight_params for s in r.stages]
    assert list(biases.y) == [s.bias_params for s in r.stages]
    assert sum(weights.y) + sum(biases.y) == r.params
    assert len(weights.x) == len(r.stages)


@pytest.mark.parametrize("log_scale", [False, True])
def test_compare_params_across_kinds(log_scale):
    results = {k: analyze(k, k=12, w=4, c=3, H=32, W=32) for k in KINDS}
    fig = compare_params_figure(results, log_scale=log_scale, current="standard")
    check_common(fig)
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
    check_common(fig)
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
    check_common(fig)
    expected = {v: valid_layer(**{**base, vary: v}) for v in values}
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
        check_common(fig)
        size = len(fig.to_json())
        assert size < BUDGET, (fig.layout.meta["figure"], size)
    f = figs[0].layout.meta
    assert f["truncated"] and f["filters_drawn"] <= 8 * len(spatial_stages(r))


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
        best = min(timed(build) for _ in range(3))
        assert best < 0.5


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
    check_filters_2d(r)
    check_filters_2d(r, max_filters=3, max_channels=2)
    check_sliding_2d(r, (row, col))
    fig = volume_figure(r, (row, col))
    check_common(fig)
    out = r.stages[figure_stage(r)].out_shape
    assert fig.layout.meta["position"] == [min(row, out[0] - 1), min(col, out[1] - 1)]
    for fig in (param_breakdown_figure(r), sliding_window_frames(r, (row, col), max_frames=6)):
        check_common(fig)
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
