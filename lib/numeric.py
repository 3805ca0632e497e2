"""Conv layers computed number by number, with numpy only, to *prove* what ConvScope claims.

The other pages count weights and shapes; this module actually runs the layers on a tiny
input so a student can check, with numbers, four facts that are easy to say and hard to
believe:

1. a depthwise-separable conv is a depthwise conv followed by a 1×1 pointwise conv;
2. a conv "shared across channels" is the same as summing the channels, then convolving;
3. a transposed conv is a normal conv over the zero-inserted, padded input with the
   flipped kernel;
4. a conv is one matrix product (im2col): patches (H_out·W_out, kh·kw·c) @ weights
   (kh·kw·c, k).

Layout (channels-last, one image, like ``keras.Model.summary()``):

* input ``x``: ``(H, W, c)``; output ``(H_out, W_out, k)``;
* conv kernel: ``(kh, kw, c / groups, k)`` (Keras's ``Conv2D`` layout);
* depthwise kernel: ``(kh, kw, c, m)`` (Keras's ``DepthwiseConv2D``; output channel
  ``ci · m + j`` is filter ``j`` of input channel ``ci``, as in PyTorch's ``groups=c``);
* transposed kernel: ``(kh, kw, c, k / groups)``: what each input channel scatters
  (PyTorch's ``(c, k / groups, kh, kw)`` with the spatial axes first).

Where the padding goes (including Keras's asymmetric ``'same'``: ``total // 2`` zeros before
and the rest after) and how big the output is are NOT computed here: they are read from the
stage axes of :func:`lib.conv.analyze`, the one place for every conv number. This module
only does the arithmetic, and ``tests/test_numeric.py`` checks it against real PyTorch and
Keras outputs stored in ``tests/data/numeric_reference.json``.

No streamlit and no plotly here; the page draws the arrays with
:func:`lib.figures.heatmap_grid`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from lib.conv import Axis, ConvError, ConvResult, analyze
from lib.state import Control, parse_query
from lib.text import fmt_shape

# ---------------------------------------------------------------------------
# Padding, read from lib.conv's axes
# ---------------------------------------------------------------------------


def pad_or_crop(a: np.ndarray, edges: Sequence[tuple[int, int]]) -> np.ndarray:
    """Add zeros (positive) or cut cells (negative) at both ends of the first axes.

    ``edges[i] = (before, after)`` for axis ``i``; axes not listed are kept as they are.
    """
    out = a
    for axis, (before, after) in enumerate(edges):
        if before < 0 or after < 0:
            n = out.shape[axis]
            index = [slice(None)] * out.ndim
            index[axis] = slice(max(-before, 0), n - max(-after, 0))
            out = out[tuple(index)]
        widths = [(0, 0)] * out.ndim
        widths[axis] = (max(before, 0), max(after, 0))
        out = np.pad(out, widths)
    return out


def _pad(x: np.ndarray, axes: Sequence[Axis]) -> np.ndarray:
    """The input with the zeros lib.conv says this stage adds (before/after per axis)."""
    return pad_or_crop(x, [(a.before, a.after) for a in axes])


def _conv_result(x: np.ndarray, kernel: np.ndarray, stride, padding, dilation, groups: int,
                 bias: bool) -> ConvResult:
    H, W, c = x.shape
    kh, kw, _, k = kernel.shape
    if kernel.shape[2] * groups != c:
        raise ConvError(f"kernel {kernel.shape} with groups={groups} expects "
                        f"{kernel.shape[2] * groups} input channels, the input has {c}")
    kind = "standard" if groups == 1 else "grouped"
    return analyze(kind, k=k, w=(kh, kw), c=c, H=H, W=W, stride=stride, padding=padding,
                   dilation=dilation, groups=groups, bias=bias)


def _bias(b: np.ndarray | None, k: int) -> np.ndarray:
    return np.zeros(k) if b is None else np.asarray(b, dtype=float).reshape(k)


# ---------------------------------------------------------------------------
# The layers
# ---------------------------------------------------------------------------


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, stride=1,
           padding="valid", dilation=1, groups: int = 1) -> np.ndarray:
    """A Conv2D the slow, obvious way: slide the window, multiply, add.

    out[i, j, o] = b[o] + sum_{u, v, ci in o's group} xp[i·s_h + u·d_h, j·s_w + v·d_w, ci]
                                                        · kernel[u, v, ci, o]

    where ``xp`` is the padded input. Filter ``o`` belongs to group ``o // (k / groups)``
    and only sees that group's ``c / groups`` input channels. ``padding`` is anything
    ``lib.conv.analyze`` takes ('valid', 'same', an int or an (h, w) pair).
    """
    x = np.asarray(x, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    r = _conv_result(x, kernel, stride, padding, dilation, groups, bias is not None)
    return _slide(x, kernel, bias, r.stages[0].axes, groups)


def _slide(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None,
           axes: Sequence[Axis], groups: int) -> np.ndarray:
    """The sliding window itself, on the geometry (padding, stride, dilation) of ``axes``."""
    ah, aw = axes
    xp = _pad(x, (ah, aw))
    kh, kw, cg, k = kernel.shape
    kg = k // groups
    out = np.zeros((ah.size_out, aw.size_out, k))
    for i in range(ah.size_out):
        top = i * ah.stride
        for j in range(aw.size_out):
            left = j * aw.stride
            window = xp[top:top + ah.extent:ah.dilation, left:left + aw.extent:aw.dilation]
            for g in range(groups):
                seen = window[:, :, g * cg:(g + 1) * cg]        # (kh, kw, c/groups)
                filters = kernel[:, :, :, g * kg:(g + 1) * kg]  # (kh, kw, c/groups, k/groups)
                out[i, j, g * kg:(g + 1) * kg] = np.tensordot(seen, filters, axes=3)
    return out + _bias(bias, k)


def depthwise_kernel_as_grouped(kernel: np.ndarray) -> np.ndarray:
    """Depthwise ``(kh, kw, c, m)`` -> grouped-conv ``(kh, kw, 1, c·m)``.

    A depthwise conv is a grouped conv with groups = c: output channel ``ci·m + j`` is
    filter ``j`` of input channel ``ci``.
    """
    kh, kw, c, m = kernel.shape
    return np.asarray(kernel, dtype=float).reshape(kh, kw, 1, c * m)


def depthwise2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None, stride=1,
                padding="valid", dilation=1) -> np.ndarray:
    """DepthwiseConv2D: each input channel gets its own m filters; channels never mix.

    out[i, j, ci·m + t] = b[ci·m + t] + sum_{u, v} xp[i·s + u·d, j·s + v·d, ci] · kernel[u, v, ci, t]
    (a grouped conv with groups = c).
    """
    x = np.asarray(x, dtype=float)
    H, W, c = x.shape
    kh, kw, kc, m = np.shape(kernel)
    if kc != c:
        raise ConvError(f"depthwise kernel {np.shape(kernel)} expects {kc} input channels, "
                        f"the input has {c}")
    # DepthwiseConv2D's own rules (Keras accepts stride > 1 with dilation > 1 here)
    r = analyze("depthwise", k=1, w=(kh, kw), c=c, H=H, W=W, stride=stride, padding=padding,
                dilation=dilation, depth_multiplier=m, bias=bias is not None)
    return _slide(x, depthwise_kernel_as_grouped(kernel), bias, r.stages[0].axes, groups=c)


def pointwise2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None
                ) -> np.ndarray:
    """A 1×1 conv: at every pixel, ``out = x @ kernel + b`` with kernel ``(c, k)``.

    It mixes channels and sees no neighbours.
    """
    kernel = np.asarray(kernel, dtype=float)
    kernel = kernel.reshape(kernel.shape[-2], kernel.shape[-1])
    return np.einsum("hwc,ck->hwk", np.asarray(x, dtype=float), kernel) + _bias(
        bias, kernel.shape[1])


def _transposed_result(x: np.ndarray, kernel: np.ndarray, stride, padding, dilation,
                       groups: int, output_padding, bias: bool) -> ConvResult:
    H, W, c = x.shape
    kh, kw, cin, kg = kernel.shape
    if cin != c:
        raise ConvError(f"transposed kernel {kernel.shape} expects {cin} input channels, "
                        f"the input has {c}")
    return analyze("transposed", k=kg * groups, w=(kh, kw), c=c, H=H, W=W, stride=stride,
                   padding=padding, dilation=dilation, groups=groups, bias=bias,
                   output_padding=output_padding)


def transposed2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None,
                 stride=1, padding=0, dilation=1, groups: int = 1,
                 output_padding=0) -> np.ndarray:
    """A transposed conv in its scatter form: every input cell stamps a kernel.

    full[i·s_h + u·d_h, j·s_w + v·d_w, o] += x[i, j, ci] · kernel[u, v, ci, o]  (o in ci's group)

    ``full`` has ``(n - 1)·s + d·(w - 1) + 1`` rows; lib.conv's axis says how many rows to
    crop at the start (``before``) and at the end (``after``; negative = add zeros, which
    is what ``output_padding`` does). An int padding is PyTorch's ``ConvTranspose2d``,
    'valid'/'same' is Keras's ``Conv2DTranspose``.
    """
    x = np.asarray(x, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    r = _transposed_result(x, kernel, stride, padding, dilation, groups, output_padding,
                           bias is not None)
    ah, aw = r.stages[0].axes
    H, W, c = x.shape
    kh, kw, _, kg = kernel.shape
    cg = c // groups
    full = np.zeros(((H - 1) * ah.stride + ah.extent, (W - 1) * aw.stride + aw.extent,
                     kg * groups))
    for i in range(H):
        for j in range(W):
            top, left = i * ah.stride, j * aw.stride
            rows = slice(top, top + ah.extent, ah.dilation)
            cols = slice(left, left + aw.extent, aw.dilation)
            for ci in range(c):
                g = ci // cg
                full[rows, cols, g * kg:(g + 1) * kg] += x[i, j, ci] * kernel[:, :, ci, :]
    out = pad_or_crop(full, [(-ah.before, -ah.after), (-aw.before, -aw.after)])
    return out + _bias(bias, kg * groups)


def zero_insert(x: np.ndarray, stride) -> np.ndarray:
    """Put ``stride - 1`` zeros between neighbouring cells: (H, W) -> ((H-1)s+1, (W-1)s+1)."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    H, W, c = x.shape
    out = np.zeros(((H - 1) * sh + 1, (W - 1) * sw + 1, c))
    out[::sh, ::sw] = x
    return out


def flipped_conv_kernel(kernel: np.ndarray, groups: int = 1) -> np.ndarray:
    """Transposed kernel ``(kh, kw, c, k/g)`` -> the conv kernel ``(kh, kw, c/g, k)``.

    Rotate every kernel by 180° and swap the roles of input and output channels, group by
    group: conv filter ``o`` of group ``g`` reads input channel ``ci`` of that group with
    ``kernel[::-1, ::-1, ci, o]``.
    """
    kernel = np.asarray(kernel, dtype=float)
    c = kernel.shape[2]
    cg = c // groups
    flipped = kernel[::-1, ::-1]
    return np.concatenate([flipped[:, :, g * cg:(g + 1) * cg, :] for g in range(groups)],
                          axis=3)


@dataclass(frozen=True, eq=False)
class TransposedAsConv:
    """The pieces of "a transposed conv is a normal conv", kept so the page can show them."""

    zero_inserted: np.ndarray  # the input with stride - 1 zeros between cells
    padded: np.ndarray         # ... and d·(w-1) - crop zeros around it
    kernel: np.ndarray         # the flipped conv kernel (kh, kw, c/g, k)
    output: np.ndarray
    pads: tuple[tuple[int, int], ...]  # (before, after) zeros per axis (negative = cut)


def transposed_as_conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None,
                       stride=1, padding=0, dilation=1, groups: int = 1,
                       output_padding=0) -> TransposedAsConv:
    """The same transposed conv as an ordinary stride-1 conv (the gather form).

    Insert s - 1 zeros between input cells, pad each axis with d·(w - 1) - before zeros at
    the start and d·(w - 1) - after at the end (before/after are lib.conv's crops), then
    run :func:`conv2d` with the flipped kernel, stride 1, the same dilation and groups.
    """
    x = np.asarray(x, dtype=float)
    r = _transposed_result(x, np.asarray(kernel), stride, padding, dilation, groups,
                           output_padding, bias is not None)
    ah, aw = r.stages[0].axes
    z = zero_insert(x, (ah.stride, aw.stride))
    pads = tuple((a.extent - 1 - a.before, a.extent - 1 - a.after) for a in (ah, aw))
    padded = pad_or_crop(z, pads)
    conv_kernel = flipped_conv_kernel(kernel, groups)
    out = conv2d(padded, conv_kernel, bias, stride=1, padding="valid",
                 dilation=(ah.dilation, aw.dilation), groups=groups)
    return TransposedAsConv(z, padded, conv_kernel, out, pads)


def patches(x: np.ndarray, r: ConvResult) -> np.ndarray:
    """Every window the conv of ``r`` looks at: ``(H_out, W_out, kh, kw, c)``."""
    ah, aw = r.stages[0].axes
    xp = _pad(np.asarray(x, dtype=float), (ah, aw))
    rows = (np.arange(ah.size_out) * ah.stride)[:, None] + np.arange(ah.kernel) * ah.dilation
    cols = (np.arange(aw.size_out) * aw.stride)[:, None] + np.arange(aw.kernel) * aw.dilation
    return xp[rows[:, None, :, None], cols[None, :, None, :]]


@dataclass(frozen=True, eq=False)
class Im2col:
    """A conv as one matrix product: ``patch_matrix @ weight_matrix + bias``."""

    patch_matrix: np.ndarray   # (H_out·W_out, kh·kw·c): one row per output position
    weight_matrix: np.ndarray  # (kh·kw·c, k): one column per filter
    output: np.ndarray         # (H_out, W_out, k)


def im2col_conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None = None,
                  stride=1, padding="valid", dilation=1) -> Im2col:
    """Conv2D (groups = 1) as a matrix product, the way GPU libraries often compute it.

    Row ``i·W_out + j`` of the patch matrix is the window under output (i, j), flattened in
    (u, v, c) order; column ``o`` of the weight matrix is filter ``o`` flattened the same
    way, so out[i, j, o] = row · column + b[o].
    """
    kernel = np.asarray(kernel, dtype=float)
    r = _conv_result(np.asarray(x), kernel, stride, padding, dilation, 1, bias is not None)
    kh, kw, c, k = kernel.shape
    h_out, w_out, _ = r.output_shape
    p = patches(x, r).reshape(h_out * w_out, kh * kw * c)
    wm = kernel.reshape(kh * kw * c, k)
    return Im2col(p, wm, (p @ wm + _bias(bias, k)).reshape(h_out, w_out, k))


