"""The sliding window's geometry along one axis, shared by every figure that draws it:
the 2D/3D sliding-window figure (:mod:`.sliding`), the 1D one (:mod:`.sequence`) and the
dilated stack (:mod:`.stack`).

A :class:`WindowAxis` turns one stage's :class:`lib.conv.Axis` into grid coordinates of
the drawn input: the padded input, or for a transposed conv its stride-1 equivalent
(``s - 1`` zeros inserted between input cells, ``d·(k-1) - crop`` zeros around them,
the window moving one cell per output). Also here: what each drawn cell is (its category
and colour), which part of a long axis is shown (:func:`views`) and the play / pause
controls of the animated figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.cell import figure_stage, frame_arithmetic, frame_arithmetic_fits
from lib.conv import Axis, ConvResult
from lib.text import fmt_shape

from ._common import (GREEN, NOTE, NOTE_LINE_PX, NOTE_PAD_PX, ORANGE, TRUNCATION,
                      wrap)

MARGIN_CELLS = 2  # input cells shown beyond the outermost window of a cropped view

#: What a drawn cell is.
PAD, INPUT, INSERTED, TAP, TAP_ZERO, OUT, PRODUCED, GAP = range(8)
CATEGORY_COLORS = {
    PAD: "#D4D4D4",
    INPUT: "#BFE0F5",
    INSERTED: "#F1F1F1",
    TAP: ORANGE,
    TAP_ZERO: "#F7D08A",
    OUT: "#CBEBDD",
    PRODUCED: GREEN,
    GAP: "rgba(0,0,0,0)",  # inside the window but skipped (dilation): see-through
}
CATEGORY_NAMES = {
    PAD: "zero padding",
    INPUT: "input cell",
    INSERTED: "inserted zero (stride-1 view)",
    TAP: "kernel tap × input",
    TAP_ZERO: "kernel tap × zero",
    OUT: "output cell",
    PRODUCED: "cell this window produces",
    GAP: "skipped by dilation",
}
N_CATEGORIES = len(CATEGORY_COLORS)
#: A discrete colour scale: category i is drawn as value i of a heatmap.
COLORSCALE = [p for i in range(N_CATEGORIES)
              for p in ((i / N_CATEGORIES, CATEGORY_COLORS[i]),
                        ((i + 1) / N_CATEGORIES, CATEGORY_COLORS[i]))]


@dataclass(frozen=True)
class WindowAxis:
    """One axis of the window geometry, in grid coordinates of the (padded) input view.

    ``k``, ``d``, ``e``: kernel, dilation, extent d·(k-1)+1; ``n_out``: output length;
    ``step``: how far the window moves per output cell (1 in the zero-inserted view);
    ``lead``/``trail``: zeros before the first / after the last input cell (negative:
    that many input cells cropped); ``span``: cells the input occupies (n, or
    (n - 1)·s + 1 with zeros inserted); ``first``: where the first window starts (-lead);
    ``last``: the end of the range the windows slide over (span - 1 + trail; a strided
    conv's last window may stop short); ``lo``/``hi``: the first and last grid cell drawn.
    A transposed conv whose padding crops more than d·(k-1) (negative lead or trail) still
    draws its whole zero-inserted input, so ``lo``/``hi`` reach past the windows there.
    Build it with :meth:`of`.
    """

    axis: Axis
    transposed: bool
    k: int
    d: int
    e: int
    n_out: int
    step: int
    lead: int
    trail: int
    span: int
    first: int
    last: int
    lo: int
    hi: int

    @classmethod
    def of(cls, axis: Axis, transposed: bool) -> WindowAxis:
        e = axis.extent
        if transposed:
            lead, trail = e - 1 - axis.before, e - 1 - axis.after
            step, span = 1, (axis.size_in - 1) * axis.stride + 1
        else:
            lead, trail = axis.before, axis.after
            step, span = axis.stride, axis.size_in
        first, last = -lead, span - 1 + trail
        return cls(axis, transposed, axis.kernel, axis.dilation, e, axis.size_out, step,
                   lead, trail, span, first, last, min(first, 0), max(last, span - 1))

    @property
    def unreached(self) -> tuple[int, int]:
        """(before, after): cells drawn outside every window (a cropping transposed conv)."""
        return self.first - self.lo, self.hi - self.last

    def start(self, o: int) -> int:
        """Where the window of output ``o`` starts."""
        return self.first + o * self.step

    def taps(self, o: int) -> np.ndarray:
        """Grid cells the kernel taps of output ``o`` land on."""
        return self.start(o) + self.d * np.arange(self.k)

    def kind(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(category, input index or -1) of grid coordinates u."""
        inside = (u >= 0) & (u < self.span)
        if self.transposed:
            real = inside & (u % self.axis.stride == 0)
            cat = np.where(real, INPUT, np.where(inside, INSERTED, PAD))
            return cat, np.where(real, u // self.axis.stride, -1)
        return np.where(inside, INPUT, PAD), np.where(inside, u, -1)


def clamp(v: int, low: int, high: int) -> int:
    return max(low, min(v, high))


def views(line: WindowAxis, o: int, max_in: int, hard_max: int, max_out: int
          ) -> tuple[tuple[int, int], tuple[int, int], bool]:
    """(output view, input view, footprint fits) as inclusive ranges around output o.

    The output view shows up to ``max_out`` cells around o (up to ``max_in`` when the
    whole input is drawn, so a whole input never stands next to a cropped output). The
    input view is the whole
    (padded) input when it is small, else the windows of as many output cells around o as
    fit in ``max_in`` cells (at least o's own window, up to ``hard_max``).
    """
    n_out, e, step = line.n_out, line.e, line.step
    whole_input = line.hi - line.lo + 1 <= max_in
    # The whole input drawn: the whole output too when it fits the same room, so both
    # grids tell the true sizes (32 in, 29 out; not 32 next to a crop of 24).
    nv = min(n_out, max(max_out, max_in) if whole_input else max_out)
    o_lo = clamp(o - nv // 2, 0, n_out - nv)
    out_view = (o_lo, o_lo + nv - 1)
    if whole_input:
        return out_view, (line.lo, line.hi), True
    nfit = min(n_out, max(1, (max_in - e - 2 * MARGIN_CELLS) // step + 1))
    p_lo = clamp(o - nfit // 2, 0, n_out - nfit)
    u_lo = max(line.lo, line.start(p_lo) - MARGIN_CELLS)
    u_hi = min(line.hi, line.start(p_lo + nfit - 1) + e - 1 + MARGIN_CELLS)
    fits = u_hi - u_lo + 1 <= hard_max
    if not fits:  # a huge dilated kernel: show the start of the window only
        u_lo = max(line.lo, line.start(o))
        u_hi = u_lo + hard_max - 1
    return out_view, (u_lo, u_hi), fits


def window_stage(r: ConvResult, stage: int | None) -> int:
    """The stage whose window is drawn: ``stage``, or the first with a window."""
    spatial = [i for i, st in enumerate(r.stages) if st.op != "channel_sum"]
    if stage is None:
        return spatial[0]
    if stage not in spatial:
        raise ValueError(f"stage={stage} is not a stage with a window; choose one of {spatial}")
    return stage


def arithmetic_line(r: ConvResult, stage_index: int, position: tuple[int, ...]) -> str | None:
    """The example's sum for the cell the window produces, for the subtitle of each frame
    (None for layers too large to compute every frame). The default stage's positions are
    those of :func:`lib.cell.figure_stage` (a separable conv: the final output)."""
    return frame_arithmetic(r, position, _cell_stage(r, stage_index))


def has_arithmetic(r: ConvResult, stage_index: int) -> bool:
    """Whether :func:`arithmetic_line` gives a line for this layer (small layers)."""
    return frame_arithmetic_fits(r, _cell_stage(r, stage_index))


def _cell_stage(r: ConvResult, stage_index: int) -> int:
    return figure_stage(r) if stage_index == window_stage(r, None) else stage_index


def window_notes(cropped: str | None, r: ConvResult, stage_index: int,
                 lines: list[tuple[str, WindowAxis]] = ()) -> list[tuple[str, str]]:
    """The notes under a window figure, as (text, annotation name): which part a cropped
    view shows, what one stage and one channel leave out, and which drawn cells no window
    reaches (``lines``: the figure's axes with their names)."""
    notes = [(cropped + ".", TRUNCATION)] if cropped else []
    other = _other_stages_note(r, stage_index)
    if other:
        notes.append((other, NOTE))
    unreached = unreached_note(lines)
    if unreached:
        notes.append((unreached, NOTE))
    return notes


def unreached_note(lines: list[tuple[str, WindowAxis]]) -> str | None:
    """Which drawn cells no window reaches, for a transposed conv whose padding crops more
    than the kernel overlaps (``p > d·(k-1)``); None when every cell is reached."""
    parts = []
    for name, ln in lines:
        before, after = ln.unreached
        cells = [(ln.lo, ln.lo + before - 1)] * bool(before) + [(ln.last + 1, ln.hi)] * bool(after)
        if cells:
            parts.append(name + " " + ", ".join(str(a) if a == b else f"{a}…{b}"
                                                for a, b in cells))
    if not parts:
        return None
    return f"Padding crops past the kernel: no window reaches {' or '.join(parts)}."


def _other_stages_note(r: ConvResult, stage_index: int) -> str:
    """What the window of one stage and one channel leaves out: the other stages of the
    kind, and the other input channels output channel 0 also reads ("" if nothing)."""
    st = r.stages[stage_index]
    rank = len(st.axes)
    notes = []
    if r.kind == "spatially_separable":
        others = ", ".join(f"stage {i + 1} ({s.name}) slides a {fmt_shape(s.kernel)} window"
                           for i, s in enumerate(r.stages) if i != stage_index)
        notes.append(f"This is stage {stage_index + 1} ({st.name}, "
                     f"{fmt_shape(st.kernel)}); {others}.")
    elif len([s for s in r.stages if s.op != "channel_sum"]) > 1:
        one, where = ("1-wide", "step") if rank == 1 else ("×".join("1" * rank), "position")
        notes.append(f"Then the {one} pointwise stage mixes the channels at each {where}.")
    if st.op in ("conv", "transposed") and st.in_channels // st.groups > 1:
        kernel = f"{st.kernel[0]}-tap kernel" if rank == 1 else "kernel"
        notes.append(f"Output channel 0 applies its own {kernel} to each of the "
                     f"{st.in_channels // st.groups} channels it sees and adds them up "
                     "(plus its bias).")
    return " ".join(notes)


# ---------------------------------------------------------------------------
# Animation
# ---------------------------------------------------------------------------

def frame_order(order: list, current, max_frames: int, budget: int) -> list:
    """The positions the frames visit: ``order`` starting at ``current`` (added if it is
    not there), at most ``max_frames`` and ``budget`` of them."""
    if current not in order:
        order.insert(0, current)
    first = order.index(current)
    return (order[first:] + order[:first])[:max(1, min(int(max_frames), budget))]


def frame_step(name: str) -> dict:
    """The slider step that shows frame ``name``."""
    return dict(label=name, method="animate",
                args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                   transition=dict(duration=0))])


def play_controls(y: float, prefix: str, steps: list[dict]) -> dict:
    """Layout entries for a play / pause button and a frame slider at paper height ``y``."""
    return dict(
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=y, xanchor="left",
            yanchor="top", showactive=False, pad=dict(t=18, r=6),
            buttons=[dict(label="▶ play", method="animate",
                          args=[None, dict(frame=dict(duration=700, redraw=True),
                                           transition=dict(duration=0), fromcurrent=True,
                                           mode="immediate")]),
                     dict(label="❚❚ pause", method="animate",
                          args=[[None], dict(frame=dict(duration=0, redraw=False),
                                             transition=dict(duration=0), mode="immediate")])])],
        sliders=[dict(
            active=0, x=0.2, y=y, len=0.8, xanchor="left", yanchor="top",
            currentvalue=dict(prefix=prefix, font=dict(size=12)),
            # no label under every step (they overlap on a phone): the current value says it
            ticklen=0, font=dict(size=12, color="rgba(0,0,0,0)"),
            pad=dict(t=0, b=0), steps=steps)])


#: Pixels at a window figure's foot for its legend (one entry a row on a phone).
FOOT_LEGEND_PX = 130
#: Note characters per line under a plot: its left edge is the plot area's, ~80 px in.
NOTE_CHARS = 32


def notes_height(notes: list[tuple[str, str]]) -> tuple[list[str], list[int], int]:
    """Wrapped note texts, the px offset of each under the plot, and their total height."""
    texts, offsets, y = [], [], 8
    for text, _ in notes:
        wrapped = wrap(text, NOTE_CHARS)
        texts.append(wrapped)
        offsets.append(y)
        y += NOTE_LINE_PX * (wrapped.count("<br>") + 1) + NOTE_PAD_PX
    return texts, offsets, y
