"""Figure checks shared by the figure tests (tests/test_figures*.py), one place for each.

Every check builds on what ``lib.conv.analyze`` says (stages, axes, counts), never on the
figure, and asserts what the figure must show:

* ``check_common``: any figure at any rank: few traces, titled axes, the plotly_white
  template, a truncation note exactly when the figure says it is truncated;
* ``check_filters_2d``: the filter tensor of a 2D layer (each weight's hover data checked
  in full); ``check_filters_nd``: the filter tensor at any rank 1, 2 or 3 (kernel crops to
  the marker budget in 3D);
* ``check_sliding_1d``, ``check_sliding_2d``, ``check_sliding_3d``: the sliding-window
  figure, or its animation, at that rank;
* ``front_faces``, ``inside``: where the volume figure drew the front faces of one
  colour's boxes, and whether one box lies within another;
* ``cases``, ``valid_layer``, ``spatial_stages``, ``named``, ``weight_traces``,
  ``traces_named``, ``timed``: what those checks and the tests share.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np
import plotly.io as pio
import pytest

from lib.conv import ConvError, analyze
from lib.figures import filter_tensor_figure, sliding_window_figure, sliding_window_frames
from lib.figures._common import TRUNCATION
from lib.figures.blocks import MAX_KERNEL_DRAWN
from lib.figures.filters3d import MARKER_BUDGET
from lib.figures.sliding import INPUT
from tests.conftest import window

MAX_TRACES = 20


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------

def valid_layer(kind: str, **kw):
    try:
        return analyze(kind, **kw)
    except ConvError:
        return None


def cases(kinds, base: dict, rows) -> list:
    """(kind, *row) for every combination that is a valid layer: invalid ones are not
    collected at all (a skipped test must never count as a pass)."""
    out = []
    for kind in kinds:
        for row in rows:
            row = row if isinstance(row, tuple) else (row,)
            if valid_layer(kind, **{**base, **row[0]}) is not None:
                name = "-".join(f"{k}{v}" for k, v in row[0].items()) or "plain"
                out.append(pytest.param(kind, *row, id=f"{kind}-{name}-{len(out)}"))
    return out


def spatial_stages(r):
    return [(i, s) for i, s in enumerate(r.stages) if s.op != "channel_sum"]


def timed(fn):
    """CPU seconds of this process: other jobs on the shared cores do not count."""
    t = time.process_time()
    fn()
    return time.process_time() - t


# ---------------------------------------------------------------------------
# Every figure
# ---------------------------------------------------------------------------

def named(fig, name):
    return [a for a in (fig.layout.annotations or ()) if a.name == name]


def front_faces(fig, color: str) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) of every box front face the volume figure filled with ``color``
    (a box's top and side faces are shades of it), in drawing order."""
    out = []
    for shape in fig.layout.shapes:
        if shape.type == "path" and shape.fillcolor == color:
            xy = np.array(re.findall(r"(-?[\d.]+(?:e-?\d+)?),(-?[\d.]+(?:e-?\d+)?)",
                                     shape.path), dtype=float)
            out.append((xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()))
    return out


def inside(inner, outer, eps: float = 1e-6) -> bool:
    """Whether box ``inner`` (x0, y0, x1, y1) lies within ``outer``."""
    return (inner[0] >= outer[0] - eps and inner[1] >= outer[1] - eps
            and inner[2] <= outer[2] + eps and inner[3] <= outer[3] + eps)


def check_common(fig):
    assert len(fig.data) <= MAX_TRACES
    lay = fig.layout
    present = lay.to_plotly_json().keys()
    axes = [lay[k] for k in present if k.startswith(("xaxis", "yaxis"))]
    explained = False  # a blank scene explained by the subtitle
    for scene_key in [k for k in present if k.startswith("scene")]:
        scene = lay[scene_key]
        blank = [scene.xaxis, scene.yaxis, scene.zaxis]
        if all(a.showticklabels is False and not a.title.text for a in blank):
            # no values and no titles on a filter scene: its subtitle says what the
            # rows, columns (or taps) and slices of a block are
            sub = re.sub(r"\s*<br>\s*", " ", lay.title.subtitle.text)  # wrapped lines
            assert re.search(r"k[hw]×k[hw] slice|row of kw taps|kd×kh×kw cube", sub), sub
            explained = True
            continue
        axes += blank
    assert axes or explained, "figure has no axes"
    for ax in axes:
        if ax.visible is False:
            continue
        assert ax.title.text, f"untitled axis in {lay.meta.get('figure')}"
    assert lay.title.text
    assert lay.template == pio.templates["plotly_white"]
    assert bool(named(fig, TRUNCATION)) == bool(lay.meta["truncated"])


# ---------------------------------------------------------------------------
# Filter tensor
# ---------------------------------------------------------------------------