def separable_fused(x: np.ndarray, depthwise_kernel: np.ndarray, pointwise_kernel: np.ndarray,
                    bias: np.ndarray | None = None, stride=1, padding="valid",
                    dilation=1) -> np.ndarray:
    """Keras ``SeparableConv2D`` as ONE layer: a single einsum over the input windows.

    out[i, j, o] = b[o] + sum_{u, v, ci, t} window[i, j, u, v, ci] · dw[u, v, ci, t]
                                             · pw[ci·m + t, o]

    (one bias, of size k, as Keras has it).
    """
    dw = np.asarray(depthwise_kernel, dtype=float)
    kh, kw, c, m = dw.shape
    pw = np.asarray(pointwise_kernel, dtype=float)
    pw = pw.reshape(pw.shape[-2], pw.shape[-1])
    k = pw.shape[1]
    r = analyze("separable_keras", k=k, w=(kh, kw), c=c, H=x.shape[0], W=x.shape[1],
                stride=stride, padding=padding, dilation=dilation, depth_multiplier=m,
                bias=bias is not None)
    win = patches(x, r)  # the depthwise stage's windows
    return np.einsum("ijuvc,uvct,ctk->ijk", win, dw, pw.reshape(c, m, k)) + _bias(bias, k)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| over all cells (the shapes must match)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


