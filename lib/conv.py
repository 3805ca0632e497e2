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
import operator
from dataclasses import dataclass
from typing import Union

IntPair = Union[int, tuple[int, ...]]

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
    "k": 4096, "c": 4096, "D": 8192, "H": 8192, "W": 8192, "w": 256, "stride": 64,
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

#: Axis names per spatial rank, in the order tuples are given.
AXES: dict[int, tuple[str, ...]] = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
_AXIS_WORD = {"D": "depth", "H": "height", "W": "width"}
_TUPLE_WORD = {1: "one number", 2: "one number or an (h, w) pair",
               3: "one number or a (d, h, w) triple"}


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


def _per_axis(name: str, value: object, rank: int, low: int, high: int) -> tuple[int, ...]:
    """An int, or one value per spatial axis, as a validated tuple of length ``rank``."""
    if isinstance(value, (tuple, list)):
        if len(value) != rank:
            raise ConvError(f"{name}={tuple(value)!r} must be {_TUPLE_WORD[rank]}")
        if rank == 1:
            return (_whole(name, value[0], low, high),)
        return tuple(_whole(f"{name} ({_AXIS_WORD[a]})", v, low, high)
                     for a, v in zip(AXES[rank], value))
    v = _whole(name, value, low, high)
    return (v,) * rank


def _padding(value: object, rank: int) -> str | tuple[int, ...]:
    if isinstance(value, str):
        mode = value.strip().lower()
        if mode == "causal" and rank != 1:
            raise ConvError("padding='causal' is for 1D convs only (give W alone, not H)")
        if mode not in ("valid", "same", "causal"):
            raise ConvError(f"padding={value!r} must be 'valid', 'same', "
                            f"{'causal, ' if rank == 1 else ''}or {_TUPLE_WORD[rank]}")
        return mode
    return _per_axis("padding", value, rank, 0, LIMITS["padding"])


@dataclass(frozen=True)
class ConvSpec:
    """A validated configuration: every per-axis argument as a tuple over (D, H, W)."""

    kind: str
    k: int
    kernel: tuple[int, ...]
    c: int
    H: int | None
    W: int
    stride: tuple[int, ...]
    padding: str | tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    bias: bool
    depth_multiplier: int
    output_padding: tuple[int, ...]
    D: int | None = None

    @property
    def rank(self) -> int:
        return len(self.kernel)

    @property
    def spatial(self) -> tuple[int, ...]:
        """Input sizes along the spatial axes, e.g. (H, W)."""
        return tuple(x for x in (self.D, self.H, self.W) if x is not None)

    @property
    def axes(self) -> tuple[str, ...]:
        return AXES[self.rank]


def make_spec(kind: str, k: int, w: IntPair, c: int, H: int | None = None,
              W: int | None = None, stride: IntPair = 1, padding: str | IntPair = "valid",
              dilation: IntPair = 1, groups: int = 1, bias: bool = True,
              depth_multiplier: int = 1, output_padding: IntPair = 0,
              D: int | None = None) -> ConvSpec:
    """Validate every argument on its own (ranges and types); combinations come later."""
    kind = _check_kind(kind)
    if W is None:
        raise ConvError("W is required: the input width (or the sequence length in 1D)")
    if D is not None and H is None:
        raise ConvError("H is required for a 3D conv (D, H and W)")
    rank = 3 if D is not None else 2 if H is not None else 1
    if not isinstance(bias, bool) and type(bias).__name__ != "bool_":
        raise ConvError(f"bias={bias!r} must be True or False")
    return ConvSpec(
        kind=kind,
        k=_whole("k", k, 1, LIMITS["k"]),
        kernel=_per_axis("w", w, rank, 1, LIMITS["w"]),
        c=_whole("c", c, 1, LIMITS["c"]),
        H=None if H is None else _whole("H", H, 1, LIMITS["H"]),
        W=_whole("W", W, 1, LIMITS["W"]),
        stride=_per_axis("stride", stride, rank, 1, LIMITS["stride"]),
        padding=_padding(padding, rank),
        dilation=_per_axis("dilation", dilation, rank, 1, LIMITS["dilation"]),
        groups=_whole("groups", groups, 1, LIMITS["groups"]),
        bias=bool(bias),
        depth_multiplier=_whole("depth_multiplier", depth_multiplier, 1,
                                LIMITS["depth_multiplier"]),
        output_padding=_per_axis("output_padding", output_padding, rank, 0,
                                 LIMITS["output_padding"]),
        D=None if D is None else _whole("D", D, 1, LIMITS["D"]),
    )


