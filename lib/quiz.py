"""Quiz questions about conv layers, with wrong answers that real students give.

``make_question(seed, level, index)`` builds question number ``index`` of the quiz
``seed`` at ``level`` ('easy', 'medium', 'hard'). It only uses
``random.Random(f"{seed}:{level}:{index}")``, never the global RNG, so the same seed and
level always give the same questions: a teacher can hand one link to a whole class.

A question asks for the output shape, the parameter count, or which of two layers has
fewer parameters. Every number (right or wrong) comes from :func:`lib.conv.analyze`: the
right answer is analyze's number; each wrong choice is analyze's number *for the layer a
student mistakenly pictures* (the bias forgotten = ``bias=False``; the stride forgotten =
``stride=1``; ...) or a small, named slip on analyze's number (``H_out - 1``: counting
``H - w`` window positions instead of ``H - w + 1``). Each choice carries its
misconception's key, so the feedback can say "that's what you get if you forget the bias".

Nothing here imports streamlit; the page keeps the score with :class:`Score`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from lib.conv import KIND_INFO, ConvError, ConvResult, analyze
from lib.state import EXPLORER_CONTROLS, Control, parse_query, to_query
from lib.text import compare_counts, fmt_int, fmt_shape

LEVELS: tuple[str, ...] = ("easy", "medium", "hard")
TOPICS: tuple[str, ...] = ("output_shape", "params", "cheaper")
#: How many choices an output-shape or parameter question offers.
N_CHOICES = 4
#: Largest quiz number (seed) the page accepts.
MAX_SEED = 999_999_999

CORRECT = "correct"
NEAR_MISS = "near_miss"

#: What a student did to get each wrong answer: "that's what you get if you <text>".
MISCONCEPTIONS: dict[str, str] = {
    CORRECT: "get it right",
    # output shape
    "no_plus_one": "count H − w window positions instead of H − w + 1 (the fence-post slip)",
    "no_stride": "forget the stride",
    "no_padding": "forget the padding",
    "no_dilation": "forget the dilation (a dilated w×w kernel spans d·(w − 1) + 1 cells)",
    "same_floor": "round H / stride down instead of up ('same' gives ceil(H / stride))",
    "channels_in": "keep the c input channels (the output has one channel per filter, k)",
    "no_multiplier": "forget the depth multiplier (C_out = c × m)",
    "transposed_as_conv": "use the conv formula: a transposed conv grows its input, it "
                          "does not shrink it",
    "no_output_padding": "forget the output padding",
    # parameter count
    "no_bias": "forget the bias",
    "no_channels": "forget that each filter has a kernel for every input channel it sees (c)",
    "one_filter": "count a single filter instead of all k",
    "no_groups": "forget the groups (each filter only sees c / g channels)",
    "keras_bias_twice": "count the bias of Keras's SeparableConv2D twice (k after each step)",
    "pytorch_bias_in_keras": "use PyTorch's two-bias count for Keras's SeparableConv2D "
                             "(Keras has one bias vector, of size k)",
    "keras_bias_in_pytorch": "use Keras's one-bias count for PyTorch's two layers "
                             "(each nn.Conv2d has its own bias)",
    "separable_as_standard": "count a standard conv: the separable one factorises it into "
                             "a depthwise and a 1×1 step",
    "depthwise_as_standard": "count a standard conv with c × m filters (a depthwise filter "
                             "sees one channel only)",
    "shared_as_standard": "give every input channel its own kernel (that is a standard "
                          "conv; here one kernel is shared by all channels)",
    # which is cheaper
    "kernel_only": "compare the kernel sizes only (the number of filters k multiplies "
                   "everything)",
    "filters_only": "compare the number of filters only (the kernel size multiplies "
                    "everything too)",
    "thinks_equal": "assume the two cost the same without counting",
    "bias_off_same": "forget that with the bias off neither layer has a bias, so Keras's "
                     "and PyTorch's separable convs count the same",
    "guess_bigger_name": "guess without counting: multiply it out for both layers",
    "separable_always_cheaper": "assume a separable conv is always cheaper (with few "
                                "filters the two steps cost more)",
    "two_layers_cost_more": "assume two layers must cost more than one",
    NEAR_MISS: "slip somewhere (a near miss, not a classic mistake)",
}


def says(key: str) -> str:
    """"that's what you get if you …" for a misconception key."""
    return f"That's what you get if you {MISCONCEPTIONS[key]}."


# ---------------------------------------------------------------------------
# Layer configurations
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Layer:
    """The arguments of :func:`lib.conv.analyze` for one quiz layer (2D, square kernel)."""

    kind: str
    k: int
    w: int
    c: int
    H: int
    W: int
    stride: int = 1
    padding: str | int = "valid"
    dilation: int = 1
    groups: int = 1
    bias: bool = True
    depth_multiplier: int = 1
    output_padding: int = 0

    def kwargs(self) -> dict[str, object]:
        return dict(kind=self.kind, k=self.k, w=self.w, c=self.c, H=self.H, W=self.W,
                    stride=self.stride, padding=self.padding, dilation=self.dilation,
                    groups=self.groups, bias=self.bias,
                    depth_multiplier=self.depth_multiplier,
                    output_padding=self.output_padding)

    def analyze(self) -> ConvResult:
        return analyze(**self.kwargs())  # type: ignore[arg-type]

    def but(self, **changes: object) -> Layer:
        return replace(self, **changes)


def _try(layer: Layer) -> ConvResult | None:
    try:
        return layer.analyze()
    except ConvError:
        return None


def _padding_text(layer: Layer) -> str:
    if layer.padding == "valid":
        return "padding 'valid' (no zeros added)"
    if layer.padding == "same":
        return "padding 'same' (Keras)"
    p = layer.padding
    return f"padding {p} ({p} {'ring' if p == 1 else 'rings'} of zeros on every side)"


#: What each kind is, in a sentence (``str.format`` fields: see :func:`_words`).
_WHAT: dict[str, str] = {
    "standard": "A Conv2D layer with k = {k} {filters} of {kernel}, {bias}",
    "pointwise": "A 1×1 (pointwise) Conv2D with k = {k} {filters}, {bias}",
    "shared_channels": ("A layer that first adds the {c} input channels into one, then "
                        "applies a Conv2D with k = {k} {filters} of {kernel}, {bias}"),
    "grouped": ("A grouped Conv2D (groups = {groups}) with k = {k} {filters} of {kernel}, "
                "{bias}"),
    "depthwise": ("A DepthwiseConv2D with {kernel} kernels and depth multiplier m = {m}, "
                  "{bias}"),
    "separable_keras": ("A Keras SeparableConv2D with k = {k} {filters}, {kernel} depthwise "
                        "kernels and depth multiplier m = {m}, {bias}"),
    "separable_pytorch": ("A PyTorch depthwise-separable block: nn.Conv2d({c}, {cm}, {w}, "
                          "groups={c}) then nn.Conv2d({cm}, {k}, 1), both {bias}"),
    "transposed": ("A transposed conv ({fw}) with k = {k} {filters} of {kernel}{groups_txt}, "
                   "{bias}"),
    "spatially_separable": ("A spatially separable conv: a ({w}×1) Conv2D then a (1×{w}) "
                            "Conv2D, k = {k} {filters} each, {bias}"),
}

#: How a kind is named in a 'which is cheaper' choice (others: the label, depthwise kernels).
_SHORT: dict[str, str] = {
    "standard": "Conv2D: {k} {filters} of {kernel}",
    "grouped": "Grouped Conv2D (groups = {groups}): {k} {filters} of {kernel}",
    "depthwise": "DepthwiseConv2D {kernel}, depth multiplier {m}",
    "pointwise": "1×1 Conv2D: {k} {filters}",
    "transposed": "ConvTranspose2d: {k} {filters} of {kernel}",
    "shared_channels": "Shared across channels: {k} {filters} of {kernel}",
}


def _words(L: Layer) -> dict[str, object]:
    """The fields the sentences above are written with."""
    return dict(
        k=L.k, filters="filter" if L.k == 1 else "filters",
        c=L.c, w=L.w, kernel=f"{L.w}×{L.w}", groups=L.groups, m=L.depth_multiplier,
        cm=L.c * L.depth_multiplier,
        bias="with bias" if L.bias else "without bias (bias off)",
        fw="Keras Conv2DTranspose" if isinstance(L.padding, str) else "PyTorch ConvTranspose2d",
        groups_txt=f", groups = {L.groups}" if L.groups > 1 else "",
        label=KIND_INFO[L.kind].label)


def describe(layer: Layer) -> str:
    """The layer in a sentence a student can compute from (no formulas given away)."""
    L = layer
    geometry = [f"stride {L.stride}", _padding_text(L)]
    if L.dilation > 1 and L.kind != "pointwise":  # a 1×1 kernel has no dilation
        geometry.append(f"dilation {L.dilation}")
    if L.kind == "transposed" and L.output_padding:
        geometry.append(f"output_padding {L.output_padding}")
    inp = f"an input of H×W×c = {L.H}×{L.W}×{L.c}"
    return f"{_WHAT[L.kind].format(**_words(L))}; {', '.join(geometry)}; on {inp}."


def short_name(layer: Layer) -> str:
    """How a layer is named in a 'which is cheaper' choice."""
    template = _SHORT.get(layer.kind, "{label}: {k} {filters}, {kernel} depthwise")
    return template.format(**_words(layer))


# ---------------------------------------------------------------------------
# Wrong answers: each one is analyze() on the layer a student pictures
# ---------------------------------------------------------------------------

Shape = tuple[int, ...]


def _shape_of(layer: Layer) -> Shape | None:
    r = _try(layer)
    return None if r is None else r.output_shape


def _params_of(layer: Layer) -> int | None:
    r = _try(layer)
    return None if r is None else r.params


def _no_plus_one(L: Layer, r: ConvResult) -> Shape | None:
    """H_out - 1 on every axis: counting H - w start positions instead of H - w + 1."""
    first = r.stages[-1] if L.kind == "shared_channels" else r.stages[0]
    if first.op == "transposed" or any(a.mode == "same" for a in first.axes):
        return None
    return (*(n - 1 for n in r.output_shape[:-1]), r.output_shape[-1])


def _same_floor(L: Layer, r: ConvResult) -> Shape | None:
    """'same' with the division rounded down: floor(H / s) instead of ceil(H / s)."""
    if L.padding != "same" or L.stride == 1 or L.kind == "transposed":
        return None
    return (L.H // L.stride, L.W // L.stride, r.output_shape[-1])


def _channels(L: Layer, r: ConvResult, key: str) -> Shape | None:
    wants_dm = L.kind == "depthwise"
    if (key == "no_multiplier") != wants_dm:
        return None
    return (*r.output_shape[:-1], L.c)


SHAPE_MISTAKES: dict[str, Callable[[Layer, ConvResult], Shape | None]] = {
    "no_plus_one": _no_plus_one,
    "no_stride": lambda L, r: _shape_of(L.but(stride=1, output_padding=0))
    if L.stride > 1 else None,
    "no_padding": lambda L, r: _shape_of(L.but(padding="valid" if isinstance(L.padding, str)
                                               else 0))
    if L.padding not in ("valid", 0) else None,
    "no_dilation": lambda L, r: _shape_of(L.but(dilation=1)) if L.dilation > 1 else None,
    "same_floor": _same_floor,
    "channels_in": lambda L, r: _channels(L, r, "channels_in"),
    "no_multiplier": lambda L, r: _channels(L, r, "no_multiplier"),
    "transposed_as_conv": lambda L, r: _shape_of(L.but(kind="standard", groups=1,
                                                       output_padding=0))
    if L.kind == "transposed" else None,
    "no_output_padding": lambda L, r: _shape_of(L.but(output_padding=0))
    if L.kind == "transposed" and L.output_padding else None,
}


def _plus_step(L: Layer, r: ConvResult) -> int | None:
    """The k extra biases if Keras's one bias vector were counted twice."""
    return r.params + r.stages[-1].bias_params if L.bias else None


