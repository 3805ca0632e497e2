"""Input volume -> kernel -> output volume, drawn as labelled boxes in an oblique view.

Every tensor of the layer (input, the intermediate of a two-stage kind, output) is drawn
by rank:

* 2D: a box W wide, H tall and C deep (channels recede).
* 1D: a flat strip W (steps) wide and C (channels) tall; zero padding on the left and
  right (causal: the left only).
* 3D: a box W wide, H tall and D deep (depth recedes, labelled); every cell holds C
  channel values (the label says how many).

Zero padding is a grey rim around the input, the kernel is an orange box on the (padded)
input at the window of the chosen output position, and dashed lines run to that output
position. Positions are spread evenly over the drawn boxes (the first at the front
top-left corner, the last at the far edges), so they stay in the boxes on the square-root
scale too. See-through click markers over the output's front face (at most
``MAX_CLICK_MARKERS``; a larger output gets a coarser grid of its cells) report a click as
the cell's position. Boxes are layout shapes, so the payload is tiny at any size. Large
sizes are drawn on a square-root scale (noted on the figure); the labels always give the
true sizes, read from ``r.stages``.

Every text sits where it sits whatever the position: only shapes (the kernel, the output
cell, the dashed lines) move, so a layout that is clean at one position is clean at all of
them. The kernel therefore has no label of its own: each stage's caption says
``<filters> × ■ <kernel shape>`` with the ■ and the shape in the kernel's colour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from lib.cell import figure_stage
from lib.conv import ConvResult, Stage, kind_label
from lib.text import fmt_axes, fmt_shape

from ._common import (GREEN, MARGIN, NOTE, ORANGE, PURPLE, SKY, VERMILLION, as_position,
                      click_markers, finish, narrow_plot_px, note_annotation, title,
                      title_height, trace)

#: Depth is drawn receding up and to the right: one unit of depth moves (DX, DY).
DX, DY = 0.42, 0.30
#: Beyond this size (cells) boxes switch from true proportions to a square-root scale.
LINEAR_LIMIT = 64
SCALED_MAX = 64.0
PAD_COLOR = "#D9D9D9"
INPUT_COLOR = SKY
MID_COLOR = PURPLE
OUTPUT_COLOR = GREEN
KERNEL_COLOR = ORANGE
#: The kernel's colour for text (darker: 5:1 on white); the stage caption names the kernel
#: in it, so no label has to follow the kernel around the input box.
KERNEL_TEXT = "#8a5a00"
#: ``name`` of the stage captions (annotations), for the tests.
CAPTION = "stage caption"
#: Text is measured in pixels but boxes in drawing units, so the spacing is worked out for
#: the narrowest plot the figure gets (the explorer's slot at 1024x768, 306 px, less the
#: margins): gaps, ranges and the height then leave every text its room at any wider size.
NARROW_PLOT_PX = narrow_plot_px(6)  # 280
#: Estimated glyph width / font size (measured in Chromium: ≈ 0.5 for these labels) and
#: the height of one 12 px line, with a margin between texts.
CHAR_EM, LINE_PX, TEXT_PAD_PX = 0.56, 16, 10
#: The arrow between two boxes is at least this long (px).
ARROW_PX = 28
CELL_COLOR = VERMILLION
#: Click markers over the output's front face: at most this many (a coarser grid beyond).
MAX_CLICK_MARKERS = 1000
#: Rows of click markers at most (2D/3D): the columns share the rest of the budget.
MAX_CLICK_ROWS = 31
#: A narrow plot area (px): click markers are sized so neighbours do not overlap there.
NARROW_PX = (360, 300)


def _mix(hex_color: str, toward: str, t: float) -> str:
    a = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(toward[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


class _Scale:
    """Cells -> drawing units: identity for small layers, sqrt beyond LINEAR_LIMIT."""

    def __init__(self, largest: int):
        self.linear = largest <= LINEAR_LIMIT
        self.largest = max(largest, 1)

    def __call__(self, n: float) -> float:
        if n <= 0:
            return 0.0
        if self.linear:
            return float(n)
        return max(1.0, SCALED_MAX * math.sqrt(n / self.largest))


def _box_paths(x: float, y: float, w: float, h: float, d: float, color: str,
               line: str = "#444444", dash: str = "solid", opacity: float = 1.0) -> list[dict]:
    """Three visible faces of a box whose front face spans x..x+w, y..y+h (y up)."""
    ox, oy = d * DX, d * DY
    front = f"M{x},{y} L{x + w},{y} L{x + w},{y + h} L{x},{y + h} Z"
    top = f"M{x},{y + h} L{x + w},{y + h} L{x + w + ox},{y + h + oy} L{x + ox},{y + h + oy} Z"
    side = f"M{x + w},{y} L{x + w + ox},{y + oy} L{x + w + ox},{y + h + oy} L{x + w},{y + h} Z"
    common = dict(type="path", xref="x", yref="y", layer="above", opacity=opacity,
                  line=dict(color=line, width=1, dash=dash))
    if d <= 0:  # a flat strip (1D): the front face only
        return [dict(path=front, fillcolor=color, **common)]
    return [dict(path=side, fillcolor=_mix(color, "#000000", 0.18), **common),
            dict(path=top, fillcolor=_mix(color, "#ffffff", 0.35), **common),
            dict(path=front, fillcolor=color, **common)]


def _label(x: float, y: float, text: str, yanchor: str = "top", size: int = 12,
           color: str = "#222222", xanchor: str = "center") -> dict:
    return dict(x=x, y=y, xref="x", yref="y", text=text, showarrow=False, xanchor=xanchor,
                yanchor=yanchor, font=dict(size=size, color=color), align="center")


def _text_px(html: str, size: int = 12) -> tuple[float, int]:
    """(width px, lines) of an annotation's text, estimated from its longest line."""
    lines = re.split(r"<br\s*/?>", html)
    longest = max(len(re.sub(r"<[^>]+>", "", line)) for line in lines)
    return longest * CHAR_EM * size, len(lines)


