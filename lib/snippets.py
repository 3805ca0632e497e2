"""Copy-pasteable Keras and PyTorch code for one ConvResult, and the tables they print.

``keras_code(r)`` / ``pytorch_code(r)`` build the layer ``r`` describes with the real
frameworks; ``keras_summary(r)`` / ``torchinfo_summary(r)`` are the text tables
``model.summary()`` (Keras 3) and ``torchinfo.summary(model, input_size=(1, c, H, W))``
print for exactly that code; ``layer_rows(r, framework)`` are their rows as data (for a
dataframe). Every shape and parameter count comes from ``r.stages`` (lib.conv); this
module only decides which real layers express each stage. No torch or keras import here:
``tools/make_snippet_reference.py`` runs the snippets with the real frameworks and
``tests/test_snippets.py`` checks everything below against what they printed.
2D layers only (``Conv2D`` / ``nn.Conv2d``): a 1D or 3D result raises ValueError.

Which real layers
-----------------
* Keras layers take only ``"valid"``/``"same"``: an explicit ``(ph, pw)`` padding is a
  ``ZeroPadding2D`` in front. PyTorch refuses ``padding="same"`` with stride > 1 (lib's
  ``"same"`` is Keras's): such a conv gets an ``nn.ZeroPad2d((left, right, top, bottom))``
  with the stage's ``Axis.before/after`` and ``padding=0``.
* Keras ``Conv2D``/``Conv2DTranspose`` refuse ``strides > 1`` together with
  ``dilation_rate > 1`` (PyTorch, DepthwiseConv2D and SeparableConv2D allow it). The Keras
  snippet then computes the same thing: a conv: ``ZeroPadding2D`` (if any), the dilated conv
  at stride 1, then ``MaxPooling2D(pool_size=1, strides=s)`` which keeps every s-th row and
  column; a transposed conv: a ``Lambda`` inserting ``s - 1`` zeros between input cells,
  the dilated ``Conv2DTranspose`` at stride 1, then cropping/padding.
* ``transposed`` with an int padding is ``nn.ConvTranspose2d``; its Keras snippet is a
  ``Conv2DTranspose(padding="valid")`` and a ``Cropping2D``. The rows PyTorch's
  ``output_padding`` adds past the full output come from Keras's ``output_padding`` (< stride)
  or, beyond that, from zero input rows (``ZeroPadding2D`` in front): bias only, as in PyTorch. Keras ``Conv2DTranspose`` has no
  ``groups``: with groups > 1 the snippet defines a small ``GroupedConv2DTranspose`` layer
  (one ``Conv2DTranspose`` per channel group, same parameter count). ``transposed`` with
  ``"valid"``/``"same"`` is Keras ``Conv2DTranspose``; its PyTorch snippet is an
  ``nn.ConvTranspose2d`` whose ``padding``/``output_padding`` give the same window when
  they can, else ``padding=0`` and an ``nn.ZeroPad2d`` with negative (cropping) values.
* ``separable_keras`` is one Keras ``SeparableConv2D``; in PyTorch a depthwise
  ``nn.Conv2d(bias=False)`` + a pointwise ``nn.Conv2d``. ``separable_pytorch`` is two
  ``nn.Conv2d`` with biases; in Keras ``DepthwiseConv2D`` + ``Conv2D(k, 1)``.
* ``shared_channels``: Keras ``Lambda(keras.ops.sum(..., keepdims=True))``; PyTorch a small
  ``SumChannels`` module, both followed by the conv with one input channel.

Tables
------
* ``keras_summary`` reproduces Keras 3's rich table (``line_length`` 88 = Keras's default
  in a terminal of 92+ columns; a non-terminal such as Jupyter or a pipe gets 76), the
  auto-names of a fresh session (``conv2d``, ``conv2d_1``, ...) and
  ``Total params: 490 (1.91 KB)`` with 4 bytes per float32.
* ``torchinfo_summary`` reproduces torchinfo 1.8's default table. Its ``Total mult-adds``
  is **not** ``r.macs``: torchinfo counts, for every layer whose class name contains
  "Conv", ``(weights + biases) × that layer's output positions``. For a conv that is
  ``stage.macs`` plus one add per bias and output cell; for a transposed conv lib.conv counts
  ``weights × input positions`` (every input cell scatters its kernel) while torchinfo
  multiplies by the (larger) output positions of the ConvTranspose2d (before any crop). torchinfo 1.8 on Python 3.11 prints the
  unit as ``(Units.MEGABYTES)`` (an enum formatting quirk); reproduced as printed. Its
  input size is ``sys.getsizeof`` of the input's storage: 4 bytes per value plus 64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from lib.conv import ConvResult, Stage

FRAMEWORKS = ("keras", "pytorch")

#: Keras's default summary width (``print_summary``: min(88, terminal columns - 4)).
KERAS_LINE_LENGTH = 88

BYTES_PER_PARAM = 4  # float32


class LayerRow(NamedTuple):
    """One row of a summary table: a real layer of the snippet.

    Keras: ``name`` is the auto-name (``conv2d``), ``output_shape`` ``(None, H, W, C)``.
    PyTorch: ``name`` is the index in ``nn.Sequential`` (``"0"``), ``output_shape``
    ``(1, C, H, W)`` for the batch of one torchinfo is given.
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
    out: tuple[int, int, int]  # (H, W, C)
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

