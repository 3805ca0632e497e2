"""The sliding window in 2D: padded input | output, for one output position.

Left: one input channel as a grid of cells, zero padding in grey. The kernel's taps for
the chosen output position are orange (light orange where a tap lands on a zero); with
dilation the window's skipped cells stay visible inside the outline. The dashed outline is
the next window, one stride along. Right: the output grid with the produced cell.

A transposed conv is drawn as its stride-1 equivalent: ``s - 1`` zeros inserted between
input cells and ``d·(k-1) - crop`` zeros around them, then an ordinary stride-1 window
(with the kernel flipped) produces each output cell. The real input cells are labelled
``x[r, c]``, so input and output cannot be mixed up.

Every size comes from the stage's :class:`lib.conv.Axis` (size_in, size_out, kernel,
stride, dilation, before, after). Large inputs are shown as a window around the position
(at most ~40 input and 24 output cells a side) with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from lib.conv import ConvResult, kind_label
from lib.text import fmt_axes, fmt_shape, plural

from ._common import (BLACK, as_position, click_markers, finish, narrow_plot_px,
                      note_annotation, title, title_height, trace, wrap)
from .sequence import build_sequence
from .window import (CATEGORY_COLORS, CATEGORY_NAMES, COLORSCALE, GAP, INPUT, INSERTED,
                     FOOT_LEGEND_PX, N_CATEGORIES, OUT, PAD, PRODUCED, TAP, TAP_ZERO,
                     WindowAxis, arithmetic_line, clamp, frame_order, frame_step,
                     has_arithmetic, notes_height, play_controls, views, window_notes,
                     window_stage)

MAX_IN_VIEW = 40
HARD_MAX_IN_VIEW = 96
MAX_OUT_VIEW = 24
MAX_DEPTH_VIEW = 40  # 3D: depth slices listed in the depth strip
#: Where the next window's label sits at each point of its trace: the outline (5 points),
#: then a left anchor (text to its right) and a right anchor (text to its left), see
#: _Scene.next_outline.
NEXT_TEXT_POSITION = ["top right"] * 7 + ["top left"] * 2
TEXT_MAX_CELLS = 6  # per-cell labels only when a view is at most this many cells wide
#: ... and only when the longest label fits its cell on the narrowest figure (the explorer's
#: slot at 1024x768 less the margins): a wider label runs into the next cell's label.
NARROW_FIGURE_PX = narrow_plot_px()  # 286: the panels' domains share all of it
LABEL_CHAR_PX = 6.8  # 12 px text, measured in Chromium: "w0,0" is 27 px wide
NEXT_LABEL_PX = 18  # room above the input grid for "next: 1 col →" on the first row
#: Left edge of the input grid (3D: the depth strip is in front), where the output grid
#: starts, and the gap before it that holds the output grid's row ticks and title.
PANEL_GAP = 0.18
# (a ~130 px panel on a phone: more cells and "x0,1" no longer fits in one)
HOVER_MAX_CELLS = 48
FRAME_CELL_BUDGET = 40_000  # window cells summed over all animation frames


class _Scene:
    """Everything about one stage's window that does not depend on the position.

    2D draws the H×W plane. 3D draws the H×W slice at one depth: the first depth slice
    the window covers that holds real input (``depth_shown``); the depth strip next to it
    shows every depth slice the kernel covers.
    """

    def __init__(self, r: ConvResult, position: tuple[int, ...], stage: int | None):
        self.r = r
        self.stage_index = window_stage(r, stage)
        self.stage = st = r.stages[self.stage_index]
        self.transposed = st.op == "transposed"
        self.rank = len(st.axes)
        self.rows = WindowAxis.of(st.axes[-2], self.transposed)
        self.cols = WindowAxis.of(st.axes[-1], self.transposed)
        self.o = (clamp(int(position[-2]), 0, self.rows.n_out - 1),
                  clamp(int(position[-1]), 0, self.cols.n_out - 1))
        self.out_rows, self.in_rows, fit_r = views(self.rows, self.o[0], MAX_IN_VIEW,
                                                   HARD_MAX_IN_VIEW, MAX_OUT_VIEW)
        self.out_cols, self.in_cols, fit_c = views(self.cols, self.o[1], MAX_IN_VIEW,
                                                   HARD_MAX_IN_VIEW, MAX_OUT_VIEW)
        self.fits = fit_r and fit_c
        ur = np.arange(self.in_rows[0], self.in_rows[1] + 1)
        uc = np.arange(self.in_cols[0], self.in_cols[1] + 1)
        cat_r, self.idx_r = self.rows.kind(ur)
        cat_c, self.idx_c = self.cols.kind(uc)
        # 2D category: padding if either axis is padding, input if both are real cells
        cat = np.maximum(cat_r[:, None], cat_c[None, :])
        cat = np.where((cat_r[:, None] == PAD) | (cat_c[None, :] == PAD), PAD, cat)
        #: small layers: every frame's subtitle carries the example's sum
        self.arithmetic = has_arithmetic(r, self.stage_index)
        self.depth: WindowAxis | None = None
        if self.rank == 3:
            self.depth = dl = WindowAxis.of(st.axes[0], self.transposed)
            self.od = clamp(int(position[0]), 0, dl.n_out - 1)
            self.out_depth, self.in_depth, fit_d = views(dl, self.od, MAX_DEPTH_VIEW,
                                                         MAX_DEPTH_VIEW, MAX_DEPTH_VIEW)
            self.fits = self.fits and fit_d
            ud = np.arange(self.in_depth[0], self.in_depth[1] + 1)
            self.depth_cat, self.idx_d = dl.kind(ud)
            self.depth_taps = dl.taps(self.od)
            tap_cat, _ = dl.kind(self.depth_taps)
            real = self.depth_taps[tap_cat == INPUT]
            self.depth_shown = int(real[0] if real.size else self.depth_taps[0])
            shown_cat = int(dl.kind(np.array([self.depth_shown]))[0][0])
            if shown_cat != INPUT:  # the whole slice is zeros (padding / inserted)
                cat = np.where(cat == PAD, PAD, shown_cat)
        self.bg = cat.astype(np.uint8)
        self.left0 = 0.14 if self.rank == 3 else 0.0
        self.split = 0.6 if not self.transposed else 0.56
        longest = max(len(f"x{self.idx_r.max()},{self.idx_c.max()}"),
                      len(f"w{self.rows.k - 1},{self.cols.k - 1}"))
        self.text_cells = (max(self.bg.shape) <= TEXT_MAX_CELLS
                           and self.fits_labels(longest, self.bg.shape[1], output=False))
        self.hover_cells = max(self.bg.shape) <= HOVER_MAX_CELLS

    def cell_px(self, cells: int, output: bool = False) -> float:
        """The width of one cell of a grid ``cells`` wide (the input grid, or the output
        grid) on the narrowest figure, at most (a grid can be drawn narrower than its
        panel to keep cells square)."""
        share = 1.0 - self.split if output else self.split - PANEL_GAP - self.left0
        return share * NARROW_FIGURE_PX / max(cells, 1)

    def fits_labels(self, chars: int, cells: int, output: bool) -> bool:
        """Labels of ``chars`` characters fit the cells of a grid ``cells`` wide."""
        return chars * LABEL_CHAR_PX + 2 <= self.cell_px(cells, output)

    @property
    def depth_index(self) -> int:
        """3D: input depth index of the slice drawn (its grid coordinate with zeros inserted)."""
        return int(self.depth.kind(np.array([self.depth_shown]))[1][0])

    def full_position(self, o: tuple[int, int]) -> tuple[int, ...]:
        return (self.od, *o) if self.rank == 3 else o

    def name_of(self, o: tuple[int, int]) -> str:
        return "(" + ", ".join(str(v) for v in self.full_position(o)) + ")"

    def window_in_view(self, o: tuple[int, int]) -> bool:
        r0, c0 = self.rows.start(o[0]), self.cols.start(o[1])
        return (self.in_rows[0] <= r0 and r0 + self.rows.e - 1 <= self.in_rows[1]
                and self.in_cols[0] <= c0 and c0 + self.cols.e - 1 <= self.in_cols[1])

    # -- per position -------------------------------------------------------------------
    def overlay(self, o: tuple[int, int]) -> dict:
        """The taps of output o inside the view: a heatmap patch (GAP = see-through)."""
        tr = self.rows.taps(o[0])
        tc = self.cols.taps(o[1])
        r0, c0 = self.rows.start(o[0]), self.cols.start(o[1])
        r_lo, r_hi = max(r0, self.in_rows[0]), min(r0 + self.rows.e - 1, self.in_rows[1])
        c_lo, c_hi = max(c0, self.in_cols[0]), min(c0 + self.cols.e - 1, self.in_cols[1])
        z = np.full((r_hi - r_lo + 1, c_hi - c_lo + 1), GAP, dtype=np.uint8)
        tr_in = tr[(tr >= r_lo) & (tr <= r_hi)]
        tc_in = tc[(tc >= c_lo) & (tc <= c_hi)]
        sub = self.bg[np.ix_(tr_in - self.in_rows[0], tc_in - self.in_cols[0])]
        z[np.ix_(tr_in - r_lo, tc_in - c_lo)] = np.where(sub == INPUT, TAP, TAP_ZERO)
        text = None
        if self.text_cells:
            k_r, k_c = self.rows.k, self.cols.k
            labels = np.full(z.shape, "", dtype="<U12")
            for i, u in enumerate(tr):
                if r_lo <= u <= r_hi:
                    wi = k_r - 1 - i if self.transposed else i
                    for j, v in enumerate(tc):
                        if c_lo <= v <= c_hi:
                            wj = k_c - 1 - j if self.transposed else j
                            labels[u - r_lo, v - c_lo] = f"w{wi},{wj}"
            text = labels
        return dict(z=z, x0=c_lo, y0=r_lo, text=text, taps=(tr, tc), start=(r0, c0))

    def outline(self, o: tuple[int, int]) -> tuple[list, list]:
        r0, c0 = self.rows.start(o[0]), self.cols.start(o[1])
        r1, c1 = r0 + self.rows.e - 1, c0 + self.cols.e - 1
        return ([c0 - 0.5, c1 + 0.5, c1 + 0.5, c0 - 0.5, c0 - 0.5],
                [r0 - 0.5, r0 - 0.5, r1 + 0.5, r1 + 0.5, r0 - 0.5])

    def next_label(self) -> str:
        """The next window's label ("next: 1 col →"), or "" when there is no next window
        or the input grid is narrower than the label on the narrowest figure."""
        if self.cols.n_out < 2:
            return ""
        s = self.cols.step
        label = f"next: {s} col{'s' if s != 1 else ''} →"
        span = len(label) * LABEL_CHAR_PX / max(self.cell_px(self.bg.shape[1]), 1e-6)
        return label if span <= self.in_cols[1] - self.in_cols[0] + 1 else ""

    def next_outline(self, o: tuple[int, int]) -> tuple[list, list, list]:
        """The next window's outline and its label, short ("next: 1 col →") and on the
        side that keeps it over the input: from the top-left corner rightwards in the left
        half of the view, from the top-right corner leftwards in the right half
        (:data:`NEXT_TEXT_POSITION` anchors the two corners)."""
        if o[1] + 1 < self.cols.n_out:
            x, y = self.outline((o[0], o[1] + 1))
            label = self.next_label()
            lo, hi = self.in_cols[0] - 0.5, self.in_cols[1] + 0.5
            right_half = x[0] + x[1] > lo + hi
            # two label anchors at the window's top-left corner (kept inside the drawn input):
            # the label runs right from it in the left half, and ends at it (its arrow
            # pointing at the window) in the right half
            # cells the label covers on the narrowest figure: it never starts left of the grid
            span = len(label) * LABEL_CHAR_PX / max(self.cell_px(self.bg.shape[1]), 1e-6)
            x = x + [None, min(max(x[0], lo), hi), None, min(max(x[0], lo + span), hi)]
            y = y + [None, y[0], None, y[0]]
            text = [""] * 6 + ["", "", label] if right_half else [""] * 6 + [label, "", ""]
            return x, y, text
        return [None], [None], [""]


def _heatmap(z, x0, y0, xaxis, yaxis, name, text=None, hovertemplate=None, show_text=False,
             opacity=1.0):
    kw = dict(z=z, x0=x0, dx=1, y0=y0, dy=1, xaxis=xaxis, yaxis=yaxis, name=name,
              coloraxis="coloraxis", xgap=1, ygap=1, opacity=opacity)
    if text is not None:
        kw["text"] = text
        if show_text:
            kw["texttemplate"] = "%{text}"
            kw["textfont"] = dict(size=12, color="#222222")
    kw["hovertemplate"] = hovertemplate or "row %{y}, col %{x}<extra></extra>"
    return trace("heatmap", **kw)


def _pairs(prefix: str, rows: np.ndarray, cols: np.ndarray, suffix: str) -> np.ndarray:
    """prefix + "r, c" + suffix for every (row, col), as a numpy string grid (fast to send)."""
    grid = np.char.add(np.char.add(rows.astype(str)[:, None], ", "), cols.astype(str)[None, :])
    return np.char.add(np.char.add(prefix, grid), suffix)


def _bg_labels(sc: _Scene) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(short cell labels shown in small views, hover text) for the input grid."""
    if not sc.hover_cells:
        return None, None
    real = sc.bg == INPUT
    zero = np.where(sc.bg == INSERTED, "0 (inserted)", "0 (padding)")
    lead = f"{sc.depth_index}, " if sc.rank == 3 else ""
    hover = np.where(real, _pairs(f"input x[{lead}", sc.idx_r, sc.idx_c, "]"), zero)
    if not sc.text_cells:
        return None, hover
    short = np.where(real, np.char.replace(_pairs("x", sc.idx_r, sc.idx_c, ""), " ", ""), "0")
    return short, hover