# ---------------------------------------------------------------------------
# One spatial axis
# ---------------------------------------------------------------------------

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
    mode: str  # "explicit", "valid", "same", "causal"; transposed: "keras_valid"/"keras_same"

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
    causal (1D):    d(k-1) zeros before, none after, so output t sees inputs <= t only;
                    n_out = floor((n - 1) / s) + 1.
    """
    extent = dilated_extent(kernel, dilation)
    if padding == "same":
        out = -(-n // stride)
        total = max((out - 1) * stride + extent - n, 0)
        return Axis(n, out, kernel, stride, dilation, total // 2, total - total // 2, "same")
    if padding == "causal":
        return Axis(n, (n - 1) // stride + 1, kernel, stride, dilation, extent - 1, 0, "causal")
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
                    padding: str | int, output_padding: int | None) -> Axis:
    """Output length of a transposed conv along one axis (PyTorch for ints, Keras for strings).

    ``output_padding=None`` is Keras's default (the layer infers the length); Keras uses it
    only when no axis has an output padding, see :func:`_transposed_output_padding`.
    """
    extent = dilated_extent(kernel, dilation)
    full = (n - 1) * stride + extent
    if isinstance(padding, str):
        if output_padding is not None and output_padding >= stride:
            raise ConvError(f"output_padding={output_padding} must be smaller than "
                            f"stride={stride} along {axis} (Keras ConvTranspose)")
        if output_padding is None:
            out = n * stride + max(extent - stride, 0) if padding == "valid" else n * stride
        else:
            pad = extent // 2 if padding == "same" else 0
            out = (n - 1) * stride + extent - 2 * pad + output_padding
        total = full - out
        # Keras crops half the surplus at the start, never less than nothing; a shortfall
        # (kernel extent < stride, or a large output_padding) is added at the end.
        before = max(total // 2, 0) if padding == "same" else 0
        mode = "keras_" + padding
    else:
        output_padding = output_padding or 0
        if output_padding >= stride and output_padding >= dilation:
            raise ConvError(f"output_padding={output_padding} must be smaller than "
                            f"stride={stride} or dilation={dilation} along {axis} "
                            "(PyTorch ConvTranspose)")
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

    Shapes are channels-last, ``(*spatial, channels)``. ``torch_weight_shape`` and
    ``keras_weight_shape`` are each framework's own kernel layout: conv
    (out, in/g, *kernel) / (*kernel, in/g, out); depthwise Keras (*kernel, c, dm);
    transposed (in, out/g, *kernel) / (*kernel, out, in). Empty when the framework has no
    such layer (a grouped transposed conv in Keras; the channel sum of shared_channels).
    """

    name: str
    role: str
    op: str  # "conv", "depthwise", "transposed", "channel_sum"
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    axes: tuple[Axis, ...]
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
        return self.in_shape[-1]

    @property
    def out_channels(self) -> int:
        return self.out_shape[-1]


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


def _dims(kernel: tuple[int, ...]) -> str:
    """(4, 4) -> '4×4'."""
    return "×".join(str(x) for x in kernel)


