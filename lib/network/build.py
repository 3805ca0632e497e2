"""Building a stack: every layer on the previous one's output, with the Keras layers it
becomes, its parameters, MACs, share of the totals and receptive field
(:func:`build_network`), and a separable stack next to its standard twin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lib.conv import AXES, BYTES_PER_FLOAT32, Axis, ConvError, ConvResult, analyze, conv_axis
from lib.spec import PER_AXIS_WORDS, whole
from lib.snippets import keras_plan, keras_rows
from lib.summary import KerasNamer, SummaryRow
from lib.text import fmt_shape

from .grammar import serialise_layer
from .layers import (MAX_CHANNELS, MAX_LAYERS, MAX_POOL, MAX_POOL_STRIDE, MAX_SIZE, MAX_UNITS,
                     RANKS, SHAPE_WORDS, LayerSpec, NetworkError, NetworkSpec, Sizes, describe,
                     has_separable, keras_class, standard_twin)

# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerRow:
    """One layer of the stack with everything the summary shows.

    ``name``/``type`` join the Keras layers the spec becomes (``conv2d`` / ``Conv2D``, or
    ``zero_padding2d + conv2d_1``). Shapes are channels-last without the batch.
    ``params_share`` and ``macs_share`` are fractions of the network totals (0 when the
    total is 0). ``receptive_field`` is one size per spatial axis (e.g. height, width) in
    input cells, None with ``receptive_field_note`` saying why ("whole input",
    "not tracked ...").
    """

    index: int
    spec: LayerSpec
    piece: str
    description: str
    name: str
    type: str
    keras_layers: tuple[SummaryRow, ...]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int
    params_share: float
    macs_share: float
    receptive_field: Sizes | None
    receptive_field_note: str
    jump: Sizes | None
    conv: ConvResult | None = field(default=None, compare=False, repr=False)
    note: str = ""

    @property
    def receptive_field_text(self) -> str:
        if self.receptive_field is not None:
            return fmt_shape(self.receptive_field)
        return self.receptive_field_note


@dataclass(frozen=True)
class NetworkResult:
    """A built stack: per-layer rows and the totals (params all trainable: no BatchNorm)."""

    input_shape: tuple[int, ...]
    rows: tuple[LayerRow, ...]
    total_params: int
    total_macs: int

    @property
    def rank(self) -> int:
        """Spatial axes of the input: 1, 2 or 3."""
        return len(self.input_shape) - 1

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
    def keras_layers(self) -> tuple[SummaryRow, ...]:
        return tuple(k for r in self.rows for k in r.keras_layers)

    @property
    def receptive_field(self) -> Sizes | None:
        """The last tracked receptive field (of the last conv or pool)."""
        for r in reversed(self.rows):
            if r.receptive_field is not None:
                return r.receptive_field
        return None


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------

def _sizes_values(label: str, value: object, rank: int, low: int, high: int) -> Sizes:
    if not isinstance(value, tuple) or len(value) != rank:
        raise ConvError(f"{label}={value!r} must be {PER_AXIS_WORDS[rank]}")
    return tuple(whole(label, v, low, high) for v in value)


def _is_flat(shape: tuple[int, ...]) -> bool:
    return len(shape) == 1


def _check_rank(spec: LayerSpec, shape: tuple[int, ...], what: str) -> int:
    """The spatial rank of ``shape``; raise if it is flat or not the layer's rank."""
    if _is_flat(shape):
        raise ConvError(f"{what} needs a {SHAPE_WORDS[spec.rank or 2]} input, but its "
                        f"input is flat {fmt_shape(shape)}: put it before flatten / global "
                        "pooling / dense")
    rank = len(shape) - 1
    if spec.rank != rank:
        raise ConvError(f"this is a {spec.rank}D layer but its input "
                        f"{fmt_shape(shape)} is {rank}D ({SHAPE_WORDS[rank]})")
    return rank


