"""A stack of layers, Keras-style: shapes, parameters and MACs of a whole small network.

Why: one conv layer's 490 parameters only make sense next to the network they sit in. Here
a student stacks layers from an input shape ``(H, W, c)`` and sees, per layer, the output
shape, the parameters, the MACs, each layer's share of the totals and how the receptive
field grows — exactly the numbers ``model.summary()`` prints, plus the ones it does not.

* Every conv layer is :func:`lib.conv.analyze` on the previous layer's output shape (all
  conv kinds of ``lib.conv.KINDS``); this module never re-types a conv formula.
* Max / average pooling (``pool size``, ``stride`` defaulting to the pool size, padding
  ``"valid"``/``"same"`` as Keras) use ``lib.conv.conv_axis``: a pooling window moves like
  a conv kernel (dilation 1). Pooling has **no weights, so 0 MACs**: its comparisons or
  additions are not multiply-accumulates with weights (``FlopCounterMode`` counts 0 too).
* Global average pooling: ``(H, W, C) -> (C,)``. Flatten: ``(H, W, C) -> (H·W·C,)``.
* Dense on a flat input of ``n`` values: ``params = n·units + units`` (with bias),
  ``MACs = n·units`` (the bias additions are not MACs).
* Receptive field (input pixels one value depends on), per axis, through convs and pools:
  ``rf += (extent - 1) · jump; jump *= stride``, with ``extent = d·(k - 1) + 1`` of each
  stage (:class:`lib.conv.Axis`). Global pooling and dense layers see the whole input.
  Through a transposed conv the field is not tracked (it would need fractional jumps).

Keras names (``conv2d``, ``conv2d_1``, ``max_pooling2d``, ``dense``) are the auto-names of a
fresh Keras session (``keras.utils.clear_session()``), one per real Keras layer: a conv
kind that Keras builds from two layers (e.g. an explicit padding: ``ZeroPadding2D`` +
``Conv2D``) has two, taken from ``lib.snippets``, which also writes the per-layer code.
The network is 2D (images); 1D and 3D stay on the single-layer pages.

The stack as text (one URL parameter, ``net=``)
-----------------------------------------------
Pieces separated by commas; the first may be the input ``in<H>x<W>x<c>`` (default
``in32x32x3``). Sizes are ``3`` or ``3x5`` (height × width). Each piece is a head, then
``-``-separated parts::

    c3x3-32      standard conv, 3×3 kernel, 32 filters  (Keras Conv2D)
    pw-64        pointwise 1×1 conv, 64 filters
    gc3x3-64-g4  grouped conv (groups 4)
    dw3x3        depthwise conv (no filter count: C_out = c × m; option m2)
    sep3x3-64    depthwise separable, Keras SeparableConv2D (one bias)
    sept3x3-64   depthwise separable, PyTorch depthwise + 1×1 (two biases)
    sh4x4-10     one kernel shared across the input channels
    t3x3-16      transposed conv
    ss3x3-16     spatially separable (3×1 then 1×3)
    mp2, ap3     max / average pooling with pool size 2 / 3 (stride = pool size)
    gap          global average pooling
    flat         flatten
    d10          dense, 10 units

Options (any order after the filter count): ``s2`` stride, ``same`` / ``valid`` padding,
``p1`` explicit zeros per side (convs only), ``d2`` dilation, ``g4`` groups, ``m2`` depth
multiplier, ``op1`` output padding, ``nb`` no bias (convs and dense). Pools take only
``s`` and ``same``/``valid``. Example: ``in32x32x3,c3x3-32-same,c3x3-32-same,mp2,flat,d10``.
:func:`parse_net` raises :class:`NetworkError` naming the piece and the rule;
``parse_net(serialise_net(x)) == x`` for every spec.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from lib.conv import (BYTES_PER_FLOAT32, KIND_INFO, KINDS, ConvError, ConvResult, analyze,
                      conv_axis)
from lib.snippets import (KERAS_LINE_LENGTH, _keras_column_widths, _keras_plan, _torch_plan,
                          _wrap, readable_bytes)

Pair = tuple[int, int]

#: Every layer operation, in the order the editor lists them.
OPS: tuple[str, ...] = ("conv", "max_pool", "avg_pool", "gap", "flatten", "dense")

#: Limits of this module (conv limits are lib.conv.LIMITS, checked by analyze).
MAX_LAYERS = 64
MAX_UNITS = 65536
MAX_POOL = 256
MAX_POOL_STRIDE = 64
MAX_NET_CHARS = 2000
_MAX_DIGITS = 7

#: The Keras layer class of each non-conv op (2D).
_KERAS_CLASS = {"max_pool": "MaxPooling2D", "avg_pool": "AveragePooling2D",
                "gap": "GlobalAveragePooling2D", "flatten": "Flatten", "dense": "Dense"}


class NetworkError(ConvError):
    """An impossible stack or unreadable text; the message names the layer (or piece) and rule.

    ``index`` is the 1-based layer number (None for the input shape or the whole text);
    ``rows`` holds the layers that could be built before it (for a partial table).
    """

    def __init__(self, message: str, index: int | None = None,
                 rows: tuple["LayerRow", ...] = ()) -> None:
        super().__init__(message)
        self.index = index
        self.rows = rows


# ---------------------------------------------------------------------------
# Layer specs
# ---------------------------------------------------------------------------

def _pair(name: str, value: object) -> object:
    """An int -> (v, v); a 2-sequence -> tuple; anything else is left for validation."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    return value


