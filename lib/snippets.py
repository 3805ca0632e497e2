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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from lib.conv import ConvResult, Stage
from lib.summary import (KERAS_LINE_LENGTH, KerasNamer, SummaryRow, keras_table,
                         torchinfo_table)
from lib.text import fmt_axes, fmt_input

FRAMEWORKS = ("keras", "pytorch")


@dataclass(frozen=True)
class PlanLayer:
    """One real layer of a snippet (framework-neutral shape: channels-last).

    ``inner``: the classes of the Keras layers this one creates inside itself (a
    ``GroupedConv2DTranspose`` holds one ``Conv2DTranspose`` per group); they take
    auto-names too, so later layers of the same class count on from them.
    """

    type: str
    code: str  # constructor expression
    out: tuple[int, ...]  # (*spatial, C), e.g. (H, W, C)
    params: int
    comment: tuple[str, ...] = ()
    inner: tuple[str, ...] = ()


@dataclass
class LayerPlan:
    """The real layers that express one conv layer in one framework, and the class
    definitions (``preamble``) its code needs."""

    layers: list[PlanLayer] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)  # class definitions

    def add(self, *layers: PlanLayer) -> None:
        self.layers.extend(layers)


# ---------------------------------------------------------------------------
# Small formatting helpers
# ---------------------------------------------------------------------------

def _opt(values: tuple[int, ...], default: int = 1) -> str | None:
    """``fmt_axes(values)``, or None (argument left out) when every value equals the default."""
    return None if all(v == default for v in values) else fmt_axes(values)


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


def torch_pad(pairs: Iterable[tuple[int, int]]) -> str:
    """(before, after) per axis (D, H, W) as ``nn.ZeroPadNd`` / ``F.pad`` take them: the last
    axis first, ``(left, right, top, bottom, front, back)``."""
    flat = [v for before, after in reversed(tuple(pairs)) for v in (before, after)]
    return "(" + ", ".join(str(v) for v in flat) + ")"


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


# ---------------------------------------------------------------------------
# Keras plan
# ---------------------------------------------------------------------------

def _keras_zero_padding(st: Stage, comment: tuple[str, ...] = ()) -> list[PlanLayer]:
    pads = _pads(st)
    if not _any(pads):
        return []
    n = _rank(st)
    return [PlanLayer(f"ZeroPadding{n}D", f"layers.ZeroPadding{n}D(padding={_keras_pairs(pads)})",
                   _padded(st), 0, comment)]


def _keras_conv(st: Stage, cls: str, head: tuple[object, ...], extra: dict[str, object],
                bias: bool, last: Stage | None = None) -> list[PlanLayer]:
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
        args = _args(*head, fmt_axes(st.kernel), **extra, dilation_rate=fmt_axes(st.dilation),
                     use_bias=use_bias)
        conv = PlanLayer(cls, f"layers.{cls}({args})", mid, params, () if pad else refusal)
        pool = PlanLayer(f"MaxPooling{n}D",
                      f"layers.MaxPooling{n}D(pool_size=1, strides={fmt_axes(st.stride)})", out, 0)
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
    args = _args(*head, fmt_axes(st.kernel), strides=_opt(st.stride), padding=padding, **extra,
                 dilation_rate=_opt(st.dilation), use_bias=use_bias)
    return pre + [PlanLayer(cls, f"layers.{cls}({args})", out, params)]


def _keras_depthwise(st: Stage) -> list[PlanLayer]:
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