def _build_stages(s: ConvSpec) -> tuple[Stage, ...]:
    kind, c, k, m = s.kind, s.c, s.k, s.depth_multiplier
    sizes = s.spatial
    inp = (*sizes, c)
    kdims = _dims(s.kernel)
    if kind in ("standard", "grouped", "shared_channels"):
        g = s.groups if kind == "grouped" else 1
        if kind == "grouped":
            if g > c:
                raise ConvError(f"groups={g} must be at most c={c}")
            _check_divides("groups", g, c=c, k=k)
        axes = _conv_axes(sizes, s.kernel, s.stride, s.dilation, s.padding)
        if kind == "shared_channels":
            summed = (*sizes, 1)
            ones = (1,) * s.rank
            return (Stage("channel sum", f"add the {c} input channels into one", "channel_sum",
                          inp, summed, ones, ones, ones, 1, _identity_axes(sizes),
                          0, 0, 0, (), ()),
                    _stage("conv", f"{k} filters of {kdims}×1", "conv", summed, k, axes, 1,
                           s.bias))
        role = (f"{k} filters of {kdims}×{c // g}"
                + (f", in {g} groups of {c // g} channels" if g > 1 else ""))
        return (_stage("conv", role, "conv", inp, k, axes, g, s.bias),)
    if kind == "pointwise":
        ones = (1,) * s.rank
        axes = _conv_axes(sizes, ones, s.stride, ones, s.padding)
        return (_stage("conv", f"{k} filters of {_dims(ones)}×{c}", "conv", inp, k, axes, 1,
                       s.bias),)
    if kind in ("depthwise", "separable_keras", "separable_pytorch"):
        axes = _conv_axes(sizes, s.kernel, s.stride, s.dilation, s.padding)
        dw_bias = s.bias and kind != "separable_keras"
        dw = _stage("depthwise", f"{c * m} filters of {kdims}×1, {m} per input channel",
                    "depthwise", inp, c * m, axes, c, dw_bias)
        if kind == "depthwise":
            return (dw,)
        pw = _stage("pointwise", f"{k} filters of {_dims((1,) * s.rank)}×{c * m}", "conv",
                    dw.out_shape, k, _identity_axes(dw.out_shape[:-1]), 1, s.bias)
        return (dw, pw)
    if kind == "transposed":
        g = s.groups
        if g > 1 and isinstance(s.padding, str):
            raise ConvError(f"groups={g} with padding={s.padding!r}: Keras "
                            f"Conv{s.rank}DTranspose has no groups; use an explicit padding "
                            f"(PyTorch ConvTranspose{s.rank}d)")
        if g > c:
            raise ConvError(f"groups={g} must be at most c={c}")
        _check_divides("groups", g, c=c, k=k)
        axes = tuple(
            transposed_axis(a, n, s.kernel[i], s.stride[i], s.dilation[i],
                            s.padding if isinstance(s.padding, str) else s.padding[i],
                            _transposed_output_padding(s)[i])
            for i, (a, n) in enumerate(zip(s.axes, sizes)))
        return (_stage("transposed conv", f"each of the {c} input channels scatters "
                       f"{k // g} kernels of {kdims}", "transposed", inp, k, axes, g,
                       s.bias),)
    # spatially_separable: one stage per axis, c -> k first, then k -> k
    if s.rank == 1:
        raise ConvError("kind='spatially_separable' needs 2 or 3 spatial axes: in 1D it "
                        "would be a standard conv")
    stages: list[Stage] = []
    shape = inp
    names = {2: ("vertical", "horizontal"), 3: ("depth", "vertical", "horizontal")}[s.rank]
    for i in range(s.rank):
        def only(values: tuple[int, ...], other: int, i: int = i) -> tuple[int, ...]:
            return tuple(v if j == i else other for j, v in enumerate(values))
        pad = s.padding if isinstance(s.padding, str) else only(s.padding, 0)
        axes = _conv_axes(shape[:-1], only(s.kernel, 1), only(s.stride, 1),
                          only(s.dilation, 1), pad)
        st_ = _stage(names[i], f"{k} filters of {_dims(only(s.kernel, 1))}×{shape[-1]}",
                     "conv", shape, k, axes, 1, s.bias)
        stages.append(st_)
        shape = st_.out_shape
    return tuple(stages)


def _transposed_output_padding(s: ConvSpec) -> tuple[int | None, ...]:
    """Per-axis output padding as the framework sees it.

    With string padding (Keras) an all-zero output_padding stands for Keras's default
    ``None`` on every axis; as soon as one axis has a value, Keras applies the explicit
    formula on all axes, zeros included.
    """
    if isinstance(s.padding, str) and not any(s.output_padding):
        return (None,) * s.rank
    return s.output_padding