def _stage_caption(st: Stage) -> str:
    """What a stage does, between its two boxes: ``<out> × ■ <kernel>``, the ■ and the
    kernel in the kernel's colour, so the caption is also the key to the orange box."""
    kt = fmt_shape(st.kernel)
    if st.op == "channel_sum":
        return "Σ add all channels<br>(no weights)"
    kernel = f"■ {kt}×{st.in_channels // st.groups}"
    parts = [f"{st.out_channels:,} × <span style='color:{KERNEL_TEXT}'>{kernel}</span>"]
    if set(st.stride) != {1}:
        parts.append(f"stride {fmt_axes(st.stride)}")
    if set(st.dilation) != {1}:
        parts.append(f"dilation {fmt_axes(st.dilation)}")
    if st.axes and st.axes[0].mode == "causal":
        parts.append("causal")
    if st.groups > 1 and st.op != "depthwise":
        parts.append(f"{st.groups} groups")
    head = {"depthwise": "depthwise", "transposed": "transposed conv"}.get(st.op, st.name)
    if st.op == "transposed":
        parts.append(f"each input cell<br>adds a {kt} patch")
    return f"<b>{head}</b><br>" + "<br>".join(parts)


class _Geometry:
    """How a tensor of this rank maps onto the drawing: (width, height, depth) in cells.

    2D (H, W, C): W across, H up, C deep. 1D (W, C): W across, C up, flat.
    3D (D, H, W, C): W across, H up, D deep (C only in the label).
    """

    def __init__(self, rank: int):
        self.rank = rank

    def whd(self, shape: tuple[int, ...]) -> tuple[int, int, int]:
        if self.rank == 1:
            return shape[0], shape[1], 0
        if self.rank == 2:
            return shape[1], shape[0], shape[2]
        return shape[2], shape[1], shape[0]

    def spatial(self, values: Sequence, fill=0) -> tuple:
        """Per spatial axis values (D, H, W order) -> (across, down, deep); ``fill`` for
        the drawn axis that holds channels (1D: up, 2D: deep)."""
        if self.rank == 1:
            return values[0], fill, fill
        if self.rank == 2:
            return values[1], values[0], fill
        return values[2], values[1], values[0]

    def rim(self, axes) -> tuple[int, int, int, int, int, int]:
        """(top, bottom, left, right, front, back) cells from per-axis (before, after)."""
        if self.rank == 1:
            (w,) = axes
            return 0, 0, w[0], w[1], 0, 0
        if self.rank == 2:
            h, w = axes
            return h[0], h[1], w[0], w[1], 0, 0
        d, h, w = axes
        return h[0], h[1], w[0], w[1], d[0], d[1]

    def rim_text(self, what: str, rim: tuple[int, ...]) -> str:
        """The rim under its box's label: ``what:`` then before/after per axis, one short
        line each so the label stays about as wide as its box."""
        t, b, l_, r_, f_, k_ = rim
        if self.rank == 1:
            causal = " (causal)" if what == "zero padding" and r_ == 0 and l_ else ""
            return f"{what}:<br>{l_} left / {r_} right{causal}"
        text = f"{what}:<br>{t}/{b} rows, {l_}/{r_} cols"
        if self.rank == 3:
            text += f",<br>{f_}/{k_} depth slices"
        return text

    @property
    def names(self) -> str:
        return {1: "W×C", 2: "H×W×C", 3: "D×H×W×C"}[self.rank]

    def hover(self, name: str, shape: tuple[int, ...]) -> str:
        n = math.prod(shape)
        if self.rank == 1:
            return (f"{name}: {shape[0]:,} steps × {shape[1]:,} channels = {n:,} numbers")
        if self.rank == 2:
            return (f"{name}: {shape[0]:,} × {shape[1]:,} × {shape[2]:,} (H × W × channels)"
                    f" = {n:,} numbers")
        return (f"{name}: {shape[0]:,} × {shape[1]:,} × {shape[2]:,} × {shape[3]:,} "
                f"(depth × H × W × channels) = {n:,} numbers")