PARAM_MISTAKES: dict[str, Callable[[Layer, ConvResult], int | None]] = {
    "no_bias": lambda L, r: _params_of(L.but(bias=False)) if L.bias else None,
    "no_channels": lambda L, r: (
        _params_of(L.but(c=L.groups)) if L.kind in ("standard", "grouped", "pointwise")
        else _params_of(L.but(c=1)) if L.kind == "depthwise"
        else _params_of(L.but(c=1)) if L.kind == "transposed" and L.groups == 1
        else None),
    "one_filter": lambda L, r: _params_of(L.but(k=1))
    if L.kind in ("standard", "pointwise", "shared_channels") else None,
    "no_groups": lambda L, r: _params_of(L.but(kind="standard" if L.kind == "grouped"
                                               else L.kind, groups=1))
    if L.kind in ("grouped", "transposed") and L.groups > 1 else None,
    "keras_bias_twice": lambda L, r: _plus_step(L, r) if L.kind == "separable_keras" else None,
    "pytorch_bias_in_keras": lambda L, r: _params_of(L.but(kind="separable_pytorch"))
    if L.kind == "separable_keras" else None,
    "keras_bias_in_pytorch": lambda L, r: _params_of(L.but(kind="separable_keras"))
    if L.kind == "separable_pytorch" else None,
    "separable_as_standard": lambda L, r: _params_of(L.but(kind="standard",
                                                           depth_multiplier=1))
    if L.kind in ("separable_keras", "separable_pytorch") else None,
    "depthwise_as_standard": lambda L, r: _params_of(L.but(kind="standard",
                                                           k=L.c * L.depth_multiplier,
                                                           depth_multiplier=1))
    if L.kind == "depthwise" else None,
    "no_multiplier": lambda L, r: _params_of(L.but(depth_multiplier=1))
    if L.kind in ("depthwise", "separable_keras", "separable_pytorch")
    and L.depth_multiplier > 1 else None,
    "shared_as_standard": lambda L, r: _params_of(L.but(kind="standard"))
    if L.kind == "shared_channels" else None,
}


