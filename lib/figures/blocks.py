"""What the filter figures draw, and the 3D pieces they draw it with.

Both filter figures (1D/2D in :mod:`.filters`, 3D in :mod:`.filters3d`) start from the
same plan: for every stage with a window, which filters are drawn (spread over the
groups), which input channels each sees, in which colour and depth slot
(:func:`plan_stages`). Both end with the same pieces: one translucent mesh per channel
colour (:func:`channel_meshes`), one marker trace per stage for the weights
(:func:`weights_trace`), the biases, the "+N more" notes, the stage headings and the
figure's ``meta`` and layout.

What is drawn comes from ``r.stages`` only: a stage's filters are its output channels,
filter ``f`` belongs to group ``f // (out / groups)`` and sees the ``in / groups`` input
channels of that group. That one rule covers standard, pointwise, grouped, depthwise
(groups = c), the two stages of the separable kinds, transposed (filter = output channel)
and spatially separable; ``shared_channels`` draws one kernel per filter reused by all c.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult, Stage, kind_label
from lib.text import fmt_shape, plural

from ._common import (BLACK, BLUE, CHANNEL_COLORS, GREY, MARGIN, NARROW_SLOT_PX, NOTE, STAGES,
                      TRUNCATION, note_annotation, stack_notes_above, title, title_height,
                      truncation_text)

#: Kernels are drawn up to this many rows / columns (the app's maximum w is 11).
MAX_KERNEL_DRAWN = 11
#: Channel slices sit this far apart along the depth axis (slab + gap).
DEPTH_STEP = 2.0
SLAB_HALF = 0.42
SHARED_COLOR = BLUE


@dataclass
class Block:
    """One drawn filter: the input channels it sees, their colours and depth slots."""

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
class StagePlan:
    """The drawn filters of one stage and how much of the stage they are."""

    index: int
    stage: Stage
    label: str
    filters_total: int
    channels_total: int  # input channels each filter sees
    kernel: tuple[int, ...]  # the stage's kernel, one size per spatial axis
    kernel_drawn: tuple[int, ...]
    blocks: list[Block] = field(default_factory=list)
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


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------

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


def _plan_stage(r: ConvResult, index: int, max_filters: int, max_channels: int) -> StagePlan:
    st = r.stages[index]
    g = st.groups
    n_out, n_in = st.out_channels, st.in_channels
    per_out, per_in = n_out // g, n_in // g
    plan = StagePlan(index, st, st.name, n_out, per_in, tuple(st.kernel),
                     tuple(min(k, MAX_KERNEL_DRAWN) for k in st.kernel),
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
        plan.blocks.append(Block(index, f, gi, chans, colors, [depth_of[ch] for ch in chans],
                                 unseen))
    return plan


def kernel_cap(plans: list[StagePlan], budget: int, faces_only: bool = False) -> int:
    """Largest per-axis kernel size (≤ ``MAX_KERNEL_DRAWN``) at which the weight markers of
    every drawn filter and channel fit in ``budget``; ``faces_only``: count only the front
    face of a 3D kernel (kh×kw, the isometric view)."""
    for cap in range(MAX_KERNEL_DRAWN, 0, -1):
        total = sum(len(p.blocks) * len(p.blocks[0].channels)
                    * math.prod(min(k, cap) for k in (p.kernel[1:] if faces_only
                                                      else p.kernel))
                    for p in plans if p.blocks)
        if total <= budget:
            return cap
    return 1


def plan_stages(r: ConvResult, max_filters: int, max_channels: int) -> list[StagePlan]:
    """One plan per stage with a window (the channel sum of shared_channels has none):
    at most ``max_filters`` filters (spread over the groups) and ``max_channels`` channel
    slices each, kernels up to ``MAX_KERNEL_DRAWN`` a side."""
    return [_plan_stage(r, i, max_filters, max_channels)
            for i, st in enumerate(r.stages) if st.op != "channel_sum"]


# ---------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------

def filter_tag(plan: StagePlan, b: Block) -> str:
    """The label under a drawn filter: ``filter 3 (ch 1)``, ``out ch 2 · group 0``."""
    op = plan.stage.op
    tag = f"filter {b.filt}"
    if op == "depthwise":
        tag += f" (ch {b.group})"
    elif op == "transposed":
        tag = f"out ch {b.filt}"
    if plan.stage.groups > 1 and op != "depthwise":
        tag += f" · group {b.group}"
    return tag


def stage_heading(r: ConvResult, plan: StagePlan) -> str:
    """What a stage's filters are: ``10 filters of 4×4×3``, ``Stage 1 (depthwise): …``."""
    st = plan.stage
    one_d = len(plan.kernel) == 1
    kt = fmt_shape(plan.kernel) + (" tap" + ("s" if plan.kernel[0] != 1 else "")
                                   if one_d else "")
    n, cin = plan.filters_total, plan.channels_total
    if r.kind == "shared_channels":
        return (f"{plural(n, 'filter')} of {kt}: one kernel each, shared by all "
                f"{r.spec.c} channels")
    what = "filters" if n != 1 else "filter"
    head = (f"{n:,} {what} of {kt} × {cin} channel{'s' if cin != 1 else ''}"
            if one_d else f"{n:,} {what} of {kt}×{cin}")
    if st.op == "depthwise":
        m = st.out_channels // st.in_channels
        head += f", {m} per input channel" if m > 1 else ", one per input channel"
    elif st.op == "transposed":
        head = (f"{n:,} output channels × a {kt} × {cin} kernel (scattered)" if one_d else
                f"{n:,} output channels × a {kt}×{cin} kernel (scattered)")
    elif st.groups > 1:
        head += f" in {st.groups} groups"
    if r.kind != "shared_channels" and len(r.stages) > 1:
        head = f"Stage {plan.index + 1} ({st.name}): " + head
    return head


