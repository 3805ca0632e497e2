"""Input volume -> kernel -> output volume, drawn as labelled boxes in an oblique view.

Every tensor of the layer (input, the intermediate of a two-stage kind, output) is drawn
by rank:

* 2D: a box W wide, H tall and C deep (channels recede).
* 1D: a flat strip W (steps) wide and C (channels) tall; zero padding on the left and
  right (causal: the left only).
* 3D: a box W wide, H tall and D deep (depth recedes, labelled); every cell holds C
  channel values (the label says how many).

Zero padding is a grey rim around the input, the kernel is an orange box in the top-left
(front) corner of the (padded) input, and dashed lines run to the one output position it
produces. Boxes are layout shapes, so the payload is tiny at any size. Large sizes are
drawn on a square-root scale (noted on the figure); the labels always give the true
sizes, read from ``r.stages``.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lib.conv import ConvResult, Stage

from ._common import (GREEN, NOTE, ORANGE, PURPLE, SKY, VERMILLION, finish, kind_label,
                      note_annotation, rank_of, shape_txt, title)

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
CELL_COLOR = VERMILLION


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


def _dims_txt(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def _stage_caption(st: Stage) -> str:
    kt = shape_txt(st.kernel)
    if st.op == "channel_sum":
        return "Σ add all channels<br>(no weights)"
    parts = [f"{st.out_channels:,} × {kt}×{st.in_channels // st.groups}"]
    if set(st.stride) != {1}:
        parts.append(f"stride {_dims_txt(st.stride)}")
    if set(st.dilation) != {1}:
        parts.append(f"dilation {_dims_txt(st.dilation)}")
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
        t, b, l_, r_, f_, k_ = rim
        if self.rank == 1:
            return f"{what}: {l_} left / {r_} right" + (" (causal)" if what == "zero padding"
                                                       and r_ == 0 and l_ else "")
        text = f"{what}: {t}/{b} rows, {l_}/{r_} cols"
        if self.rank == 3:
            text += f", {f_}/{k_} depth slices"
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


def _extra(f: _Scale, n: int, before: int, after: int, drawn: float) -> tuple[float, float]:
    """Drawn size of the rims before/after an axis of n cells (always visible if any)."""
    if not (before or after):
        return 0.0, 0.0
    extra = max(f(n + before + after) - drawn, 0.8)
    tot = max(before + after, 1)
    return extra * before / tot, extra * after / tot


def volume_figure(r: ConvResult) -> go.Figure:
    """Input -> (intermediate) -> output tensors with the kernel, padding and one output cell.

    2D draws H×W×C boxes, 1D flat W×C strips (padding left/right; causal: left only), 3D
    D×H×W boxes with the depth axis labelled (each cell holds C values).
    """
    rank = rank_of(r)
    g = _Geometry(rank)
    stages = r.stages
    tensors = [stages[0].in_shape] + [st.out_shape for st in stages]
    drawn_sizes = [n for t in tensors for n in g.whd(t)]
    largest = max(drawn_sizes)
    for st in stages:
        for a in st.axes:
            largest = max(largest, a.size_in + max(a.before, 0) + max(a.after, 0))
    f = _Scale(largest)

    shapes: list[dict] = []
    annotations: list[dict] = []
    hover_x, hover_y, hover_t = [], [], []
    boxes_meta = []
    x = 0.0
    top = 0.0  # boxes hang from y = 0 downwards (front face top edge at y = 0)
    lows = []
    names = ["input"] + [("output" if i == len(stages) - 1 else f"after {st.name}")
                         for i, st in enumerate(stages)]
    colors = [INPUT_COLOR] + [OUTPUT_COLOR if i == len(stages) - 1 else MID_COLOR
                              for i in range(len(stages))]

    geo = []  # per tensor: w, h, d, rim cells, rim kind, drawn rims (t, b, l, r, front, back)
    for ti, shape in enumerate(tensors):
        W_, H_, D_ = g.whd(shape)
        w, h, d = f(W_), f(H_), f(D_)
        # Rims around this tensor: zero padding of the next conv, or the crop of a
        # transposed conv that produced it.
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
            pt, pb = _extra(f, H_, t_, b_, h) if rank > 1 else (0.0, 0.0)
            pl, pr = _extra(f, W_, l_, r_, w)
            pf, pk = _extra(f, D_, fr, bk, d) if rank == 3 else (0.0, 0.0)
            drawn = (pt, pb, pl, pr, pf, pk)
        geo.append((w, h, d, rim, what, drawn))
    span = sum(gg[0] + gg[5][2] + gg[5][3] + (gg[2] + gg[5][4] + gg[5][5]) * DX for gg in geo)
    share = 0.16  # of the figure width between two boxes, for the arrow and its caption
    gap = max(8.0, share * span / (1 - share * len(stages)))

    positions = []  # per tensor: x, x_in, y_in, w, h, d, outer_w, outer_h, outer_d
    for ti, shape in enumerate(tensors):
        w, h, d, rim, what, (pt, pb, pl, pr, pf, pk) = geo[ti]
        outer_w, outer_h, outer_d = w + pl + pr, h + pt + pb, d + pf + pk
        # the inner box sits pf deeper than the padded box's front face
        x_in, y_in = x + pl + pf * DX, top - pt + pf * DY
        if rim:
            shapes += _box_paths(x, top - outer_h, outer_w, outer_h, outer_d, PAD_COLOR,
                                 line="#888888", dash="dot" if what == "cropped away" else "solid",
                                 opacity=0.9)
            annotations.append(_label(x + outer_w / 2, top + outer_d * DY + 0.6,
                                      g.rim_text(what, rim), yanchor="bottom", size=11,
                                      color="#555555"))
        shapes += _box_paths(x_in, y_in - h, w, h, d, colors[ti])
        positions.append((x, x_in, y_in, w, h, d, outer_w, outer_h, outer_d))
        label = f"<b>{names[ti]}</b><br>{shape_txt(shape)}<br><span style='font-size:10px'>"
        label += {1: "W (steps) × C", 2: "H×W×C", 3: "D×H×W×C"}[rank] + "</span>"
        annotations.append(_label(x + outer_w / 2 + outer_d * DX / 2, top - outer_h - 1.0,
                                  label))
        if rank == 3:  # name the receding axis on the box's top-right edge
            annotations.append(_label(x_in + w + d * DX / 2 + 0.6, y_in - h + d * DY / 2,
                                      f"↗ depth D = {shape[0]:,}", xanchor="left", size=10,
                                      color="#555555", yanchor="middle"))
        hover_x.append(x_in + w / 2)
        hover_y.append(y_in - h / 2)
        hover_t.append(g.hover(names[ti], shape))
        boxes_meta.append(dict(name=names[ti], shape=list(shape)))
        lows.append(top - outer_h)
        x += outer_w + outer_d * DX + gap

    # Kernels, output cells and the arrows between tensors.
    for si, st in enumerate(stages):
        xa, xa_in, ya_in, wa, ha, da, owa, oha, oda = positions[si]
        xb, xb_in, yb_in, wb, hb, db, owb, ohb, odb = positions[si + 1]
        mid_x = (xa + owa + oda * DX + xb) / 2
        annotations.append(dict(
            x=xb - 1.0, y=top - min(oha, ohb) / 2 - 2, ax=xa + owa + oda * DX + 1.0,
            ay=top - min(oha, ohb) / 2 - 2, xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5, arrowcolor="#555555",
            text=""))
        annotations.append(_label(mid_x, top - min(oha, ohb) / 2 - 3, _stage_caption(st),
                                  yanchor="top", size=11))
        if st.op == "channel_sum":
            continue
        kt = shape_txt(st.kernel)
        ext = tuple(a.extent for a in st.axes)
        cin = st.in_channels // st.groups
        # footprint of one kernel (drawn units): 1D taps × channels (flat), 2D kh×kw×cin,
        # 3D kd×kh×kw (channels are not a drawn axis)
        if rank == 1:
            kwd, khd, kdd = f(ext[0]), f(cin), 0.0
        elif rank == 2:
            kwd, khd, kdd = f(ext[1]), f(ext[0]), f(cin)
        else:
            kwd, khd, kdd = f(ext[2]), f(ext[1]), f(ext[0])
        if st.op == "transposed":
            # one input cell scatters a kernel-sized patch (per output channel) into the output
            cw = f(1)
            ch_ = f(cin) if rank == 1 else f(1)
            cd_ = 0.0 if rank == 1 else f(cin) if rank == 2 else f(1)
            cell_x, cell_y = xa_in, ya_in
            shapes += _box_paths(cell_x, cell_y - ch_, cw, ch_, cd_, CELL_COLOR)
            px, py = xb_in, yb_in
            pdd = 0.0 if rank == 1 else db if rank == 2 else kdd
            phd = f(st.out_channels) if rank == 1 else khd
            shapes += _box_paths(px, py - phd, kwd, phd, pdd, KERNEL_COLOR, opacity=0.85)
            for (sx, sy), (tx, ty) in (((cell_x + cw, cell_y), (px + kwd, py)),
                                       ((cell_x + cw, cell_y - ch_), (px + kwd, py - phd)),
                                       ((cell_x, cell_y - ch_), (px, py - phd))):
                shapes.append(dict(type="line", x0=sx, y0=sy, x1=tx, y1=ty, xref="x", yref="y",
                                   line=dict(color="#555555", width=1, dash="dash"),
                                   layer="above"))
            hover_x.append(px + kwd / 2)
            hover_y.append(py - phd / 2)
            hover_t.append(f"one input cell × the {kt} kernels adds into a "
                           f"{shape_txt(ext)} output patch in each of "
                           f"{st.out_channels:,} channels")
            continue
        # kernel: footprint of the dilated kernel in the top-left (front) corner of the
        # padded input
        kx, ky = xa, top
        shapes += _box_paths(kx, ky - khd, kwd, khd, kdd, KERNEL_COLOR, opacity=0.9)
        annotations.append(_label(kx, ky - khd - 0.4, f"kernel {kt}×{cin}", size=11,
                                  color="#8a5a00", xanchor="left"))
        hover_x.append(kx + kwd / 2)
        hover_y.append(ky - khd / 2)
        dil = f" (dilated: covers {shape_txt(ext)})" if ext != tuple(st.kernel) else ""
        hover_t.append(f"one filter: {kt} weights × {cin:,} channel(s){dil}; "
                       f"{st.out_channels:,} filters → {st.out_channels:,} output channels")
        # output position: 2D a 1×1 column through all output channels; 1D one step, all
        # channels tall; 3D one 1×1×1 cell holding all output channels
        cw = f(1)
        c_h = f(st.out_channels) if rank == 1 else cw
        c_d = 0.0 if rank == 1 else db if rank == 2 else cw
        shapes += _box_paths(xb_in, yb_in - c_h, cw, c_h, c_d, CELL_COLOR, opacity=0.95)
        for (sx, sy), (tx, ty) in (((kx + kwd, ky), (xb_in + cw, yb_in)),
                                   ((kx + kwd, ky - khd), (xb_in + cw, yb_in - c_h)),
                                   ((kx + kwd + kdd * DX, ky + kdd * DY),
                                    (xb_in + cw + c_d * DX, yb_in + c_d * DY))):
            shapes.append(dict(type="line", x0=sx, y0=sy, x1=tx, y1=ty, xref="x", yref="y",
                               line=dict(color="#777777", width=1, dash="dash"),
                               layer="above"))
        hover_x.append(xb_in + cw / 2)
        hover_y.append(yb_in - c_h / 2)
        hover_t.append(f"one output position: {st.out_channels:,} numbers, one per filter")

    x_max = x - gap + 2
    room = 0.02 * x_max  # about one line of text at the usual figure width
    y_min = min(lows) - 4.5 * room
    y_max = top + max(p[8] for p in positions) * DY + 2.5 * room
    if not f.linear:
        annotations.append(note_annotation(
            "not to scale: box sides grow with √size<br>so large layers fit; labels are "
            "true sizes", NOTE, x=1.0, y=1.0, xanchor="right", yanchor="top"))
        y_max += 0.25 * (y_max - y_min)
    hover = go.Scatter(x=hover_x, y=hover_y, mode="markers", text=hover_t,
                       marker=dict(size=14, color="rgba(0,0,0,0)"), hoverinfo="text",
                       showlegend=False, name="boxes")
    out = r.output_shape
    rf = r.receptive_field
    sub = (f"{kind_label(r.kind, rank)}: {shape_txt(r.input_shape)} in → {shape_txt(out)} "
           f"out. Every output {'step' if rank == 1 else 'cell'} looks at a window of "
           f"{shape_txt(rf)} input {'steps' if rank == 1 else 'cells'}.")
    if rank == 1:
        sub += " Strips: steps across, channels up."
    elif rank == 3:
        sub += " Boxes: W across, H up, depth D receding; each cell holds C channel values."
    heading = {1: "Input sequence → output sequence", 2: "Input volume → output volume",
               3: "Input volume (D×H×W) → output volume"}[rank]
    layout = dict(
        title=title(heading, sub),
        height=420,
        shapes=shapes,
        annotations=annotations,
        showlegend=False,
        xaxis=dict(visible=False, range=[-2, x_max],
                   title=dict(text="steps →" if rank == 1 else "width →")),
        yaxis=dict(visible=False, range=[y_min, y_max], scaleanchor="x", scaleratio=1,
                   title=dict(text="channels ↑" if rank == 1 else "height ↑")),
        plot_bgcolor="white",
    )
    meta = dict(figure="volume", kind=r.kind, rank=rank, scale="linear" if f.linear else "sqrt",
                boxes=boxes_meta, truncated=False)
    return finish([hover], layout, meta)
