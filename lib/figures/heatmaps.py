"""Numbers as heatmaps: an array (an input, a kernel, an output of the prove-it page) drawn
as one panel per channel with the value written in every cell."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ._common import SMALL_PX, templated_figure, trace, wrap


#: plotly.py's "RdBu" as the explicit scale its validation sends (plotly.js has its own,
#: different "RdBu", so the name alone would change the colours).
RDBU = [list(stop) for stop in go.Heatmap(colorscale="RdBu").colorscale]

def panels(values: np.ndarray, name: str) -> list[tuple[str, np.ndarray]]:
    """Split an array into 2-D panels to draw: (H, W, C) -> one per channel; a 4-D kernel
    (kh, kw, c_in, c_out) -> one per (in, out) pair; 1-D/2-D -> itself."""
    a = np.asarray(values, dtype=float)
    if a.ndim <= 2:
        return [(name, np.atleast_2d(a))]
    if a.ndim == 3:
        return [(f"{name} [ch {ci}]", a[:, :, ci]) for ci in range(a.shape[2])]
    return [(f"{name} [in {ci} → out {o}]", a[:, :, ci, o])
            for o in range(a.shape[3]) for ci in range(a.shape[2])]


#: Panel title characters per line (about 7 px each at 12 px, 254 px of plot).
TITLE_WRAP = 34
#: Most panels drawn in one figure (the rest is said in a note).
MAX_PANELS = 12


def heatmap_grid(values: np.ndarray, name: str, decimals: int = 2) -> go.Figure:
    """Heatmaps of an array, one panel per channel, with the number written in each cell.

    Diverging colours centred on 0 (blue negative, red positive), the same scale for every
    panel so panels can be compared; rows are drawn top to bottom like the array.
    """
    parts = panels(values, name)
    shown = parts[:MAX_PANELS]
    cols = 1  # one panel a row: on a phone (~270 px) a cell still fits "-0.61" at 12 px
    rows = -(-len(shown) // cols)
    a = np.asarray(values, dtype=float)
    top = float(np.max(np.abs(a))) if a.size else 1.0
    top = top or 1.0
    # Panels laid out by hand (axis domains), not make_subplots: 5x faster per move.
    hgap, vgap = 0.04, (min(0.12, 0.4 / (rows - 1)) if rows > 1 else 0.1)  # gaps never eat the panels
    width, height_frac = (1 - hgap * (cols - 1)) / cols, (1 - vgap * (rows - 1)) / rows
    traces, layout, titles = [], {}, []
    for n, (title, z) in enumerate(shown):
        r_, c_ = divmod(n, cols)
        x0, y1 = c_ * (width + hgap), 1 - r_ * (height_frac + vgap)
        suffix = "" if n == 0 else str(n + 1)
        traces.append(trace(
            "heatmap", z=z, zmin=-top, zmax=top, zmid=0, colorscale=RDBU, reversescale=True,
            showscale=n == 0, text=np.round(z, decimals), texttemplate="%{text}",
            textfont=dict(size=SMALL_PX),
            hovertemplate="row %{y}, col %{x}: %{z:.4f}<extra></extra>",
            xgap=1, ygap=1, xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
        layout[f"xaxis{suffix}"] = dict(domain=[max(x0, 0.0), min(x0 + width, 1.0)],
                                        showticklabels=False,
                                        anchor=f"y{suffix}")
        layout[f"yaxis{suffix}"] = dict(domain=[max(y1 - height_frac, 0.0), min(y1, 1.0)],
                                        showticklabels=False,
                                        autorange="reversed", anchor=f"x{suffix}")
        # wrapped for the narrowest slot (274 px): a one-line title is cut at both edges
        titles.append(dict(text=wrap(title, TITLE_WRAP), x=x0 + width / 2, y=y1,
                           xref="paper", yref="paper",
                           xanchor="center", yanchor="bottom", showarrow=False))
    height = 60 + rows * max(140, 34 * max(z.shape[0] for _, z in shown))
    note = (f"{len(parts) - len(shown)} more panel(s) not drawn"
            if len(parts) > len(shown) else "")
    layout = dict(**layout, annotations=titles, height=min(height, 900),
                  margin=dict(l=10, r=10, t=40, b=10), meta={"panels": len(shown), "note": note})
    # unvalidated like finish() (issue 14: validation was half of a prove-it rerun)
    return templated_figure(traces, layout)