def _bg_text_under(shown: np.ndarray, sc: _Scene, ov: dict) -> np.ndarray:
    """The input cells' labels with the window's tap cells blank: there the tap's weight
    label ("w0,0") is drawn instead, and two labels in one cell overlap."""
    text = shown.copy()
    rows, cols = (t[(t >= lo) & (t <= hi)] - lo
                  for t, (lo, hi) in zip(ov["taps"], (sc.in_rows, sc.in_cols)))
    text[np.ix_(rows, cols)] = ""
    return text


def _legend_item(name: str, color: str, symbol: str = "square", dash: str | None = None):
    if dash:
        return trace("scatter", x=[None], y=[None], mode="lines", name=name,
                     line=dict(color=color, width=2, dash=dash), hoverinfo="skip")
    return trace("scatter", x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                 marker=dict(symbol=symbol, size=13, color=color,
                             line=dict(width=1, color="#666666")))


def _depth_text(sc: _Scene) -> str:
    """3D: which depth slices the window covers, and which one is drawn."""
    dl = sc.depth
    taps = [int(t) for t in sc.depth_taps]
    cats = dl.kind(np.asarray(taps))[0]
    real = [t for t, c in zip(taps, cats) if c == INPUT]
    listed = ", ".join(map(str, taps[:6])) + (", …" if len(taps) > 6 else "")
    zeros = len(taps) - len(real)
    return (f"In depth it covers {plural(len(taps), 'slice')} ({listed}"
            + (f"; {zeros} of them zero" if zeros else "") + f"): the same {sc.rows.k}×"
            f"{sc.cols.k} window (with that slice's own weights) is applied in each and all "
            f"are summed. Drawn: {_slice_name(sc)}.")


