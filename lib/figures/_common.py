"""Shared look of every ConvScope figure: palette, layout defaults, notes.

Colours are Okabe–Ito (colour-blind safe). ``finish`` applies the common layout in one
``go.Figure(...)`` call so building a figure stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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

#: Names of the layout annotations the tests (and the page) look for.
TRUNCATION = "truncation"
NOTE = "note"


def title(text: str, sub: str | None = None) -> dict:
    t = dict(text=text, x=0.01, xanchor="left", y=0.98, yanchor="top", font=dict(size=17))
    if sub:
        t["subtitle"] = dict(text=sub, font=dict(size=12, color="#555555"))
    return t


def note_annotation(text: str, name: str, y: float = 0.0, x: float = 0.0,
                    yanchor: str = "bottom", xanchor: str = "left") -> dict:
    """A small paper-anchored note (e.g. "+504 more filters"), named so tests can find it."""
    return dict(text=text, name=name, xref="paper", yref="paper", x=x, y=y,
                xanchor=xanchor, yanchor=yanchor, showarrow=False, align="left",
                font=dict(size=12, color="#444444"),
                bgcolor="rgba(255,255,255,0.85)", bordercolor="#bbbbbb", borderwidth=1,
                borderpad=3)


def chart_config(name: str) -> dict:
    """The plotly config every page passes to ``st.plotly_chart``: the modebar keeps its
    camera button ("Download plot as a PNG", for teachers' slides), at twice the screen
    resolution and named after the figure; no plotly logo."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": f"convscope-{name}",
                                     "scale": 2}}


#: The name of the see-through marker trace that makes output cells clickable.
CLICK_TRACE = "click an output cell"


def click_markers(x, y, positions, xaxis: str, yaxis: str, size: float = 14) -> go.Scatter:
    """Nearly invisible markers over the output cells: plotly cannot select heatmap cells
    (or layout shapes), so a click on a cell arrives as this trace's point, carrying the
    cell's output position (one index per spatial axis) in ``customdata``.

    ``lib.state.clicked_position`` reads it back from Streamlit's selection event.
    """
    return go.Scatter(x=x, y=y, customdata=positions, mode="markers", xaxis=xaxis,
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


def finish(data: list, layout: dict, meta: dict, frames: list | None = None) -> go.Figure:
    """Build the figure in one go with the shared defaults (template, font, margins)."""
    # dragmode zoom: a chart that reports clicks would otherwise start in pan mode
    base = dict(font=FONT, margin=MARGIN, meta=meta, hoverlabel=dict(font_size=12),
                legend=dict(font=dict(size=12)), dragmode="zoom")
    base.update(layout)
    fig = (go.Figure(data=data, layout=base) if frames is None
           else go.Figure(data=data, layout=base, frames=frames))
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
