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

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult, Stage, receptive_field

from ._common import (BLACK, CHANNEL_COLORS, GREY, TRUNCATION, VERMILLION, finish, kind_label,
                      note_annotation, plural, rank_of, shape_txt, title)
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
        if rank_of(r) != 1:
            raise ValueError(f"layer {i + 1} is {rank_of(r)}D (input "
                             f"{shape_txt(r.input_shape)}); the stack figure draws 1D convs")
    for i in range(1, len(rs)):
        prev, cur = rs[i - 1].output_shape, rs[i].input_shape
        if prev != cur:
            raise ValueError(f"layer {i + 1} takes {shape_txt(cur)} but layer {i} gives "
                             f"{shape_txt(prev)}: not a stack")
    return rs


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
    rs = _check(results)
    n_layers = len(rs)
    # Row maps (x of each row's step i) and per-row stage lists.
    maps = [_Map()]
    layer_stages: list[list[Stage]] = []
    for r in rs:
        m = maps[-1]
        stages = [st for st in r.stages]
        for st in stages:
            line, anchor, per = _stage_window(st)
            x0 = m((line.start(0) + anchor) / per)
            x1 = m((line.start(1) + anchor) / per) if line.n_out > 1 else x0 + m.a
            m = _Map(float(x1 - x0), float(x0))
        maps.append(m)
        layer_stages.append(stages)
    sizes = [rs[0].input_shape[0]] + [r.output_shape[0] for r in rs]

    # Receptive field of each layer, from lib.conv (stack = concatenated stages).
    all_stages: list[Stage] = []
    rfs = []
    for stages in layer_stages:
        all_stages.extend(stages)
        rfs.append(int(receptive_field(tuple(all_stages))[0]))

    # The dependency tree of the traced output, row by row (index -1 = zero padding).
    n_out = sizes[-1]
    o = n_out - 1 if step is None else max(0, min(int(step), n_out - 1))
    nodes: list[dict[int, float]] = [dict() for _ in range(n_layers + 1)]  # row -> {i: x}
    pads: list[list[float]] = [[] for _ in range(n_layers + 1)]
    edges: list[tuple[list, list]] = [([], []) for _ in range(n_layers)]
    nodes[-1][o] = float(maps[-1](o))
    for li in range(n_layers, 0, -1):
        stages = layer_stages[li - 1]
        # where each stage's input steps are drawn, inside this layer
        inner_maps = [maps[li - 1]]
        for st in stages[:-1]:
            line, anchor, per = _stage_window(st)
            m = inner_maps[-1]
            x0 = m((line.start(0) + anchor) / per)
            x1 = m((line.start(1) + anchor) / per) if line.n_out > 1 else x0 + m.a
            inner_maps.append(_Map(float(x1 - x0), float(x0)))
        ex, ey = edges[li - 1]
        below_nodes: dict[int, float] = {}
        for i, x in sorted(nodes[li].items()):
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
                tx = float(maps[li - 1](j))
                below_nodes[j] = tx
                ex += [x, tx, None]
                ey += [li, li - 1, None]
            for tx in sorted(pad_x):
                pads[li - 1].append(tx)
                ex += [x, tx, None]
                ey += [li, li - 1, None]
        nodes[li - 1].update(below_nodes)

    reached = sorted(nodes[0])
    reach_x = [nodes[0][i] for i in reached] + pads[0]
    span_in = (int(round(max(reach_x) - min(reach_x))) + 1) if reach_x else 0
    out_x = nodes[-1][o]
    # The shown window of input steps: the tree, at least max_steps wide, at most HARD_MAX.
    tree_xs = [x for row in nodes for x in row.values()] + [x for p in pads for x in p]
    want = max(1, int(max_steps))
    # a few steps past the output too: what it does not see (the future, or strided over)
    x_hi = max(max(tree_xs), min(out_x + 4, float(sizes[0] - 1)))
    x_lo = min(min(tree_xs), x_hi - want + 1)
    first = min(min(tree_xs), 0.0)  # nothing exists left of step 0 but the tree's padding
    if x_lo < first:  # an early step: show the steps after it instead (the unseen future)
        x_lo = first
        x_hi = max(x_hi, min(first + want - 1, float(sizes[0] - 1)))
    truncated = x_hi - x_lo + 1 > HARD_MAX_STEPS
    if truncated:
        x_lo = x_hi - HARD_MAX_STEPS + 1

    def inside(x: float) -> bool:
        return x_lo - 1e-9 <= x <= x_hi + 1e-9

    # Background dots: every step of every row inside the window.
    bx, by, bt = [], [], []
    for row in range(n_layers + 1):
        m = maps[row]
        i_lo = int(np.ceil((x_lo - m.b) / m.a)) if m.a > 0 else 0
        i_hi = int(np.floor((x_hi - m.b) / m.a)) if m.a > 0 else sizes[row] - 1
        idx = np.arange(max(i_lo, 0), min(i_hi, sizes[row] - 1) + 1)
        bx.append(m(idx))
        by.append(np.full(idx.size, row))
        bt.append(idx)
    bx_a = np.concatenate(bx).astype(np.float32)
    by_a = np.concatenate(by).astype(np.int16)
    bt_a = np.concatenate(bt).astype(np.int32)

    row_names = ["input"] + [f"layer {i + 1}" for i in range(n_layers)]
    traces: list = [go.Scatter(
        x=bx_a, y=by_a, mode="markers", name="time step (not needed)",
        customdata=bt_a, marker=dict(size=7, color="#D9D9D9", line=dict(width=0.5,
                                                                      color="#999999")),
        hovertemplate="step %{customdata}<extra></extra>")]
    # Lines, one trace per layer (colour = the layer the line feeds).
    for li in range(n_layers):
        ex, ey = edges[li]
        keep_x, keep_y = [], []
        for k in range(0, len(ex), 3):
            if inside(ex[k]) and inside(ex[k + 1]):
                keep_x += ex[k:k + 3]
                keep_y += ey[k:k + 3]
        d = layer_stages[li][0].dilation[0]
        traces.append(go.Scatter(
            x=keep_x, y=keep_y, mode="lines", hoverinfo="skip",
            line=dict(color=EDGE_COLORS[li % len(EDGE_COLORS)], width=2),
            name=f"layer {li + 1} reads (dilation {d})"))
    # Tree dots (needed steps), padding zeros reached, the traced output.
    tx_, ty_, tt_ = [], [], []
    for row in range(n_layers):
        for i, x in sorted(nodes[row].items()):
            if inside(x):
                tx_.append(x)
                ty_.append(row)
                tt_.append(f"{row_names[row]} step {i}: needed")
    traces.append(go.Scatter(
        x=tx_, y=ty_, mode="markers", name="step the output depends on", text=tt_,
        marker=dict(size=10, color=BLACK, line=dict(width=1, color="white")),
        hovertemplate="%{text}<extra></extra>"))
    px_, py_ = [], []
    for row in range(n_layers):
        for x in sorted(set(pads[row])):
            if inside(x):
                px_.append(x)
                py_.append(row)
    if px_:
        traces.append(go.Scatter(
            x=px_, y=py_, mode="markers", name="zero padding (before step 0)",
            marker=dict(size=10, symbol="square-open", color="#666666", line=dict(width=2)),
            hovertemplate="zero padding<extra></extra>"))
    traces.append(go.Scatter(
        x=[out_x], y=[n_layers], mode="markers+text", text=[f"y[{o}]"],
        textposition="top left", name="the traced output step",
        marker=dict(size=15, color=VERMILLION, symbol="circle", line=dict(width=1.5,
                                                                          color=BLACK)),
        hovertemplate=f"output step {o} of layer {n_layers}<extra></extra>"))

    # Annotations: the receptive field at each layer, the input span of the traced output.
    annotations = []
    for li, rf in enumerate(rfs, start=1):
        annotations.append(dict(
            name="receptive_field", x=1.0, xref="paper", xanchor="left", y=li, yref="y",
            yanchor="middle", showarrow=False, align="left", font=dict(size=12),
            text=f"receptive field <b>{rf}</b>"))
    shapes = []
    if reach_x:
        lo_x, hi_x = max(min(reach_x), x_lo), min(max(reach_x), x_hi)
        shapes.append(dict(type="rect", xref="x", yref="y", x0=lo_x - 0.45, x1=hi_x + 0.45,
                           y0=-0.32, y1=0.32, fillcolor="rgba(0,114,178,0.12)",
                           line=dict(color=TREE_COLOR, width=1, dash="dot"), layer="below"))
        annotations.append(dict(
            name="receptive_field_input", x=(lo_x + hi_x) / 2, y=-0.38, xref="x", yref="y",
            yanchor="top", showarrow=False, font=dict(size=12, color="#004a75"),
            text=f"y[{o}] depends on these {plural(span_in, 'input step')}"))
    if truncated:
        annotations.append(note_annotation(
            f"Cropped view: input steps {int(np.ceil(x_lo))}…{int(x_hi)} of the tree "
            f"(it spans {span_in} steps).", TRUNCATION, x=1.0, y=1.0, xanchor="right",
            yanchor="bottom"))

    kernels = [st.kernel[0] for st in (ls[0] for ls in layer_stages)]
    dils = [ls[0].dilation[0] for ls in layer_stages]
    strides = [ls[0].stride[0] for ls in layer_stages]
    causal = all(ls[0].axes[0].mode == "causal" for ls in layer_stages)
    k_txt = str(kernels[0]) if len(set(kernels)) == 1 else ", ".join(map(str, kernels))
    sub = (f"{n_layers} × {kind_label(rs[0].kind, 1)}, kernel {k_txt}"
           + (", causal" if causal else "") + f", dilations {', '.join(map(str, dils))}"
           + (f", strides {', '.join(map(str, strides))}" if max(strides) > 1 else "") + ": "
           f"output step {o} depends on {plural(span_in, 'input step')}"
           + (f" ({int(min(reached))}…{int(max(reached))})" if reached else "") + ".")
    if causal:
        sub += " Causal: every line goes straight down or to the left — never to the future."
    ticks = [f"<b>{row_names[0]}</b> x"] + [
        f"<b>layer {i + 1}</b> · d={dils[i]}" + (f" s={strides[i]}" if strides[i] > 1 else "")
        for i in range(n_layers)]
    height = 170 + 78 * (n_layers + 1)
    pad_x = max(0.8, 0.015 * (x_hi - x_lo))
    layout = dict(
        title=title("Dilated stack: what one output step sees", sub),
        height=height,
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
                    font=dict(size=11)),
        margin=dict(l=10, r=150, t=96, b=10),
    )
    meta = dict(
        figure="dilated_stack", layers=n_layers, kinds=[r.kind for r in rs],
        kernels=kernels, dilations=dils, strides=strides,
        causal=causal, receptive_fields=rfs, step=o, reached=[int(i) for i in reached],
        padding_reached=len(set(pads[0])),
        padding_reached_all=sum(len(set(p)) for p in pads), input_span=span_in,
        window=[float(x_lo), float(x_hi)],
        truncated=bool(truncated))
    return finish(traces, layout, meta)