#: What a field is reset to when an op does not use it.
_NON_CONV_DEFAULTS: dict[str, object] = dict(
    filters=None, kernel=None, stride=None, padding="valid", dilation=(1, 1), groups=1,
    depth_multiplier=1, output_padding=(0, 0), bias=True)


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the stack, as the student sets it.

    ``op``: ``"conv"`` (with ``kind`` one of ``lib.conv.KINDS``), ``"max_pool"``,
    ``"avg_pool"``, ``"gap"``, ``"flatten"`` or ``"dense"``. ``filters``: conv filters k
    (None for a depthwise conv, whose C_out = c × depth multiplier) or dense units.
    ``kernel``: conv kernel or pool size. ``stride``: None for a pool means "= pool size"
    (Keras's default). Ints become ``(v, v)`` pairs; fields an op does not use are reset to
    their defaults, so two specs of the same layer compare equal. Values are checked by
    :func:`build_network` (which names the layer), not here.
    """

    op: str
    kind: str = ""
    filters: int | None = None
    kernel: Pair | None = None
    stride: Pair | None = None
    padding: str | Pair = "valid"
    dilation: Pair = (1, 1)
    groups: int = 1
    depth_multiplier: int = 1
    output_padding: Pair = (0, 0)
    bias: bool = True

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        if self.op not in OPS:
            raise NetworkError(f"op={self.op!r} is not one of: {', '.join(OPS)}")
        for name in ("kernel", "stride", "dilation", "output_padding"):
            set_(name, _pair(name, getattr(self, name)))
        if isinstance(self.padding, str):
            set_("padding", self.padding.strip().lower())
        else:
            set_("padding", _pair("padding", self.padding))
        if self.op == "conv":
            kind = self.kind or "standard"
            if kind not in KINDS:
                raise NetworkError(f"kind={kind!r} is not one of: {', '.join(KINDS)}")
            set_("kind", kind)
            if self.stride is None:
                set_("stride", (1, 1))
            if kind == "pointwise" and self.kernel is None:
                set_("kernel", (1, 1))
            if kind == "depthwise":
                set_("filters", None)
            return
        set_("kind", "")
        keep = {"max_pool": {"kernel", "stride", "padding"},
                "avg_pool": {"kernel", "stride", "padding"},
                "dense": {"filters", "bias"}}.get(self.op, set())
        for name, default in _NON_CONV_DEFAULTS.items():
            if name not in keep:
                set_(name, default)

    @property
    def is_conv(self) -> bool:
        return self.op == "conv"


def conv(filters: int | None, kernel: int | Pair = 3, kind: str = "standard", *,
         stride: int | Pair = 1, padding: str | int | Pair = "valid",
         dilation: int | Pair = 1, groups: int = 1, depth_multiplier: int = 1,
         output_padding: int | Pair = 0, bias: bool = True) -> LayerSpec:
    """A conv layer of any ``lib.conv`` kind (``filters`` is ignored for ``depthwise``)."""
    return LayerSpec("conv", kind, filters, kernel, stride, padding, dilation, groups,
                     depth_multiplier, output_padding, bias)


def max_pool(pool: int | Pair = 2, stride: int | Pair | None = None,
             padding: str = "valid") -> LayerSpec:
    """Keras MaxPooling2D(pool_size, strides, padding); stride None = pool size."""
    return LayerSpec("max_pool", kernel=pool, stride=stride, padding=padding)


def avg_pool(pool: int | Pair = 2, stride: int | Pair | None = None,
             padding: str = "valid") -> LayerSpec:
    """Keras AveragePooling2D(pool_size, strides, padding); stride None = pool size."""
    return LayerSpec("avg_pool", kernel=pool, stride=stride, padding=padding)


def gap() -> LayerSpec:
    """Keras GlobalAveragePooling2D: the mean of each channel, (H, W, C) -> (C,)."""
    return LayerSpec("gap")


def flatten() -> LayerSpec:
    """Keras Flatten: (H, W, C) -> (H·W·C,)."""
    return LayerSpec("flatten")


def dense(units: int, bias: bool = True) -> LayerSpec:
    """Keras Dense(units) / nn.Linear(n, units) on a flat input."""
    return LayerSpec("dense", filters=units, bias=bias)


@dataclass(frozen=True)
class NetworkSpec:
    """A whole stack: the input shape (H, W, c) and the layers, in order."""

    input_shape: tuple[int, int, int]
    layers: tuple[LayerSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        object.__setattr__(self, "layers", tuple(self.layers))


def _dims(pair: Sequence[int]) -> str:
    return "×".join(str(v) for v in pair)


def describe(spec: LayerSpec) -> str:
    """A layer in words: ``Standard Conv2D 3×3, 32 filters, stride 2, same``."""
    if spec.op == "conv":
        parts = [f"{KIND_INFO[spec.kind].label} {_dims(spec.kernel or (1, 1))}"]
        if spec.kind != "depthwise":
            parts.append(f"{spec.filters} filters")
    elif spec.op in ("max_pool", "avg_pool"):
        parts = [f"{'max' if spec.op == 'max_pool' else 'average'} pooling "
                 f"{_dims(spec.kernel or (2, 2))}"]
    elif spec.op == "dense":
        parts = [f"dense, {spec.filters} units"]
    else:
        parts = ["global average pooling" if spec.op == "gap" else "flatten"]
    if spec.stride not in (None, (1, 1)):
        parts.append(f"stride {_short(spec.stride)}")
    if spec.padding != "valid":
        parts.append(spec.padding if isinstance(spec.padding, str)
                     else f"padding {_short(spec.padding)}")
    if spec.op == "conv":
        if spec.dilation != (1, 1):
            parts.append(f"dilation {_short(spec.dilation)}")
        if spec.groups != 1:
            parts.append(f"groups {spec.groups}")
        if spec.depth_multiplier != 1:
            parts.append(f"depth multiplier {spec.depth_multiplier}")
        if spec.output_padding != (0, 0):
            parts.append(f"output padding {_short(spec.output_padding)}")
    if spec.op in ("conv", "dense") and not spec.bias:
        parts.append("no bias")
    return ", ".join(parts)


def _short(pair: Sequence[int]) -> str:
    return str(pair[0]) if len(set(pair)) == 1 else _dims(pair)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class KerasLayer:
    """One real Keras layer, as ``model.summary()`` lists it (output with the batch None)."""

    name: str
    type: str
    output_shape: tuple[int | None, ...]
    params: int


@dataclass(frozen=True)
class LayerRow:
    """One layer of the stack with everything the summary shows.

    ``name``/``type`` join the Keras layers the spec becomes (``conv2d`` / ``Conv2D``, or
    ``zero_padding2d + conv2d_1``). Shapes are channels-last without the batch.
    ``params_share`` and ``macs_share`` are fractions of the network totals (0 when the
    total is 0). ``receptive_field`` is (height, width) in input pixels, None with
    ``receptive_field_note`` saying why ("whole input", "not tracked ...").
    """

    index: int
    spec: LayerSpec
    piece: str
    description: str
    name: str
    type: str
    keras_layers: tuple[KerasLayer, ...]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int
    params_share: float
    macs_share: float
    receptive_field: tuple[int, int] | None
    receptive_field_note: str
    jump: tuple[int, int] | None
    conv: ConvResult | None = field(default=None, compare=False, repr=False)
    note: str = ""

    @property
    def receptive_field_text(self) -> str:
        if self.receptive_field is not None:
            return _dims(self.receptive_field)
        return self.receptive_field_note


@dataclass(frozen=True)
class NetworkResult:
    """A built stack: per-layer rows and the totals (params all trainable: no BatchNorm)."""

    input_shape: tuple[int, int, int]
    rows: tuple[LayerRow, ...]
    total_params: int
    total_macs: int

    @property
    def spec(self) -> NetworkSpec:
        return NetworkSpec(self.input_shape, tuple(r.spec for r in self.rows))

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.rows[-1].output_shape if self.rows else self.input_shape

    @property
    def trainable_params(self) -> int:
        return self.total_params

    @property
    def non_trainable_params(self) -> int:
        return 0

    @property
    def total_flops(self) -> int:
        """FLOPs = 2 × MACs."""
        return 2 * self.total_macs

    @property
    def weight_bytes(self) -> int:
        """The parameters at float32, as Keras's ``Total params: … (1.91 KB)``."""
        return self.total_params * BYTES_PER_FLOAT32

    @property
    def keras_layers(self) -> tuple[KerasLayer, ...]:
        return tuple(k for r in self.rows for k in r.keras_layers)

    @property
    def receptive_field(self) -> tuple[int, int] | None:
        """The last tracked receptive field (of the last conv or pool)."""
        for r in reversed(self.rows):
            if r.receptive_field is not None:
                return r.receptive_field
        return None


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------

def keras_auto_name(class_name: str) -> str:
    """Keras's ``to_snake_case``: ``MaxPooling2D`` -> ``max_pooling2d``."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


class _Namer:
    """Keras's per-session name counter: conv2d, conv2d_1, conv2d_2, ..."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def take(self, class_name: str) -> str:
        base = keras_auto_name(class_name)
        n = self.seen.get(base, 0)
        self.seen[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


def _whole(label: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConvError(f"{label}={value!r} must be a whole number")
    if value < low:
        raise ConvError(f"{label}={value} must be at least {low}")
    if value > high:
        raise ConvError(f"{label}={value} is above the limit {high}")
    return value


def _pair_values(label: str, value: object, low: int, high: int) -> Pair:
    if not isinstance(value, tuple) or len(value) != 2:
        raise ConvError(f"{label}={value!r} must be one number or an (h, w) pair")
    return (_whole(label, value[0], low, high), _whole(label, value[1], low, high))


def _conv_layer(spec: LayerSpec, shape: tuple[int, ...]) -> ConvResult:
    if len(shape) != 3:
        raise ConvError(f"a conv needs an image (H, W, C), but its input is flat "
                        f"{_dims(shape)}: put convs before flatten / global pooling / dense")
    H, W, c = shape
    k = spec.filters
    if spec.kind == "depthwise":
        k = c * spec.depth_multiplier if isinstance(spec.depth_multiplier, int) else 1
    elif k is None:
        raise ConvError("the number of filters is missing")
    return analyze(spec.kind, k=k, w=spec.kernel if spec.kernel is not None else 3, c=c,
                   H=H, W=W, stride=spec.stride, padding=spec.padding,
                   dilation=spec.dilation, groups=spec.groups, bias=spec.bias,
                   depth_multiplier=spec.depth_multiplier,
                   output_padding=spec.output_padding)


def _pool_axes(spec: LayerSpec, shape: tuple[int, ...]):
    if len(shape) != 3:
        raise ConvError(f"pooling needs an image (H, W, C), but its input is flat "
                        f"{_dims(shape)}")
    if spec.kernel is None:
        raise ConvError("the pool size is missing")
    pool = _pair_values("pool size", spec.kernel, 1, MAX_POOL)
    stride = pool if spec.stride is None else _pair_values("stride", spec.stride, 1,
                                                           MAX_POOL_STRIDE)
    if spec.padding not in ("valid", "same"):
        raise ConvError(f"padding={spec.padding!r}: pooling takes 'valid' or 'same' (Keras)")
    axes = []
    for name, n, k, s in zip(("H", "W"), shape[:2], pool, stride):
        if spec.padding == "valid" and k > n:
            raise ConvError(f"pool size {k} is larger than the input {n} along {name}; "
                            f"use a smaller pool or padding 'same'")
        axes.append(conv_axis(name, n, k, s, 1, spec.padding))
    return tuple(axes)


def _flat_size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def build_network(input_shape: Sequence[int], layers: Iterable[LayerSpec]) -> NetworkResult:
    """Stack ``layers`` on an input of shape (H, W, c); every row, and the totals.

    Raises :class:`NetworkError` naming the layer number, the layer and the rule, e.g.
    ``layer 3 (Standard Conv2D 5×5, 16 filters) on input 4×4×8: kernel 5 is larger than
    padded input 4 along H``.
    """
    shape = _check_input(input_shape)
    specs = tuple(layers)
    if len(specs) > MAX_LAYERS:
        raise NetworkError(f"{len(specs)} layers is above the limit {MAX_LAYERS}")
    namer = _Namer()
    rf: list[int] | None = [1, 1]
    jump: list[int] | None = [1, 1]
    rf_note = ""
    raw: list[dict] = []
    for i, spec in enumerate(specs, start=1):
        if not isinstance(spec, LayerSpec):
            raise NetworkError(f"layer {i}: {spec!r} is not a LayerSpec", i)
        try:
            row, rf, jump, rf_note = _one_layer(spec, shape, namer, rf, jump, rf_note)
        except ConvError as err:
            built = _finish(raw)
            raise NetworkError(f"layer {i} ({describe(spec)}) on input {_dims(shape)}: "
                               f"{err}", i, built) from None
        raw.append({**row, "index": i, "spec": spec, "input_shape": shape})
        shape = row["output_shape"]
    rows = _finish(raw)
    return NetworkResult(_check_input(input_shape), rows, sum(r.params for r in rows),
                         sum(r.macs for r in rows))


def _check_input(input_shape: object) -> tuple[int, int, int]:
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise NetworkError(f"input_shape={input_shape!r} must be (H, W, c): the network "
                           "builder stacks 2D layers")
    try:
        H = _whole("H", input_shape[0], 1, 8192)
        W = _whole("W", input_shape[1], 1, 8192)
        c = _whole("c", input_shape[2], 1, 4096)
    except ConvError as err:
        raise NetworkError(f"input shape: {err}") from None
    return (H, W, c)


def _one_layer(spec: LayerSpec, shape: tuple[int, ...], namer: _Namer,
               rf: list[int] | None, jump: list[int] | None, rf_note: str):
    """One row (as a dict, before the shares) and the receptive field after it."""
    conv_result = None
    note = ""
    if spec.op == "conv":
        conv_result = _conv_layer(spec, shape)
        plan = _keras_plan(conv_result)
        keras = []
        for layer in plan.layers:
            keras.append(KerasLayer(namer.take(layer.type), layer.type,
                                    (None, *layer.out), layer.params))
            if layer.type == "GroupedConv2DTranspose":  # its inner layers take names too
                for _ in range(conv_result.spec.groups):
                    namer.take("Conv2DTranspose")
        out = conv_result.output_shape
        params, macs = conv_result.params, conv_result.macs
        if rf is not None and jump is not None:
            for st in conv_result.stages:
                if st.op == "transposed":
                    rf = jump = None
                    rf_note = "not tracked after a transposed conv"
                    break
                for a_i, a in enumerate(st.axes):
                    rf[a_i] += (a.extent - 1) * jump[a_i]
                    jump[a_i] *= a.stride
            if rf is not None:
                rf, jump = list(rf), list(jump)
    elif spec.op in ("max_pool", "avg_pool"):
        axes = _pool_axes(spec, shape)
        out = (axes[0].size_out, axes[1].size_out, shape[2])
        params = macs = 0
        note = "pooling has no weights: 0 parameters and 0 MACs"
        keras = [KerasLayer(namer.take(_KERAS_CLASS[spec.op]), _KERAS_CLASS[spec.op],
                            (None, *out), 0)]
        if rf is not None and jump is not None:
            rf = [rf[j] + (a.extent - 1) * jump[j] for j, a in enumerate(axes)]
            jump = [jump[j] * a.stride for j, a in enumerate(axes)]
    elif spec.op == "gap":
        if len(shape) != 3:
            raise ConvError(f"global pooling needs an image (H, W, C), but its input is "
                            f"flat {_dims(shape)}")
        out = (shape[2],)
        params = macs = 0
        note = "averages each channel over H × W: no weights, 0 MACs"
        keras = [KerasLayer(namer.take("GlobalAveragePooling2D"), "GlobalAveragePooling2D",
                            (None, *out), 0)]
        rf = jump = None
        rf_note = "whole input"
    elif spec.op == "flatten":
        out = (_flat_size(shape),)
        params = macs = 0
        note = "only reshapes: 0 parameters, 0 MACs"
        keras = [KerasLayer(namer.take("Flatten"), "Flatten", (None, *out), 0)]
    else:  # dense
        if len(shape) != 1:
            raise ConvError(f"dense needs a flat input, but its input is {_dims(shape)}: "
                            f"put flatten or global average pooling before it")
        units = spec.filters
        if units is None:
            raise ConvError("the number of units is missing")
        units = _whole("units", units, 1, MAX_UNITS)
        n = shape[0]
        params = n * units + (units if spec.bias else 0)
        macs = n * units
        out = (units,)
        keras = [KerasLayer(namer.take("Dense"), "Dense", (None, *out), params)]
        rf = jump = None
        rf_note = "whole input"
    row = dict(keras_layers=tuple(keras), output_shape=tuple(out), params=params, macs=macs,
               receptive_field=None if rf is None else tuple(rf),
               jump=None if jump is None else tuple(jump),
               receptive_field_note="" if rf is not None else rf_note,
               conv=conv_result, note=note)
    return row, rf, jump, rf_note


def _finish(raw: list[dict]) -> tuple[LayerRow, ...]:
    total_p = sum(r["params"] for r in raw)
    total_m = sum(r["macs"] for r in raw)
    rows = []
    for r in raw:
        ks = r.pop("keras_layers")
        rows.append(LayerRow(
            piece=serialise_layer(r["spec"]), description=describe(r["spec"]),
            name=" + ".join(k.name for k in ks), type=" + ".join(k.type for k in ks),
            keras_layers=ks,
            params_share=r["params"] / total_p if total_p else 0.0,
            macs_share=r["macs"] / total_m if total_m else 0.0, **r))
    return tuple(rows)


# ---------------------------------------------------------------------------
# Keras model.summary() text
# ---------------------------------------------------------------------------

def keras_summary(result: NetworkResult, line_length: int = KERAS_LINE_LENGTH) -> str:
    """The text Keras 3 ``model.summary(line_length=...)`` prints for :func:`keras_code`.

    Column widths, word wrapping and byte sizes come from ``lib.snippets`` (Keras's rich
    table reproduced); the rows are every real Keras layer with its auto-name.
    """
    cells = _keras_column_widths(line_length)
    justify = ("left", "left", "right")

    def row(values: tuple[str, str, str], bar: str) -> list[str]:
        wrapped = [_wrap(v, w - 2) for v, w in zip(values, cells)]
        out = []
        for i in range(max(len(x) for x in wrapped)):
            parts = []
            for lines, w, j in zip(wrapped, cells, justify):
                text = lines[i] if i < len(lines) else ""
                parts.append(" " + (text.ljust(w - 2) if j == "left" else text.rjust(w - 2))
                             + " ")
            out.append(bar + bar.join(parts) + bar)
        return out

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * w for w in cells) + right

    lines = ['Model: "sequential"', rule("┏", "━", "┳", "┓")]
    lines += row(("Layer (type)", "Output Shape", "Param #"), "┃")
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, k in enumerate(result.keras_layers):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        shape = "(" + ", ".join(str(v) for v in k.output_shape) + ")"
        lines += row((f"{k.name} ({k.type})", shape, f"{k.params:,}"), "│")
    lines.append(rule("└", "─", "┴", "┘"))
    total = result.total_params
    size = readable_bytes(result.weight_bytes)
    lines += [f" Total params: {total:,} ({size})",
              f" Trainable params: {total:,} ({size})",
              " Non-trainable params: 0 (0.00 B)"]
    return "\n".join(lines) + "\n"


def summary_text(result: NetworkResult) -> str:
    """The download: the Keras table, then ConvScope's extra columns (MACs, shares, RF)."""
    head = ("#", "layer", "output", "params", "MACs", "% params", "% MACs", "receptive field")
    body = [(str(r.index), r.piece, _dims(r.output_shape), f"{r.params:,}", f"{r.macs:,}",
             f"{100 * r.params_share:.1f}", f"{100 * r.macs_share:.1f}",
             r.receptive_field_text) for r in result.rows]
    widths = [max(len(x[j]) for x in (head, *body)) for j in range(len(head))]
    fmt = lambda cells: "  ".join(c.rjust(w) if j in (0, 3, 4, 5, 6) else c.ljust(w)  # noqa: E731
                                  for j, (c, w) in enumerate(zip(cells, widths))).rstrip()
    lines = [keras_summary(result), "ConvScope per layer (MACs for one image; pooling, "
             "flatten and global pooling have no weights: 0 MACs)", fmt(head)]
    lines += [fmt(b) for b in body]
    lines += [f"Total: {result.total_params:,} params, {result.total_macs:,} MACs "
              f"({result.total_flops:,} FLOPs) for one {_dims(result.input_shape)} input",
              f"Stack: {serialise_net(result.spec)}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Code
# ---------------------------------------------------------------------------

def _keras_lines(row: LayerRow) -> tuple[list[str], list[str]]:
    """(preamble blocks, constructor lines with their comments) for one row."""
    s = row.spec
    if s.op == "conv":
        plan = _keras_plan(row.conv)  # type: ignore[arg-type]
        lines = []
        for layer in plan.layers:
            lines += list(layer.comment) + [layer.code + ","]
        return list(plan.preamble), lines
    if s.op in ("max_pool", "avg_pool"):
        args = [f"pool_size={_src(s.kernel)}"]
        if s.stride is not None:
            args.append(f"strides={_src(s.stride)}")
        if s.padding == "same":
            args.append('padding="same"')
        return [], [f"layers.{_KERAS_CLASS[s.op]}({', '.join(args)}),"]
    if s.op == "dense":
        return [], [f"layers.Dense({s.filters}{'' if s.bias else ', use_bias=False'}),"]
    return [], [f"layers.{_KERAS_CLASS[s.op]}(),"]


def _src(pair: Pair | None) -> str:
    assert pair is not None
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


def _torch_lines(row: LayerRow) -> tuple[list[str], list[str]]:
    s = row.spec
    if s.op == "conv":
        plan = _torch_plan(row.conv)  # type: ignore[arg-type]
        lines = []
        for layer in plan.layers:
            lines += list(layer.comment) + [layer.code + ","]
        return list(plan.preamble), lines
    if s.op in ("max_pool", "avg_pool"):
        axes = _pool_axes(s, row.input_shape)
        cls = "MaxPool2d" if s.op == "max_pool" else "AvgPool2d"
        pads = [(a.before, a.after) for a in axes]
        lines: list[str] = []
        args = [_src(s.kernel)]
        if s.stride is not None:
            args.append(f"stride={_src(s.stride)}")
        if any(b != a for b, a in pads):
            (t, b), (l, r) = pads
            lines += ["# Keras's padding='same' for pooling (torch backend): repeat the edge "
                      "pixels, the odd one at the end,",
                      f"nn.ReplicationPad2d(({l}, {r}, {t}, {b})),"]
        elif any(b for b, _ in pads):
            args.append(f"padding={_src((pads[0][0], pads[1][0]))}")
            if cls == "AvgPool2d":
                args.append("count_include_pad=False")
        return [], lines + [f"nn.{cls}({', '.join(args)}),"]
    if s.op == "gap":
        return [], ["nn.AdaptiveAvgPool2d(1),", "nn.Flatten(),"]
    if s.op == "flatten":
        return [], ["# PyTorch flattens (C, H, W), Keras (H, W, C): same size, other order",
                    "nn.Flatten(),"]
    n = row.input_shape[0]
    return [], [f"nn.Linear({n}, {s.filters}{'' if s.bias else ', bias=False'}),"]


def _dedupe(blocks: Iterable[str]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if b not in out:
            out.append(b)
    return out


def _code(result: NetworkResult, framework: str) -> str:
    pre: list[str] = []
    body: list[str] = []
    for row in result.rows:
        p, lines = (_keras_lines if framework == "keras" else _torch_lines)(row)
        pre += p
        out = _dims(row.output_shape)
        body.append(f"    # {row.index}. {row.name}: {row.description} -> {out}, "
                    f"{row.params:,} params")
        body += ["    " + ln for ln in lines]
    H, W, c = result.input_shape
    if framework == "keras":
        lines = ["import keras", "from keras import layers", ""]
    else:
        lines = ["import torch", "from torch import nn", ""]
    for block in _dedupe(pre):
        lines += ["", block.rstrip("\n"), "", ""]
    out = result.output_shape
    if framework == "keras":
        lines += ["keras.utils.clear_session()  # fresh auto-names: conv2d, conv2d_1, ...",
                  "model = keras.Sequential([", f"    keras.Input(shape=({H}, {W}, {c})),",
                  *body, "])",
                  f"model.summary()  # {result.total_params:,} params, output "
                  f"(None, {', '.join(map(str, out))})"]
    else:
        torch_out = (1, out[-1], *out[:-1]) if len(out) == 3 else (1, *out)
        lines += ["model = nn.Sequential(", *body, ")",
                  f"x = torch.zeros(1, {c}, {H}, {W})  # one {H}×{W} image with {c} channels",
                  'print("params:", sum(p.numel() for p in model.parameters()))  '
                  f"# {result.total_params}",
                  f'print("output shape:", tuple(model(x).shape))  # {torch_out}']
    return "\n".join(lines) + "\n"


def keras_code(result: NetworkResult) -> str:
    """A Keras 3 script building the stack as a ``keras.Sequential`` and printing its summary."""
    return _code(result, "keras")


def pytorch_code(result: NetworkResult) -> str:
    """A PyTorch script building the stack as an ``nn.Sequential``; prints params and shape."""
    return _code(result, "pytorch")


# ---------------------------------------------------------------------------
# The stack as text (URL)
# ---------------------------------------------------------------------------

#: Piece head <-> conv kind.
CONV_CODES: dict[str, str] = {
    "c": "standard", "pw": "pointwise", "gc": "grouped", "dw": "depthwise",
    "sep": "separable_keras", "sept": "separable_pytorch", "sh": "shared_channels",
    "t": "transposed", "ss": "spatially_separable",
}
_CODE_OF_KIND = {v: k for k, v in CONV_CODES.items()}
_OP_CODES = {"mp": "max_pool", "ap": "avg_pool", "gap": "gap", "flat": "flatten",
             "d": "dense"}
_CODE_OF_OP = {v: k for k, v in _OP_CODES.items()}
_HEAD = re.compile(r"^(sept|sep|flat|gap|gc|pw|dw|sh|ss|mp|ap|c|t|d)([0-9x]*)$")
_INPUT = re.compile(r"^in([0-9]+)x([0-9]+)x([0-9]+)$")
_SIZE = re.compile(r"^([0-9]+)(?:x([0-9]+))?$")
_OPTION = re.compile(r"^(op|s|p|d|g|m)([0-9x]+)$")
_OPTION_NAME = {"s": "stride", "p": "padding", "d": "dilation", "g": "groups",
                "m": "depth multiplier", "op": "output padding"}
DEFAULT_INPUT = (32, 32, 3)

GRAMMAR_HELP = (
    "Pieces separated by commas, e.g. `in32x32x3,c3x3-32-same,mp2,flat,d10`. "
    "`in32x32x3` input H×W×c (first). Convs `<kind><kh>x<kw>-<filters>`: `c` standard, "
    "`pw` pointwise (`pw-64`), `gc` grouped, `dw` depthwise (no filters: `dw3x3`), `sep` "
    "Keras SeparableConv2D, `sept` PyTorch depthwise + 1×1, `sh` shared across channels, "
    "`t` transposed, `ss` spatially separable. Options: `s2` stride, `same`/`valid`, `p1` "
    "zeros per side, `d2` dilation, `g4` groups, `m2` depth multiplier, `op1` output "
    "padding, `nb` no bias. Pools `mp2`, `ap3-s2-same`; `gap` global average pooling; "
    "`flat` flatten; `d10` dense with 10 units (`d10-nb`: no bias).")


def _echo(text: str, limit: int = 24) -> str:
    """User text made safe to quote: a Markdown code span (nothing in it is interpreted;
    backticks and control characters become '?'), cut after ``limit`` characters."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text)
    clean = clean if len(clean) <= limit else clean[:limit] + "…"
    return f"`{clean}`" if clean.strip() else "(empty)"


def _number(text: str, what: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"{what} {_echo(text)} is not a whole number")
    if len(text) > _MAX_DIGITS:
        raise ValueError(f"{what} {_echo(text)} has more than {_MAX_DIGITS} digits")
    return int(text)


def _size(text: str, what: str) -> Pair:
    m = _SIZE.match(text)
    if not m or not text.isascii():
        raise ValueError(f"{what} {_echo(text)} must be a number or height x width like 3x5")
    h = _number(m.group(1), what)
    return (h, _number(m.group(2), what) if m.group(2) else h)


def _parse_piece(piece: str) -> LayerSpec:
    parts = piece.split("-")
    head = _HEAD.match(parts[0])
    if not head:
        raise ValueError(f"{_echo(parts[0])} is not a layer: start with c, pw, gc, dw, sep, "
                         "sept, sh, t, ss, mp, ap, gap, flat or d")
    code, number = head.group(1), head.group(2)
    rest = parts[1:]
    if code in _OP_CODES:
        op = _OP_CODES[code]
        if op in ("gap", "flatten"):
            if number or rest:
                raise ValueError(f"{code} takes no size or options")
            return LayerSpec(op)
        if not number:
            raise ValueError(f"{code} needs a size, e.g. {code}{'10' if op == 'dense' else '2'}")
        if op == "dense":
            units = _number(number, "units")
            bias = True
            for opt in rest:
                if opt != "nb" or not bias:
                    raise ValueError(f"{_echo(opt)}: dense takes only 'nb' (no bias), once")
                bias = False
            return dense(units, bias)
        pool = _size(number, "pool size")
        stride, padding = None, None
        for opt in rest:
            if opt in ("same", "valid") and padding is None:
                padding = opt
            elif opt.startswith("s") and stride is None and opt[1:]:
                stride = _size(opt[1:], "stride")
            else:
                raise ValueError(f"{_echo(opt)}: pooling takes a stride (s2) and same/valid, "
                                 "each once")
        return LayerSpec(op, kernel=pool, stride=stride, padding=padding or "valid")
    kind = CONV_CODES[code]
    kernel = _size(number, "kernel") if number else None
    if kernel is None and kind != "pointwise":
        raise ValueError(f"{code} needs a kernel size, e.g. {code}3x3")
    filters = None
    if kind != "depthwise":
        if not rest or not rest[0].isdigit():
            raise ValueError(f"{code} needs a filter count after the kernel, e.g. "
                             f"{code}{'3x3' if kernel else ''}-32")
        filters = _number(rest[0], "filters")
        rest = rest[1:]
    elif rest and rest[0].isdigit():
        raise ValueError("a depthwise conv has no filter count (C_out = c × m): "
                         "write dw3x3 or dw3x3-m2")
    opts: dict[str, object] = {}
    for opt in rest:
        if opt in ("same", "valid"):
            key, value = "padding", opt
        elif opt == "nb":
            key, value = "bias", False
        else:
            m = _OPTION.match(opt)
            if not m:
                raise ValueError(f"option {_echo(opt)} is not one of s2, same, valid, p1, d2, "
                                 "g2, m2, op1, nb")
            name, val = m.group(1), m.group(2)
            key = {"s": "stride", "p": "padding", "d": "dilation", "g": "groups",
                   "m": "depth_multiplier", "op": "output_padding"}[name]
            value = (_number(val, _OPTION_NAME[name]) if name in ("g", "m")
                     else _size(val, _OPTION_NAME[name]))
        if key in opts:
            raise ValueError(f"{key.replace('_', ' ')} is given twice")
        opts[key] = value
    return conv(filters, kernel if kernel is not None else 1, kind, **opts)  # type: ignore[arg-type]


def parse_net(text: object) -> NetworkSpec:
    """Read the stack text (see the module docstring) into a :class:`NetworkSpec`.

    Case and spaces around pieces do not matter; empty pieces are skipped. Raises
    :class:`NetworkError` naming the piece and why, and only that.
    """
    if not isinstance(text, str):
        raise NetworkError(f"the stack must be text, not {type(text).__name__}")
    if len(text) > MAX_NET_CHARS:
        raise NetworkError(f"the stack text is {len(text)} characters, above the limit "
                           f"{MAX_NET_CHARS}")
    pieces = [p.strip().lower() for p in text.split(",")]
    numbered = [(i, p) for i, p in enumerate(pieces, start=1) if p]
    input_shape = DEFAULT_INPUT
    layers: list[LayerSpec] = []
    for n, (i, piece) in enumerate(numbered):
        m = _INPUT.match(piece)
        if m and piece.isascii():
            if n:
                raise NetworkError(f"piece {i} {_echo(piece)}: the input shape must come "
                                   "first")
            try:
                input_shape = tuple(_number(g, "input size") for g in m.groups())  # type: ignore[assignment]
            except ValueError as err:
                raise NetworkError(f"piece {i} {_echo(piece)}: {err}") from None
            continue
        if piece.startswith("in"):
            raise NetworkError(f"piece {i} {_echo(piece)}: the input is 'in' then H x W x c, "
                               "e.g. in32x32x3")
        try:
            layers.append(_parse_piece(piece))
        except (ValueError, ConvError) as err:
            raise NetworkError(f"piece {i} {_echo(piece)}: {err}") from None
    if len(layers) > MAX_LAYERS:
        raise NetworkError(f"{len(layers)} layers is above the limit {MAX_LAYERS}")
    return NetworkSpec(input_shape, tuple(layers))


def _size_src(pair: Sequence[int], square_short: bool = True) -> str:
    if square_short and pair[0] == pair[1]:
        return str(pair[0])
    return f"{pair[0]}x{pair[1]}"


def serialise_layer(spec: LayerSpec) -> str:
    """One layer as a piece of the stack text (canonical: defaults left out)."""
    if spec.op in ("gap", "flatten", "dense"):
        piece = _CODE_OF_OP[spec.op]
        if spec.op == "dense":
            piece += f"{spec.filters}{'' if spec.bias else '-nb'}"
        return piece
    if spec.op in ("max_pool", "avg_pool"):
        parts = [_CODE_OF_OP[spec.op] + _size_src(spec.kernel)]  # type: ignore[arg-type]
        if spec.stride is not None:
            parts.append("s" + _size_src(spec.stride))
        if spec.padding != "valid":
            parts.append(str(spec.padding))
        return "-".join(parts)
    code = _CODE_OF_KIND[spec.kind]
    kernel = spec.kernel
    head = code + ("" if spec.kind == "pointwise" and kernel == (1, 1)
                   else _size_src(kernel, square_short=False))  # type: ignore[arg-type]
    parts = [head]
    if spec.kind != "depthwise":
        parts.append(str(spec.filters))
    if spec.stride != (1, 1):
        parts.append("s" + _size_src(spec.stride))  # type: ignore[arg-type]
    if isinstance(spec.padding, str):
        if spec.padding != "valid":
            parts.append(spec.padding)
    else:
        parts.append("p" + _size_src(spec.padding))
    if spec.dilation != (1, 1):
        parts.append("d" + _size_src(spec.dilation))
    if spec.groups != 1:
        parts.append(f"g{spec.groups}")
    if spec.depth_multiplier != 1:
        parts.append(f"m{spec.depth_multiplier}")
    if spec.output_padding != (0, 0):
        parts.append("op" + _size_src(spec.output_padding))
    if not spec.bias:
        parts.append("nb")
    return "-".join(parts)


def serialise_net(spec: NetworkSpec) -> str:
    """The stack as one line of text: ``in32x32x3,c3x3-32-same,mp2,flat,d10``."""
    H, W, c = spec.input_shape
    return ",".join([f"in{H}x{W}x{c}", *(serialise_layer(s) for s in spec.layers)])


# ---------------------------------------------------------------------------
# Presets
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Preset:
    """A ready-made stack with why it is worth looking at."""

    key: str
    label: str
    about: str
    spec: NetworkSpec


def _mobilenet_blocks(full: bool) -> tuple[LayerSpec, ...]:
    """MobileNet-v1 (α = 1): a 3×3 stride-2 conv, then depthwise separable blocks.

    The paper puts BatchNorm + ReLU after every conv and no bias; without BatchNorm we use
    ``bias=False`` everywhere, so Keras SeparableConv2D (one bias) and PyTorch's depthwise
    + pointwise pair (two biases) have the same parameters.
    """
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1)]
    if full:
        blocks += [(512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    layers = [conv(32, 3, stride=2, padding="same", bias=False)]
    layers += [conv(k, 3, "separable_keras", stride=s, padding="same", bias=False)
               for k, s in blocks]
    if full:
        layers += [gap(), dense(1000)]
    return tuple(layers)


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset("vgg_block", "Small VGG-style block",
           "Two 3×3 convs with 'same' padding, a 2×2 max pool, flatten and a dense "
           "classifier: the dense layer holds most of the parameters, the convs most of "
           "the MACs.",
           NetworkSpec((32, 32, 3), (conv(32, 3, padding="same"), conv(32, 3, padding="same"),
                                     max_pool(2), flatten(), dense(10)))),
    Preset("classic", "One Conv2D: 32×32×3, 10 filters of 4×4",
           "The walkthrough's question: 10 × (4·4·3 + 1) = 490 parameters, output 29×29×10.",
           NetworkSpec((32, 32, 3), (conv(10, 4),))),
    Preset("shared", "One kernel shared across channels (170)",
           "The tempting wrong answer made real: sum the 3 channels, then 10 filters of 4×4 "
           "with one kernel each: 10 × (4·4 + 1) = 170.",
           NetworkSpec((32, 32, 3), (conv(10, 4, "shared_channels"),))),
    Preset("mobilenet_blocks", "MobileNet-v1, first blocks",
           "224×224×3: a 3×3 stride-2 conv, then depthwise separable blocks 64, 128 (s2), "
           "128, 256 (s2), 256. Bias off (the paper uses BatchNorm instead).",
           NetworkSpec((224, 224, 3), _mobilenet_blocks(False))),
    Preset("mobilenet_v1", "MobileNet-v1, whole network",
           "All 13 depthwise separable blocks, global average pooling and a 1000-way dense "
           "layer: the paper's 4.2 M parameters and 569 M mult-adds.",
           NetworkSpec((224, 224, 3), _mobilenet_blocks(True))),
)}

DEFAULT_PRESET = "vgg_block"


def preset_of(spec: NetworkSpec) -> str | None:
    """The key of the preset that is exactly this stack, or None."""
    for key, p in PRESETS.items():
        if p.spec == spec:
            return key
    return None


# ---------------------------------------------------------------------------
# Standard versus depthwise separable
# ---------------------------------------------------------------------------

_SEPARABLE = ("separable_keras", "separable_pytorch")


def standard_twin(layers: Iterable[LayerSpec]) -> tuple[LayerSpec, ...]:
    """The same stack with every depthwise separable conv replaced by a standard conv.

    Same filters, kernel, stride, padding, dilation and bias, so every output shape stays
    the same; only what one layer may learn (and pay) changes.
    """
    return tuple(replace(s, kind="standard", depth_multiplier=1)
                 if s.op == "conv" and s.kind in _SEPARABLE else s for s in layers)


@dataclass(frozen=True)
class Comparison:
    """A separable stack next to its standard twin: totals and how many times bigger."""

    separable: NetworkResult
    standard: NetworkResult

    @property
    def params_ratio(self) -> float:
        """standard params / separable params."""
        return self.standard.total_params / max(self.separable.total_params, 1)

    @property
    def macs_ratio(self) -> float:
        return self.standard.total_macs / max(self.separable.total_macs, 1)


def has_separable(layers: Iterable[LayerSpec]) -> bool:
    return any(s.op == "conv" and s.kind in _SEPARABLE for s in layers)


def compare_with_standard(result: NetworkResult) -> Comparison | None:
    """None when the stack has no depthwise separable conv."""
    layers = result.spec.layers
    if not has_separable(layers):
        return None
    return Comparison(result, build_network(result.input_shape, standard_twin(layers)))


# ---------------------------------------------------------------------------
# The editor table (st.data_editor rows)
# ---------------------------------------------------------------------------

#: Editor "layer" column: label -> (op, conv kind).
TABLE_TYPES: dict[str, tuple[str, str]] = {
    **{KIND_INFO[k].label: ("conv", k) for k in KINDS},
    "Max pooling": ("max_pool", ""), "Average pooling": ("avg_pool", ""),
    "Global average pooling": ("gap", ""), "Flatten": ("flatten", ""),
    "Dense": ("dense", ""),
}
_LABEL_OF = {v: k for k, v in TABLE_TYPES.items()}

#: Editor columns, in order.
TABLE_COLUMNS: tuple[str, ...] = ("layer", "filters / units", "kernel / pool", "stride",
                                  "padding", "dilation", "groups", "depth multiplier",
                                  "output padding", "bias")


def to_table(layers: Iterable[LayerSpec]) -> list[dict[str, object]]:
    """Rows for the editor: numbers where they apply, None (blank) elsewhere."""
    rows = []
    for s in layers:
        row: dict[str, object] = {c: None for c in TABLE_COLUMNS}
        row["layer"] = _LABEL_OF[(s.op, s.kind)]
        if s.op in ("conv", "dense") and s.filters is not None:
            row["filters / units"] = s.filters
        if s.kernel is not None:
            row["kernel / pool"] = _size_src(s.kernel, square_short=s.op != "conv")
        if s.op in ("conv", "max_pool", "avg_pool"):
            row["stride"] = None if s.stride is None else _size_src(s.stride)
            row["padding"] = (s.padding if isinstance(s.padding, str)
                              else _size_src(s.padding))
        if s.op == "conv":
            row["dilation"] = _size_src(s.dilation)
            row["groups"] = s.groups
            row["depth multiplier"] = s.depth_multiplier
            row["output padding"] = _size_src(s.output_padding)
        if s.op in ("conv", "dense"):
            row["bias"] = s.bias
        rows.append(row)
    return rows


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def _cell_int(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a whole number")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise ValueError(f"{what} {value!r} is not a whole number")
        return int(value)
    if isinstance(value, int):
        return value
    if hasattr(value, "__index__"):  # numpy integers
        return int(value)  # type: ignore[call-overload]
    return _number(str(value).strip(), what)


def _cell_size(value: object, what: str) -> Pair:
    if isinstance(value, str):
        return _size(value.strip().lower(), what)
    n = _cell_int(value, what)
    return (n, n)


def from_table(rows: Sequence[Mapping[str, object]]) -> tuple[LayerSpec, ...]:
    """Editor rows -> layer specs. Blank cells take the default; cells an op does not use
    are ignored. Raises :class:`NetworkError` naming the row and the column."""
    if len(rows) > MAX_LAYERS:
        raise NetworkError(f"{len(rows)} rows is above the limit {MAX_LAYERS} layers")
    out = []
    for i, row in enumerate(rows, start=1):
        label = row.get("layer")
        if _blank(label) or label not in TABLE_TYPES:
            raise NetworkError(f"row {i}: choose a layer type"
                               + ("" if _blank(label) else f" ({_echo(str(label))} is not one)"),
                               i)
        op, kind = TABLE_TYPES[label]  # type: ignore[index]
        col = "?"
        try:
            def get(name: str, conv_fn, default):
                nonlocal col
                col = name
                value = row.get(name)
                return default if _blank(value) else conv_fn(value, name)

            if op == "conv":
                pad = row.get("padding")
                col = "padding"
                if _blank(pad) or str(pad).strip().lower() in ("valid", "same"):
                    padding: object = "valid" if _blank(pad) else str(pad).strip().lower()
                else:
                    padding = _cell_size(pad, "padding")
                filters = (None if kind == "depthwise"
                           else get("filters / units", _cell_int, None))
                if filters is None and kind != "depthwise":
                    raise ValueError("filters / units is empty")
                spec = conv(filters, get("kernel / pool", _cell_size, (1, 1) if kind ==
                                         "pointwise" else None) or _missing("kernel / pool"),
                            kind, stride=get("stride", _cell_size, (1, 1)),
                            padding=padding,  # type: ignore[arg-type]
                            dilation=get("dilation", _cell_size, (1, 1)),
                            groups=get("groups", _cell_int, 1),
                            depth_multiplier=get("depth multiplier", _cell_int, 1),
                            output_padding=get("output padding", _cell_size, (0, 0)),
                            bias=get("bias", lambda v, _: bool(v), True))
            elif op in ("max_pool", "avg_pool"):
                pad = row.get("padding")
                col = "padding"
                padding = "valid" if _blank(pad) else str(pad).strip().lower()
                if padding not in ("valid", "same"):
                    raise ValueError(f"pooling padding {_echo(str(pad))} must be valid or same")
                spec = LayerSpec(op, kernel=get("kernel / pool", _cell_size, None)
                                 or _missing("kernel / pool"),
                                 stride=get("stride", _cell_size, None), padding=padding)
            elif op == "dense":
                units = get("filters / units", _cell_int, None)
                if units is None:
                    raise ValueError("filters / units is empty")
                spec = dense(units, get("bias", lambda v, _: bool(v), True))
            else:
                spec = LayerSpec(op)
        except (ValueError, ConvError) as err:
            raise NetworkError(f"row {i} ({label}), column {col}: {err}", i) from None
        out.append(spec)
    return tuple(out)


def _missing(column: str):
    raise ValueError(f"{column} is empty")


def apply_table_edits(rows: Sequence[Mapping[str, object]],
                      edits: Mapping[str, object]) -> list[dict[str, object]]:
    """Apply ``st.data_editor``'s edit record to the rows it was given.

    The record is ``{"edited_rows": {i: {column: value}}, "added_rows": [{...}],
    "deleted_rows": [i, ...]}``; indices refer to ``rows``. Edits first, then deletions,
    then the added rows at the end (the editor only appends).
    """
    out = [dict(r) for r in rows]
    edited = edits.get("edited_rows") or {}
    for key, change in dict(edited).items():  # type: ignore[call-overload]
        i = int(key)
        if 0 <= i < len(out) and isinstance(change, Mapping):
            out[i].update(change)
    deleted = {int(i) for i in (edits.get("deleted_rows") or [])}  # type: ignore[union-attr]
    out = [r for i, r in enumerate(out) if i not in deleted]
    for added in edits.get("added_rows") or []:  # type: ignore[union-attr]
        if isinstance(added, Mapping):
            out.append({c: added.get(c) for c in TABLE_COLUMNS})
    return out


def with_input(spec: NetworkSpec, H: int, W: int, c: int) -> NetworkSpec:
    return NetworkSpec((H, W, c), spec.layers)


#: The stack the page opens with (and falls back to when a link can't be read).
DEFAULT_NET = serialise_net(PRESETS[DEFAULT_PRESET].spec)


def unreadable_message(text: str, err: NetworkError, fallback: NetworkSpec) -> str:
    """What the page says about stack text (typed, or from a ``net=`` link) it can't read."""
    key = preset_of(fallback)
    shown = (f"the preset '{PRESETS[key].label}'" if key
             else "the last stack that could be read")
    return f"net={_echo(text, 40)} can't be read: {err}. Showing {shown}."


__all__ = [
    "CONV_CODES", "Comparison", "DEFAULT_PRESET", "GRAMMAR_HELP", "KerasLayer", "LayerRow",
    "LayerSpec", "MAX_LAYERS", "DEFAULT_NET", "NetworkError", "NetworkResult",
    "NetworkSpec", "OPS", "PRESETS", "Preset", "TABLE_COLUMNS", "TABLE_TYPES",
    "apply_table_edits", "avg_pool", "build_network", "compare_with_standard", "conv",
    "dense", "describe", "flatten", "from_table", "gap", "has_separable", "keras_auto_name",
    "keras_code", "keras_summary", "max_pool", "parse_net",
    "preset_of", "pytorch_code", "serialise_layer", "serialise_net", "standard_twin",
    "summary_text", "to_table", "unreadable_message", "with_input",
]