def _near_shapes(shape: Shape) -> list[Shape]:
    *sp, ch = shape
    out = [tuple(n + 1 for n in sp) + (ch,), tuple(n + 2 for n in sp) + (ch,),
           tuple(n - 2 for n in sp) + (ch,), tuple(2 * n for n in sp) + (ch,),
           tuple(n + 3 for n in sp) + (ch,)]
    return [s for s in out if min(s) >= 1]


def _near_params(n: int, L: Layer) -> list[int]:
    out = [n + L.k, n - 1, n + 1, 2 * n, n + L.c, n + 10, n + 2, n + 3]  # >= 3 distinct
    return [v for v in out if v >= 1]


def _pick(rng: random.Random, candidates: Sequence[tuple[str, object]], right: object,
          fillers: Sequence[object]) -> list[tuple[str, object]]:
    """Up to N_CHOICES - 1 distinct wrong answers: misconceptions first, then near misses."""
    seen = {right}
    wrong: list[tuple[str, object]] = []
    misc = [(key, v) for key, v in candidates if v is not None]
    rng.shuffle(misc)
    for key, value in misc:
        if value not in seen and len(wrong) < N_CHOICES - 1:
            seen.add(value)
            wrong.append((key, value))
    for value in fillers:
        if len(wrong) >= N_CHOICES - 1:
            break
        if value not in seen:
            seen.add(value)
            wrong.append((NEAR_MISS, value))
    return wrong


