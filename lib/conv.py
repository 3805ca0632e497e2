"""The conv model: one trustworthy source for every number ConvScope shows.

``analyze(kind, k, w, c, H, W, ...)`` turns a layer configuration into a frozen
:class:`ConvResult`: output shape, parameter count and breakdown, MACs, memory,
receptive field, the formulas as LaTeX and a plain-language explanation.

Shapes
------
* Input ``(H, W, c)`` and output ``(H_out, W_out, C_out)`` are **channels-last**, the
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
import operator
from dataclasses import dataclass
from typing import Union

IntPair = Union[int, tuple[int, int]]

#: Every conv kind, in teaching order.
KINDS: tuple[str, ...] = (
    "standard",
    "pointwise",
    "grouped",
    "depthwise",
    "separable_keras",
    "separable_pytorch",
    "shared_channels",
    "transposed",
    "spatially_separable",
)


@dataclass(frozen=True)
class KindInfo:
    """What a kind is called and which real layers it stands for."""

    label: str
    summary: str
    keras: str
    pytorch: str


KIND_INFO: dict[str, KindInfo] = {
    "standard": KindInfo(
        "Standard Conv2D",
        "Each filter has its own kh×kw weights for every input channel, plus one bias.",
        "Conv2D", "nn.Conv2d"),
    "pointwise": KindInfo(
        "Pointwise (1×1)",
        "A 1×1 conv: mixes channels at each pixel, sees no neighbours (w is ignored).",
        "Conv2D(kernel_size=1)", "nn.Conv2d(kernel_size=1)"),
    "grouped": KindInfo(
        "Grouped conv",
        "Channels split into groups; each filter only sees the c/groups channels of its group.",
        "Conv2D(groups=g)", "nn.Conv2d(groups=g)"),
    "depthwise": KindInfo(
        "Depthwise conv",
        "One kh×kw filter per input channel (× depth multiplier); channels never mix, k is unused.",
        "DepthwiseConv2D", "nn.Conv2d(groups=c)"),
    "separable_keras": KindInfo(
        "Depthwise separable (Keras)",
        "Depthwise (no bias) then a 1×1 pointwise conv to k channels, one bias vector of size k.",
        "SeparableConv2D", "—"),
    "separable_pytorch": KindInfo(
        "Depthwise separable (PyTorch)",
        "nn.Conv2d(groups=c) then a 1×1 nn.Conv2d to k channels, each layer with its own bias.",
        "—", "nn.Conv2d(groups=c) + nn.Conv2d(kernel_size=1)"),
    "shared_channels": KindInfo(
        "Shared across channels",
        "Sum the input channels to one, then a Conv2D with k filters: one kh×kw kernel per filter.",
        "Lambda(sum) + Conv2D", "x.sum(1, keepdim=True) + nn.Conv2d(1, k)"),
    "transposed": KindInfo(
        "Transposed conv",
        "Each input cell scatters a kh×kw×k kernel into a larger output (learned upsampling).",
        "Conv2DTranspose", "nn.ConvTranspose2d"),
    "spatially_separable": KindInfo(
        "Spatially separable",
        "A (kh×1) conv c→k followed by a (1×kw) conv k→k, each with a bias.",
        "Conv2D((kh,1)) + Conv2D((1,kw))", "nn.Conv2d((kh,1)) + nn.Conv2d((1,kw))"),
}

#: Inclusive upper limits of every argument; larger values raise ConvError.
LIMITS: dict[str, int] = {
    "k": 4096, "c": 4096, "H": 8192, "W": 8192, "w": 256, "stride": 64,
    "dilation": 64, "padding": 1024, "groups": 4096, "depth_multiplier": 64,
    "output_padding": 63,
}

DEFAULTS: dict[str, object] = {
    "stride": 1, "padding": "valid", "dilation": 1, "groups": 1, "bias": True,
    "depth_multiplier": 1, "output_padding": 0,
}

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
    if arg in APPLIES[_check_kind(kind)]:
        return None
    return _NOT_USED_BECAUSE[arg]


BYTES_PER_FLOAT32 = 4


class ConvError(ValueError):
    """An impossible or out-of-range configuration; the message names the value and the rule."""


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

def _check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConvError(f"kind={kind!r} is not one of: {', '.join(KINDS)}")
    return kind


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ConvError(f"{name}={value!r} must be a whole number")
    v = operator.index(value)
    if v < low:
        raise ConvError(f"{name}={v} must be at least {low}")
    if v > high:
        raise ConvError(f"{name}={v} is above the limit {high}")
    return v


def _pair(name: str, value: object, low: int, high: int) -> tuple[int, int]:
    """An int, or an (h, w) pair, as a validated (h, w) tuple."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ConvError(f"{name}={tuple(value)!r} must be one number or an (h, w) pair")
        return (_whole(f"{name} (height)", value[0], low, high),
                _whole(f"{name} (width)", value[1], low, high))
    v = _whole(name, value, low, high)
    return (v, v)