def scene_heading(r: ConvResult, plan: StagePlan) -> str:
    """The short label drawn in the 3D scene next to a stage's filters (``Stage 1 ·
    depthwise``); the whole :func:`stage_heading` is a note above the drawing, where it
    can wrap (text in a 3D scene cannot, and a long one is cut on a narrow screen)."""
    if len(r.stages) > 1 and r.kind != "shared_channels":
        return f"Stage {plan.index + 1} · {plan.stage.name}"
    return f"{plural(plan.filters_total, 'filter')}"


def _truncation_parts(plan: StagePlan) -> list[str]:
    parts = []
    if plan.filters_total > len(plan.blocks):
        parts.append(f"+{plan.filters_total - len(plan.blocks):,} more filters")
    if plan.channels_total > plan.channels_drawn:
        parts.append(f"+{plan.channels_total - plan.channels_drawn:,} more channels per "
                     "filter")
    if plan.kernel_drawn != plan.kernel:
        parts.append(f"kernel cropped to {fmt_shape(plan.kernel_drawn)} of "
                     f"{fmt_shape(plan.kernel)}")
    return parts


def truncation(plans: list[StagePlan]) -> list[str]:
    """What was not drawn, one entry per stage that lost something."""
    out = []
    for plan in plans:
        parts = _truncation_parts(plan)
        if parts:
            out.append((f"{plan.label}: " if len(plans) > 1 else "") + ", ".join(parts))
    return out


def stage_meta(plan: StagePlan, cells: int) -> dict:
    """What ``fig.layout.meta`` records about one stage (``cells``: weight markers drawn)."""
    return dict(
        stage=plan.index, name=plan.label, op=plan.stage.op,
        filters_total=plan.filters_total, filters_drawn=len(plan.blocks),
        channels_total=plan.channels_total, channels_drawn=plan.channels_drawn,
        kernel=list(plan.kernel), kernel_drawn=list(plan.kernel_drawn),
        cells=cells, biases=len(plan.blocks) if plan.has_bias else 0,
        filters=[b.filt for b in plan.blocks])


# ---------------------------------------------------------------------------
# Traces
# ---------------------------------------------------------------------------

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


def mesh(boxes: list, color: str, name: str, opacity: float, legend: bool = True,
         group: str | None = None) -> go.Mesh3d:
    """One Mesh3d for many boxes (rows x0, x1, y0, y1, z0, z1) of one colour."""
    arr = np.asarray(boxes, dtype=np.float32).reshape(-1, 6)
    return go.Mesh3d(**_box_mesh(arr), color=color, opacity=opacity, name=name,
                     showlegend=legend, legendgroup=group or name, hoverinfo="skip",
                     flatshading=True, lighting=dict(ambient=0.85, diffuse=0.3, specular=0.0),
                     showscale=False)