# ---------------------------------------------------------------------------
# Random layers per level
# ---------------------------------------------------------------------------

_EASY_C = (1, 3, 3, 4, 8, 16)
_K = (1, 2, 4, 8, 10, 16, 32, 64)


def easy_k(seed: int, level: str, index: int) -> int:
    """k of an easy question: the quiz takes the values of ``_K`` in a shuffled turn, so
    two questions in a row never share k (questions 1 and 2 are not both k = 1)."""
    order = list(_K)
    random.Random(f"{seed}:{level}:k").shuffle(order)
    return order[index % len(order)]


def _easy_layer(rng: random.Random, k: int | None = None) -> Layer:
    w = rng.randint(2, 7)
    H = rng.randint(max(w, 6), 64)
    return Layer("standard", k=rng.choice(_K) if k is None else k, w=w,
                 c=rng.choice(_EASY_C), H=H, W=H)


def _geometry(rng: random.Random, hard: bool) -> dict[str, object]:
    stride = rng.choice((1, 1, 2, 2, 3))
    padding: str | int = rng.choice(("valid", "same", "same", 1, 2))
    dilation = rng.choice((1, 1, 2, 3)) if hard else 1
    return dict(stride=stride, padding=padding, dilation=dilation)


def _medium_layer(rng: random.Random) -> Layer:
    kind = rng.choice(("standard", "standard", "pointwise", "shared_channels"))
    w = 1 if kind == "pointwise" else rng.randint(2, 7)
    return Layer(kind, k=rng.choice(_K), w=w, c=rng.choice((1, 3, 4, 8, 16, 32)),
                 H=rng.randint(7, 64), W=rng.randint(7, 64), bias=rng.random() < 0.7,
                 **_geometry(rng, hard=False))  # type: ignore[arg-type]