def _p(pair: tuple[int, int]) -> str:
    """An (h, w) pair as Python source: ``3`` when both are equal, else ``(3, 5)``."""
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


def _opt(pair: tuple[int, int], default: int = 1) -> str | None:
    """``_p(pair)``, or None (argument left out) when both equal the default."""
    return None if pair == (default, default) else _p(pair)


def _args(*positional: object, **keyword: object) -> str:
    parts = [str(a) for a in positional]
    parts += [f"{k}={v}" for k, v in keyword.items() if v is not None]
    return ", ".join(parts)


def _stage_bias(st: Stage) -> bool:
    return st.bias_params > 0


def _is_same(st: Stage) -> bool:
    return all(a.mode == "same" for a in st.axes)


def _pads(st: Stage) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zeros a conv stage adds to its input."""
    ah, aw = st.axes
    return (ah.before, ah.after, aw.before, aw.after)


def _padded(st: Stage) -> tuple[int, int, int]:
    t, b, l, r = _pads(st)
    ah, aw = st.axes
    return (ah.size_in + t + b, aw.size_in + l + r, st.in_channels)


# ---------------------------------------------------------------------------
# Keras plan
# ---------------------------------------------------------------------------

def _keras_zero_padding(st: Stage, comment: tuple[str, ...] = ()) -> list[_Layer]:
    t, b, l, r = _pads(st)
    if not (t or b or l or r):
        return []
    return [_Layer("ZeroPadding2D", f"layers.ZeroPadding2D(padding=(({t}, {b}), ({l}, {r})))",
                   _padded(st), 0, comment)]


def _keras_conv(st: Stage, cls: str, head: tuple[object, ...], extra: dict[str, object],
                bias: bool, last: Stage | None = None) -> list[_Layer]:
    """One conv-like Keras layer for stage ``st``, with its padding handled.

    ``head``: positional arguments before kernel_size; ``extra``: keyword arguments after
    padding; ``last``: for SeparableConv2D, the pointwise stage the same layer also holds.
    """
    params = st.params + (last.params if last else 0)
    out = (last or st).out_shape
    use_bias = None if bias else False
    if cls == "Conv2D" and max(st.stride) > 1 and max(st.dilation) > 1:
        refusal = ("# Keras Conv2D refuses strides > 1 together with dilation_rate > 1: "
                   + ("pad," if any(_pads(st)) else "convolve"),
                   ("# convolve " if any(_pads(st)) else "# ")
                   + "at stride 1, then keep every s-th row and column "
                   "(MaxPooling2D with pool_size=1).")
        pad = _keras_zero_padding(st, refusal)
        ph, pw, _ = _padded(st)
        ah, aw = st.axes
        mid = (ph - ah.extent + 1, pw - aw.extent + 1, out[2])
        args = _args(*head, _p(st.kernel), **extra, dilation_rate=_p(st.dilation),
                     use_bias=use_bias)
        conv = _Layer(cls, f"layers.{cls}({args})", mid, params, () if pad else refusal)
        pool = _Layer("MaxPooling2D",
                      f"layers.MaxPooling2D(pool_size=1, strides={_p(st.stride)})", out, 0)
        return pad + [conv, pool]
    if _is_same(st):
        pre, padding = [], '"same"'
    else:
        pre = _keras_zero_padding(st, (
            "# Keras layers take only 'valid' or 'same': explicit padding is a "
            "ZeroPadding2D layer.",))
        padding = None
    args = _args(*head, _p(st.kernel), strides=_opt(st.stride), padding=padding, **extra,
                 dilation_rate=_opt(st.dilation), use_bias=use_bias)
    return pre + [_Layer(cls, f"layers.{cls}({args})", out, params)]


_GROUPED_TRANSPOSE_CLASS = '''\
class GroupedConv2DTranspose(layers.Layer):
    """Keras Conv2DTranspose has no `groups`: one Conv2DTranspose per channel group."""

    def __init__(self, filters, kernel_size, groups, **kwargs):
        super().__init__()
        self.groups = groups
        self.convs = [layers.Conv2DTranspose(filters // groups, kernel_size, **kwargs)
                      for _ in range(groups)]

    def call(self, x):
        parts = keras.ops.split(x, self.groups, axis=-1)
        return keras.ops.concatenate([conv(p) for conv, p in zip(self.convs, parts)],
                                     axis=-1)
'''


def _keras_transposed(st: Stage, output_padding: tuple[int, int], plan: _Plan) -> None:
    ah, aw = st.axes
    axes = (ah, aw)
    k = st.out_channels
    use_bias = None if _stage_bias(st) else False
    native = ah.mode.startswith("keras_")  # lib's "valid"/"same" is Keras Conv2DTranspose
    strided_dilated = max(st.stride) > 1 and max(st.dilation) > 1
    if native and not strided_dilated:
        code = "layers.Conv2DTranspose(" + _args(
            k, _p(st.kernel), strides=_opt(st.stride), padding=f'"{ah.mode[6:]}"',
            output_padding=_opt(output_padding, 0), dilation_rate=_opt(st.dilation),
            use_bias=use_bias) + ")"
        plan.add(_Layer("Conv2DTranspose", code, st.out_shape, st.params))
        return
    # Otherwise: a 'valid' Conv2DTranspose gives the full scatter output
    # (n - 1) * s + extent (+ q rows of output_padding), then crop/pad to lib's window.
    stride = st.stride
    # rows PyTorch's output_padding adds past the full output (they get the bias only)
    extra = [max(0, -a.after) for a in axes]
    if strided_dilated:
        sh, sw = st.stride
        H, W, c = st.in_shape
        zh, zw = (H - 1) * sh + 1 + extra[0], (W - 1) * sw + 1 + extra[1]
        expr = ("keras.ops.reshape(keras.ops.pad(keras.ops.expand_dims(keras.ops.expand_dims("
                f"x, 2), 4), [[0, 0], [0, 0], [0, {sh - 1}], [0, 0], [0, {sw - 1}], [0, 0]]), "
                f"(-1, {H * sh}, {W * sw}, {c}))")
        cut_h, cut_w = min(zh, H * sh), min(zw, W * sw)
        if (cut_h, cut_w) != (H * sh, W * sw):
            expr += f"[:, :{cut_h}, :{cut_w}, :]"
        if (zh, zw) != (cut_h, cut_w):
            expr = f"keras.ops.pad({expr}, [[0, 0], [0, {zh - cut_h}], [0, {zw - cut_w}], [0, 0]])"
        why = ["# Keras Conv2DTranspose refuses strides > 1 together with dilation_rate > 1:",
               f"# insert {sh - 1} zero row(s) and {sw - 1} zero column(s) between the "
               "input cells,"]
        if any(extra):
            why.append(f"# and {extra[0]} zero row(s) / {extra[1]} zero column(s) at the "
                       "end for PyTorch's output_padding,")
        why.append("# then a stride-1 transposed conv.")
        plan.add(_Layer("Lambda", f"layers.Lambda(lambda x: {expr})", (zh, zw, c), 0,
                        tuple(why)))
        stride = (1, 1)
        full = [zh + axes[0].extent - 1, zw + axes[1].extent - 1]
        q = [0, 0]
    else:
        # Keras 'valid' with an explicit output_padding q < stride gives full + q; more
        # rows than that (PyTorch allows output_padding < dilation) come from zero input
        # rows appended in front of the conv: they add s output rows each, bias only.
        q = [e if e < a.stride else 0 for e, a in zip(extra, axes)]
        zin = [0 if e < a.stride else -(-e // a.stride) for e, a in zip(extra, axes)]
        if any(zin):
            H, W, c = st.in_shape
            plan.add(_Layer(
                "ZeroPadding2D",
                f"layers.ZeroPadding2D(padding=((0, {zin[0]}), (0, {zin[1]})))",
                (H + zin[0], W + zin[1], c), 0,
                ("# zero input rows/columns at the end: the output rows PyTorch's "
                 "output_padding adds get only the bias",)))
        full = [(a.size_in + z - 1) * a.stride + a.extent for a, z in zip(axes, zin)]
    explicit_q = any(q) or (not strided_dilated and any(a.extent < a.stride for a in axes))
    conv_out = (full[0] + q[0], full[1] + q[1], k)
    grown = [conv_out[i] - ((a.size_in - 1) * a.stride + a.extent) for i, a in enumerate(axes)]
    edges = (ah.before, ah.after + grown[0], aw.before, aw.after + grown[1])  # t, b, l, r
    comment: tuple[str, ...] = ()
    if not native and any(v > 0 for v in edges):
        comment = ("# nn.ConvTranspose2d's padding crops the full transposed-conv output: in "
                   "Keras a 'valid'",
                   "# Conv2DTranspose, then Cropping2D.")
    if st.groups > 1:
        plan.preamble.append(_GROUPED_TRANSPOSE_CLASS)
        cls, head = "GroupedConv2DTranspose", (k, _p(st.kernel), f"groups={st.groups}")
    else:
        cls, head = "Conv2DTranspose", (k, _p(st.kernel))
    prefix = "" if cls == "GroupedConv2DTranspose" else "layers."  # defined in the snippet
    code = f"{prefix}{cls}(" + _args(
        *head, strides=_opt(stride), output_padding=_p((q[0], q[1])) if explicit_q else None,
        dilation_rate=_opt(st.dilation), use_bias=use_bias) + ")"
    plan.add(_Layer(cls, code, conv_out, st.params, comment))
    cur = conv_out
    if any(v > 0 for v in edges):
        t, b, l, r = (max(v, 0) for v in edges)
        cur = (cur[0] - t - b, cur[1] - l - r, k)
        plan.add(_Layer("Cropping2D", f"layers.Cropping2D(cropping=(({t}, {b}), ({l}, {r})))",
                        cur, 0))
    if any(v < 0 for v in edges):
        t, b, l, r = (max(-v, 0) for v in edges)
        cur = (cur[0] + t + b, cur[1] + l + r, k)
        plan.add(_Layer("ZeroPadding2D",
                        f"layers.ZeroPadding2D(padding=(({t}, {b}), ({l}, {r})))", cur, 0,
                        ("# zero rows/columns in front of the full transposed-conv output",)))
    assert cur == st.out_shape, (cur, st.out_shape)


def _keras_plan(r: ConvResult) -> _Plan:
    _check_2d(r)
    plan = _Plan()
    s = r.spec
    kind = s.kind
    stages = r.stages
    if kind == "separable_keras":
        dw, pw = stages
        m = dw.out_channels // dw.in_channels
        plan.add(*_keras_conv(dw, "SeparableConv2D", (pw.out_channels,),
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
            m = st.out_channels // st.in_channels
            plan.add(*_keras_conv(st, "DepthwiseConv2D", (),
                                  {"depth_multiplier": m if m > 1 else None},
                                  _stage_bias(st)))
        elif st.op == "transposed":
            _keras_transposed(st, r.spec.output_padding, plan)
        else:
            plan.add(*_keras_conv(st, "Conv2D", (st.out_channels,),
                                  {"groups": st.groups if st.groups > 1 else None},
                                  _stage_bias(st)))
    return plan


# ---------------------------------------------------------------------------
# PyTorch plan
# ---------------------------------------------------------------------------

_SUM_CHANNELS_CLASS = '''\
class SumChannels(nn.Module):
    """Add the input channels into one: (N, C, H, W) -> (N, 1, H, W)."""

    def forward(self, x):
        return x.sum(1, keepdim=True)
'''


def _torch_conv(st: Stage) -> list[_Layer]:
    ah, aw = st.axes
    groups = st.groups if st.groups > 1 else None
    pre: list[_Layer] = []
    if _is_same(st) and st.stride != (1, 1):
        t, b, l, r = _pads(st)
        padding = None
        if t or b or l or r:
            pre.append(_Layer(
                "ZeroPad2d", f"nn.ZeroPad2d(({l}, {r}, {t}, {b}))", _padded(st), 0,
                ("# PyTorch refuses padding='same' with stride > 1: pad explicitly as "
                 "Keras's 'same' does",
                 "# (left, right, top, bottom; an odd zero goes right/bottom), then convolve "
                 "with padding=0.")))
    elif _is_same(st):
        padding = '"same"'
    else:
        padding = _p((ah.before, aw.before)) if (ah.before or aw.before) else None
    code = "nn.Conv2d(" + _args(
        st.in_channels, st.out_channels, _p(st.kernel), stride=_opt(st.stride),
        padding=padding, dilation=_opt(st.dilation), groups=groups,
        bias=None if _stage_bias(st) else False) + ")"
    return pre + [_Layer("Conv2d", code, st.out_shape, st.params)]


def _torch_transposed(st: Stage) -> list[_Layer]:
    """nn.ConvTranspose2d: padding p crops p rows each side, output_padding o adds o at the end."""
    ah, aw = st.axes
    native = ah.mode == "explicit"  # lib's int padding is nn.ConvTranspose2d
    pads, ops, edges = [], [], []
    for a in (ah, aw):
        before, after = a.before, a.after
        # crop `before` at the start and `after` at the end: p = before, o = p - after
        p, o = before, before - after
        if not native and not (0 <= o < max(a.stride, a.dilation)):
            p = o = 0
        pads.append(p)
        ops.append(o)
        edges += [before - p, after - (p - o)]
    t, b, l, r = edges
    code = "nn.ConvTranspose2d(" + _args(
        st.in_channels, st.out_channels, _p(st.kernel), stride=_opt(st.stride),
        padding=_opt((pads[0], pads[1]), 0), output_padding=_opt((ops[0], ops[1]), 0),
        groups=st.groups if st.groups > 1 else None,
        bias=None if _stage_bias(st) else False, dilation=_opt(st.dilation)) + ")"
    mode = repr(ah.mode[6:])
    if not (t or b or l or r):
        comment = () if native else (
            f"# Keras Conv2DTranspose(padding={mode}): the same window via padding/output_padding",)
        return [_Layer("ConvTranspose2d", code, st.out_shape, st.params, comment)]
    full = ((ah.size_in - 1) * ah.stride + ah.extent + ops[0] - 2 * pads[0],
            (aw.size_in - 1) * aw.stride + aw.extent + ops[1] - 2 * pads[1], st.out_channels)
    return [
        _Layer("ConvTranspose2d", code, full, st.params,
               (f"# Keras Conv2DTranspose(padding={mode}) keeps a window of the full "
                "transposed-conv output:",
                "# nn.ZeroPad2d with negative values crops it (left, right, top, bottom).")),
        _Layer("ZeroPad2d", f"nn.ZeroPad2d(({-l}, {-r}, {-t}, {-b}))", st.out_shape, 0),
    ]


def _torch_plan(r: ConvResult) -> _Plan:
    _check_2d(r)
    plan = _Plan()
    for st in r.stages:
        if st.op == "channel_sum":
            plan.preamble.append(_SUM_CHANNELS_CLASS)
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

_KERAS_BASE_NAMES = {
    "Conv2D": "conv2d", "DepthwiseConv2D": "depthwise_conv2d",
    "SeparableConv2D": "separable_conv2d", "Conv2DTranspose": "conv2d_transpose",
    "ZeroPadding2D": "zero_padding2d", "Cropping2D": "cropping2d",
    "MaxPooling2D": "max_pooling2d", "Lambda": "lambda",
    "GroupedConv2DTranspose": "grouped_conv2d_transpose",
}


def _check_2d(r: ConvResult) -> None:
    if len(r.spec.kernel) != 2:
        raise ValueError(f"code snippets cover 2D layers (Conv2D / nn.Conv2d); this layer has "
                         f"{len(r.spec.kernel)} spatial axes")


def _plan(r: ConvResult, framework: str) -> _Plan:
    if framework == "keras":
        return _keras_plan(r)
    if framework == "pytorch":
        return _torch_plan(r)
    raise ValueError(f"framework={framework!r} must be one of {FRAMEWORKS}")


def layer_rows(r: ConvResult, framework: str) -> list[LayerRow]:
    """The layers of ``keras_code(r)`` or ``pytorch_code(r)``, as their summaries list them.

    Keras names follow a fresh session's auto-naming (``conv2d``, ``conv2d_1``, ...); the
    PyTorch names are the ``nn.Sequential`` indices.
    """
    plan = _plan(r, framework)
    rows: list[LayerRow] = []
    if framework == "keras":
        seen: dict[str, int] = {}
        for layer in plan.layers:
            base = _KERAS_BASE_NAMES[layer.type]
            n = seen.get(base, 0)
            seen[base] = n + 1
            name = base if n == 0 else f"{base}_{n}"
            rows.append(LayerRow(name, layer.type, (None, *layer.out), layer.params))
    else:
        for i, layer in enumerate(plan.layers):
            h, w, c = layer.out
            rows.append(LayerRow(str(i), layer.type, (1, c, h, w), layer.params))
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


def keras_code(r: ConvResult) -> str:
    """A complete Keras 3 script building the layer(s) of ``r`` and printing the summary."""
    plan = _keras_plan(r)
    H, W, c = r.input_shape
    lines = ["import keras", "from keras import layers", ""]
    for block in _dedupe(plan.preamble):
        lines += ["", block.rstrip("\n"), "", ""]
    lines.append("model = keras.Sequential([")
    lines.append(f"    keras.Input(shape=({H}, {W}, {c})),")
    lines += _layer_lines(plan.layers)
    lines.append("])")
    oh, ow, oc = r.output_shape
    lines.append(f"model.summary()  # output (None, {oh}, {ow}, {oc}), "
                 f"{r.params:,} params")
    return "\n".join(lines) + "\n"


def pytorch_code(r: ConvResult) -> str:
    """A complete PyTorch script building the layer(s) of ``r``; prints params and shape."""
    plan = _torch_plan(r)
    H, W, c = r.input_shape
    lines = ["import torch", "from torch import nn", ""]
    for block in _dedupe(plan.preamble):
        lines += ["", block.rstrip("\n"), "", ""]
    lines.append("model = nn.Sequential(")
    lines += _layer_lines(plan.layers)
    lines.append(")")
    oh, ow, oc = r.output_shape
    lines.append(f"x = torch.zeros(1, {c}, {H}, {W})  # one {H}×{W} image with {c} channels")
    lines.append(f'print("params:", sum(p.numel() for p in model.parameters()))  '
                 f"# {r.params}")
    lines.append(f'print("output shape:", tuple(model(x).shape))  # (1, {oc}, {oh}, {ow})')
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
            total += layer.params * layer.out[0] * layer.out[1]
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
    """What ``print(torchinfo.summary(model, input_size=(1, c, H, W)))`` shows (torchinfo 1.8)."""
    plan = _torch_plan(r)
    rows = layer_rows(r, "pytorch")
    titles = [(0, "Sequential")] + [(1, f"{lr.type}: 1-{i + 1}") for i, lr in enumerate(rows)]
    longest = max(len(t) + depth * 5 + 1 for depth, t in titles)
    name_w = _TI_NAME if longest < _TI_NAME else math.ceil(longest / 5) * 5
    width = name_w + 2 * _TI_COL
    divider = "=" * width

    def fmt(name: str, shape: str, params: str) -> str:
        return f"{name:<{name_w}} {shape:<{_TI_COL}} {params:<{_TI_COL}}".rstrip()

    oh, ow, oc = r.output_shape
    lines = [divider, fmt("Layer (type:depth-idx)", "Output Shape", "Param #"), divider,
             fmt("Sequential", str([1, oc, oh, ow]), "--")]
    for (_, title), lr in zip(titles[1:], rows):
        lines.append(fmt("├─" + title, str(list(lr.output_shape)),
                         f"{lr.params:,}" if lr.params else "--"))
    total = sum(lr.params for lr in rows)
    H, W, c = r.input_shape
    input_bytes = H * W * c * BYTES_PER_PARAM + TORCHINFO_INPUT_OVERHEAD
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
