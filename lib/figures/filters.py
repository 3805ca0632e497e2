"""The weight tensor in 3D: every filter as a stack of per-channel kh×kw slices.

Each channel slice is a translucent slab in the colour of its input channel, with one
marker per weight (hover: "filter 3, channel 2, weight (1, 0)") and one black diamond per
filter for its bias. Everything of one category is one trace (one Mesh3d per channel
colour, one Scatter3d for all weights of a stage), so the trace count stays small.

What is drawn comes from ``r.stages`` only: a stage's filters are its output channels,
filter ``f`` belongs to group ``f // (out / groups)`` and sees the ``in / groups`` input
channels of that group. That one rule covers standard, pointwise, grouped, depthwise
(groups = c), the two stages of the separable kinds, transposed (filter = output channel)
and spatially separable; ``shared_channels`` draws one kernel per filter reused by all c.

1D layers (a sequence) draw each filter as a flat kw × c block facing the viewer, one row
of taps per input channel. 3D layers draw each filter as a row of kd×kh×kw cubes, one per
input channel (:mod:`.filters3d`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult, Stage

from ._common import (BLACK, BLUE, CHANNEL_COLORS, GREY, NOTE, TRUNCATION, finish, kind_label,
                      note_annotation, plural, rank_of, shape_txt, title, truncation_text)

#: Kernels are drawn up to this many rows / columns (the app's maximum w is 11).
MAX_KERNEL_DRAWN = 11
#: Channel slices sit this far apart along the depth axis (slab + gap).
DEPTH_STEP = 2.0
SLAB_HALF = 0.42
GAP = 3  # cells between neighbouring filter blocks
# How the default camera projects depth (y) and width (x); see _layout_blocks.
RISE_DEPTH, SHIFT_DEPTH, RISE_X = 0.45, 0.35, 0.16
SHARED_COLOR = BLUE
FLAT_ZOOM = 2.2  # 1D: size of the wall in the scene (see _fit_flat_scene)


@dataclass
class _Block:
    stage: int
    filt: int
    group: int
    channels: list[int]
    colors: list[int]
    depths: list[float]
    unseen: list[float] = field(default_factory=list)  # depths of channels it skips
    x0: float = 0.0
    z0: float = 0.0


@dataclass
class _StagePlan:
    index: int
    stage: Stage
    label: str
    filters_total: int
    channels_total: int  # input channels each filter sees
    kernel: tuple[int, ...]  # the stage's kernel, one size per spatial axis
    kernel_drawn: tuple[int, ...]
    blocks: list[_Block] = field(default_factory=list)
    channels_drawn: int = 0
    depth: float = 0.0
    has_bias: bool = False
    extra_rows: int = 0  # 1D shared_channels: rows for the reused copies of the kernel

    @property
    def flat(self) -> bool:
        """1D: a filter is a flat kw × c block facing the viewer, one row per channel."""
        return len(self.kernel) == 1

    @property
    def grid(self) -> tuple[int, int]:
        """(rows, cols) of one drawn channel slice: a 1D kernel is one row of taps."""
        kd = self.kernel_drawn
        return (1, kd[0]) if len(kd) == 1 else (kd[-2], kd[-1])

    @property
    def face(self) -> tuple[int, int]:
        """(height, width) of a block's front face in the layout."""
        if self.flat:
            return round(self.depth / DEPTH_STEP) + 1 + self.extra_rows, self.grid[1]
        return self.grid

    @property
    def thickness(self) -> float:
        """How far a block recedes from its front face."""
        return 2 * SLAB_HALF if self.flat else self.depth + 2 * SLAB_HALF