def _padding(value: object) -> str | tuple[int, int]:
    if isinstance(value, str):
        mode = value.strip().lower()
        if mode not in ("valid", "same"):
            raise ConvError(f"padding={value!r} must be 'valid', 'same', a number or an (h, w) pair")
        return mode
    return _pair("padding", value, 0, LIMITS["padding"])


@dataclass(frozen=True)
class ConvSpec:
    """A validated configuration: every spatial argument as an (h, w) pair."""

    kind: str
    k: int
    kernel: tuple[int, int]
    c: int
    H: int
    W: int
    stride: tuple[int, int]
    padding: str | tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    bias: bool
    depth_multiplier: int
    output_padding: tuple[int, int]


def make_spec(kind: str, k: int, w: IntPair, c: int, H: int, W: int, stride: IntPair = 1,
              padding: str | IntPair = "valid", dilation: IntPair = 1, groups: int = 1,
              bias: bool = True, depth_multiplier: int = 1,
              output_padding: IntPair = 0) -> ConvSpec:
    """Validate every argument on its own (ranges and types); combinations come later."""
    kind = _check_kind(kind)
    if not isinstance(bias, bool) and type(bias).__name__ != "bool_":
        raise ConvError(f"bias={bias!r} must be True or False")
    return ConvSpec(
        kind=kind,
        k=_whole("k", k, 1, LIMITS["k"]),
        kernel=_pair("w", w, 1, LIMITS["w"]),
        c=_whole("c", c, 1, LIMITS["c"]),
        H=_whole("H", H, 1, LIMITS["H"]),
        W=_whole("W", W, 1, LIMITS["W"]),
        stride=_pair("stride", stride, 1, LIMITS["stride"]),
        padding=_padding(padding),
        dilation=_pair("dilation", dilation, 1, LIMITS["dilation"]),
        groups=_whole("groups", groups, 1, LIMITS["groups"]),
        bias=bool(bias),
        depth_multiplier=_whole("depth_multiplier", depth_multiplier, 1,
                                LIMITS["depth_multiplier"]),
        output_padding=_pair("output_padding", output_padding, 0, LIMITS["output_padding"]),
    )


# ---------------------------------------------------------------------------
# One spatial axis
# ---------------------------------------------------------------------------

_AXES = ("H", "W")