def _offset(i, n: int, span: float, size: float):
    """Where item ``i`` of ``n`` (each ``size`` long) starts along ``span`` drawn units:
    evenly spread and monotone, the first at 0 and the last ending at ``span``. ``i`` may
    be an array of items (a float for one)."""
    if n <= 1:
        return np.zeros(np.shape(i)) if np.ndim(i) else 0.0
    at = max(span - size, 0.0) * np.clip(i, 0, n - 1) / (n - 1)
    return at if np.ndim(i) else float(at)


def _corner(box: tuple[float, float, float, float, float], index: Sequence,
            count: Sequence[int], size: Sequence[float]) -> tuple:
    """Front top-left corner (x, y) of a sub-box of ``size`` (w, h, d) sitting at
    ``index`` of ``count`` places along (across, down, deep) in ``box`` (x, top, w, h, d);
    ``index`` entries may be arrays (then so are x and y)."""
    x, top, w, h, d = box
    dd = _offset(index[2], count[2], d, size[2])
    return (x + _offset(index[0], count[0], w, size[0]) + dd * DX,
            top - _offset(index[1], count[1], h, size[1]) + dd * DY)


def _clamp(position: Sequence[int], shape: Sequence[int]) -> tuple[int, ...]:
    """An output position clamped into a tensor's spatial axes (shape ends with C)."""
    return tuple(min(max(int(p), 0), n - 1) for p, n in zip(position, shape[:-1]))


def _extra(f: _Scale, n: int, before: int, after: int, drawn: float) -> tuple[float, float]:
    """Drawn size of the rims before/after an axis of n cells (always visible if any)."""
    if not (before or after):
        return 0.0, 0.0
    extra = max(f(n + before + after) - drawn, 0.8)
    tot = max(before + after, 1)
    return extra * before / tot, extra * after / tot


@dataclass
class _Drawing:
    """What the volume figure draws, filled step by step: layout shapes (boxes, lines),
    annotations (labels) and invisible hover points."""

    shapes: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)
    hover: list[tuple[float, float, str]] = field(default_factory=list)
    #: the stage captions stand on this line (the top of the deepest box), each shifted up
    #: by its px; the rows of text below and above the boxes need this many px
    caption_y: float = 0.0
    caption_shift: list[float] = field(default_factory=list)
    below_px: float = 0.0
    above_px: float = 0.0
    #: hover texts about the clickable output face: the click markers carry them (a hover
    #: point there would take the clicks of the cells around it)
    on_clicks: list[str] = field(default_factory=list)

    def point(self, x: float, y: float, text: str, on_clicks: bool = False) -> None:
        if on_clicks:
            self.on_clicks.append(text)
        else:
            self.hover.append((x, y, text))


@dataclass(frozen=True)
class _Placed:
    """One tensor on the drawing: box corner x, inner box (x_in, y_in) and sizes, padded
    outer sizes (all in drawing units)."""

    x: float
    x_in: float
    y_in: float
    w: float
    h: float
    d: float
    outer_w: float
    outer_h: float
    outer_d: float

    @property
    def inner(self) -> tuple[float, float, float, float, float]:
        return self.x_in, self.y_in, self.w, self.h, self.d

    @property
    def outer(self) -> tuple[float, float, float, float, float]:
        return self.x, TOP, self.outer_w, self.outer_h, self.outer_d


TOP = 0.0  # boxes hang from y = 0 downwards (front face top edge at y = 0)