def _slice_name(sc: _Scene) -> str:
    """3D: the drawn depth slice, as an input index (and its zero-inserted coordinate)."""
    if sc.transposed and sc.depth_index >= 0:
        return f"input depth slice {sc.depth_index} (at {sc.depth_shown} zero-inserted)"
    return f"depth slice {sc.depth_shown}"


def _axis_text(sc: _Scene, o: tuple[int, int]) -> str:
    rl, cl = sc.rows, sc.cols
    r0, c0 = rl.start(o[0]), cl.start(o[1])
    name = sc.name_of(o)
    if sc.transposed:
        if sc.rank == 3:
            return (f"Output {name} is a stride-1 window over the zero-inserted input starting "
                    f"at ({sc.depth.start(sc.od)}, {r0}, {c0}); the kernel is flipped.<br>"
                    + _depth_text(sc))
        return (f"Output {name} is a stride-1 window over the zero-inserted input "
                f"starting at ({r0}, {c0}); the kernel is flipped.")
    a = sc.stage.axes[-2:]
    depth = ""
    if sc.rank == 3:
        ad = sc.stage.axes[0]
        depth = f"depth {sc.od}·{ad.stride} − {ad.before} = {sc.depth.start(sc.od)}, "
    text = (f"Output {name}: window starts at {depth}row {o[0]}·{a[0].stride} − "
            f"{a[0].before} = {r0}, col {o[1]}·{a[1].stride} − {a[1].before} = {c0}, and "
            f"covers {rl.e}×{cl.e} cells" + (
                f", taps {rl.d if rl.d == cl.d else (rl.d, cl.d)} apart (dilation)"
                if rl.d > 1 or cl.d > 1 else "") + ".")
    return text + ("<br>" + _depth_text(sc) if sc.rank == 3 else "")


