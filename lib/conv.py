"""The conv model: one trustworthy source for every number ConvScope shows.

``analyze(kind, k, w, c, H, W, ...)`` turns a layer configuration into a frozen
:class:`ConvResult`: output shape, parameter count and breakdown, MACs, memory,
receptive field, the formulas as LaTeX and a plain-language explanation.

Spatial rank 1, 2 or 3 (like PyTorch's ``_ConvNd``: one implementation, the spatial
dimensions as a tuple). The rank follows from the sizes given:

* 2D (images): ``analyze(kind, k, w, c, H=32, W=32)`` -> output ``(H_out, W_out, C_out)``
* 1D (audio, text): ``analyze(kind, k, w, c, W=100)`` -> ``(W_out, C_out)``; ``W`` is the
  sequence length (Keras's steps), and ``padding="causal"`` is allowed (WaveNet)
* 3D (video, volumes): ``analyze(kind, k, w, c, H=112, W=112, D=16)`` -> ``(D_out, H_out, W_out, C_out)``

Per-axis arguments (``w``, ``stride``, ``dilation``, ``output_padding``, a padding tuple)
take one int or a tuple with one entry per spatial axis, in the order (D, H, W).

The model is split by concern; this module is the entry point and re-exports the public
names of the others (``from lib.conv import ConvError, Axis, ...`` keeps working):
:mod:`lib.spec` (kinds, limits, validated :class:`ConvSpec`), :mod:`lib.geometry` (one
axis, one :class:`Stage`, the receptive field), :mod:`lib.explain` (formulas, explanation,
framework notes). The per-kind facts live in tables here: :data:`KIND_INFO`,
:data:`APPLIES` and :data:`STAGES` (which real layers each kind is made of).

Shapes
------
* Input ``(H, W, c)`` and output ``(H_out, W_out, C_out)`` (2D) are **channels-last**, the
  way ``keras.Model.summary()`` prints them. Weight tensors are given in both layouts:
  PyTorch ``(out, in/groups, kh, kw)`` and Keras ``(kh, kw, in, out)`` (each
  framework's own layout for depthwise and transposed kernels, see :class:`Stage`).
* One image (batch 1). Parameter counts never depend on ``H`` or ``W``: a filter is the
  same at every position. MACs do: they are counted once per output position.

Counting conventions (checked against the real frameworks in
``tests/data/framework_reference.json``, produced by ``tools/make_reference.py``)
---------------------------------------------------------------------------------
* ``params`` = trainable weights + biases, as ``model.summary()`` / ``sum(p.numel())``.
* ``macs`` = multiply-accumulates with the weights for one image, the count
  ``torch.utils.flop_counter`` reports divided by two: a conv costs
  ``H_out * W_out * C_out * (C_in / groups) * kh * kw``; a transposed conv scatters
  every *input* cell, ``H * W * C_in * (C_out / groups) * kh * kw``. Bias additions
  and the channel sum of ``shared_channels`` are not MACs. ``flops = 2 * macs``.
* Padding ``"valid"`` and ``"same"`` follow Keras: ``"same"`` gives
  ``H_out = ceil(H / stride)`` and pads ``total = max((H_out - 1) * s + d * (kh - 1) + 1 - H, 0)``
  rows, ``total // 2`` on top and the rest at the bottom (PyTorch's ``padding="same"``
  matches at stride 1 and refuses stride > 1). An int or ``(ph, pw)`` padding follows
  PyTorch: that many zeros on *both* sides, and
  ``H_out = floor((H + 2p - d * (kh - 1) - 1) / s) + 1``.
* ``transposed`` with an int padding is ``nn.ConvTranspose2d``:
  ``H_out = (H - 1) * s - 2p + d * (kh - 1) + output_padding + 1``. With ``"valid"`` or
  ``"same"`` it is Keras ``Conv2DTranspose`` (``output_padding=0`` here means Keras's
  default ``None``): valid gives ``H * s + max(d * (kh - 1) + 1 - s, 0)``, same gives
  ``H * s``; with ``output_padding > 0`` Keras uses
  ``(H - 1) * s + d * (kh - 1) + 1 - 2 * pad + output_padding``, ``pad = (d * (kh - 1) + 1) // 2``
  for same and 0 for valid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from lib.explain import (Formula, check_frameworks, explanation, framework_notes,
                         framework_refusals, frameworks_for, output_formulas, params_formula)
from lib.geometry import Axis, Stage, conv_axis, receptive_field, transposed_axis
from lib.spec import (AXES, KINDS, LIMITS, ConvError, ConvSpec, IntPair, check_kind, make_spec,
                      spatial_rank, transposed_output_padding)
from lib.text import fmt_int, fmt_shape

__all__ = [
    "APPLIES", "AXES", "Axis", "BYTES_PER_FLOAT32", "ConvError", "ConvResult", "ConvSpec",
    "Formula", "IntPair", "KINDS", "KIND_INFO", "KindInfo", "LIMITS", "Memory", "STAGES",
    "Stage", "analyze", "build_stages", "conv_axis", "framework_refusals", "frameworks_for",
    "kind_label", "make_spec", "not_applicable_reason", "receptive_field", "spatial_rank",
    "transposed_axis",
]

# ---------------------------------------------------------------------------
# The kinds: what each is called and which arguments it uses
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KindInfo:
    """What a kind is called and what it does, in one sentence."""

    label: str
    summary: str


KIND_INFO: dict[str, KindInfo] = {
    "standard": KindInfo(
        "Standard Conv2D",
        "Each filter has its own kh×kw weights for every input channel, plus one bias."),
    "pointwise": KindInfo(
        "Pointwise (1×1)",
        "A 1×1 conv: mixes channels at each pixel, sees no neighbours (w is ignored)."),
    "grouped": KindInfo(
        "Grouped conv",
        "Channels split into groups; each filter only sees the c/groups channels of its group."),
    "depthwise": KindInfo(
        "Depthwise conv",
        "One kh×kw filter per input channel (× depth multiplier); channels never mix, k is unused."),
    "separable_keras": KindInfo(
        "Depthwise separable (Keras)",
        "Depthwise (no bias) then a 1×1 pointwise conv to k channels, one bias vector of size k."),
    "separable_pytorch": KindInfo(
        "Depthwise separable (PyTorch)",
        "nn.Conv2d(groups=c) then a 1×1 nn.Conv2d to k channels, each layer with its own bias."),
    "shared_channels": KindInfo(
        "Shared across channels",
        "Sum the input channels to one, then a Conv2D with k filters: one kh×kw kernel per filter."),
    "transposed": KindInfo(
        "Transposed conv",
        "Each input cell scatters a kh×kw×k kernel into the output (learned upsampling at stride > 1)."),
    "spatially_separable": KindInfo(
        "Spatially separable",
        "A (kh×1) conv c→k followed by a (1×kw) conv k→k, each with a bias."),
}


def kind_label(kind: str, rank: int | None = 2) -> str:
    """The kind's name at this spatial rank (None: 2D): ``Standard Conv1D``,
    ``Pointwise (1×1×1)``; ``KIND_INFO[kind].label`` in 2D."""
    label = KIND_INFO[kind].label
    if rank in (None, 2):
        return label
    return (label.replace("Conv2D", f"Conv{rank}D")
            .replace("(1×1)", f"({fmt_shape((1,) * rank)})"))


_ALL_ARGS = ("k", "w", "c", "H", "W", "stride", "padding", "dilation", "groups",
             "bias", "depth_multiplier", "output_padding")
_BASE = frozenset({"k", "w", "c", "H", "W", "stride", "padding", "dilation", "bias"})

#: Which arguments each kind uses. The others are validated but have no effect.
APPLIES: dict[str, frozenset[str]] = {
    "standard": _BASE,
    "pointwise": _BASE - {"w", "dilation"},
    "grouped": _BASE | {"groups"},
    "depthwise": (_BASE - {"k"}) | {"depth_multiplier"},
    "separable_keras": _BASE | {"depth_multiplier"},
    "separable_pytorch": _BASE | {"depth_multiplier"},
    "shared_channels": _BASE,
    "transposed": _BASE | {"groups", "output_padding"},
    "spatially_separable": _BASE,
}

_NOT_USED_BECAUSE: dict[str, str] = {
    "k": "a depthwise conv has one filter per input channel: C_out = c × depth multiplier",
    "w": "a pointwise conv is always 1×1",
    "dilation": "a 1×1 kernel has no gaps to dilate",
    "groups": "only grouped and transposed convs split channels into groups",
    "depth_multiplier": "only depthwise and separable convs have a depth multiplier",
    "output_padding": "only transposed convs have output padding",
}


def not_applicable_reason(kind: str, arg: str) -> str | None:
    """Why ``arg`` has no effect on ``kind`` (None when it applies). The UI shows this."""
    if arg in APPLIES[check_kind(kind)]:
        return None
    return _NOT_USED_BECAUSE[arg]


BYTES_PER_FLOAT32 = 4


# ---------------------------------------------------------------------------
# Stages: the real layers each kind is made of
# ---------------------------------------------------------------------------

def _stage(name: str, role: str, op: str, in_shape: tuple[int, ...], out_c: int,
           axes: tuple[Axis, ...], groups: int, bias: bool) -> Stage:
    kernel = tuple(a.kernel for a in axes)
    taps = math.prod(kernel)
    in_c = in_shape[-1]
    out_shape = (*(a.size_out for a in axes), out_c)
    weights = taps * (in_c // groups) * out_c
    if op == "transposed":
        macs = math.prod(in_shape[:-1]) * in_c * (out_c // groups) * taps
        torch_shape = (in_c, out_c // groups, *kernel)
        keras_shape = (*kernel, out_c, in_c) if groups == 1 else ()  # Keras has no groups here
    else:
        macs = math.prod(out_shape[:-1]) * out_c * (in_c // groups) * taps
        torch_shape = (out_c, in_c // groups, *kernel)
        keras_shape = ((*kernel, in_c, out_c // in_c) if op == "depthwise"
                       else (*kernel, in_c // groups, out_c))
    return Stage(name, role, op, in_shape, out_shape, kernel,
                 tuple(a.stride for a in axes), tuple(a.dilation for a in axes),
                 groups, axes, weights, out_c if bias else 0, macs, torch_shape, keras_shape)


def _conv_axes(sizes: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
               dilation: tuple[int, ...], padding: str | tuple[int, ...]) -> tuple[Axis, ...]:
    names = AXES[len(sizes)]
    return tuple(conv_axis(names[i], n, kernel[i], stride[i], dilation[i],
                           padding if isinstance(padding, str) else padding[i])
                 for i, n in enumerate(sizes))


def _identity_axes(sizes: tuple[int, ...]) -> tuple[Axis, ...]:
    ones = (1,) * len(sizes)
    return _conv_axes(sizes, ones, ones, ones, (0,) * len(sizes))


def _check_divides(name: str, value: int, **targets: int) -> None:
    for tname, t in targets.items():
        if t % value:
            raise ConvError(f"{name}={value} must divide {tname}={t}")


def _check_groups(s: ConvSpec, g: int) -> None:
    if g > s.c:
        raise ConvError(f"groups={g} must be at most c={s.c}")
    _check_divides("groups", g, c=s.c, k=s.k)


#: A stage recipe: the spec and the stage's input shape -> the stage(s) it adds.
Recipe = Callable[[ConvSpec, tuple[int, ...]], tuple[Stage, ...]]


def _conv_stage(s: ConvSpec, inp: tuple[int, ...]) -> tuple[Stage, ...]:
    """A conv over the whole kernel with the layer's stride and padding. APPLIES says which
    of w, dilation and groups the kind has (a pointwise conv is 1×1 and undilated)."""
    uses, ones = APPLIES[s.kind], (1,) * s.rank
    kernel = s.kernel if "w" in uses else ones
    dilation = s.dilation if "dilation" in uses else ones
    g = s.groups if "groups" in uses else 1
    _check_groups(s, g)
    axes = _conv_axes(inp[:-1], kernel, s.stride, dilation, s.padding)
    per_group = inp[-1] // g
    role = (f"{fmt_int(s.k)} filters of {fmt_shape((*kernel, per_group))}"
            + (f", in {fmt_int(g)} groups of {fmt_int(per_group)} channels" if g > 1 else ""))
    return (_stage("conv", role, "conv", inp, s.k, axes, g, s.bias),)


def _channel_sum_stage(s: ConvSpec, inp: tuple[int, ...]) -> tuple[Stage, ...]:
    """Add the input channels into one (no weights)."""
    ones = (1,) * s.rank
    return (Stage("channel sum", f"add the {fmt_int(s.c)} input channels into one",
                  "channel_sum", inp, (*inp[:-1], 1), ones, ones, ones, 1,
                  _identity_axes(inp[:-1]), 0, 0, 0, (), ()),)


def _depthwise_stage(s: ConvSpec, inp: tuple[int, ...], bias: bool = True
                     ) -> tuple[Stage, ...]:
    """m filters per input channel, channels never mix (groups = c); ``bias=False`` drops
    the bias whatever the spec says."""
    m = s.depth_multiplier
    axes = _conv_axes(inp[:-1], s.kernel, s.stride, s.dilation, s.padding)
    return (_stage("depthwise", f"{fmt_int(s.c * m)} filters of {fmt_shape((*s.kernel, 1))}, "
                   f"{fmt_int(m)} per input channel", "depthwise", inp, s.c * m, axes, s.c,
                   s.bias and bias),)


def _pointwise_after(s: ConvSpec, inp: tuple[int, ...]) -> tuple[Stage, ...]:
    """The 1×1 conv that mixes the channels after a depthwise stage (stride 1, no padding)."""
    return (_stage("pointwise",
                   f"{fmt_int(s.k)} filters of {fmt_shape((*(1,) * s.rank, inp[-1]))}", "conv",
                   inp, s.k, _identity_axes(inp[:-1]), 1, s.bias),)


def _transposed_stage(s: ConvSpec, inp: tuple[int, ...]) -> tuple[Stage, ...]:
    """Every input cell scatters its kernels (PyTorch with int padding, Keras with strings)."""
    g = s.groups
    if g > 1 and isinstance(s.padding, str):
        raise ConvError(f"groups={g} with padding={s.padding!r}: Keras "
                        f"Conv{s.rank}DTranspose has no groups; use an explicit padding "
                        f"(PyTorch ConvTranspose{s.rank}d)")
    _check_groups(s, g)
    output_padding = transposed_output_padding(s)
    axes = tuple(
        transposed_axis(a, n, s.kernel[i], s.stride[i], s.dilation[i],
                        s.padding if isinstance(s.padding, str) else s.padding[i],
                        output_padding[i])
        for i, (a, n) in enumerate(zip(s.axes, inp[:-1])))
    return (_stage("transposed conv", f"each of the {fmt_int(s.c)} input channels scatters "
                   f"{fmt_int(s.k // g)} kernels of {fmt_shape(s.kernel)}", "transposed", inp,
                   s.k, axes, g, s.bias),)


_AXIS_STAGE_NAMES = {2: ("vertical", "horizontal"), 3: ("depth", "vertical", "horizontal")}


def _one_axis_stages(s: ConvSpec, inp: tuple[int, ...]) -> tuple[Stage, ...]:
    """Spatially separable: one conv per axis (kernel 1 on the others), c -> k, then k -> k."""
    if s.rank == 1:
        raise ConvError("kind='spatially_separable' needs 2 or 3 spatial axes: in 1D it "
                        "would be a standard conv")
    stages: list[Stage] = []
    shape = inp
    for i, name in enumerate(_AXIS_STAGE_NAMES[s.rank]):
        def only(values: tuple[int, ...], other: int, i: int = i) -> tuple[int, ...]:
            return tuple(v if j == i else other for j, v in enumerate(values))
        pad = s.padding if isinstance(s.padding, str) else only(s.padding, 0)
        axes = _conv_axes(shape[:-1], only(s.kernel, 1), only(s.stride, 1),
                          only(s.dilation, 1), pad)
        role = f"{fmt_int(s.k)} filters of {fmt_shape((*only(s.kernel, 1), shape[-1]))}"
        stage = _stage(name, role, "conv", shape, s.k, axes, 1, s.bias)
        stages.append(stage)
        shape = stage.out_shape
    return tuple(stages)


#: Which real layers each kind is, in order: each recipe's output is the next one's input.
STAGES: dict[str, tuple[Recipe, ...]] = {
    "standard": (_conv_stage,),
    "pointwise": (_conv_stage,),
    "grouped": (_conv_stage,),
    "depthwise": (_depthwise_stage,),
    # Keras SeparableConv: one bias vector, after the pointwise step
    "separable_keras": (partial(_depthwise_stage, bias=False), _pointwise_after),
    "separable_pytorch": (_depthwise_stage, _pointwise_after),
    "shared_channels": (_channel_sum_stage, _conv_stage),
    "transposed": (_transposed_stage,),
    "spatially_separable": (_one_axis_stages,),
}


def _standard_params(s: ConvSpec) -> int | None:
    """A shared-channels conv's explanation compares it with the standard conv of the same
    k, kernel and c: that count comes from the standard conv's own stages, not a copy of
    its formula."""
    if s.kind != "shared_channels":
        return None
    return sum(st.params for st in build_stages(replace(s, kind="standard")))


def build_stages(s: ConvSpec) -> tuple[Stage, ...]:
    """The stages of ``s``, from its kind's recipes in :data:`STAGES`."""
    shape = (*s.spatial, s.c)
    stages: list[Stage] = []
    for recipe in STAGES[s.kind]:
        for stage in recipe(s, shape):
            stages.append(stage)
            shape = stage.out_shape
    return tuple(stages)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Memory:
    """Bytes at float32 (4 bytes per number) for one image."""

    input_bytes: int
    output_bytes: int
    weight_bytes: int
    intermediate_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.input_bytes + self.output_bytes + self.weight_bytes + self.intermediate_bytes



