"""Shared look of every ConvScope figure: palette, layout defaults, notes.

Colours are Okabe–Ito (colour-blind safe). ``finish`` applies the common layout in one
``go.Figure(...)`` call so building a figure stays cheap.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio


#: Okabe–Ito, reordered so neighbouring channels contrast; black is kept for biases,
#: grey stands in for it as the 8th channel colour.
CHANNEL_COLORS: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#999999",  # grey
)
ORANGE, SKY, GREEN, PURPLE, BLUE, VERMILLION, YELLOW, GREY = CHANNEL_COLORS
BLACK = "#000000"
WEIGHT_COLOR = BLUE
BIAS_COLOR = VERMILLION
TEMPLATE = "plotly_white"
FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=13, color="#222222")
MARGIN = dict(l=10, r=10, t=64, b=10)
#: The narrowest width (CSS px) Streamlit gives a figure: the explorer's figure column on
#: a 1024x768 projector (a phone gives 358). Measured in the real app
#: (tests/figure_cases.SLOT_WIDTHS, checked in the browser): figures that place text by
#: pixels are laid out for it, and wider screens only add room.
NARROW_SLOT_PX = 306


def narrow_plot_px(reserve: float = 0.0) -> float:
    """The plot area's width (px) on the narrowest slot: the slot less the side margins
    and ``reserve`` px a figure keeps beside its plot (an axis title, tick labels)."""
    return NARROW_SLOT_PX - MARGIN["l"] - MARGIN["r"] - reserve

#: Readable from the back of a classroom: no text under 12 px, titles at least 14 px.
SMALL_PX, TITLE_PX, SUBTITLE_PX = 12, 16, 12
#: Characters per title / subtitle line. Streamlit gives a figure as little as ~300 px
#: (the explorer's figure column on a 1024 px projector, the whole column on a phone) and
#: plotly never wraps a title: the lines are broken here, for the narrowest slot.
TITLE_CHARS, SUBTITLE_CHARS = 38, 44
#: Pixels above the title, per title line, per subtitle line, and under the subtitle.
_TITLE_TOP, _TITLE_LINE, _SUB_LINE, _TITLE_GAP = 8, 21, 16, 14

#: Names of the layout annotations the tests (and the page) look for.
TRUNCATION = "truncation"
NOTE = "note"
STAGES = "stages"  # what each stage's filters are (the filter figures)


def wrap(text: str, chars: int) -> str:
    """Break ``text`` into ``<br>``-separated lines of about ``chars`` visible characters.

    Lines break after a clause (``, `` ``. `` ``; `` ``: ``) so a phrase such as "490
    parameters" or "kernel cropped to 11 of 15" stays on one line; only a clause longer
    than a line is broken between words. Existing ``<br>`` are kept; a part holding a tag
    (``<b>``) is never split.
    """
    lines: list[str] = []
    for part in re.split(r"<br\s*/?>", text):
        if len(re.sub(r"<[^>]+>", "", part)) <= chars or "<" in part:
            lines.append(part)
            continue
        line = ""
        for clause in re.split(r"(?<=[,.;:]) ", part):
            for piece in ([clause] if len(clause) <= chars else
                          textwrap.wrap(clause, chars, break_on_hyphens=False)):
                if line and len(line) + 1 + len(piece) > chars:
                    lines.append(line)
                    line = piece
                else:
                    line = f"{line} {piece}" if line else piece
        lines.append(line)
    return "<br>".join(lines)


def _lines(text: str | None) -> int:
    return 0 if not text else len(re.findall(r"<br\s*/?>", text)) + 1


def title(text: str, sub: str | None = None) -> dict:
    """The figure's title (and subtitle), wrapped for the narrowest slot; the top margin
    that fits them is set by :func:`finish` (see :func:`title_height`)."""
    t = dict(text=wrap(text, TITLE_CHARS), x=0.01, xanchor="left", xref="container",
             y=1.0, yanchor="top", yref="container",
             font=dict(size=TITLE_PX))
    if sub:
        t["subtitle"] = dict(text=wrap(sub, SUBTITLE_CHARS),
                             font=dict(size=SUBTITLE_PX, color="#555555"))
    return t


def title_height(t: dict) -> int:
    """Pixels from the figure's top edge to below the subtitle of title dict ``t``."""
    sub = (t.get("subtitle") or {}).get("text")
    lines = _lines(t.get("text"))  # (a wrapped title is moved down by its extra lines)
    return (_TITLE_TOP + _TITLE_LINE * (2 * lines - 1) + _SUB_LINE * _lines(sub)
            + _TITLE_GAP)


def note_annotation(text: str, name: str, y: float = 0.0, x: float = 0.0,
                    yanchor: str = "bottom", xanchor: str = "left") -> dict:
    """A small paper-anchored note (e.g. "+504 more filters"), named so tests can find it."""
    return dict(text=text, name=name, xref="paper", yref="paper", x=x, y=y,
                xanchor=xanchor, yanchor=yanchor, showarrow=False, align="left",
                font=dict(size=SMALL_PX, color="#444444"),
                bgcolor="rgba(255,255,255,0.85)", bordercolor="#bbbbbb", borderwidth=1,
                borderpad=3)