def _conv_layer(spec: LayerSpec, shape: tuple[int, ...]) -> ConvResult:
    if _is_flat(shape):
        raise ConvError(f"a conv needs an image (H, W, C), but its input is flat "
                        f"{fmt_shape(shape)}: put convs before flatten / global pooling / dense"
                        if spec.rank == 2 else
                        f"a conv needs a {SHAPE_WORDS[spec.rank or 2]} input, but its "
                        f"input is flat {fmt_shape(shape)}: put convs before flatten / global "
                        "pooling / dense")
    rank = _check_rank(spec, shape, "a conv")
    c = shape[-1]
    k = spec.filters
    if spec.kind == "depthwise":
        k = c * spec.depth_multiplier if isinstance(spec.depth_multiplier, int) else 1
    elif k is None:
        raise ConvError("the number of filters is missing")
    sizes = dict(zip(AXES[rank], shape[:-1]))
    return analyze(spec.kind, k=k, w=spec.kernel if spec.kernel is not None else 3, c=c,
                   H=sizes.get("H"), W=sizes["W"], stride=spec.stride, padding=spec.padding,
                   dilation=spec.dilation, groups=spec.groups, bias=spec.bias,
                   depth_multiplier=spec.depth_multiplier,
                   output_padding=spec.output_padding, D=sizes.get("D"))


def pool_axes(spec: LayerSpec, shape: tuple[int, ...]) -> tuple[Axis, ...]:
    """One :class:`lib.conv.Axis` per spatial axis of a pooling layer: a pooling window
    moves like a conv kernel (dilation 1), Keras's 'valid' or 'same'."""
    if _is_flat(shape):
        raise ConvError(f"pooling needs an image (H, W, C), but its input is flat "
                        f"{fmt_shape(shape)}" if spec.rank == 2 else
                        f"pooling needs a {SHAPE_WORDS[spec.rank or 2]} input, but its "
                        f"input is flat {fmt_shape(shape)}")
    rank = _check_rank(spec, shape, "pooling")
    if spec.kernel is None:
        raise ConvError("the pool size is missing")
    pool = _sizes_values("pool size", spec.kernel, rank, 1, MAX_POOL)
    stride = pool if spec.stride is None else _sizes_values("stride", spec.stride, rank, 1,
                                                            MAX_POOL_STRIDE)
    if spec.padding not in ("valid", "same"):
        raise ConvError(f"padding={spec.padding!r}: pooling takes 'valid' or 'same' (Keras)")
    axes = []
    for name, n, k, s in zip(AXES[rank], shape[:-1], pool, stride):
        if spec.padding == "valid" and k > n:
            raise ConvError(f"pool size {k} is larger than the input {n} along {name}; "
                            f"use a smaller pool or padding 'same'")
        axes.append(conv_axis(name, n, k, s, 1, spec.padding))
    return tuple(axes)


def _flat_size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def build_network(input_shape: Sequence[int], layers: Iterable[LayerSpec]) -> NetworkResult:
    """Stack ``layers`` on an input of shape (W, c), (H, W, c) or (D, H, W, c).

    Every conv and pooling layer must have the input's rank. Raises :class:`NetworkError`
    naming the layer number, the layer and the rule, e.g. ``layer 3 (Standard Conv2D 5×5,
    16 filters) on input 4×4×8: kernel 5 is larger than padded input 4 along H``.
    """
    shape = _check_input(input_shape)
    specs = tuple(layers)
    if len(specs) > MAX_LAYERS:
        raise NetworkError(f"{len(specs)} layers is above the limit {MAX_LAYERS}")
    namer = KerasNamer()
    rank = len(shape) - 1
    rf: list[int] | None = [1] * rank
    jump: list[int] | None = [1] * rank
    rf_note = ""
    raw: list[dict] = []
    for i, spec in enumerate(specs, start=1):
        if not isinstance(spec, LayerSpec):
            raise NetworkError(f"layer {i}: {spec!r} is not a LayerSpec", i)
        try:
            row, rf, jump, rf_note = _one_layer(spec, shape, namer, rf, jump, rf_note, rank)
        except ConvError as err:
            built = _finish(raw)
            raise NetworkError(f"layer {i} ({describe(spec)}) on input {fmt_shape(shape)}: "
                               f"{err}", i, built) from None
        raw.append({**row, "index": i, "spec": spec, "input_shape": shape})
        shape = row["output_shape"]
    rows = _finish(raw)
    return NetworkResult(_check_input(input_shape), rows, sum(r.params for r in rows),
                         sum(r.macs for r in rows))


