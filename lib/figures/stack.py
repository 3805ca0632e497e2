"""A stack of 1D convs (e.g. WaveNet's dilated causal stack): which inputs one output sees.

Rows are the input and every layer's output (bottom to top), dots are time steps (the last
~32 of them), and lines run from one output step down through the layers to every step it
depends on, one colour per layer. Each row is annotated with the receptive field a step of
that layer has (the WaveNet stack, kernel 2 with dilations 1, 2, 4, 8, gives 2, 4, 8, 16),
and the input steps the traced output depends on are shaded.

Where the numbers come from (one place for each fact, lib.conv):

* The receptive field of layer ``l`` is :func:`lib.conv.receptive_field` applied to the
  stages of layers ``1…l`` together, i.e. ``1 + Σ_i (extent_i − 1) · Π_{j<i} stride_j``
  with ``extent_i − 1 = r_i.receptive_field[0] − 1`` for a one-stage layer (the
  cumulative sum of each result's own receptive field minus one, scaled by the strides
  below it). lib.conv has no stack-level wrapper, so the figure calls that stage-level
  helper on the concatenated stages.
* Which steps an output depends on comes from each stage's :class:`lib.conv.Axis` (start
  ``o·stride − before``, taps ``dilation`` apart, zero padding outside ``0…size_in−1``;
  causal: ``before = d·(k−1)``, ``after = 0``), through the same window geometry as the
  sliding-window figure. The drawn tree's span on the input row equals the receptive field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult, Stage, kind_label, receptive_field

from lib.text import fmt_shape, plural

from ._common import (BLACK, CHANNEL_COLORS, GREY, TRUNCATION, VERMILLION, finish,
                      note_annotation, title, trace)
from .window import INPUT, PAD, WindowAxis

MAX_STEPS = 32  # input steps shown by default (the last ones, around the traced output)
HARD_MAX_STEPS = 256  # beyond this the tree is cropped to the steps next to the output
MAX_LAYERS = 16
EDGE_COLORS = (CHANNEL_COLORS[1], CHANNEL_COLORS[0], CHANNEL_COLORS[2], CHANNEL_COLORS[3],
               CHANNEL_COLORS[4], GREY)  # Okabe–Ito: sky, orange, green, purple, blue, grey
TREE_COLOR = "#0072B2"


class _Map:
    """Where step i of a row is drawn, in input-step coordinates: x = a·i + b."""

    def __init__(self, a: float = 1.0, b: float = 0.0):
        self.a, self.b = a, b

    def __call__(self, i):
        return self.a * np.asarray(i, np.float64) + self.b


def _stage_window(st: Stage) -> tuple[WindowAxis, float, float]:
    """(window line, anchor offset in grid cells, grid cells per input index)."""
    a = st.axes[0]
    line = WindowAxis.of(a, st.op == "transposed")
    anchor = (line.e - 1) if a.mode == "causal" else (line.e - 1) / 2
    per = a.stride if st.op == "transposed" else 1
    return line, anchor, per


def _check(results: Sequence[ConvResult]) -> list[ConvResult]:
    rs = list(results)
    if not rs:
        raise ValueError("dilated_stack_figure needs at least one layer")
    if len(rs) > MAX_LAYERS:
        raise ValueError(f"dilated_stack_figure draws at most {MAX_LAYERS} layers, "
                         f"got {len(rs)}")
    for i, r in enumerate(rs):
        if r.rank != 1:
            raise ValueError(f"layer {i + 1} is {r.rank}D (input "
                             f"{fmt_shape(r.input_shape)}); the stack figure draws 1D convs")
    for i in range(1, len(rs)):
        prev, cur = rs[i - 1].output_shape, rs[i].input_shape
        if prev != cur:
            raise ValueError(f"layer {i + 1} takes {fmt_shape(cur)} but layer {i} gives "
                             f"{fmt_shape(prev)}: not a stack")
    return rs


@dataclass
class _Tree:
    """The plan: where every row's steps are drawn, the receptive fields, and the steps
    (and padding zeros) the traced output depends on, row by row."""

    rs: list[ConvResult]
    maps: list[_Map]  # x of each row's step i (row 0 = input)
    layer_stages: list[list[Stage]]
    sizes: list[int]  # steps per row
    rfs: list[int]  # receptive field of each layer
    o: int  # the traced output step
    nodes: list[dict[int, float]]  # row -> {step: x} needed
    pads: list[list[float]]  # row -> x of the padding zeros reached
    edges: list[tuple[list, list]]  # per layer: (x, y) of its lines, None-separated
    x_lo: float = 0.0  # the shown window of input steps
    x_hi: float = 0.0
    truncated: bool = False

    @property
    def n_layers(self) -> int:
        return len(self.rs)

    @property
    def reached(self) -> list[int]:
        return sorted(self.nodes[0])

    @property
    def reach_x(self) -> list[float]:
        return [self.nodes[0][i] for i in self.reached] + self.pads[0]

    @property
    def span_in(self) -> int:
        xs = self.reach_x
        return (int(round(max(xs) - min(xs))) + 1) if xs else 0

    def inside(self, x: float) -> bool:
        return self.x_lo - 1e-9 <= x <= self.x_hi + 1e-9


def dilated_stack_figure(results: Sequence[ConvResult], step: int | None = None,
                         max_steps: int = MAX_STEPS) -> go.Figure:
    """Rows = input + each layer, dots = time steps, lines = what one output step depends on.

    ``results`` are 1D layers in order (layer i's output is layer i+1's input), e.g. the
    WaveNet stack ``[analyze("standard", k=16, w=2, c=16, W=64, padding="causal",
    dilation=d) for d in (1, 2, 4, 8)]``. ``step`` is the traced output step of the last
    layer (default: the last one); at least ``max_steps`` input steps are shown around it.
    ``fig.layout.meta`` records the receptive fields (from lib.conv, see the module
    docstring), the input steps reached and what was drawn.
    """
    t = _plan(_check(results), step)
    _choose_view(t, max(1, int(max_steps)))
    return finish(_traces(t), *_layout(t))


def _next_map(m: _Map, st: Stage) -> _Map:
    """Where a stage's output steps are drawn, from where its input steps are."""
    line, anchor, per = _stage_window(st)
    x0 = m((line.start(0) + anchor) / per)
    x1 = m((line.start(1) + anchor) / per) if line.n_out > 1 else x0 + m.a
    return _Map(float(x1 - x0), float(x0))