def _hard_layer(rng: random.Random) -> Layer:
    kind = rng.choice(("standard", "grouped", "depthwise", "separable_keras",
                       "separable_pytorch", "transposed", "shared_channels"))
    geo = _geometry(rng, hard=True)
    w = rng.randint(1 if kind == "transposed" else 2, 5)
    H, W = rng.randint(5, 40), rng.randint(5, 40)
    c, k = rng.choice((3, 4, 8, 16, 32)), rng.choice((4, 8, 16, 32, 64))
    groups, dm, op = 1, 1, 0
    if kind == "grouped":
        groups = rng.choice([g for g in (2, 4, 8) if c % g == 0 and k % g == 0] or [1])
    if kind in ("depthwise", "separable_keras", "separable_pytorch"):
        dm = rng.choice((1, 1, 2, 3))
    if kind == "separable_keras" and not isinstance(geo["padding"], str):
        geo["padding"] = rng.choice(("valid", "same"))  # a Keras layer: no numeric padding
    if kind == "transposed":
        H, W = rng.randint(2, 16), rng.randint(2, 16)
        if rng.random() < 0.5:
            geo["padding"] = rng.choice(("valid", "same"))
        else:
            geo["padding"] = rng.choice((0, 1, 2))
            if c % 2 == 0 and k % 2 == 0 and rng.random() < 0.3:
                groups = 2
        op = rng.randrange(geo["stride"]) if rng.random() < 0.5 else 0  # type: ignore[arg-type]
    return Layer(kind, k=k, w=w, c=c, H=H, W=W, groups=groups, depth_multiplier=dm,
                 output_padding=op, bias=rng.random() < 0.75, **geo)  # type: ignore[arg-type]


_MAKERS = {"easy": _easy_layer, "medium": _medium_layer, "hard": _hard_layer}


def random_layer(rng: random.Random, level: str, k: int | None = None
                 ) -> tuple[Layer, ConvResult]:
    """A layer of ``level`` that analyze() accepts (drawn again until it does); ``k``
    fixes the number of filters of an easy layer."""
    for _ in range(200):
        layer = _easy_layer(rng, k) if level == "easy" else _MAKERS[level](rng)
        r = _try(layer)
        if r is not None and min(r.output_shape) >= 1:
            return layer, r
    raise AssertionError("no valid layer in 200 draws")  # pragma: no cover


#: Pairs of kinds for "which is cheaper" at medium and hard (same k, w, c, H, W).
_PAIRS = {
    "medium": (("standard", "pointwise"), ("standard", "shared_channels"),
               ("pointwise", "shared_channels")),
    "hard": (("standard", "separable_keras"), ("separable_keras", "separable_pytorch"),
             ("depthwise", "grouped"), ("standard", "transposed"), ("grouped", "standard"),
             ("separable_pytorch", "standard")),
}


