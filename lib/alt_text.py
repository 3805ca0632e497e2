"""Text alternatives: one short sentence with the numbers for every figure the app draws.

A screen-reader user hears nothing where a plotly figure is drawn, so every page writes
one of these sentences next to each figure ("Figure: 10 filters of 4×4×3: 480 weights in
10 blocks, one bias each. 490 parameters in all."). Every number is read from what lib
already computed (a :class:`lib.conv.ConvResult`, a network result, the figure's own
``layout.meta`` for the values a figure sweeps) and written through :mod:`lib.text`; the
words for a stage's filters are the figure's own heading (``blocks.stage_heading``), and
the window's position comes from the figure's window geometry (``window.WindowAxis``), so
no formula is typed twice.

Pure: no streamlit; the pages render the sentence with ``st.caption`` (plain text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lib.conv import KIND_INFO, ConvResult, kind_label
from lib.figures.sliding import as_position
from lib.figures.blocks import plan_stages, stage_heading
from lib.figures.heatmaps import panels
from lib.figures.network import METRICS, layer_labels
from lib.figures.window import WindowAxis, window_stage
from lib.network import Comparison, NetworkResult
from lib.text import fmt_count, fmt_int, fmt_shape, fmt_size, plural

#: What every text alternative starts with on the page (a screen reader announces it
#: before the numbers; the AppTest check looks for it next to each figure).
PREFIX = "Figure: "
#: How the play control of an animated figure behaves, said once where there is one.
PLAY_NOTE = ("The ▶ play button steps the window through the outputs and ❚❚ pause stops "
             "it; nothing moves by itself. The position sliders move it one step at a time.")


def _biases(n_bias: int, n_filters: int) -> str:
    if n_bias == 0:
        return "no bias"
    if n_bias == n_filters:
        return "one bias each"
    return f"{fmt_int(n_bias)} biases"


def filters_alt(r: ConvResult) -> str:
    """The filter (weight tensor) figure: each stage's filters, weights and biases.

    ``10 filters of 4×4×3: 480 weights in 10 blocks, one bias each. 490 parameters in all.``
    """
    parts = []
    for plan in plan_stages(r, max_filters=1, max_channels=1):  # totals only; nothing drawn
        st = plan.stage
        parts.append(f"{stage_heading(r, plan)}: {plural(st.weight_params, 'weight')} in "
                     f"{plural(plan.filters_total, 'block')}, "
                     f"{_biases(st.bias_params, plan.filters_total)}")
    return ". ".join(parts) + f". {fmt_int(r.params)} parameters in all."


def volume_alt(r: ConvResult, position: int | Sequence[int] = (0, 0)) -> str:
    """The volume figure: the input volume becoming each stage's output volume, and the
    window of the output ``position`` it marks (as the sliding-window figure says it)."""
    steps = [f"Input {fmt_shape(r.input_shape)}"]
    if len(r.stages) > 1:
        steps += [f"{st.name} {fmt_shape(st.out_shape)}" for st in r.stages]
    else:
        steps.append(f"output {fmt_shape(r.output_shape)}")
    return (" → ".join(steps) + f" ({kind_label(r.kind, r.rank)}); one output "
            f"cell sees {fmt_shape(r.receptive_field)} input cells in each channel. "
            + _window_sentence(r, position, window_stage(r, None)))


_AXIS_WORDS = {1: ("step",), 2: ("row", "column"), 3: ("depth", "row", "column")}


def _span(word: str, first: int, last: int) -> str:
    return (f"{word} {fmt_int(first)}" if first == last
            else f"{word}s {fmt_int(first)} to {fmt_int(last)}")


def window_alt(r: ConvResult, position: int | Sequence[int] = (0, 0),
               stage: int | None = None, animated: bool = False) -> str:
    """The sliding-window figure at output ``position`` (as the figure takes it).

    ``Sliding window of a 4×4 kernel, stride 1: output row 3, column 5 (of 29×29) is made
    from input rows 3 to 6, columns 5 to 8.`` Positions outside the output are clamped, as
    the figure clamps them; a transposed conv is described on its zero-inserted input.
    """
    index = window_stage(r, stage)
    text = _window_sentence(r, position, index)
    if len(r.stages) > 1:
        text += f" Shown: stage {index + 1} of {len(r.stages)} ({r.stages[index].name})."
    return text + (" " + PLAY_NOTE if animated else "")


def _window_sentence(r: ConvResult, position: int | Sequence[int], index: int) -> str:
    """``Sliding window of a … kernel, stride …: output row …, column … (of …) is made from
    the input rows … to …, columns … to ….`` for stage ``index`` (position clamped)."""
    st = r.stages[index]
    lines = [WindowAxis.of(axis, st.op == "transposed") for axis in st.axes]
    pos = as_position(position, len(lines))
    pos = tuple(min(max(int(o), 0), line.n_out - 1) for o, line in zip(pos, lines))
    words = _AXIS_WORDS[len(lines)]
    out = ", ".join(f"{w} {fmt_int(o)}" for w, o in zip(words, pos))
    spans = ", ".join(_span(w, line.start(o), line.start(o) + line.e - 1)
                      for w, o, line in zip(words, pos, lines))
    view = ("the zero-inserted input (stride-1 view)" if st.op == "transposed"
            else "the input")
    padded = any(line.start(o) < 0 or line.start(o) + line.e > line.span
                 for o, line in zip(pos, lines))
    kernel = (f"{st.kernel[0]}-tap" if len(st.kernel) == 1 else fmt_shape(st.kernel))
    return (f"Sliding window of a {kernel} kernel, stride {fmt_size(st.stride)}"
            + (f", dilation {fmt_size(st.dilation)}" if max(st.dilation) > 1 else "")
            + f": output {out} (of {fmt_shape(st.out_shape[:-1])}) is made from {view} "
            f"{spans}" + (" (partly zero padding)" if padded else "") + ".")


def params_alt(r: ConvResult) -> str:
    """The parameter breakdown: weights and biases of every stage, and the total."""
    parts = [f"{st.name}: {fmt_int(st.weight_params)} weights + {fmt_int(st.bias_params)} "
             f"biases" for st in r.stages if st.params or len(r.stages) == 1]
    return ("Where the parameters are: " + "; ".join(parts)
            + f". {fmt_int(r.params)} parameters in all.")


def scaling_alt(meta: Mapping[str, object]) -> str:
    """The scaling figure, from what it swept (``fig.layout.meta``: values, params, macs)."""
    vary, values = meta["vary"], list(meta["values"])
    params, macs = list(meta["params"]), list(meta["macs"])
    if not values:
        return f"No valid layer while {vary} varies in this range."
    text = (f"As {vary} goes from {fmt_int(values[0])} to {fmt_int(values[-1])}, parameters go from "
            f"{fmt_int(params[0])} to {fmt_int(params[-1])} and MACs from "
            f"{fmt_int(macs[0])} to {fmt_int(macs[-1])}")
    current = meta["current"]
    if meta.get("current_drawn") and current in values:
        i = values.index(current)
        text += (f"; at {vary} = {fmt_int(current)} (marked): {fmt_int(params[i])} parameters, "
                 f"{fmt_int(macs[i])} MACs")
    return text + "."


def compare_alt(results: Mapping[str, ConvResult]) -> str:
    """The compare figure: every kind's parameter count, and the smallest and largest."""
    if not results:
        return "No kind can be built with these settings."
    rank = next(iter(results.values())).rank
    named = [(kind_label(k, rank) if k in KIND_INFO else k, r.params)
             for k, r in results.items()]
    fewest = min(named, key=lambda kv: kv[1])
    most = max(named, key=lambda kv: kv[1])
    return ("Parameters per kind (weights + biases): "
            + "; ".join(f"{name} {fmt_int(p)}" for name, p in named)
            + f". Fewest: {fewest[0]}; most: {most[0]}.")


