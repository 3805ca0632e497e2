"""The weight tensor as a flat isometric drawing (2D SVG, no WebGL): the default view.

Same plan and same information as the rotatable 3D view (:mod:`.filters`,
:func:`.blocks.plan_stages`): the first ``max_filters`` filters of every stage (spread over
the groups), the ``max_channels`` input channels each sees, one weight per cell, one bias
(◆) per filter, a label under every filter, a heading per stage and the "+N more" note.
It is drawn in an oblique projection, so the browser draws plain SVG paths:

* 2D: a filter is a stack of kh×kw slices, one per input channel, receding up and to the
  right (channel 0 in front, with its kh×kw grid of weights). Every slice shows its colour
  along its top and right edge; a channel of another group is a faint grey slice.
* 1D: a filter is a flat kw × c block: one row of kw taps per input channel.
* 3D: a filter is a row of kd×kh×kw cubes, one per input channel.

Hover: every weight of a front face ("filter 3, channel 2, weight (1, 0)"), every slice
("filter 3, channel 2: 4×4 weights") and every bias. Slices are layout shapes (one path
per colour and depth slot, drawn back to front) and the weights one marker trace per
stage, so the JSON stays small at any size.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult
from lib.text import fmt_shape, plural

from ._common import (BLACK, CHANNEL_COLORS, GREY, MARGIN, finish, narrow_plot_px, title_height,
                      trace)
from .blocks import (DEPTH_STEP, SHARED_COLOR, Block, StagePlan, filter_tag, kernel_cap,
                     plan_stages, stage_meta, tensor_notes)

#: One unit of depth is drawn this far right (DX) and up (DY).
DX, DY = 0.55, 0.4
SLAB = 0.5  # depth of one channel slice (2D)
GAP = 2.5  # between neighbouring filters
#: Most weight markers (front faces) in one figure; 3D kernels are cropped to fit.
MARKER_BUDGET = 2500
UNSEEN = 0.12  # opacity of a channel a filter does not see (the seen ones show through)
#: The plot's width on the narrowest slot (the explorer at 1024x768 less margins): filters
#: go in as many columns as their labels fit side by side there (12 px text, ~7 px a
#: character), and the legend's rows under the plot are counted for it.
NARROW_PLOT_PX = narrow_plot_px(31)  # 255: the kernel-height axis title is left of it
LABEL_CHAR_PX = 7.0
LEGEND_ITEM_PX = 110


def _shade(color: str, t: float) -> str:
    """``color`` mixed toward black by ``t`` (the receding faces of a slice)."""
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(v * (1 - t)):02x}" for v in rgb)


def _box(x: float, y: float, w: float, h: float, d: float) -> tuple[str, str]:
    """SVG subpaths (silhouette, front face) of a box whose front face spans x..x+w,
    y..y+h and which recedes ``d`` units up and to the right."""
    ox, oy = d * DX, d * DY
    sil = (f"M{x:g},{y:g}L{x + w:g},{y:g}L{x + w + ox:g},{y + oy:g}"
           f"L{x + w + ox:g},{y + h + oy:g}L{x + ox:g},{y + h + oy:g}L{x:g},{y + h:g}Z")
    front = f"M{x:g},{y:g}H{x + w:g}V{y + h:g}H{x:g}Z"
    return sil, front


class _Canvas:
    """Collects the slices (grouped per draw layer and colour), markers and labels."""

    def __init__(self) -> None:
        self.paths: dict[tuple[float, str, float], list[str]] = {}  # (layer, fill, op)
        self.grid: list[float] = []  # x, y pairs of cell lines, NaN-separated
        self.grid_y: list[float] = []
        self.slices: list[tuple[float, float, str]] = []  # hover points of slices
        self.bias: list[tuple[float, float, int]] = []
        self.labels: list[tuple[float, float, str]] = []
        self.headings: list[tuple[float, float, str]] = []
        self.legend: dict[str, tuple[str, float]] = {}  # name -> (colour, opacity)
        self.slice_count = 0
        self.units_per_px = 0.0  # on the narrowest slot (see _units_per_px)

    def box(self, layer: float, x: float, y: float, w: float, h: float, d: float,
            color: str, opacity: float = 0.9) -> None:
        sil, front = self._box_paths(x, y, w, h, d)
        if sil:
            self.paths.setdefault((-layer, _shade(color, 0.3), opacity), []).append(sil)
        self.paths.setdefault((-layer + 0.5, color, opacity), []).append(front)
        self.slice_count += 1

    @staticmethod
    def _box_paths(x, y, w, h, d) -> tuple[str | None, str]:
        sil, front = _box(x, y, w, h, d)
        return (sil if d > 0 else None), front

    def cells(self, x: float, y: float, rows: int, cols: int) -> None:
        """Grid lines of a rows × cols front face with its bottom-left corner at x, y."""
        for i in range(rows + 1):
            self.grid += [x, x + cols, math.nan]
            self.grid_y += [y + i, y + i, math.nan]
        for j in range(cols + 1):
            self.grid += [x + j, x + j, math.nan]
            self.grid_y += [y, y + rows, math.nan]

    def shapes(self) -> list[dict]:
        out = []
        for (_, fill, opacity), parts in sorted(self.paths.items(), key=lambda kv: kv[0][0]):
            out.append(dict(type="path", path="".join(parts), fillcolor=fill, opacity=opacity,
                            line=dict(color="#444444", width=0.6), layer="below",
                            xref="x", yref="y"))
        return out


def filter_iso_figure(r: ConvResult, max_filters: int = 8, max_channels: int = 8) -> go.Figure:
    """The filters as an isometric SVG drawing (see the module docstring).

    ``fig.layout.meta`` records what was drawn, as the 3D view does (``stages``: filters
    and channels drawn and in total, kernel drawn, weights represented, biases), plus
    ``slices`` (channel slices / cubes / rows drawn) and ``labels`` (filter labels).
    """
    max_filters = max(1, int(max_filters))
    max_channels = max(1, int(max_channels))
    plans = plan_stages(r, max_filters, max_channels)
    if r.rank == 3:
        cap = kernel_cap(plans, MARKER_BUDGET, faces_only=True)
        for plan in plans:
            plan.kernel_drawn = tuple(min(k, cap) for k in plan.kernel)
    shared = r.kind == "shared_channels"
    copies = min(r.spec.c, max_channels) - 1 if shared else 0
    cv = _Canvas()
    cv.units_per_px = _units_per_px(plans, copies)
    weights: list = []
    stages: list[dict] = []
    top = 0.0
    for plan in plans:
        top, marks, cells = _draw_stage(r, plan, plans, copies, top, cv)
        weights.append(marks)
        stages.append(dict(stage_meta(plan, cells), markers=len(marks["x"]),
                           slices=cv.slice_count, labels=len(plan.blocks)))
        cv.slice_count = 0
    traces: list = [_legend(name, *look) for name, look in cv.legend.items()]
    traces.append(trace("scatter", x=np.asarray(cv.grid, np.float32),
                        y=np.asarray(cv.grid_y, np.float32), mode="lines", hoverinfo="skip",
                        line=dict(color="rgba(0,0,0,0.35)", width=0.6),
                        showlegend=False, name="weight grid"))
    traces += weights
    if cv.slices:
        x, y, text = zip(*cv.slices)
        traces.append(trace("scatter", x=x, y=y, mode="markers", text=list(text),
                            marker=dict(size=6, color="rgba(0,0,0,0)"),
                            hovertemplate="%{text}<extra></extra>", showlegend=False,
                            name="channel slices"))
    if cv.bias:
        x, y, filt = zip(*cv.bias)
        traces.append(trace(
            "scatter", x=x, y=y, mode="markers", customdata=list(filt),
            marker=dict(size=9, symbol="diamond", color=BLACK, line=dict(width=1, color="white")),
            name="bias (one number per filter)",
            hovertemplate="bias of filter %{customdata}: one number, added to every output "
                          "cell of that channel<extra></extra>"))
    x, y, text = zip(*cv.labels)
    traces.append(trace("scatter", x=x, y=y, mode="text", text=list(text),
                        textposition="bottom center", textfont=dict(size=12, color="#333333"),
                        hoverinfo="skip", showlegend=False, name="filter labels",
                        cliponaxis=False))
    x, y, text = zip(*cv.headings)
    traces.append(trace("scatter", x=x, y=y, mode="text", text=list(text),
                        textposition="middle right", textfont=dict(size=13, color="#111111"),
                        hoverinfo="skip", showlegend=False, name="stage headings",
                        cliponaxis=False))
    if r.kind == "transposed":
        traces += _scatter_illustration(r, plans[0], cv)
    return finish(traces, *_layout(r, plans, stages, cv))



def _size(plan: StagePlan, copies: int) -> tuple[float, float, float]:
    """(width, height, depth drawn) of one filter block."""
    if plan.flat:  # 1D: rows of taps, one per channel (+ the reused copies of shared)
        return plan.grid[1], round(plan.depth / DEPTH_STEP) + 1 + copies, 0.0
    kh, kw = plan.grid
    if len(plan.kernel_drawn) == 3:  # 3D: a row of cubes
        kd = plan.kernel_drawn[0]
        n = round(plan.depth / DEPTH_STEP) + 1 + copies
        return n * (kw + kd * DX + 1.0) - 1.0, kh + kd * DY, kd
    slots = round(plan.depth / DEPTH_STEP) + 1 + copies
    d = slots * SLAB * 2
    return kw + d * DX, kh + d * DY, d


def _colour(plan: StagePlan, ci: int, shared: bool) -> str:
    return SHARED_COLOR if shared else CHANNEL_COLORS[ci]


def _draw_block(r: ConvResult, plan: StagePlan, b: Block, x0: float, y0: float,
                copies: int, cv: _Canvas) -> list[tuple]:
    """One filter with its bottom-left front corner at x0, y0; returns its weights as
    (x, y, filter, channel, row, col) rows."""
    shared = r.kind == "shared_channels"
    kh, kw = plan.grid
    rows, cols = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    out = []
    slot = {dep: round(dep / DEPTH_STEP) for dep in b.depths + b.unseen}
    front = min(slot[dep] for dep in b.depths)  # the front-most channel this filter sees
    n_slots = max(slot.values(), default=0) + 1
    for ch, ci, dep in zip(b.channels, b.colors, b.depths):
        s = slot[dep]
        color = _colour(plan, ci, shared)
        if shared:
            cv.legend.setdefault("one kernel per filter", (color, 1.0))
        elif color not in {c for c, _ in cv.legend.values()}:  # first channel per colour
            cv.legend.setdefault(f"channel {ch}", (color, 1.0))
        if plan.flat:
            x, y, d = x0, y0 + (n_slots + copies - 1 - s), 0.0
        elif len(plan.kernel_drawn) == 3:
            kd = plan.kernel_drawn[0]
            x, y, d = x0 + s * (kw + kd * DX + 1.0), y0, kd
        else:
            x, y, d = x0 + s * 2 * SLAB * DX, y0 + s * 2 * SLAB * DY, SLAB
        cv.box(s, x, y, kw, kh, d, color)
        cv.slices.append((x + kw + d * DX * 0.5, y + kh + d * DY * 0.5,
                          f"filter {b.filt}, channel {ch}: {fmt_shape(plan.kernel)} weights"))
        if s == front or plan.flat or len(plan.kernel_drawn) == 3:  # a face the viewer sees
            if len(plan.kernel_drawn) < 3:  # 3D cubes: the markers alone (payload)
                cv.cells(x, y, kh, kw)
            out.append(np.column_stack([x + cols.ravel() + 0.5, y + (kh - 1 - rows.ravel()) + 0.5,
                                        np.full(rows.size, b.filt), np.full(rows.size, ch),
                                        rows.ravel(), cols.ravel()]))
        for c in range(1, copies + 1):  # shared: the same kernel reused per channel
            if plan.flat:
                cv.box(s + c, x0, y - c, kw, kh, 0.0, SHARED_COLOR, 0.25)
            elif len(plan.kernel_drawn) == 3:
                kd = plan.kernel_drawn[0]
                cv.box(s + c, x + c * (kw + kd * DX + 1.0), y, kw, kh, kd, SHARED_COLOR, 0.25)
            else:
                cv.box(s + c, x + c * 2 * SLAB * DX, y + c * 2 * SLAB * DY, kw, kh, SLAB,
                       SHARED_COLOR, 0.25)
    for dep in b.unseen:  # channels of another group: faint grey
        s = slot[dep]
        if plan.flat:
            cv.box(s, x0, y0 + (n_slots - 1 - s), kw, kh, 0.0, GREY, UNSEEN)
        elif len(plan.kernel_drawn) == 3:
            kd = plan.kernel_drawn[0]
            cv.box(s, x0 + s * (kw + kd * DX + 1.0), y0, kw, kh, kd, GREY, UNSEEN)
        else:
            cv.box(s, x0 + s * 2 * SLAB * DX, y0 + s * 2 * SLAB * DY, kw, kh, SLAB, GREY,
                   UNSEEN)
    if b.unseen:
        cv.legend.setdefault("channel of another group: not seen", (GREY, 0.35))
    if shared and copies:
        cv.legend.setdefault(f"the same kernel reused for channel 1…{r.spec.c - 1}",
                             (SHARED_COLOR, 0.3))
    return out


def _columns(plan: StagePlan, copies: int) -> int:
    """How many filters side by side: up to 4 (8 small ones), as many as their labels fit
    side by side on the narrowest slot."""
    bw, _, _ = _size(plan, copies)
    n = len(plan.blocks)
    ncols = n if n <= 4 else (min(n, 8) if bw <= 4 else math.ceil(n / math.ceil(n / 4)))
    if len(plan.kernel_drawn) == 3:
        ncols = 1 if bw > 20 else min(n, 2)
    label_px = max(len(filter_tag(plan, b)) for b in plan.blocks) * LABEL_CHAR_PX + 12
    # a transposed conv's scatter illustration takes ~130 px on the right
    room = NARROW_PLOT_PX - (130 if plan.stage.op == "transposed" else 0)
    return max(1, min(ncols, int(room // label_px)))


def _label_half(cv: _Canvas) -> float:
    """How far (units, narrowest slot) the widest label of the first column reaches left
    of its block's centre: half its width."""
    xs = [x for x, _, _ in cv.labels]
    if not xs:
        return 0.0
    first = min(xs)
    chars = max(len(t) for x, _, t in cv.labels if x == first)
    return max(0.0, chars * LABEL_CHAR_PX / 2 * cv.units_per_px - first)


