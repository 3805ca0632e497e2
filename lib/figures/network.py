"""Bar charts of a network: parameters or MACs per layer, and separable versus standard.

Pure functions of a :class:`lib.network.NetworkResult` (every number is read from its
rows); colours are Okabe–Ito, so the two series of the comparison stay apart for
colour-blind readers, and every bar has its exact value in the hover text.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lib.network import Comparison, NetworkResult

from ._common import BLUE, MARGIN, ORANGE, VERMILLION, finish, title, trace

METRICS = {"params": ("Parameters", "parameters"), "macs": ("MACs (one image)", "MACs")}
_COLOR = {"params": BLUE, "macs": ORANGE}


def _check(metric: str) -> tuple[str, str]:
    if metric not in METRICS:
        raise ValueError(f"metric={metric!r} must be one of {', '.join(METRICS)}")
    return METRICS[metric]


def layer_labels(result: NetworkResult) -> list[str]:
    """``1. conv2d`` ...: the layer number keeps repeated names apart on the axis."""
    return [f"{r.index}. {r.name}" for r in result.rows]


#: At most this many numbered ticks on the layer axis (a phone fits them side by side).
MAX_LAYER_TICKS = 12


def layer_axis(layers: int) -> dict:
    """The x axis of the per-layer charts: layers by number (names in the hover and the
    table above), so a 30-layer stack does not print 30 names on top of each other.

    Every tick is a whole layer number, 1 first, every ``ceil(layers / 12)``-th layer,
    and the axis spans layers 1..n only. Left to itself (``tickformat="d"``,
    ``nticks=12``), plotly put ticks every half layer and printed "0 1 1 2 2 3 … 6" under
    a 5-layer stack, with a layer 0 and a layer 6 that do not exist.
    """
    return dict(title=dict(text="layer"), tickmode="linear", tick0=1,
                dtick=max(1, math.ceil(layers / MAX_LAYER_TICKS)),
                range=[0.5, layers + 0.5], showgrid=False)


def layer_bars_figure(result: NetworkResult, metric: str = "params") -> go.Figure:
    """One bar per layer: its parameters (or MACs) and, in the hover, its share."""
    axis, word = _check(metric)
    values = [getattr(r, metric) for r in result.rows]
    shares = [getattr(r, f"{metric}_share") for r in result.rows]
    total = sum(values)
    hover = [f"{r.description}<br>{v:,} {word} ({100 * s:.1f} % of {total:,})"
             + (f"<br>{r.note}" if r.note and v == 0 else "")
             for r, v, s in zip(result.rows, values, shares)]
    data = [trace("bar", x=[r.index for r in result.rows], y=values,
                  marker=dict(color=_COLOR[metric]),
                  name=word, hovertext=[f"{lab}: {h}" for lab, h in
                                        zip(layer_labels(result), hover)],
                  hoverinfo="text",
                  text=[f"{100 * s:.0f} %" if s >= 0.005 else "" for s in shares],
                  textposition="outside", cliponaxis=False)]
    layout = dict(title=title(f"{axis} per layer", f"total {total:,}"),
                  xaxis=layer_axis(len(result.rows)),
                  yaxis=dict(title=dict(text=axis), rangemode="tozero"),
                  uniformtext=dict(minsize=12, mode="hide"),
                  showlegend=False, height=380)
    return finish(data, layout, meta={"metric": metric, "values": values})


def comparison_figure(cmp: Comparison, metric: str = "params") -> go.Figure:
    """Grouped bars per layer: the depthwise separable stack next to its standard twin."""
    axis, word = _check(metric)
    labels = [r.index for r in cmp.separable.rows]
    names = [f"{r.index}. {r.spec.kind or r.spec.op}" for r in cmp.separable.rows]
    series = (("depthwise separable", cmp.separable, BLUE),
              ("standard conv", cmp.standard, VERMILLION))
    data = []
    for name, result, color in series:
        values = [getattr(r, metric) for r in result.rows]
        data.append(trace("bar", x=labels, y=values, name=name, marker=dict(color=color),
                          hovertext=[f"{lab} · {name}: {r.description}<br>{v:,} {word}"
                                     for lab, r, v in zip(names, result.rows, values)],
                          hoverinfo="text"))
    ratio = cmp.params_ratio if metric == "params" else cmp.macs_ratio
    layout = dict(title=title(f"{axis}: standard vs depthwise separable",
                              f"standard / separable = {ratio:.1f}×"),
                  barmode="group",
                  xaxis=layer_axis(len(labels)),
                  yaxis=dict(title=dict(text=axis), rangemode="tozero"),
                  # under the axis title, off the bars and the title
                  legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom",
                              x=0.0, xanchor="left"),
                  margin=dict(MARGIN, b=74),
                  height=420)
    return finish(data, layout, meta={"metric": metric, "ratio": ratio})


__all__ = ["comparison_figure", "layer_bars_figure", "layer_labels"]
