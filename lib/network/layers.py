"""The layers of a stack as the student sets them: :class:`LayerSpec` (a conv of any
kind, pooling, global pooling, flatten, dense), :class:`NetworkSpec` (the input shape and
the layers), a layer in words (:func:`describe`) and the same stack at another rank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from lib.conv import AXES, KINDS, ConvError, kind_label
from lib.text import fmt_shape, fmt_size

#: Per-axis values, one per spatial axis in the order (D, H, W): (3,), (3, 5), (1, 3, 3).
Sizes = tuple[int, ...]

#: Spatial ranks the builder stacks: 1D sequences, 2D images, 3D volumes.
RANKS = (1, 2, 3)

#: Every layer operation, in the order the editor lists them.
OPS: tuple[str, ...] = ("conv", "max_pool", "avg_pool", "gap", "flatten", "dense")

#: Limits of this module (conv limits are lib.conv.LIMITS, checked by analyze).
MAX_LAYERS = 64
MAX_UNITS = 65536
MAX_POOL = 256
MAX_POOL_STRIDE = 64
#: Input sizes (as lib.conv.LIMITS).
MAX_SIZE = 8192
MAX_CHANNELS = 4096

#: The Keras layer class of each non-conv op, ``{r}`` = the rank.
_KERAS_CLASS = {"max_pool": "MaxPooling{r}D", "avg_pool": "AveragePooling{r}D",
                "gap": "GlobalAveragePooling{r}D", "flatten": "Flatten", "dense": "Dense"}

#: How the rank's sizes read, for messages: in32x32x3 is "H × W × c".
SHAPE_WORDS = {1: "W × c", 2: "H × W × c", 3: "D × H × W × c"}


def keras_class(op: str, rank: int | None) -> str:
    """The Keras class of a non-conv op at this rank: ``MaxPooling1D``, ``Flatten``."""
    return _KERAS_CLASS[op].format(r=rank or 2)


class NetworkError(ConvError):
    """An impossible stack or unreadable text; the message names the layer (or piece) and rule.

    ``index`` is the 1-based layer number (None for the input shape or the whole text);
    ``rows`` holds the layers that could be built before it (for a partial table).
    """

    def __init__(self, message: str, index: int | None = None,
                 rows: tuple = ()) -> None:
        super().__init__(message)
        self.index = index
        self.rows = rows


# ---------------------------------------------------------------------------
# Layer specs
# ---------------------------------------------------------------------------

def _per_axis(value: object, rank: int) -> object:
    """An int -> (v,) * rank; a sequence -> tuple; anything else is left for validation."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    return value


_PER_AXIS_FIELDS = ("kernel", "stride", "padding", "dilation", "output_padding")


