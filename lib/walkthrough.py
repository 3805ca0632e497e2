"""The story of "How many weights does a Conv2D train?", step by step.

The classic question: a 32×32×3 image and a Conv2D with 10 filters of 4×4. Each step has
its own small set of knobs (URL keys ``w1``, ``c1``, ``H2``, … in
``lib.state.WALKTHROUGH_CONTROLS``); :func:`build_step` turns the knob values into a
:class:`Step` with the text, the formulas and the numbers, every number from
:func:`lib.conv.analyze`. The page only renders what it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lib.compare import TRADEOFFS
from lib.conv import ConvError, ConvResult, analyze
from lib.text import compare_counts, fmt_int, fmt_shape, plural

#: The classic question.
CLASSIC: dict[str, int] = {"k": 10, "w": 4, "c": 3, "H": 32, "W": 32}

INTRO = (
    "The classic exam question: an input image of **32×32×3** (height × width × RGB "
    "channels) goes into a Conv2D layer with **10 filters of 4×4**, no padding, stride 1. "
    "How many weights does the layer train, and what shape comes out? Six steps, each with "
    "a knob to try other numbers.")


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str | None = None


@dataclass(frozen=True)
class StepSpec:
    """What the page needs before the numbers: the title and the step's knobs (URL keys)."""

    number: int
    title: str
    controls: tuple[str, ...]
    figure: str | None = None  # name of the lib.figures function for this step, if any


@dataclass(frozen=True)
class Step:
    """One step of the story, ready to render (``error`` set: show it instead)."""

    number: int
    title: str
    paragraphs: tuple[str, ...] = ()
    latex: tuple[str, ...] = ()
    metrics: tuple[Metric, ...] = ()
    takeaway: str | None = None
    result: ConvResult | None = None
    error: str | None = None


STEPS: tuple[StepSpec, ...] = (
    StepSpec(1, "1 · What one filter looks like", ("w1", "c1"), "filter_tensor_figure"),
    StepSpec(2, "2 · The output shape: why the image shrinks", ("H2", "w2", "pad2"),
             "sliding_window_figure"),
    StepSpec(3, "3 · All the filters together", ("k3", "w3", "c3")),
    StepSpec(4, "4 · Another image size: same weights, other work", ("H4", "W4")),
    StepSpec(5, "5 · One kernel shared by all channels", ("c5",)),
    StepSpec(6, "6 · Depthwise separable: Keras vs PyTorch", ("k6", "c6")),
)

STEP_BY_NUMBER: dict[int, StepSpec] = {s.number: s for s in STEPS}