def _subtitle(sc: _Scene, o: tuple[int, int]) -> str:
    """Where the window is, and (small layers) the example's sum for the cell it makes."""
    text = _axis_text(sc, o)
    if sc.arithmetic:
        text += "<br>" + (arithmetic_line(sc.r, sc.stage_index, sc.full_position(o)) or "")
    return text


def _panel_titles(sc: _Scene) -> tuple[str, str]:
    r = sc.r
    c = r.spec.c
    st = sc.stage
    hw = st.out_shape[-3:-1]
    at = f"<br>{_slice_name(sc)} of {sc.stage.in_shape[0]}" if sc.rank == 3 else ""
    out_at = f"<br>output depth slice {sc.od} of {sc.depth.n_out}" if sc.rank == 3 else ""
    if sc.transposed:
        s = st.stride[-2:]
        left = (f"INPUT channel 0, zero-inserted: {s[1] - 1 if s[0] == s[1] else s} zero(s) "
                f"between cells (stride-1 equivalent){at}")
        right = f"OUTPUT channel 0 ({hw[0]}×{hw[1]}, larger than input){out_at}"
        return left, right
    if r.kind == "shared_channels":
        left = f"the summed channel (Σ of all {c} input channels)"
    elif sc.stage_index > 0:
        left = f"channel 0 of the {r.stages[sc.stage_index - 1].name} output"
    else:
        left = "input channel 0" + (" (padded)" if any(a.before or a.after for a in st.axes)
                                    else "")
    right = f"output channel 0 ({hw[0]}×{hw[1]}){out_at}"
    return left + at, right