def _plan(rs: list[ConvResult], step: int | None) -> _Tree:
    maps = [_Map()]
    layer_stages = [list(r.stages) for r in rs]
    for stages in layer_stages:
        m = maps[-1]
        for st in stages:
            m = _next_map(m, st)
        maps.append(m)
    # Receptive field of each layer, from lib.conv (stack = concatenated stages).
    all_stages: list[Stage] = []
    rfs = []
    for stages in layer_stages:
        all_stages.extend(stages)
        rfs.append(int(receptive_field(tuple(all_stages))[0]))
    sizes = [rs[0].input_shape[0]] + [r.output_shape[0] for r in rs]
    n_out, n = sizes[-1], len(rs)
    o = n_out - 1 if step is None else max(0, min(int(step), n_out - 1))
    t = _Tree(rs, maps, layer_stages, sizes, rfs, o, [dict() for _ in range(n + 1)],
              [[] for _ in range(n + 1)], [([], []) for _ in range(n)])
    t.nodes[-1][o] = float(maps[-1](o))
    for li in range(n, 0, -1):
        _trace_layer(t, li)
    return t


def _trace_layer(t: _Tree, li: int) -> None:
    """Follow every needed step of row ``li`` down through layer ``li``'s stages to the
    steps (index -1 = zero padding) of row ``li - 1`` it reads."""
    stages = t.layer_stages[li - 1]
    inner_maps = [t.maps[li - 1]]  # where each stage's input steps are drawn
    for st in stages[:-1]:
        inner_maps.append(_next_map(inner_maps[-1], st))
    ex, ey = t.edges[li - 1]
    below_nodes: dict[int, float] = {}
    for i, x in sorted(t.nodes[li].items()):
        front = {i}
        pad_x: set[float] = set()
        for si in range(len(stages) - 1, -1, -1):  # from the layer's output down
            line, _, per = _stage_window(stages[si])
            nxt: set[int] = set()
            for fi in front:
                taps = line.taps(fi)
                cat, idx = line.kind(taps)
                for u, c, j in zip(taps.tolist(), cat.tolist(), idx.tolist()):
                    if c == INPUT:
                        nxt.add(int(j))
                    elif c == PAD:  # drawn on the layer's input row
                        pad_x.add(float(inner_maps[si](u / per)))
            front = nxt
        for j in sorted(front):
            tx = float(t.maps[li - 1](j))
            below_nodes[j] = tx
            ex += [x, tx, None]
            ey += [li, li - 1, None]
        for tx in sorted(pad_x):
            t.pads[li - 1].append(tx)
            ex += [x, tx, None]
            ey += [li, li - 1, None]
    t.nodes[li - 1].update(below_nodes)


