"""The weight tensor of a 3D conv: every filter as a row of kd×kh×kw cubes.

A 3D filter is a 4D block (kd × kh × kw × channels it sees). It is drawn as one row per
filter, one translucent cube per input channel in that channel's colour, one marker per
weight (hover: "filter 3, channel 2, weight (d, r, c)") and a black diamond for the bias
at the end of the row. Channels a filter does not see (grouped, depthwise) are faint grey
cubes in their slots. Which filters and channels are drawn, and their colours, follow the
same plan as the 2D figure (:func:`.filters._plan_stage`): the first ``max_filters``
filters (spread over groups) and ``max_channels`` channels, with a "+N more" note.

Kernels are drawn up to 11 per axis, and further cropped (noted) when the weight markers of
all drawn cubes would exceed ``MARKER_BUDGET``, so the payload stays small at any size.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult

from ._common import (BLACK, CHANNEL_COLORS, GREY, NOTE, TRUNCATION, finish, kind_label,
                      note_annotation, plural, shape_txt, title, truncation_text)
from .filters import (DEPTH_STEP, MAX_KERNEL_DRAWN, SHARED_COLOR, _fit_flat_scene, _mesh,
                      _plan_stage, _StagePlan)

#: Most weight markers drawn in one figure (all stages); kernels are cropped to fit.
MARKER_BUDGET = 5000
CUBE_GAP = 1.6  # between the cubes of one filter
ROW_GAP = 2.4  # between filters
RISE_D, SHIFT_D = 0.45, 0.35  # how far a unit of kernel depth shows up higher / to the right
RISE_X = 0.16  # how far a unit to the right shows up higher (default camera)
LABEL_W = 1.0
SCENE_ZOOM = 1.65  # size of the wall in the scene (see filters._fit_flat_scene)


def _cap(plans: list[_StagePlan]) -> int:
    """Largest per-axis kernel size (≤ 11) whose weight markers fit the budget."""
    for cap in range(MAX_KERNEL_DRAWN, 0, -1):
        total = sum(len(p.blocks) * len(p.blocks[0].channels)
                    * math.prod(min(k, cap) for k in p.kernel) for p in plans if p.blocks)
        if total <= MARKER_BUDGET:
            return cap
    return 1


def _heading(r: ConvResult, plan: _StagePlan) -> str:
    st = plan.stage
    kt = shape_txt(plan.kernel)
    n, cin = plan.filters_total, plan.channels_total
    if r.kind == "shared_channels":
        return (f"{plural(n, 'filter')} of {kt}: one kernel each, shared by all "
                f"{r.spec.c} channels")
    head = f"{n:,} {'filters' if n != 1 else 'filter'} of {kt}×{cin}"
    if st.op == "depthwise":
        m = st.out_channels // st.in_channels
        head += f", {m} per input channel" if m > 1 else ", one per input channel"
    elif st.op == "transposed":
        head = f"{n:,} output channels × a {kt}×{cin} kernel (scattered)"
    elif st.groups > 1:
        head += f" in {st.groups} groups"
    if r.kind != "shared_channels" and len(r.stages) > 1:
        head = f"Stage {plan.index + 1} ({st.name}): " + head
    return head


def filter_blocks_3d(r: ConvResult, max_filters: int = 8, max_channels: int = 8) -> go.Figure:
    """The filters of a 3D conv as rows of kd×kh×kw cubes (see the module docstring)."""
    spatial = [i for i, st in enumerate(r.stages) if st.op != "channel_sum"]
    plans = [_plan_stage(r, i, max_filters, max_channels) for i in spatial]
    cap = _cap(plans)
    for p in plans:
        p.kernel_drawn = tuple(min(k, cap) for k in p.kernel)
    shared = r.kind == "shared_channels"
    copies = min(r.spec.c, max_channels) - 1 if shared else 0

    cubes: dict[int, list] = {}
    ghosts: list = []
    unseen: list = []
    traces: list = []
    lab_x, lab_y, lab_z, lab_t = [], [], [], []
    head_x, head_z, head_t = [], [], []
    bias_x, bias_y, bias_z, bias_cd = [], [], [], []
    colour_names: dict[int, str] = {}
    truncation: list[str] = []
    stage_meta = []
    z_top = 0.0
    for plan in plans:
        kd, kh, kw = plan.kernel_drawn
        dx = kw + CUBE_GAP + SHIFT_D * kd
        dz = kh + ROW_GAP + RISE_D * kd
        slots = round(plan.depth / DEPTH_STEP) + 1 + copies
        width = slots * dx + 2
        head_x.append(-LABEL_W)
        head_z.append(z_top + 1.0)
        head_t.append(_heading(r, plan))
        z_top -= RISE_X * width + 3.0 + RISE_D * kd  # room for the heading and channel labels
        slot_labels: dict[float, str] = {}
        dd, rr, cc = np.meshgrid(np.arange(kd), np.arange(kh), np.arange(kw), indexing="ij")
        dd, rr, cc = dd.ravel(), rr.ravel(), cc.ravel()
        xs, ys, zs, cds, cols = [], [], [], [], []
        for i, b in enumerate(plan.blocks):
            z0 = z_top - i * dz - kh  # bottom of this row's cubes
            for ch, ci, dep in zip(b.channels, b.colors, b.depths):
                x0 = (dep / DEPTH_STEP) * dx
                xs.append(x0 + cc)
                ys.append(dd)
                zs.append(z0 + (kh - 1 - rr))
                cds.append(np.column_stack([np.full(dd.size, b.filt), np.full(dd.size, ch),
                                            dd, rr, cc]))
                cols.append(np.full(dd.size, ci))
                box = (x0 - 0.5, x0 + kw - 0.5, -0.5, kd - 0.5, z0 - 0.5, z0 + kh - 0.5)
                if shared:
                    cubes.setdefault(-1, []).append(box)
                    for c in range(1, copies + 1):
                        gx = x0 + c * dx
                        ghosts.append((gx - 0.5, gx + kw - 0.5) + box[2:])
                else:
                    cubes.setdefault(ci, []).append(box)
                    if plan.index == spatial[0]:
                        colour_names.setdefault(ci, f"channel {ch}")
                slot_labels.setdefault(x0, "shared kernel" if shared else
                                       f"ch {ch}" if plan.index == spatial[0] else f"in {ch}")
            for dep in b.unseen:
                x0 = (dep / DEPTH_STEP) * dx
                unseen.append((x0 - 0.5, x0 + kw - 0.5, -0.5, kd - 0.5, z0 - 0.5, z0 + kh - 0.5))
            tag = f"filter {b.filt}"
            if plan.stage.op == "depthwise":
                tag += f" (ch {b.group})"
            elif plan.stage.op == "transposed":
                tag = f"out ch {b.filt}"
            if plan.stage.groups > 1 and plan.stage.op != "depthwise":
                tag += f" · group {b.group}"
            lab_x.append(-LABEL_W)
            lab_y.append(0.0)
            lab_z.append(z0 + (kh - 1) / 2)
            lab_t.append(tag + " ")
            if plan.has_bias:
                bias_x.append(slots * dx - CUBE_GAP / 2)
                bias_y.append(0.0)
                bias_z.append(z0 + (kh - 1) / 2)
                bias_cd.append(b.filt)
        for x0, text in slot_labels.items():  # one label per channel column, on top
            lab_x.append(x0 + (kw - 1) / 2)
            lab_y.append(0.0)
            lab_z.append(z_top + 0.3 + RISE_D * kd)
            lab_t.append(text)
        z_top -= len(plan.blocks) * dz + 3.5
        x = np.concatenate(xs).astype(np.float32)
        cd = np.concatenate(cds)
        cd = cd.astype(np.uint8 if cd.max() < 256 else np.int16)
        col = np.concatenate(cols).astype(np.uint8)
        palette = [SHARED_COLOR] if shared else list(CHANNEL_COLORS)
        hover = ("filter %{customdata[0]}, " + ("one kernel shared by all input channels"
                                                if shared else "channel %{customdata[1]}")
                 + ", weight (d %{customdata[2]}, row %{customdata[3]}, col "
                   "%{customdata[4]})")
        if plan.stage.op == "depthwise":
            hover = hover.replace("channel %{customdata[1]}",
                                  "sees only channel %{customdata[1]}")
        if len(plans) > 1:
            hover = f"<b>{plan.stage.name}</b>: " + hover
        traces.append(go.Scatter3d(
            x=x, y=np.concatenate(ys).astype(np.float32),
            z=np.concatenate(zs).astype(np.float32), mode="markers", customdata=cd,
            marker=dict(size=2.5 if x.size > 1500 else 4, symbol="square",
                        color=np.zeros(x.size, np.uint8) if shared else col,
                        colorscale=([[0, SHARED_COLOR], [1, SHARED_COLOR]] if shared else
                                    [[i / (len(palette) - 1), c] for i, c in
                                     enumerate(palette)]),
                        cmin=0, cmax=len(palette) - 1 if not shared else 1,
                        line=dict(width=0.5, color="#333333")),
            name=f"weights ({plan.label})" if len(plans) > 1 else "weights (one per cell)",
            hovertemplate=hover + "<extra></extra>", showlegend=False))
        parts = []
        if plan.filters_total > len(plan.blocks):
            parts.append(f"+{plan.filters_total - len(plan.blocks):,} more filters")
        if plan.channels_total > plan.channels_drawn:
            parts.append(f"+{plan.channels_total - plan.channels_drawn:,} more channels per "
                         "filter")
        if plan.kernel_drawn != plan.kernel:
            parts.append(f"kernel cropped to {shape_txt(plan.kernel_drawn)} of "
                         f"{shape_txt(plan.kernel)}")
        if parts:
            truncation.append((f"{plan.label}: " if len(plans) > 1 else "") + ", ".join(parts))
        stage_meta.append(dict(
            stage=plan.index, name=plan.label, op=plan.stage.op,
            filters_total=plan.filters_total, filters_drawn=len(plan.blocks),
            channels_total=plan.channels_total, channels_drawn=plan.channels_drawn,
            kernel=list(plan.kernel), kernel_drawn=list(plan.kernel_drawn),
            cells=int(x.size), biases=len(plan.blocks) if plan.has_bias else 0,
            filters=[b.filt for b in plan.blocks]))

    meshes = []
    if shared:
        meshes.append(_mesh(cubes[-1], SHARED_COLOR, "one kernel per filter", 0.45))
        if ghosts:
            meshes.append(_mesh(ghosts, SHARED_COLOR, f"the same kernel reused for channel "
                                f"1…{r.spec.c - 1}", 0.12))
    else:
        for ci in sorted(cubes):
            meshes.append(_mesh(cubes[ci], CHANNEL_COLORS[ci],
                                colour_names.get(ci, f"channel {ci}"), 0.35))
    if unseen:
        meshes.append(_mesh(unseen, GREY, "channel of another group: not seen", 0.08))
    traces = meshes + traces
    if bias_x:
        traces.append(go.Scatter3d(
            x=np.asarray(bias_x, np.float32), y=np.asarray(bias_y, np.float32),
            z=np.asarray(bias_z, np.float32), mode="markers",
            customdata=np.asarray(bias_cd, np.int16),
            marker=dict(size=7, symbol="diamond", color=BLACK, line=dict(width=1, color="white")),
            name="bias (one number per filter)",
            hovertemplate="bias of filter %{customdata}: one number, added to every output "
                          "cell of that channel<extra></extra>"))
    traces.append(go.Scatter3d(
        x=np.asarray(lab_x, np.float32), y=np.asarray(lab_y, np.float32),
        z=np.asarray(lab_z, np.float32), mode="text", text=lab_t,
        textposition=["middle left" if t.endswith(" ") else "top center" for t in lab_t],
        textfont=dict(size=11, color="#333333"), hoverinfo="skip", showlegend=False,
        name="filter and channel labels"))
    traces.append(go.Scatter3d(
        x=np.asarray(head_x, np.float32) - 6, y=np.zeros(len(head_x), np.float32),
        z=np.asarray(head_z, np.float32), mode="text", text=head_t,
        textposition="middle right", textfont=dict(size=13, color="#111111"),
        hoverinfo="skip", showlegend=False, name="stage headings"))

    truncated = bool(truncation)
    annotations = []
    if truncated:
        annotations.append(note_annotation(truncation_text(truncation), TRUNCATION, x=1.0,
                                           y=0.0, xanchor="right"))
    if shared:
        annotations.append(note_annotation(
            f"Same kernel for all {r.spec.c} channels: the layer sums the channels first, "
            "then convolves (each filter has kd×kh×kw weights, not kd×kh×kw×c).", NOTE,
            y=1.0, yanchor="top"))
    meta = dict(
        figure="filter_tensor", kind=r.kind, rank=3, truncated=truncated,
        filters_drawn=sum(len(p.blocks) for p in plans),
        filters_total=sum(p.filters_total for p in plans),
        channels_drawn=plans[0].channels_drawn, channels_total=plans[0].channels_total,
        stages=stage_meta)
    bias_note = (f"{r.bias_params:,} bias{'es' if r.bias_params != 1 else ''} (◆)"
                 if r.bias_params else "no biases")
    sub = (f"{kind_label(r.kind, 3)}: {r.params:,} parameters = {r.weight_params:,} weights "
           f"(one per cell) + {bias_note}. A 3D filter is 4D: one row per filter, a "
           "kd×kh×kw cube for every input channel it sees. Colour = input channel.")
    blank = dict(showticklabels=False, showgrid=False, zeroline=False, showbackground=False,
                 showspikes=False)
    layout = dict(
        title=title("What the layer learns: its filters", sub),
        height=620,
        showlegend=True,
        legend=dict(title=dict(text="" if shared else "colour = input channel<br>a weight reads"),
                    x=1.0, xanchor="right", y=0.86, yanchor="top",
                    bgcolor="rgba(255,255,255,0.7)", itemsizing="constant"),
        scene=dict(
            domain=dict(x=[0.0, 0.78], y=[0.0, 1.0]),
            xaxis=dict(title=dict(text="kernel width (kw) · one cube per input channel"),
                       **blank),
            yaxis=dict(title=dict(text="kernel depth (kd)"), **blank),
            zaxis=dict(title=dict(text="kernel height (kh) · one row per filter"), **blank),
            aspectmode="data",
            camera=dict(eye=dict(x=-0.5, y=-1.6, z=0.7), up=dict(x=0, y=0, z=1),
                        projection=dict(type="orthographic")),
            dragmode="turntable"),
        annotations=annotations,
    )
    _fit_flat_scene(layout["scene"], traces, pad_lo=(8.0, 1.0, 2.0), pad_hi=(2.0, 1.0, 2.0),
                    zoom=SCENE_ZOOM)
    return finish(traces, layout, meta)