@dataclass
class Pieces:
    """The boxes and points a filter figure collects while it walks the plans."""

    slabs: dict[int, list] = field(default_factory=dict)  # colour -> boxes (-1: shared)
    ghosts: list = field(default_factory=list)  # the shared kernel reused per channel
    unseen: list = field(default_factory=list)  # channels of another group
    colour_names: dict[int, str] = field(default_factory=dict)
    bias: list[tuple[float, float, float, int]] = field(default_factory=list)  # x, y, z, filter
    traces: list = field(default_factory=list)  # the weight markers, one trace per stage
    stage_meta: list[dict] = field(default_factory=list)


def channel_meshes(p: Pieces, shared: bool, c: int, opacity: tuple[float, float]) -> list:
    """One mesh per channel colour (the legend is the colour key), the reused copies of a
    shared kernel and the faint channels a filter does not see. ``opacity``: (shared
    kernel, channel slabs)."""
    meshes = []
    if shared:
        meshes.append(mesh(p.slabs[-1], SHARED_COLOR, "one kernel per filter", opacity[0]))
        if p.ghosts:
            meshes.append(mesh(p.ghosts, SHARED_COLOR, "the same kernel reused for channel "
                               f"1…{c - 1}", 0.12))
    else:
        for ci in sorted(p.slabs):
            meshes.append(mesh(p.slabs[ci], CHANNEL_COLORS[ci],
                               p.colour_names.get(ci, f"channel {ci}"), opacity[1]))
    if p.unseen:
        meshes.append(mesh(p.unseen, GREY, "channel of another group: not seen", 0.08))
    return meshes


def weights_trace(x, y, z, customdata: np.ndarray, colors: np.ndarray, shared: bool,
                  size: float, name: str, hover: str) -> go.Scatter3d:
    """One marker per weight, coloured by input channel (one colour when shared)."""
    palette = [SHARED_COLOR] if shared else list(CHANNEL_COLORS)
    cd = customdata.astype(np.uint8 if customdata.max() < 256 else np.int16)
    return go.Scatter3d(
        x=x, y=y, z=z, mode="markers", customdata=cd,
        marker=dict(size=size, symbol="square",
                    color=np.zeros(x.size, np.uint8) if shared else colors.astype(np.uint8),
                    colorscale=([[0, SHARED_COLOR], [1, SHARED_COLOR]] if shared else
                                [[i / (len(palette) - 1), c] for i, c in enumerate(palette)]),
                    cmin=0, cmax=1 if shared else len(palette) - 1,
                    line=dict(width=0.5, color="#333333")),
        name=name, hovertemplate=hover + "<extra></extra>", showlegend=False)


def bias_trace(bias: list[tuple[float, float, float, int]]) -> list:
    """The black diamonds, one bias per drawn filter (none without bias)."""
    if not bias:
        return []
    x, y, z, filt = zip(*bias)
    return [go.Scatter3d(
        x=np.asarray(x, np.float32), y=np.asarray(y, np.float32),
        z=np.asarray(z, np.float32), mode="markers", customdata=np.asarray(filt, np.int16),
        marker=dict(size=7, symbol="diamond", color=BLACK, line=dict(width=1, color="white")),
        name="bias (one number per filter)",
        hovertemplate="bias of filter %{customdata}: one number, added to every output "
                      "cell of that channel<extra></extra>")]


def text_trace(x, y, z, text, name: str, size: int = 12, color: str = "#333333",
               **extra) -> go.Scatter3d:
    """Labels in the scene (filter tags, channel names, stage headings)."""
    return go.Scatter3d(x=np.asarray(x, np.float32), y=np.asarray(y, np.float32),
                        z=np.asarray(z, np.float32), mode="text", text=list(text),
                        textfont=dict(size=size, color=color), hoverinfo="skip",
                        showlegend=False, name=name, **extra)


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------

#: Scene axes with nothing on them. No titles either: plotly puts them along the box's
#: lower edges, across the lowest filter tags on a narrow figure; the subtitle says what
#: rows, columns and slices are.
BLANK_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False, showbackground=False,
                  showspikes=False, title=dict(text=""))