def layer_bars_alt(result: NetworkResult, metric: str = "params") -> str:
    """The network's per-layer bars: each layer's parameters (or MACs) and the total."""
    word = METRICS[metric][1]
    values = [getattr(row, metric) for row in result.rows]
    total = result.total_params if metric == "params" else result.total_macs
    return (f"{METRICS[metric][0]} per layer: "
            + "; ".join(f"{label} {fmt_int(v)}" for label, v in zip(layer_labels(result), values))
            + f". Total {fmt_int(total)} {word}.")


def comparison_alt(cmp: Comparison, metric: str = "params") -> str:
    """The separable-versus-standard bars: both totals and how many times bigger."""
    word = METRICS[metric][1]
    sep = cmp.separable.total_params if metric == "params" else cmp.separable.total_macs
    std = cmp.standard.total_params if metric == "params" else cmp.standard.total_macs
    ratio = cmp.params_ratio if metric == "params" else cmp.macs_ratio
    return (f"{METRICS[metric][0]} per layer, depthwise separable next to standard: "
            f"{fmt_int(sep)} vs {fmt_int(std)} {word} in all ({fmt_count(std)} is "
            f"{ratio:.1f}× {fmt_count(sep)}).")


def heatmap_alt(values: np.ndarray, name: str) -> str:
    """The prove-it heatmaps: the array's shape, its panels and its smallest and largest
    value (each cell's value is written in the figure and its hover)."""
    a = np.asarray(values, dtype=float)
    grids = panels(a, name)
    first = grids[0][1]
    return (f"{name}: {fmt_shape(a.shape)} numbers as {plural(len(grids), 'heatmap')} of "
            f"{fmt_shape(first.shape)}, from {a.min():.2f} to {a.max():.2f}.")


def explorer_alt(choice: str, r: ConvResult, fig_meta: Mapping[str, object],
                 position: Sequence[int] = (0, 0)) -> str:
    """The explorer's figure ``choice`` (an id of ``lib.state.FIGURES``)."""
    if choice in ("filters", "filters3d"):  # the isometric and the 3D view draw the same
        return filters_alt(r)
    if choice == "volume":
        return volume_alt(r, position)
    if choice == "window":
        return window_alt(r, position, animated=True)
    if choice == "params":
        return params_alt(r)
    if choice == "scaling":
        return scaling_alt(fig_meta)
    raise ValueError(f"no text alternative for figure {choice!r}")


#: The walkthrough's figures (``StepSpec.figure`` names a lib.figures function).
WALKTHROUGH_ALT = {"filter_tensor_figure": filters_alt, "sliding_window_figure": window_alt}