# ---------------------------------------------------------------------------
# The four proofs
# ---------------------------------------------------------------------------

#: The proofs, in the order the page offers them.
PROOFS: dict[str, str] = {
    "separable": "Separable = depthwise then pointwise",
    "shared": "Shared across channels = sum the channels, then convolve",
    "transposed": "Transposed conv = conv over the zero-inserted input",
    "im2col": "A conv is one matrix product (im2col)",
}


@dataclass(frozen=True, eq=False)
class Tensor:
    """A named array the page shows (heatmap per channel, or a table for a matrix)."""

    name: str
    caption: str
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class Proof:
    """Two ways to compute one layer, the numbers they give, and how far apart they are."""

    key: str
    title: str
    claim: str
    steps: tuple[str, ...]
    inputs: tuple[Tensor, ...]
    left: Tensor
    right: Tensor
    extras: tuple[Tensor, ...]
    result: ConvResult          # lib.conv's analysis of the layer being proved
    max_diff: float
    notes: tuple[str, ...] = field(default=())

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(self.left.values.shape)


@dataclass(frozen=True)
class ProofConfig:
    """The page's knobs. ``padding`` is 'valid', 'same' or an int (explicit, PyTorch)."""

    proof: str = "separable"
    seed: int = 0
    H: int = 5
    W: int = 5
    c: int = 3
    k: int = 2
    w: int = 3
    stride: int = 1
    padding: str | int = "valid"
    dilation: int = 1
    depth_multiplier: int = 1
    groups: int = 1
    output_padding: int = 0
    bias: bool = True