NOTE_LINE_PX, NOTE_PAD_PX = 16, 10


def stack_notes_above(notes: list[dict], chars: int = SUBTITLE_CHARS) -> tuple[list[dict], int]:
    """Place note annotations in a strip above the plot area, one under the other, each
    wrapped for the narrowest slot; returns (the notes, the strip's height in px) — add
    the height to the top margin. Above the plot they never cover data or a legend."""
    placed, shift = [], 0
    for note in reversed(notes):
        text = "<br>".join(wrap(line, chars) for line in note["text"].split("<br>"))
        placed.append(dict(note, text=text, x=0.0, xanchor="left", y=1.0, yanchor="bottom",
                           yshift=shift + 4))
        shift += NOTE_LINE_PX * _lines(text) + NOTE_PAD_PX
    return placed[::-1], shift + (8 if notes else 0)


def chart_config(name: str) -> dict:
    """The plotly config every page passes to ``st.plotly_chart``: the modebar keeps its
    camera button ("Download plot as a PNG", for teachers' slides), at twice the screen
    resolution and named after the figure; no plotly logo."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": f"convscope-{name}",
                                     "scale": 2}}


#: The name of the see-through marker trace that makes output cells clickable.
CLICK_TRACE = "click an output cell"


def click_markers(x, y, positions, xaxis: str, yaxis: str, size: float = 14
                  ) -> dict | go.Scatter:
    """Nearly invisible markers over the output cells: plotly cannot select heatmap cells
    (or layout shapes), so a click on a cell arrives as this trace's point, carrying the
    cell's output position (one index per spatial axis) in ``customdata``.

    ``lib.state.clicked_position`` reads it back from Streamlit's selection event.
    """
    return trace("scatter", x=x, y=y, customdata=positions, mode="markers", xaxis=xaxis,
                 yaxis=yaxis, name=CLICK_TRACE, showlegend=False,
                 marker=dict(symbol="square", size=size, opacity=0.01, color="#000000"),
                 hovertemplate="click: compute output %{customdata}<extra></extra>")


def truncation_text(parts: Iterable[str]) -> str:
    return "Not drawn: " + ", ".join(parts)


def set_template(fig: go.Figure) -> None:
    """Attach the registered plotly_white template without re-validating it.

    Validating a template deep-copies it (~7 ms, most of a small figure's build time).
    The registered template is already valid, so it is attached the way plotly attaches
    its default template; if that private switch ever goes away, validate normally.
    """
    template = pio.templates[TEMPLATE]
    layout = fig.layout
    if hasattr(layout, "_validate"):
        layout._validate = False
        try:
            layout.template = template
            return
        finally:
            layout._validate = True
    layout.template = template  # pragma: no cover - older/newer plotly


@functools.cache
def template_json() -> dict:
    """The registered ``TEMPLATE`` as plain JSON, made once per process (``go.Figure``
    copies it into each figure's layout; tests/test_figure_cases.py checks that no figure
    changes it)."""
    return pio.templates[TEMPLATE].to_plotly_json()


def with_template(layout: dict) -> dict:
    """``layout`` (unvalidated) with the template already in it, for ``go.Figure``.

    ``go.Figure`` deep-copies the layout it is given, then attaches plotly's *default*
    template (another deep copy of a template) unless the layout already names one, and
    :func:`set_template` made a third. Named in the layout, the template is copied once:
    building + ``to_dict`` of the isometric filter figure 4.1 -> 3.6 ms, the parameters
    figure 1.7 -> 1.4 ms (issue 14).
    """
    layout["template"] = template_json()
    return layout


#: Whether plotly validates the figures' properties (``finish``, :func:`trace`). Off: the
#: layout, the 2D traces and the animation frames go in unchecked. Validating them was two
#: thirds of building the isometric filter figure, then a further ~9 % of a default-view
#: move (the traces), and about half of the sliding window's build (the frames) (issue 14).
#: tests/test_figure_cases.py builds every figure case both ways and requires the same JSON,
#: so a misspelt property still fails a test.
VALIDATE = False


def _pruned(layout: dict) -> dict:
    """The layout without ``None`` values (at any depth) and without empty lists at the
    top: plotly's validation drops both ("unset"), and the unvalidated build must send
    the same JSON."""
    def prune(value):
        if isinstance(value, dict):
            return {k: prune(v) for k, v in value.items() if v is not None}
        return value
    return {k: prune(v) for k, v in layout.items() if v is not None and v != []}


def _unvalidated_frame(spec: dict) -> go.Frame:
    """An animation frame built without validation. Plotly cannot read such a frame's
    ``data`` back (``frame.data`` looks for a trace class on a validator that has none), so
    its traces are given as unvalidated trace objects too, for reading (``frame.data[0].z``);
    the JSON comes from ``spec``, so change a frame through ``spec``, not through them."""
    frame = go.Frame(spec, _validate=False)
    data = [dict(d) for d in spec.get("data") or ()]
    frame._compound_array_props["data"] = [
        _TRACE_CLASS.get_trace_class(d.pop("type", "scatter"))(d, _validate=False)
        for d in data]
    return frame


#: Finds a trace's class by its type name ("heatmap" -> go.Heatmap).
_TRACE_CLASS = go.Frame()._get_validator("data")


def trace(kind: str, **props: object) -> go.Scatter | dict:
    """One trace for :func:`finish`: ``trace("scatter", x=..., mode="markers")``.

    With ``VALIDATE`` off it is a plain dict, which ``go.Figure(_validate=False)`` turns
    into an unvalidated trace object: validating every property of every trace was ~9 % of
    a default-view move's server CPU (issue 14). With it on, the validated plotly object.
    Read a property as ``t["x"]``, which works on both.
    """
    if VALIDATE:
        return _TRACE_CLASS.get_trace_class(kind)(**props)
    return dict(props, type=kind)


def _json_ready(props: dict) -> dict:
    """A trace's numpy text arrays (``np.char`` labels, hover texts) as lists.

    plotly's fast JSON engine (orjson) writes numeric numpy arrays itself but not string
    ones; one such array made plotly clean the whole figure in Python instead, on every
    rerun (``st.plotly_chart`` serialises even a cached figure): 8 ms of a sliding-window
    move against 0.3 ms (issue 14). Validation would make them lists too.
    """
    for key, value in props.items():
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "OUS":
                props[key] = value.tolist()
        elif isinstance(value, dict):  # marker=dict(color=...)
            _json_ready(value)
    return props


def finish(data: list, layout: dict, meta: dict, frames: list | None = None) -> go.Figure:
    """Build the figure in one go with the shared defaults (template, font, margins)."""
    data = [_json_ready(t) if isinstance(t, dict) else t for t in data]
    for frame in frames or ():
        frame["data"] = [_json_ready(t) for t in frame.get("data") or ()]
    # dragmode zoom: a chart that reports clicks would otherwise start in pan mode
    base = dict(font=FONT, margin=MARGIN, meta=meta, hoverlabel=dict(font=dict(size=SMALL_PX)),
                legend=dict(font=dict(size=SMALL_PX)), dragmode="zoom")
    base.update(layout)
    if isinstance(base.get("title"), dict) and base["title"].get("yref") == "container":
        # _TITLE_TOP px below the top edge (a container title at y=1 starts above it)
        # (plotly anchors a wrapped title by its first line: the others push it upwards)
        drop = _TITLE_TOP + _TITLE_LINE * (_lines(base["title"].get("text")) - 1)
        base["title"] = dict(base["title"], y=1 - drop / int(base.get("height") or 450))
        margin = dict(MARGIN, **base["margin"])
        margin["t"] = max(margin["t"], title_height(base["title"]))
        base["margin"] = margin
    fig = templated_figure(data, base, frames if VALIDATE else None)
    if frames is not None and not VALIDATE:
        # go.Figure validates frames even with _validate=False (half of the sliding-window
        # animation's build); plotly keeps them as a plain tuple of unparented Frames.
        fig._frame_objs = tuple(_unvalidated_frame(f) for f in frames)
    return fig


def templated_figure(data: list, layout: dict, frames: list | None = None) -> go.Figure:
    """``go.Figure`` with the shared template, validated only when ``VALIDATE`` is on.

    The one place that knows both ways: unvalidated, the template goes into the (pruned)
    layout as plain JSON (:func:`with_template`, one copy); validated, plotly checks every
    property and :func:`set_template` attaches it. ``frames`` are passed on as they are
    (:func:`finish` adds unvalidated ones itself).
    """
    if not VALIDATE:
        return go.Figure(data=data, layout=with_template(_pruned(layout)), frames=frames,
                         _validate=False)
    fig = go.Figure(data=data, layout=layout, frames=frames, _validate=True)
    set_template(fig)
    return fig


def as_position(position: int | Sequence[int], rank: int) -> tuple[int, ...]:
    """An output position with one index per spatial axis, in the order (D, H, W).

    A bare int is the last axis (the time step in 1D). A shorter tuple fills the leading
    axes with 0 (``(row, col)`` in 3D is depth 0); a longer one keeps its last ``rank``
    entries (the 2D default ``(0, 0)`` in 1D is step 0).
    """
    if isinstance(position, Sequence) and not isinstance(position, str):
        p = tuple(int(v) for v in position)
    else:
        p = (int(position),)  # type: ignore[arg-type]
    if len(p) >= rank:
        return p[len(p) - rank:]
    return (0,) * (rank - len(p)) + p