def _keras_transposed(st: Stage, output_padding: tuple[int, ...], plan: LayerPlan) -> None:
    n = _rank(st)
    axes = st.axes
    k = st.out_channels
    use_bias = None if _stage_bias(st) else False
    native = axes[0].mode.startswith("keras_")  # lib's "valid"/"same" is Keras ConvNDTranspose
    strided_dilated = max(st.stride) > 1 and max(st.dilation) > 1
    cls = f"Conv{n}DTranspose"
    if native and not strided_dilated:
        code = f"layers.{cls}(" + _args(
            k, fmt_axes(st.kernel), strides=_opt(st.stride), padding=f'"{axes[0].mode[6:]}"',
            output_padding=_opt(output_padding, 0), dilation_rate=_opt(st.dilation),
            use_bias=use_bias) + ")"
        plan.add(PlanLayer(cls, code, st.out_shape, st.params))
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
        plan.add(PlanLayer("Lambda", f"layers.Lambda(lambda x: {expr})", zshape, 0, tuple(why)))
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
            plan.add(PlanLayer(
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
    if st.groups > 1:  # a class defined in the snippet, one Keras layer per group inside
        plan.preamble.append(_GROUPED_TRANSPOSE_CLASS.replace("{n}", str(n)))
        name, head = f"Grouped{cls}", (k, fmt_axes(st.kernel), f"groups={st.groups}")
        prefix, inner = "", (cls,) * st.groups
    else:
        name, head = cls, (k, fmt_axes(st.kernel))
        prefix, inner = "layers.", ()
    code = f"{prefix}{name}(" + _args(
        *head, strides=_opt(stride), output_padding=fmt_axes(tuple(q)) if explicit_q else None,
        dilation_rate=_opt(st.dilation), use_bias=use_bias) + ")"
    plan.add(PlanLayer(name, code, conv_out, st.params, comment, inner))
    cur = conv_out
    if any(v > 0 for e in edges for v in e):
        crop = [(max(b, 0), max(a, 0)) for b, a in edges]
        cur = (*(m - b - a for m, (b, a) in zip(cur, crop)), k)
        plan.add(PlanLayer(f"Cropping{n}D", f"layers.Cropping{n}D(cropping={_keras_pairs(crop)})",
                        cur, 0))
    if any(v < 0 for e in edges for v in e):
        pad = [(max(-b, 0), max(-a, 0)) for b, a in edges]
        cur = (*(m + b + a for m, (b, a) in zip(cur, pad)), k)
        plan.add(PlanLayer(f"ZeroPadding{n}D",
                        f"layers.ZeroPadding{n}D(padding={_keras_pairs(pad)})", cur, 0,
                        (f"# zero {_slashed(n)} in front of the full transposed-conv output",)))
    assert cur == st.out_shape, (cur, st.out_shape)


def keras_plan(r: ConvResult) -> LayerPlan:
    plan = LayerPlan()
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
            plan.add(PlanLayer("Lambda",
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


def _torch_conv(st: Stage) -> list[PlanLayer]:
    n = _rank(st)
    groups = st.groups if st.groups > 1 else None
    pads = _pads(st)
    pre: list[PlanLayer] = []
    if _is_same(st) and max(st.stride) > 1:
        padding = None
        if _any(pads):
            pre.append(PlanLayer(
                f"ZeroPad{n}d", f"nn.ZeroPad{n}d({torch_pad(pads)})", _padded(st), 0,
                ("# PyTorch refuses padding='same' with stride > 1: pad explicitly as "
                 "Keras's 'same' does",
                 *_split_last(f"# ({_TORCH_ORDER[n]}; an odd zero goes {_ODD_SIDE[n]}), then "
                              "convolve with padding=0.", ", then "))))
    elif _is_same(st):
        padding = '"same"'
    elif _is_causal(st):
        padding = None
        if _any(pads):
            pre.append(PlanLayer(
                f"ZeroPad{n}d", f"nn.ZeroPad{n}d({torch_pad(pads)})", _padded(st), 0,
                ("# PyTorch has no padding='causal': nn.ZeroPad1d((left, right)) adds "
                 f"d·(k−1) = {pads[0][0]} zero(s)",
                 "# on the left only, then the conv with padding=0: output step t sees "
                 "inputs up to t.")))
    else:
        befores = tuple(b for b, _ in pads)
        padding = fmt_axes(befores) if any(befores) else None
    code = f"nn.Conv{n}d(" + _args(
        st.in_channels, st.out_channels, fmt_axes(st.kernel), stride=_opt(st.stride),
        padding=padding, dilation=_opt(st.dilation), groups=groups,
        bias=None if _stage_bias(st) else False) + ")"
    return pre + [PlanLayer(f"Conv{n}d", code, st.out_shape, st.params)]


def _torch_transposed(st: Stage) -> list[PlanLayer]:
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
        st.in_channels, st.out_channels, fmt_axes(st.kernel), stride=_opt(st.stride),
        padding=_opt(tuple(pads), 0), output_padding=_opt(tuple(ops), 0),
        groups=st.groups if st.groups > 1 else None,
        bias=None if _stage_bias(st) else False, dilation=_opt(st.dilation)) + ")"
    mode = repr(axes[0].mode[6:])
    if not _any(tuple(edges)):
        comment = () if native else (
            f"# Keras Conv{n}DTranspose(padding={mode}): the same window via "
            "padding/output_padding",)
        return [PlanLayer(f"ConvTranspose{n}d", code, st.out_shape, st.params, comment)]
    full = (*((a.size_in - 1) * a.stride + a.extent + o - 2 * p
              for a, p, o in zip(axes, pads, ops)), st.out_channels)
    return [
        PlanLayer(f"ConvTranspose{n}d", code, full, st.params,
               (f"# Keras Conv{n}DTranspose(padding={mode}) keeps a window of the full "
                "transposed-conv output:",
                f"# nn.ZeroPad{n}d with negative values crops it ({_TORCH_ORDER[n]}).")),
        PlanLayer(f"ZeroPad{n}d", f"nn.ZeroPad{n}d({torch_pad((-b, -a) for b, a in edges)})",
               st.out_shape, 0),
    ]


def torch_plan(r: ConvResult) -> LayerPlan:
    plan = LayerPlan()
    for st in r.stages:
        if st.op == "channel_sum":
            plan.preamble.append(_SUM_CHANNELS_CLASS.replace("{dims}", _DIMS[r.rank]))
            plan.add(PlanLayer("SumChannels", "SumChannels()", st.out_shape, 0,
                            (f"# add the {st.in_channels} input channels into one",)))
        elif st.op == "transposed":
            plan.add(*_torch_transposed(st))
        else:
            plan.add(*_torch_conv(st))
    return plan


# ---------------------------------------------------------------------------
# Layer rows (names as the frameworks print them)
# ---------------------------------------------------------------------------

def _plan(r: ConvResult, framework: str) -> LayerPlan:
    if framework == "keras":
        return keras_plan(r)
    if framework == "pytorch":
        return torch_plan(r)
    raise ValueError(f"framework={framework!r} must be one of {FRAMEWORKS}")


def torch_layout(shape: Sequence[int]) -> tuple[int, ...]:
    """A channels-last shape ``(*spatial, C)`` as PyTorch gives it for a batch of one:
    ``(1, C, *spatial)`` (``(1, C)`` for a flat shape)."""
    return (1, shape[-1], *shape[:-1])


def keras_rows(layers: Iterable[PlanLayer], namer: KerasNamer) -> list[SummaryRow]:
    """Keras summary rows of plan layers, named by ``namer`` (a fresh session's counter,
    shared by every layer of one model)."""
    rows = []
    for layer in layers:
        rows.append(SummaryRow(namer.take(layer.type), layer.type, (None, *layer.out),
                               layer.params))
        for cls in layer.inner:  # its inner layers take names too
            namer.take(cls)
    return rows


def layer_rows(r: ConvResult, framework: str) -> list[SummaryRow]:
    """The layers of ``keras_code(r)`` or ``pytorch_code(r)``, as their summaries list them.

    Keras names follow a fresh session's auto-naming (``conv2d``, ``conv2d_1``,
    ``depthwise_conv1d``, ``zero_padding3d``, ...); the PyTorch names are the
    ``nn.Sequential`` indices.
    """
    plan = _plan(r, framework)
    if framework == "keras":
        return keras_rows(plan.layers, KerasNamer())
    return [SummaryRow(str(i), layer.type, torch_layout(layer.out), layer.params)
            for i, layer in enumerate(plan.layers)]


# ---------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------

#: The first lines of every script.
IMPORTS = {"keras": ("import keras", "from keras import layers"),
           "pytorch": ("import torch", "from torch import nn")}


def script(framework: str, preamble: Iterable[str], body: Iterable[str]) -> str:
    """A whole script: the framework's imports, each class definition once (in order of
    first use), then ``body``."""
    lines = [*IMPORTS[framework], ""]
    for block in dict.fromkeys(preamble):
        lines += ["", block.rstrip("\n"), "", ""]
    return "\n".join([*lines, *body]) + "\n"


def _layer_lines(layers: list[PlanLayer], indent: str = "    ") -> list[str]:
    lines: list[str] = []
    said: set[tuple[str, ...]] = set()
    for layer in layers:
        if layer.comment not in said:  # say each explanation once
            lines += [indent + c for c in layer.comment]
            said.add(layer.comment)
        lines.append(f"{indent}{layer.code},")
    return lines


def _csv(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def torch_check_lines(input_shape: Sequence[int], output_shape: Sequence[int],
                      params: int) -> list[str]:
    """The end of a PyTorch script: run ``model`` on zeros of ``input_shape``
    (channels-last) and print its parameter count and output shape."""
    *sizes, c = input_shape
    return [f"x = torch.zeros(1, {c}, {_csv(sizes)})  # {fmt_input(input_shape)}",
            'print("params:", sum(p.numel() for p in model.parameters()))  '
            f"# {params}",
            'print("output shape:", tuple(model(x).shape))  '
            f"# ({_csv(torch_layout(output_shape))})"]


def keras_code(r: ConvResult) -> str:
    """A complete Keras 3 script building the layer(s) of ``r`` and printing the summary."""
    plan = keras_plan(r)
    return script("keras", plan.preamble, [
        "model = keras.Sequential([",
        f"    keras.Input(shape=({_csv(r.input_shape)})),",
        *_layer_lines(plan.layers),
        "])",
        f"model.summary()  # output (None, {_csv(r.output_shape)}), {r.params:,} params"])


def pytorch_code(r: ConvResult) -> str:
    """A complete PyTorch script building the layer(s) of ``r``; prints params and shape."""
    plan = torch_plan(r)
    return script("pytorch", plan.preamble, [
        "model = nn.Sequential(", *_layer_lines(plan.layers), ")",
        *torch_check_lines(r.input_shape, r.output_shape, r.params)])


# ---------------------------------------------------------------------------
# Summary tables (printed by lib.summary)
# ---------------------------------------------------------------------------

def keras_summary(r: ConvResult, line_length: int = KERAS_LINE_LENGTH) -> str:
    """The text Keras 3 ``model.summary(line_length=...)`` prints for ``keras_code(r)``."""
    rows = layer_rows(r, "keras")
    return keras_table(rows, sum(lr.params for lr in rows), line_length)


def torchinfo_mult_adds(r: ConvResult) -> int:
    """torchinfo's ``Total mult-adds`` for ``pytorch_code(r)`` (batch 1).

    torchinfo counts ``(weights + biases) × output positions`` for every layer whose class
    name contains "Conv" (see the module docstring for how that differs from ``r.macs``).
    """
    total = 0
    for layer in torch_plan(r).layers:
        if "Conv" in layer.type:
            total += layer.params * math.prod(layer.out[:-1])
    return total


def torchinfo_summary(r: ConvResult) -> str:
    """What ``print(torchinfo.summary(model, input_size=(1, c, *spatial)))`` shows.

    torchinfo 1.8; ``spatial`` is (W,), (H, W) or (D, H, W)."""
    return torchinfo_table(layer_rows(r, "pytorch"), torch_layout(r.output_shape),
                           math.prod(r.input_shape), torchinfo_mult_adds(r))


__all__ = ["FRAMEWORKS", "IMPORTS", "KERAS_LINE_LENGTH", "LayerPlan", "PlanLayer", "keras_code",
           "keras_plan", "keras_rows", "keras_summary", "layer_rows", "pytorch_code",
           "script", "torch_check_lines", "torch_layout", "torch_pad", "torch_plan",
           "torchinfo_mult_adds", "torchinfo_summary"]