def _depth_strip(sc: _Scene) -> list:
    """3D: one column of depth slices (padding grey), the kernel's depth taps orange."""
    dl = sc.depth
    z = sc.depth_cat.astype(np.uint8).copy()
    taps = sc.depth_taps
    inside = (taps >= sc.in_depth[0]) & (taps <= sc.in_depth[1])
    t_in = taps[inside] - sc.in_depth[0]
    z[t_in] = np.where(sc.depth_cat[t_in] == INPUT, TAP, TAP_ZERO)
    ud = np.arange(sc.in_depth[0], sc.in_depth[1] + 1)
    labels = np.where(sc.depth_cat == INPUT, np.char.add("input depth slice ",
                                                         sc.idx_d.astype(str)),
                      np.where(sc.depth_cat == INSERTED, "inserted zero slice",
                               "zero-padding slice"))
    labels = np.where(np.isin(ud, taps), np.char.add(labels, " · covered by the kernel"),
                      labels)
    strip = _heatmap(z[:, None], 0, sc.in_depth[0], "x3", "y3", "depth slices",
                     text=labels[:, None],
                     hovertemplate="%{text}<extra>depth %{y}</extra>")
    d0 = dl.start(sc.od)
    y0, y1 = d0 - 0.5, d0 + dl.e - 0.5
    shown = sc.depth_shown
    outline = trace(
        "scatter", x=[-0.5, 0.5, 0.5, -0.5, -0.5, None, -0.62, 0.62, 0.62, -0.62, -0.62],
        y=[y0, y0, y1, y1, y0, None, shown - 0.5, shown - 0.5, shown + 0.5, shown + 0.5,
           shown - 0.5],
        mode="lines", xaxis="x3", yaxis="y3", line=dict(color=BLACK, width=2),
        name="depth extent of the window (▸ = slice drawn)", hoverinfo="skip",
        showlegend=False)
    marker = trace("scatter", x=[0.62], y=[shown], mode="markers", xaxis="x3", yaxis="y3",
                   marker=dict(symbol="triangle-right", size=12, color=BLACK),
                   hovertemplate=f"the H×W slice drawn: depth {shown}<extra></extra>",
                   showlegend=False, name="slice drawn")
    return [strip, outline, marker]


def _build(r: ConvResult, position, stage: int | None,
           max_frames: int | None) -> go.Figure:
    if r.rank == 1:
        return build_sequence(r, position, stage, max_frames)
    sc = _Scene(r, as_position(position, r.rank), stage)
    ov = sc.overlay(sc.o)
    traces, dynamic = _traces(sc, ov)
    cropped = _cropped(sc)
    lines = ([("depth slices", sc.depth)] if sc.rank == 3 else []) + [
        ("rows", sc.rows), ("cols", sc.cols)]
    notes = window_notes(cropped, r, sc.stage_index, lines)
    layout, below = _layout(sc, notes, max_frames)
    meta = _meta(sc, ov, cropped is not None)
    frames = None
    if max_frames:
        frames, steps = _frames(sc, dynamic, max_frames)
        meta["frames"] = len(frames)
        layout.update(play_controls(below(notes_height(notes)[2] + 4),
                                    "output position ", steps))
    return finish(traces, layout, meta, frames)


def _traces(sc: _Scene, ov: dict) -> tuple[list, list[int]]:
    """Input grid, output grid, the window at ``sc.o`` (taps, outline, next outline, the
    produced cell), the depth strip in 3D and one legend entry per category drawn; and
    which traces move with the position (the animation frames replace those)."""
    o = sc.o
    shown, hover = _bg_labels(sc)
    if shown is not None:
        shown = _bg_text_under(shown, sc, ov)
    bg = _heatmap(sc.bg, sc.in_cols[0], sc.in_rows[0], "x", "y", "input", text=shown,
                  show_text=shown is not None,
                  hovertemplate=("%{customdata}<extra>row %{y}, col %{x}</extra>"
                                 if hover is not None else None))
    if hover is not None:
        bg["customdata"] = hover
    traces = [bg]
    out_r0, out_c0 = sc.out_rows[0], sc.out_cols[0]
    out_shape = (sc.out_rows[1] - out_r0 + 1, sc.out_cols[1] - out_c0 + 1)
    out_text = None
    lead = f"{sc.od}, " if sc.rank == 3 else ""
    if max(out_shape) <= HOVER_MAX_CELLS:
        out_text = _pairs(f"y[{lead}", np.arange(out_r0, sc.out_rows[1] + 1),
                          np.arange(out_c0, sc.out_cols[1] + 1), "]")
    traces.append(_heatmap(np.full(out_shape, OUT, np.uint8), out_c0, out_r0, "x2", "y2",
                           "output", text=out_text,
                           hovertemplate=("%{text}<extra>output</extra>" if out_text is not None
                                          else None)))
    tap_hover = ("%{text} × the cell under it<extra>kernel tap</extra>" if sc.text_cells
                 else "kernel tap at row %{y}, col %{x}<extra></extra>")
    traces.append(_heatmap(ov["z"], ov["x0"], ov["y0"], "x", "y", "kernel taps", text=ov["text"],
                           hovertemplate=tap_hover, show_text=sc.text_cells))
    ox, oy = sc.outline(o)
    traces.append(trace("scatter", x=ox, y=oy, mode="lines", xaxis="x", yaxis="y",
                        line=dict(color=BLACK, width=2.5), name="window (kernel footprint)",
                        hoverinfo="skip"))
    nx, ny, nt = sc.next_outline(o)
    traces.append(trace("scatter", x=nx, y=ny, mode="lines+text", text=nt,
                        textposition=NEXT_TEXT_POSITION,
                        textfont=dict(size=12, color="#333333"), xaxis="x", yaxis="y",
                        line=dict(color=BLACK, width=1.5, dash="dash"),
                        name="next window (one stride on)", hoverinfo="skip"))
    produced_text = [[f"y[{lead}{o[0]}, {o[1]}]"]]
    traces.append(_heatmap(np.array([[PRODUCED]], np.uint8), o[1], o[0], "x2", "y2",
                           "produced cell", text=produced_text,
                           hovertemplate="%{text} = Σ taps + bias<extra>this window</extra>",
                           show_text=max(out_shape) <= TEXT_MAX_CELLS and sc.fits_labels(
                               len(produced_text[0][0]), out_shape[1], output=True)))
    # traces that move with the position (animation frames); the input's labels too when
    # it has them (blank under the window)
    dynamic = ([0] if shown is not None else []) + [2, 3, 4, 5]

    present = set(np.unique(sc.bg).tolist()) | {TAP, OUT, PRODUCED}
    if (sc.bg != INPUT).any():
        present.add(TAP_ZERO)
    if sc.rank == 3:
        traces.extend(_depth_strip(sc))
        present |= set(np.unique(sc.depth_cat).tolist())
        if (sc.depth_cat != INPUT).any():
            present.add(TAP_ZERO)
    for cat in range(N_CATEGORIES):
        if cat in present and cat != GAP:
            traces.append(_legend_item(CATEGORY_NAMES[cat], CATEGORY_COLORS[cat]))
    rows = np.arange(out_r0, sc.out_rows[1] + 1)
    cols = np.arange(out_c0, sc.out_cols[1] + 1)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    cells = np.stack([rr.ravel(), cc.ravel()], axis=1)
    if sc.rank == 3:
        cells = np.column_stack([np.full(len(cells), sc.od), cells])
    traces.append(click_markers(cc.ravel(), rr.ravel(), cells.tolist(), "x2", "y2"))
    return traces, dynamic