def _wrong_pick_label(picked: Layer, other: Layer, rp: int, ro: int) -> str:
    """Why a student picks ``picked`` as cheaper when ``other`` is (or they tie)."""
    kinds = {picked.kind, other.kind}
    if kinds == {"standard"}:
        return "kernel_only" if picked.w < other.w else "filters_only"
    if kinds == {"separable_keras", "separable_pytorch"}:
        return ("keras_bias_in_pytorch" if picked.kind == "separable_pytorch" and picked.bias
                else "bias_off_same")
    if picked.kind.startswith("separable") and other.kind == "standard":
        return "separable_always_cheaper"
    if picked.kind == "standard" and other.kind.startswith("separable"):
        return "two_layers_cost_more"
    if picked.kind == "standard" and other.kind == "shared_channels":
        return "shared_as_standard"
    if other.kind == "grouped" and picked.kind == "standard":
        return "no_groups"
    return "guess_bigger_name"


# ---------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    """One quiz question. ``labels[i]`` is the misconception behind ``choices[i]``
    (``'correct'`` for the right one)."""

    seed: int
    level: str
    index: int
    topic: str
    prompt: str
    choices: tuple[str, ...]
    values: tuple[object, ...]        # the number / shape / layer name behind each choice
    labels: tuple[str, ...]
    answer: int                       # index of the right choice
    layers: tuple[Layer, ...]
    results: tuple[ConvResult, ...]   # analyze() of each layer, in the same order
    latex: tuple[str, ...]            # the worked formulas (from lib.conv)
    explanation: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.seed}:{self.level}:{self.index}"

    @property
    def result(self) -> ConvResult:
        return self.results[0]


def question_rng(seed: int, level: str, index: int) -> random.Random:
    """The only randomness of a question: a private RNG named by seed, level and index."""
    return random.Random(f"{seed}:{level}:{index}")


def _check(seed: object, level: object, index: object) -> tuple[int, str, int]:
    if level not in LEVELS:
        raise ValueError(f"level={level!r} is not one of: {', '.join(LEVELS)}")
    for name, v in (("seed", seed), ("index", index)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{name}={v!r} must be a whole number ≥ 0")
    return seed, level, index  # type: ignore[return-value]


def make_question(seed: int, level: str, index: int) -> Question:
    """Question ``index`` (0, 1, 2, …) of quiz ``seed`` at ``level``; deterministic."""
    seed, level, index = _check(seed, level, index)
    rng = question_rng(seed, level, index)
    topic = rng.choices(TOPICS, weights=(4, 4, 2))[0]
    if topic == "cheaper":
        return _cheaper_question(rng, seed, level, index)
    layer, r = random_layer(rng, level, easy_k(seed, level, index) if level == "easy" else None)
    if topic == "output_shape":
        right: object = r.output_shape
        cands = [(key, v) for key, f in SHAPE_MISTAKES.items()
                 if (v := f(layer, r)) is not None and min(v) >= 1]
        wrong = _pick(rng, cands, right, _near_shapes(r.output_shape))
        text = fmt_shape
        ask = "What is the output shape, H_out × W_out × C_out?"
        latex = r.output_latex
        explanation = shape_lines(r)
    else:
        right = r.params
        cands = [(key, v) for key, f in PARAM_MISTAKES.items()
                 if (v := f(layer, r)) is not None and v >= 1]
        wrong = _pick(rng, cands, right, _near_params(r.params, layer))
        text = fmt_int  # type: ignore[assignment]
        ask = "How many trainable parameters (weights + biases) does it have?"
        latex = (r.params_latex,)
        explanation = params_lines(r)
    entries = [(CORRECT, right)] + wrong
    rng.shuffle(entries)
    labels = tuple(key for key, _ in entries)
    return Question(
        seed, level, index, topic, f"{describe(layer)} {ask}",
        tuple(text(v) for _, v in entries),  # type: ignore[arg-type]
        tuple(v for _, v in entries), labels, labels.index(CORRECT), (layer,), (r,),
        tuple(latex), explanation)


def shape_lines(r: ConvResult) -> tuple[str, ...]:
    """The explanation lines about the output shape (feedback of a shape question).

    :func:`lib.explain.explanation` writes why-the-parameters lines, then the one output
    line, then why the count does not depend on the input size.
    """
    return r.explanation[-2:-1]


def params_lines(r: ConvResult) -> tuple[str, ...]:
    """The explanation lines about the parameter count (feedback of a count question)."""
    return r.explanation[:-2] + r.explanation[-1:]


def _cheaper_layers(rng: random.Random, level: str) -> tuple[Layer, Layer]:
    if level == "easy":
        c = rng.choice(_EASY_C)
        H = rng.randint(8, 64)
        k_small, k_big = sorted(rng.sample((2, 4, 8, 10, 16, 32, 64), 2))
        w_small, w_big = sorted(rng.sample((1, 2, 3, 4, 5, 7), 2))
        a = Layer("standard", k=k_small, w=w_big, c=c, H=H, W=H)
        b = Layer("standard", k=k_big, w=w_small, c=c, H=H, W=H)
        return (a, b) if rng.random() < 0.5 else (b, a)
    first, second = rng.choice(_PAIRS[level])
    c = rng.choice((2, 3, 4, 8, 16, 32))
    k = rng.choice((1, 2, 4, 8, 16, 32, 64, 128))
    w = rng.randint(2, 5)
    H = rng.randint(8, 32)
    bias = rng.random() < 0.75
    m = rng.choice((1, 1, 2))
    g = rng.choice([d for d in (2, 4, 8) if c % d == 0] or [1])
    layers = []
    for kind in (first, second):
        kk = c * m if kind == "depthwise" or (kind == "grouped" and first == "depthwise") else k
        if kind == "grouped" and kk % g:
            kk = g * max(1, kk // g)
        layers.append(Layer(kind, k=kk, w=1 if kind == "pointwise" else w, c=c, H=H, W=H,
                            groups=g if kind == "grouped" else 1, bias=bias,
                            depth_multiplier=m if kind in ("depthwise", "separable_keras",
                                                           "separable_pytorch") else 1))
    if rng.random() < 0.5:
        layers.reverse()
    return layers[0], layers[1]


SAME = "They have exactly the same number"


def _cheaper_question(rng: random.Random, seed: int, level: str, index: int) -> Question:
    for _ in range(200):
        a, b = _cheaper_layers(rng, level)
        ra, rb = _try(a), _try(b)
        if ra is not None and rb is not None:
            break
    else:  # pragma: no cover
        raise AssertionError("no valid pair in 200 draws")
    names = (f"A — {short_name(a)}", f"B — {short_name(b)}", SAME)
    if ra.params < rb.params:
        right = 0
    elif rb.params < ra.params:
        right = 1
    else:
        right = 2
    labels = []
    for i, (picked, other, rp, ro) in enumerate(((a, b, ra.params, rb.params),
                                                 (b, a, rb.params, ra.params))):
        labels.append(CORRECT if i == right else _wrong_pick_label(picked, other, rp, ro))
    labels.append(CORRECT if right == 2 else "thinks_equal")
    prompt = (f"Two layers on the same input of H×W×c = {a.H}×{a.W}×{a.c}. "
              f"A: {describe(a)} B: {describe(b)} Which one has fewer trainable parameters?")
    explanation = (f"A has {fmt_int(ra.params)} parameters, B has {fmt_int(rb.params)}: "
                   + ("B" if rb.params > ra.params else "A") + " has "
                   + compare_counts(max(ra.params, rb.params), min(ra.params, rb.params))
                   + "." if ra.params != rb.params else
                   f"A and B both have {fmt_int(ra.params)} parameters.",
                   "A: " + ra.explanation[0], "B: " + rb.explanation[0])
    return Question(seed, level, index, "cheaper", prompt, names,
                    (ra.params, rb.params, None), tuple(labels), right, (a, b), (ra, rb),
                    ("A:\\;" + ra.params_latex, "B:\\;" + rb.params_latex), explanation)


# ---------------------------------------------------------------------------
# Answers, feedback and the score
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Feedback:
    """What the page says after an answer."""

    correct: bool
    chosen: str
    answer: str
    misconception: str          # key into MISCONCEPTIONS ('correct' when right)
    headline: str
    latex: tuple[str, ...]
    explanation: tuple[str, ...]


def check_answer(question: Question, choice: int) -> Feedback:
    """Grade ``choice`` (an index into ``question.choices``) and explain."""
    if isinstance(choice, bool) or not isinstance(choice, int) \
            or not 0 <= choice < len(question.choices):
        raise ValueError(f"choice={choice!r} must be 0 … {len(question.choices) - 1}")
    right = question.choices[question.answer]
    chosen = question.choices[choice]
    label = question.labels[choice]
    if choice == question.answer:
        headline = f"Correct: {right}."
    else:
        headline = f"Not quite: {chosen} is not it. {says(label)} The answer is {right}."
    return Feedback(choice == question.answer, chosen, right, label, headline,
                    question.latex, question.explanation)


def choice_marks(question: Question, chosen: int | None) -> tuple[tuple[str, str], ...]:
    """(button label, button type) for every choice. Before an answer: the choices as
    they are. After: '✓' and the primary look on the right answer, '✗' on a wrong pick,
    so the student sees both at a glance (not four grey buttons)."""
    marks = []
    for i, text in enumerate(question.choices):
        if chosen is None:
            marks.append((text, "secondary"))
        elif i == question.answer:
            marks.append((f"✓ {text}", "primary"))
        elif i == chosen:
            marks.append((f"✗ {text}", "secondary"))
        else:
            marks.append((text, "secondary"))
    return tuple(marks)


def explorer_values(layer: Layer) -> dict[str, object]:
    """The explorer's control values (URL keys) that show ``layer``."""
    pad = layer.padding
    defaults = {c.key: c.default for c in EXPLORER_CONTROLS}
    return {**defaults, "kind": layer.kind, "dims": "2D", "k": layer.k, "w": layer.w,
            "c": layer.c, "H": layer.H, "W": layer.W, "s": layer.stride,
            "pad": pad if isinstance(pad, str) else "explicit",
            "p": defaults["p"] if isinstance(pad, str) else pad,
            "d": layer.dilation, "g": layer.groups, "dm": layer.depth_multiplier,
            "op": layer.output_padding, "bias": layer.bias}