def _units_per_px(plans: list[StagePlan], copies: int) -> float:
    """Drawing units per pixel on the narrowest slot (the widest stage sets the width):
    the vertical room for a text row between stages is worked out with it."""
    span = max(_columns(pl, copies) * (_size(pl, copies)[0] + GAP + 1.5) for pl in plans)
    return (span + 4.0) / NARROW_PLOT_PX


def _draw_stage(r: ConvResult, plan: StagePlan, plans: list[StagePlan], copies: int,
                top: float, cv: _Canvas) -> tuple[float, dict | go.Scatter, int]:
    """Lay out one stage's filters in rows below ``top``; returns the new top, the weight
    marker trace and the number of weights the drawn filters hold."""
    bw, bh, _ = _size(plan, copies)
    n = len(plan.blocks)
    ncols = _columns(plan, copies)
    # short: the whole stage heading is a note above the plot (tensor_notes)
    count = plural(plan.filters_total, "filter")
    heading = (f"Stage {plan.index + 1} · {plan.stage.name}: {count}"
               if len(plans) > 1 and r.kind != "shared_channels" else count)
    cv.headings.append((-0.5, top, heading))
    top -= max(1.5, 12 * cv.units_per_px)  # half the heading's line and a gap
    rows = []
    for i, b in enumerate(plan.blocks):
        row, col = divmod(i, ncols)
        x0 = col * (bw + GAP + 1.5)
        y0 = top - (row + 1) * (bh + GAP)
        rows += _draw_block(r, plan, b, x0, y0, copies, cv)
        cv.labels.append((x0 + plan.grid[1] / 2, y0 - 0.2, filter_tag(plan, b)))
        if plan.has_bias:
            cv.bias.append((x0 + bw + 0.8, y0 + plan.grid[0] / 2, b.filt))
    # under the last row: its labels (~16 px) and the next heading's upper half
    top -= math.ceil(n / ncols) * (bh + GAP) + max(3.0, 32 * cv.units_per_px)
    w = np.concatenate(rows) if rows else np.zeros((0, 6))
    hover = ("filter %{customdata[0]}, " + ("one kernel shared by all input channels"
                                            if r.kind == "shared_channels"
                                            else "channel %{customdata[1]}"))
    hover += (", weight (tap %{customdata[3]})" if plan.flat
              else ", weight (%{customdata[2]}, %{customdata[3]})")
    if plan.stage.op == "depthwise":
        hover = hover.replace("channel %{customdata[1]}", "sees only channel %{customdata[1]}")
    elif plan.stage.op == "transposed":
        hover = hover.replace("filter %{customdata[0]}", "filter for output channel "
                              "%{customdata[0]}")
    if len(plans) > 1:
        hover = f"<b>{plan.stage.name}</b>: " + hover
    marks = trace(
        "scatter",
        x=w[:, 0].astype(np.float32), y=w[:, 1].astype(np.float32), mode="markers",
        customdata=w[:, 2:].astype(np.int16),
        marker=dict(size=4 if len(w) > 600 else 6, color="rgba(255,255,255,0.75)",
                    line=dict(width=0.5, color="#333333")),
        name=f"weights ({plan.label})" if len(plans) > 1 else "weights (one per cell)",
        hovertemplate=hover + "<extra></extra>", showlegend=False)
    per_filter = len(plan.blocks[0].channels) * math.prod(plan.kernel_drawn)
    return top, marks, per_filter * n


