"""Copy-pasteable Keras and PyTorch code for one ConvResult, and the tables they print.

``keras_code(r)`` / ``pytorch_code(r)`` build the layer ``r`` describes with the real
frameworks; ``keras_summary(r)`` / ``torchinfo_summary(r)`` are the text tables
``model.summary()`` (Keras 3) and ``torchinfo.summary(model, input_size=(1, c, *spatial))``
print for exactly that code; ``layer_rows(r, framework)`` are their rows as data (for a
dataframe). Every shape and parameter count comes from ``r.stages`` (lib.conv); this
module only decides which real layers express each stage. No torch or keras import here:
``tools/make_snippet_reference.py`` runs the snippets with the real frameworks and
``tests/test_snippets.py`` (2D) / ``tests/test_snippets_nd.py`` (1D, 3D) check everything
below against what they printed.

Any spatial rank, like lib.conv: 1D (``Conv1D`` / ``nn.Conv1d``, input ``(W, c)`` in Keras
and ``(1, c, W)`` in PyTorch), 2D (``Conv2D`` / ``nn.Conv2d``) and 3D (``Conv3D`` /
``nn.Conv3d``, input ``(D, H, W, c)`` / ``(1, c, D, H, W)``). Below, ``N`` is the rank
(``Conv{N}D``); per-axis values are tuples over (D, H, W).

Which real layers
-----------------
* Keras layers take only ``"valid"``/``"same"`` (and Conv1D ``"causal"``): an explicit
  padding is a ``ZeroPaddingND`` in front. PyTorch refuses ``padding="same"`` with
  stride > 1 (lib's ``"same"`` is Keras's): such a conv gets an ``nn.ZeroPadNd`` (F.pad's
  order, last axis first: ``(left, right, top, bottom, front, back)``) with the stage's
  ``Axis.before/after`` and ``padding=0``.
* ``padding="causal"`` (1D): Keras ``Conv1D(padding="causal")``. PyTorch has no causal
  padding: ``nn.ZeroPad1d((d·(k−1), 0))`` then the conv with ``padding=0``. Keras
  ``DepthwiseConv1D``/``SeparableConv1D`` refuse "causal": ``ZeroPadding1D((d·(k−1), 0))``
  then the layer with "valid" (the same function).
* Keras ``ConvND``/``ConvNDTranspose`` refuse ``strides > 1`` together with
  ``dilation_rate > 1`` (PyTorch, DepthwiseConv and SeparableConv allow it). The Keras
  snippet then computes the same thing: a conv: ``ZeroPaddingND`` (if any, causal too), the
  dilated conv at stride 1, then ``MaxPoolingND(pool_size=1, strides=s)`` which keeps every
  s-th position; a transposed conv: a ``Lambda`` inserting ``s - 1`` zeros between input
  cells, the dilated ``ConvNDTranspose`` at stride 1, then cropping/padding.
* ``transposed`` with an int padding is ``nn.ConvTransposeNd``; its Keras snippet is a
  ``ConvNDTranspose(padding="valid")`` and a ``CroppingND``. The rows PyTorch's
  ``output_padding`` adds past the full output come from Keras's ``output_padding`` (< stride)
  or, beyond that, from zero input rows (``ZeroPaddingND`` in front): bias only, as in
  PyTorch. Keras ``ConvNDTranspose`` has no ``groups``: with groups > 1 the snippet defines a
  small ``GroupedConvNDTranspose`` layer (one ``ConvNDTranspose`` per channel group, same
  parameter count). ``transposed`` with ``"valid"``/``"same"`` is Keras ``ConvNDTranspose``;
  its PyTorch snippet is an ``nn.ConvTransposeNd`` whose ``padding``/``output_padding`` give
  the same window when they can, else ``padding=0`` and an ``nn.ZeroPadNd`` with negative
  (cropping) values.
* ``separable_keras`` is one Keras ``SeparableConvND``; in PyTorch a depthwise
  ``nn.ConvNd(bias=False)`` + a pointwise ``nn.ConvNd``. ``separable_pytorch`` is two
  ``nn.ConvNd`` with biases; in Keras ``DepthwiseConvND`` + ``ConvND(k, 1)``.
* Keras has no ``DepthwiseConv3D`` (nor ``SeparableConv3D``; lib.conv refuses 3D
  ``separable_keras``): a 3D depthwise stage (``depthwise``, the first half of
  ``separable_pytorch``) is ``Conv3D(c·m, kernel, groups=c)`` with a comment saying so: the
  same layer, same weights and parameter count, as PyTorch's ``nn.Conv3d(groups=c)``.
* ``shared_channels``: Keras ``Lambda(keras.ops.sum(..., keepdims=True))``; PyTorch a small
  ``SumChannels`` module, both followed by the conv with one input channel.

Every result ``lib.conv.analyze`` accepts (1D, 2D, 3D, every kind) has both snippets and
both summaries; nothing here raises for a valid result.

Tables
------
* ``keras_summary`` reproduces Keras 3's rich table (``line_length`` 88 = Keras's default
  in a terminal of 92+ columns; a non-terminal such as Jupyter or a pipe gets 76), the
  auto-names of a fresh session (``conv2d``, ``conv2d_1``, ``conv1d``,
  ``depthwise_conv1d``, ``zero_padding3d``, ...) and ``Total params: 490 (1.91 KB)`` with 4
  bytes per float32. Output shapes ``(None, W, C)``, ``(None, H, W, C)``,
  ``(None, D, H, W, C)``.
* ``torchinfo_summary`` reproduces torchinfo 1.8's default table (shapes ``[1, C, W]``,
  ``[1, C, H, W]``, ``[1, C, D, H, W]``). Its ``Total mult-adds``
  is **not** ``r.macs``: torchinfo counts, for every layer whose class name contains
  "Conv", ``(weights + biases) × that layer's output positions``. For a conv that is
  ``stage.macs`` plus one add per bias and output cell; for a transposed conv lib.conv counts
  ``weights × input positions`` (every input cell scatters its kernel) while torchinfo
  multiplies by the (larger) output positions of the ConvTransposeNd (before any crop).
  torchinfo 1.8 on Python 3.11 prints the
  unit as ``(Units.MEGABYTES)`` (an enum formatting quirk); reproduced as printed. Its
  input size is ``sys.getsizeof`` of the input's storage: 4 bytes per value plus 64.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from lib.conv import ConvResult, Stage

FRAMEWORKS = ("keras", "pytorch")

#: Keras's default summary width (``print_summary``: min(88, terminal columns - 4)).
KERAS_LINE_LENGTH = 88

BYTES_PER_PARAM = 4  # float32


class LayerRow(NamedTuple):
    """One row of a summary table: a real layer of the snippet.

    Keras: ``name`` is the auto-name (``conv2d``), ``output_shape`` ``(None, *spatial, C)``
    (``(None, H, W, C)`` in 2D). PyTorch: ``name`` is the index in ``nn.Sequential``
    (``"0"``), ``output_shape`` ``(1, C, *spatial)`` for the batch of one torchinfo is given.
    """

    name: str
    type: str
    output_shape: tuple
    params: int


@dataclass(frozen=True)
class _Layer:
    """One real layer of a snippet (framework-neutral shape: channels-last)."""

    type: str
    code: str  # constructor expression
    out: tuple[int, ...]  # (*spatial, C), e.g. (H, W, C)
    params: int
    comment: tuple[str, ...] = ()


@dataclass
class _Plan:
    layers: list[_Layer] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)  # class definitions

    def add(self, *layers: _Layer) -> None:
        self.layers.extend(layers)


# ---------------------------------------------------------------------------
# Small formatting helpers
# ---------------------------------------------------------------------------

def _p(values: tuple[int, ...]) -> str:
    """Per-axis values as Python source: ``3`` when all are equal, else ``(3, 5)``."""
    values = tuple(values)
    return str(values[0]) if len(set(values)) == 1 else str(values)


def _opt(values: tuple[int, ...], default: int = 1) -> str | None:
    """``_p(values)``, or None (argument left out) when every value equals the default."""
    return None if all(v == default for v in values) else _p(values)


def _args(*positional: object, **keyword: object) -> str:
    parts = [str(a) for a in positional]
    parts += [f"{k}={v}" for k, v in keyword.items() if v is not None]
    return ", ".join(parts)


def _rank(st: Stage) -> int:
    return len(st.kernel)


def _stage_bias(st: Stage) -> bool:
    return st.bias_params > 0


def _is_same(st: Stage) -> bool:
    return all(a.mode == "same" for a in st.axes)


def _is_causal(st: Stage) -> bool:
    return all(a.mode == "causal" for a in st.axes)


def _pads(st: Stage) -> tuple[tuple[int, int], ...]:
    """(before, after) zeros a conv stage adds to its input, per axis (D, H, W)."""
    return tuple((a.before, a.after) for a in st.axes)


def _any(pairs: tuple[tuple[int, int], ...]) -> bool:
    return any(b or a for b, a in pairs)


def _padded(st: Stage) -> tuple[int, ...]:
    return (*(a.size_in + a.before + a.after for a in st.axes), st.in_channels)


def _keras_pairs(pairs) -> str:
    """ZeroPadding1D / Cropping1D take one (before, after) pair; 2D/3D one pair per axis."""
    pairs = tuple(tuple(p) for p in pairs)
    return str(pairs[0]) if len(pairs) == 1 else str(pairs)


def _torch_pairs(pairs) -> str:
    """F.pad's order: the last axis first, (before, after) each: ``(left, right, top, bottom)``."""
    return str(tuple(v for before, after in reversed(tuple(pairs)) for v in (before, after)))