def explorer_query(layer: Layer) -> dict[str, str]:
    """The explorer link's query for ``layer`` (lib.state.to_query: the same short ids a
    copied explorer link carries)."""
    return to_query(explorer_values(layer), EXPLORER_CONTROLS)


@dataclass(frozen=True)
class Score:
    """Answers so far in this session, and the current and best run of right answers."""

    answered: int = 0
    correct: int = 0
    streak: int = 0
    best_streak: int = 0

    def record(self, correct: bool) -> Score:
        streak = self.streak + 1 if correct else 0
        return Score(self.answered + 1, self.correct + int(correct), streak,
                     max(self.best_streak, streak))


def new_seed() -> int:
    """A fresh quiz number for the "New quiz" button (OS randomness; the global RNG is
    never touched). Opening the page without a seed gives quiz 1: a link is a view."""
    return random.SystemRandom().randrange(1, 1_000_000)


# ---------------------------------------------------------------------------
# The page's URL-bound controls
# ---------------------------------------------------------------------------

QUIZ_CONTROLS: tuple[Control, ...] = (
    Control("level", "Level", "easy", choices=LEVELS, always_in_url=True,
            labels=tuple(level.capitalize() for level in LEVELS)),
    Control("seed", "Quiz number (seed)", 1, 0, MAX_SEED, always_in_url=True),
)


def parse_quiz_query(query: Mapping[str, object],
                     controls: Sequence[Control] = QUIZ_CONTROLS
                     ) -> tuple[dict[str, object], list[str]]:
    """Raw query parameters -> valid level and seed, with warnings naming bad values."""
    return parse_query(query, controls)