def volume_figure(r: ConvResult, position: int | Sequence[int] | None = None) -> go.Figure:
    """Input -> (intermediate) -> output tensors with the kernel, padding and one output cell.

    2D draws H×W×C boxes, 1D flat W×C strips (padding left/right; causal: left only), 3D
    D×H×W boxes with the depth axis labelled (each cell holds C values).

    ``position`` is the output position, as the sliding-window figure takes it (``(row,
    col)``, ``(step,)`` in 1D; clamped into the output of :func:`lib.cell.figure_stage`,
    whose cells the click markers name): every stage's kernel and output cell sit there.
    """
    g = _Geometry(r.rank)
    tensors = [r.stages[0].in_shape] + [st.out_shape for st in r.stages]
    f = _scale(r, g, tensors)
    geo = [_sizes(r, g, f, ti, shape) for ti, shape in enumerate(tensors)]
    clickable = figure_stage(r)
    pos = _clamp(as_position(position if position is not None else (), r.rank),
                 r.stages[clickable].out_shape)
    drawing = _Drawing()
    positions, lows, space = _tensors(r, g, tensors, geo, drawing, clickable + 1)
    drawing.caption_y = TOP + max(p.outer_d for p in positions) * DY
    for si, st in enumerate(r.stages):
        _stage(r, g, f, si, _clamp(pos, st.out_shape), positions[si], positions[si + 1],
               drawing, si == clickable)
    traces, layout, meta = _layout(r, f, drawing, positions, lows, space, tensors)
    traces.append(_clicks(g, f, r.stages[clickable], pos, positions[clickable + 1], layout,
                          drawing.on_clicks))
    meta.update(position=list(pos), click_stage=clickable,
                click_grid=[len(v) for v in _click_indices(r.stages[clickable].out_shape)])
    return finish(traces, layout, meta)