#: What one step along each axis is called in the comments, per rank.
_NOUNS = {1: ("step",), 2: ("row", "column"), 3: ("slice", "row", "column")}
#: F.pad's order in words, and where Keras's 'same' puts an odd zero.
_TORCH_ORDER = {1: "left, right", 2: "left, right, top, bottom",
                3: "left, right, top, bottom, front, back"}
_ODD_SIDE = {1: "right", 2: "right/bottom", 3: "right/bottom/back"}


def _and(words: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _slashed(rank: int) -> str:
    """'rows/columns' (2D), 'steps' (1D), 'slices/rows/columns' (3D)."""
    return "/".join(n + "s" for n in _NOUNS[rank])


def _split_last(line: str, at: str, width: int = 100) -> tuple[str, ...]:
    """One comment line, or two (split after ``at``'s comma) when it is wider than ``width``."""
    if len(line) <= width:
        return (line,)
    head, tail = line.rsplit(at, 1)
    return (head + ",", "# " + at.removeprefix(", ") + tail)


def _keras_name(cls: str) -> str:
    """Keras's auto-name for a layer class (``keras.src.utils.naming.to_snake_case``)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# ---------------------------------------------------------------------------
# Keras plan
# ---------------------------------------------------------------------------

def _keras_zero_padding(st: Stage, comment: tuple[str, ...] = ()) -> list[_Layer]:
    pads = _pads(st)
    if not _any(pads):
        return []
    n = _rank(st)
    return [_Layer(f"ZeroPadding{n}D", f"layers.ZeroPadding{n}D(padding={_keras_pairs(pads)})",
                   _padded(st), 0, comment)]


def _keras_conv(st: Stage, cls: str, head: tuple[object, ...], extra: dict[str, object],
                bias: bool, last: Stage | None = None) -> list[_Layer]:
    """One conv-like Keras layer for stage ``st``, with its padding handled.

    ``head``: positional arguments before kernel_size; ``extra``: keyword arguments after
    padding; ``last``: for SeparableConvND, the pointwise stage the same layer also holds.
    """
    n = _rank(st)
    params = st.params + (last.params if last else 0)
    out = (last or st).out_shape
    use_bias = None if bias else False
    padded = _any(_pads(st))
    if cls == f"Conv{n}D" and max(st.stride) > 1 and max(st.dilation) > 1:
        pad_word = "pad the left (causal)," if _is_causal(st) else "pad,"
        refusal = (f"# Keras {cls} refuses strides > 1 together with dilation_rate > 1: "
                   + (pad_word if padded else "convolve"),
                   ("# convolve " if padded else "# ")
                   + f"at stride 1, then keep every s-th {_and(list(_NOUNS[n]))} "
                   f"(MaxPooling{n}D with pool_size=1).")
        pad = _keras_zero_padding(st, refusal)
        mid = (*(p - a.extent + 1 for p, a in zip(_padded(st), st.axes)), out[-1])
        args = _args(*head, _p(st.kernel), **extra, dilation_rate=_p(st.dilation),
                     use_bias=use_bias)
        conv = _Layer(cls, f"layers.{cls}({args})", mid, params, () if pad else refusal)
        pool = _Layer(f"MaxPooling{n}D",
                      f"layers.MaxPooling{n}D(pool_size=1, strides={_p(st.stride)})", out, 0)
        return pad + [conv, pool]
    if _is_same(st):
        pre, padding = [], '"same"'
    elif _is_causal(st) and cls == "Conv1D":
        pre, padding = [], '"causal"'
    elif _is_causal(st):
        pre = _keras_zero_padding(st, (
            f"# Keras {cls} refuses padding='causal' (Conv1D has it): d·(k−1) = "
            f"{st.axes[0].before} zero(s) on the left,",
            "# then padding='valid' computes the same causal conv."))
        padding = None
    else:
        pre = _keras_zero_padding(st, (
            "# Keras layers take only 'valid' or 'same': explicit padding is a "
            f"ZeroPadding{n}D layer.",))
        padding = None
    args = _args(*head, _p(st.kernel), strides=_opt(st.stride), padding=padding, **extra,
                 dilation_rate=_opt(st.dilation), use_bias=use_bias)
    return pre + [_Layer(cls, f"layers.{cls}({args})", out, params)]


def _keras_depthwise(st: Stage) -> list[_Layer]:
    """A depthwise stage: Keras DepthwiseConv1D/2D; in 3D (no DepthwiseConv3D) a grouped Conv3D."""
    n = _rank(st)
    m = st.out_channels // st.in_channels
    if n < 3:
        return _keras_conv(st, f"DepthwiseConv{n}D", (),
                           {"depth_multiplier": m if m > 1 else None}, _stage_bias(st))
    layers_ = _keras_conv(st, f"Conv{n}D", (st.out_channels,), {"groups": st.in_channels},
                          _stage_bias(st))
    why = (f"# Keras has no DepthwiseConv{n}D: Conv{n}D with groups={st.in_channels} (one group "
           f"per input channel,",
           f"# {m} filter(s) each) is the same layer as nn.Conv{n}d(groups={st.in_channels}), "
           "same weights.")
    layers_[0] = replace(layers_[0], comment=why + layers_[0].comment)
    return layers_


_GROUPED_TRANSPOSE_CLASS = '''\
class GroupedConv{n}DTranspose(layers.Layer):
    """Keras Conv{n}DTranspose has no `groups`: one Conv{n}DTranspose per channel group."""

    def __init__(self, filters, kernel_size, groups, **kwargs):
        super().__init__()
        self.groups = groups
        self.convs = [layers.Conv{n}DTranspose(filters // groups, kernel_size, **kwargs)
                      for _ in range(groups)]

    def call(self, x):
        parts = keras.ops.split(x, self.groups, axis=-1)
        return keras.ops.concatenate([conv(p) for conv, p in zip(self.convs, parts)],
                                     axis=-1)
'''


def _zero_insert_lambda(st: Stage, extra: list[int]) -> tuple[str, tuple[int, ...]]:
    """A Keras expression inserting ``s - 1`` zeros between the input cells of every axis
    (and ``extra`` zeros at the end of each), and the shape it gives."""
    n = _rank(st)
    sizes, c = st.in_shape[:-1], st.in_channels
    strides = st.stride
    zs = [(m - 1) * s + 1 + e for m, s, e in zip(sizes, strides, extra)]
    inner = "x"
    for i in range(n):
        inner = f"keras.ops.expand_dims({inner}, {2 * (i + 1)})"
    widths = "[[0, 0], " + ", ".join(f"[0, 0], [0, {s - 1}]" for s in strides) + ", [0, 0]]"
    spread = [m * s for m, s in zip(sizes, strides)]
    expr = (f"keras.ops.reshape(keras.ops.pad({inner}, {widths}), "
            f"(-1, {', '.join(str(v) for v in spread)}, {c}))")
    cut = [min(z, v) for z, v in zip(zs, spread)]
    if cut != spread:
        expr += "[:, " + ", ".join(f":{v}" for v in cut) + ", :]"
    if zs != cut:
        expr = (f"keras.ops.pad({expr}, [[0, 0], "
                + ", ".join(f"[0, {z - v}]" for z, v in zip(zs, cut)) + ", [0, 0]])")
    return expr, (*zs, c)


def _keras_transposed(st: Stage, output_padding: tuple[int, ...], plan: _Plan) -> None:
    n = _rank(st)
    axes = st.axes
    k = st.out_channels
    use_bias = None if _stage_bias(st) else False
    native = axes[0].mode.startswith("keras_")  # lib's "valid"/"same" is Keras ConvNDTranspose
    strided_dilated = max(st.stride) > 1 and max(st.dilation) > 1
    cls = f"Conv{n}DTranspose"
    if native and not strided_dilated:
        code = f"layers.{cls}(" + _args(
            k, _p(st.kernel), strides=_opt(st.stride), padding=f'"{axes[0].mode[6:]}"',
            output_padding=_opt(output_padding, 0), dilation_rate=_opt(st.dilation),
            use_bias=use_bias) + ")"
        plan.add(_Layer(cls, code, st.out_shape, st.params))
        return
    # Otherwise: a 'valid' ConvNDTranspose gives the full scatter output
    # (n - 1) * s + extent (+ q rows of output_padding), then crop/pad to lib's window.
    stride = st.stride
    # rows PyTorch's output_padding adds past the full output (they get the bias only)
    extra = [max(0, -a.after) for a in axes]
    nouns = _NOUNS[n]
    if strided_dilated:
        expr, zshape = _zero_insert_lambda(st, extra)
        why = [f"# Keras {cls} refuses strides > 1 together with dilation_rate > 1:",
               "# insert " + _and([f"{s - 1} zero {w}(s)" for s, w in zip(st.stride, nouns)])
               + " between the input cells,"]
        if any(extra):
            why.append("# and " + " / ".join(f"{e} zero {w}(s)" for e, w in zip(extra, nouns))
                       + " at the end for PyTorch's output_padding,")
        why.append("# then a stride-1 transposed conv.")
        plan.add(_Layer("Lambda", f"layers.Lambda(lambda x: {expr})", zshape, 0, tuple(why)))
        stride = (1,) * n
        full = [z + a.extent - 1 for z, a in zip(zshape, axes)]
        q = [0] * n
    else:
        # Keras 'valid' with an explicit output_padding q < stride gives full + q; more
        # rows than that (PyTorch allows output_padding < dilation) come from zero input
        # rows appended in front of the conv: they add s output rows each, bias only.
        q = [e if e < a.stride else 0 for e, a in zip(extra, axes)]
        zin = [0 if e < a.stride else -(-e // a.stride) for e, a in zip(extra, axes)]
        if any(zin):
            plan.add(_Layer(
                f"ZeroPadding{n}D",
                f"layers.ZeroPadding{n}D(padding={_keras_pairs((0, z) for z in zin)})",
                (*(m + z for m, z in zip(st.in_shape[:-1], zin)), st.in_channels), 0,
                (f"# zero input {_slashed(n)} at the end: the output {nouns[0]}s PyTorch's "
                 "output_padding adds get only the bias",)))
        full = [(a.size_in + z - 1) * a.stride + a.extent for a, z in zip(axes, zin)]
    explicit_q = any(q) or (not strided_dilated and any(a.extent < a.stride for a in axes))
    conv_out = (*(f + qi for f, qi in zip(full, q)), k)
    grown = [conv_out[i] - ((a.size_in - 1) * a.stride + a.extent) for i, a in enumerate(axes)]
    edges = [(a.before, a.after + g) for a, g in zip(axes, grown)]  # (before, after) per axis
    comment: tuple[str, ...] = ()
    if not native and any(v > 0 for e in edges for v in e):
        comment = (f"# nn.ConvTranspose{n}d's padding crops the full transposed-conv output: in "
                   "Keras a 'valid'",
                   f"# {cls}, then Cropping{n}D.")
    if st.groups > 1:
        plan.preamble.append(_GROUPED_TRANSPOSE_CLASS.replace("{n}", str(n)))
        name, head = f"Grouped{cls}", (k, _p(st.kernel), f"groups={st.groups}")
    else:
        name, head = cls, (k, _p(st.kernel))
    prefix = "" if name.startswith("Grouped") else "layers."  # defined in the snippet
    code = f"{prefix}{name}(" + _args(
        *head, strides=_opt(stride), output_padding=_p(tuple(q)) if explicit_q else None,
        dilation_rate=_opt(st.dilation), use_bias=use_bias) + ")"
    plan.add(_Layer(name, code, conv_out, st.params, comment))
    cur = conv_out
    if any(v > 0 for e in edges for v in e):
        crop = [(max(b, 0), max(a, 0)) for b, a in edges]
        cur = (*(m - b - a for m, (b, a) in zip(cur, crop)), k)
        plan.add(_Layer(f"Cropping{n}D", f"layers.Cropping{n}D(cropping={_keras_pairs(crop)})",
                        cur, 0))
    if any(v < 0 for e in edges for v in e):
        pad = [(max(-b, 0), max(-a, 0)) for b, a in edges]
        cur = (*(m + b + a for m, (b, a) in zip(cur, pad)), k)
        plan.add(_Layer(f"ZeroPadding{n}D",
                        f"layers.ZeroPadding{n}D(padding={_keras_pairs(pad)})", cur, 0,
                        (f"# zero {_slashed(n)} in front of the full transposed-conv output",)))
    assert cur == st.out_shape, (cur, st.out_shape)


def _keras_plan(r: ConvResult) -> _Plan:
    plan = _Plan()
    s = r.spec
    kind = s.kind
    stages = r.stages
    n = r.rank
    if kind == "separable_keras":  # 1D or 2D: lib.conv refuses SeparableConv3D
        dw, pw = stages
        m = dw.out_channels // dw.in_channels
        plan.add(*_keras_conv(dw, f"SeparableConv{n}D", (pw.out_channels,),
                              {"depth_multiplier": m if m > 1 else None},
                              _stage_bias(pw), last=pw))
        return plan
    for st in stages:
        if st.op == "channel_sum":
            plan.add(_Layer("Lambda",
                            "layers.Lambda(lambda x: keras.ops.sum(x, axis=-1, keepdims=True))",
                            st.out_shape, 0,
                            (f"# add the {st.in_channels} input channels into one",)))
        elif st.op == "depthwise":
            plan.add(*_keras_depthwise(st))
        elif st.op == "transposed":
            _keras_transposed(st, r.spec.output_padding, plan)
        else:
            plan.add(*_keras_conv(st, f"Conv{n}D", (st.out_channels,),
                                  {"groups": st.groups if st.groups > 1 else None},
                                  _stage_bias(st)))
    return plan


# ---------------------------------------------------------------------------
# PyTorch plan
# ---------------------------------------------------------------------------

_SUM_CHANNELS_CLASS = '''\
class SumChannels(nn.Module):
    """Add the input channels into one: (N, C, {dims}) -> (N, 1, {dims})."""

    def forward(self, x):
        return x.sum(1, keepdim=True)
'''

_DIMS = {1: "W", 2: "H, W", 3: "D, H, W"}


def _torch_conv(st: Stage) -> list[_Layer]:
    n = _rank(st)
    groups = st.groups if st.groups > 1 else None
    pads = _pads(st)
    pre: list[_Layer] = []
    if _is_same(st) and max(st.stride) > 1:
        padding = None
        if _any(pads):
            pre.append(_Layer(
                f"ZeroPad{n}d", f"nn.ZeroPad{n}d({_torch_pairs(pads)})", _padded(st), 0,
                ("# PyTorch refuses padding='same' with stride > 1: pad explicitly as "
                 "Keras's 'same' does",
                 *_split_last(f"# ({_TORCH_ORDER[n]}; an odd zero goes {_ODD_SIDE[n]}), then "
                              "convolve with padding=0.", ", then "))))
    elif _is_same(st):
        padding = '"same"'
    elif _is_causal(st):
        padding = None
        if _any(pads):
            pre.append(_Layer(
                f"ZeroPad{n}d", f"nn.ZeroPad{n}d({_torch_pairs(pads)})", _padded(st), 0,
                ("# PyTorch has no padding='causal': nn.ZeroPad1d((left, right)) adds "
                 f"d·(k−1) = {pads[0][0]} zero(s)",
                 "# on the left only, then the conv with padding=0: output step t sees "
                 "inputs up to t.")))
    else:
        befores = tuple(b for b, _ in pads)
        padding = _p(befores) if any(befores) else None
    code = f"nn.Conv{n}d(" + _args(
        st.in_channels, st.out_channels, _p(st.kernel), stride=_opt(st.stride),
        padding=padding, dilation=_opt(st.dilation), groups=groups,
        bias=None if _stage_bias(st) else False) + ")"
    return pre + [_Layer(f"Conv{n}d", code, st.out_shape, st.params)]


def _torch_transposed(st: Stage) -> list[_Layer]:
    """nn.ConvTransposeNd: padding p crops p rows each side, output_padding o adds o at the end."""
    n = _rank(st)
    axes = st.axes
    native = axes[0].mode == "explicit"  # lib's int padding is nn.ConvTransposeNd
    pads, ops, edges = [], [], []
    for a in axes:
        before, after = a.before, a.after
        # crop `before` at the start and `after` at the end: p = before, o = p - after
        p, o = before, before - after
        if not native and not (0 <= o < max(a.stride, a.dilation)):
            p = o = 0
        pads.append(p)
        ops.append(o)
        edges.append((before - p, after - (p - o)))
    code = f"nn.ConvTranspose{n}d(" + _args(
        st.in_channels, st.out_channels, _p(st.kernel), stride=_opt(st.stride),
        padding=_opt(tuple(pads), 0), output_padding=_opt(tuple(ops), 0),
        groups=st.groups if st.groups > 1 else None,
        bias=None if _stage_bias(st) else False, dilation=_opt(st.dilation)) + ")"
    mode = repr(axes[0].mode[6:])
    if not _any(tuple(edges)):
        comment = () if native else (
            f"# Keras Conv{n}DTranspose(padding={mode}): the same window via "
            "padding/output_padding",)
        return [_Layer(f"ConvTranspose{n}d", code, st.out_shape, st.params, comment)]
    full = (*((a.size_in - 1) * a.stride + a.extent + o - 2 * p
              for a, p, o in zip(axes, pads, ops)), st.out_channels)
    return [
        _Layer(f"ConvTranspose{n}d", code, full, st.params,
               (f"# Keras Conv{n}DTranspose(padding={mode}) keeps a window of the full "
                "transposed-conv output:",
                f"# nn.ZeroPad{n}d with negative values crops it ({_TORCH_ORDER[n]}).")),
        _Layer(f"ZeroPad{n}d", f"nn.ZeroPad{n}d({_torch_pairs((-b, -a) for b, a in edges)})",
               st.out_shape, 0),
    ]


def _torch_plan(r: ConvResult) -> _Plan:
    plan = _Plan()
    for st in r.stages:
        if st.op == "channel_sum":
            plan.preamble.append(_SUM_CHANNELS_CLASS.replace("{dims}", _DIMS[r.rank]))
            plan.add(_Layer("SumChannels", "SumChannels()", st.out_shape, 0,
                            (f"# add the {st.in_channels} input channels into one",)))
        elif st.op == "transposed":
            plan.add(*_torch_transposed(st))
        else:
            plan.add(*_torch_conv(st))
    return plan


# ---------------------------------------------------------------------------
# Layer rows (names as the frameworks print them)
# ---------------------------------------------------------------------------

def _plan(r: ConvResult, framework: str) -> _Plan:
    if framework == "keras":
        return _keras_plan(r)
    if framework == "pytorch":
        return _torch_plan(r)
    raise ValueError(f"framework={framework!r} must be one of {FRAMEWORKS}")


def layer_rows(r: ConvResult, framework: str) -> list[LayerRow]:
    """The layers of ``keras_code(r)`` or ``pytorch_code(r)``, as their summaries list them.

    Keras names follow a fresh session's auto-naming (``conv2d``, ``conv2d_1``,
    ``depthwise_conv1d``, ``zero_padding3d``, ...); the PyTorch names are the
    ``nn.Sequential`` indices.
    """
    plan = _plan(r, framework)
    rows: list[LayerRow] = []
    if framework == "keras":
        seen: dict[str, int] = {}
        for layer in plan.layers:
            base = _keras_name(layer.type)
            n = seen.get(base, 0)
            seen[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
            rows.append(LayerRow(name, layer.type, (None, *layer.out), layer.params))
    else:
        for i, layer in enumerate(plan.layers):
            rows.append(LayerRow(str(i), layer.type, (1, layer.out[-1], *layer.out[:-1]),
                                 layer.params))
    return rows


# ---------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------

def _layer_lines(layers: list[_Layer], indent: str = "    ") -> list[str]:
    lines: list[str] = []
    said: set[tuple[str, ...]] = set()
    for layer in layers:
        if layer.comment not in said:  # say each explanation once
            lines += [indent + c for c in layer.comment]
            said.add(layer.comment)
        lines.append(f"{indent}{layer.code},")
    return lines


def _dedupe(blocks: list[str]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if b not in out:
            out.append(b)
    return out


def _csv(values) -> str:
    return ", ".join(str(v) for v in values)


def keras_code(r: ConvResult) -> str:
    """A complete Keras 3 script building the layer(s) of ``r`` and printing the summary."""
    plan = _keras_plan(r)
    lines = ["import keras", "from keras import layers", ""]
    for block in _dedupe(plan.preamble):
        lines += ["", block.rstrip("\n"), "", ""]
    lines.append("model = keras.Sequential([")
    lines.append(f"    keras.Input(shape=({_csv(r.input_shape)})),")
    lines += _layer_lines(plan.layers)
    lines.append("])")
    lines.append(f"model.summary()  # output (None, {_csv(r.output_shape)}), "
                 f"{r.params:,} params")
    return "\n".join(lines) + "\n"


def _input_words(r: ConvResult) -> str:
    *sizes, c = r.input_shape
    what = {1: f"sequence of {sizes[0]} steps", 2: "×".join(map(str, sizes)) + " image",
            3: "×".join(map(str, sizes)) + " volume"}[r.rank]
    return f"one {what} with {c} channels"


def pytorch_code(r: ConvResult) -> str:
    """A complete PyTorch script building the layer(s) of ``r``; prints params and shape."""
    plan = _torch_plan(r)
    *sizes, c = r.input_shape
    lines = ["import torch", "from torch import nn", ""]
    for block in _dedupe(plan.preamble):
        lines += ["", block.rstrip("\n"), "", ""]
    lines.append("model = nn.Sequential(")
    lines += _layer_lines(plan.layers)
    lines.append(")")
    *osizes, oc = r.output_shape
    lines.append(f"x = torch.zeros(1, {c}, {_csv(sizes)})  # {_input_words(r)}")
    lines.append(f'print("params:", sum(p.numel() for p in model.parameters()))  '
                 f"# {r.params}")
    lines.append(f'print("output shape:", tuple(model(x).shape))  # (1, {oc}, {_csv(osizes)})')
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Keras summary (rich table, reproduced as plain text)
# ---------------------------------------------------------------------------

def readable_bytes(n: float) -> str:
    """Keras's ``readable_memory_size``: ``1.91 KB`` (1024-based, two decimals)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n / 1024 < 1:
            return f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} PB"


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int],
                  values: list[int]) -> list[int]:
    """rich._ratio.ratio_reduce (Python's round, half to even, as rich uses)."""
    ratios = [ratio if m else 0 for ratio, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            d = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - d)
            remaining -= d
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _keras_column_widths(line_length: int) -> list[int]:
    """Cell widths (with the 1-space padding each side) of Keras's 3-column table."""
    widths, current = [], 0
    for pos in (0.45, 0.80, 1.0):
        w = int(pos * line_length) - current
        if w < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(w)
        current += w
    max_width = line_length - 4  # 2 edges + 2 separators
    cells = [min(w + 2, max_width) for w in widths]
    if sum(cells) > max_width:
        cells = _ratio_reduce(sum(cells) - max_width, [1, 1, 1], cells, cells)
    return cells


