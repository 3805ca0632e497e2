"""The weight tensor in 3D: every filter as a stack of per-channel kh×kw slices.

Each channel slice is a translucent slab in the colour of its input channel, with one
marker per weight (hover: "filter 3, channel 2, weight (1, 0)") and one black diamond per
filter for its bias. Everything of one category is one trace (one Mesh3d per channel
colour, one Scatter3d for all weights of a stage), so the trace count stays small.
Which filters and channels are drawn is the plan of :mod:`.blocks`.

1D layers (a sequence) draw each filter as a flat kw × c block facing the viewer, one row
of taps per input channel. 3D layers draw each filter as a row of kd×kh×kw cubes, one per
input channel (:mod:`.filters3d`).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult

from ._common import BLACK, CHANNEL_COLORS, GREY, finish
from .blocks import (BLANK_AXIS, DEPTH_STEP, SLAB_HALF, Block, Pieces, StagePlan, bias_trace,
                     channel_meshes, filter_tag, plan_stages, scene_heading,
                     stage_meta, tensor_layout, text_trace, weights_trace)
from .filters3d import filter_blocks_3d

GAP = 3  # cells around the transposed conv's scatter illustration
ROW_GAP = 5  # cells between neighbouring filter blocks (one above the other): room for tags
GAP_X = 10  # cells between side-by-side blocks: room for their "filter 3" labels
# How the default camera projects depth (y) and width (x); see _layout_blocks.
RISE_DEPTH, SHIFT_DEPTH, RISE_X = 0.45, 0.35, 0.16


def filter_tensor_figure(r: ConvResult, max_filters: int = 8, max_channels: int = 8) -> go.Figure:
    """The weights as 3D blocks: kh×kw slices per input channel, one bias per filter.

    Draws at most ``max_filters`` filters per stage and ``max_channels`` channel slices per
    filter (and kernels up to 11×11); ``fig.layout.meta`` records what was drawn.

    1D: each filter is a kw × c block, one row of kw taps per input channel (a flat slab).
    3D: each filter is a row of kd×kh×kw cubes, one per input channel (see
    :mod:`.filters3d`); there the kernel may be cropped further to keep the payload small.
    """
    max_filters = max(1, int(max_filters))
    max_channels = max(1, int(max_channels))
    if r.rank == 3:
        return filter_blocks_3d(r, max_filters, max_channels)
    plans = plan_stages(r, max_filters, max_channels)
    shared = r.kind == "shared_channels"
    copies = min(r.spec.c, max_channels) - 1 if shared else 0
    headings = _layout_blocks(plans)
    if r.rank == 1:  # 1D shared: the reused copies are extra rows (after the layout)
        for plan in plans:
            plan.extra_rows = copies
    p = Pieces()
    labels: list[tuple[float, float, float, str]] = []
    for plan in plans:
        labels += _draw_stage(r, plan, plans, copies, p)
    traces = channel_meshes(p, shared, r.spec.c, (0.55, 0.45)) + p.traces + bias_trace(p.bias)
    # Hanging below their point: the tag's top, not its middle, sits under the block.
    traces.append(text_trace(*zip(*labels), name="filter labels", textposition="bottom center"))
    traces.append(text_trace(
        np.zeros(len(headings), np.float32) - 0.5, np.full(len(headings), -1.0, np.float32),
        [z for z, _ in headings], [scene_heading(r, plan) for _, plan in headings],
        "stage headings", size=12, color="#111111", textposition="middle right"))
    if r.kind == "transposed":
        traces.extend(_scatter_illustration(r, plans[0]))
    return finish(traces, *_layout(r, plans, p, traces))


def _layout_blocks(plans: list[StagePlan]) -> list[tuple[float, StagePlan]]:
    """Place blocks on a wall (x across, z up); returns (z of heading, plan) per stage.

    With the default camera a point ``D`` deeper shows up ``RISE_DEPTH·D`` higher (and
    ``SHIFT_DEPTH·D`` further right), and one ``x`` further right ``RISE_X·x`` higher: gaps
    grow with both so blocks, labels and the stage headings never overlap.
    """
    headings = []
    z_top = 0.0
    for plan in plans:
        kh, kw = plan.face
        depth = plan.thickness
        n = len(plan.blocks)
        # Two blocks a row: their "filter 3" labels stay apart even on a ~300 px figure.
        ncols = min(n, 2)
        longest = max(len(filter_tag(plan, b)) for b in plan.blocks)  # "filter 0 (ch 0)"
        dx = kw + GAP_X + 0.7 * max(0, longest - 8) + SHIFT_DEPTH * depth
        dz = kh + ROW_GAP + 1.5 + RISE_DEPTH * depth
        width = (ncols - 1) * dx + kw + SHIFT_DEPTH * depth
        z_top -= RISE_X * width  # room for the heading above the right-hand blocks
        for i, b in enumerate(plan.blocks):
            row, col = divmod(i, ncols)
            b.x0 = round(col * dx)
            b.z0 = round(z_top - row * dz - kh - RISE_DEPTH * depth)  # bottom row of block
        nrows = math.ceil(n / ncols)
        headings.append((z_top + RISE_X * width + 2.5, plan))
        z_top -= nrows * dz + RISE_DEPTH * depth + 4
    return headings


_HOVER = {
    "conv": "filter %{customdata[0]}, channel %{customdata[1]}, "
            "weight (%{customdata[2]}, %{customdata[3]})",
    "depthwise": "depthwise filter %{customdata[0]} (sees only channel %{customdata[1]}), "
                 "weight (%{customdata[2]}, %{customdata[3]})",
    "transposed": "filter for output channel %{customdata[0]}, input channel %{customdata[1]}, "
                  "weight (%{customdata[2]}, %{customdata[3]})",
    "shared": "filter %{customdata[0]}, one kernel shared by all input channels, "
              "weight (%{customdata[2]}, %{customdata[3]})",
}


def _hover_for(r: ConvResult, plan: StagePlan) -> str:
    st = plan.stage
    if r.kind == "shared_channels":
        text = _HOVER["shared"]
    elif st.op in _HOVER:
        text = _HOVER[st.op]
    else:
        text = _HOVER["conv"]
    if r.kind == "spatially_separable" and plan.index == 1:
        text = text.replace("channel %{customdata[1]}", "stage-1 output channel %{customdata[1]}")
    elif plan.index > 0 and r.stages[0].op == "depthwise":
        text = text.replace("channel %{customdata[1]}", "depthwise output channel %{customdata[1]}")
    if len(r.stages) > 1:
        text = f"<b>{st.name}</b>: " + text
    if len(plan.kernel) == 1:  # 1D: the row index is always 0
        text = text.replace("weight (%{customdata[2]}, %{customdata[3]})",
                            "weight (tap %{customdata[3]})")
    return text


def _slab(plan: StagePlan, b: Block, dep: float) -> tuple[float, float, tuple]:
    """(y of the weights, z of its bottom row, box) of one channel slice of block ``b``."""
    kh_d, kw_d = plan.grid
    if plan.flat:  # one row per channel, stacked downwards on the block's face
        zr = b.z0 + plan.face[0] - 1 - dep / DEPTH_STEP
        return 0.0, zr, (b.x0 - 0.5, b.x0 + kw_d - 0.5, -SLAB_HALF, SLAB_HALF,
                         zr - SLAB_HALF, zr + SLAB_HALF)
    return dep, b.z0, (b.x0 - 0.5, b.x0 + kw_d - 0.5, dep - SLAB_HALF, dep + SLAB_HALF,
                       b.z0 - 0.5, b.z0 + kh_d - 0.5)


def _draw_stage(r: ConvResult, plan: StagePlan, plans: list[StagePlan], copies: int,
                p: Pieces) -> list[tuple[float, float, float, str]]:
    """Add one stage's slabs, weights and biases to ``p``; returns its filter labels."""
    first = plans[0].index
    shared = r.kind == "shared_channels"
    kh_d, kw_d = plan.grid
    face_h = plan.face[0]
    rows, cols = np.meshgrid(np.arange(kh_d), np.arange(kw_d), indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    xs, ys, zs, cds, colors = [], [], [], [], []
    labels = []
    for b in plan.blocks:
        for ch, ci, dep in zip(b.channels, b.colors, b.depths):
            wy, wz, box = _slab(plan, b, dep)
            xs.append(b.x0 + cols)
            zs.append(wz + (kh_d - 1 - rows))
            ys.append(np.full(rows.size, wy))
            cds.append(np.column_stack([np.full(rows.size, b.filt), np.full(rows.size, ch),
                                        rows, cols]))
            colors.append(np.full(rows.size, ci))
            if shared:
                p.slabs.setdefault(-1, []).append(box)
                p.ghosts += [_slab(plan, b, dep + c * DEPTH_STEP)[2]
                             for c in range(1, copies + 1)]
            else:
                p.slabs.setdefault(ci, []).append(box)
                if plan.index == first:
                    p.colour_names.setdefault(ci, f"channel {ch}")
        p.unseen += [_slab(plan, b, dep)[2] for dep in b.unseen]
        labels.append((b.x0 + (kw_d - 1) / 2, -2.0, b.z0 - (2.1 if plan.flat else 1.5),
                       filter_tag(plan, b)))
        if plan.has_bias:  # right of the block, level with its middle (the tag is below)
            p.bias.append((b.x0 + kw_d + 0.6, 0.0, b.z0 + (face_h - 1) / 2, b.filt))
    x = np.concatenate(xs).astype(np.int16)
    p.traces.append(weights_trace(
        x, np.concatenate(ys).astype(np.int16), np.concatenate(zs).astype(np.int16),
        np.concatenate(cds), np.concatenate(colors), shared, 3.5 if x.size > 1500 else 5,
        f"weights ({plan.label})" if len(plans) > 1 else "weights (one per cell)",
        _hover_for(r, plan)))
    p.stage_meta.append(stage_meta(plan, int(x.size)))
    return labels


def _layout(r: ConvResult, plans: list[StagePlan], p: Pieces, traces: list
            ) -> tuple[dict, dict]:
    one_d = r.rank == 1
    scene = dict(
        domain=dict(x=[0.0, 1.0], y=[0.0, 1.0]),
        xaxis=dict(BLANK_AXIS),
        yaxis=dict(BLANK_AXIS, visible=False) if one_d else dict(BLANK_AXIS),
        zaxis=dict(BLANK_AXIS),
        aspectmode="data",
        camera=dict(eye=(dict(x=-0.35, y=-2.0, z=0.55) if one_d
                         else dict(x=-0.55, y=-1.55, z=0.75)), up=dict(x=0, y=0, z=1),
                    projection=dict(type="orthographic")),
        dragmode="turntable")
    about = ("Each filter: one row of kw taps per input channel (colour)." if one_d else
             "Each filter: a kh×kw slice (rows × columns) per input channel (colour).")
    return tensor_layout(r, r.rank, plans, p, about,
                         "kw weights, not kw×c" if one_d else "kh×kw weights, not kh×kw×c",
                         560, scene, traces)


def _scatter_illustration(r: ConvResult, plan: StagePlan) -> list:
    """Transposed conv: one input cell times a kernel slice lands on a kh×kw output patch."""
    kh_d, kw_d = plan.grid
    dh, dw = (1, *plan.stage.dilation) if len(plan.stage.dilation) == 1 else plan.stage.dilation
    b = plan.blocks[0]
    right = max(bl.x0 for bl in plan.blocks) + kw_d + GAP + 2
    top = (max(bl.z0 for bl in plan.blocks) + min(bl.z0 for bl in plan.blocks)) / 2 + kh_d - 1
    src = (right, -0.5, top - (kh_d - 1) * min(dh, 2) / 2)
    rows, cols = np.meshgrid(np.arange(kh_d), np.arange(kw_d), indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    px = right + 4 + cols * min(dw, 2)
    pz = top - rows * min(dh, 2)
    py = np.full(rows.size, -0.5)
    lx = np.empty(rows.size * 3, np.float32)
    ly = np.empty_like(lx)
    lz = np.empty_like(lx)
    lx[0::3], lx[1::3], lx[2::3] = src[0], px, np.nan
    ly[0::3], ly[1::3], ly[2::3] = src[1], py, np.nan
    lz[0::3], lz[1::3], lz[2::3] = src[2], pz, np.nan
    ch = b.channels[0]
    return [
        go.Scatter3d(x=lx, y=ly, z=lz, mode="lines", line=dict(color=GREY, width=2),
                     hoverinfo="skip", showlegend=False, name="scatter lines"),
        # The cell's name goes in the legend (with its marker) and the scene says just
        # "x" beside it: a long label under the cell touched the filter block below, and
        # next to the patch it made the narrow view zoom out.
        go.Scatter3d(
            x=np.asarray([src[0]], np.float32), y=np.asarray([src[1]], np.float32),
            z=np.asarray([src[2]], np.float32), mode="markers",
            marker=dict(size=9, symbol="square", color=CHANNEL_COLORS[b.colors[0]],
                        line=dict(width=1, color=BLACK)),
            hovertemplate=f"one cell of input channel {ch}<extra></extra>",
            name=f"one input cell x (ch {ch})"),
        text_trace([src[0] - 1], [src[1]], [src[2]], ["x"], name="one input cell (label)",
                   textposition="middle left"),
        go.Scatter3d(
            x=px.astype(np.float32), y=py.astype(np.float32), z=pz.astype(np.float32),
            mode="markers", customdata=np.column_stack([rows, cols]).astype(np.int16),
            marker=dict(size=6, symbol="square-open", color=BLACK),
            name=f"output patch: x · w adds into {kh_d}×{kw_d} output cells",
            hovertemplate=(f"output channel {b.filt} cell += x · w(%{{customdata[0]}}, "
                           f"%{{customdata[1]}})<extra></extra>")),
    ]
