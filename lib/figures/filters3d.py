"""The weight tensor of a 3D conv: every filter as a row of kd×kh×kw cubes.

A 3D filter is a 4D block (kd × kh × kw × channels it sees). It is drawn as one row per
filter, one translucent cube per input channel in that channel's colour, one marker per
weight (hover: "filter 3, channel 2, weight (d, r, c)") and a black diamond for the bias
at the end of the row. Channels a filter does not see (grouped, depthwise) are faint grey
cubes in their slots. Which filters and channels are drawn, and their colours, follow the
same plan as the 2D figure (:func:`.blocks.plan_stages`): the first ``max_filters``
filters (spread over groups) and ``max_channels`` channels, with a "+N more" note.

Kernels are drawn up to 11 per axis, and further cropped (noted) when the weight markers of
all drawn cubes would exceed ``MARKER_BUDGET``, so the payload stays small at any size.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult

from ._common import finish
from .blocks import (BLANK_AXIS, DEPTH_STEP, THINNABLE, Pieces, StagePlan, bias_trace,
                     channel_meshes, filter_tag, kernel_cap, plan_stages, scene_heading,
                     stage_meta, tensor_layout, text_trace, weights_trace)

#: Most weight markers drawn in one figure (all stages); kernels are cropped to fit.
MARKER_BUDGET = 5000
CUBE_GAP = 1.6  # between the cubes of one filter
ROW_GAP = 2.4  # between filters
RISE_D, SHIFT_D = 0.45, 0.35  # how far a unit of kernel depth shows up higher / to the right
RISE_X = 0.16  # how far a unit to the right shows up higher (default camera)
LABEL_W = 2.0  # filter tags end this far left of the first cube


def filter_blocks_3d(r: ConvResult, max_filters: int = 8, max_channels: int = 8) -> go.Figure:
    """The filters of a 3D conv as rows of kd×kh×kw cubes (see the module docstring)."""
    plans = plan_stages(r, max_filters, max_channels)
    cap = kernel_cap(plans, MARKER_BUDGET)
    for plan in plans:
        plan.kernel_drawn = tuple(min(k, cap) for k in plan.kernel)
    copies = min(r.spec.c, max_channels) - 1 if r.kind == "shared_channels" else 0
    p = Pieces()
    labels: list[tuple[float, float, float, str]] = []
    slot_labels: list[tuple[float, float, float, str]] = []
    headings: list[tuple[float, str]] = []
    z_top = 0.0
    for plan in plans:
        z_top = _draw_stage(r, plan, plans, copies, z_top, p, labels, slot_labels, headings)
    traces = (channel_meshes(p, r.kind == "shared_channels", r.spec.c, (0.45, 0.35))
              + p.traces + bias_trace(p.bias))
    traces.append(text_trace(*zip(*labels), "filter labels", textposition="middle left"))
    traces.append(text_trace(*zip(*slot_labels), THINNABLE, textposition="top center"))
    traces.append(text_trace(
        np.full(len(headings), -LABEL_W, np.float32) - 6, np.zeros(len(headings), np.float32),
        [hz for hz, _ in headings], [t for _, t in headings], "stage headings", size=12,
        color="#111111", textposition="middle right"))
    return finish(traces, *_layout(r, plans, p, traces))



def _draw_stage(r: ConvResult, plan: StagePlan, plans: list[StagePlan], copies: int,
                z_top: float, p: Pieces, labels: list, slot_labels: list,
                headings: list) -> float:
    """Add one stage (its heading, then one row per filter) below ``z_top``; returns the
    new top for the next stage. Filter tags go to ``labels``, one label per channel
    column (on top) to ``slot_labels``."""
    shared = r.kind == "shared_channels"
    first = plans[0].index
    kd, kh, kw = plan.kernel_drawn
    dx = kw + CUBE_GAP + SHIFT_D * kd
    dz = kh + ROW_GAP + RISE_D * kd
    slots = round(plan.depth / DEPTH_STEP) + 1 + copies
    headings.append((z_top + 2.5, scene_heading(r, plan)))
    z_top -= RISE_X * (slots * dx + 2) + 4.0 + RISE_D * kd  # room for heading and labels
    columns: dict[float, str] = {}
    dd, rr, cc = np.meshgrid(np.arange(kd), np.arange(kh), np.arange(kw), indexing="ij")
    dd, rr, cc = dd.ravel(), rr.ravel(), cc.ravel()
    xs, ys, zs, cds, cols = [], [], [], [], []
    for i, b in enumerate(plan.blocks):
        z0 = z_top - i * dz - kh  # bottom of this row's cubes

        def cube(x0: float, z0: float = z0) -> tuple:
            return (x0 - 0.5, x0 + kw - 0.5, -0.5, kd - 0.5, z0 - 0.5, z0 + kh - 0.5)

        for ch, ci, dep in zip(b.channels, b.colors, b.depths):
            x0 = (dep / DEPTH_STEP) * dx
            xs.append(x0 + cc)
            ys.append(dd)
            zs.append(z0 + (kh - 1 - rr))
            cds.append(np.column_stack([np.full(dd.size, b.filt), np.full(dd.size, ch),
                                        dd, rr, cc]))
            cols.append(np.full(dd.size, ci))
            if shared:
                p.slabs.setdefault(-1, []).append(cube(x0))
                p.ghosts += [cube(x0 + c * dx) for c in range(1, copies + 1)]
            else:
                p.slabs.setdefault(ci, []).append(cube(x0))
                if plan.index == first:
                    p.colour_names.setdefault(ci, f"channel {ch}")
            columns.setdefault(x0, "shared kernel" if shared else
                                   f"ch {ch}" if plan.index == first else f"in {ch}")
        p.unseen += [cube((dep / DEPTH_STEP) * dx) for dep in b.unseen]
        labels.append((-LABEL_W, 0.0, z0 + (kh - 1) / 2, filter_tag(plan, b) + " "))
        if plan.has_bias:
            p.bias.append((slots * dx - CUBE_GAP / 2, 0.0, z0 + (kh - 1) / 2, b.filt))
    for x0, text in columns.items():  # one label per channel column, on top
        slot_labels.append((x0 + (kw - 1) / 2, 0.0, z_top + 0.3 + RISE_D * kd, text))
    x = np.concatenate(xs).astype(np.float32)
    hover = ("filter %{customdata[0]}, " + ("one kernel shared by all input channels"
                                            if shared else "channel %{customdata[1]}")
             + ", weight (d %{customdata[2]}, row %{customdata[3]}, col %{customdata[4]})")
    if plan.stage.op == "depthwise":
        hover = hover.replace("channel %{customdata[1]}", "sees only channel %{customdata[1]}")
    if len(plans) > 1:
        hover = f"<b>{plan.stage.name}</b>: " + hover
    p.traces.append(weights_trace(
        x, np.concatenate(ys).astype(np.float32), np.concatenate(zs).astype(np.float32),
        np.concatenate(cds), np.concatenate(cols).astype(np.uint8), shared,
        2.5 if x.size > 1500 else 4,
        f"weights ({plan.label})" if len(plans) > 1 else "weights (one per cell)", hover))
    p.stage_meta.append(stage_meta(plan, int(x.size)))
    return z_top - len(plan.blocks) * dz - 3.5


def _layout(r: ConvResult, plans: list[StagePlan], p: Pieces, traces: list
            ) -> tuple[dict, dict]:
    scene = dict(
        domain=dict(x=[0.0, 1.0], y=[0.0, 1.0]),
        xaxis=dict(BLANK_AXIS), yaxis=dict(BLANK_AXIS), zaxis=dict(BLANK_AXIS),
        aspectmode="data",
        camera=dict(eye=dict(x=-0.5, y=-1.6, z=0.7), up=dict(x=0, y=0, z=1),
                    projection=dict(type="orthographic")),
        dragmode="turntable")
    return tensor_layout(
        r, 3, plans, p, "A 3D filter is 4D: one row per filter, a kd×kh×kw cube for every "
        "input channel it sees. Colour = input channel.", "kd×kh×kw weights, not kd×kh×kw×c",
        620, scene, traces)