def tensor_notes(r: ConvResult, rank: int, plans: list[StagePlan], stages: list[dict],
                 about: str, weights_per_filter: str) -> tuple[dict, list, dict, int]:
    """(title, annotations, meta, notes_px) shared by every filter figure (3D scene or
    isometric): the title with the parameter count, the truncation and shared-kernel
    notes stacked above the plot (``notes_px`` tall: add it to the top margin), and what
    was drawn (``stages``: one :func:`stage_meta` per stage).

    ``about``: what follows the counts in the subtitle; ``weights_per_filter``: how a
    shared kernel's weights read (``kh×kw weights, not kh×kw×c``)."""
    shared = r.kind == "shared_channels"
    cut = truncation(plans)
    notes = [note_annotation("<br>".join(stage_heading(r, plan) for plan in plans), STAGES)]
    if shared:
        notes.append(note_annotation(
            f"Same kernel for all {r.spec.c} channels: the layer sums the channels first, "
            f"then convolves (each filter has {weights_per_filter}).", NOTE))
    if cut:
        notes.append(note_annotation(truncation_text(cut), TRUNCATION))
    annotations, notes_px = stack_notes_above(notes)
    meta = dict(
        figure="filter_tensor", kind=r.kind, rank=rank, truncated=bool(cut),
        filters_drawn=sum(len(pl.blocks) for pl in plans),
        filters_total=sum(pl.filters_total for pl in plans),
        channels_drawn=plans[0].channels_drawn, channels_total=plans[0].channels_total,
        stages=stages)
    bias_note = (f"{r.bias_params:,} bias{'es' if r.bias_params != 1 else ''} (◆)"
                 if r.bias_params else "no biases")
    sub = (f"{kind_label(r.kind, rank)}: {r.params:,} parameters = {r.weight_params:,} "
           f"weights (one per cell) + {bias_note}. {about}")
    return title("What the layer learns: its filters", sub), annotations, meta, notes_px


def tensor_layout(r: ConvResult, rank: int, plans: list[StagePlan], p: Pieces,
                  about: str, weights_per_filter: str, height: int, scene: dict,
                  traces: list) -> tuple[dict, dict]:
    """(layout, meta) of a 3D filter figure: :func:`tensor_notes`, the legend under the
    scene and the 3D ``scene`` fitted below the title and notes."""
    shared = r.kind == "shared_channels"
    head, annotations, meta, notes_px = tensor_notes(r, rank, plans, p.stage_meta, about,
                                                     weights_per_filter)
    top_px = title_height(head) + notes_px
    height = fit_labels(scene, traces, height, top_px)
    labels_to_annotations(scene, traces)
    layout = dict(
        title=head,
        height=height,
        showlegend=True,
        # Under the drawing, never on it: a horizontal legend below the scene.
        legend=dict(title=dict(text="" if shared else "colour = the input channel a weight reads",
                               side="top"),
                    orientation="h", x=0.0, xanchor="left", y=0.0, yanchor="top",
                    itemsizing="constant"),
        margin=dict(MARGIN, t=top_px),
        scene=scene,
        annotations=annotations,
    )
    return layout, meta


#: 3D views are fitted to the narrowest slot.
NARROW_PX = NARROW_SLOT_PX
#: A horizontal legend on a narrow screen: px per row, under its title, and the width of
#: an entry (symbol and gap, then px per character of its name).
LEGEND_ROW_PX, LEGEND_TITLE_PX, LEGEND_ITEM_PX, LEGEND_CHAR_PX = 29, 30, 46, 6.6


def legend_px(traces: list, width: float = NARROW_PX - 20) -> float:
    """Height (px) of the horizontal legend under a 3D scene at the narrowest width:
    plotly wraps its entries into rows, and every row takes height from the scene."""
    rows, used = 0, width
    for t in traces:
        if t.showlegend is False or not t.name:
            continue
        item = LEGEND_ITEM_PX + LEGEND_CHAR_PX * len(t.name)
        if used + item > width:
            rows, used = rows + 1, 0.0
        used += item
    return LEGEND_TITLE_PX + LEGEND_ROW_PX * rows