@dataclass(frozen=True)
class Axis:
    """How one spatial axis goes through one stage.

    For a conv, ``before``/``after`` are the zeros added to the input. For a transposed
    conv they are the rows cropped from the full scatter output of length
    ``(n - 1) * s + d * (k - 1) + 1`` (``after`` is negative when the output grows past it).
    """

    size_in: int
    size_out: int
    kernel: int
    stride: int
    dilation: int
    before: int
    after: int
    mode: str  # "explicit", "valid", "same"; transposed: also "keras_valid"/"keras_same"

    @property
    def extent(self) -> int:
        """Effective (dilated) kernel extent d * (k - 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1


def dilated_extent(kernel: int, dilation: int) -> int:
    """The span a dilated kernel covers: d * (k - 1) + 1 (3x3 at d=2 covers 5x5)."""
    return dilation * (kernel - 1) + 1


def conv_axis(axis: str, n: int, kernel: int, stride: int, dilation: int,
              padding: str | int) -> Axis:
    """Output length of a (non-transposed) conv along one axis.

    valid / int p:  n_out = floor((n + 2p - d(k-1) - 1) / s) + 1, error if the dilated
                    kernel is larger than the padded input.
    same (Keras):   n_out = ceil(n / s); total = max((n_out-1)s + d(k-1)+1 - n, 0) zeros,
                    total // 2 before and the rest after.
    """
    extent = dilated_extent(kernel, dilation)
    if padding == "same":
        out = -(-n // stride)
        total = max((out - 1) * stride + extent - n, 0)
        return Axis(n, out, kernel, stride, dilation, total // 2, total - total // 2, "same")
    p = 0 if padding == "valid" else int(padding)
    padded = n + 2 * p
    if extent > padded:
        dil = f" (dilated {extent})" if dilation > 1 else ""
        pad = f" = {n} + 2·{p}" if p else ""
        raise ConvError(f"kernel {kernel}{dil} is larger than padded input {padded}{pad} "
                        f"along {axis}")
    out = (padded - extent) // stride + 1
    return Axis(n, out, kernel, stride, dilation, p, p,
                "valid" if padding == "valid" else "explicit")


def transposed_axis(axis: str, n: int, kernel: int, stride: int, dilation: int,
                    padding: str | int, output_padding: int) -> Axis:
    """Output length of a transposed conv along one axis (PyTorch for ints, Keras for strings)."""
    extent = dilated_extent(kernel, dilation)
    full = (n - 1) * stride + extent
    if isinstance(padding, str):
        if output_padding >= stride:
            raise ConvError(f"output_padding={output_padding} must be smaller than "
                            f"stride={stride} along {axis} (Keras Conv2DTranspose)")
        if output_padding == 0:  # Keras's default output_padding=None
            out = n * stride + max(extent - stride, 0) if padding == "valid" else n * stride
        else:
            pad = extent // 2 if padding == "same" else 0
            out = (n - 1) * stride + extent - 2 * pad + output_padding
        total = full - out
        before = total // 2 if padding == "same" else 0
        mode = "keras_" + padding
    else:
        if output_padding >= stride and output_padding >= dilation:
            raise ConvError(f"output_padding={output_padding} must be smaller than "
                            f"stride={stride} or dilation={dilation} along {axis} "
                            "(PyTorch ConvTranspose2d)")
        out = full - 2 * padding + output_padding
        before, total = padding, full - out
        mode = "explicit"
        if out < 1:
            raise ConvError(f"padding={padding} crops the whole output along {axis}: "
                            f"(n-1)·s + d·(k-1) + 1 = {full}, minus 2·{padding}, "
                            f"plus output_padding {output_padding}, is {out}")
    return Axis(n, out, kernel, stride, dilation, before, total - before, mode)


# ---------------------------------------------------------------------------
# Stages and results
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """One real layer inside a conv kind (a separable conv has two).

    ``torch_weight_shape``/``keras_weight_shape`` are each framework's own kernel layout:
    conv (out, in/g, kh, kw) / (kh, kw, in/g, out); depthwise Keras (kh, kw, c, dm);
    transposed (in, out/g, kh, kw) / (kh, kw, out, in). Empty when the framework has no
    such layer (a grouped transposed conv in Keras; the channel sum of shared_channels).
    """

    name: str
    role: str
    op: str  # "conv", "depthwise", "transposed", "channel_sum"
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    axes: tuple[Axis, Axis]
    weight_params: int
    bias_params: int
    macs: int
    torch_weight_shape: tuple[int, ...]
    keras_weight_shape: tuple[int, ...]

    @property
    def params(self) -> int:
        return self.weight_params + self.bias_params

    @property
    def in_channels(self) -> int:
        return self.in_shape[2]

    @property
    def out_channels(self) -> int:
        return self.out_shape[2]


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
class Formula:
    """A formula as LaTeX: with symbols, with the numbers substituted, and its value."""

    lhs: str
    symbolic: str
    substituted: str
    value: int

    @property
    def latex(self) -> str:
        value = f"{self.value:,}".replace(",", "{,}")  # thin thousands separator in LaTeX
        return f"{self.lhs} = {self.symbolic} = {self.substituted} = {value}"


@dataclass(frozen=True)
class ConvResult:
    """Everything ConvScope shows about one layer. Shapes are channels-last (H, W, C)."""

    spec: ConvSpec
    stages: tuple[Stage, ...]
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    params: int
    weight_params: int
    bias_params: int
    macs: int
    params_per_filter: int | None
    receptive_field: tuple[int, int]
    effective_kernel: tuple[int, int]
    memory: Memory
    params_formula: Formula
    output_formulas: tuple[Formula, Formula]
    explanation: tuple[str, ...]
    notes: tuple[str, ...]
    ignored: tuple[tuple[str, str], ...]

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def flops(self) -> int:
        """FLOPs = 2 × MACs (one multiply and one add per MAC)."""
        return 2 * self.macs

    @property
    def params_latex(self) -> str:
        return self.params_formula.latex

    @property
    def output_latex(self) -> tuple[str, str]:
        return tuple(f.latex for f in self.output_formulas)  # type: ignore[return-value]


def _stage(name: str, role: str, op: str, in_shape: tuple[int, int, int], out_c: int,
           axes: tuple[Axis, Axis], groups: int, bias: bool) -> Stage:
    kh, kw = axes[0].kernel, axes[1].kernel
    in_c = in_shape[2]
    out_shape = (axes[0].size_out, axes[1].size_out, out_c)
    weights = kh * kw * (in_c // groups) * out_c
    if op == "transposed":
        macs = in_shape[0] * in_shape[1] * in_c * (out_c // groups) * kh * kw
        torch_shape = (in_c, out_c // groups, kh, kw)
        keras_shape = (kh, kw, out_c, in_c) if groups == 1 else ()  # Keras has no groups here
    else:
        macs = out_shape[0] * out_shape[1] * out_c * (in_c // groups) * kh * kw
        torch_shape = (out_c, in_c // groups, kh, kw)
        keras_shape = ((kh, kw, in_c, out_c // in_c) if op == "depthwise"
                       else (kh, kw, in_c // groups, out_c))
    return Stage(name, role, op, in_shape, out_shape, (kh, kw),
                 (axes[0].stride, axes[1].stride), (axes[0].dilation, axes[1].dilation),
                 groups, axes, weights, out_c if bias else 0, macs, torch_shape, keras_shape)


def _conv_axes(s: ConvSpec, kernel: tuple[int, int], stride: tuple[int, int],
               dilation: tuple[int, int], padding) -> tuple[Axis, Axis]:
    sizes = (s.H, s.W) if not isinstance(padding, tuple) or len(padding) == 2 else None
    assert sizes
    return tuple(  # type: ignore[return-value]
        conv_axis(a, n, kernel[i], stride[i], dilation[i],
                  padding if isinstance(padding, str) else padding[i])
        for i, (a, n) in enumerate(zip(_AXES, sizes)))


def _pointwise_axes(n_h: int, n_w: int) -> tuple[Axis, Axis]:
    return (conv_axis("H", n_h, 1, 1, 1, 0), conv_axis("W", n_w, 1, 1, 1, 0))


def _check_divides(name: str, value: int, **targets: int) -> None:
    for tname, t in targets.items():
        if t % value:
            raise ConvError(f"{name}={value} must divide {tname}={t}")


def _build_stages(s: ConvSpec) -> tuple[Stage, ...]:
    kind, c, k, m = s.kind, s.c, s.k, s.depth_multiplier
    inp = (s.H, s.W, c)
    if kind in ("standard", "grouped", "shared_channels"):
        g = s.groups if kind == "grouped" else 1
        if kind == "grouped":
            if g > c:
                raise ConvError(f"groups={g} must be at most c={c}")
            _check_divides("groups", g, c=c, k=k)
        axes = _conv_axes(s, s.kernel, s.stride, s.dilation, s.padding)
        if kind == "shared_channels":
            summed = (s.H, s.W, 1)
            return (Stage("channel sum", f"add the {c} input channels into one", "channel_sum",
                          inp, summed, (1, 1), (1, 1), (1, 1), 1,
                          _pointwise_axes(s.H, s.W), 0, 0, 0, (), ()),
                    _stage("conv", f"{k} filters of {s.kernel[0]}×{s.kernel[1]}×1", "conv",
                           summed, k, axes, 1, s.bias))
        role = (f"{k} filters of {s.kernel[0]}×{s.kernel[1]}×{c // g}"
                + (f", in {g} groups of {c // g} channels" if g > 1 else ""))
        return (_stage("conv", role, "conv", inp, k, axes, g, s.bias),)
    if kind == "pointwise":
        axes = _conv_axes(s, (1, 1), s.stride, (1, 1), s.padding)
        return (_stage("conv", f"{k} filters of 1×1×{c}", "conv", inp, k, axes, 1, s.bias),)
    if kind in ("depthwise", "separable_keras", "separable_pytorch"):
        axes = _conv_axes(s, s.kernel, s.stride, s.dilation, s.padding)
        dw_bias = s.bias and kind != "separable_keras"
        dw = _stage("depthwise", f"{c * m} filters of {s.kernel[0]}×{s.kernel[1]}×1, "
                    f"{m} per input channel", "depthwise", inp, c * m, axes, c, dw_bias)
        if kind == "depthwise":
            return (dw,)
        pw = _stage("pointwise", f"{k} filters of 1×1×{c * m}", "conv", dw.out_shape, k,
                    _pointwise_axes(dw.out_shape[0], dw.out_shape[1]), 1, s.bias)
        return (dw, pw)
    if kind == "transposed":
        g = s.groups
        if g > 1 and isinstance(s.padding, str):
            raise ConvError(f"groups={g} with padding={s.padding!r}: Keras Conv2DTranspose has "
                            "no groups; use an explicit padding (PyTorch ConvTranspose2d)")
        if g > c:
            raise ConvError(f"groups={g} must be at most c={c}")
        _check_divides("groups", g, c=c, k=k)
        axes = tuple(
            transposed_axis(a, n, s.kernel[i], s.stride[i], s.dilation[i],
                            s.padding if isinstance(s.padding, str) else s.padding[i],
                            s.output_padding[i])
            for i, (a, n) in enumerate(zip(_AXES, (s.H, s.W))))
        return (_stage("transposed conv", f"each of the {c} input channels scatters "
                       f"{k // g} kernels of {s.kernel[0]}×{s.kernel[1]}", "transposed",
                       inp, k, axes, g, s.bias),)
    # spatially_separable
    kh, kw = s.kernel
    pad_h = s.padding if isinstance(s.padding, str) else (s.padding[0], 0)
    pad_w = s.padding if isinstance(s.padding, str) else (0, s.padding[1])
    ax1 = _conv_axes(s, (kh, 1), (s.stride[0], 1), (s.dilation[0], 1), pad_h)
    st1 = _stage("vertical", f"{k} filters of {kh}×1×{c}", "conv", inp, k, ax1, 1, s.bias)
    h1, w1 = st1.out_shape[:2]
    ax2 = (conv_axis("H", h1, 1, 1, 1, 0 if not isinstance(pad_w, str) else pad_w),
           conv_axis("W", w1, kw, s.stride[1], s.dilation[1],
                     pad_w if isinstance(pad_w, str) else pad_w[1]))
    st2 = _stage("horizontal", f"{k} filters of 1×{kw}×{k}", "conv", st1.out_shape, k, ax2,
                 1, s.bias)
    return (st1, st2)


def _fmt(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


# ---------------------------------------------------------------------------
# Receptive field
# ---------------------------------------------------------------------------

def _transposed_reach(a: Axis) -> int:
    """How many input cells along one axis feed one output cell of a transposed conv.

    Output o receives input i through tap j when o = i*s + j*d - p; the taps of one
    residue class are s/g apart (g = gcd(d, s)), so at most ceil(k / (s/g)) taps land on
    one output, on input cells d/g apart.
    """
    g = math.gcd(a.dilation, a.stride)
    taps = -(-a.kernel // (a.stride // g))
    return (taps - 1) * (a.dilation // g) + 1


def receptive_field(stages: tuple[Stage, ...]) -> tuple[int, int]:
    """Input cells (height, width) that one output cell depends on.

    Stacked convs grow it by (extent - 1) * jump, where jump is the product of the
    earlier strides: rf = 1 + sum_i (d_i (k_i - 1)) * prod_{j<i} s_j.
    """
    out = []
    for i in range(2):
        rf, jump = 1, 1
        for st in stages:
            a = st.axes[i]
            if st.op == "transposed":
                rf = _transposed_reach(a)
                continue
            rf += (a.extent - 1) * jump
            jump *= a.stride
        out.append(rf)
    return (out[0], out[1])


# ---------------------------------------------------------------------------
# Formulas (one template per kind gives both the symbols and the numbers)
# ---------------------------------------------------------------------------

_PARAM_TEMPLATES: dict[str, str] = {
    "standard": "{k} \\cdot ({kh} \\cdot {kw} \\cdot {c} + {b})",
    "pointwise": "{k} \\cdot ({c} + {b})",
    "grouped": "{k} \\cdot ({kh} \\cdot {kw} \\cdot {c} / {g} + {b})",
    "depthwise": "{c} \\cdot {m} \\cdot ({kh} \\cdot {kw} + {b})",
    "separable_keras": "{c} \\cdot {kh} \\cdot {kw} \\cdot {m} + {c} \\cdot {m} \\cdot {k} + {b} \\cdot {k}",
    "separable_pytorch": "{c} \\cdot {m} \\cdot ({kh} \\cdot {kw} + {b}) + {k} \\cdot ({c} \\cdot {m} + {b})",
    "shared_channels": "{k} \\cdot ({kh} \\cdot {kw} + {b})",
    "transposed": "{c} \\cdot {k} / {g} \\cdot {kh} \\cdot {kw} + {b} \\cdot {k}",
    "spatially_separable": "{k} \\cdot ({kh} \\cdot {c} + {b}) + {k} \\cdot ({kw} \\cdot {k} + {b})",
}

_SYMBOLS = {"k": "k", "kh": "w_h", "kw": "w_w", "c": "c", "g": "g", "m": "m", "b": "b"}

#: What each symbol of the formulas means (shown as a legend).
SYMBOL_MEANING = {
    "k": "filters (output channels)", "w_h, w_w": "kernel height and width",
    "c": "input channels", "g": "groups", "m": "depth multiplier",
    "b": "1 with bias, 0 without", "s": "stride", "p": "padding", "d": "dilation",
}


def _params_formula(s: ConvSpec, params: int) -> Formula:
    template = _PARAM_TEMPLATES[s.kind]
    values = {"k": s.k, "kh": s.kernel[0], "kw": s.kernel[1], "c": s.c, "g": s.groups,
              "m": s.depth_multiplier, "b": int(s.bias)}
    return Formula("\\text{params}", template.format(**_SYMBOLS),
                   template.format(**{n: str(v) for n, v in values.items()}), params)


_OUTPUT_TEMPLATES: dict[str, str] = {
    "same": "\\left\\lceil {n} / {s} \\right\\rceil",
    "conv": ("\\left\\lfloor ({n} + 2 \\cdot {p} - {d} \\cdot ({k} - 1) - 1) / {s} "
             "\\right\\rfloor + 1"),
    "transposed": "({n} - 1) \\cdot {s} - 2 \\cdot {p} + {d} \\cdot ({k} - 1) + {o} + 1",
    "keras_valid": "{n} \\cdot {s} + \\max({d} \\cdot ({k} - 1) + 1 - {s}, 0)",
    "keras_same": "{n} \\cdot {s}",
    "keras_output_padding": "({n} - 1) \\cdot {s} + {d} \\cdot ({k} - 1) + 1 - 2 \\cdot {p} + {o}",
}


def _output_formula(axis: str, a: Axis, op: str, output_padding: int) -> Formula:
    """H_out (or W_out) as a formula; ``op`` is the stage's op ("conv", "transposed", ...)."""
    if op != "transposed":
        key, p = ("same" if a.mode == "same" else "conv"), a.before
    elif a.mode == "explicit":
        key, p = "transposed", a.before
    elif output_padding == 0:
        key, p = a.mode, 0
    else:
        key, p = "keras_output_padding", (a.extent // 2 if a.mode == "keras_same" else 0)
    lo = axis.lower()
    symbols = {"n": axis, "s": f"s_{lo}", "d": f"d_{lo}", "k": f"w_{lo}", "p": f"p_{lo}",
               "o": f"o_{lo}"}
    numbers = {"n": a.size_in, "s": a.stride, "d": a.dilation, "k": a.kernel, "p": p,
               "o": output_padding}
    t = _OUTPUT_TEMPLATES[key]
    return Formula(f"{axis}_{{out}}", t.format(**symbols), t.format(**numbers), a.size_out)


def _output_formulas(s: ConvSpec, stages: tuple[Stage, ...]) -> tuple[Formula, Formula]:
    """One formula per axis, from the stage that changes that axis."""
    spatial = [st for st in stages if st.op != "channel_sum"]
    out = []
    for i, axis in enumerate(_AXES):
        st = spatial[1] if (s.kind == "spatially_separable" and i == 1) else spatial[0]
        out.append(_output_formula(axis, st.axes[i], st.op, s.output_padding[i]))
    return (out[0], out[1])


# ---------------------------------------------------------------------------
# Plain-language explanation
# ---------------------------------------------------------------------------

def _explain(s: ConvSpec, stages: tuple[Stage, ...], out: tuple[int, int, int],
             params: int) -> tuple[str, ...]:
    kh, kw = s.kernel
    c, k = s.c, s.k
    b = 1 if s.bias else 0
    lines: list[str] = []
    bias_txt = " plus 1 bias" if s.bias else " (no bias)"
    if s.kind in ("standard", "grouped", "pointwise"):
        g = s.groups if s.kind == "grouped" else 1
        fh, fw = (1, 1) if s.kind == "pointwise" else (kh, kw)
        per = fh * fw * (c // g) + b
        lines.append(
            f"Each of the {k} filters is a {fh}×{fw}×{c // g} block: it has its own {fh}×{fw} "
            f"weights for each of the {c // g} input channels it sees "
            f"({fh * fw * (c // g)} weights){bias_txt} = {per} parameters. "
            f"{k} filters × {per} = {params:,}.")
        if s.kind == "standard" and c > 1:
            lines.append(
                f"It is not {k}×{kh}×{kw} = {k * kh * kw}: that would be one {kh}×{kw} kernel "
                f"shared by all {c} channels (the 'shared across channels' kind). "
                f"And {c}×{k}×{kh}×{kw} = {c * k * kh * kw} counts only the weights"
                + (f": add one bias per filter, {k}." if s.bias else "."))
        if g > 1:
            lines.append(f"With groups={g}, each filter sees only the {c // g} channels of its "
                         f"group, which divides the weights by {g}.")
    elif s.kind == "depthwise":
        m = s.depth_multiplier
        lines.append(f"Each of the {c} input channels gets its own {m} filter(s) of {kh}×{kw}; "
                     f"channels never mix. Output channels = c × depth multiplier = {c * m}. "
                     f"Parameters: {c * m} × ({kh}×{kw} + {b}) = {params:,}; k is not used.")
    elif s.kind in ("separable_keras", "separable_pytorch"):
        dw, pw = stages
        lines.append(
            f"Two steps. Depthwise: one {kh}×{kw} filter per input channel "
            f"(× depth multiplier {s.depth_multiplier}) = {dw.weight_params:,} weights; "
            f"it learns spatial patterns only. Pointwise: {k} filters of 1×1×{dw.out_channels} "
            f"= {pw.weight_params:,} weights; it mixes channels only.")
        if s.kind == "separable_keras":
            lines.append(f"Keras SeparableConv2D has one bias vector, of size k = {k} "
                         f"({pw.bias_params} biases): total {params:,}.")
        else:
            lines.append(f"In PyTorch these are two nn.Conv2d layers and each has its own bias: "
                         f"{dw.bias_params} + {pw.bias_params} biases, so {params:,} — "
                         f"{dw.bias_params} more than Keras's SeparableConv2D for the same shape.")
    elif s.kind == "shared_channels":
        lines.append(f"The {c} input channels are summed into one, so each of the {k} filters "
                     f"has a single {kh}×{kw} kernel{bias_txt}: {k} × ({kh}×{kw} + {b}) = "
                     f"{params:,}. Far fewer weights, but the layer cannot tell the channels "
                     f"apart (red and blue edges look the same).")
    elif s.kind == "transposed":
        lines.append(f"Each input cell multiplies a {kh}×{kw} kernel per output channel and adds "
                     f"it into the output at stride {_fmt(s.stride)}: this upsamples. Weights: "
                     f"{c} × {k // s.groups} × {kh} × {kw}{' plus ' + str(k) + ' biases' if s.bias else ''}"
                     f" = {params:,}.")
    else:
        st1, st2 = stages
        lines.append(f"A {kh}×1 conv ({st1.params:,} params) followed by a 1×{kw} conv "
                     f"({st2.params:,} params) covers a {kh}×{kw} window with {params:,} "
                     f"parameters; it can only learn kernels that are an outer product.")
    lines.append(_explain_output(s, stages, out))
    lines.append(f"The parameter count does not depend on H or W ({s.H}×{s.W}): the same "
                 f"filter slides over every position. The MACs do: one set per output position.")
    return tuple(lines)


def _explain_output(s: ConvSpec, stages: tuple[Stage, ...], out: tuple[int, int, int]) -> str:
    first = stages[-1] if s.kind == "shared_channels" else stages[0]
    a = first.axes[0]
    if first.op == "transposed":
        return (f"Output {out[0]}×{out[1]}×{out[2]}: a transposed conv goes the other way, "
                f"H_out = {out[0]} from H = {s.H} at stride {a.stride}.")
    if a.mode == "same":
        return (f"Output {out[0]}×{out[1]}×{out[2]}: 'same' padding adds {a.before + a.after} "
                f"zero rows so that H_out = ceil(H / stride) = ceil({s.H}/{a.stride}) = {out[0]}.")
    ext = a.extent
    n = a.size_in + 2 * a.before
    if a.stride == 1 and a.before == 0:
        return (f"Output {out[0]}×{out[1]}×{out[2]}: a {ext}-wide window fits in "
                f"{a.size_in} − {ext} + 1 = {a.size_out} positions along H (count the start "
                f"positions 0 … {a.size_out - 1}), not {a.size_in} − {ext} = {a.size_in - ext}.")
    return (f"Output {out[0]}×{out[1]}×{out[2]}: along H the window of extent {ext} starts at "
            f"0, {a.stride}, {2 * a.stride}, … inside the {n} padded rows: "
            f"floor(({n} − {ext}) / {a.stride}) + 1 = {a.size_out} positions.")


# ---------------------------------------------------------------------------
# Framework notes
# ---------------------------------------------------------------------------

def frameworks_for(s: ConvSpec) -> tuple[str, ...]:
    """The real frameworks that have this kind (transposed: Keras for string padding)."""
    if s.kind == "separable_keras":
        return ("Keras",)
    if s.kind == "separable_pytorch":
        return ("PyTorch",)
    if s.kind == "transposed":
        return ("Keras",) if isinstance(s.padding, str) else ("PyTorch",)
    return ("PyTorch", "Keras")


def framework_refusals(s: ConvSpec) -> dict[str, str]:
    """Which framework refuses this configuration, and why (as each one's error says).

    * PyTorch's nn.Conv2d raises for padding='same' with any stride > 1.
    * Keras Conv2D and Conv2DTranspose raise for stride > 1 together with dilation > 1 in
      one layer (DepthwiseConv2D and SeparableConv2D accept it). A spatially separable pair
      only hits it when one stage has both along its own axis.
    """
    out: dict[str, str] = {}
    strided = max(s.stride) > 1
    if s.kind != "transposed" and s.padding == "same" and strided:
        out["PyTorch"] = (f"padding='same' with stride={_fmt(s.stride)}: PyTorch's nn.Conv2d "
                          "refuses 'same' for strided convolutions")
    if s.kind == "spatially_separable":
        keras_bad = any(s.stride[i] > 1 and s.dilation[i] > 1 for i in range(2))
    else:
        keras_bad = (s.kind in ("standard", "grouped", "shared_channels", "transposed")
                     and strided and max(s.dilation) > 1)
    if keras_bad:
        out["Keras"] = (f"stride={_fmt(s.stride)} with dilation={_fmt(s.dilation)}: Keras "
                        "Conv2D refuses strides > 1 together with dilation_rate > 1")
    return {fw: why for fw, why in out.items() if fw in frameworks_for(s)}


def _check_frameworks(s: ConvSpec) -> tuple[str, ...]:
    """Raise when every framework of the kind refuses; otherwise notes for the ones that do."""
    refusals = framework_refusals(s)
    accepting = [fw for fw in frameworks_for(s) if fw not in refusals]
    if not accepting:
        raise ConvError("; and ".join(refusals.values()))
    return tuple(f"{why}; {accepting[0]} accepts it, and the numbers here are "
                 f"{accepting[0]}'s." for why in refusals.values())


def _notes(s: ConvSpec, refusals: tuple[str, ...]) -> tuple[str, ...]:
    notes = list(refusals)
    if s.kind == "pointwise" and s.kernel != (1, 1):
        notes.append(f"w={_fmt(s.kernel)} is ignored: a pointwise conv is always 1×1.")
    if s.padding == "same" and max(s.stride) > 1 and "PyTorch" in frameworks_for(s) \
            and not refusals:
        notes.append("This is Keras's padding='same' (H_out = ceil(H / stride)).")
    if not isinstance(s.padding, str) and any(s.padding) and "Keras" in frameworks_for(s) \
            and s.kind != "transposed":
        notes.append("Keras layers take only 'valid' or 'same': an explicit padding is a "
                     "ZeroPadding2D layer in front (no parameters).")
    if s.kind == "transposed":
        if isinstance(s.padding, str):
            notes.append("With 'valid'/'same' this is Keras Conv2DTranspose (output_padding=0 "
                         "stands for Keras's default None); PyTorch's ConvTranspose2d takes "
                         "only numbers as padding.")
        else:
            notes.append("With an explicit padding this is PyTorch nn.ConvTranspose2d; Keras "
                         "Conv2DTranspose takes only 'valid' or 'same'.")
    return tuple(notes)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def analyze(kind: str, k: int, w: IntPair, c: int, H: int, W: int, stride: IntPair = 1,
            padding: str | IntPair = "valid", dilation: IntPair = 1, groups: int = 1,
            bias: bool = True, depth_multiplier: int = 1,
            output_padding: IntPair = 0) -> ConvResult:
    """Analyse one conv layer on an H×W×c input with k filters of w×w.

    >>> r = analyze("standard", k=10, w=4, c=3, H=32, W=32)
    >>> r.output_shape, r.params
    ((29, 29, 10), 490)

    Raises ConvError (a ValueError) naming the offending value and the rule it breaks.
    """
    s = make_spec(kind, k, w, c, H, W, stride, padding, dilation, groups, bias,
                  depth_multiplier, output_padding)
    refusals = _check_frameworks(s)
    stages = _build_stages(s)
    final = stages[-1]
    weight_params = sum(st.weight_params for st in stages)
    bias_params = sum(st.bias_params for st in stages)
    params = weight_params + bias_params
    macs = sum(st.macs for st in stages)
    out = final.out_shape
    inter = sum(st.out_shape[0] * st.out_shape[1] * st.out_shape[2] for st in stages[:-1])
    memory = Memory(s.H * s.W * s.c * BYTES_PER_FLOAT32,
                    out[0] * out[1] * out[2] * BYTES_PER_FLOAT32,
                    params * BYTES_PER_FLOAT32, inter * BYTES_PER_FLOAT32)
    spatial = [st for st in stages if st.op != "channel_sum"]
    if len(spatial) == 1:
        st = spatial[0]
        per_filter = st.params // st.out_channels
    else:
        per_filter = None
    if s.kind == "spatially_separable":
        eff = (stages[0].axes[0].extent, stages[1].axes[1].extent)
    else:
        a = spatial[0].axes
        eff = (a[0].extent, a[1].extent)
    ignored = tuple((name, _NOT_USED_BECAUSE[name]) for name in _ignored_args(s))
    return ConvResult(
        spec=s, stages=stages, input_shape=(s.H, s.W, s.c), output_shape=out,
        params=params, weight_params=weight_params, bias_params=bias_params, macs=macs,
        params_per_filter=per_filter, receptive_field=receptive_field(stages),
        effective_kernel=eff, memory=memory,
        params_formula=_params_formula(s, params),
        output_formulas=_output_formulas(s, stages),
        explanation=_explain(s, stages, out, params), notes=_notes(s, refusals), ignored=ignored)


_DEFAULT_SPEC_VALUES: dict[str, object] = {
    "stride": (1, 1), "padding": "valid", "dilation": (1, 1), "groups": 1, "bias": True,
    "depth_multiplier": 1, "output_padding": (0, 0),
}


def _ignored_args(s: ConvSpec) -> list[str]:
    """Arguments that were set but have no effect on this kind."""
    values = {"k": s.k, "w": s.kernel, "stride": s.stride, "padding": s.padding,
              "dilation": s.dilation, "groups": s.groups, "bias": s.bias,
              "depth_multiplier": s.depth_multiplier, "output_padding": s.output_padding}
    defaults = {**_DEFAULT_SPEC_VALUES, "w": (1, 1)}
    return [name for name in _ALL_ARGS if name in values and name not in APPLIES[s.kind]
            and (name == "k" or values[name] != defaults[name])]
