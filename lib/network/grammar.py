"""The stack as one line of text (the ``net=`` URL parameter) and back: see the grammar in
:mod:`lib.network`'s docstring. :func:`parse_net` raises :class:`NetworkError` naming the
piece and the rule; ``parse_net(serialise_net(x)) == x``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lib.conv import ConvError
from lib.text import code_span

from .layers import (MAX_LAYERS, RANKS, LayerSpec, NetworkError, NetworkSpec, Sizes, conv,
                     dense, every_axis)

#: Longest stack text read, and most digits in one number.
MAX_NET_CHARS = 2000
_MAX_DIGITS = 7

#: What a size may be at each rank, for messages.
_SIZE_WORDS = {1: "one number (a 1D layer has one axis)",
               2: "a number or height x width like 3x5",
               3: "a number or depth x height x width like 1x3x3"}


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
_INPUT = re.compile(r"^in([0-9]+(?:x[0-9]+)*)$")
_SIZE = re.compile(r"^[0-9]+(?:x[0-9]+)*$")
_OPTION = re.compile(r"^(op|s|p|d|g|m)([0-9x]+)$")
_OPTION_NAME = {"s": "stride", "p": "padding", "d": "dilation", "g": "groups",
                "m": "depth multiplier", "op": "output padding"}
DEFAULT_INPUT = (32, 32, 3)
_INPUT_HELP = ("the input is 'in' then W x c (1D), H x W x c (2D) or D x H x W x c (3D), "
               "e.g. in64x16, in32x32x3, in16x112x112x3")

GRAMMAR_HELP = (
    "Pieces separated by commas, e.g. `in32x32x3,c3x3-32-same,mp2,flat,d10`. "
    "The input comes first: `in32x32x3` H×W×c (2D), `in64x16` W×c (1D sequence), "
    "`in16x112x112x3` D×H×W×c (3D volume); it sets the rank of every layer. "
    "Sizes are one number (`3`) or one per axis (`3x5`, `1x3x3`). "
    "Convs `<kind><size>-<filters>`: `c` standard, "
    "`pw` pointwise (`pw-64`), `gc` grouped, `dw` depthwise (no filters: `dw3x3`), `sep` "
    "Keras SeparableConv, `sept` PyTorch depthwise + 1×1, `sh` shared across channels, "
    "`t` transposed, `ss` spatially separable. Options: `s2` stride, `same`/`valid`, "
    "`causal` (1D), `p1` zeros per side, `d2` dilation, `g4` groups, `m2` depth multiplier, "
    "`op1` output padding, `nb` no bias. Pools `mp2`, `ap3-s2-same`; `gap` global average "
    "pooling; `flat` flatten; `d10` dense with 10 units (`d10-nb`: no bias). "
    "1D example (WaveNet): `in64x16,c2-16-causal,c2-16-causal-d2`.")


def parse_number(text: str, what: str) -> int:
    """A whole number of at most 7 ASCII digits, else ValueError naming ``what``."""
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"{what} {code_span(text)} is not a whole number")
    if len(text) > _MAX_DIGITS:
        raise ValueError(f"{what} {code_span(text)} has more than {_MAX_DIGITS} digits")
    return int(text)


def parse_sizes(text: str, what: str, rank: int = 2) -> Sizes:
    """``3`` -> (3,) * rank; ``1x3x3`` -> (1, 3, 3) (exactly ``rank`` numbers)."""
    parts = text.split("x")
    if not _SIZE.match(text) or not text.isascii() or len(parts) not in (1, rank):
        raise ValueError(f"{what} {code_span(text)} must be {_SIZE_WORDS[rank]}")
    values = tuple(parse_number(p, what) for p in parts)
    return values * rank if len(values) == 1 else values


def _parse_piece(piece: str, rank: int = 2) -> LayerSpec:
    parts = piece.split("-")
    head = _HEAD.match(parts[0])
    if not head:
        raise ValueError(f"{code_span(parts[0])} is not a layer: start with c, pw, gc, dw, sep, "
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
            units = parse_number(number, "units")
            bias = True
            for opt in rest:
                if opt != "nb" or not bias:
                    raise ValueError(f"{code_span(opt)}: dense takes only 'nb' (no bias), once")
                bias = False
            return dense(units, bias)
        pool = parse_sizes(number, "pool size", rank)
        stride, padding = None, None
        for opt in rest:
            if opt in ("same", "valid") and padding is None:
                padding = opt
            elif opt.startswith("s") and stride is None and opt[1:]:
                stride = parse_sizes(opt[1:], "stride", rank)
            else:
                raise ValueError(f"{code_span(opt)}: pooling takes a stride (s2) and same/valid, "
                                 "each once")
        return LayerSpec(op, kernel=pool, stride=stride, padding=padding or "valid", rank=rank)
    kind = CONV_CODES[code]
    kernel = parse_sizes(number, "kernel", rank) if number else None
    if kernel is None and kind != "pointwise":
        raise ValueError(f"{code} needs a kernel size, e.g. {code}"
                         f"{sizes_text((3,) * rank, square_short=False)}")
    filters = None
    if kind != "depthwise":
        if not rest or not rest[0].isdigit():
            example = sizes_text((3,) * rank, square_short=False) if kernel else ""
            raise ValueError(f"{code} needs a filter count after the kernel, e.g. "
                             f"{code}{example}-32")
        filters = parse_number(rest[0], "filters")
        rest = rest[1:]
    elif rest and rest[0].isdigit():
        raise ValueError("a depthwise conv has no filter count (C_out = c × m): "
                         f"write dw{sizes_text((3,) * rank, square_short=False)} or "
                         f"dw{sizes_text((3,) * rank, square_short=False)}-m2")
    opts: dict[str, object] = {}
    for opt in rest:
        if opt in ("same", "valid", "causal"):
            key, value = "padding", opt
        elif opt == "nb":
            key, value = "bias", False
        else:
            m = _OPTION.match(opt)
            if not m:
                raise ValueError(f"option {code_span(opt)} is not one of s2, same, valid, causal, "
                                 "p1, d2, g2, m2, op1, nb")
            name, val = m.group(1), m.group(2)
            key = {"s": "stride", "p": "padding", "d": "dilation", "g": "groups",
                   "m": "depth_multiplier", "op": "output_padding"}[name]
            value = (parse_number(val, _OPTION_NAME[name]) if name in ("g", "m")
                     else parse_sizes(val, _OPTION_NAME[name], rank))
        if key in opts:
            raise ValueError(f"{key.replace('_', ' ')} is given twice")
        opts[key] = value
    return conv(filters, kernel if kernel is not None else 1, kind, rank=rank,
                **opts)  # type: ignore[arg-type]


def parse_net(text: object) -> NetworkSpec:
    """Read the stack text (see the module docstring) into a :class:`NetworkSpec`.

    Case and spaces around pieces do not matter; empty pieces are skipped. The input
    piece (first) sets the rank the other pieces are read in. Raises
    :class:`NetworkError` naming the piece and why, and only that.
    """
    if not isinstance(text, str):
        raise NetworkError(f"the stack must be text, not {type(text).__name__}")
    if len(text) > MAX_NET_CHARS:
        raise NetworkError(f"the stack text is {len(text)} characters, above the limit "
                           f"{MAX_NET_CHARS}")
    pieces = [p.strip().lower() for p in text.split(",")]
    numbered = [(i, p) for i, p in enumerate(pieces, start=1) if p]
    input_shape: tuple[int, ...] = DEFAULT_INPUT
    layers: list[LayerSpec] = []
    for n, (i, piece) in enumerate(numbered):
        m = _INPUT.match(piece)
        if m and piece.isascii():
            if n:
                raise NetworkError(f"piece {i} {code_span(piece)}: the input shape must come "
                                   "first")
            sizes = m.group(1).split("x")
            if len(sizes) - 1 not in RANKS:
                raise NetworkError(f"piece {i} {code_span(piece)}: {_INPUT_HELP}")
            try:
                input_shape = tuple(parse_number(g, "input size") for g in sizes)
            except ValueError as err:
                raise NetworkError(f"piece {i} {code_span(piece)}: {err}") from None
            continue
        if piece.startswith("in"):
            raise NetworkError(f"piece {i} {code_span(piece)}: {_INPUT_HELP}")
        try:
            layers.append(_parse_piece(piece, len(input_shape) - 1))
        except (ValueError, ConvError) as err:
            raise NetworkError(f"piece {i} {code_span(piece)}: {err}") from None
    if len(layers) > MAX_LAYERS:
        raise NetworkError(f"{len(layers)} layers is above the limit {MAX_LAYERS}")
    return NetworkSpec(input_shape, tuple(layers))


def sizes_text(sizes: Sequence[int], square_short: bool = True) -> str:
    """(3, 3) -> ``3`` (or ``3x3`` with ``square_short=False``); (1, 3, 3) -> ``1x3x3``."""
    sizes = tuple(sizes)
    if len(sizes) == 1 or (square_short and len(set(sizes)) == 1):
        return str(sizes[0])
    return "x".join(str(v) for v in sizes)


def serialise_layer(spec: LayerSpec) -> str:
    """One layer as a piece of the stack text (canonical: defaults left out)."""
    if spec.op in ("gap", "flatten", "dense"):
        piece = _CODE_OF_OP[spec.op]
        if spec.op == "dense":
            piece += f"{spec.filters}{'' if spec.bias else '-nb'}"
        return piece
    if spec.op in ("max_pool", "avg_pool"):
        parts = [_CODE_OF_OP[spec.op] + sizes_text(spec.kernel)]  # type: ignore[arg-type]
        if spec.stride is not None:
            parts.append("s" + sizes_text(spec.stride))
        if spec.padding != "valid":
            parts.append(str(spec.padding))
        return "-".join(parts)
    code = _CODE_OF_KIND[spec.kind]
    kernel = spec.kernel
    head = code + ("" if spec.kind == "pointwise" and every_axis(kernel)
                   else sizes_text(kernel, square_short=False))  # type: ignore[arg-type]
    parts = [head]
    if spec.kind != "depthwise":
        parts.append(str(spec.filters))
    if not every_axis(spec.stride):
        parts.append("s" + sizes_text(spec.stride))  # type: ignore[arg-type]
    if isinstance(spec.padding, str):
        if spec.padding != "valid":
            parts.append(spec.padding)
    else:
        parts.append("p" + sizes_text(spec.padding))
    if not every_axis(spec.dilation):
        parts.append("d" + sizes_text(spec.dilation))
    if spec.groups != 1:
        parts.append(f"g{spec.groups}")
    if spec.depth_multiplier != 1:
        parts.append(f"m{spec.depth_multiplier}")
    if not every_axis(spec.output_padding, 0):
        parts.append("op" + sizes_text(spec.output_padding))
    if not spec.bias:
        parts.append("nb")
    return "-".join(parts)


def serialise_net(spec: NetworkSpec) -> str:
    """The stack as one line of text: ``in32x32x3,c3x3-32-same,mp2,flat,d10``."""
    return ",".join(["in" + "x".join(str(v) for v in spec.input_shape),
                     *(serialise_layer(s) for s in spec.layers)])