def weight_traces(fig):
    return [t for t in fig.data if t.type == "scatter3d" and t.hovertemplate
            and "weight (" in t.hovertemplate]


def check_filters_2d(r, max_filters=8, max_channels=8):
    fig = filter_tensor_figure(r, max_filters=max_filters, max_channels=max_channels)
    check_common(fig)
    meta = fig.layout.meta
    spatial = spatial_stages(r)
    assert len(meta["stages"]) == len(spatial)
    weights = weight_traces(fig)
    assert len(weights) == len(spatial)
    truncated = False
    notes = named(fig, TRUNCATION)
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


def check_filters_nd(r, max_filters=8, max_channels=8):
    fig = filter_tensor_figure(r, max_filters=max_filters, max_channels=max_channels)
    check_common(fig)
    meta = fig.layout.meta
    rank = len(r.input_shape) - 1
    assert meta["rank"] == rank
    spatial = spatial_stages(r)
    assert len(meta["stages"]) == len(spatial)
    weights = weight_traces(fig)
    assert len(weights) == len(spatial)
    truncated = False
    notes = named(fig, TRUNCATION)
    total_cells = 0
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
        assert tuple(sm["kernel"]) == stage.kernel
        drawn = tuple(sm["kernel_drawn"])
        assert len(drawn) == rank
        assert all(1 <= d <= min(k, MAX_KERNEL_DRAWN) for d, k in zip(drawn, stage.kernel))
        if rank == 1:
            assert drawn == (min(stage.kernel[0], MAX_KERNEL_DRAWN),)
        else:  # one cap for all axes, as large as the marker budget allows
            cap = max(drawn)
            assert drawn == tuple(min(k, cap) for k in stage.kernel)
        channels = 1 if r.kind == "shared_channels" else sm["channels_drawn"]
        cells = sm["filters_drawn"] * channels * math.prod(drawn)
        assert sm["cells"] == cells == len(trace.x)
        total_cells += cells
        assert sm["biases"] == (sm["filters_drawn"] if stage.bias_params else 0)
        cd = np.asarray(trace.customdata, dtype=np.int64)
        assert cd.shape[0] == cells
        assert set(np.unique(cd[:, 0])) == set(sm["filters"])
        assert cd[:, 1].max() < stage.in_channels
        if r.kind != "shared_channels":
            assert (cd[:, 1] // per_in == cd[:, 0] // per_out).all()
        # the last columns are the weight's position in the kernel
        pos = cd[:, -rank:]
        assert (pos.max(axis=0) == np.asarray(drawn) - 1).all()
        stage_truncated = (stage.out_channels > max_filters or sm["channels_drawn"] < per_in
                           or drawn != stage.kernel)
        truncated |= stage_truncated
        more = stage.out_channels - min(stage.out_channels, max_filters)
        if more:
            assert f"+{more:,} more filters" in notes[0].text
        if drawn != stage.kernel:
            assert "kernel cropped to " + "×".join(map(str, drawn)) in notes[0].text
    if rank == 3:
        assert total_cells <= MARKER_BUDGET
    biases = [t for t in fig.data if t.name and t.name.startswith("bias")]
    assert (len(biases[0].x) if biases else 0) == sum(sm["biases"] for sm in meta["stages"])
    assert meta["truncated"] == truncated
    return fig


# ---------------------------------------------------------------------------
# Sliding window
# ---------------------------------------------------------------------------

def check_sliding_2d(r, position, frames=False, max_frames=24):
    fig = (sliding_window_frames(r, position, max_frames=max_frames) if frames
           else sliding_window_figure(r, position))
    check_common(fig)
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


def traces_named(fig, prefix):
    return [t for t in fig.data if t.name and t.name.startswith(prefix)]


def check_sliding_1d(r, position, frames=False, max_frames=24):
    fig = (sliding_window_frames(r, position, max_frames=max_frames) if frames
           else sliding_window_figure(r, position))
    check_common(fig)
    m = fig.layout.meta
    assert m["rank"] == 1
    stage = r.stages[m["stage"]]
    a = stage.axes[0]
    o = m["position"][0]
    assert o == min(position, a.size_out - 1)
    assert m["output_size"] == [a.size_out]
    assert m["kernel"] == [a.kernel] and m["extent"] == [a.extent] and m["taps"] == a.kernel
    ln = window(stage, 0)
    lo, hi = ln.lo, ln.hi
    assert m["grid"] == [lo, hi]
    start = ln.start(o)
    if stage.op == "transposed":
        assert (ln.last - ln.first + 1) - a.extent + 1 == a.size_out
    else:
        assert start == o * a.stride - a.before
    assert ln.start(a.size_out - 1) + a.extent - 1 <= ln.last
    assert m["window_start"] == [start]
    assert lo <= start and start + a.extent - 1 <= hi
    v_lo, v_hi = m["input_view"]
    assert lo <= v_lo <= v_hi <= hi
    assert m["output_view"][0] <= o <= m["output_view"][1] < a.size_out
    if stage.op != "transposed":
        assert m["padding"] == [a.before, a.after]
    assert m["causal"] == (a.mode == "causal")
    # input cells drawn: real cells at 0…n-1 only, zeros at the padding positions
    inputs = traces_named(fig, "input cell")
    pads = traces_named(fig, "zero padding")
    if inputs:
        xs = np.asarray(inputs[0].x)
        assert xs.min() >= 0 and xs.max() <= ln.span - 1
    if [v_lo, v_hi] == [lo, hi]:  # the whole input is in view: every real cell, once
        step = a.stride if stage.op == "transposed" else 1
        assert inputs and list(inputs[0].x) == list(range(0, ln.span, step))
    if pads:
        px = np.asarray(pads[0].x)
        assert ((px < 0) | (px > (a.size_in - 1 if stage.op != "transposed"
                                  else (a.size_in - 1) * a.stride))).all()
        assert m["padding_drawn"] == [int((px < 0).sum()), int((px >= 0).sum())]
    kernel = traces_named(fig, "kernel weight")[0]
    taps = np.asarray(kernel.x)
    if v_lo <= start and start + a.extent - 1 <= v_hi:
        assert len(taps) == a.kernel
        assert list(taps) == [start + j * a.dilation for j in range(a.kernel)]
    if frames:
        assert 1 <= m["frames"] <= max_frames and len(fig.frames) == m["frames"]
        assert fig.frames[0].name == str(o)
    return fig


def check_sliding_3d(r, position, frames=False, max_frames=24):
    fig = (sliding_window_frames(r, position, max_frames=max_frames) if frames
           else sliding_window_figure(r, position))
    check_common(fig)
    m = fig.layout.meta
    assert m["rank"] == 3
    stage = r.stages[m["stage"]]
    o = tuple(m["position"])
    assert o == tuple(min(p, n - 1) for p, n in zip(position, stage.out_shape[:3]))
    assert m["output_size"] == list(stage.out_shape[:3])
    assert m["kernel"] == list(stage.kernel)
    assert m["taps"] == math.prod(stage.kernel)
    assert m["extent"] == [a.extent for a in stage.axes]
    lines = [window(stage, i) for i in range(3)]
    grid = [v for ln in lines for v in (ln.lo, ln.hi)]
    assert m["grid"] == grid
    for i, a in enumerate(stage.axes):
        ln = lines[i]
        start = ln.start(o[i])
        assert m["window_start"][i] == start
        assert ln.lo <= start and ln.start(a.size_out - 1) + a.extent - 1 <= ln.last <= ln.hi
        if stage.op == "transposed":
            assert (ln.last - ln.first + 1) - a.extent + 1 == a.size_out
        assert ln.lo <= 0 and ln.span - 1 <= ln.hi  # every input cell is on the grid
        v_lo, v_hi = m["input_view"][2 * i], m["input_view"][2 * i + 1]
        assert grid[2 * i] <= v_lo <= v_hi <= grid[2 * i + 1]
    ad = stage.axes[0]
    d0 = m["window_start"][0]
    assert m["depth_taps"] == [d0 + j * ad.dilation for j in range(ad.kernel)]
    assert m["depth_shown"] in m["depth_taps"]
    # the drawn H×W slice is a real input slice whenever the window covers one
    if stage.op == "transposed":  # real slices sit `stride` apart in the zero-inserted view
        real = [t for t in m["depth_taps"]
                if 0 <= t <= (ad.size_in - 1) * ad.stride and t % ad.stride == 0]
    else:
        real = [t for t in m["depth_taps"] if 0 <= t <= ad.size_in - 1]
    bg = np.asarray(fig.data[0].z)
    assert bg.shape == (m["input_view"][3] - m["input_view"][2] + 1,
                        m["input_view"][5] - m["input_view"][4] + 1)
    if real:
        assert m["depth_shown"] == real[0]
        assert (bg == INPUT).any()
        if m["input_view"][2:] == grid[2:]:  # the whole H×W slice: every real cell, once
            assert (bg == INPUT).sum() == stage.in_shape[1] * stage.in_shape[2]
    else:
        assert not (bg == INPUT).any()
    texts = " ".join(a.text.replace("<br>", " ") for a in fig.layout.annotations)
    assert "depth slice" in texts  # (titles wrap: a line break reads as a space)
    assert "In depth it covers" in fig.layout.title.subtitle.text
    if frames:
        assert 1 <= m["frames"] <= max_frames and len(fig.frames) == m["frames"]
        assert fig.frames[0].name == "(" + ", ".join(map(str, o)) + ")"
    return fig