def _fmt(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


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


def receptive_field(stages: tuple[Stage, ...]) -> tuple[int, ...]:
    """Input cells per axis (e.g. height, width) that one output cell depends on.

    Stacked convs grow it by (extent - 1) * jump, where jump is the product of the
    earlier strides: rf = 1 + sum_i (d_i (k_i - 1)) * prod_{j<i} s_j.
    """
    out = []
    for i in range(len(stages[0].axes)):
        rf, jump = 1, 1
        for st in stages:
            a = st.axes[i]
            if st.op == "transposed":
                rf = _transposed_reach(a)
                continue
            rf += (a.extent - 1) * jump
            jump *= a.stride
        out.append(rf)
    return tuple(out)


# ---------------------------------------------------------------------------
# Formulas (one template per kind gives both the symbols and the numbers)
# ---------------------------------------------------------------------------

_PARAM_TEMPLATES: dict[str, str] = {
    "standard": "{k} \\cdot ({kp} \\cdot {c} + {b})",
    "pointwise": "{k} \\cdot ({c} + {b})",
    "grouped": "{k} \\cdot ({kp} \\cdot {c} / {g} + {b})",
    "depthwise": "{c} \\cdot {m} \\cdot ({kp} + {b})",
    "separable_keras": "{c} \\cdot {kp} \\cdot {m} + {c} \\cdot {m} \\cdot {k} + {b} \\cdot {k}",
    "separable_pytorch": "{c} \\cdot {m} \\cdot ({kp} + {b}) + {k} \\cdot ({c} \\cdot {m} + {b})",
    "shared_channels": "{k} \\cdot ({kp} + {b})",
    "transposed": "{c} \\cdot {k} / {g} \\cdot {kp} + {b} \\cdot {k}",
}

#: What each symbol of the formulas means (shown as a legend).
SYMBOL_MEANING = {
    "k": "filters (output channels)", "w_h, w_w": "kernel height and width",
    "c": "input channels", "g": "groups", "m": "depth multiplier",
    "b": "1 with bias, 0 without", "s": "stride", "p": "padding", "d": "dilation",
}


def _sym(base: str, axis: str, rank: int) -> str:
    """Per-axis symbol: w_h, s_w, ... (plain w, s, ... in 1D)."""
    return base if rank == 1 else f"{base}_{axis.lower()}"


def _params_formula(s: ConvSpec, params: int) -> Formula:
    kernel_syms = [_sym("w", a, s.rank) for a in s.axes]
    symbols = {"k": "k", "c": "c", "g": "g", "m": "m", "b": "b",
               "kp": " \\cdot ".join(kernel_syms)}
    numbers = {"k": str(s.k), "c": str(s.c), "g": str(s.groups), "m": str(s.depth_multiplier),
               "b": str(int(s.bias)), "kp": " \\cdot ".join(str(x) for x in s.kernel)}
    if s.kind == "spatially_separable":
        terms = ["{k} \\cdot ({w0} \\cdot {c} + {b})"] + [
            f"{{k}} \\cdot ({{w{i}}} \\cdot {{k}} + {{b}})" for i in range(1, s.rank)]
        template = " + ".join(terms)
        symbols.update({f"w{i}": sym for i, sym in enumerate(kernel_syms)})
        numbers.update({f"w{i}": str(x) for i, x in enumerate(s.kernel)})
    else:
        template = _PARAM_TEMPLATES[s.kind]
    return Formula("\\text{params}", template.format(**symbols), template.format(**numbers),
                   params)


_OUTPUT_TEMPLATES: dict[str, str] = {
    "same": "\\left\\lceil {n} / {s} \\right\\rceil",
    "causal": "\\left\\lfloor ({n} - 1) / {s} \\right\\rfloor + 1",
    "conv": ("\\left\\lfloor ({n} + 2 \\cdot {p} - {d} \\cdot ({k} - 1) - 1) / {s} "
             "\\right\\rfloor + 1"),
    "transposed": "({n} - 1) \\cdot {s} - 2 \\cdot {p} + {d} \\cdot ({k} - 1) + {o} + 1",
    "keras_valid": "{n} \\cdot {s} + \\max({d} \\cdot ({k} - 1) + 1 - {s}, 0)",
    "keras_same": "{n} \\cdot {s}",
    "keras_output_padding": "({n} - 1) \\cdot {s} + {d} \\cdot ({k} - 1) + 1 - 2 \\cdot {p} + {o}",
}


def _output_formula(axis: str, rank: int, a: Axis, op: str,
                    output_padding: int | None) -> Formula:
    """H_out (or W_out, D_out) as a formula; ``op`` is the stage's op ("conv", "transposed")."""
    if op != "transposed":
        key = a.mode if a.mode in ("same", "causal") else "conv"
        p = a.before
    elif a.mode == "explicit":
        key, p = "transposed", a.before
    elif output_padding is None:
        key, p = a.mode, 0
    else:
        key, p = "keras_output_padding", (a.extent // 2 if a.mode == "keras_same" else 0)
    symbols = {"n": axis, **{b: _sym(b if b != "k" else "w", axis, rank)
                             for b in ("s", "d", "k", "p", "o")}}
    numbers = {"n": a.size_in, "s": a.stride, "d": a.dilation, "k": a.kernel, "p": p,
               "o": output_padding}
    t = _OUTPUT_TEMPLATES[key]
    return Formula(f"{axis}_{{out}}", t.format(**symbols), t.format(**numbers), a.size_out)


def _output_formulas(s: ConvSpec, stages: tuple[Stage, ...]) -> tuple[Formula, ...]:
    """One formula per axis, from the stage that changes that axis."""
    spatial = [st for st in stages if st.op != "channel_sum"]
    out = []
    for i, axis in enumerate(s.axes):
        st = spatial[i] if s.kind == "spatially_separable" else spatial[0]
        out.append(_output_formula(axis, s.rank, st.axes[i], st.op,
                                   _transposed_output_padding(s)[i]))
    return tuple(out)


# ---------------------------------------------------------------------------
# Plain-language explanation
# ---------------------------------------------------------------------------

def _explain(s: ConvSpec, stages: tuple[Stage, ...], out: tuple[int, ...],
             params: int) -> tuple[str, ...]:
    kd = _dims(s.kernel)
    kn = kd if s.rank > 1 else f"{kd}-tap"  # how to name one kernel in a sentence
    taps = math.prod(s.kernel)
    c, k = s.c, s.k
    b = 1 if s.bias else 0
    lines: list[str] = []
    bias_txt = " plus 1 bias" if s.bias else " (no bias)"
    if s.kind in ("standard", "grouped", "pointwise"):
        g = s.groups if s.kind == "grouped" else 1
        fd = _dims((1,) * s.rank) if s.kind == "pointwise" else kd
        ft = 1 if s.kind == "pointwise" else taps
        per = ft * (c // g) + b
        lines.append(
            f"Each of the {k} filters is a {fd}×{c // g} block: it has its own {fd} "
            f"weights for each of the {c // g} input channels it sees "
            f"({ft * (c // g)} weights){bias_txt} = {per} parameters. "
            f"{k} filters × {per} = {params:,}.")
        if s.kind == "standard" and c > 1:
            lines.append(
                f"It is not {k}×{kd} = {k * taps}: that would be one {kd} kernel "
                f"shared by all {c} channels (the 'shared across channels' kind). "
                f"And {c}×{k}×{kd} = {c * k * taps} counts only the weights"
                + (f": add one bias per filter, {k}." if s.bias else "."))
        if g > 1:
            lines.append(f"With groups={g}, each filter sees only the {c // g} channels of its "
                         f"group, which divides the weights by {g}.")
    elif s.kind == "depthwise":
        m = s.depth_multiplier
        lines.append(f"Each of the {c} input channels gets its own {m} filter(s) of {kn}; "
                     f"channels never mix. Output channels = c × depth multiplier = {c * m}. "
                     f"Parameters: {c * m} × ({kd} + {b}) = {params:,}; k is not used.")
    elif s.kind in ("separable_keras", "separable_pytorch"):
        dw, pw = stages
        lines.append(
            f"Two steps. Depthwise: one {kn} filter per input channel "
            f"(× depth multiplier {s.depth_multiplier}) = {dw.weight_params:,} weights; "
            f"it learns spatial patterns only. Pointwise: {k} filters of "
            f"{_dims((1,) * s.rank)}×{dw.out_channels} = {pw.weight_params:,} weights; it mixes "
            f"channels only.")
        if s.kind == "separable_keras":
            lines.append(f"Keras SeparableConv{s.rank}D has one bias vector, of size k = {k} "
                         f"({pw.bias_params} biases): total {params:,}.")
        else:
            lines.append(f"In PyTorch these are two nn.Conv{s.rank}d layers and each has its "
                         f"own bias: {dw.bias_params} + {pw.bias_params} biases, so "
                         f"{params:,} — {dw.bias_params} more than Keras's "
                         f"SeparableConv{s.rank}D for the same shape.")
    elif s.kind == "shared_channels":
        lines.append(f"The {c} input channels are summed into one, so each of the {k} filters "
                     f"has a single {kn} kernel{bias_txt}: {k} × ({kd} + {b}) = "
                     f"{params:,}. Far fewer weights, but the layer cannot tell the channels "
                     f"apart (red and blue edges look the same).")
    elif s.kind == "transposed":
        lines.append(f"Each input cell multiplies a {kn} kernel per output channel and adds "
                     f"it into the output at stride {_fmt(s.stride)}: this upsamples. Weights: "
                     f"{c} × {k // s.groups} × {kd.replace('×', ' × ')}"
                     f"{' plus ' + str(k) + ' biases' if s.bias else ''} = {params:,}.")
    else:
        parts = " followed by ".join(f"a {_dims(st.kernel)} conv ({st.params:,} params)"
                                     for st in stages)
        lines.append(f"{parts[0].upper()}{parts[1:]} covers a {kd} window with {params:,} "
                     f"parameters; it can only learn kernels that are an outer product.")
    lines.append(_explain_output(s, stages, out))
    sizes = "×".join(str(n) for n in s.spatial)
    names = " or ".join(s.axes)
    lines.append(f"The parameter count does not depend on {names} ({sizes}): the same "
                 f"filter slides over every position. The MACs do: one set per output position.")
    return tuple(lines)


def _explain_output(s: ConvSpec, stages: tuple[Stage, ...], out: tuple[int, ...]) -> str:
    first = stages[-1] if s.kind == "shared_channels" else stages[0]
    a, name, shape = first.axes[0], s.axes[0], _dims(out)
    if first.op == "transposed":
        return (f"Output {shape}: a transposed conv goes the other way, "
                f"{name}_out = {a.size_out} from {name} = {a.size_in} at stride {a.stride}.")
    if a.mode == "same":
        return (f"Output {shape}: 'same' padding adds {a.before + a.after} zeros along "
                f"{name} so that {name}_out = ceil({name} / stride) = "
                f"ceil({a.size_in}/{a.stride}) = {a.size_out}.")
    if a.mode == "causal":
        return (f"Output {shape}: 'causal' padding adds {a.before} zeros on the left only, so "
                f"output step t sees inputs t, t−{a.dilation}, … and never the future; "
                f"{name}_out = {a.size_out}.")
    ext = a.extent
    n = a.size_in + 2 * a.before
    if a.stride == 1 and a.before == 0:
        return (f"Output {shape}: a {ext}-wide window fits in "
                f"{a.size_in} − {ext} + 1 = {a.size_out} positions along {name} (count the "
                f"start positions 0 … {a.size_out - 1}), not {a.size_in} − {ext} = "
                f"{a.size_in - ext}.")
    return (f"Output {shape}: along {name} the window of extent {ext} starts at "
            f"0, {a.stride}, {2 * a.stride}, … inside the {n} padded cells: "
            f"floor(({n} − {ext}) / {a.stride}) + 1 = {a.size_out} positions.")


# ---------------------------------------------------------------------------
# Framework notes
# ---------------------------------------------------------------------------

def frameworks_for(s: ConvSpec) -> tuple[str, ...]:
    """The real frameworks that have this kind at this rank.

    Transposed with string padding is Keras's, with numbers PyTorch's; Keras has no
    DepthwiseConv3D or SeparableConv3D.
    """
    if s.kind == "separable_keras":
        fws: tuple[str, ...] = ("Keras",)
    elif s.kind == "separable_pytorch":
        fws = ("PyTorch",)
    elif s.kind == "transposed":
        fws = ("Keras",) if isinstance(s.padding, str) else ("PyTorch",)
    else:
        fws = ("PyTorch", "Keras")
    if s.rank == 3 and s.kind in ("depthwise", "separable_keras"):
        fws = tuple(f for f in fws if f != "Keras")
    return fws


def framework_refusals(s: ConvSpec) -> dict[str, str]:
    """Which framework refuses this configuration, and why (as each one's error says).

    * PyTorch's nn.ConvNd raises for padding='same' with any stride > 1.
    * Keras ConvND and ConvNDTranspose raise for stride > 1 together with dilation > 1 in
      one layer (DepthwiseConv and SeparableConv accept it). A spatially separable stack
      only hits it when one stage has both along its own axis.
    """
    out: dict[str, str] = {}
    strided = max(s.stride) > 1
    if s.kind != "transposed" and s.padding == "same" and strided:
        out["PyTorch"] = (f"padding='same' with stride={_fmt(s.stride)}: PyTorch's "
                          f"nn.Conv{s.rank}d refuses 'same' for strided convolutions")
    if s.kind == "spatially_separable":
        keras_bad = any(s.stride[i] > 1 and s.dilation[i] > 1 for i in range(s.rank))
    else:
        keras_bad = (s.kind in ("standard", "grouped", "shared_channels", "transposed")
                     and strided and max(s.dilation) > 1)
    if s.padding == "causal" and s.kind in ("depthwise", "separable_keras"):
        layer = "DepthwiseConv1D" if s.kind == "depthwise" else "SeparableConv1D"
        out["Keras"] = (f"padding='causal': Keras {layer} takes only 'valid' or 'same' "
                        "(Conv1D has 'causal')")
    if keras_bad:
        layer = f"Conv{s.rank}DTranspose" if s.kind == "transposed" else f"Conv{s.rank}D"
        out["Keras"] = (f"stride={_fmt(s.stride)} with dilation={_fmt(s.dilation)}: Keras "
                        f"{layer} refuses strides > 1 together with dilation_rate > 1")
    return {fw: why for fw, why in out.items() if fw in frameworks_for(s)}


def _check_frameworks(s: ConvSpec) -> tuple[str, ...]:
    """Raise when every framework of the kind refuses; otherwise notes for the ones that do."""
    if s.padding == "causal" and s.kind == "transposed":
        raise ConvError("padding='causal' is for convs; a transposed conv takes 'valid', "
                        "'same' or numbers")
    available = frameworks_for(s)
    if not available:
        layer = {"separable_keras": "SeparableConv3D", "depthwise": "DepthwiseConv3D"}[s.kind]
        raise ConvError(f"kind={s.kind!r} in 3D: Keras has no {layer}"
                        + ("; use separable_pytorch" if s.kind == "separable_keras" else ""))
    refusals = framework_refusals(s)
    accepting = [fw for fw in available if fw not in refusals]
    if not accepting:
        raise ConvError("; and ".join(refusals.values()))
    return tuple(f"{why}; {accepting[0]} accepts it, and the numbers here are "
                 f"{accepting[0]}'s." for why in refusals.values())


def _notes(s: ConvSpec, refusals: tuple[str, ...]) -> tuple[str, ...]:
    notes = list(refusals)
    fws = frameworks_for(s)
    if s.kind == "pointwise" and max(s.kernel) > 1:
        notes.append(f"w={_fmt(s.kernel)} is ignored: a pointwise conv is always "
                     f"{_dims((1,) * s.rank)}.")
    if s.padding == "same" and max(s.stride) > 1 and "PyTorch" in fws and not refusals:
        notes.append("This is Keras's padding='same' (out = ceil(in / stride)).")
    if s.padding == "causal" and "PyTorch" in fws:
        notes.append("PyTorch has no padding='causal': the same layer is "
                     "F.pad(x, (d·(w−1), 0)) followed by the conv with padding=0.")
    if not isinstance(s.padding, str) and any(s.padding) and "Keras" in fws \
            and s.kind != "transposed":
        notes.append(f"Keras layers take only 'valid' or 'same': an explicit padding is a "
                     f"ZeroPadding{s.rank}D layer in front (no parameters).")
    if s.rank == 3 and s.kind == "depthwise":
        notes.append("Keras has no DepthwiseConv3D: this is PyTorch's nn.Conv3d(groups=c).")
    if s.kind == "transposed":
        if isinstance(s.padding, str):
            notes.append(f"With 'valid'/'same' this is Keras Conv{s.rank}DTranspose "
                         "(output_padding=0 stands for Keras's default None); PyTorch's "
                         f"ConvTranspose{s.rank}d takes only numbers as padding.")
        else:
            notes.append(f"With an explicit padding this is PyTorch nn.ConvTranspose{s.rank}d; "
                         f"Keras Conv{s.rank}DTranspose takes only 'valid' or 'same'.")
    return tuple(notes)


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
    refusals = _check_frameworks(s)
    stages = _build_stages(s)
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
        params_formula=_params_formula(s, params),
        output_formulas=_output_formulas(s, stages),
        explanation=_explain(s, stages, out, params), notes=_notes(s, refusals),
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