def _cropped(sc: _Scene) -> str | None:
    """What a cropped view shows (None when the whole input and output are drawn)."""
    depth_cropped = sc.rank == 3 and sc.in_depth != (sc.depth.lo, sc.depth.hi)
    if (sc.in_rows == (sc.rows.lo, sc.rows.hi) and sc.in_cols == (sc.cols.lo, sc.cols.hi)
            and sc.out_rows == (0, sc.rows.n_out - 1) and sc.out_cols == (0, sc.cols.n_out - 1)
            and not depth_cropped):
        return None
    full_in = (sc.rows.hi - sc.rows.lo + 1, sc.cols.hi - sc.cols.lo + 1)
    msg = (f"Cropped view: {'zero-inserted ' if sc.transposed else ''}input rows "
           f"{sc.in_rows[0]}…{sc.in_rows[1]}, cols {sc.in_cols[0]}…{sc.in_cols[1]} of "
           f"{full_in[0]}×{full_in[1]}; output rows {sc.out_rows[0]}…{sc.out_rows[1]}, "
           f"cols {sc.out_cols[0]}…{sc.out_cols[1]} of {sc.rows.n_out}×{sc.cols.n_out}")
    if depth_cropped:
        msg += (f"; depth slices {sc.in_depth[0]}…{sc.in_depth[1]} of "
                f"{sc.depth.lo}…{sc.depth.hi}")
    if not sc.fits:
        ext = (f"{sc.depth.e}×" if sc.rank == 3 else "") + f"{sc.rows.e}×{sc.cols.e}"
        msg += f"; the window ({ext}) is larger than the view"
    return msg


TOP_PX, LEGEND_PX, NOTE_PX = 128, 50, 24
#: Panel-title characters per line (left grid, right grid) on a ~300 px figure.
PANEL_CHARS = (22, 15)


ARITHMETIC_PX = 18  # one more subtitle line: the example's sum