def _scene_labels(t) -> Iterator[tuple[int, np.ndarray, str, str]]:
    """(point index, xyz, text, textposition) of every label a scene trace draws: the
    non-empty texts of a ``scatter3d`` trace whose mode has text, at finite points.
    Fitting the view, telling labels apart and turning them into annotations all read the
    labels through this one place."""
    if t.type != "scatter3d" or "text" not in (t.mode or "") or t.text is None:
        return
    pos = t.textposition
    for i, (x, y, z, s) in enumerate(zip(t.x, t.y, t.z, t.text)):
        xyz = np.array([x, y, z], np.float64)
        if str(s).strip() and np.isfinite(xyz).all():
            at = pos[i] if isinstance(pos, (list, tuple)) else (pos or "middle center")
            yield i, xyz, str(s), str(at)


def _text_half(text: str, size: float, position: str, char: float = 0.58, pad: float = 4.0,
               line: float = 1.3) -> tuple[float, float, float, float]:
    """Pixels a scene label reaches (left, right, up, down) from its point: ``char`` ×
    size per character plus ``pad`` across, ``line`` × size high. Fitting the view uses
    roomy boxes; telling whether two labels collide uses the glyphs' own size."""
    w, h = len(text) * size * char + pad, size * line
    left = right = w / 2
    up = down = h / 2
    if "right" in position:
        left, right = 0.0, w
    elif "left" in position:
        left, right = w, 0.0
    if "top" in position:
        up, down = h, 0.0
    elif "bottom" in position:
        up, down = 0.0, h
    return left, right, up, down


#: A 3D filter figure grows by this factor while its labels overlap, up to MAX_HEIGHT px.
GROW, MAX_HEIGHT = 1.15, 1300
#: Scene text traces whose labels may be left out where they would overlap others (the
#: legend and the hover name every channel too); every other label must fit.
THINNABLE = "channel labels"


def fit_labels(scene: dict, traces: list, height: int, top_px: int) -> int:
    """Fit the view (:func:`fit_view`) at a height where no two scene labels overlap.

    Why: labels are 12 px whatever the zoom, and a tall drawing (two stages of filters)
    is zoomed out until its "filter 0" / "filter 1" labels run into each other. The view's
    scale grows with the figure's height, so the figure grows (by ``GROW``) until they are
    apart; labels that still overlap on a wide drawing (whose scale the width sets) are
    the channel names of :data:`THINNABLE`, and every other one of those is left out.
    Returns the height to use."""
    def fit(h: int) -> float:
        return fit_view(scene, traces, h, top_px)

    scale = fit(height)
    while height < MAX_HEIGHT and _overlapping(scene, traces, scale, height, top_px):
        taller = min(MAX_HEIGHT, round(height * GROW))
        bigger = fit(taller)
        if bigger <= scale * 1.01:  # the width sets the scale: height does not help
            fit(height)
            break
        height, scale = taller, bigger
    labels = _label_boxes(scene, traces, scale)
    kept = [box for t, _, box in labels if traces[t].name != THINNABLE]
    for t, i, box in labels:  # in order: the first channel of each row always stays
        if traces[t].name != THINNABLE:
            continue
        if any(_hit(box, other) for other in kept):
            text = list(traces[t].text)
            text[i] = ""
            traces[t].text = text
        else:
            kept.append(box)
    return height


def _anchors(position: str) -> tuple[str, str]:
    """A scene text ``textposition`` -> the annotation's (xanchor, yanchor) that puts the
    text on the same side of its point ("bottom center": below it, "middle left": to its
    left), as :func:`_text_half` measures it."""
    x = "left" if "right" in position else "right" if "left" in position else "center"
    y = "bottom" if "top" in position else "top" if "bottom" in position else "middle"
    return x, y


