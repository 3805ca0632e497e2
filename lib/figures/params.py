"""Parameter charts: weights vs biases per stage, across kinds, and how counts scale.

All numbers are read from :class:`lib.conv.ConvResult` / :class:`lib.conv.Stage`
(``weight_params``, ``bias_params``, ``params``, ``macs``); nothing is recomputed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from lib.conv import KIND_INFO, ConvError, ConvResult, analyze, kind_label, spatial_rank
from lib.text import fmt_int, fmt_shape, fmt_size

from ._common import (BIAS_COLOR, BLUE, MARGIN, ORANGE, VERMILLION, WEIGHT_COLOR, finish, title,
                      trace)

#: Which analyze() arguments each ``vary`` choice sets.
VARY_ARGS: dict[str, tuple[str, ...]] = {
    "H": ("H", "W"), "W": ("W",), "D": ("D",), "k": ("k",), "c": ("c",), "w": ("w",),
}
VARY_LABELS = {
    "H": "H = W (input height and width)", "W": "W (input width)",
    "D": "D (input depth, e.g. frames)",
    "k": "k (filters / output channels)", "c": "c (input channels)", "w": "w (kernel size)",
}
MAX_SCALING_POINTS = 400


def _stage_names(r: ConvResult) -> list[str]:
    if len(r.stages) == 1:
        return [r.stages[0].name]
    return [f"{i + 1}. {st.name}" for i, st in enumerate(r.stages)]


def param_breakdown_figure(r: ConvResult) -> go.Figure:
    """Stacked bars per stage: weights and biases (a stage without parameters shows 0)."""
    names = _stage_names(r)
    weights = [st.weight_params for st in r.stages]
    biases = [st.bias_params for st in r.stages]
    shapes = [fmt_shape(st.keras_weight_shape) if st.keras_weight_shape else "—"
              for st in r.stages]
    totals = [st.params for st in r.stages]
    custom = [[s, st.role] for s, st in zip(shapes, r.stages)]
    traces = [
        trace("bar", x=names, y=weights, name="weights", marker=dict(color=WEIGHT_COLOR),
              customdata=custom,
              hovertemplate="%{x}: %{y:,} weights<br>kernel (Keras layout) %{customdata[0]}"
                            "<br>%{customdata[1]}<extra></extra>"),
        trace("bar", x=names, y=biases, name="biases", marker=dict(color=BIAS_COLOR),
              hovertemplate="%{x}: %{y:,} biases (one per output channel)<extra></extra>"),
        trace("scatter", x=names, y=totals, mode="text", text=[fmt_int(t) for t in totals],
              textposition="top center", showlegend=False, hoverinfo="skip",
              name="stage total", textfont=dict(size=12)),
    ]
    sub = (f"{kind_label(r.kind, r.rank)}: {fmt_int(r.params)} = {fmt_int(r.weight_params)} "
           "weights + "
           f"{fmt_int(r.bias_params)} biases" + (f" over {len(r.stages)} stages"
                                             if len(r.stages) > 1 else "") + ".")
    if any(st.op == "channel_sum" for st in r.stages):  # in the subtitle: no bar is under it
        sub += " The channel sum has no parameters."
    layout = dict(
        title=title("Where the parameters are", sub),
        barmode="stack", height=360, bargap=0.45,
        xaxis=dict(title=dict(text="stage (layer)")),
        yaxis=dict(title=dict(text="parameters"), rangemode="tozero", tickformat=",d",
                   range=[0, max(max(totals), 1) * 1.18]),
        # at the figure's foot, under the axis title whatever the plot's height
        legend=dict(orientation="h", x=1.0, xanchor="right", yref="container", y=0.0,
                    yanchor="bottom", traceorder="normal"),
        margin=dict(MARGIN, b=64),
    )
    meta = dict(figure="param_breakdown", kind=r.kind, stages=names, weights=weights,
                biases=biases, truncated=False)
    return finish(traces, layout, meta)


def compare_params_figure(results: Mapping[str, ConvResult], log_scale: bool = False,
                          current: str | None = None) -> go.Figure:
    """Parameters of several conv kinds side by side (weights + biases stacked).

    ``results`` maps a label (usually the kind) to its result; on a log axis the weights
    and biases are drawn side by side, since stacked bars on a log scale mislead.
    """
    rs = list(results.values())
    rank = rs[0].rank if rs else 2
    labels = [kind_label(k, rank) if k in KIND_INFO else k for k in results]
    weights = [r.weight_params for r in rs]
    biases = [r.bias_params for r in rs]
    totals = [r.params for r in rs]
    keys = list(results)
    line = [3 if k == current else 0 for k in keys]
    traces = [
        trace("bar", y=labels, x=weights, name="weights", orientation="h",
              marker=dict(color=WEIGHT_COLOR, line=dict(width=line, color="#000000")),
              hovertemplate="%{y}: %{x:,} weights<extra></extra>"),
        trace("bar", y=labels, x=biases, name="biases", orientation="h",
              marker=dict(color=BIAS_COLOR),
              hovertemplate="%{y}: %{x:,} biases<extra></extra>"),
    ]
    if not log_scale:
        traces.append(trace("scatter", y=labels, x=totals, mode="text",
                            text=[" " + fmt_int(t) for t in totals],
                            textposition="middle right",
                            showlegend=False, hoverinfo="skip", name="total",
                            textfont=dict(size=12)))
    hi = max(totals) if totals else 1
    xaxis = dict(title=dict(text="parameters" + (" (log scale)" if log_scale else "")),
                 tickformat=",d" if not log_scale else None)
    if log_scale:  # powers of ten only: plotly draws the 2s and 5s between them at 9 px
        xaxis.update(type="log", dtick=1)
    else:
        xaxis["range"] = [0, max(hi, 1) * 1.22]
    spec = rs[0].spec if rs else None
    if spec is None:
        sub = ""
    else:
        sub = (f"Same setting for every kind: k={spec.k}, w={fmt_size(spec.kernel)}, c={spec.c} "
               f"(parameters never depend on {', '.join(spec.axes)})")
    layout = dict(
        title=title("Parameters by conv kind", sub),
        barmode="group" if log_scale else "stack",
        height=max(300, 60 + 38 * len(labels)),
        xaxis=xaxis,
        yaxis=dict(title=dict(text="conv kind"), autorange="reversed", automargin=True,
                   tickvals=labels, ticktext=[f"<b>{lab}</b>" if k == current else lab
                                              for lab, k in zip(labels, keys)]),
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom",
                    traceorder="normal"),
        bargap=0.35,
    )
    meta = dict(figure="compare_params", kinds=keys, params=totals, weights=weights,
                biases=biases, log_scale=bool(log_scale), truncated=False)
    return finish(traces, layout, meta)


@dataclass
class _Sweep:
    """analyze() at every value: the values that build, their counts, the ones skipped."""

    used: list[int]
    params: list[int]
    macs: list[int]
    skipped: list[int]
    current: ConvResult | None


def _sweep(base: dict, args: tuple[str, ...], values: Sequence[int], current: int) -> _Sweep:
    vals = sorted({int(v) for v in values} | {current})
    if len(vals) > MAX_SCALING_POINTS:  # keep the payload small: thin evenly, keep current
        step = len(vals) / MAX_SCALING_POINTS
        vals = sorted({vals[int(i * step)] for i in range(MAX_SCALING_POINTS)} | {current}
                      | {vals[-1]})
    sw = _Sweep([], [], [], [], None)
    for v in vals:
        try:
            res = analyze(**{**base, **{a: v for a in args}})
        except ConvError:
            sw.skipped.append(v)
            continue
        sw.used.append(v)
        sw.params.append(res.params)
        sw.macs.append(res.macs)
        if v == current:
            sw.current = res
    return sw


def scaling_figure(base_kwargs: Mapping[str, object], vary: str, values: Sequence[int],
                   current: int, log_y: bool = False) -> go.Figure:
    """Params (top) and MACs (bottom) as one setting varies; the current value is marked.

    ``base_kwargs`` are analyze() arguments including ``kind``. ``vary`` is one of "H"
    (sets H and W together when they are equal), "W" (the sequence length in 1D), "D"
    (3D depth), "k", "c", "w". Spatial knobs must exist at the layer's rank: "H" needs an
    ``H`` in ``base_kwargs`` (2D/3D) and "D" a ``D`` (3D), so a 1D layer never silently
    becomes 2D. ``current`` is added to the values if missing. Values that raise
    ConvError are skipped (listed in ``fig.layout.meta["skipped"]``); at most ~400 values
    are drawn (evenly thinned).
    """
    if vary not in VARY_ARGS:
        raise ValueError(f"vary={vary!r} must be one of {', '.join(VARY_ARGS)}")
    base = dict(base_kwargs)
    if "kind" not in base:
        raise ValueError("base_kwargs must include 'kind' (and the other analyze() arguments)")
    if vary in ("H", "D") and base.get(vary) is None:
        have = "D, H, W" if base.get("D") is not None else "H, W" if base.get("H") is not None \
            else "W"
        raise ValueError(f"vary={vary!r} needs {vary} in base_kwargs; this layer has {have}"
                         + (" (vary 'W' for a sequence)" if have == "W" else ""))
    if vary == "H" and base.get("H") != base.get("W"):
        args: tuple[str, ...] = ("H",)
    else:
        args = VARY_ARGS[vary]
    sw = _sweep(base, args, values, int(current))
    used, params, macs, skipped, cur = sw.used, sw.params, sw.macs, sw.skipped, sw.current
    label = VARY_LABELS[vary] if args != ("H",) else "H (input height)"
    if vary == "W" and base.get("H") is None:
        label = "W (sequence length)"
    traces = [
        trace("scatter", x=used, y=params, mode="lines+markers", name="parameters",
              line=dict(color=BLUE, width=2.5), marker=dict(size=5),
              xaxis="x", yaxis="y",
              hovertemplate=f"{vary} = %{{x}}: %{{y:,}} parameters<extra></extra>"),
        trace("scatter", x=used, y=macs, mode="lines+markers", name="MACs (one image)",
              line=dict(color=ORANGE, width=2.5), marker=dict(size=5, symbol="square"),
              xaxis="x2", yaxis="y2",
              hovertemplate=f"{vary} = %{{x}}: %{{y:,}} MACs<extra></extra>"),
    ]
    shapes = []
    if cur is not None:
        traces += [
            trace("scatter", x=[int(current)], y=[cur.params], mode="markers", xaxis="x", yaxis="y",
                  marker=dict(size=13, color=VERMILLION, symbol="diamond",
                              line=dict(width=1, color="#000")),
                  name=f"current ({vary} = {int(current)})",
                  hovertemplate=f"current: %{{y:,}} parameters<extra></extra>"),
            trace("scatter", x=[int(current)], y=[cur.macs], mode="markers", xaxis="x2", yaxis="y2",
                  marker=dict(size=13, color=VERMILLION, symbol="diamond",
                              line=dict(width=1, color="#000")),
                  showlegend=False, name="current MACs",
                  hovertemplate=f"current: %{{y:,}} MACs<extra></extra>"),
        ]
        for xa in ("x", "x2"):
            shapes.append(dict(type="line", xref=xa, yref=f"{xa.replace('x', 'y')} domain",
                               x0=int(current), x1=int(current), y0=0, y1=1,
                               line=dict(color=VERMILLION, width=1, dash="dot")))
    flat = len(set(params)) == 1 and len(params) > 1
    if not used:
        headline = "No valid setting in this range"
    elif flat:
        grow = macs[-1] / macs[0] if macs[0] else float("inf")
        headline = (f"Parameters stay at {fmt_int(params[0])} while MACs grow "
                    f"{grow:,.0f}× ({fmt_int(macs[0])} → {fmt_int(macs[-1])})")
    else:
        headline = (f"Parameters {fmt_int(params[0])} → {fmt_int(params[-1])}, "
                    f"MACs {fmt_int(macs[0])} → {fmt_int(macs[-1])}")
    if skipped:
        shown = ", ".join(map(str, skipped[:8])) + ("…" if len(skipped) > 8 else "")
        headline += f" (skipped {vary} = {shown}: not a valid layer)"
    kind = str(base.get("kind", ""))
    rank = spatial_rank(base.get("H"), base.get("D"))
    sub = (f"{kind_label(kind, rank) if kind in KIND_INFO else kind}, varying {label}. "
           f"{headline}.")
    ytype = "log" if log_y else "linear"
    layout = dict(
        title=title(f"What grows when {vary} grows", sub),
        height=470,
        xaxis=dict(domain=[0, 1], anchor="y", matches="x2",
                   title=dict(text=label, standoff=2, font=dict(size=12))),
        yaxis=dict(domain=[0.6, 1.0], title=dict(text="parameters"), type=ytype,
                   rangemode="tozero" if not log_y else None, tickformat="~s"),
        xaxis2=dict(domain=[0, 1], anchor="y2", title=dict(text=label)),
        yaxis2=dict(domain=[0.0, 0.4], title=dict(text="MACs"), type=ytype,
                    rangemode="tozero" if not log_y else None, tickformat="~s"),
        shapes=shapes,
        # at the figure's foot, under the lower x-axis title: never on a curve or a title
        legend=dict(orientation="h", x=0.0, xanchor="left", yref="container", y=0.0,
                    yanchor="bottom"),
        margin=dict(MARGIN, b=84),
        hovermode="x unified",
    )
    meta = dict(figure="scaling", vary=vary, values=used, skipped=skipped, params=params,
                macs=macs, current=int(current), current_drawn=cur is not None,
                truncated=False)
    return finish(traces, layout, meta)
