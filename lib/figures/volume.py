"""Input volume -> kernel -> output volume, drawn as labelled boxes in an oblique view.

Every tensor of the layer (input, the intermediate of a two-stage kind, output) is a box
W wide, H tall and C deep; zero padding is a grey rim around the input, the kernel is an
orange box in the top-left corner of the (padded) input, and dashed lines run to the one
output cell (a column through all output channels) it produces. Boxes are layout shapes,
so the payload is tiny at any size. Large sizes are drawn on a square-root scale (noted
on the figure); the labels always give the true sizes, read from ``r.stages``.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lib.conv import ConvResult, Stage

from ._common import (GREEN, NOTE, ORANGE, PURPLE, SKY, VERMILLION, finish, kind_label,
                      note_annotation, require_2d, shape_txt, title)

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
    return [dict(path=side, fillcolor=_mix(color, "#000000", 0.18), **common),
            dict(path=top, fillcolor=_mix(color, "#ffffff", 0.35), **common),
            dict(path=front, fillcolor=color, **common)]


def _label(x: float, y: float, text: str, yanchor: str = "top", size: int = 12,
           color: str = "#222222", xanchor: str = "center") -> dict:
    return dict(x=x, y=y, xref="x", yref="y", text=text, showarrow=False, xanchor=xanchor,
                yanchor=yanchor, font=dict(size=size, color=color), align="center")


def _stage_caption(st: Stage) -> str:
    kh, kw = st.kernel
    if st.op == "channel_sum":
        return "Σ add all channels<br>(no weights)"
    parts = [f"{st.out_channels:,} × {kh}×{kw}×{st.in_channels // st.groups}"]
    sh, sw = st.stride
    dh, dw = st.dilation
    if (sh, sw) != (1, 1):
        parts.append(f"stride {sh if sh == sw else (sh, sw)}")
    if (dh, dw) != (1, 1):
        parts.append(f"dilation {dh if dh == dw else (dh, dw)}")
    if st.groups > 1 and st.op != "depthwise":
        parts.append(f"{st.groups} groups")
    head = {"depthwise": "depthwise", "transposed": "transposed conv"}.get(st.op, st.name)
    if st.op == "transposed":
        parts.append(f"each input cell<br>adds a {kh}×{kw} patch")
    return f"<b>{head}</b><br>" + "<br>".join(parts)


def volume_figure(r: ConvResult) -> go.Figure:
    """Input -> (intermediate) -> output volumes with the kernel, padding and one output cell."""
    require_2d(r, "volume_figure")
    stages = r.stages
    tensors = [stages[0].in_shape] + [st.out_shape for st in stages]
    largest = max(max(t) for t in tensors)
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

    geo = []  # per tensor: w, h, d, rim (top, bottom, left, right) cells, rim kind, drawn rims
    for ti, (H, W, C) in enumerate(tensors):
        w, h, d = f(W), f(H), f(C)
        # Rims around this tensor: zero padding of the next conv, or the crop of a
        # transposed conv that produced it.
        rim, what = None, ""
        if ti < len(stages) and stages[ti].op in ("conv", "depthwise"):
            ah, aw = stages[ti].axes
            if ah.before or ah.after or aw.before or aw.after:
                rim, what = (ah.before, ah.after, aw.before, aw.after), "zero padding"
        if ti > 0 and stages[ti - 1].op == "transposed":
            ah, aw = stages[ti - 1].axes
            cut = (max(ah.before, 0), max(ah.after, 0), max(aw.before, 0), max(aw.after, 0))
            if any(cut):
                rim, what = cut, "cropped away"
        drawn = (0.0, 0.0, 0.0, 0.0)
        if rim:
            t_, b_, l_, r_ = rim
            extra_w = max(f(W + l_ + r_) - w, 0.8)  # always a visible rim
            extra_h = max(f(H + t_ + b_) - h, 0.8)
            drawn = (extra_h * t_ / max(t_ + b_, 1), extra_h * b_ / max(t_ + b_, 1),
                     extra_w * l_ / max(l_ + r_, 1), extra_w * r_ / max(l_ + r_, 1))
        geo.append((w, h, d, rim, what, drawn))
    span = sum(g[0] + g[5][2] + g[5][3] + g[2] * DX for g in geo)
    share = 0.16  # of the figure width between two boxes, for the arrow and its caption
    gap = max(8.0, share * span / (1 - share * len(stages)))

    positions = []  # per tensor: x, x_in, y_in, w, h, d, outer_w, outer_h
    for ti, (H, W, C) in enumerate(tensors):
        w, h, d, rim, what, (pt, pb, pl, pr) = geo[ti]
        outer_w, outer_h = w + pl + pr, h + pt + pb
        x_in, y_in = x + pl, top - pt
        if rim:
            t_, b_, l_, r_ = rim
            shapes += _box_paths(x, top - outer_h, outer_w, outer_h, d, PAD_COLOR,
                                 line="#888888", dash="dot" if what == "cropped away" else "solid",
                                 opacity=0.9)
            annotations.append(_label(x + outer_w / 2, top + d * DY + 0.6,
                                      f"{what}: {t_}/{b_} rows, {l_}/{r_} cols",
                                      yanchor="bottom", size=11, color="#555555"))
        shapes += _box_paths(x_in, y_in - h, w, h, d, colors[ti])
        positions.append((x, x_in, y_in, w, h, d, outer_w, outer_h))
        annotations.append(_label(x + outer_w / 2 + d * DX / 2, top - outer_h - 1.0,
                                  f"<b>{names[ti]}</b><br>{shape_txt((H, W, C))}"
                                  "<br><span style='font-size:10px'>H×W×C</span>"))
        hover_x.append(x_in + w / 2)
        hover_y.append(y_in - h / 2)
        hover_t.append(f"{names[ti]}: {H:,} × {W:,} × {C:,} (H × W × channels)"
                       f" = {H * W * C:,} numbers")
        boxes_meta.append(dict(name=names[ti], shape=[H, W, C]))
        lows.append(top - outer_h)
        x += outer_w + d * DX + gap

    # Kernels, output cells and the arrows between tensors.
    for si, st in enumerate(stages):
        xa, xa_in, ya_in, wa, ha, da, owa, oha = positions[si]
        xb, xb_in, yb_in, wb, hb, db, owb, ohb = positions[si + 1]
        mid_x = (xa + owa + da * DX + xb) / 2
        annotations.append(dict(
            x=xb - 1.0, y=top - min(oha, ohb) / 2 - 2, ax=xa + owa + da * DX + 1.0,
            ay=top - min(oha, ohb) / 2 - 2, xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5, arrowcolor="#555555",
            text=""))
        annotations.append(_label(mid_x, top - min(oha, ohb) / 2 - 3, _stage_caption(st),
                                  yanchor="top", size=11))
        if st.op == "channel_sum":
            continue
        kh, kw = st.kernel
        ah, aw = st.axes
        cin = st.in_channels // st.groups
        if st.op == "transposed":
            # one input cell scatters a kh×kw patch (per output channel) into the output
            cw, ch_ = f(1), f(1)
            cell_x, cell_y = xa_in, ya_in
            shapes += _box_paths(cell_x, cell_y - ch_, cw, ch_, f(cin), CELL_COLOR)
            px, py = xb_in, yb_in
            kwd, khd = f(aw.extent), f(ah.extent)
            shapes += _box_paths(px, py - khd, kwd, khd, db, KERNEL_COLOR, opacity=0.85)
            for (sx, sy), (tx, ty) in (((cell_x + cw, cell_y), (px + kwd, py)),
                                       ((cell_x + cw, cell_y - ch_), (px + kwd, py - khd)),
                                       ((cell_x, cell_y - ch_), (px, py - khd))):
                shapes.append(dict(type="line", x0=sx, y0=sy, x1=tx, y1=ty, xref="x", yref="y",
                                   line=dict(color="#555555", width=1, dash="dash"),
                                   layer="above"))
            hover_x.append(px + kwd / 2)
            hover_y.append(py - khd / 2)
            hover_t.append(f"one input cell × the {kh}×{kw} kernels adds into a {ah.extent}×"
                           f"{aw.extent} output patch in each of {st.out_channels:,} channels")
            continue
        # kernel: footprint of the dilated kernel in the top-left corner of the padded input
        kwd, khd, kdd = f(aw.extent), f(ah.extent), f(cin)
        kx, ky = xa, top  # the padded input's top-left corner
        shapes += _box_paths(kx, ky - khd, kwd, khd, kdd, KERNEL_COLOR, opacity=0.9)
        annotations.append(_label(kx, ky - khd - 0.4, f"kernel {kh}×{kw}×{cin}", size=11,
                                  color="#8a5a00", xanchor="left"))
        hover_x.append(kx + kwd / 2)
        hover_y.append(ky - khd / 2)
        dil = (f" (dilated: covers {ah.extent}×{aw.extent})"
               if (ah.extent, aw.extent) != (kh, kw) else "")
        hover_t.append(f"one filter: {kh}×{kw} weights × {cin:,} channel(s){dil}; "
                       f"{st.out_channels:,} filters → {st.out_channels:,} output channels")
        # output cell: a 1×1 column through all output channels, top-left of the output
        cw = f(1)
        shapes += _box_paths(xb_in, yb_in - cw, cw, cw, db, CELL_COLOR, opacity=0.95)
        for (sx, sy), (tx, ty) in (((kx + kwd, ky), (xb_in + cw, yb_in)),
                                   ((kx + kwd, ky - khd), (xb_in + cw, yb_in - cw)),
                                   ((kx + kwd + kdd * DX, ky + kdd * DY),
                                    (xb_in + cw + db * DX, yb_in + db * DY))):
            shapes.append(dict(type="line", x0=sx, y0=sy, x1=tx, y1=ty, xref="x", yref="y",
                               line=dict(color="#777777", width=1, dash="dash"),
                               layer="above"))
        hover_x.append(xb_in + cw / 2)
        hover_y.append(yb_in - cw / 2)
        hover_t.append(f"one output position: {st.out_channels:,} numbers, one per filter")

    x_max = x - gap + 2
    room = 0.02 * x_max  # about one line of text at the usual figure width
    y_min = min(lows) - 4.5 * room
    y_max = top + max(p[5] for p in positions) * DY + 2.5 * room
    if not f.linear:
        annotations.append(note_annotation(
            "not to scale: box sides grow with √size<br>so large layers fit; labels are "
            "true sizes", NOTE, x=1.0, y=1.0, xanchor="right", yanchor="top"))
        y_max += 0.25 * (y_max - y_min)
    hover = go.Scatter(x=hover_x, y=hover_y, mode="markers", text=hover_t,
                       marker=dict(size=14, color="rgba(0,0,0,0)"), hoverinfo="text",
                       showlegend=False, name="boxes")
    out = r.output_shape
    sub = (f"{kind_label(r.kind)}: {shape_txt(r.input_shape)} in → {shape_txt(out)} out. "
           f"Every output cell looks at a window of {r.receptive_field[0]}×"
           f"{r.receptive_field[1]} input cells.")
    layout = dict(
        title=title("Input volume → output volume", sub),
        height=420,
        shapes=shapes,
        annotations=annotations,
        showlegend=False,
        xaxis=dict(visible=False, range=[-2, x_max], title=dict(text="width →")),
        yaxis=dict(visible=False, range=[y_min, y_max], scaleanchor="x", scaleratio=1,
                   title=dict(text="height ↑")),
        plot_bgcolor="white",
    )
    meta = dict(figure="volume", kind=r.kind, scale="linear" if f.linear else "sqrt",
                boxes=boxes_meta, truncated=False)
    return finish([hover], layout, meta)