def _click_indices(shape: Sequence[int]) -> list[list[int]]:
    """The output indices that get a click marker, per spatial axis: every cell, or an
    even grid of at most MAX_CLICK_MARKERS with the first and last cells on it."""
    sizes = list(shape[:-1])
    if len(sizes) == 1:
        budget = [MAX_CLICK_MARKERS]
    else:  # depth: the front slice only; rows first, the columns share what is left
        rows = min(sizes[-2], MAX_CLICK_ROWS)
        budget = [1] * (len(sizes) - 2) + [rows, MAX_CLICK_MARKERS // rows]
    return [np.unique(np.round(np.linspace(0, n - 1, min(n, m)))).astype(int).tolist()
            for n, m in zip(sizes, budget)]


def _clicks(g: _Geometry, f: _Scale, st: Stage, pos: tuple[int, ...], b: _Placed,
            layout: dict, notes: list[str]) -> go.Scatter:
    """See-through markers at the centres of the output cells on the front face (3D: the
    depth slice of ``pos``), each carrying its cell's position."""
    shape = st.out_shape
    index = _click_indices(shape)
    index[:-2] = [[p] for p in pos[:-2]]  # 3D: the slice the position is on
    cells = np.array(np.meshgrid(*index, indexing="ij")).reshape(len(index), -1).T
    count = g.whd(shape)
    cw = f(1)
    size = (cw, b.h if g.rank == 1 else cw, cw)
    left, top = _corner(b.inner, g.spatial(cells.T), count, size)
    x = np.broadcast_to(left + cw / 2, len(cells))
    y = np.broadcast_to(top - size[1] / 2, len(cells))
    # marker size (px): the spacing of neighbours on a narrow plot, within 4…14 px
    x_range, y_range = layout["xaxis"]["range"], layout["yaxis"]["range"]
    px = min(NARROW_PX[0] / (x_range[1] - x_range[0]), NARROW_PX[1] / (y_range[1] - y_range[0]))
    steps = [(span - c) / (len(ix) - 1) for ix, span, c in
             zip(g.spatial(index, [0]), (b.w, b.h, b.d), size) if len(ix) > 1]
    marker = min(14.0, max(4.0, 0.9 * px * min(steps, default=math.inf)))
    markers = click_markers(np.array(x), np.array(y), cells.tolist(), "x", "y", size=marker)
    if notes:
        markers["hovertemplate"] = "<br>".join(notes) + "<br>" + markers["hovertemplate"]
    return markers


def _scale(r: ConvResult, g: _Geometry, tensors: list) -> _Scale:
    largest = max(n for t in tensors for n in g.whd(t))
    for st in r.stages:
        for a in st.axes:
            largest = max(largest, a.size_in + max(a.before, 0) + max(a.after, 0))
    return _Scale(largest)


def _sizes(r: ConvResult, g: _Geometry, f: _Scale, ti: int, shape: tuple[int, ...]):
    """(w, h, d, rim cells, rim kind, drawn rims (t, b, l, r, front, back)) of tensor ti.

    The rim is the zero padding of the next conv, or the crop of a transposed conv that
    produced the tensor."""
    stages = r.stages
    W_, H_, D_ = g.whd(shape)
    w, h, d = f(W_), f(H_), f(D_)
    rim, what = None, ""
    if ti < len(stages) and stages[ti].op in ("conv", "depthwise"):
        cells = g.rim([(a.before, a.after) for a in stages[ti].axes])
        if any(cells):
            rim, what = cells, "zero padding"
    if ti > 0 and stages[ti - 1].op == "transposed":
        cut = g.rim([(max(a.before, 0), max(a.after, 0)) for a in stages[ti - 1].axes])
        if any(cut):
            rim, what = cut, "cropped away"
    drawn = (0.0,) * 6
    if rim:
        t_, b_, l_, r_, fr, bk = rim
        pt, pb = _extra(f, H_, t_, b_, h) if r.rank > 1 else (0.0, 0.0)
        pl, pr = _extra(f, W_, l_, r_, w)
        pf, pk = _extra(f, D_, fr, bk, d) if r.rank == 3 else (0.0, 0.0)
        drawn = (pt, pb, pl, pr, pf, pk)
    return w, h, d, rim, what, drawn


def _box_label(g: _Geometry, name: str, shape: tuple[int, ...], rim, what: str) -> str:
    """The text under a box: its name, shape and axes, the depth axis (3D) and its rim."""
    lines = [f"<b>{name}</b>", fmt_shape(shape), g.names]
    if g.rank == 3:  # name the receding axis
        lines.append(f"↗ depth D = {shape[0]:,}")
    if rim:
        lines += [f"<span style='color:#555555'>{line}</span>"
                  for line in g.rim_text(what, rim).split("<br>")]
    return "<br>".join(lines)


@dataclass(frozen=True)
class _Spacing:
    """Where the texts go, in drawing units: the gap between boxes, units per pixel at the
    narrowest plot (``u``), how far texts reach past the first and last box, and whether
    neighbouring labels (and captions) take turns on two rows (``rows`` 1 or 2)."""

    gap: float
    u: float
    left: float
    right: float
    rows: int

    @property
    def share(self) -> float:
        """How much of the narrowest plot's width is not boxes (gaps and overhangs)."""
        return 0.0 if self.u <= 0 else 1.0 - self._boxes / (self.u * NARROW_PLOT_PX)

    _boxes: float = 0.0


def _spacing(widths: list[float], labels: list[float], captions: list[float],
             min_gap: float, rows: int) -> _Spacing | None:
    """The gap between boxes that keeps labels (under the boxes) and captions (above the
    gaps) on the same row apart at the narrowest plot; ``None`` when no gap does (the
    texts of a row are wider than the plot). Found by fixed-point iteration: a wider gap
    makes the drawing wider, so each pixel is more units (``u`` grows with the gap). With
    ``rows`` 2 neighbours take turns on two rows, so only every other one must clear."""
    n = len(widths)
    gap, left, right = min_gap, 0.0, 0.0
    for _ in range(80):
        u = (sum(widths) + (n - 1) * gap + left + right) / NARROW_PLOT_PX
        need = max(min_gap, ARROW_PX * u)
        for i in range(n - rows):  # label centres are box centres; caption centres gap middles
            j = i + rows
            need = max(need, (((labels[i] + labels[j]) / 2 + TEXT_PAD_PX) * u
                              - (widths[i] + widths[j]) / 2 - sum(widths[i + 1:j])) / rows)
            if j < n - 1:
                need = max(need, (((captions[i] + captions[j]) / 2 + TEXT_PAD_PX) * u
                                  - sum(widths[i + 1:j + 1])) / rows)
        left = max(0.0, labels[0] / 2 * u - widths[0] / 2,
                   captions[0] / 2 * u - widths[0] - need / 2 if captions else 0.0)
        right = max(0.0, labels[-1] / 2 * u - widths[-1] / 2,
                    captions[-1] / 2 * u - widths[-1] - need / 2 if captions else 0.0)
        if abs(need - gap) <= 1e-4 * gap:
            return _Spacing(need, u, left, right, rows, _boxes=sum(widths))
        gap = need
    return None


def _best_spacing(widths: list[float], labels: list[float], captions: list[float],
                  min_gap: float) -> _Spacing:
    """One row of labels and one of captions when the boxes keep at least a third of the
    width; otherwise two rows each, if that leaves the boxes more room."""
    one = _spacing(widths, labels, captions, min_gap, 1)
    if one is not None and one.share <= 2 / 3:
        return one
    two = _spacing(widths, labels, captions, min_gap, 2) if len(widths) > 2 else None
    if two is None or (one is not None and one.share <= two.share):
        return one or two or _Spacing(min_gap, 1.0, 0.0, 0.0, 1, _boxes=sum(widths))
    return two


def _tensors(r: ConvResult, g: _Geometry, tensors: list, geo: list, drawing: _Drawing,
             clickable: int) -> tuple[list[_Placed], list[float], _Spacing]:
    """Draw every tensor (its rim, its box, its label) left to right; returns where each
    went, the bottom of each and the spacing. Tensor ``clickable`` gets click markers (they
    carry its hover text)."""
    stages, rank = r.stages, r.rank
    names = ["input"] + [("output" if i == len(stages) - 1 else f"after {st.name}")
                         for i, st in enumerate(stages)]
    colors = [INPUT_COLOR] + [OUTPUT_COLOR if i == len(stages) - 1 else MID_COLOR
                              for i in range(len(stages))]
    labels = [_box_label(g, names[ti], shape, geo[ti][3], geo[ti][4])
              for ti, shape in enumerate(tensors)]
    widths = [gg[0] + gg[5][2] + gg[5][3] + (gg[2] + gg[5][4] + gg[5][5]) * DX for gg in geo]
    share = 0.16  # of the figure width between two boxes, for the arrow
    min_gap = max(8.0, share * sum(widths) / (1 - share * len(stages)))
    captions = [_stage_caption(st) for st in stages]
    space = _best_spacing(widths, [_text_px(t)[0] for t in labels],
                          [_text_px(c)[0] for c in captions], min_gap)
    # rows of text in px: labels hang below the boxes, captions stand above them; with two
    # rows the odd ones sit one row further out
    label_rows = [max((_text_px(t)[1] for t in labels[k::space.rows]), default=0) * LINE_PX
                  for k in range(space.rows)]
    caption_rows = [max((_text_px(c)[1] for c in captions[k::space.rows]), default=0)
                    * LINE_PX for k in range(space.rows)]
    drawing.below_px = sum(label_rows) + TEXT_PAD_PX * space.rows
    drawing.above_px = sum(caption_rows) + TEXT_PAD_PX * space.rows
    drawing.caption_shift = [4 + (caption_rows[0] + TEXT_PAD_PX if i % space.rows else 0)
                             for i in range(len(stages))]
    positions, lows = [], []
    x = 0.0
    for ti, shape in enumerate(tensors):
        w, h, d, rim, what, (pt, pb, pl, pr, pf, pk) = geo[ti]
        outer_w, outer_h, outer_d = w + pl + pr, h + pt + pb, d + pf + pk
        # the inner box sits pf deeper than the padded box's front face
        x_in, y_in = x + pl + pf * DX, TOP - pt + pf * DY
        if rim:
            drawing.shapes += _box_paths(x, TOP - outer_h, outer_w, outer_h, outer_d,
                                         PAD_COLOR, line="#888888",
                                         dash="dot" if what == "cropped away" else "solid",
                                         opacity=0.9)
        drawing.shapes += _box_paths(x_in, y_in - h, w, h, d, colors[ti])
        positions.append(_Placed(x, x_in, y_in, w, h, d, outer_w, outer_h, outer_d))
        shift = -4 - (label_rows[0] + TEXT_PAD_PX if ti % space.rows else 0)
        drawing.annotations.append(dict(_label(x + widths[ti] / 2, TOP - outer_h,
                                               labels[ti]), yshift=shift))
        drawing.point(x_in + w / 2, y_in - h / 2, g.hover(names[ti], shape),
                      on_clicks=ti == clickable)
        lows.append(TOP - outer_h)
        x += widths[ti] + space.gap
    return positions, lows, space


def _dashes(ends, color: str) -> list[dict]:
    """Dashed lines from each (start, end) point pair."""
    return [dict(type="line", x0=sx, y0=sy, x1=tx, y1=ty, xref="x", yref="y",
                 line=dict(color=color, width=1, dash="dash"), layer="above")
            for (sx, sy), (tx, ty) in ends]


def _stage(r: ConvResult, g: _Geometry, f: _Scale, si: int, pos: tuple[int, ...],
           a: _Placed, b: _Placed, drawing: _Drawing, clickable: bool) -> None:
    """The arrow and caption from tensor ``a`` to ``b``, and what one stage does between
    them at output position ``pos``: the kernel on ``a`` at that window and the output
    position it makes in ``b``, or (transposed) the input cell whose patch covers ``pos``
    and the patch it scatters. ``clickable``: ``b`` carries the click markers."""
    rank, st = r.rank, r.stages[si]
    mid_x = (a.x + a.outer_w + a.outer_d * DX + b.x) / 2
    y_arrow = TOP - min(a.outer_h, b.outer_h) / 2
    drawing.annotations.append(dict(
        x=b.x - 1.0, y=y_arrow - 2, ax=a.x + a.outer_w + a.outer_d * DX + 1.0,
        ay=y_arrow - 2, xref="x", yref="y", axref="x", ayref="y",
        showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5, arrowcolor="#555555",
        text=""))
    # above the boxes: the kernel and the dashed lines never reach up there
    drawing.annotations.append(dict(_label(mid_x, drawing.caption_y, _stage_caption(st),
                                           yanchor="bottom", size=12),
                                    yshift=drawing.caption_shift[si],
                                    name=CAPTION))
    if st.op == "channel_sum":
        return
    kt = fmt_shape(st.kernel)
    ext = tuple(ax.extent for ax in st.axes)
    cin = st.in_channels // st.groups
    # footprint of one kernel (drawn units): 1D taps × channels (flat), 2D kh×kw×cin,
    # 3D kd×kh×kw (channels are not a drawn axis)
    if rank == 1:
        kwd, khd, kdd = f(ext[0]), f(cin), 0.0
    elif rank == 2:
        kwd, khd, kdd = f(ext[1]), f(ext[0]), f(cin)
    else:
        kwd, khd, kdd = f(ext[2]), f(ext[1]), f(ext[0])
    # output position: 2D a 1×1 column through all output channels; 1D one step, all
    # channels tall; 3D one 1×1×1 cell holding all output channels
    cw = f(1)
    c_h = f(st.out_channels) if rank == 1 else cw
    c_d = 0.0 if rank == 1 else b.d if rank == 2 else cw
    bx, by = _corner(b.inner, g.spatial(pos), g.whd(st.out_shape), (cw, c_h, c_d))
    if st.op == "transposed":
        # the input cell whose kernel-sized patch (per output channel) covers ``pos``
        source = tuple(min(max((o + ax.before) // ax.stride, 0), ax.size_in - 1)
                       for o, ax in zip(pos, st.axes))
        ch_ = f(cin) if rank == 1 else f(1)
        cd_ = 0.0 if rank == 1 else f(cin) if rank == 2 else f(1)
        ax_, ay_ = _corner(a.inner, g.spatial(source), g.whd(st.in_shape), (cw, ch_, cd_))
        drawing.shapes += _box_paths(ax_, ay_ - ch_, cw, ch_, cd_, CELL_COLOR)
        pdd = 0.0 if rank == 1 else b.d if rank == 2 else kdd
        phd = f(st.out_channels) if rank == 1 else khd
        start = [i * ax.stride - ax.before for i, ax in zip(source, st.axes)]
        room = [max(ax.size_out - e + 1, 1) for ax, e in zip(st.axes, ext)]
        px, py = _corner(b.inner, g.spatial(start), g.spatial(room, 1), (kwd, phd, pdd))
        drawing.shapes += _box_paths(px, py - phd, kwd, phd, pdd, KERNEL_COLOR, opacity=0.85)
        drawing.shapes += _box_paths(bx, by - c_h, cw, c_h, c_d, CELL_COLOR, opacity=0.95)
        drawing.shapes += _dashes((((ax_ + cw, ay_), (px + kwd, py)),
                                   ((ax_ + cw, ay_ - ch_), (px + kwd, py - phd)),
                                   ((ax_, ay_ - ch_), (px, py - phd))), "#555555")
        drawing.point(px + kwd / 2, py - phd / 2,
                      f"one input cell × the {kt} kernels adds into a {fmt_shape(ext)} "
                      f"output patch in each of {st.out_channels:,} channels", clickable)
        return
    # kernel: footprint of the dilated kernel on the padded input, at the window of ``pos``
    starts = [o * ax.stride for o, ax in zip(pos, st.axes)]
    room = [ax.before + ax.size_in + ax.after - ax.extent + 1 for ax in st.axes]
    kx, ky = _corner(a.outer, g.spatial(starts), g.spatial(room, 1), (kwd, khd, kdd))
    drawing.shapes += _box_paths(kx, ky - khd, kwd, khd, kdd, KERNEL_COLOR, opacity=0.9)
    dil = f" (dilated: covers {fmt_shape(ext)})" if ext != tuple(st.kernel) else ""
    drawing.point(kx + kwd / 2, ky - khd / 2,
                  f"one filter: {kt} weights × {cin:,} channel(s){dil}; "
                  f"{st.out_channels:,} filters → {st.out_channels:,} output channels")
    drawing.shapes += _box_paths(bx, by - c_h, cw, c_h, c_d, CELL_COLOR, opacity=0.95)
    drawing.shapes += _dashes((((kx + kwd, ky), (bx + cw, by)),
                               ((kx + kwd, ky - khd), (bx + cw, by - c_h)),
                               ((kx + kwd + kdd * DX, ky + kdd * DY),
                                (bx + cw + c_d * DX, by + c_d * DY))), "#777777")
    drawing.point(bx + cw / 2, by - c_h / 2,
                  f"one output position ({', '.join(map(str, pos))}): "
                  f"{st.out_channels:,} numbers, one per filter",
                  clickable)


def _layout(r: ConvResult, f: _Scale, drawing: _Drawing, positions: list[_Placed],
            lows: list[float], space: _Spacing, tensors: list) -> tuple[list, dict, dict]:
    """(traces, layout, meta): the hover points, the title, the ranges and the height.

    Rows of text, in pixels at the narrowest plot (``space.u`` units each): the labels
    under the boxes, the captions above them and, when not to scale, the note above the
    captions. The height is what that plot needs, so it is never short of height at any
    wider size either (the x axis then sets the scale and the y range only grows)."""
    rank = r.rank
    u = space.u
    last = positions[-1]
    x_min = -space.left - TEXT_PAD_PX * u
    x_max = last.x + last.outer_w + last.outer_d * DX + space.right + TEXT_PAD_PX * u
    y_min = min(lows) - drawing.below_px * u
    y_max = drawing.caption_y + drawing.above_px * u
    if not f.linear:
        drawing.annotations.append(note_annotation(
            "not to scale: box sides grow with √size<br>so large layers fit; labels are "
            "true sizes", NOTE, x=1.0, y=1.0, xanchor="right", yanchor="top"))
        y_max += (2 * LINE_PX + 2 * TEXT_PAD_PX) * u
    hx, hy, ht = (list(v) for v in zip(*drawing.hover))
    hover = trace("scatter", x=hx, y=hy, mode="markers", text=ht,
                  marker=dict(size=14, color="rgba(0,0,0,0)"), hoverinfo="text",
                  showlegend=False, name="boxes")
    step = "step" if rank == 1 else "cell"
    sub = (f"{kind_label(r.kind, rank)}: {fmt_shape(r.input_shape)} in → "
           f"{fmt_shape(r.output_shape)} out. Every output {step} looks at a window of "
           f"{fmt_shape(r.receptive_field)} input {step}s.")
    if rank == 1:
        sub += " Strips: steps across, channels up."
    elif rank == 3:
        sub += " Boxes: W across, H up, depth D receding; each cell holds C channel values."
    heading = {1: "Input sequence → output sequence", 2: "Input volume → output volume",
               3: "Input volume (D×H×W) → output volume"}[rank]
    head = title(heading, sub)
    plot_px = (y_max - y_min) / u  # the plot's height at the narrowest width
    layout = dict(
        title=head,
        height=max(420, math.ceil(title_height(head) + MARGIN["b"] + plot_px)),
        shapes=drawing.shapes,
        annotations=drawing.annotations,
        showlegend=False,
        xaxis=dict(visible=False, range=[x_min, x_max],
                   title=dict(text="steps →" if rank == 1 else "width →")),
        yaxis=dict(visible=False, range=[y_min, y_max], scaleanchor="x", scaleratio=1,
                   title=dict(text="channels ↑" if rank == 1 else "height ↑")),
        plot_bgcolor="white",
    )
    names = ["input"] + [("output" if i == len(r.stages) - 1 else f"after {st.name}")
                         for i, st in enumerate(r.stages)]
    meta = dict(figure="volume", kind=r.kind, rank=rank, scale="linear" if f.linear else "sqrt",
                boxes=[dict(name=n, shape=list(t)) for n, t in zip(names, tensors)],
                truncated=False)
    return [hover], layout, meta