def labels_to_annotations(scene: dict, traces: list) -> None:
    """Draw the scene's labels as SVG annotations, not WebGL text (in place: the text-only
    traces leave ``traces``; ``scene["annotations"]`` gets one per non-empty label, named
    after its trace).

    Why (issue 14): plotly's WebGL text triangulates every label string before it draws
    it. In Chromium (software WebGL) the 3D filter view's first drawing at the default
    settings took 992 ms with text traces and 746 ms with annotations (median of 4 fresh
    pages), a k move 100 -> 75 ms. An annotation sits at the same projected point and
    follows the view when it turns. Call it after the view is fitted: :func:`fit_view` and
    :func:`fit_labels` measure the labels as traces.
    """
    kept, notes = [], []
    for t in traces:
        # Only text-only traces: plotly draws a markers+text trace's text a marker's size
        # off its point, not where the fitting measured it, so the figures draw every label
        # as a text trace of its own (tests/test_figures_nd.py checks that none is left).
        if t.type != "scatter3d" or t.mode != "text":
            kept.append(t)
            continue
        for _, (x, y, z), s, at in _scene_labels(t):
            xanchor, yanchor = _anchors(at)
            # no border or padding: the text starts at its point, as WebGL text did
            notes.append(dict(x=float(x), y=float(y), z=float(z), text=s, name=t.name,
                              showarrow=False, xanchor=xanchor, yanchor=yanchor,
                              borderpad=0, borderwidth=0,
                              font=dict(size=t.textfont.size or 12, color=t.textfont.color)))
    traces[:] = kept
    scene["annotations"] = notes


def _hit(a: tuple, b: tuple) -> bool:
    """Whether two (left, right, top, bottom) pixel boxes overlap (by more than 1 px)."""
    return min(a[1], b[1]) - max(a[0], b[0]) > 1.0 and min(a[3], b[3]) - max(a[2], b[2]) > 1.0


