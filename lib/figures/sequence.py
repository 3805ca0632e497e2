"""The sliding window in 1D: kernel taps over one input sequence, and the output it makes.

One row of input cells (one channel; zero padding grey, so causal padding shows up on the
left only), the kernel's taps above the cells they multiply (dilation leaves gaps), lines
from those taps down to the output cell they produce, and the output sequence below. Each
output cell is drawn under the input step it is aligned with: a causal conv's output t
sits under input t (its newest input) and everything right of it is shaded as the future
it never sees; other convs put an output under the centre of its window. The bottom axis
gives output indices, the top axis input indices.

Every size comes from the stage's :class:`lib.conv.Axis` (size_in, size_out, kernel,
stride, dilation, before, after, mode); the window geometry is the same :class:`.window.WindowAxis`
the 2D figure uses. A transposed conv is drawn as its stride-1 equivalent with zeros inserted.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult, kind_label

from ._common import (BLACK, VERMILLION, as_position, click_markers, finish, narrow_plot_px,
                      note_annotation, title, title_height, trace)
from .window import (CATEGORY_COLORS, CATEGORY_NAMES, FOOT_LEGEND_PX, INPUT, INSERTED, OUT, PAD,
                     PRODUCED, TAP, TAP_ZERO, WindowAxis, arithmetic_line, clamp, frame_order,
                     frame_step, has_arithmetic, notes_height, play_controls, views,
                     window_notes, window_stage)

MAX_IN_VIEW = 64  # input cells shown around the window(s) of a long sequence
HARD_MAX_IN_VIEW = 1100  # a single huge dilated window is shown whole up to this many cells
MAX_OUT_VIEW = 64
TEXT_MAX_CELLS = 40  # per-cell labels only in views at most this many cells wide
HOVER_MAX_CELLS = 1100
OUTLINE_MAX_CELLS = 160  # cell borders only while cells are a few pixels wide
FRAME_CELL_BUDGET = 20_000  # taps summed over all animation frames

Y_KERNEL, Y_INPUT, Y_OUTPUT = 3.0, 1.7, 0.0
CELL_H = 0.8
FUTURE_FILL = "rgba(213,94,0,0.10)"  # vermillion, faint


class _Seq:
    """Everything about one stage's 1D window that does not depend on the position."""

    def __init__(self, r: ConvResult, position: int, stage: int | None):
        self.r = r
        self.stage_index = window_stage(r, stage)
        self.stage = st = r.stages[self.stage_index]
        self.transposed = st.op == "transposed"
        self.line = ln = WindowAxis.of(st.axes[0], self.transposed)
        self.causal = st.axes[0].mode == "causal"
        self.o = clamp(int(position), 0, ln.n_out - 1)
        _, self.view, self.fits = views(ln, self.o, MAX_IN_VIEW, HARD_MAX_IN_VIEW,
                                        MAX_OUT_VIEW)
        u = np.arange(self.view[0], self.view[1] + 1)
        self.u = u
        self.cat, self.idx = ln.kind(u)
        # Output o drawn under its newest input (causal) or under its window's centre.
        self.offset = (ln.e - 1) if self.causal else (ln.e - 1) / 2
        out = np.arange(ln.n_out)
        pos = ln.start(0) + out * ln.step + self.offset
        inside = np.flatnonzero((pos >= self.view[0] - 0.5) & (pos <= self.view[1] + 0.5))
        if inside.size == 0 or not (inside[0] <= self.o <= inside[-1]):
            inside = np.array([self.o])
        lo, hi = int(inside[0]), int(inside[-1])
        if hi - lo + 1 > MAX_OUT_VIEW:
            lo = clamp(self.o - MAX_OUT_VIEW // 2, lo, hi - MAX_OUT_VIEW + 1)
            hi = lo + MAX_OUT_VIEW - 1
        self.out_view = (lo, hi)
        self.n_view = self.view[1] - self.view[0] + 1
        self.text_cells = self.n_view <= TEXT_MAX_CELLS

    def x_of(self, o: int | np.ndarray) -> np.ndarray | float:
        """Where output o is drawn, in input coordinates."""
        return self.line.start(o) + self.offset if np.isscalar(o) else (
            self.line.start(0) + np.asarray(o) * self.line.step + self.offset)

    def window_in_view(self, o: int) -> bool:
        s = self.line.start(o)
        return self.view[0] <= s and s + self.line.e - 1 <= self.view[1]

    def taps_in_view(self, o: int) -> tuple[np.ndarray, np.ndarray]:
        """(tap index j, grid coordinate) of the taps of output o that are in the view."""
        t = self.line.taps(o)
        j = np.arange(self.line.k)
        keep = (t >= self.view[0]) & (t <= self.view[1])
        return j[keep], t[keep]

    def weight_label(self, j: np.ndarray) -> np.ndarray:
        w = (self.line.k - 1 - j) if self.transposed else j  # transposed: kernel flipped
        return np.char.add("w", w.astype(str))

    # -- traces that move with the position ------------------------------------------
    def dynamic(self, o: int) -> list[dict]:
        j, t = self.taps_in_view(o)
        on_input = self.cat[t - self.view[0]] == INPUT
        labels = self.weight_label(j)
        xo = float(self.x_of(o))
        n = t.size
        kernel = dict(x=t.astype(np.float32), y=np.full(n, CELL_H, np.float32),
                      # a list: what plotly's validation makes of a bar's base (frames
                      # are not validated, lib.figures._common.finish)
                      base=np.full(n, Y_KERNEL - CELL_H / 2, np.float32).tolist(),
                      text=labels if self.text_cells else None, customdata=labels)
        taps = dict(x=t.astype(np.float32), y=np.full(n, CELL_H, np.float32),
                    base=np.full(n, Y_INPUT - CELL_H / 2, np.float32).tolist(),
                    marker=dict(color=np.where(on_input, CATEGORY_COLORS[TAP],
                                               CATEGORY_COLORS[TAP_ZERO])),
                    text=self._cell_text(t) if self.text_cells else None,
                    customdata=self._cell_hover(t))
        lx = np.empty(t.size * 3, np.float32)
        ly = np.empty_like(lx)
        lx[0::3], lx[1::3], lx[2::3] = t, xo, np.nan
        ly[0::3], ly[1::3], ly[2::3] = Y_INPUT - CELL_H / 2, Y_OUTPUT + CELL_H / 2, np.nan
        s = self.line.start(o)
        e = self.line.e
        box = dict(x=[s - 0.5, s + e - 0.5, s + e - 0.5, s - 0.5, s - 0.5],
                   y=[Y_INPUT - 0.5, Y_INPUT - 0.5, Y_INPUT + 0.5, Y_INPUT + 0.5, Y_INPUT - 0.5])
        if o + 1 < self.line.n_out:
            s2 = self.line.start(o + 1)
            step = self.line.step
            nxt = dict(x=[s2 - 0.5, s2 + e - 0.5, s2 + e - 0.5, s2 - 0.5, s2 - 0.5],
                       y=[Y_INPUT - 0.58, Y_INPUT - 0.58, Y_INPUT + 0.58, Y_INPUT + 0.58,
                          Y_INPUT - 0.58],
                       text=["", "", f"next window: {step} step{'s' if step != 1 else ''} "
                             "right", "", ""])
        else:
            nxt = dict(x=[None], y=[None], text=[""])
        produced = dict(x=[xo], y=[CELL_H], base=[Y_OUTPUT - CELL_H / 2],
                        text=[f"y{o}"] if self.out_text else None,
                        customdata=[f"y[{o}]"])
        out = [kernel, taps, dict(x=lx, y=ly), box, nxt, produced]
        if self.causal:
            edge = xo + 0.5
            right = self.view[1] + 0.5
            if edge < right:
                out.append(dict(
                    x=[edge, right, right, edge, edge],
                    y=[Y_INPUT - 0.62, Y_INPUT - 0.62, Y_KERNEL + 0.55, Y_KERNEL + 0.55,
                       Y_INPUT - 0.62],
                    text=["", "", "", f"  future of y{o}: never seen", ""]))
            else:
                out.append(dict(x=[None], y=[None], text=[""]))
        return out

    def _cell_text(self, t: np.ndarray) -> np.ndarray:
        c = self.cat[t - self.view[0]]
        return np.where(c == INPUT, np.char.add("x", self.idx[t - self.view[0]].astype(str)),
                        "0")

    def _cell_hover(self, t: np.ndarray) -> np.ndarray:
        c = self.cat[t - self.view[0]]
        return np.where(c == INPUT, np.char.add(np.char.add("input x[",
                                                            self.idx[t - self.view[0]]
                                                            .astype(str)), "]"),
                        np.where(c == INSERTED, "0 (inserted)", "0 (padding)"))

    @property
    def out_text(self) -> bool:
        return self.out_view[1] - self.out_view[0] + 1 <= TEXT_MAX_CELLS and self.text_cells


def _bar(x, base, color, name, *, text=None, customdata=None, hover=None, xaxis="x",
         width=0.86, legend=True, line_color="#777777", textcolor="#222222", outline=True):
    base = np.asarray(base, np.float32).tolist()  # a list: what validation makes of a base
    kw = dict(x=x, y=np.full(len(x), CELL_H, np.float32), base=base, width=width, name=name,
              marker=dict(color=color, line=dict(color=line_color,
                                                 width=0.6 if outline else 0)),
              xaxis=xaxis, yaxis="y", showlegend=legend, textposition="inside",
              insidetextanchor="middle", textangle=0, cliponaxis=False,
              textfont=dict(size=12, color=textcolor))
    if text is not None:
        kw["text"] = text
    if customdata is not None:
        kw["customdata"] = customdata
    kw["hovertemplate"] = hover or f"{name}<extra></extra>"
    return trace("bar", **kw)


def _subtitle(sc: _Seq, o: int) -> str:
    ln = sc.line
    a = sc.stage.axes[0]
    s = ln.start(o)
    if sc.transposed:
        return (f"Output y[{o}] is a stride-1 window over the zero-inserted input starting "
                f"at {s}; the kernel is flipped." + _arithmetic(sc, o))
    text = (f"Output y[{o}]: window starts at {o}·{a.stride} − {a.before} = {s} and covers "
            f"{ln.e} step{'s' if ln.e != 1 else ''}"
            + (f", taps {ln.d} apart (dilation)" if ln.d > 1 else "") + ".")
    if sc.causal:
        text += (f" Causal: its newest input is x[{s + ln.e - 1}], so it never sees a later "
                 "step.")
    return text + _arithmetic(sc, o)


def _arithmetic(sc: _Seq, o: int) -> str:
    """The example's sum for output o on a second line (small layers only)."""
    line = arithmetic_line(sc.r, sc.stage_index, (o,))
    return "<br>" + line if line else ""


def build_sequence(r: ConvResult, position, stage: int | None,
                   max_frames: int | None) -> go.Figure:
    """The 1D sliding-window figure (see the module docstring)."""
    (p,) = as_position(position, 1)
    sc = _Seq(r, p, stage)
    traces, dynamic = _traces(sc)
    cropped = _cropped(sc)
    notes = window_notes(cropped, r, sc.stage_index, [("steps", sc.line)])
    layout, below = _layout(sc, notes, max_frames)
    meta = _meta(sc, cropped is not None)
    frames = None
    if max_frames:
        frames, steps = _frames(sc, dynamic, max_frames)
        meta["frames"] = len(frames)
        layout.update(play_controls(below(OUTPUT_AXIS_PX + notes_height(notes)[2] + 4),
                                    "output step ", steps))
    return finish(traces, layout, meta, frames)


def _traces(sc: _Seq) -> tuple[list, list[int]]:
    """The input row (one bar trace per category), the output row, then what moves with
    the position (kernel, taps, tap lines, window, next window, produced cell, future);
    and the indices of those moving traces (the animation frames replace them)."""
    u = sc.u
    hover_ok = sc.n_view <= HOVER_MAX_CELLS
    outline = sc.n_view <= OUTLINE_MAX_CELLS
    traces: list = []
    for cat in (INPUT, PAD, INSERTED):
        sel = sc.cat == cat
        if not sel.any():
            continue
        xs = u[sel].astype(np.float32)
        labels = (np.char.add("x", sc.idx[sel].astype(str)) if cat == INPUT
                  else np.full(int(sel.sum()), "0"))
        name = {INPUT: "input cell", PAD: "zero padding" + (" (causal: left only)"
                                                             if sc.causal else ""),
                INSERTED: CATEGORY_NAMES[INSERTED]}[cat]
        traces.append(_bar(xs, np.full(xs.size, Y_INPUT - CELL_H / 2, np.float32),
                           CATEGORY_COLORS[cat], name, outline=outline,
                           text=labels if sc.text_cells else None,
                           customdata=np.char.add(np.char.add(
                               "input x[", sc.idx[sel].astype(str)), "]")
                           if cat == INPUT and hover_ok else None,
                           hover=("%{customdata}<extra>step %{x}</extra>" if cat == INPUT
                                  and hover_ok else f"0 ({name})<extra>step %{{x}}</extra>")))
    oo = np.arange(sc.out_view[0], sc.out_view[1] + 1)
    ox = np.asarray(sc.x_of(oo), np.float32)
    traces.append(_bar(ox, np.full(ox.size, Y_OUTPUT - CELL_H / 2, np.float32),
                       CATEGORY_COLORS[OUT], "output cell", xaxis="x2", outline=outline,
                       text=np.char.add("y", oo.astype(str)) if sc.out_text else None,
                       customdata=np.char.add(np.char.add("output y[", oo.astype(str)), "]"),
                       hover="%{customdata}<extra>output</extra>"))
    traces.append(click_markers(ox, np.full(ox.size, Y_OUTPUT, np.float32),
                                oo[:, None].tolist(), "x2", "y"))
    static = len(traces)
    dyn = sc.dynamic(sc.o)
    kernel, taps, lines, box, nxt, produced = dyn[:6]
    traces.append(_bar(kernel["x"], kernel["base"],
                       CATEGORY_COLORS[TAP], "kernel weight", text=kernel["text"],
                       customdata=kernel["customdata"], textcolor="#000000",
                       hover="weight %{customdata}<extra>kernel</extra>"))
    traces.append(_bar(taps["x"], taps["base"],
                       taps["marker"]["color"], "kernel tap × input", text=taps["text"],
                       customdata=taps["customdata"], line_color=BLACK,
                       hover="tap on %{customdata}<extra>window</extra>"))
    traces.append(trace("scatter", x=lines["x"], y=lines["y"], mode="lines", xaxis="x", yaxis="y",
                        line=dict(color="#8a5a00", width=1.2), hoverinfo="skip",
                        name="tap → output (Σ w·x + bias)"))
    traces.append(trace("scatter", x=box["x"], y=box["y"], mode="lines", xaxis="x", yaxis="y",
                        line=dict(color=BLACK, width=2.2), hoverinfo="skip",
                        name="window (kernel footprint)"))
    at = [x for x, t in zip(nxt["x"], nxt["text"]) if t and x is not None]
    right_half = bool(at) and float(at[0]) > (sc.view[0] + sc.view[1]) / 2 - 2
    traces.append(trace("scatter", x=nxt["x"], y=nxt["y"], text=nxt["text"], mode="lines+text",
                        textposition="top left" if right_half else "top right",
                        textfont=dict(size=12, color="#333333"),
                        xaxis="x", yaxis="y", line=dict(color=BLACK, width=1.3, dash="dash"),
                        hoverinfo="skip", name="next window (one stride on)"))
    traces.append(_bar(produced["x"], produced["base"],
                       CATEGORY_COLORS[PRODUCED], "cell this window produces", xaxis="x2",
                       text=produced["text"], customdata=produced["customdata"],
                       line_color=BLACK, textcolor="#ffffff",
                       hover="%{customdata} = Σ taps + bias<extra>this window</extra>"))
    if sc.causal:
        fut = dyn[6]
        traces.append(trace("scatter", x=fut["x"], y=fut["y"], text=fut["text"], mode="lines+text",
                            fill="toself", fillcolor=FUTURE_FILL, xaxis="x", yaxis="y",
                            line=dict(color=VERMILLION, width=1.2, dash="dot"),
                            textposition="top right",
                            textfont=dict(size=12, color="#8c3b00"), hoverinfo="skip",
                            name="future steps (causal: not seen)"))
    return traces, list(range(static, len(traces)))


def _cropped(sc: _Seq) -> str | None:
    """What a cropped view shows (None when the whole sequence and output are drawn)."""
    ln = sc.line
    if sc.view == (ln.lo, ln.hi) and sc.out_view == (0, ln.n_out - 1):
        return None
    msg = (f"Cropped view: {'zero-inserted ' if sc.transposed else ''}input steps "
           f"{sc.view[0]}…{sc.view[1]} of {ln.lo}…{ln.hi}; output steps {sc.out_view[0]}…"
           f"{sc.out_view[1]} of 0…{ln.n_out - 1}")
    if not sc.fits:
        msg += f"; the window ({ln.e} steps) is larger than the view"
    return msg


TOP_PX, LEGEND_PX, NOTE_PX, PLOT_PX = 118, 46, 24, 300
#: Under the plot: the output axis's ticks and its two-line title (measured: up to 97 px).
OUTPUT_AXIS_PX = 112
#: The plot's width on the narrowest figure (the explorer slot at 1024x768 less margins).
NARROW_PLOT_PX = narrow_plot_px(86)  # 200: the channel axis's title and ticks are left


def _layout(sc: _Seq, notes: list[tuple[str, str]], max_frames: int | None):
    """(layout, below): input steps on the top axis, output steps (drawn under their
    newest input or their window's centre) on the bottom one; ``below(px)`` is the paper y
    ``px`` pixels under the plot area."""
    controls_px = 86 if max_frames else 0
    note_texts, note_y, notes_px = notes_height(notes)
    bottom_px = OUTPUT_AXIS_PX + notes_px + controls_px + FOOT_LEGEND_PX
    top_px = TOP_PX + (18 if has_arithmetic(sc.r, sc.stage_index) else 0)  # the example's sum
    height = top_px + PLOT_PX + bottom_px

    def below(px: float) -> float:
        return -px / PLOT_PX

    v0, v1 = sc.view
    n_in = v1 - v0 + 1
    # tick labels ("−2", "128") need ~7 px a character and a gap on the narrowest plot
    label_px = 7 * (len(str(v1)) + 1) + 8
    dtick = next(t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
                 if t * NARROW_PLOT_PX / n_in >= label_px or t >= n_in)
    # Output axis ticks at the drawn output cells (~16 labels across the whole axis).
    oo = np.arange(sc.out_view[0], sc.out_view[1] + 1)
    ox = np.asarray(sc.x_of(oo), np.float32)
    room = max(2, int(16 * (float(ox.max() - ox.min()) + 1) / sc.n_view))
    tick_o = oo[::max(1, -(-oo.size // room))]
    in_unit = "zero-inserted input" if sc.transposed else "input"
    layout = dict(
        barmode="overlay",
        xaxis=dict(title=dict(text=f"{in_unit} step (time index t)", standoff=4),
                   range=[v0 - 0.7, v1 + 0.7], side="top", anchor="y", dtick=dtick, tick0=0,
                   # the margins above and below are sized for these titles: automargin
                   # would shrink the plot and move everything placed under it
                   automargin=False,
                   showgrid=False, zeroline=False, ticks="outside", ticklen=3,
                   tickfont=dict(size=12)),
        xaxis2=dict(title=dict(text="output step" + ("<br>(drawn under its newest input)"
                                                    if sc.causal else
                                                    "<br>(drawn under its window's centre)"),
                               standoff=4),
                    overlaying="x", matches="x", side="bottom", anchor="y", automargin=False,
                    tickmode="array", tickvals=np.asarray(sc.x_of(tick_o), np.float32),
                    ticktext=[str(v) for v in tick_o.tolist()], showgrid=False,
                    zeroline=False, ticks="outside", ticklen=3, tickfont=dict(size=12)),
        yaxis=dict(title=dict(text="sequence (one channel)", standoff=2),
                   range=[Y_OUTPUT - 0.75, Y_KERNEL + 0.75], fixedrange=True,
                   tickmode="array", tickvals=[Y_OUTPUT, Y_INPUT, Y_KERNEL],
                   ticktext=["<b>output</b> y", "<b>input</b> x", "<b>kernel</b> w"],
                   showgrid=False, zeroline=False),
        height=height,
        plot_bgcolor="white",
        bargap=0,
        showlegend=True,
        # at the figure's foot: on a phone it is one entry a row, ~6 rows
        legend=dict(orientation="h", x=0.0, yref="container", y=0.0, yanchor="bottom",
                    font=dict(size=12),
                    itemclick=False, itemdoubleclick=False),
        margin=dict(l=10, r=10, t=top_px, b=bottom_px),
    )
    # notes under the output axis title, each wrapped to fit
    layout["annotations"] = [note_annotation(text, name, y=below(OUTPUT_AXIS_PX + y),
                                             yanchor="top")
                             for (_, name), text, y in zip(notes, note_texts, note_y)]
    ln = sc.line
    head = (f"Sliding window (1D) — {kind_label(sc.r.kind, 1)}: kernel {ln.k}"
            + (f", dilation {ln.d}" if ln.d > 1 else "")
            + f", stride {sc.stage.stride[0]}" + (", causal padding" if sc.causal else ""))
    layout["title"] = title(head, _subtitle(sc, sc.o))
    # the top axis (ticks and title, ~50 px) sits under the wrapped title and subtitle
    layout["margin"]["t"] = max(top_px, title_height(layout["title"]) + 50)
    return layout, below


def _meta(sc: _Seq, truncated: bool) -> dict:
    ln, o = sc.line, sc.o
    v0, v1 = sc.view
    j, t = sc.taps_in_view(o)
    return dict(
        figure="sliding_window", kind=sc.r.kind, rank=1, stage=sc.stage_index, position=[o],
        window_start=[int(ln.start(o))], extent=[ln.e], kernel=[ln.k], taps=int(ln.k),
        taps_drawn=int(t.size), grid=[int(ln.lo), int(ln.hi)],
        input_view=[int(v0), int(v1)], output_view=[int(sc.out_view[0]), int(sc.out_view[1])],
        output_size=[int(ln.n_out)], transposed=sc.transposed, causal=sc.causal,
        padding=[int(ln.lead), int(ln.trail)],
        padding_drawn=[int((sc.u < 0).sum()), int((sc.u > ln.span - 1).sum())],
        output_x=float(sc.x_of(o)), newest_input=int(t.max()) if t.size else None,
        truncated=bool(truncated), frames=0)


def _frames(sc: _Seq, dynamic: list[int], max_frames: int) -> tuple[list, list]:
    budget = max(1, FRAME_CELL_BUDGET // max(sc.line.k, 1))
    order = frame_order([i for i in range(sc.out_view[0], sc.out_view[1] + 1)
                         if sc.window_in_view(i)], sc.o, max_frames, budget)
    frames, steps = [], []
    for o in order:
        data = []
        for i, d in enumerate(sc.dynamic(o)):
            kind = "bar" if i in (0, 1, 5) else "scatter"
            d = {k: v for k, v in d.items() if v is not None}
            if i == 1:
                d = dict(d, marker=dict(color=d["marker"]["color"]))
            data.append(dict(type=kind, **d))
        name = f"{o}"
        frames.append(dict(name=name, traces=dynamic, data=data,
                           layout=dict(title=dict(subtitle=dict(text=_subtitle(sc, o))))))
        steps.append(frame_step(name))
    return frames, steps