def _infer_rank(values: Iterable[object]) -> int:
    """The length of the first per-axis tuple of a usable length (1–3), else 2."""
    for v in values:
        if isinstance(v, (list, tuple)) and len(v) in RANKS:
            return len(v)
    return 2


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the stack, as the student sets it.

    ``op``: ``"conv"`` (with ``kind`` one of ``lib.conv.KINDS``), ``"max_pool"``,
    ``"avg_pool"``, ``"gap"``, ``"flatten"`` or ``"dense"``. ``filters``: conv filters k
    (None for a depthwise conv, whose C_out = c × depth multiplier) or dense units.
    ``kernel``: conv kernel or pool size. ``stride``: None for a pool means "= pool size"
    (Keras's default). ``rank``: the spatial rank of a conv or pool (1, 2 or 3; None picks
    the length of the first per-axis tuple given, else 2); global pooling, flatten and
    dense have none (None). Ints become one value per axis (``3`` -> ``(3, 3)`` in 2D);
    fields an op does not use are reset to their defaults, so two specs of the same layer
    compare equal. Values are checked by :func:`build_network` (which names the layer),
    not here.
    """

    op: str
    kind: str = ""
    filters: int | None = None
    kernel: Sizes | None = None
    stride: Sizes | None = None
    padding: str | Sizes = "valid"
    dilation: Sizes = (1, 1)
    groups: int = 1
    depth_multiplier: int = 1
    output_padding: Sizes = (0, 0)
    bias: bool = True
    rank: int | None = None

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        if self.op not in OPS:
            raise NetworkError(f"op={self.op!r} is not one of: {', '.join(OPS)}")
        spatial = self.op in ("conv", "max_pool", "avg_pool")
        rank = self.rank
        if not spatial:
            rank = None
        elif rank is None:
            rank = _infer_rank(getattr(self, n) for n in _PER_AXIS_FIELDS)
        elif isinstance(rank, bool) or rank not in RANKS:
            raise NetworkError(f"rank={rank!r} must be 1, 2 or 3 (spatial axes)")
        set_("rank", rank)
        n = rank or 2
        for name in ("kernel", "stride", "dilation", "output_padding"):
            set_(name, _per_axis(getattr(self, name), n))
        if isinstance(self.padding, str):
            set_("padding", self.padding.strip().lower())
        else:
            set_("padding", _per_axis(self.padding, n))
        if self.op == "conv":
            kind = self.kind or "standard"
            if kind not in KINDS:
                raise NetworkError(f"kind={kind!r} is not one of: {', '.join(KINDS)}")
            set_("kind", kind)
            if self.stride is None:
                set_("stride", (1,) * n)
            if kind == "pointwise" and self.kernel is None:
                set_("kernel", (1,) * n)
            if kind == "depthwise":
                set_("filters", None)
            return
        set_("kind", "")
        keep = {"max_pool": {"kernel", "stride", "padding"},
                "avg_pool": {"kernel", "stride", "padding"},
                "dense": {"filters", "bias"}}.get(self.op, set())
        defaults: dict[str, object] = dict(
            filters=None, kernel=None, stride=None, padding="valid", dilation=(1,) * n,
            groups=1, depth_multiplier=1, output_padding=(0,) * n, bias=True)
        for name, default in defaults.items():
            if name not in keep:
                set_(name, default)

    @property
    def is_conv(self) -> bool:
        return self.op == "conv"


def conv(filters: int | None, kernel: int | Sizes = 3, kind: str = "standard", *,
         stride: int | Sizes = 1, padding: str | int | Sizes = "valid",
         dilation: int | Sizes = 1, groups: int = 1, depth_multiplier: int = 1,
         output_padding: int | Sizes = 0, bias: bool = True,
         rank: int | None = None) -> LayerSpec:
    """A conv layer of any ``lib.conv`` kind (``filters`` is ignored for ``depthwise``).

    ``rank`` 1, 2 or 3; None takes the length of a tuple argument, else 2:
    ``conv(16, 2, padding="causal", dilation=4, rank=1)``, ``conv(64, (3, 3, 3))``.
    """
    return LayerSpec("conv", kind, filters, kernel, stride, padding, dilation, groups,
                     depth_multiplier, output_padding, bias, rank)


def max_pool(pool: int | Sizes = 2, stride: int | Sizes | None = None,
             padding: str = "valid", rank: int | None = None) -> LayerSpec:
    """Keras MaxPooling1D/2D/3D(pool_size, strides, padding); stride None = pool size."""
    return LayerSpec("max_pool", kernel=pool, stride=stride, padding=padding, rank=rank)


def avg_pool(pool: int | Sizes = 2, stride: int | Sizes | None = None,
             padding: str = "valid", rank: int | None = None) -> LayerSpec:
    """Keras AveragePooling1D/2D/3D(pool_size, strides, padding); stride None = pool size."""
    return LayerSpec("avg_pool", kernel=pool, stride=stride, padding=padding, rank=rank)


def gap() -> LayerSpec:
    """Keras GlobalAveragePooling1D/2D/3D: the mean of each channel, (..., C) -> (C,)."""
    return LayerSpec("gap")


def flatten() -> LayerSpec:
    """Keras Flatten: (H, W, C) -> (H·W·C,)."""
    return LayerSpec("flatten")


def dense(units: int, bias: bool = True) -> LayerSpec:
    """Keras Dense(units) / nn.Linear(n, units) on a flat input."""
    return LayerSpec("dense", filters=units, bias=bias)


@dataclass(frozen=True)
class NetworkSpec:
    """A whole stack: the input shape ((D, H,) W, c) and the layers, in order."""

    input_shape: tuple[int, ...]
    layers: tuple[LayerSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        object.__setattr__(self, "layers", tuple(self.layers))

    @property
    def rank(self) -> int:
        """Spatial axes of the input: 1, 2 or 3."""
        return len(self.input_shape) - 1


def every_axis(values: object, value: int = 1) -> bool:
    """True when ``values`` is a per-axis tuple with ``value`` on every axis (a default)."""
    return isinstance(values, tuple) and all(v == value for v in values)


def describe(spec: LayerSpec) -> str:
    """A layer in words: ``Standard Conv2D 3×3, 32 filters, stride 2, same``."""
    n = spec.rank or 2
    if spec.op == "conv":
        parts = [f"{kind_label(spec.kind, spec.rank)} {fmt_shape(spec.kernel or (1,) * n)}"]
        if spec.kind != "depthwise":
            parts.append(f"{spec.filters} filters")
    elif spec.op in ("max_pool", "avg_pool"):
        parts = [f"{'max' if spec.op == 'max_pool' else 'average'} pooling "
                 f"{fmt_shape(spec.kernel or (2,) * n)}"]
    elif spec.op == "dense":
        parts = [f"dense, {spec.filters} units"]
    else:
        parts = ["global average pooling" if spec.op == "gap" else "flatten"]
    if spec.stride is not None and not every_axis(spec.stride):
        parts.append(f"stride {fmt_size(spec.stride)}")
    if spec.padding != "valid":
        parts.append(spec.padding if isinstance(spec.padding, str)
                     else f"padding {fmt_size(spec.padding)}")
    if spec.op == "conv":
        if not every_axis(spec.dilation):
            parts.append(f"dilation {fmt_size(spec.dilation)}")
        if spec.groups != 1:
            parts.append(f"groups {spec.groups}")
        if spec.depth_multiplier != 1:
            parts.append(f"depth multiplier {spec.depth_multiplier}")
        if not every_axis(spec.output_padding, 0):
            parts.append(f"output padding {fmt_size(spec.output_padding)}")
    if spec.op in ("conv", "dense") and not spec.bias:
        parts.append("no bias")
    return ", ".join(parts)


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


def has_separable(layers: Iterable[LayerSpec]) -> bool:
    """True when the stack has a depthwise separable conv (Keras's or PyTorch's)."""
    return any(s.op == "conv" and s.kind in _SEPARABLE for s in layers)


# ---------------------------------------------------------------------------
# Changing the input (and its rank)
# ---------------------------------------------------------------------------

def _axes_to_rank(values: object, old: int, new: int) -> object:
    """Per-axis values of an ``old``-rank layer for ``new`` axes: the same axis where both
    ranks have it (W stays W); an axis the old rank lacks takes the height's value (else
    the width's), so 3x5 in 2D becomes 3x3x5 in 3D and 5 in 1D."""
    if not isinstance(values, tuple) or len(values) != old:
        return values
    by_axis = dict(zip(AXES[old], values))
    fill = by_axis.get("H", values[-1])
    return tuple(by_axis.get(a, fill) for a in AXES[new])


def to_rank(spec: LayerSpec, rank: int) -> LayerSpec:
    """The same layer with ``rank`` spatial axes (global pooling, flatten and dense have
    none). 'causal' (1D only) becomes 'same', which keeps the length the same way."""
    if spec.rank is None or spec.rank == rank or rank not in RANKS:
        return spec
    old = spec.rank
    padding = spec.padding
    if padding == "causal" and rank != 1:
        padding = "same"
    return replace(spec, rank=rank,
                   kernel=_axes_to_rank(spec.kernel, old, rank),
                   stride=_axes_to_rank(spec.stride, old, rank),
                   padding=_axes_to_rank(padding, old, rank),
                   dilation=_axes_to_rank(spec.dilation, old, rank),
                   output_padding=_axes_to_rank(spec.output_padding, old, rank))


def with_input(spec: NetworkSpec, *shape: int) -> NetworkSpec:
    """The stack on a new input ``(W, c)``, ``(H, W, c)`` or ``(D, H, W, c)``; a new rank
    converts every conv and pooling layer (:func:`to_rank`)."""
    rank = len(shape) - 1
    return NetworkSpec(tuple(shape), tuple(to_rank(s, rank) for s in spec.layers))