def _std(k: int, w: int, c: int, H: int = 32, W: int = 32, **kw: object) -> ConvResult:
    return analyze("standard", k=k, w=w, c=c, H=H, W=W, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------

def _filter(v: Mapping[str, object]) -> Step:
    w, c = v["w1"], v["c1"]
    layer = _std(CLASSIC["k"], w, c)  # the classic layer with this filter shape
    one = _std(1, w, c)  # one filter on its own
    spec = STEP_BY_NUMBER[1]
    return Step(
        1, spec.title,
        paragraphs=(
            f"A filter is not a flat {w}×{w} square. It has its own {w}×{w} grid of weights "
            f"for **each** of the {c} input channels: a {w}×{w}×{c} block of "
            f"{fmt_int(one.weight_params)} weights.",
            f"At every position it multiplies its {fmt_int(one.weight_params)} weights with the "
            f"{fmt_int(one.weight_params)} input values under it, adds everything up and adds its "
            f"bias: one number. So one filter trains {fmt_int(one.weight_params)} weights + "
            f"{one.bias_params} bias = **{fmt_int(one.params)}** parameters.",
        ),
        latex=(one.params_latex,),
        metrics=(Metric("Filter shape", fmt_shape(layer.stages[0].keras_weight_shape[:3]),
                        "kernel height × width × input channels"),
                 Metric("Weights", fmt_int(one.weight_params)),
                 Metric("Bias", fmt_int(one.bias_params)),
                 Metric("Parameters per filter", fmt_int(layer.params_per_filter or one.params))),
        takeaway=("A filter is always as deep as its input: c input channels means every "
                  "filter has c slices."),
        result=one)  # the figure draws this one filter: the step and its figure agree


def _output(v: Mapping[str, object]) -> Step:
    n, w, pad = v["H2"], v["w2"], v["pad2"]
    r = _std(CLASSIC["k"], w, CLASSIC["c"], H=n, W=n, padding=pad)
    a = r.stages[0].axes[0]
    spec = STEP_BY_NUMBER[2]
    if a.mode == "same":
        why = (f"With 'same' padding, {a.before + a.after} row(s) of zeros are added "
               f"({a.before} on top, {a.after} at the bottom, and the same for columns) so "
               f"that the output keeps the input's size: **{a.size_out}**. Keras writes "
               f"padding='same', PyTorch padding='same' (at stride 1).")
    else:
        why = (f"With 'valid' padding (no zeros added: Keras's default, PyTorch's padding=0) "
               f"the {a.extent}-wide filter must fit entirely inside the image. Its left edge "
               f"can start at column 0, 1, …, {a.size_out - 1}: that is {a.size_in} − "
               f"{a.extent} + 1 = **{a.size_out}** positions, not {a.size_in} − {a.extent} = "
               f"{a.size_out - 1}. Counting positions is counting fence posts: add one.")
    ho, wo, co = r.output_shape
    return Step(
        2, spec.title,
        paragraphs=(
            why,
            f"Each of the {co} filters gives one number per position, a {ho}×{wo} map; the "
            f"{co} maps stacked make the output **{fmt_shape(r.output_shape)}**. The output has "
            f"as many channels as the layer has filters.",
        ),
        latex=r.output_latex,
        metrics=(Metric("Input", fmt_shape(r.input_shape)),
                 Metric("Output", fmt_shape(r.output_shape)),
                 Metric("Positions per filter", fmt_int(ho * wo),
                        f"{fmt_int(ho)} × {fmt_int(wo)}")),
        takeaway="Output channels = number of filters (k), whatever the input had.",
        result=r)


def _total(v: Mapping[str, object]) -> Step:
    k, w, c = v["k3"], v["w3"], v["c3"]
    r = _std(k, w, c)
    one_kernel = analyze("shared_channels", k=k, w=w, c=c, H=32, W=32, bias=False)
    spec = STEP_BY_NUMBER[3]
    wrong = [f"{k}×{w}×{w} = {fmt_int(one_kernel.params)} counts one {w}×{w} kernel per "
             f"filter, as if all {c} channels shared it (step 5)"] if c > 1 else []
    wrong.append(f"{c}×{k}×{w}×{w} = {fmt_int(r.weight_params)} forgets the "
                 f"{plural(r.bias_params, 'bias')}")
    return Step(
        3, spec.title,
        paragraphs=(
            f"{'Each of the ' + plural(k, 'filter') if k > 1 else 'The one filter'} has its "
            f"own {fmt_int(r.params_per_filter or 0)} parameters, "
            f"so the layer trains {k} × {fmt_int(r.params_per_filter or 0)} = "
            f"**{fmt_int(r.params)}**: {plural(r.weight_params, 'weight')} and "
            f"{plural(r.bias_params, 'bias')} (one per filter).",
            "Common wrong answers: " + "; ".join(wrong) + ".",
            "Keras's model.summary() and PyTorch's sum(p.numel() for p in "
            "layer.parameters()) print the same number.",
        ),
        latex=(r.params_latex,),
        metrics=(Metric("Weights", fmt_int(r.weight_params)),
                 Metric("Biases", fmt_int(r.bias_params)),
                 Metric("Parameters", fmt_int(r.params))),
        takeaway="params = k · (w · w · c + 1): filters × (weights per filter + 1 bias).",
        result=r)


def _size(v: Mapping[str, object]) -> Step:
    H, W = v["H4"], v["W4"]
    base = _std(CLASSIC["k"], CLASSIC["w"], CLASSIC["c"])
    r = _std(CLASSIC["k"], CLASSIC["w"], CLASSIC["c"], H=H, W=W)
    ho, wo, _ = r.output_shape
    per_position = r.macs // (ho * wo)
    spec = STEP_BY_NUMBER[4]
    size, classic = fmt_shape((H, W)), fmt_shape((CLASSIC["H"], CLASSIC["W"]))
    pixels, classic_pixels = H * W, CLASSIC["H"] * CLASSIC["W"]
    bigger = ("a bigger image only means more positions" if pixels > classic_pixels else
              "a smaller image only means fewer positions" if pixels < classic_pixels else
              "another image of as many pixels only moves the positions")
    return Step(
        4, spec.title,
        paragraphs=(
            f"On a {size} image the layer still has **{fmt_int(r.params)}** parameters, "
            f"exactly as on {classic} ({fmt_int(base.params)}): a filter is the same at every "
            f"position, so {bigger}.",
            f"The work does change. At each of the {fmt_int(ho)}×{fmt_int(wo)} = "
            f"{fmt_int(ho * wo)} output positions the {r.output_shape[2]} filters do "
            f"{fmt_int(per_position)} multiply-accumulates (MACs) in total, so "
            f"{fmt_int(r.macs)} MACs: "
            + compare_counts(r.macs, base.macs, "MACs",
                             f"the {fmt_int(base.macs)} of the {classic} image") + ".",
        ),
        latex=(r.params_latex,),
        metrics=(Metric(f"Params at {classic}", fmt_int(base.params)),
                 Metric(f"Params at {size}", fmt_int(r.params)),
                 Metric(f"MACs at {classic}", fmt_int(base.macs),
                        f"output {fmt_shape(base.output_shape)}"),
                 Metric(f"MACs at {size}", fmt_int(r.macs),
                        f"output {fmt_shape(r.output_shape)}")),
        takeaway=("Parameters depend on k, w and c only; MACs (and memory) also grow with "
                  "the image."),
        result=r)


def _shared(v: Mapping[str, object]) -> Step:
    c = v["c5"]
    k, w = CLASSIC["k"], CLASSIC["w"]
    shared = analyze("shared_channels", k=k, w=w, c=c, H=32, W=32)
    std = _std(k, w, c)
    spec = STEP_BY_NUMBER[5]
    return Step(
        5, spec.title,
        paragraphs=(
            f"A different design: first add the {c} input channels into one, then give each "
            f"of the {k} filters a single {w}×{w} kernel. A filter then has "
            f"{fmt_int(shared.params_per_filter or 0)} parameters and the layer "
            f"**{fmt_int(shared.params)}**, whatever c is: "
            + compare_counts(shared.params, std.params, other=f"the standard Conv2D on "
                             f"{plural(c, 'channel')} ({fmt_int(std.params)})") + ".",
            "The trade-off: " + TRADEOFFS["shared_channels"][0].lower()
            + TRADEOFFS["shared_channels"][1:],
        ),
        latex=(shared.params_latex,),
        metrics=(Metric("Shared across channels", fmt_int(shared.params)),
                 Metric("Standard Conv2D", fmt_int(std.params))),
        takeaway=("It is what people often mean by 'the 4×4 filter', and it is not what "
                  "Conv2D does."),
        result=shared)


def _separable(v: Mapping[str, object]) -> Step:
    k, c = v["k6"], v["c6"]
    w = CLASSIC["w"]
    keras = analyze("separable_keras", k=k, w=w, c=c, H=32, W=32)
    torch = analyze("separable_pytorch", k=k, w=w, c=c, H=32, W=32)
    std = _std(k, w, c)
    dw, pw = torch.stages
    extra = torch.params - keras.params
    spec = STEP_BY_NUMBER[6]
    return Step(
        6, spec.title,
        paragraphs=(
            f"A depthwise separable conv splits the job in two. A depthwise conv gives each of "
            f"the {plural(c, 'channel')} its own {w}×{w} filter "
            f"({plural(dw.weight_params, 'weight')}, spatial patterns only); then a 1×1 "
            f"pointwise conv mixes the {plural(c, 'channel')} into {plural(k, 'output')} "
            f"({plural(pw.weight_params, 'weight')}, channel mixing only). Separating "
            f"the two is the idea behind Xception and MobileNet.",
            f"Keras's SeparableConv2D has a single bias vector, for the "
            f"{plural(k, 'output')}: "
            f"{fmt_int(keras.weight_params)} + {keras.bias_params} = "
            f"**{fmt_int(keras.params)}**. In PyTorch you build it from two nn.Conv2d layers "
            f"and each has its own bias, "
            f"{dw.bias_params} + {pw.bias_params}: **{fmt_int(torch.params)}**. Same layer shape, "
            f"{plural(extra, 'parameter')} apart (bias=False on the depthwise nn.Conv2d matches "
            f"Keras).",
            f"A standard Conv2D of the same shape trains {fmt_int(std.params)}: the Keras version "
            f"has " + compare_counts(keras.params, std.params, other="that") + " (the compare "
            "page shows every kind side by side).",
        ),
        latex=(keras.params_latex, torch.params_latex),
        metrics=(Metric("Keras SeparableConv2D", fmt_int(keras.params)),
                 Metric("PyTorch (two nn.Conv2d)", fmt_int(torch.params)),
                 Metric("Standard Conv2D", fmt_int(std.params))),
        takeaway="Same architecture, different counts: always check where the biases are.",
        result=keras)


_BUILDERS: dict[int, Callable[[Mapping[str, object]], Step]] = {
    1: _filter, 2: _output, 3: _total, 4: _size, 5: _shared, 6: _separable,
}


def build_step(number: int, values: Mapping[str, object]) -> Step:
    """Step ``number`` for these knob values; a ConvError becomes ``Step.error``.

    The error names the step's URL keys and their values, so a student knows which knob to
    move.
    """
    spec = STEP_BY_NUMBER[number]
    try:
        return _BUILDERS[number](values)
    except ConvError as err:
        knobs = ", ".join(f"{key}={values[key]}" for key in spec.controls)
        return Step(number, spec.title, error=f"{err} (with {knobs})")