def _choose_view(t: _Tree, want: int) -> None:
    """The shown window of input steps: the tree, at least ``want`` wide, at most HARD_MAX."""
    out_x = t.nodes[-1][t.o]
    tree_xs = [x for row in t.nodes for x in row.values()] + [x for p in t.pads for x in p]
    # a few steps past the output too: what it does not see (the future, or strided over)
    x_hi = max(max(tree_xs), min(out_x + 4, float(t.sizes[0] - 1)))
    x_lo = min(min(tree_xs), x_hi - want + 1)
    first = min(min(tree_xs), 0.0)  # nothing exists left of step 0 but the tree's padding
    if x_lo < first:  # an early step: show the steps after it instead (the unseen future)
        x_lo = first
        x_hi = max(x_hi, min(first + want - 1, float(t.sizes[0] - 1)))
    t.truncated = x_hi - x_lo + 1 > HARD_MAX_STEPS
    if t.truncated:
        x_lo = x_hi - HARD_MAX_STEPS + 1
    t.x_lo, t.x_hi = x_lo, x_hi


def _row_names(t: _Tree) -> list[str]:
    return ["input"] + [f"layer {i + 1}" for i in range(t.n_layers)]


def _traces(t: _Tree) -> list:
    """Background dots, one line trace per layer, the needed steps, the padding zeros
    reached and the traced output."""
    n_layers = t.n_layers
    bx, by, bt = [], [], []  # every step of every row inside the window
    for row in range(n_layers + 1):
        m = t.maps[row]
        i_lo = int(np.ceil((t.x_lo - m.b) / m.a)) if m.a > 0 else 0
        i_hi = int(np.floor((t.x_hi - m.b) / m.a)) if m.a > 0 else t.sizes[row] - 1
        idx = np.arange(max(i_lo, 0), min(i_hi, t.sizes[row] - 1) + 1)
        bx.append(m(idx))
        by.append(np.full(idx.size, row))
        bt.append(idx)
    traces: list = [trace(
        "scatter", x=np.concatenate(bx).astype(np.float32), y=np.concatenate(by).astype(np.int16),
        mode="markers", name="time step (not needed)",
        customdata=np.concatenate(bt).astype(np.int32),
        marker=dict(size=7, color="#D9D9D9", line=dict(width=0.5, color="#999999")),
        hovertemplate="step %{customdata}<extra></extra>")]
    for li in range(n_layers):  # colour = the layer the line feeds
        ex, ey = t.edges[li]
        keep_x, keep_y = [], []
        for k in range(0, len(ex), 3):
            if t.inside(ex[k]) and t.inside(ex[k + 1]):
                keep_x += ex[k:k + 3]
                keep_y += ey[k:k + 3]
        d = t.layer_stages[li][0].dilation[0]
        traces.append(trace(
            "scatter", x=keep_x, y=keep_y, mode="lines", hoverinfo="skip",
            line=dict(color=EDGE_COLORS[li % len(EDGE_COLORS)], width=2),
            name=f"layer {li + 1} reads (dilation {d})"))
    names = _row_names(t)
    needed = [(x, row, f"{names[row]} step {i}: needed") for row in range(n_layers)
              for i, x in sorted(t.nodes[row].items()) if t.inside(x)]
    tx_, ty_, tt_ = (list(v) for v in zip(*needed)) if needed else ([], [], [])
    traces.append(trace(
        "scatter", x=tx_, y=ty_, mode="markers", name="step the output depends on", text=tt_,
        marker=dict(size=10, color=BLACK, line=dict(width=1, color="white")),
        hovertemplate="%{text}<extra></extra>"))
    zeros = [(x, row) for row in range(n_layers) for x in sorted(set(t.pads[row]))
             if t.inside(x)]
    if zeros:
        traces.append(trace(
            "scatter", x=[x for x, _ in zeros], y=[row for _, row in zeros], mode="markers",
            name="zero padding (before step 0)",
            marker=dict(size=10, symbol="square-open", color="#666666", line=dict(width=2)),
            hovertemplate="zero padding<extra></extra>"))
    traces.append(trace(
        "scatter", x=[t.nodes[-1][t.o]], y=[n_layers], mode="markers+text", text=[f"y[{t.o}]"],
        textposition="top left", name="the traced output step",
        marker=dict(size=15, color=VERMILLION, symbol="circle", line=dict(width=1.5,
                                                                     color=BLACK)),
        hovertemplate=f"output step {t.o} of layer {n_layers}<extra></extra>"))
    return traces