def random_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small numbers with one decimal (-1.0 … 1.0): easy to read, still not special."""
    return np.round(rng.uniform(-1, 1, size=shape), 1)


def _rng(cfg: ProofConfig) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, list(PROOFS).index(cfg.proof)])


def prove(cfg: ProofConfig) -> Proof:
    """Build the proof ``cfg.proof`` on a seeded random input. Raises ConvError if the
    layer can't be built (the message names the value)."""
    if cfg.proof not in PROOFS:
        raise ConvError(f"proof={cfg.proof!r} is not one of: {', '.join(PROOFS)}")
    return {"separable": _prove_separable, "shared": _prove_shared,
            "transposed": _prove_transposed, "im2col": _prove_im2col}[cfg.proof](cfg)


#: What each proof shows, in one sentence.
_CLAIMS: dict[str, str] = {
    "separable": "Keras's SeparableConv2D computed as one layer gives the same numbers as a "
                 "depthwise conv followed by a 1×1 pointwise conv.",
    "shared": "Summing the input channels and convolving the sum with one kernel per filter "
              "gives the same numbers as a standard conv whose kernel is identical on every "
              "channel.",
    "transposed": "Scattering a kernel from every input cell gives the same numbers as a "
                  "normal stride-1 conv over the input with zeros inserted between cells, "
                  "padded, using the kernel rotated by 180°.",
    "im2col": "Sliding the window gives the same numbers as one matrix product: every window "
              "as a row, every filter as a column.",
}