def _layout(sc: _Scene, notes: list[tuple[str, str]], max_frames: int | None):
    """(layout, below): the two grids side by side (a depth strip in front in 3D), the
    legend and the notes under them; ``below(px)`` is the paper y ``px`` pixels under the
    plot area (where the animation controls go)."""
    # the left title wraps to its panel (narrower in 3D: the depth strip is in front)
    chars = (min(PANEL_CHARS[0], int((sc.split - sc.left0) * NARROW_FIGURE_PX * 0.9 / 7.5)),
             PANEL_CHARS[1])
    left_title, right_title = (wrap(t, n) for t, n in zip(_panel_titles(sc), chars))
    panel_lines = max(t.count("<br>") + 1 for t in (left_title, right_title))
    head = title(f"Sliding window{' (3D)' if sc.rank == 3 else ''} — "
                 f"{kind_label(sc.r.kind, sc.rank)}: kernel {fmt_shape(sc.stage.kernel)}, "
                 f"stride {fmt_axes(sc.stage.stride)}", _subtitle(sc, sc.o))
    # title and subtitle, the panel titles, then the top axes' titles and ticks (44 px)
    top_px = title_height(head) + 16 * panel_lines + 4 + 44
    top_px += ARITHMETIC_PX if sc.arithmetic else 0
    controls_px = 86 if max_frames else 0
    note_texts, note_y, notes_px = notes_height(notes)
    bottom_px = notes_px + controls_px + FOOT_LEGEND_PX
    height = 470 + top_px + bottom_px
    plot_px = height - top_px - bottom_px

    def below(px: float) -> float:  # paper y of a point px pixels under the plot area
        return -px / plot_px

    split, left0 = sc.split, sc.left0
    in_unit = "input"  # transposed: the panel title says the input is zero-inserted

    def axis(title_text: str, lo: int, hi: int, domain, anchor: str, rows: bool = False,
             grid_px: float = 0.0, band: float = 0.0, **extra) -> dict:
        n = hi - lo + 1
        # at most ~6 labels along a panel, and only as many as fit on the narrowest
        # figure: across, ~7 px a character plus a gap; down (``grid_px`` tall), 16 px
        if rows:
            room = max(1.0, grid_px / 16)
        else:
            across = (domain[1] - domain[0]) * NARROW_FIGURE_PX * 0.9
            room = max(1.0, across / (7 * len(str(hi)) + 10))
        dtick = next(t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
                     if n / t <= min(6.5, room) or t >= n)
        rng = [hi + 0.5, lo - 0.5 - band] if rows else [lo - 0.5, hi + 0.5]
        if band:  # no ticks in the room above the grid (no row -5)
            extra = dict(extra, tickmode="array",
                         tickvals=list(range(-(-lo // dtick) * dtick, hi + 1, dtick)))
        return dict(domain=domain, anchor=anchor, title=dict(text=title_text, standoff=2),
                    range=rng, dtick=dtick, tick0=0, showgrid=False, zeroline=False,
                    ticks="outside", ticklen=3, constrain="domain", tickfont=dict(size=12),
                    **extra)

    def tall(rows_: tuple[int, int], cols_: tuple[int, int], share: float) -> float:
        """A grid's height (px) on the narrowest figure: square cells, width-limited."""
        cell = share * NARROW_FIGURE_PX * 0.9 / (cols_[1] - cols_[0] + 1)
        return min(cell * (rows_[1] - rows_[0] + 1), plot_px)

    # Room above the input grid for the next window's label when the window is on the
    # first row (else plotly clips it at the grid's top edge): NEXT_LABEL_PX in cells.
    in_share = split - PANEL_GAP - left0
    in_rows_n = sc.in_rows[1] - sc.in_rows[0] + 1
    band = 0.0
    if sc.next_label():
        for _ in range(2):  # the band itself makes a height-limited grid's cells smaller
            cell = min(in_share * NARROW_FIGURE_PX * 0.9 / (sc.in_cols[1] - sc.in_cols[0] + 1),
                       plot_px / (in_rows_n + band))
            band = NEXT_LABEL_PX / cell
    layout = dict(
        xaxis=axis(f"{in_unit} column", *sc.in_cols, [left0, split - PANEL_GAP], "y",
                   side="top"),
        yaxis=axis(f"{in_unit} row", *sc.in_rows, [0.0, 1.0], "x", rows=True,
                   grid_px=tall(sc.in_rows, sc.in_cols, in_share), band=band,
                   scaleanchor="x", scaleratio=1),
        xaxis2=axis("output column", *sc.out_cols, [split, 1.0], "y2", side="top"),
        yaxis2=axis("output row", *sc.out_rows, [0.0, 1.0], "x2", rows=True,
                    grid_px=tall(sc.out_rows, sc.out_cols, 1.0 - split),
                    scaleanchor="x2", scaleratio=1),
        height=height,
        plot_bgcolor="white",
        coloraxis=dict(colorscale=COLORSCALE, cmin=0, cmax=N_CATEGORIES, showscale=False),
        # at the figure's foot, under the notes and the play controls
        legend=dict(orientation="h", x=0.0, yref="container", y=0.0, yanchor="bottom",
                    font=dict(size=12), itemclick=False, itemdoubleclick=False),
        margin=dict(l=10, r=10, t=top_px, b=bottom_px),
    )
    if sc.rank == 3:
        layout["xaxis3"] = dict(domain=[0.0, 0.035], anchor="y3", range=[-0.5, 0.9],
                                showticklabels=False, showgrid=False, zeroline=False,
                                title=dict(text="D", standoff=2), side="top")
        layout["yaxis3"] = axis(f"{in_unit} depth slice", *sc.in_depth, [0.0, 1.0], "x3",
                                rows=True)
        layout["yaxis3"]["constrain"] = None
    annotations = [
        dict(text=f"<b>{left_title}</b>", xref="paper", yref="paper", x=left0, y=1.0,
             yshift=44, xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=12),
             align="left"),
        dict(text=f"<b>{right_title}</b>", xref="paper", yref="paper", x=split, y=1.0,
             yshift=44, xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=12),
             align="left"),
    ]
    for (_, name), text, y in zip(notes, note_texts, note_y):
        annotations.append(note_annotation(text, name, y=below(y), yanchor="top"))
    layout["title"] = head
    layout["annotations"] = annotations
    return layout, below


def _meta(sc: _Scene, ov: dict, truncated: bool) -> dict:
    """What was drawn, one entry per axis (D, H, W)."""
    o = sc.o
    meta = dict(
        figure="sliding_window", kind=sc.r.kind, stage=sc.stage_index, position=list(o),
        window_start=[int(ov["start"][0]), int(ov["start"][1])],
        extent=[sc.rows.e, sc.cols.e], kernel=[sc.rows.k, sc.cols.k],
        taps=int(len(ov["taps"][0]) * len(ov["taps"][1])),
        grid=[sc.rows.lo, sc.rows.hi, sc.cols.lo, sc.cols.hi],
        input_view=[*sc.in_rows, *sc.in_cols], output_view=[*sc.out_rows, *sc.out_cols],
        output_size=[sc.rows.n_out, sc.cols.n_out], transposed=sc.transposed,
        truncated=bool(truncated), frames=0)
    if sc.rank == 3:
        dl = sc.depth
        meta.update(
            rank=3, position=[sc.od, *o],
            window_start=[int(dl.start(sc.od)), *meta["window_start"]],
            extent=[dl.e, *meta["extent"]], kernel=[dl.k, *meta["kernel"]],
            taps=int(dl.k * meta["taps"]), grid=[dl.lo, dl.hi, *meta["grid"]],
            input_view=[*sc.in_depth, *meta["input_view"]],
            output_view=[sc.od, sc.od, *meta["output_view"]],
            output_size=[dl.n_out, *meta["output_size"]],
            depth_taps=[int(t) for t in sc.depth_taps], depth_shown=sc.depth_shown)
    else:
        meta["rank"] = 2
    return meta


def _frames(sc: _Scene, dynamic: list[int], max_frames: int) -> tuple[list, list]:
    rows = range(sc.out_rows[0], sc.out_rows[1] + 1)
    cols = range(sc.out_cols[0], sc.out_cols[1] + 1)
    # Each frame carries its window's cells: keep the total bounded for big dilated kernels.
    budget = max(1, FRAME_CELL_BUDGET // (sc.rows.e * sc.cols.e))
    order = frame_order([(i, j) for i in rows for j in cols if sc.window_in_view((i, j))],
                        sc.o, max_frames, budget)
    lead = f"{sc.od}, " if sc.rank == 3 else ""
    shown = _bg_labels(sc)[0]
    frames, steps = [], []
    for o in order:
        ov = sc.overlay(o)
        labels = ([dict(type="heatmap", text=_bg_text_under(shown, sc, ov))]
                  if shown is not None else [])
        tap = dict(type="heatmap", z=ov["z"], x0=int(ov["x0"]), y0=int(ov["y0"]))
        if ov["text"] is not None:
            tap["text"] = ov["text"]
        ox, oy = sc.outline(o)
        nx, ny, nt = sc.next_outline(o)
        name = sc.name_of(o)
        frames.append(dict(name=name, traces=dynamic,
                           layout=dict(title=dict(subtitle=dict(text=_subtitle(sc, o)))), data=[
            *labels,
            tap,
            dict(type="scatter", x=ox, y=oy),
            dict(type="scatter", x=nx, y=ny, text=nt),
            dict(type="heatmap", x0=o[1], y0=o[0], text=[[f"y[{lead}{o[0]}, {o[1]}]"]]),
        ]))
        steps.append(frame_step(name))
    return frames, steps


def sliding_window_figure(r: ConvResult, position: int | tuple[int, ...] = (0, 0),
                          stage: int | None = None) -> go.Figure:
    """One input channel (padded) | the output, for the output cell at ``position``.

    ``position`` has one index per spatial axis of the output of ``stage`` (default: the
    first stage with a window; clamped into range): ``(row, col)`` in 2D, the step ``t``
    in 1D, ``(depth, row, col)`` in 3D (see :func:`._common.as_position` for shorter or
    longer tuples). 1D draws the sequence, the kernel taps over it and the output sequence
    (causal: padding on the left only and the unseen future shaded); 3D draws the H×W
    slice at the first depth slice the window covers, next to a strip of the depth slices
    the kernel covers. ``fig.layout.meta`` records the window and the views.
    """
    return _build(r, position, stage, None)


def sliding_window_frames(r: ConvResult, position: int | tuple[int, ...] = (0, 0),
                          max_frames: int = 24, stage: int | None = None) -> go.Figure:
    """The sliding-window figure with plotly animation frames, a play button and a slider.

    Frames visit output cells of the shown view in reading order, starting at
    ``position`` (3D: at the position's depth); at most ``max_frames`` of them (each frame
    only moves the window).
    """
    return _build(r, position, stage, max(1, int(max_frames)))