def _layout(t: _Tree) -> tuple[dict, dict]:
    """(layout, meta): the receptive field at each layer, the input span of the traced
    output, the title; and what was drawn."""
    n_layers, o, span_in, reached = t.n_layers, t.o, t.span_in, t.reached
    annotations = [dict(
        name="receptive_field", x=1.0, xref="paper", xanchor="left", y=li, yref="y",
        yanchor="middle", showarrow=False, align="left", font=dict(size=12),
        text=f"receptive field <b>{rf}</b>") for li, rf in enumerate(t.rfs, start=1)]
    shapes = []
    if t.reach_x:
        lo_x, hi_x = max(min(t.reach_x), t.x_lo), min(max(t.reach_x), t.x_hi)
        shapes.append(dict(type="rect", xref="x", yref="y", x0=lo_x - 0.45, x1=hi_x + 0.45,
                           y0=-0.32, y1=0.32, fillcolor="rgba(0,114,178,0.12)",
                           line=dict(color=TREE_COLOR, width=1, dash="dot"), layer="below"))
        annotations.append(dict(
            name="receptive_field_input", x=(lo_x + hi_x) / 2, y=-0.38, xref="x", yref="y",
            yanchor="top", showarrow=False, font=dict(size=12, color="#004a75"),
            text=f"y[{o}] depends on these {plural(span_in, 'input step')}"))
    if t.truncated:
        annotations.append(note_annotation(
            f"Cropped view: input steps {int(np.ceil(t.x_lo))}…{int(t.x_hi)} of the tree "
            f"(it spans {span_in} steps).", TRUNCATION, x=1.0, y=1.0, xanchor="right",
            yanchor="bottom"))
    first = [ls[0] for ls in t.layer_stages]
    kernels = [st.kernel[0] for st in first]
    dils = [st.dilation[0] for st in first]
    strides = [st.stride[0] for st in first]
    causal = all(st.axes[0].mode == "causal" for st in first)
    k_txt = str(kernels[0]) if len(set(kernels)) == 1 else ", ".join(map(str, kernels))
    sub = (f"{n_layers} × {kind_label(t.rs[0].kind, 1)}, kernel {k_txt}"
           + (", causal" if causal else "") + f", dilations {', '.join(map(str, dils))}"
           + (f", strides {', '.join(map(str, strides))}" if max(strides) > 1 else "") + ": "
           f"output step {o} depends on {plural(span_in, 'input step')}"
           + (f" ({int(min(reached))}…{int(max(reached))})" if reached else "") + ".")
    if causal:
        sub += " Causal: every line goes straight down or to the left — never to the future."
    ticks = [f"<b>{_row_names(t)[0]}</b> x"] + [
        f"<b>layer {i + 1}</b> · d={dils[i]}" + (f" s={strides[i]}" if strides[i] > 1 else "")
        for i in range(n_layers)]
    x_lo, x_hi = t.x_lo, t.x_hi
    pad_x = max(0.8, 0.015 * (x_hi - x_lo))
    layout = dict(
        title=title("Dilated stack: what one output step sees", sub),
        height=170 + 78 * (n_layers + 1),
        xaxis=dict(title=dict(text="time step t (input index)"),
                   range=[x_lo - pad_x, x_hi + pad_x],
                   showgrid=False, zeroline=False, ticks="outside", ticklen=3,
                   dtick=1 if x_hi - x_lo < 24 else 2 if x_hi - x_lo < 48 else
                   4 if x_hi - x_lo < 100 else 16, tick0=0),
        yaxis=dict(title=dict(text="layer (input at the bottom)"), tickmode="array",
                   tickvals=list(range(n_layers + 1)), ticktext=ticks,
                   range=[-0.75, n_layers + 0.6], showgrid=True, gridcolor="#eeeeee",
                   zeroline=False, fixedrange=True),
        plot_bgcolor="white",
        shapes=shapes,
        annotations=annotations,
        legend=dict(orientation="h", x=0.0, y=-0.13 * 5 / (n_layers + 1), yanchor="top",
                    font=dict(size=12)),
        margin=dict(l=10, r=150, t=96, b=10),
    )
    meta = dict(
        figure="dilated_stack", layers=n_layers, kinds=[r.kind for r in t.rs],
        kernels=kernels, dilations=dils, strides=strides,
        causal=causal, receptive_fields=t.rfs, step=o, reached=[int(i) for i in reached],
        padding_reached=len(set(t.pads[0])),
        padding_reached_all=sum(len(set(p)) for p in t.pads), input_span=span_in,
        window=[float(x_lo), float(x_hi)],
        truncated=bool(t.truncated))
    return layout, meta