def _wrap(text: str, width: int) -> list[str]:
    """rich's word wrap with overflow='ellipsis' (words too long are cut with …)."""
    lines: list[str] = []
    cur = ""
    for word in text.split(" "):
        if not cur:
            cur = word
        elif len(cur) + 1 + len(word) <= width:
            cur += " " + word
        else:
            lines.append(cur)
            cur = word
    lines.append(cur)
    return [ln if len(ln) <= width else ln[:width - 1] + "…" for ln in lines]


def _keras_shape(shape: tuple) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


def keras_summary(r: ConvResult, line_length: int = KERAS_LINE_LENGTH) -> str:
    """The text Keras 3 ``model.summary(line_length=...)`` prints for ``keras_code(r)``."""
    cells = _keras_column_widths(line_length)
    justify = ("left", "left", "right")

    def row(values: tuple[str, str, str], bar: str) -> list[str]:
        wrapped = [_wrap(v, w - 2) for v, w in zip(values, cells)]
        height = max(len(x) for x in wrapped)
        out = []
        for i in range(height):
            parts = []
            for lines, w, j in zip(wrapped, cells, justify):
                text = lines[i] if i < len(lines) else ""
                text = text.ljust(w - 2) if j == "left" else text.rjust(w - 2)
                parts.append(f" {text} ")
            out.append(bar + bar.join(parts) + bar)
        return out

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * w for w in cells) + right

    rows = layer_rows(r, "keras")
    lines = ['Model: "sequential"', rule("┏", "━", "┳", "┓")]
    lines += row(("Layer (type)", "Output Shape", "Param #"), "┃")
    lines.append(rule("┡", "━", "╇", "┩"))
    for i, lr in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        lines += row((f"{lr.name} ({lr.type})", _keras_shape(lr.output_shape),
                      f"{lr.params:,}"), "│")
    lines.append(rule("└", "─", "┴", "┘"))
    total = sum(lr.params for lr in rows)
    size = readable_bytes(total * BYTES_PER_PARAM)
    lines += [f" Total params: {total:,} ({size})",
              f" Trainable params: {total:,} ({size})",
              " Non-trainable params: 0 (0.00 B)"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# torchinfo summary
# ---------------------------------------------------------------------------

_TI_COL = 25
_TI_NAME = 40
#: torchinfo measures the input as ``sys.getsizeof(tensor.untyped_storage())``: the data
#: plus the storage object's own 64 bytes (CPython 3.11, torch 2.13).
TORCHINFO_INPUT_OVERHEAD = 64


def torchinfo_mult_adds(r: ConvResult) -> int:
    """torchinfo's ``Total mult-adds`` for ``pytorch_code(r)`` (batch 1).

    torchinfo counts ``(weights + biases) × output positions`` for every layer whose class
    name contains "Conv" (see the module docstring for how that differs from ``r.macs``).
    """
    total = 0
    for layer in _torch_plan(r).layers:
        if "Conv" in layer.type:
            total += layer.params * math.prod(layer.out[:-1])
    return total


def _ti_num(num: int, auto: bool) -> str:
    """torchinfo ModelStatistics.format_output_num (units NONE or AUTO)."""
    unit = ""
    value: float = float(num)
    if auto:
        if num >= 1e12:
            unit, value = "TERABYTES", num / 1e12
        elif num >= 1e9:
            unit, value = "GIGABYTES", num / 1e9
        else:
            unit, value = "MEGABYTES", num / 1e6
    shown = f"{int(value):,d}" if value.is_integer() else f"{value:,.2f}"
    return (f" (Units.{unit})" if unit else "") + f": {shown}"


def torchinfo_summary(r: ConvResult) -> str:
    """What ``print(torchinfo.summary(model, input_size=(1, c, *spatial)))`` shows.

    torchinfo 1.8; ``spatial`` is (W,), (H, W) or (D, H, W)."""
    plan = _torch_plan(r)
    rows = layer_rows(r, "pytorch")
    titles = [(0, "Sequential")] + [(1, f"{lr.type}: 1-{i + 1}") for i, lr in enumerate(rows)]
    longest = max(len(t) + depth * 5 + 1 for depth, t in titles)
    name_w = _TI_NAME if longest < _TI_NAME else math.ceil(longest / 5) * 5
    width = name_w + 2 * _TI_COL
    divider = "=" * width

    def fmt(name: str, shape: str, params: str) -> str:
        return f"{name:<{name_w}} {shape:<{_TI_COL}} {params:<{_TI_COL}}".rstrip()

    *osizes, oc = r.output_shape
    lines = [divider, fmt("Layer (type:depth-idx)", "Output Shape", "Param #"), divider,
             fmt("Sequential", str([1, oc, *osizes]), "--")]
    for (_, title), lr in zip(titles[1:], rows):
        lines.append(fmt("├─" + title, str(list(lr.output_shape)),
                         f"{lr.params:,}" if lr.params else "--"))
    total = sum(lr.params for lr in rows)
    input_bytes = math.prod(r.input_shape) * BYTES_PER_PARAM + TORCHINFO_INPUT_OVERHEAD
    # x2 for gradients, only layers with parameters (torchinfo's rule)
    out_bytes = sum(2 * BYTES_PER_PARAM * math.prod(layer.out)
                    for layer in plan.layers if layer.params > 0)
    param_bytes = total * BYTES_PER_PARAM
    lines += [divider,
              f"Total params{_ti_num(total, False)}",
              f"Trainable params{_ti_num(total, False)}",
              f"Non-trainable params{_ti_num(0, False)}",
              f"Total mult-adds{_ti_num(torchinfo_mult_adds(r), True)}",
              divider,
              f"Input size (MB): {input_bytes / 1e6:0.2f}",
              f"Forward/backward pass size (MB): {out_bytes / 1e6:0.2f}",
              f"Params size (MB): {param_bytes / 1e6:0.2f}",
              f"Estimated Total Size (MB): {(input_bytes + out_bytes + param_bytes) / 1e6:0.2f}",
              divider]
    return "\n".join(lines)


__all__ = ["FRAMEWORKS", "KERAS_LINE_LENGTH", "LayerRow", "keras_code", "keras_summary",
           "layer_rows", "pytorch_code", "readable_bytes", "torchinfo_mult_adds",
           "torchinfo_summary"]