def _pick_filters(n_out: int, groups: int, max_filters: int) -> list[int]:
    """The filters to draw: all if they fit, else spread over the groups (a few of each)."""
    if n_out <= max_filters:
        return list(range(n_out))
    per = n_out // groups
    if groups == 1:
        return list(range(max_filters))
    if groups > max_filters:  # a few groups, two filters each (shows the multiplier)
        q = min(per, 2)
        return [gi * per + j for gi in range(-(-max_filters // q)) for j in range(q)][:max_filters]
    picked: list[int] = []
    for gi in range(groups):
        count = min(per, max_filters // groups + (1 if gi < max_filters % groups else 0))
        picked.extend(gi * per + j for j in range(count))
    return picked


def _plan_stage(r: ConvResult, index: int, max_filters: int, max_channels: int,
                kernel_cap: int = MAX_KERNEL_DRAWN) -> _StagePlan:
    st = r.stages[index]
    g = st.groups
    n_out, n_in = st.out_channels, st.in_channels
    per_out, per_in = n_out // g, n_in // g
    plan = _StagePlan(index, st, st.name, n_out, per_in, tuple(st.kernel),
                      tuple(min(k, kernel_cap) for k in st.kernel),
                      has_bias=st.bias_params > 0)
    filters = _pick_filters(n_out, g, max_filters)
    groups_drawn = sorted({f // per_out for f in filters})
    ch_per = min(per_in, max(1, max_channels // len(groups_drawn)))
    plan.channels_drawn = ch_per
    # Depth slot of every drawn input channel; a gap separates channel groups.
    all_channels = sorted({gi * per_in + j for gi in groups_drawn for j in range(ch_per)})
    depth_of: dict[int, float] = {}
    slot = 0.0
    prev_group = None
    for ch in all_channels:
        grp = ch // per_in
        if prev_group is not None and grp != prev_group and per_in > 1:
            slot += 1  # one empty slot between groups
        depth_of[ch] = slot * DEPTH_STEP
        slot += 1
        prev_group = grp
    plan.depth = (slot - 1) * DEPTH_STEP if all_channels else 0.0
    rank = {ch: i for i, ch in enumerate(all_channels)}
    # Colour = input channel. Later stages colour their input by where it came from.
    first = r.stages[0]
    for f in filters:
        gi = f // per_out
        chans = [gi * per_in + j for j in range(ch_per)]
        if st.op == "conv" and index > 0 and first.op == "depthwise":
            m = first.out_channels // first.in_channels  # intermediate ch j <- input ch j // m
            colors = [(ch // m) % len(CHANNEL_COLORS) for ch in chans]
        else:
            colors = [rank[ch] % len(CHANNEL_COLORS) for ch in chans]
        unseen = [depth_of[ch] for ch in all_channels if ch // per_in != gi] if g > 1 else []
        plan.blocks.append(_Block(index, f, gi, chans, colors, [depth_of[ch] for ch in chans],
                                  unseen))
    return plan


def _layout_blocks(plans: list[_StagePlan]) -> list[tuple[float, _StagePlan]]:
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
        if n <= 4:
            ncols = n
        elif kw <= 2:
            ncols = min(n, 8)
        else:
            ncols = math.ceil(n / math.ceil(n / 4))
        dx = kw + GAP + SHIFT_DEPTH * depth
        dz = kh + GAP + 1.5 + RISE_DEPTH * depth
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


def _box_mesh(boxes: np.ndarray) -> dict:
    """Mesh3d arrays for axis-aligned boxes given as rows (x0, x1, y0, y1, z0, z1)."""
    n = len(boxes)
    corners = np.array([[0, 2, 4], [1, 2, 4], [1, 3, 4], [0, 3, 4],
                        [0, 2, 5], [1, 2, 5], [1, 3, 5], [0, 3, 5]])
    verts = boxes[:, corners]  # (n, 8, 3)
    tri = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
                    [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]])
    faces = (tri[None, :, :] + 8 * np.arange(n)[:, None, None]).reshape(-1, 3)
    v = verts.reshape(-1, 3).astype(np.float32)
    idx = np.int16 if len(v) < 32000 else np.int32
    return dict(x=v[:, 0], y=v[:, 1], z=v[:, 2], i=faces[:, 0].astype(idx),
                j=faces[:, 1].astype(idx), k=faces[:, 2].astype(idx))


def _mesh(boxes: list, color: str, name: str, opacity: float, legend: bool = True,
          group: str | None = None) -> go.Mesh3d:
    arr = np.asarray(boxes, dtype=np.float32).reshape(-1, 6)
    return go.Mesh3d(**_box_mesh(arr), color=color, opacity=opacity, name=name,
                     showlegend=legend, legendgroup=group or name, hoverinfo="skip",
                     flatshading=True, lighting=dict(ambient=0.85, diffuse=0.3, specular=0.0),
                     showscale=False)


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


def _hover_for(r: ConvResult, plan: _StagePlan) -> str:
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
    return text + "<extra></extra>"


def _stage_heading(r: ConvResult, plan: _StagePlan) -> str:
    st = plan.stage
    kt = shape_txt(plan.kernel) + (" tap" + ("s" if plan.kernel[0] != 1 else "")
                                   if len(plan.kernel) == 1 else "")
    n, cin = plan.filters_total, plan.channels_total
    if r.kind == "shared_channels":
        return (f"{plural(n, 'filter')} of {kt}: one kernel each, shared by all "
                f"{r.spec.c} channels")
    what = "filters" if n != 1 else "filter"
    head = (f"{n:,} {what} of {kt} × {cin} channel{'s' if cin != 1 else ''}"
            if len(plan.kernel) == 1 else f"{n:,} {what} of {kt}×{cin}")
    if st.op == "depthwise":
        m = st.out_channels // st.in_channels
        head += f", {m} per input channel" if m > 1 else ", one per input channel"
    elif st.op == "transposed":
        head = (f"{n:,} output channels × a {kt} × {cin} kernel (scattered)"
                if len(plan.kernel) == 1 else
                f"{n:,} output channels × a {kt}×{cin} kernel (scattered)")
    elif st.groups > 1:
        head += f" in {st.groups} groups"
    if r.kind != "shared_channels" and len(r.stages) > 1:
        head = f"Stage {plan.index + 1} ({st.name}): " + head
    return head


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
    rank = rank_of(r)
    if rank == 3:
        from .filters3d import filter_blocks_3d
        return filter_blocks_3d(r, max_filters, max_channels)
    spatial = [i for i, st in enumerate(r.stages) if st.op != "channel_sum"]
    plans = [_plan_stage(r, i, max_filters, max_channels) for i in spatial]
    headings = _layout_blocks(plans)
    shared = r.kind == "shared_channels"

    slabs: dict[int, list] = {i: [] for i in range(len(CHANNEL_COLORS))}
    ghosts: list = []
    unseen_boxes: list = []
    traces: list = []
    label_x, label_y, label_z, label_t = [], [], [], []
    bias_x, bias_y, bias_z, bias_cd = [], [], [], []
    truncation: list[str] = []
    stage_meta = []
    colour_names: dict[int, str] = {}
    ghost_copies = min(r.spec.c, max_channels) - 1 if shared else 0
    if rank == 1:
        for plan in plans:
            plan.extra_rows = ghost_copies

    for plan in plans:
        kh_d, kw_d = plan.grid
        face_h = plan.face[0]
        rows, cols = np.meshgrid(np.arange(kh_d), np.arange(kw_d), indexing="ij")
        rows, cols = rows.ravel(), cols.ravel()
        xs, ys, zs, cds, colors = [], [], [], [], []

        def slab(b: _Block, dep: float, plan: _StagePlan = plan, kh_d: int = kh_d,
                 kw_d: int = kw_d, face_h: int = face_h) -> tuple:
            """(y of the weights, z of its bottom row, box) of one channel slice."""
            if plan.flat:  # one row per channel, stacked downwards on the block's face
                zr = b.z0 + face_h - 1 - dep / DEPTH_STEP
                return 0.0, zr, (b.x0 - 0.5, b.x0 + kw_d - 0.5, -SLAB_HALF, SLAB_HALF,
                                 zr - SLAB_HALF, zr + SLAB_HALF)
            return dep, b.z0, (b.x0 - 0.5, b.x0 + kw_d - 0.5, dep - SLAB_HALF,
                               dep + SLAB_HALF, b.z0 - 0.5, b.z0 + kh_d - 0.5)

        for b in plan.blocks:
            for ch, ci, dep in zip(b.channels, b.colors, b.depths):
                wy, wz, box = slab(b, dep)
                x = b.x0 + cols
                z = wz + (kh_d - 1 - rows)
                xs.append(x)
                zs.append(z)
                ys.append(np.full(rows.size, wy))
                cds.append(np.column_stack([np.full(rows.size, b.filt), np.full(rows.size, ch),
                                            rows, cols]))
                colors.append(np.full(rows.size, ci))
                if shared:
                    slabs.setdefault(-1, []).append(box)
                    for copy in range(1, ghost_copies + 1):
                        ghosts.append(slab(b, dep + copy * DEPTH_STEP)[2])
                else:
                    slabs[ci].append(box)
                    if plan.index == spatial[0]:
                        colour_names.setdefault(ci, f"channel {ch}")
            for dep in b.unseen:
                unseen_boxes.append(slab(b, dep)[2])
            label_x.append(b.x0 + (kw_d - 1) / 2)
            label_y.append(-2.0)
            label_z.append(b.z0 - (2.6 if plan.flat else 2.0))
            tag = f"filter {b.filt}"
            if plan.stage.op == "depthwise":
                tag += f" (ch {b.group})"
            elif plan.stage.op == "transposed":
                tag = f"out ch {b.filt}"
            if plan.stage.groups > 1 and plan.stage.op != "depthwise":
                tag += f" · group {b.group}"
            label_t.append(tag)
            if plan.has_bias and plan.flat:  # right of the block, level with its middle
                bias_x.append(b.x0 + kw_d + 0.6)
                bias_y.append(0.0)
                bias_z.append(b.z0 + (face_h - 1) / 2)
                bias_cd.append(b.filt)
            elif plan.has_bias:
                bias_x.append(b.x0 + (kw_d - 1) / 2)
                bias_y.append(0.0)
                bias_z.append(b.z0 + kh_d + 0.8)
                bias_cd.append(b.filt)
        x = np.concatenate(xs).astype(np.int16)
        z = np.concatenate(zs).astype(np.int16)
        y = np.concatenate(ys).astype(np.int16)
        cd = np.concatenate(cds)
        cd = cd.astype(np.uint8 if cd.max() < 256 else np.int16)  # the biggest array
        col = np.concatenate(colors)
        palette = [SHARED_COLOR] if shared else list(CHANNEL_COLORS)
        traces.append(go.Scatter3d(
            x=x, y=y, z=z, mode="markers", customdata=cd,
            marker=dict(size=3.5 if x.size > 1500 else 5, symbol="square",
                        color=np.zeros(x.size, np.uint8) if shared else col.astype(np.uint8),
                        colorscale=[[i / max(len(palette) - 1, 1), c] for i, c in
                                    enumerate(palette)] if not shared else
                        [[0, SHARED_COLOR], [1, SHARED_COLOR]],
                        cmin=0, cmax=max(len(palette) - 1, 1),
                        line=dict(width=0.5, color="#333333")),
            name=f"weights ({plan.label})" if len(plans) > 1 else "weights (one per cell)",
            hovertemplate=_hover_for(r, plan), showlegend=False))
        parts = []
        if plan.filters_total > len(plan.blocks):
            parts.append(f"+{plan.filters_total - len(plan.blocks):,} more filters")
        if plan.channels_total > plan.channels_drawn:
            parts.append(f"+{plan.channels_total - plan.channels_drawn:,} more channels per filter")
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

    # Slabs: one mesh per channel colour, legend = the colour key.
    meshes = []
    if shared:
        meshes.append(_mesh(slabs[-1], SHARED_COLOR, "one kernel per filter", 0.55))
        if ghosts:
            meshes.append(_mesh(ghosts, SHARED_COLOR, f"the same kernel reused for channel "
                                f"1…{r.spec.c - 1}" if r.spec.c > 1 else "", 0.12))
    else:
        for ci, boxes in slabs.items():
            if boxes:
                name = colour_names.get(ci, f"channel {ci}")
                meshes.append(_mesh(boxes, CHANNEL_COLORS[ci], name, 0.45))
    if unseen_boxes:
        meshes.append(_mesh(unseen_boxes, GREY, "channel of another group: not seen", 0.08))
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
        x=np.asarray(label_x, np.float32), y=np.asarray(label_y, np.float32),
        z=np.asarray(label_z, np.float32), mode="text", text=label_t,
        textfont=dict(size=11, color="#333333"), hoverinfo="skip", showlegend=False,
        name="filter labels"))
    head_x, head_z, head_t = [], [], []
    for z_head, plan in headings:
        head_x.append(0)
        head_z.append(z_head)
        head_t.append(_stage_heading(r, plan))
    traces.append(go.Scatter3d(
        x=np.asarray(head_x, np.float32) - 0.5, y=np.full(len(head_x), -1.0, np.float32),
        z=np.asarray(head_z, np.float32), mode="text", text=head_t, textposition="middle right",
        textfont=dict(size=13, color="#111111"), hoverinfo="skip", showlegend=False,
        name="stage headings"))

    if r.kind == "transposed":
        traces.extend(_scatter_illustration(r, plans[0]))

    truncated = bool(truncation)
    annotations = []
    if truncated:
        annotations.append(note_annotation(truncation_text(truncation), TRUNCATION, x=1.0,
                                           y=0.0, xanchor="right"))
    if shared:
        annotations.append(note_annotation(
            f"Same kernel for all {r.spec.c} channels: the layer sums the channels first, "
            "then convolves (each filter has "
            + ("kw weights, not kw×c)." if rank == 1 else "kh×kw weights, not kh×kw×c)."), NOTE,
            y=1.0, yanchor="top"))
    total_filters = sum(len(p.blocks) for p in plans)
    meta = dict(
        figure="filter_tensor", kind=r.kind, rank=rank, truncated=truncated,
        filters_drawn=total_filters, filters_total=sum(p.filters_total for p in plans),
        channels_drawn=plans[0].channels_drawn, channels_total=plans[0].channels_total,
        stages=stage_meta)
    bias_note = (f"{r.bias_params:,} bias{'es' if r.bias_params != 1 else ''} (◆)"
                 if r.bias_params else "no biases")
    sub = (f"{kind_label(r.kind, rank)}: {r.params:,} parameters = {r.weight_params:,} weights "
           f"(one per cell) + {bias_note}. Colour = input channel.")
    blank = dict(showticklabels=False, showgrid=False, zeroline=False, showbackground=False,
                 showspikes=False)
    layout = dict(
        title=title("What the layer learns: its filters", sub),
        height=560,
        showlegend=True,
        legend=dict(title=dict(text="" if shared else "colour = input channel<br>a weight reads"),
                    x=1.0, xanchor="right", y=0.86, yanchor="top",
                    bgcolor="rgba(255,255,255,0.7)", itemsizing="constant"),
        scene=dict(
            domain=dict(x=[0.0, 0.76], y=[0.0, 1.0]),
            xaxis=dict(title=dict(text="kernel tap (along the sequence)" if rank == 1
                                  else "kernel column (width)"), **blank),
            yaxis=(dict(title=dict(text="(flat)"), visible=False) if rank == 1
                   else dict(title=dict(text="input channel (depth)"), **blank)),
            zaxis=dict(title=dict(text="input channel (one row each)" if rank == 1
                                  else "kernel row (height)"), **blank),
            aspectmode="data",
            camera=dict(eye=(dict(x=-0.35, y=-2.0, z=0.55) if rank == 1
                             else dict(x=-0.55, y=-1.55, z=0.75)), up=dict(x=0, y=0, z=1),
                        projection=dict(type="orthographic")),
            dragmode="turntable"),
        annotations=annotations,
    )
    if rank == 1:
        _fit_flat_scene(layout["scene"], traces)
    return finish(traces, layout, meta)


def _fit_flat_scene(scene: dict, traces: list, pad_lo=(3.0, 6.0, 2.0), pad_hi=(8.0, 6.0, 3.0),
                    zoom: float | None = None) -> None:
    """Fix the scene's ranges and aspect so the whole wall of blocks fits the figure.

    With ``aspectmode="data"`` a thin scene (1D blocks are flat; 3D cubes are at most 11
    deep) is zoomed until the wall overflows the figure; explicit ranges with a little
    depth keep every block and label in view, at the same proportions.
    """
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for t in traces:
        for i, axis in enumerate("xyz"):
            v = t[axis]
            if v is None or len(v) == 0:
                continue
            v = np.asarray(v, np.float64)
            v = v[np.isfinite(v)]
            if v.size:
                lo[i], hi[i] = min(lo[i], v.min()), max(hi[i], v.max())
    lo -= pad_lo
    hi += pad_hi
    span = hi - lo
    ratio = span / span.max() * (FLAT_ZOOM if zoom is None else zoom)
    for i, axis in enumerate("xyz"):
        scene[f"{axis}axis"]["range"] = [float(lo[i]), float(hi[i])]
    scene["aspectmode"] = "manual"
    scene["aspectratio"] = dict(x=float(ratio[0]), y=float(ratio[1]), z=float(ratio[2]))


def _scatter_illustration(r: ConvResult, plan: _StagePlan) -> list:
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
        go.Scatter3d(
            x=np.asarray([src[0]], np.float32), y=np.asarray([src[1]], np.float32),
            z=np.asarray([src[2]], np.float32), mode="markers+text",
            text=[f"one input cell x (ch {ch})"], textposition="bottom center",
            marker=dict(size=9, symbol="square", color=CHANNEL_COLORS[b.colors[0]],
                        line=dict(width=1, color=BLACK)),
            hovertemplate=f"one cell of input channel {ch}<extra></extra>",
            name="one input cell", showlegend=False),
        go.Scatter3d(
            x=px.astype(np.float32), y=py.astype(np.float32), z=pz.astype(np.float32),
            mode="markers", customdata=np.column_stack([rows, cols]).astype(np.int16),
            marker=dict(size=6, symbol="square-open", color=BLACK),
            name=f"output patch: x · w adds into {kh_d}×{kw_d} output cells",
            hovertemplate=(f"output channel {b.filt} cell += x · w(%{{customdata[0]}}, "
                           f"%{{customdata[1]}})<extra></extra>")),
    ]