def _check_input(input_shape: object) -> tuple[int, ...]:
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) - 1 not in RANKS:
        raise NetworkError(f"input_shape={input_shape!r} must be (W, c) for a sequence, "
                           "(H, W, c) for an image or (D, H, W, c) for a volume")
    rank = len(input_shape) - 1
    try:
        sizes = tuple(whole(a, v, 1, MAX_SIZE) for a, v in zip(AXES[rank], input_shape))
        c = whole("c", input_shape[-1], 1, MAX_CHANNELS)
    except ConvError as err:
        raise NetworkError(f"input shape: {err}") from None
    return (*sizes, c)


def _one_layer(spec: LayerSpec, shape: tuple[int, ...], namer: KerasNamer,
               rf: list[int] | None, jump: list[int] | None, rf_note: str, rank: int):
    """One row (as a dict, before the shares) and the receptive field after it.

    ``rank`` is the network's (the input's) spatial rank.
    """
    conv_result = None
    note = ""
    if spec.op == "conv":
        conv_result = _conv_layer(spec, shape)
        keras = keras_rows(keras_plan(conv_result).layers, namer)
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
        axes = pool_axes(spec, shape)
        out = (*(a.size_out for a in axes), shape[-1])
        params = macs = 0
        note = "pooling has no weights: 0 parameters and 0 MACs"
        cls = keras_class(spec.op, rank)
        keras = [SummaryRow(namer.take(cls), cls, (None, *out), 0)]
        if rf is not None and jump is not None:
            rf = [rf[j] + (a.extent - 1) * jump[j] for j, a in enumerate(axes)]
            jump = [jump[j] * a.stride for j, a in enumerate(axes)]
    elif spec.op == "gap":
        if _is_flat(shape):
            raise ConvError(f"global pooling needs an image (H, W, C), but its input is "
                            f"flat {fmt_shape(shape)}" if rank == 2 else
                            f"global pooling needs a {SHAPE_WORDS[rank]} input, but its "
                            f"input is flat {fmt_shape(shape)}")
        out = (shape[-1],)
        params = macs = 0
        note = (f"averages each channel over {' × '.join(AXES[rank])}: no weights, 0 MACs")
        cls = keras_class("gap", rank)
        keras = [SummaryRow(namer.take(cls), cls, (None, *out), 0)]
        rf = jump = None
        rf_note = "whole input"
    elif spec.op == "flatten":
        out = (_flat_size(shape),)
        params = macs = 0
        note = "only reshapes: 0 parameters, 0 MACs"
        keras = [SummaryRow(namer.take("Flatten"), "Flatten", (None, *out), 0)]
    else:  # dense
        if not _is_flat(shape):
            raise ConvError(f"dense needs a flat input, but its input is {fmt_shape(shape)}: "
                            f"put flatten or global average pooling before it")
        units = spec.filters
        if units is None:
            raise ConvError("the number of units is missing")
        units = whole("units", units, 1, MAX_UNITS)
        n = shape[0]
        params = n * units + (units if spec.bias else 0)
        macs = n * units
        out = (units,)
        keras = [SummaryRow(namer.take("Dense"), "Dense", (None, *out), params)]
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
# Standard versus depthwise separable
# ---------------------------------------------------------------------------

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


def compare_with_standard(result: NetworkResult) -> Comparison | None:
    """None when the stack has no depthwise separable conv."""
    layers = result.spec.layers
    if not has_separable(layers):
        return None
    return Comparison(result, build_network(result.input_shape, standard_twin(layers)))