def _proof(cfg: ProofConfig, r: ConvResult, steps: tuple[str, ...], inputs: tuple[Tensor, ...],
           left: Tensor, right: Tensor, extras: tuple[Tensor, ...],
           notes: tuple[str, ...] = ()) -> Proof:
    """The proof with its title and claim, and how far its two ways are apart."""
    return Proof(cfg.proof, PROOFS[cfg.proof], _CLAIMS[cfg.proof], steps, inputs, left, right,
                 extras, r, max_abs_diff(left.values, right.values), notes)


def _geometry(cfg: ProofConfig) -> dict[str, object]:
    return dict(stride=cfg.stride, padding=cfg.padding, dilation=cfg.dilation)


def _draw(cfg: ProofConfig, *kernel_shapes: tuple[int, ...]
          ) -> tuple[np.ndarray, list[np.ndarray], np.ndarray | None]:
    """The input, the kernels and the bias (None without bias), drawn in that order from
    the proof's seed."""
    rng = _rng(cfg)
    x = random_values(rng, (cfg.H, cfg.W, cfg.c))
    kernels = [random_values(rng, shape) for shape in kernel_shapes]
    return x, kernels, random_values(rng, (cfg.k,)) if cfg.bias else None


def _given(cfg: ProofConfig, x: np.ndarray, kernels: Sequence[Tensor], b: np.ndarray | None,
           bias_caption: str = "") -> tuple[Tensor, ...]:
    """What the proof starts from, as the page lists it: the input, the kernels, the bias."""
    inputs = [Tensor("input x", fmt_shape(x.shape), x), *kernels]
    if b is not None:
        inputs.append(Tensor("bias", bias_caption or f"{cfg.k} numbers", b))
    return tuple(inputs)


