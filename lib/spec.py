"""The layer a student sets: the conv kinds, the limits and a validated :class:`ConvSpec`.

``make_spec`` checks every argument on its own (type, range, one value or one per spatial
axis) and raises :class:`ConvError` naming the value and the rule; combinations (a kernel
larger than the padded input, groups that do not divide c, a framework that refuses the
layer) are checked later by :func:`lib.conv.analyze`. The spatial rank follows from the
sizes given: ``W`` alone is 1D, ``H`` and ``W`` 2D, ``D``, ``H`` and ``W`` 3D.
"""

from __future__ import annotations

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

#: Inclusive upper limits of every argument; larger values raise ConvError.
LIMITS: dict[str, int] = {
    "k": 4096, "c": 4096, "D": 8192, "H": 8192, "W": 8192, "w": 256, "stride": 64,
    "dilation": 64, "padding": 1024, "groups": 4096, "depth_multiplier": 64,
    "output_padding": 63,
}


class ConvError(ValueError):
    """An impossible or out-of-range configuration; the message names the value and the rule."""


#: Axis names per spatial rank, in the order tuples are given.
AXES: dict[int, tuple[str, ...]] = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
_AXIS_WORD = {"D": "depth", "H": "height", "W": "width"}
#: How one value or one per axis reads in a message, per rank.
PER_AXIS_WORDS = {1: "one number", 2: "one number or an (h, w) pair",
               3: "one number or a (d, h, w) triple"}


def check_kind(kind: object) -> str:
    """``kind`` when it is one of :data:`KINDS`, else ConvError."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConvError(f"kind={kind!r} is not one of: {', '.join(KINDS)}")
    return kind


def whole(name: str, value: object, low: int, high: int) -> int:
    """A whole number (int or numpy integer, not bool) in ``low..high``, else ConvError."""
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
            raise ConvError(f"{name}={tuple(value)!r} must be {PER_AXIS_WORDS[rank]}")
        if rank == 1:
            return (whole(name, value[0], low, high),)
        return tuple(whole(f"{name} ({_AXIS_WORD[a]})", v, low, high)
                     for a, v in zip(AXES[rank], value))
    v = whole(name, value, low, high)
    return (v,) * rank


def _padding(value: object, rank: int) -> str | tuple[int, ...]:
    if isinstance(value, str):
        mode = value.strip().lower()
        if mode == "causal" and rank != 1:
            raise ConvError("padding='causal' is for 1D convs only (give W alone, not H)")
        if mode not in ("valid", "same", "causal"):
            raise ConvError(f"padding={value!r} must be 'valid', 'same', "
                            f"{'causal, ' if rank == 1 else ''}or {PER_AXIS_WORDS[rank]}")
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
    kind = check_kind(kind)
    if W is None:
        raise ConvError("W is required: the input width (or the sequence length in 1D)")
    if D is not None and H is None:
        raise ConvError("H is required for a 3D conv (D, H and W)")
    rank = spatial_rank(H, D)
    if not isinstance(bias, bool) and type(bias).__name__ != "bool_":
        raise ConvError(f"bias={bias!r} must be True or False")
    return ConvSpec(
        kind=kind,
        k=whole("k", k, 1, LIMITS["k"]),
        kernel=_per_axis("w", w, rank, 1, LIMITS["w"]),
        c=whole("c", c, 1, LIMITS["c"]),
        H=None if H is None else whole("H", H, 1, LIMITS["H"]),
        W=whole("W", W, 1, LIMITS["W"]),
        stride=_per_axis("stride", stride, rank, 1, LIMITS["stride"]),
        padding=_padding(padding, rank),
        dilation=_per_axis("dilation", dilation, rank, 1, LIMITS["dilation"]),
        groups=whole("groups", groups, 1, LIMITS["groups"]),
        bias=bool(bias),
        depth_multiplier=whole("depth_multiplier", depth_multiplier, 1,
                                LIMITS["depth_multiplier"]),
        output_padding=_per_axis("output_padding", output_padding, rank, 0,
                                 LIMITS["output_padding"]),
        D=None if D is None else whole("D", D, 1, LIMITS["D"]),
    )


def spatial_rank(H: object = None, D: object = None) -> int:
    """Spatial axes the sizes describe: 3 with D, 2 with H (and W), 1 with W alone."""
    if D is not None:
        return 3
    return 2 if H is not None else 1


def transposed_output_padding(s: ConvSpec) -> tuple[int | None, ...]:
    """Per-axis output padding of a transposed conv as the framework sees it.

    With string padding (Keras) an all-zero output_padding stands for Keras's default
    ``None`` on every axis; as soon as one axis has a value, Keras applies the explicit
    formula on all axes, zeros included.
    """
    if isinstance(s.padding, str) and not any(s.output_padding):
        return (None,) * s.rank
    return s.output_padding