def _legend(name: str, color: str, opacity: float) -> dict | go.Scatter:
    """A legend entry (the colour key); draws nothing."""
    return trace("scatter", x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                 marker=dict(size=11, symbol="square", color=color, opacity=opacity))


def _scatter_illustration(r: ConvResult, plan: StagePlan, cv: _Canvas) -> list:
    """Transposed conv: one input cell times a kernel slice lands on a kh×kw output patch."""
    kh, kw = plan.grid
    xs = [x for x, _, _ in cv.slices]
    ys = [y for _, y, _ in cv.slices] + [y for _, y, _ in cv.labels]
    right, mid = max(xs) + 4, (max(ys) + min(ys)) / 2
    px = right + 4 + np.tile(np.arange(kw), kh)
    py = mid + kh / 2 - np.repeat(np.arange(kh), kw)
    lx = np.empty(px.size * 3, np.float32)
    ly = np.empty_like(lx)
    lx[0::3], lx[1::3], lx[2::3] = right, px, np.nan
    ly[0::3], ly[1::3], ly[2::3] = mid, py, np.nan
    b = plan.blocks[0]
    ch = b.channels[0]
    return [
        trace("scatter", x=lx, y=ly, mode="lines", line=dict(color=GREY, width=1),
              hoverinfo="skip", showlegend=False, name="scatter lines"),
        trace("scatter", x=[right], y=[mid], mode="markers+text",
              text=[f"one input cell<br>x (ch {ch})"], textposition="top right",
              marker=dict(size=11, symbol="square", color=CHANNEL_COLORS[b.colors[0]],
                          line=dict(width=1, color=BLACK)),
              hovertemplate=f"one cell of input channel {ch}<extra></extra>",
              name="one input cell", showlegend=False),
        trace("scatter", x=px.astype(np.float32), y=py.astype(np.float32), mode="markers",
              customdata=np.column_stack([np.repeat(np.arange(kh), kw),
                                          np.tile(np.arange(kw), kh)]).astype(np.int16),
              marker=dict(size=8, symbol="square-open", color=BLACK),
              name=f"output patch: x · w adds into {kh}×{kw} output cells",
              hovertemplate=(f"output channel {b.filt} cell += x · w(%{{customdata[0]}}, "
                             f"%{{customdata[1]}})<extra></extra>")),
    ]