@dataclass(frozen=True)
class ConvResult:
    """Everything ConvScope shows about one layer. Shapes are channels-last (…, C)."""

    spec: ConvSpec
    stages: tuple[Stage, ...]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    weight_params: int
    bias_params: int
    macs: int
    params_per_filter: int | None
    receptive_field: tuple[int, ...]
    effective_kernel: tuple[int, ...]
    memory: Memory
    params_formula: Formula
    output_formulas: tuple[Formula, ...]
    explanation: tuple[str, ...]
    notes: tuple[str, ...]
    ignored: tuple[tuple[str, str], ...]

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def rank(self) -> int:
        return self.spec.rank

    @property
    def flops(self) -> int:
        """FLOPs = 2 × MACs (one multiply and one add per MAC)."""
        return 2 * self.macs

    @property
    def params_latex(self) -> str:
        return self.params_formula.latex

    @property
    def output_latex(self) -> tuple[str, ...]:
        return tuple(f.latex for f in self.output_formulas)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def analyze(kind: str, k: int, w: IntPair, c: int, H: int | None = None,
            W: int | None = None, stride: IntPair = 1, padding: str | IntPair = "valid",
            dilation: IntPair = 1, groups: int = 1, bias: bool = True,
            depth_multiplier: int = 1, output_padding: IntPair = 0, *,
            D: int | None = None) -> ConvResult:
    """Analyse one conv layer: k filters of size w on an input with c channels.

    The sizes given choose the rank: ``H`` and ``W`` for 2D, ``W`` alone for 1D (a
    sequence of length W), ``D``, ``H`` and ``W`` for 3D.

    >>> r = analyze("standard", k=10, w=4, c=3, H=32, W=32)
    >>> r.output_shape, r.params
    ((29, 29, 10), 490)
    >>> analyze("standard", k=64, w=3, c=3, D=16, H=112, W=112, padding="same").output_shape
    (16, 112, 112, 64)

    Raises ConvError (a ValueError) naming the offending value and the rule it breaks.
    """
    s = make_spec(kind, k, w, c, H, W, stride, padding, dilation, groups, bias,
                  depth_multiplier, output_padding, D)
    refusals = check_frameworks(s)
    stages = build_stages(s)
    weight_params = sum(st.weight_params for st in stages)
    bias_params = sum(st.bias_params for st in stages)
    params = weight_params + bias_params
    out = stages[-1].out_shape
    inter = sum(math.prod(st.out_shape) for st in stages[:-1])
    memory = Memory(math.prod(s.spatial) * s.c * BYTES_PER_FLOAT32,
                    math.prod(out) * BYTES_PER_FLOAT32,
                    params * BYTES_PER_FLOAT32, inter * BYTES_PER_FLOAT32)
    spatial = [st for st in stages if st.op != "channel_sum"]
    per_filter = spatial[0].params // spatial[0].out_channels if len(spatial) == 1 else None
    if s.kind == "spatially_separable":
        eff = tuple(st.axes[i].extent for i, st in enumerate(stages))
    else:
        eff = tuple(a.extent for a in spatial[0].axes)
    ignored = tuple((name, _NOT_USED_BECAUSE[name]) for name in _ignored_args(s))
    return ConvResult(
        spec=s, stages=stages, input_shape=(*s.spatial, s.c), output_shape=out,
        params=params, weight_params=weight_params, bias_params=bias_params,
        macs=sum(st.macs for st in stages), params_per_filter=per_filter,
        receptive_field=receptive_field(stages), effective_kernel=eff, memory=memory,
        params_formula=params_formula(s, params),
        output_formulas=output_formulas(s, stages),
        explanation=explanation(s, stages, out, params, _standard_params(s)),
        notes=framework_notes(s, refusals),
        ignored=ignored)


_DEFAULT_SPEC_VALUES: dict[str, object] = {
    "stride": 1, "padding": "valid", "dilation": 1, "groups": 1, "bias": True,
    "depth_multiplier": 1, "output_padding": 0, "w": 1,
}


def _ignored_args(s: ConvSpec) -> list[str]:
    """Arguments that were set but have no effect on this kind."""
    values = {"k": s.k, "w": s.kernel, "stride": s.stride, "padding": s.padding,
              "dilation": s.dilation, "groups": s.groups, "bias": s.bias,
              "depth_multiplier": s.depth_multiplier, "output_padding": s.output_padding}

    def is_default(name: str) -> bool:
        value, default = values[name], _DEFAULT_SPEC_VALUES[name]
        if isinstance(value, tuple):
            return all(v == default for v in value)
        return value == default

    return [name for name in _ALL_ARGS if name in values and name not in APPLIES[s.kind]
            and (name == "k" or not is_default(name))]