def _overlapping(scene: dict, traces: list, scale: float, height: int, top_px: int) -> bool:
    """Whether a scene label that must stay (not :data:`THINNABLE`) overlaps another
    label or touches a marker (its whole square, not just its centre) or a slab corner."""
    boxes = [box for t, _, box in _label_boxes(scene, traces, scale)
             if traces[t].name != THINNABLE]
    if any(_hit(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
        return True
    u, v, r = _marker_px(scene, traces, scale)
    return any(bool(np.any((u + r > b[0]) & (u - r < b[1]) & (v + r > b[2]) & (v - r < b[3])))
               for b in boxes)


def _model(scene: dict, xyz: np.ndarray) -> np.ndarray:
    """Data points -> the view's model space (what ``aspectratio`` scales)."""
    lo = np.array([scene[f"{a}axis"]["range"][0] for a in "xyz"], np.float64)
    hi = np.array([scene[f"{a}axis"]["range"][1] for a in "xyz"], np.float64)
    return (xyz - (lo + hi) / 2) * ((hi - lo) / (hi - lo).max()) / (hi - lo)


def _marker_px(scene: dict, traces: list, scale: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Screen px (right, down) and half-size (px) of every marker (weights, biases, the
    transposed conv's input cell and output patch) and every slab corner (half-size 0) in
    the fitted view. A marker's ``size`` is its width in px whatever the zoom."""
    _, right, upv = _camera_axes(scene)
    pts, half = [], []
    for t in traces:
        marks = t.type == "scatter3d" and "markers" in (t.mode or "")
        if not (t.type == "mesh3d" or marks) or t.x is None or not len(t.x):
            continue
        xyz = np.column_stack([np.asarray(t[a], np.float64) for a in "xyz"])
        xyz = xyz[np.isfinite(xyz).all(axis=1)]
        pts.append(xyz)
        half.append(np.full(len(xyz), float(t.marker.size or 0) / 2 if marks else 0.0))
    if not pts:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    m = _model(scene, np.concatenate(pts))
    return scale * (m @ right), -scale * (m @ upv), np.concatenate(half)


def _camera_axes(scene: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(look, right, up) unit vectors of the scene's camera."""
    cam = scene["camera"]
    eye = np.array([cam["eye"][a] for a in "xyz"], np.float64)
    centre = np.array([cam.get("center", {}).get(a, 0.0) for a in "xyz"], np.float64)
    look = (centre - eye) / np.linalg.norm(centre - eye)
    right = np.cross(look, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    return look, right, np.cross(right, look)


def _label_boxes(scene: dict, traces: list, scale: float) -> list[tuple[int, int, tuple]]:
    """(trace index, point index, (left, right, top, bottom) in px) of every non-empty
    scene label, as the fitted view draws it (``scale`` px per unit of its model space)."""
    _, right, upv = _camera_axes(scene)
    out = []
    for n, t in enumerate(traces):
        for i, xyz, s, at in _scene_labels(t):
            m = _model(scene, xyz)
            u, v = scale * float(m @ right), -scale * float(m @ upv)
            left, rgt, up, down = _text_half(s, float(t.textfont.size or 12), at, 0.55, 1.0, 1.2)
            out.append((n, i, (u - left, u + rgt, v - up, v + down)))
    return out


def fit_view(scene: dict, traces: list, height: int, top_px: int,
             pad: float = 0.5, margin_px: float = 6.0) -> float:
    """Zoom and centre an orthographic 3D scene so everything drawn fits the narrowest slot.

    Plotly's orthographic view spans ±1 vertically and ±(width / height) across, and zooms
    with ``aspectratio``; a wall of filters wider than tall was therefore cut at the sides
    of a narrow figure (half the filters on a phone). Here every point and every label
    (its pixel box) is projected along the camera, and the largest ``aspectratio`` scale
    that keeps all of them inside a ``NARROW_PX`` wide scene is chosen; ``camera.center``
    puts the drawing in the middle. Wider screens show the same drawing with room around.
    Returns the scale (px per unit of the view's model space).
    """
    pts, boxes = [], []
    for t in traces:
        xyz = [t[a] for a in "xyz"]
        if any(v is None or len(v) == 0 for v in xyz):
            continue
        arr = np.column_stack([np.asarray(v, np.float64) for v in xyz])
        ok = np.isfinite(arr).all(axis=1)
        for _, xyz, s, at in _scene_labels(t):
            boxes.append((xyz, _text_half(s, float(t.textfont.size or 12), at)))
        pts.append(arr[ok])
    allp = np.concatenate(pts)
    lo, hi = allp.min(axis=0) - pad, allp.max(axis=0) + pad
    span = hi - lo
    aspect = span / span.max()
    cam = scene["camera"]
    look, right, upv = _camera_axes(scene)  # the same direction when fitted again

    def project(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = (p - (lo + hi) / 2) * aspect / span
        return m @ right, m @ upv

    u, v = project(allp)
    if boxes:
        bu, bv = project(np.array([b[0] for b in boxes]))
        ext = np.array([b[1] for b in boxes])
    else:
        bu = bv = np.zeros(0)
        ext = np.zeros((0, 4))
    w_px = NARROW_PX - 20 - 2 * margin_px
    h_px = height - top_px - legend_px(traces) - 2 * margin_px

    def extent(k: float) -> tuple[float, float, float, float]:
        xs_lo = np.concatenate([k * u, k * bu - ext[:, 0]])
        xs_hi = np.concatenate([k * u, k * bu + ext[:, 1]])
        ys_lo = np.concatenate([k * v, k * bv - ext[:, 3]])
        ys_hi = np.concatenate([k * v, k * bv + ext[:, 2]])
        return xs_lo.min(), xs_hi.max(), ys_lo.min(), ys_hi.max()

    lo_k, hi_k = 0.05, 4000.0
    for _ in range(40):  # the largest px-per-unit k that fits w_px × h_px
        k = (lo_k + hi_k) / 2
        x0, x1, y0, y1 = extent(k)
        if x1 - x0 <= w_px and y1 - y0 <= h_px:
            lo_k = k
        else:
            hi_k = k
    k = lo_k
    x0, x1, y0, y1 = extent(k)
    cu, cv = (x0 + x1) / 2 / k, (y0 + y1) / 2 / k  # drawing's middle, model units
    s = 2 * k / (h_px + 2 * margin_px)  # model units -> ±1 of the view's height
    centre = s * (cu * right + cv * upv)
    dist = max(3.0, 2 * float(np.max(aspect * s)))
    scene["aspectmode"] = "manual"
    scene["aspectratio"] = {a: float(aspect[i] * s) for i, a in enumerate("xyz")}
    for i, a in enumerate("xyz"):
        scene[f"{a}axis"]["range"] = [float(lo[i]), float(hi[i])]
    cam["center"] = {a: float(centre[i]) for i, a in enumerate("xyz")}
    cam["eye"] = {a: float(centre[i] - look[i] * dist) for i, a in enumerate("xyz")}
    return k