def _layout(r: ConvResult, plans: list[StagePlan], stages: list[dict], cv: _Canvas
            ) -> tuple[dict, dict]:
    rank = r.rank
    about = {1: "A 1D filter is kw taps × c channels: one row per input channel.",
             2: "A 2D filter is kh×kw×c: one slice per input channel, receding.",
             3: "A 3D filter is 4D: one kd×kh×kw cube for every input channel it sees."}[rank]
    per = {1: "kw weights, not kw×c", 2: "kh×kw weights, not kh×kw×c",
           3: "kd×kh×kw weights, not kd×kh×kw×c"}[rank]
    head, annotations, meta, notes_px = tensor_notes(r, rank, plans, stages,
                                                     about + " Colour = input channel.", per)
    meta = dict(meta, figure="filter_iso", slices=sum(s["slices"] for s in stages),
                labels=len(cv.labels))
    xs = ([p for p in cv.grid if not math.isnan(p)] + [x for x, _, _ in cv.slices]
          + [x for x, _, _ in cv.bias] + [0.0])
    ys = ([p for p in cv.grid_y if not math.isnan(p)] + [y for _, y, _ in cv.slices]
          + [y for _, y, _ in cv.labels] + [y for _, y, _ in cv.headings])
    # transposed: the scatter illustration and its label (~95 px) on the right
    x_hi = max(xs) + 3 + (max(14.0, 8 + 100 * cv.units_per_px) if r.kind == "transposed"
                          else 0)
    y_lo, y_hi = min(ys) - 2.5, max(ys) + 1.5
    span = max(x_hi + 1, 1.0)
    axis = dict(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    # Cells are square (scaleanchor); the height follows the drawing's aspect for a plot
    # about 560 px wide (the explorer's slot on a laptop), so tall stacks (two stages, 3D
    # rows) are not squeezed.
    aspect = (y_hi - y_lo) / (span + 1.0)
    # the legend under the plot, in rows of LEGEND_ITEM_PX on the narrowest slot
    items = len(cv.legend) + (1 if cv.bias else 0) + (r.kind != "shared_channels")
    legend_px = 24 * math.ceil(items / max(1, NARROW_PLOT_PX // LEGEND_ITEM_PX)) + 8
    layout = dict(
        title=head,
        height=int(min(1000, max(380, 150 + 560 * aspect)) + notes_px + legend_px),
        margin=dict(MARGIN, t=title_height(head) + notes_px, b=40 + legend_px),
        showlegend=True,
        legend=dict(title=dict(text="colour = input channel:" if r.kind != "shared_channels"
                               else ""), orientation="h", x=0.0, xanchor="left",
                    yref="container", y=0.0, yanchor="bottom", itemsizing="constant"),
        xaxis=dict(title=dict(text="kernel tap (along the sequence)" if rank == 1 else
                              "kernel width (kw)<br>depth recedes up and right"),
                   # room on the left for half of the first column's labels
                   range=[-1.0 - _label_half(cv), x_hi], **axis),
        yaxis=dict(title=dict(text="input channel (one row each)" if rank == 1 else
                              "kernel height (kh)"), range=[y_lo, y_hi],
                   scaleanchor="x", scaleratio=1, **axis),
        shapes=cv.shapes(),
        annotations=annotations,
        dragmode="pan",
        hovermode="closest",
    )
    return layout, meta