def _prove_separable(cfg: ProofConfig) -> Proof:
    r = analyze("separable_keras", k=cfg.k, w=cfg.w, c=cfg.c, H=cfg.H, W=cfg.W,
                depth_multiplier=cfg.depth_multiplier, bias=cfg.bias, **_geometry(cfg))
    m = cfg.depth_multiplier
    x, (dw, pw), b = _draw(cfg, (cfg.w, cfg.w, cfg.c, m), (cfg.c * m, cfg.k))
    mid = depthwise2d(x, dw, None, **_geometry(cfg))
    two_step = pointwise2d(mid, pw, b)
    fused = separable_fused(x, dw, pw, b, **_geometry(cfg))
    inputs = _given(cfg, x, [
        Tensor("depthwise kernel", f"{cfg.w}×{cfg.w}, {m} per input channel "
               "(no bias: Keras has one bias, after the pointwise step)", dw),
        Tensor("pointwise kernel", f"{cfg.c * m} × {cfg.k}: one column per filter", pw)],
        b, f"{cfg.k} numbers, one per output channel")
    return _proof(
        cfg, r,
        ("Left: one einsum over every input window with both kernels at once "
         "(window · depthwise · pointwise, then + bias).",
         "Right: step 1, a depthwise conv (each channel on its own); step 2, a 1×1 conv "
         "that mixes the channels at each pixel, + bias."),
        inputs,
        Tensor("one fused layer", "separable conv as a single einsum", fused),
        Tensor("depthwise → pointwise", "two steps", two_step),
        (Tensor("after the depthwise step", f"{fmt_shape(mid.shape)}: "
                "the channels have not been mixed yet", mid),))


def _prove_shared(cfg: ProofConfig) -> Proof:
    r = analyze("shared_channels", k=cfg.k, w=cfg.w, c=cfg.c, H=cfg.H, W=cfg.W,
                bias=cfg.bias, **_geometry(cfg))
    x, (kernel,), b = _draw(cfg, (cfg.w, cfg.w, 1, cfg.k))
    summed = x.sum(axis=2, keepdims=True)
    left = conv2d(summed, kernel, b, **_geometry(cfg))
    tiled = np.repeat(kernel, cfg.c, axis=2)  # the same kh×kw kernel for every channel
    right = conv2d(x, tiled, b, **_geometry(cfg))
    inputs = _given(cfg, x, [Tensor("kernel", f"{cfg.k} filters of {cfg.w}×{cfg.w}×1", kernel)],
                    b)
    return _proof(
        cfg, r,
        ("Left: add the channels into one (H×W×1), then a conv with k filters of kh×kw×1.",
         f"Right: a standard conv with k filters of kh×kw×{cfg.c}, each filter's kernel "
         "copied onto every input channel."),
        inputs,
        Tensor("sum, then conv", "shared_channels", left),
        Tensor("standard conv, same kernel per channel", "standard", right),
        (Tensor("channels summed", fmt_shape(summed.shape), summed),),
        (f"This is why the kind has only k·(kh·kw + b) = {r.params} parameters: "
         "the layer cannot tell the channels apart.",))


def _prove_transposed(cfg: ProofConfig) -> Proof:
    g = cfg.groups
    r = analyze("transposed", k=cfg.k, w=cfg.w, c=cfg.c, H=cfg.H, W=cfg.W, groups=g,
                output_padding=cfg.output_padding, bias=cfg.bias, **_geometry(cfg))
    x, (kernel,), b = _draw(cfg, (cfg.w, cfg.w, cfg.c, cfg.k // g))
    kw = dict(groups=g, output_padding=cfg.output_padding, **_geometry(cfg))
    scatter = transposed2d(x, kernel, b, **kw)
    gather = transposed_as_conv(x, kernel, b, **kw)
    (pt, pb), (pl, pr) = gather.pads
    inputs = _given(cfg, x, [Tensor("kernel", f"{cfg.w}×{cfg.w}: each input channel "
                                    f"scatters {cfg.k // g} kernel(s)", kernel)], b)
    return _proof(
        cfg, r,
        ("Left (scatter): every input cell multiplies the kernel and adds it into the output "
         f"at stride {cfg.stride}; then crop as the padding says.",
         f"Right (gather): insert {cfg.stride - 1} zero(s) between cells, pad "
         f"top {pt}, bottom {pb}, left {pl}, right {pr} (negative = cut), then a stride-1 "
         "conv with the flipped kernel."),
        inputs,
        Tensor("scatter", "transposed conv", scatter),
        Tensor("conv over the zero-inserted input", "gather", gather.output),
        (Tensor("zero-inserted input", "stride − 1 zeros between cells", gather.zero_inserted),
         Tensor("padded", "what the ordinary conv slides over", gather.padded),
         Tensor("flipped kernel", "rotated 180°, input/output channels swapped",
                gather.kernel)))


def _prove_im2col(cfg: ProofConfig) -> Proof:
    r = analyze("standard", k=cfg.k, w=cfg.w, c=cfg.c, H=cfg.H, W=cfg.W, bias=cfg.bias,
                **_geometry(cfg))
    x, (kernel,), b = _draw(cfg, (cfg.w, cfg.w, cfg.c, cfg.k))
    slide = conv2d(x, kernel, b, **_geometry(cfg))
    mat = im2col_conv2d(x, kernel, b, **_geometry(cfg))
    n_rows, n_cols = mat.patch_matrix.shape
    inputs = _given(cfg, x, [Tensor("kernel", f"{cfg.k} filters of {cfg.w}×{cfg.w}×{cfg.c}",
                                    kernel)], b)
    matrices = (Tensor("patch matrix", f"{n_rows} × {n_cols}: one row per output position",
                       mat.patch_matrix),
                Tensor("weight matrix", f"{n_cols} × {cfg.k}: one column per filter",
                       mat.weight_matrix))
    steps = ("Left: slide each filter over the (padded) input, multiply and add.",
             f"Right: the patch matrix ({n_rows} × {n_cols} = H_out·W_out × kh·kw·c) times "
             f"the weight matrix ({n_cols} × {cfg.k} = kh·kw·c × k), + bias, reshaped to "
             "H_out × W_out × k.")
    return _proof(cfg, r, steps, inputs, Tensor("sliding window", "conv2d", slide),
                  Tensor("patch matrix @ weight matrix", "im2col", mat.output), matrices)


# ---------------------------------------------------------------------------
# What the page shows as tables (pure functions, no streamlit)
# ---------------------------------------------------------------------------

def matrix_rows(values: np.ndarray, row_names: Sequence[str] | None = None,
                col_names: Sequence[str] | None = None, decimals: int = 2
                ) -> list[dict[str, float]]:
    """A 1-D or 2-D array as table rows ``[{"": row name, col: value, ...}, ...]``."""
    a = np.atleast_2d(np.asarray(values, dtype=float))
    rows = row_names or [str(i) for i in range(a.shape[0])]
    cols = col_names or [str(j) for j in range(a.shape[1])]
    return [{"": rows[i], **{cols[j]: round(float(a[i, j]), decimals)
                             for j in range(a.shape[1])}} for i in range(a.shape[0])]


def im2col_names(kh: int, kw: int, c: int, h_out: int, w_out: int
                 ) -> tuple[list[str], list[str]]:
    """Row names ``out(i,j)`` and column names ``x[u,v,c]`` of the im2col matrices."""
    rows = [f"out({i},{j})" for i in range(h_out) for j in range(w_out)]
    cols = [f"x[{u},{v},{ci}]" for u in range(kh) for v in range(kw) for ci in range(c)]
    return rows, cols


# ---------------------------------------------------------------------------
# The page's URL-bound controls
# ---------------------------------------------------------------------------

PADDINGS = ("valid", "same", "explicit")

#: Prefixed with ``p`` so they never collide with the explorer's keys in one session.
PROVE_IT_CONTROLS: tuple[Control, ...] = (
    Control("proof", "What to prove", "separable", choices=tuple(PROOFS), always_in_url=True,
            labels=tuple(PROOFS.values())),
    Control("pseed", "random seed", 0, 0, 999_999, always_in_url=True),
    Control("pH", "H — input height", 5, 1, 8),
    Control("pW", "W — input width", 5, 1, 8),
    Control("pc", "c — input channels", 3, 1, 4),
    Control("pk", "k — filters (output channels)", 2, 1, 4),
    Control("pw", "w — kernel size", 3, 1, 4),
    Control("ps", "stride", 1, 1, 3),
    Control("ppad", "padding", "valid", choices=PADDINGS),
    Control("pp", "explicit padding (each side)", 1, 0, 3),
    Control("pd", "dilation", 1, 1, 3),
    Control("pm", "depth multiplier", 1, 1, 3),
    Control("pg", "groups (transposed)", 1, 1, 4),
    Control("pop", "output padding (transposed)", 0, 0, 2),
    Control("pbias", "bias", True, is_bool=True),
)


def parse_prove_query(query: Mapping[str, object],
                      controls: Sequence[Control] = PROVE_IT_CONTROLS
                      ) -> tuple[dict[str, object], list[str]]:
    """Raw query parameters -> valid control values and warnings naming each bad value."""
    return parse_query(query, controls)


def config_from_values(values: Mapping[str, object]) -> ProofConfig:
    """Control values -> a :class:`ProofConfig` (explicit padding uses ``pp``)."""
    pad = values.get("ppad", "valid")
    return ProofConfig(
        proof=str(values.get("proof", "separable")), seed=int(values.get("pseed", 0)),
        H=int(values.get("pH", 5)), W=int(values.get("pW", 5)), c=int(values.get("pc", 3)),
        k=int(values.get("pk", 2)), w=int(values.get("pw", 3)),
        stride=int(values.get("ps", 1)),
        padding=int(values.get("pp", 0)) if pad == "explicit" else str(pad),
        dilation=int(values.get("pd", 1)), depth_multiplier=int(values.get("pm", 1)),
        groups=int(values.get("pg", 1)), output_padding=int(values.get("pop", 0)),
        bias=bool(values.get("pbias", True)))


#: Which controls each proof uses (the page disables the others).
USES: dict[str, frozenset[str]] = {
    "separable": frozenset({"pH", "pW", "pc", "pk", "pw", "ps", "ppad", "pp", "pd", "pm",
                            "pbias"}),
    "shared": frozenset({"pH", "pW", "pc", "pk", "pw", "ps", "ppad", "pp", "pd", "pbias"}),
    "transposed": frozenset({"pH", "pW", "pc", "pk", "pw", "ps", "ppad", "pp", "pd", "pg",
                             "pop", "pbias"}),
    "im2col": frozenset({"pH", "pW", "pc", "pk", "pw", "ps", "ppad", "pp", "pd", "pbias"}),
}
