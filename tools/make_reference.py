"""Build REAL PyTorch and Keras conv layers and record what the frameworks say.

Dev-only. Writes ``tests/data/framework_reference.json`` (2D) and
``tests/data/framework_reference_nd.json`` (1D and 3D): for several hundred
convolution configurations (the argument model of ``lib.conv.analyze``) it
records, per framework, the trainable parameter count, the channels-last
output shape, the MACs counted by ``torch.utils.flop_counter.FlopCounterMode``
and the trainable weight shapes -- or the exception the framework raised.

torch and keras are imported ONLY here; the app and its tests never need them.

One-time setup (from the repo root; ``.venv-ref`` is gitignored)::

    python3 -m venv .venv-ref && .venv-ref/bin/pip install torch==2.13.0 keras numpy

Run (from the repo root; deterministic, a few minutes each on 2 cores)::

    .venv-ref/bin/python tools/make_reference.py              # 2D: framework_reference.json
    .venv-ref/bin/python tools/make_reference.py --rank nd    # 1D+3D: framework_reference_nd.json
    .venv-ref/bin/python tools/make_reference.py --rank all   # both

The builders are rank-generic (like PyTorch's _ConvNd: nn.Conv{1,2,3}d, keras Conv{1,2,3}D,
per-axis arguments as rank-tuples); the 1D/3D file also covers padding='causal' (1D).

Options: ``--rank {2,nd,all}`` (default 2), ``--out PATH`` (default the file of the rank),
``--quiet`` (no summary).
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # must be set before keras is imported

import argparse
import datetime
import json
import math
import random
import re
import sys
import time
import warnings
from collections import Counter, OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

import keras  # noqa: E402  (after KERAS_BACKEND)

SEED = 20240611
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "data" / "framework_reference.json"
DEFAULT_OUT_ND = REPO / "tests" / "data" / "framework_reference_nd.json"
#: random (intended-valid) and invalid cases per kind, per rank, in the 1D+3D file
N_RANDOM_ND = {1: 19, 3: 17}
N_INVALID_ND = {1: 5, 3: 4}

KINDS = [
    "standard",
    "pointwise",
    "grouped",
    "depthwise",
    "separable_keras",
    "separable_pytorch",
    "shared_channels",
    "transposed",
    "spatially_separable",
]

DEFAULTS = OrderedDict(
    stride=1,
    padding="valid",
    dilation=1,
    groups=1,
    bias=True,
    depth_multiplier=1,
    output_padding=0,
)
ARG_KEYS = ["k", "w", "c", "H", "W"] + list(DEFAULTS)
ARG_KEYS_ND = ["k", "w", "c", "D", "H", "W"] + list(DEFAULTS)
AXES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}

# Which of the optional args apply to each kind (others are recorded at default).
APPLIES = {
    "standard": {"stride", "padding", "dilation", "bias"},
    "pointwise": {"stride", "padding", "bias"},
    "grouped": {"stride", "padding", "dilation", "groups", "bias"},
    "depthwise": {"stride", "padding", "dilation", "bias", "depth_multiplier"},
    "separable_keras": {"stride", "padding", "dilation", "bias", "depth_multiplier"},
    "separable_pytorch": {"stride", "padding", "dilation", "bias", "depth_multiplier"},
    "shared_channels": {"stride", "padding", "dilation", "bias"},
    "transposed": {"stride", "padding", "dilation", "groups", "bias", "output_padding"},
    "spatially_separable": {"stride", "padding", "dilation", "bias"},
}

RULES = """\
Per case: args = lib.conv.analyze(kind, k, w, c, H, W, stride, padding, dilation, groups, bias,
depth_multiplier, output_padding); k = filters, w = kernel (int or [kh,kw]), c = input channels.
Ignored args are recorded at their defaults (pointwise: w=1 in generated cases; depthwise: k=c*dm in
generated cases; seed cases keep k=10,w=4 literally). Batch 1; torch input (1,c,H,W), keras (1,H,W,c).
Recorded per framework: params = trainable params; output_shape = [H_out, W_out, C_out] (channels-last);
macs = FlopCounterMode(display=False).get_total_flops() // 2 over one forward pass (bias adds not
counted; transposed conv counted as H_in*W_in*kh*kw*c_in*c_out/groups); weights = [name, shape] of every
trainable weight in order (torch: "<i>.weight" [out,in/groups,kh,kw] / ConvTranspose [in,out/groups,kh,kw];
keras: "<i>.kernel" (kh,kw,in,out), depthwise_kernel (kh,kw,in,dm), pointwise_kernel (1,1,in*dm,out), bias;
<i> = index of the weighted layer) -- or ok=false with error "<Type>: <first 300 chars>".
Builds: standard nn.Conv2d / Conv2D; pointwise 1x1 (w, dilation ignored); grouped groups=g;
depthwise nn.Conv2d(c,c*dm,groups=c) / DepthwiseConv2D (k, groups ignored); separable_keras keras-only
SeparableConv2D; separable_pytorch torch-only depthwise(c->c*dm, groups=c) + 1x1 (c*dm->k), both with bias;
shared_channels: sum input channels to 1 then conv(1->k); transposed: int/pair padding -> torch-only
nn.ConvTranspose2d(c,k,w,stride,padding,output_padding,groups,bias,dilation), 'valid'/'same' -> keras-only
Conv2DTranspose(output_padding=None if all zero else value), groups=1 only; spatially_separable: conv
(kh,1) stride (sh,1) dilation (dh,1) padding (ph,0) c->k then conv (1,kw) stride (1,sw) dilation (1,dw)
padding (0,pw) k->k, both with bias (string padding passed to both stages). String padding is passed to
torch as the string (torch rejects 'same' with stride>1). Keras has no int padding: ZeroPadding2D
((ph,ph),(pw,pw)) precedes the layer with padding='valid' (spatially_separable: pad H before stage 1,
W before stage 2). Keras runs on the torch backend, so the same FlopCounterMode counts its convs."""

RULES_ND = """\
1D and 3D (framework_reference_nd.json): the same rules per spatial axis, with nn.Conv1d/Conv3d,
nn.ConvTranspose1d/3d and Keras Conv1D/Conv3D, DepthwiseConv1D, SeparableConv1D, Conv1DTranspose/
Conv3DTranspose, ZeroPadding1D((p,p)) / ZeroPadding3D(((pd,pd),(ph,ph),(pw,pw))). args carry every key:
1D has D=null, H=null, W = sequence length; 3D has D, H, W; per-axis values are an int or a list in
(D, H, W) order. Inputs: torch (1,c,W) / (1,c,D,H,W), keras (1,W,c) / (1,D,H,W,c); output_shape
[W_out, C] / [D_out, H_out, W_out, C]; weight shapes in each framework's own layout with 1 or 3 kernel
dims. padding='causal' (1D): Keras gets padding='causal' on its layer (whichever layer it is);
PyTorch gets F.pad(x, (d*(kw-1), 0)) then the conv with padding=0 (pointwise: no pad), after the
channel sum for shared_channels and before the depthwise stage for separable_pytorch. 3D depthwise
asks keras.layers for DepthwiseConv3D (it has none: the AttributeError is recorded as Keras's
error). spatially_separable 3D: three stages (kd,1,1) c->k, (1,kh,1) k->k, (1,1,kw) k->k, each with
its own axis's stride/dilation/padding (Keras: ZeroPadding3D on that axis before each stage).
Transposed with string padding and an output_padding list: passed to Keras as that tuple (zeros
included; only an all-zero output_padding becomes None). Not generated: 1D spatially_separable and
3D separable_keras (no real layer; lib.conv raises)."""


# --------------------------------------------------------------------------- helpers


def pair(v):
    if isinstance(v, (list, tuple)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def tup(v, rank):
    """An int or a per-axis list as a tuple of ``rank`` ints (like torch's _ntuple)."""
    if isinstance(v, (list, tuple)):
        assert len(v) == rank, (v, rank)
        return tuple(int(x) for x in v)
    return (int(v),) * rank


def only(values, i, other):
    """values along axis i, ``other`` along every other axis (one spatially separable stage)."""
    return tuple(v if j == i else other for j, v in enumerate(values))


def rank_of(a) -> int:
    if a.get("D") is not None:
        return 3
    return 2 if a["H"] is not None else 1


def sizes_of(a) -> tuple:
    """Input sizes along the spatial axes, in (D, H, W) order."""
    return tuple(a[n] for n in AXES[rank_of(a)])


_SET_REPR = re.compile(r"\{'[^'{}]*'(?:, '[^'{}]*')+\}")


def err(e: BaseException) -> dict:
    # a set printed in a message ({'same', 'valid'}) is sorted: no PYTHONHASHSEED dependence
    msg = _SET_REPR.sub(lambda m: "{" + ", ".join(sorted(m.group(0)[1:-1].split(", "))) + "}",
                        str(e))
    return {"ok": False, "error": f"{type(e).__name__}: {msg[:300]}"}


def make_args(kind, k, w, c, H, W, **opt) -> OrderedDict:
    """Case args; 2D without a "D" key (the 2D file's schema), 1D/3D with ``D=`` given."""
    a = OrderedDict(k=k, w=w, c=c)
    if "D" in opt:
        a["D"] = opt.pop("D")
    a["H"], a["W"] = H, W
    for key, default in DEFAULTS.items():
        a[key] = opt.get(key, default) if key in APPLIES[kind] else default
    return a


def frameworks_for(kind, a) -> list[str]:
    if kind == "separable_keras":
        return ["keras"]
    if kind == "separable_pytorch":
        return ["pytorch"]
    if kind == "transposed":
        return ["keras"] if isinstance(a["padding"], str) else ["pytorch"]
    return ["pytorch", "keras"]


# --------------------------------------------------------------------------- PyTorch


def build_torch(kind, a):
    """Return (ModuleList of weighted layers, forward(x) -> y), for any spatial rank.

    Like torch's _ConvNd: nn.Conv{1,2,3}d / nn.ConvTranspose{1,2,3}d chosen by rank, every
    per-axis argument a rank-tuple. padding='causal' (1D) is F.pad(x, (d*(k-1), 0)) in front
    of the conv with padding=0.
    """
    rank = rank_of(a)
    Conv = getattr(nn, f"Conv{rank}d")
    ConvT = getattr(nn, f"ConvTranspose{rank}d")
    k, c = a["k"], a["c"]
    ks = tup(a["w"], rank)
    s = tup(a["stride"], rank)
    d = tup(a["dilation"], rank)
    pad = a["padding"]
    causal = pad == "causal"
    p = 0 if causal else pad if isinstance(pad, str) else tup(pad, rank)
    b = bool(a["bias"])
    g = a["groups"]
    dm = a["depth_multiplier"]
    pre = []
    if kind == "shared_channels":
        pre.append(lambda x: x.sum(1, keepdim=True))
    if causal:
        if kind == "transposed":
            raise ValueError("causal transposed has no PyTorch build")
        left = d[0] * ((1 if kind == "pointwise" else ks[0]) - 1)
        pre.append(lambda x: F.pad(x, (left, 0)))
    if kind == "standard":
        convs = [Conv(c, k, ks, stride=s, padding=p, dilation=d, groups=1, bias=b)]
    elif kind == "pointwise":
        convs = [Conv(c, k, 1, stride=s, padding=p, bias=b)]
    elif kind == "grouped":
        convs = [Conv(c, k, ks, stride=s, padding=p, dilation=d, groups=g, bias=b)]
    elif kind == "depthwise":
        convs = [Conv(c, c * dm, ks, stride=s, padding=p, dilation=d, groups=c, bias=b)]
    elif kind == "separable_pytorch":
        convs = [
            Conv(c, c * dm, ks, stride=s, padding=p, dilation=d, groups=c, bias=b),
            Conv(c * dm, k, 1, bias=b),
        ]
    elif kind == "shared_channels":
        convs = [Conv(1, k, ks, stride=s, padding=p, dilation=d, bias=b)]
    elif kind == "transposed":
        op = tup(a["output_padding"], rank)
        convs = [ConvT(c, k, ks, stride=s, padding=p, output_padding=op, groups=g, bias=b,
                       dilation=d)]
    elif kind == "spatially_separable":
        # one stage per axis: stage i has axis i's kernel/stride/dilation/padding only
        convs, cin = [], c
        for i in range(rank):
            pi = p if isinstance(p, str) else only(p, i, 0)
            convs.append(Conv(cin, k, only(ks, i, 1), stride=only(s, i, 1), padding=pi,
                              dilation=only(d, i, 1), bias=b))
            cin = k
    else:
        raise ValueError(kind)
    mods = nn.ModuleList(convs)

    def forward(x):
        for f in pre:
            x = f(x)
        for m in mods:
            x = m(x)
        return x

    return mods, forward


def run_torch(kind, a, gen) -> dict:
    try:
        mods, forward = build_torch(kind, a)
        x = torch.randn(1, a["c"], *sizes_of(a), generator=gen)
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            y = forward(x)
        shape = list(y.shape)
        params = sum(p.numel() for p in mods.parameters() if p.requires_grad)
        weights = [[n, list(p.shape)] for n, p in mods.named_parameters() if p.requires_grad]
        return {
            "ok": True,
            "params": int(params),
            "output_shape": [*shape[2:], shape[1]],
            "macs": int(fc.get_total_flops() // 2),
            "weights": weights,
        }
    except Exception as e:  # noqa: BLE001 -- every framework error is data
        return err(e)


# --------------------------------------------------------------------------- Keras


def build_keras(kind, a):
    """Return the list of Keras layers to apply in order, for any spatial rank.

    Layer classes by rank (Conv{n}D, DepthwiseConv{n}D, ...); a class Keras lacks (e.g.
    DepthwiseConv3D) raises AttributeError, recorded as Keras's error. 'causal' is passed
    to the layer as is (Keras decides which layers accept it).
    """
    L = keras.layers
    rank = rank_of(a)

    def layer(name):
        return getattr(L, name.format(n=rank))

    def zero_pad(pads):
        spec = tuple((q, q) for q in pads)
        return layer("ZeroPadding{n}D")(padding=spec[0] if rank == 1 else spec)

    k, c = a["k"], a["c"]
    ks = tup(a["w"], rank)
    s = tup(a["stride"], rank)
    d = tup(a["dilation"], rank)
    b = bool(a["bias"])
    g = a["groups"]
    dm = a["depth_multiplier"]
    pad = a["padding"]
    is_str = isinstance(pad, str)
    kpad = pad if is_str else "valid"
    pads = (0,) * rank if is_str else tup(pad, rank)
    zp = [] if is_str else [zero_pad(pads)]

    if kind == "standard":
        return zp + [layer("Conv{n}D")(k, ks, strides=s, padding=kpad, dilation_rate=d,
                                       use_bias=b)]
    if kind == "pointwise":
        return zp + [layer("Conv{n}D")(k, 1, strides=s, padding=kpad, use_bias=b)]
    if kind == "grouped":
        return zp + [layer("Conv{n}D")(k, ks, strides=s, padding=kpad, dilation_rate=d,
                                       groups=g, use_bias=b)]
    if kind == "depthwise":
        return zp + [layer("DepthwiseConv{n}D")(ks, strides=s, padding=kpad, depth_multiplier=dm,
                                                dilation_rate=d, use_bias=b)]
    if kind == "separable_keras":
        return zp + [layer("SeparableConv{n}D")(k, ks, strides=s, padding=kpad, dilation_rate=d,
                                                depth_multiplier=dm, use_bias=b)]
    if kind == "shared_channels":
        summ = L.Lambda(lambda t: keras.ops.sum(t, axis=-1, keepdims=True))
        return [summ] + zp + [layer("Conv{n}D")(k, ks, strides=s, padding=kpad,
                                                dilation_rate=d, use_bias=b)]
    if kind == "transposed":
        op = a["output_padding"]
        op = None if all(v == 0 for v in tup(op, rank)) else op
        if isinstance(op, list):
            op = tuple(op)
        return [layer("Conv{n}DTranspose")(k, ks, strides=s, padding=pad, output_padding=op,
                                           dilation_rate=d, use_bias=b)]
    if kind == "spatially_separable":
        out = []
        for i in range(rank):
            if not is_str:
                out.append(zero_pad(only(pads, i, 0)))
            out.append(layer("Conv{n}D")(k, only(ks, i, 1), strides=only(s, i, 1), padding=kpad,
                                         dilation_rate=only(d, i, 1), use_bias=b))
        return out
    raise ValueError(kind)


def run_keras(kind, a, gen) -> dict:
    keras.backend.clear_session()  # deterministic layer names in error messages
    try:
        layers = build_keras(kind, a)
        x = torch.randn(1, *sizes_of(a), a["c"], generator=gen)
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            y = x
            for layer in layers:
                y = layer(y)
        shape = [int(v) for v in y.shape]
        weights, params, i = [], 0, 0
        for layer in layers:
            tw = layer.trainable_weights
            if not tw:
                continue
            for v in tw:
                weights.append([f"{i}.{v.name}", [int(n) for n in v.shape]])
                params += int(np.prod(v.shape))
            i += 1
        return {
            "ok": True,
            "params": int(params),
            "output_shape": shape[1:],
            "macs": int(fc.get_total_flops() // 2),
            "weights": weights,
        }
    except Exception as e:  # noqa: BLE001
        return err(e)


# --------------------------------------------------------------------------- case generation


def conv_out(n, k, s, d, p):
    """Analytic conv output length (Keras semantics for 'same' and 'causal')."""
    if p == "same":
        return -(-n // s)
    if p == "causal":
        return (n - 1) // s + 1
    p = 0 if p == "valid" else p
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def expected_ok_shape(kind, a):
    """Rough analytic output sizes per axis used only to steer generation (< 1 = invalid)."""
    rank = rank_of(a)
    sizes = sizes_of(a)
    ks = tup(a["w"], rank) if kind != "pointwise" else (1,) * rank
    ss = tup(a["stride"], rank)
    ds = tup(a["dilation"], rank)
    pad = a["padding"]
    if kind == "transposed":
        if isinstance(pad, str):
            return tuple(n * s for n, s in zip(sizes, ss))  # close enough for sizing
        ps, ops = tup(pad, rank), tup(a["output_padding"], rank)
        return tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1
                     for n, k, s, d, p, o in zip(sizes, ks, ss, ds, ps, ops))
    ps = (pad,) * rank if isinstance(pad, str) else tup(pad, rank)
    return tuple(conv_out(n, k, s, d, p) for n, k, s, d, p in zip(sizes, ks, ss, ds, ps))


def est_cost(kind, a):
    """Estimated MACs and params (for keeping the forward passes fast)."""
    rank = rank_of(a)
    n_out = math.prod(max(o, 1) for o in expected_ok_shape(kind, a))
    n_in = math.prod(sizes_of(a))
    ks = tup(a["w"], rank)
    taps = math.prod(ks)
    c, k, dm = a["c"], a["k"], a["depth_multiplier"]
    if kind == "transposed":
        macs = n_in * taps * c * k / a["groups"]
        macs = max(macs, n_out * k)
        params = taps * c * k / a["groups"]
    elif kind in ("depthwise",):
        macs = n_out * taps * c * dm
        params = taps * c * dm
    elif kind.startswith("separable"):
        macs = n_out * (taps * c * dm + c * dm * k) + n_in * c * dm * taps
        params = taps * c * dm + c * dm * k
    else:
        macs = n_out * taps * c * k / max(a["groups"], 1) + n_in * k * k * ks[-1]
        params = taps * c * k + k * k * ks[-1]
    return macs, params


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def wchoice(self, items, weights):
        return self.r.choices(items, weights=weights, k=1)[0]

    def hw_one(self):
        band = self.wchoice([(1, 8), (9, 32), (33, 64)], [2, 5, 3])
        return self.r.randint(*band)

    def hw(self):
        H = self.hw_one()
        W = H if self.r.random() < 0.4 else self.hw_one()
        return H, W

    def channels(self):
        band = self.wchoice([(1, 16), (17, 128), (129, 512)], [70, 22, 8])
        return self.r.randint(*band)

    def ksize1(self):
        return self.wchoice([1, 2, 3, 4, 5, 6, 7], [10, 10, 25, 10, 15, 5, 10])

    def kernel(self):
        if self.r.random() < 0.55:
            return self.ksize1()
        return [self.ksize1(), self.ksize1()]

    def stride1(self):
        return self.wchoice([1, 2, 3, 4], [55, 30, 10, 5])

    def stride(self):
        if self.r.random() < 0.75:
            return self.stride1()
        return [self.stride1(), self.stride1()]

    def dil1(self):
        return self.wchoice([1, 2, 3], [70, 20, 10])

    def dilation(self):
        if self.r.random() < 0.8:
            return self.dil1()
        return [self.dil1(), self.dil1()]

    def padding(self):
        form = self.wchoice(["valid", "same", "int", "pair"], [30, 30, 25, 15])
        if form in ("valid", "same"):
            return form
        if form == "int":
            return self.r.randint(0, 3)
        return [self.r.randint(0, 3), self.r.randint(0, 3)]

    def dm(self):
        return self.wchoice([1, 2, 3, 4], [50, 25, 12, 13])

    def bias(self):
        return self.r.random() < 0.75


def _maybe_pair(r, fn):
    return fn() if r.random() < 0.75 else [fn(), fn()]


def random_config(G: Gen, kind: str, string_pad: bool | None = None) -> OrderedDict:
    """One intended-valid random configuration for kind."""
    r = G.r
    for _ in range(1000):
        H, W = G.hw()
        c, k = G.channels(), G.channels()
        w = G.kernel()
        opt = dict(stride=G.stride(), padding=G.padding(), dilation=G.dilation(),
                   bias=G.bias(), depth_multiplier=G.dm())
        if kind == "pointwise":
            w = 1
            opt["dilation"] = 1
        # 'same'+stride>1 (torch rejects) and stride>1+dilation>1 (Keras Conv2D rejects) are
        # covered by edge cases; keep only a third of the random ones so most random cases
        # yield numbers from both frameworks.
        strided = max(pair(opt["stride"])) > 1
        if strided and opt["padding"] == "same" and kind != "transposed" and r.random() < 0.67:
            opt["stride"] = 1
            strided = False
        if strided and max(pair(opt["dilation"])) > 1 and r.random() < 0.67:
            opt["dilation"] = 1
        if kind == "grouped":
            g = G.wchoice([2, 3, 4, 6, 8, 16, 32], [30, 15, 20, 8, 12, 8, 7])
            c = g * r.randint(1, max(1, 64 // g) if r.random() < 0.85 else max(1, 512 // g))
            k = g * r.randint(1, max(1, 64 // g) if r.random() < 0.85 else max(1, 512 // g))
            opt["groups"] = g
        if kind == "depthwise":
            k = c * opt["depth_multiplier"]
        if kind == "transposed":
            pad = opt["padding"]
            if string_pad is True and not isinstance(pad, str):
                pad = r.choice(["valid", "same"])
            if string_pad is False and isinstance(pad, str):
                pad = r.randint(0, 3) if r.random() < 0.6 else [r.randint(0, 3), r.randint(0, 3)]
            opt["padding"] = pad
            H, W = max(1, H // 2), max(1, W // 2)
            sh, sw = pair(opt["stride"])
            dh, dw = pair(opt["dilation"])
            if isinstance(pad, str):
                # Keras: output_padding < stride; no stride>1 with dilation>1
                if max(sh, sw) > 1 and max(dh, dw) > 1:
                    opt["dilation"] = 1
                if r.random() < 0.5:
                    opt["output_padding"] = 0
                elif isinstance(opt["stride"], int):
                    opt["output_padding"] = r.randint(0, sh - 1)
                else:
                    opt["output_padding"] = [r.randint(0, sh - 1), r.randint(0, sw - 1)]
            else:
                # torch: output_padding < max(stride, dilation) per axis
                mh, mw = max(sh, dh), max(sw, dw)
                if r.random() < 0.4:
                    opt["output_padding"] = 0
                elif r.random() < 0.6:
                    opt["output_padding"] = r.randint(0, min(mh, mw) - 1)
                else:
                    opt["output_padding"] = [r.randint(0, mh - 1), r.randint(0, mw - 1)]
                if r.random() < 0.3:
                    g = G.wchoice([2, 3, 4, 8], [4, 2, 3, 1])
                    c = g * r.randint(1, 16)
                    k = g * r.randint(1, 16)
                    opt["groups"] = g
            if isinstance(opt["output_padding"], list) and opt["output_padding"] == [0, 0]:
                opt["output_padding"] = 0
        a = make_args(kind, k, w, c, H, W, **opt)
        ho, wo = expected_ok_shape(kind, a)
        if ho < 1 or wo < 1:
            continue
        macs, params = est_cost(kind, a)
        if macs > 3e7 or params > 3e6:
            continue
        return a
    raise RuntimeError("could not generate a config")


def invalid_config(G: Gen, kind: str) -> tuple[OrderedDict, str]:
    """A deliberately invalid configuration; returns (args, mutation tag)."""
    r = G.r
    string_pad = None
    if kind == "transposed":
        string_pad = r.random() < 0.5
    a = random_config(G, kind, string_pad=string_pad)
    muts = ["kernel_too_big", "tiny_input"]
    if kind in ("grouped",):
        muts += ["groups_not_dividing_c", "groups_not_dividing_k", "groups_gt_c"]
    if kind in ("separable_pytorch", "pointwise", "standard", "depthwise"):
        muts += ["same_stride"]
    if kind == "transposed":
        muts = (["op_too_big", "negative_output"]
                if not isinstance(a["padding"], str) else ["op_ge_stride", "stride_and_dilation"])
        if not isinstance(a["padding"], str):
            muts += ["groups_not_dividing"]
    if kind == "pointwise":
        muts = ["same_stride", "tiny_input_stride"]
    m = r.choice(muts)
    if m == "kernel_too_big":
        a["H"], a["W"] = r.randint(1, 6), r.randint(1, 12)
        a["w"] = [r.randint(4, 7), r.randint(1, 7)] if r.random() < 0.5 else r.randint(4, 7)
        if not isinstance(a["padding"], str) or a["padding"] == "same":
            a["padding"] = "valid" if kind != "separable_pytorch" or r.random() < 0.7 else 0
        if "dilation" in APPLIES[kind] and r.random() < 0.4:
            a["dilation"] = 2
            a["stride"] = 1
    elif m == "tiny_input":
        a["H"], a["W"] = 1, r.randint(1, 3)
        a["w"] = r.randint(2, 5)
        a["padding"] = r.choice(["valid", 0])
    elif m == "tiny_input_stride":
        a["H"], a["W"] = 1, 1
        a["stride"] = r.randint(2, 4)
        a["padding"] = r.choice(["valid", 0, 1])
    elif m == "same_stride":
        a["padding"] = "same"
        a["stride"] = r.choice([2, 3, [2, 1], [1, 3]])
        if kind != "pointwise":
            a["dilation"] = 1
    elif m == "groups_not_dividing_c":
        g = a["groups"]
        a["c"] = a["c"] + r.randint(1, g - 1)
    elif m == "groups_not_dividing_k":
        g = a["groups"]
        a["k"] = a["k"] + r.randint(1, g - 1)
    elif m == "groups_gt_c":
        a["c"] = r.randint(1, 3)
        a["groups"] = a["c"] * 2
        a["k"] = a["groups"] * r.randint(1, 4)
    elif m == "op_too_big":
        sh, _ = pair(a["stride"])
        dh, _ = pair(a["dilation"])
        a["output_padding"] = max(sh, dh) + r.randint(0, 1)
    elif m == "negative_output":
        a["H"] = 1
        a["w"] = 1
        a["stride"] = 1
        a["dilation"] = 1
        a["output_padding"] = 0
        a["padding"] = r.randint(1, 3)
    elif m == "groups_not_dividing":
        a["groups"] = 2
        a["c"] = 2 * r.randint(1, 8) + 1
        a["k"] = 2 * r.randint(1, 8)
    elif m == "op_ge_stride":
        s = r.randint(1, 3)
        a["stride"] = s
        a["dilation"] = 1
        a["output_padding"] = s + r.randint(0, 1)
    elif m == "stride_and_dilation":
        a["stride"] = r.choice([2, 3])
        a["dilation"] = r.choice([2, 3])
        a["output_padding"] = 0
    if kind == "depthwise":
        a["k"] = a["c"] * a["depth_multiplier"]
    return a, m


def seed_cases():
    out = []
    for kind in KINDS:
        a = make_args(kind, 10, 4, 3, 32, 32)
        out.append((f"seed_{kind}", kind, a))
    # the transposed seed above has padding 'valid' (Keras-only); add the PyTorch one too
    out.append(("seed_transposed_pad0", "transposed",
                make_args("transposed", 10, 4, 3, 32, 32, padding=0)))
    return out


def edge_cases():
    """Configurations chosen because the frameworks (or formulas) may disagree."""
    E = []

    def add(tag, kind, k, w, c, H, W, **opt):
        E.append((f"edge_{kind}_{tag}", kind, make_args(kind, k, w, c, H, W, **opt)))

    # stride>1 together with dilation>1
    for kind in ("standard", "grouped", "depthwise", "separable_keras", "separable_pytorch",
                 "shared_channels", "spatially_separable"):
        g = 2 if kind == "grouped" else 1
        dm = 2 if kind in ("depthwise", "separable_keras", "separable_pytorch") else 1
        kk = 4 * dm if kind == "depthwise" else 8
        add("stride2_dil2_valid", kind, kk, 3, 4, 17, 19, stride=2, dilation=2, groups=g,
            depth_multiplier=dm)
        add("stride_pair_dil_pair_pad1", kind, kk, [3, 2], 4, 16, 15, stride=[2, 1],
            dilation=[1, 2], padding=1, groups=g, depth_multiplier=dm)
        add("stride3_dil2_same", kind, kk, 3, 4, 20, 21, stride=3, dilation=2, padding="same",
            groups=g, depth_multiplier=dm)
    # 'same' with even kernels, stride>1 (torch errors for string 'same' + stride>1)
    for kind in ("standard", "pointwise", "grouped", "depthwise", "separable_keras",
                 "separable_pytorch", "shared_channels", "spatially_separable"):
        g = 2 if kind == "grouped" else 1
        add("same_even_stride2", kind, 6 if kind != "depthwise" else 4, 4, 4, 7, 8,
            stride=2, padding="same", groups=g)
        add("same_even_pair_stride", kind, 6 if kind != "depthwise" else 4, [2, 4], 4, 9, 10,
            stride=[2, 3], padding="same", groups=g)
        add("same_even_stride1", kind, 6 if kind != "depthwise" else 4, [4, 6], 4, 9, 10,
            stride=1, padding="same", groups=g)
        add("same_even_stride1_dil2", kind, 6 if kind != "depthwise" else 4, 4, 4, 9, 10,
            stride=1, dilation=2, padding="same", groups=g)
    # transposed 'valid' with kernel < stride, Keras default output_padding fills to n*s
    add("valid_k1_s2", "transposed", 5, 1, 3, 6, 7, stride=2, padding="valid")
    add("valid_k2_s3", "transposed", 5, 2, 3, 6, 7, stride=3, padding="valid")
    add("valid_k2_s3_op1", "transposed", 5, 2, 3, 6, 7, stride=3, padding="valid",
        output_padding=1)
    add("valid_kpair_s4", "transposed", 5, [1, 3], 3, 5, 5, stride=4, padding="valid")
    add("valid_k3_s2", "transposed", 5, 3, 3, 6, 7, stride=2, padding="valid")
    add("valid_k3_s2_op1", "transposed", 5, 3, 3, 6, 7, stride=2, padding="valid",
        output_padding=1)
    add("pad0_k1_s2", "transposed", 5, 1, 3, 6, 7, stride=2, padding=0)
    add("pad0_k2_s3", "transposed", 5, 2, 3, 6, 7, stride=3, padding=0)
    # transposed 'same' with and without output_padding
    for w in (1, 2, 3, 4, 5):
        add(f"same_k{w}_s2", "transposed", 4, w, 3, 6, 7, stride=2, padding="same")
        add(f"same_k{w}_s2_op1", "transposed", 4, w, 3, 6, 7, stride=2, padding="same",
            output_padding=1)
    add("same_k3_s3_op2", "transposed", 4, 3, 3, 5, 6, stride=3, padding="same",
        output_padding=2)
    add("same_k4_s3_oppair", "transposed", 4, 4, 3, 5, 6, stride=3, padding="same",
        output_padding=[1, 2])
    add("same_k3_s1", "transposed", 4, 3, 3, 5, 6, stride=1, padding="same")
    add("same_k4_s1_dil2", "transposed", 4, 4, 3, 5, 6, stride=1, dilation=2, padding="same")
    add("same_k3_s2_dil2", "transposed", 4, 3, 3, 5, 6, stride=2, dilation=2, padding="same")
    add("valid_k3_s2_dil2", "transposed", 4, 3, 3, 5, 6, stride=2, dilation=2, padding="valid")
    add("pad1_k3_s2_dil2", "transposed", 4, 3, 3, 5, 6, stride=2, dilation=2, padding=1)
    # torch accepts output_padding >= stride when < dilation
    add("pad1_s1_dil3_op2", "transposed", 4, 3, 3, 5, 6, stride=1, dilation=3, padding=1,
        output_padding=2)
    add("pad0_s2_op1_groups2", "transposed", 6, 3, 4, 5, 6, stride=2, padding=0,
        output_padding=1, groups=2)
    # pointwise with int padding and stride
    add("pad2_stride3", "pointwise", 7, 1, 5, 10, 11, stride=3, padding=2)
    add("pad_pair_stride_pair", "pointwise", 7, 1, 5, 10, 11, stride=[2, 3], padding=[1, 0])
    # 1x1 input with 'same'
    add("same_1x1_input", "standard", 3, 3, 2, 1, 1, padding="same")
    add("same_1x1_input_stride2", "standard", 3, 3, 2, 1, 1, padding="same", stride=2)
    return E


def build_case_list():
    G = Gen(SEED)
    cases = list(seed_cases()) + edge_cases()
    n_random, n_invalid = 62, 12
    for kind in KINDS:
        for i in range(n_random):
            sp = None
            if kind == "transposed":
                sp = i % 2 == 0  # half Keras (string padding), half PyTorch
            cases.append((f"rand_{kind}_{i:03d}", kind, random_config(G, kind, string_pad=sp)))
        for i in range(n_invalid):
            a, m = invalid_config(G, kind)
            cases.append((f"invalid_{kind}_{i:02d}_{m}", kind, a))
    ids = [c[0] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate ids"
    return cases


# --------------------------------------------------------------------------- 1D and 3D cases

#: Kinds generated per rank. 1D spatially_separable and 3D separable_keras have no real layer
#: (lib.conv raises for them; tests/test_conv.py covers that), so no framework case exists.
KINDS_BY_RANK = {
    1: [kd for kd in KINDS if kd != "spatially_separable"],
    3: [kd for kd in KINDS if kd != "separable_keras"],
}
RANK_TAG = {1: "1d", 3: "3d"}


class GenND(Gen):
    """Random draws for a 1D (sequence) or 3D (video/volume) conv; per-axis values are
    an int or a list with one entry per axis in (D, H, W) order."""

    def __init__(self, seed, rank):
        super().__init__(seed)
        self.rank = rank

    def sizes(self):
        r = self.r
        if self.rank == 1:
            return (r.randint(*self.wchoice([(1, 16), (17, 128), (129, 1024)], [25, 50, 25])),)
        D = r.randint(*self.wchoice([(1, 4), (5, 16), (17, 24)], [30, 60, 10]))
        H = r.randint(*self.wchoice([(1, 8), (9, 16), (17, 32)], [35, 50, 15]))
        W = H if r.random() < 0.5 else r.randint(*self.wchoice([(1, 8), (9, 16), (17, 32)],
                                                             [35, 50, 15]))
        return D, H, W

    def per_axis(self, fn):
        # 1D: mostly a plain int, sometimes a 1-element list; 3D: often one value per axis
        if self.r.random() < (0.92 if self.rank == 1 else 0.7):
            return fn()
        return [fn() for _ in range(self.rank)]

    def ksize1(self):
        if self.rank == 1:
            return self.wchoice([1, 2, 3, 4, 5, 7, 9, 11], [6, 18, 25, 8, 15, 10, 10, 8])
        return self.wchoice([1, 2, 3, 4, 5, 7], [10, 10, 45, 8, 20, 7])

    def kernel(self):
        return self.per_axis(self.ksize1)

    def stride(self):
        return self.per_axis(self.stride1)

    def dil1(self):
        if self.rank == 1:  # WaveNet-style dilations 4 and 8 too
            return self.wchoice([1, 2, 3, 4, 8], [55, 15, 10, 12, 8])
        return super().dil1()

    def dilation(self):
        return self.per_axis(self.dil1)

    def padding(self):
        if self.rank == 1:
            form = self.wchoice(["valid", "same", "causal", "int", "list"], [25, 20, 12, 35, 8])
        else:
            form = self.wchoice(["valid", "same", "int", "list"], [30, 30, 25, 15])
        if form in ("valid", "same", "causal"):
            return form
        if form == "int":
            return self.r.randint(0, 3)
        return [self.r.randint(0, 3) for _ in range(self.rank)]


def _is_default(v, default):
    return all(x == default for x in v) if isinstance(v, list) else v == default


def random_config_nd(G: GenND, kind: str, string_pad: bool | None = None) -> OrderedDict:
    """One intended-valid random 1D/3D configuration (the 2D generator's rules, per axis)."""
    r, rank = G.r, G.rank
    for _ in range(1000):
        sizes = G.sizes()
        c, k = G.channels(), G.channels()
        w = G.kernel()
        opt = dict(stride=G.stride(), padding=G.padding(), dilation=G.dilation(),
                   bias=G.bias(), depth_multiplier=G.dm())
        if kind == "pointwise":
            w = 1
            opt["dilation"] = 1
        strided = max(tup(opt["stride"], rank)) > 1
        if strided and opt["padding"] == "same" and kind != "transposed" and r.random() < 0.67:
            opt["stride"] = 1
            strided = False
        if strided and max(tup(opt["dilation"], rank)) > 1 and r.random() < 0.67:
            opt["dilation"] = 1
        if kind == "grouped":
            g = G.wchoice([2, 3, 4, 6, 8, 16, 32], [30, 15, 20, 8, 12, 8, 7])
            c = g * r.randint(1, max(1, 64 // g) if r.random() < 0.85 else max(1, 512 // g))
            k = g * r.randint(1, max(1, 64 // g) if r.random() < 0.85 else max(1, 512 // g))
            opt["groups"] = g
        if kind == "depthwise":
            k = c * opt["depth_multiplier"]
        if kind == "transposed":
            pad = opt["padding"]
            if pad == "causal" or (string_pad is True and not isinstance(pad, str)):
                pad = r.choice(["valid", "same"])
            if string_pad is False and isinstance(pad, str):
                pad = (r.randint(0, 3) if r.random() < 0.6
                       else [r.randint(0, 3) for _ in range(rank)])
            opt["padding"] = pad
            sizes = tuple(max(1, n // 2) for n in sizes)
            ss, ds = tup(opt["stride"], rank), tup(opt["dilation"], rank)
            if isinstance(pad, str):
                # Keras: output_padding < stride; no stride>1 with dilation>1
                if max(ss) > 1 and max(ds) > 1:
                    opt["dilation"] = 1
                if r.random() < 0.5:
                    opt["output_padding"] = 0
                elif isinstance(opt["stride"], int):
                    opt["output_padding"] = r.randint(0, ss[0] - 1)
                else:
                    opt["output_padding"] = [r.randint(0, si - 1) for si in ss]
            else:
                # torch: output_padding < max(stride, dilation) per axis
                ms = [max(si, di) for si, di in zip(ss, ds)]
                if r.random() < 0.4:
                    opt["output_padding"] = 0
                elif r.random() < 0.6:
                    opt["output_padding"] = r.randint(0, min(ms) - 1)
                else:
                    opt["output_padding"] = [r.randint(0, m - 1) for m in ms]
                if r.random() < 0.3:
                    g = G.wchoice([2, 3, 4, 8], [4, 2, 3, 1])
                    c = g * r.randint(1, 16)
                    k = g * r.randint(1, 16)
                    opt["groups"] = g
            if _is_default(opt["output_padding"], 0):
                opt["output_padding"] = 0
        D, H, W = (None, None, *sizes) if rank == 1 else sizes
        a = make_args(kind, k, w, c, H, W, D=D, **opt)
        if min(expected_ok_shape(kind, a)) < 1:
            continue
        macs, params = est_cost(kind, a)
        if macs > 3e7 or params > 3e6:
            continue
        return a
    raise RuntimeError("could not generate a config")


def _set_sizes(a, sizes):
    for name, n in zip(AXES[len(sizes)], sizes):
        a[name] = n


def invalid_config_nd(G: GenND, kind: str) -> tuple[OrderedDict, str]:
    """A deliberately invalid (or one-framework-refuses) 1D/3D configuration."""
    r, rank = G.r, G.rank
    string_pad = r.random() < 0.5 if kind == "transposed" else None
    a = random_config_nd(G, kind, string_pad=string_pad)
    muts = ["kernel_too_big", "tiny_input"]
    if kind == "grouped":
        muts += ["groups_not_dividing_c", "groups_not_dividing_k", "groups_gt_c"]
    if kind in ("separable_pytorch", "pointwise", "standard", "depthwise"):
        muts += ["same_stride"]
    if rank == 1 and kind in ("standard", "grouped", "shared_channels", "depthwise",
                              "separable_keras"):
        muts += ["causal_stride_dilation"]
    if kind == "transposed":
        if isinstance(a["padding"], str):
            muts = ["op_ge_stride", "stride_and_dilation"] + (["causal"] if rank == 1 else [])
        else:
            muts = ["op_too_big", "negative_output", "groups_not_dividing"]
    if kind == "pointwise":
        muts = ["same_stride", "tiny_input_stride"]
    m = r.choice(muts)
    if m == "kernel_too_big":
        _set_sizes(a, [r.randint(1, 6) for _ in range(rank)])
        a["w"] = (r.randint(4, 7) if r.random() < 0.5
                  else [r.randint(4 if i == 0 else 1, 7) for i in range(rank)])
        if not isinstance(a["padding"], str) or a["padding"] in ("same", "causal"):
            a["padding"] = "valid" if kind != "separable_pytorch" or r.random() < 0.7 else 0
        if "dilation" in APPLIES[kind] and r.random() < 0.4:
            a["dilation"] = 2
            a["stride"] = 1
    elif m == "tiny_input":
        _set_sizes(a, [1] * (rank - 1) + [r.randint(1, 3)])
        a["w"] = r.randint(2, 5)
        a["padding"] = r.choice(["valid", 0])
    elif m == "tiny_input_stride":
        _set_sizes(a, [1] * rank)
        a["stride"] = r.randint(2, 4)
        a["padding"] = r.choice(["valid", 0, 1])
    elif m == "same_stride":
        a["padding"] = "same"
        a["stride"] = r.choice([2, 3] + ([[2, 1, 1], [1, 1, 3]] if rank == 3 else [[2]]))
        if kind != "pointwise":
            a["dilation"] = 1
    elif m == "causal_stride_dilation":
        a["padding"] = "causal"
        a["stride"] = r.choice([2, 3])
        a["dilation"] = r.choice([2, 4])
    elif m == "groups_not_dividing_c":
        a["c"] = a["c"] + r.randint(1, a["groups"] - 1)
    elif m == "groups_not_dividing_k":
        a["k"] = a["k"] + r.randint(1, a["groups"] - 1)
    elif m == "groups_gt_c":
        a["c"] = r.randint(1, 3)
        a["groups"] = a["c"] * 2
        a["k"] = a["groups"] * r.randint(1, 4)
    elif m == "op_too_big":
        a["output_padding"] = (max(tup(a["stride"], rank)[0], tup(a["dilation"], rank)[0])
                               + r.randint(0, 1))
    elif m == "negative_output":
        _set_sizes(a, [1] * rank)
        a["w"], a["stride"], a["dilation"], a["output_padding"] = 1, 1, 1, 0
        a["padding"] = r.randint(1, 3)
    elif m == "groups_not_dividing":
        a["groups"] = 2
        a["c"] = 2 * r.randint(1, 8) + 1
        a["k"] = 2 * r.randint(1, 8)
    elif m == "op_ge_stride":
        st = r.randint(1, 3)
        a["stride"], a["dilation"] = st, 1
        a["output_padding"] = st + r.randint(0, 1)
    elif m == "stride_and_dilation":
        a["stride"] = r.choice([2, 3])
        a["dilation"] = r.choice([2, 3])
        a["output_padding"] = 0
    elif m == "causal":
        a["padding"] = "causal"
    if kind == "depthwise":
        a["k"] = a["c"] * a["depth_multiplier"]
    return a, m


def nd_args(kind, k, w, c, sizes, **opt):
    D, H, W = (None, None, *sizes) if len(sizes) == 1 else sizes
    return make_args(kind, k, w, c, H, W, D=D, **opt)


def seed_cases_nd(rank):
    t = RANK_TAG[rank]
    sizes = (32,) if rank == 1 else (8, 8, 8)
    out = [(f"seed{t}_{kind}", kind, nd_args(kind, 10, 4, 3, sizes))
           for kind in KINDS_BY_RANK[rank]]
    out.append((f"seed{t}_transposed_pad0", "transposed",
                nd_args("transposed", 10, 4, 3, sizes, padding=0)))
    if rank == 1:  # a WaveNet stack: kernel 2, causal, dilations 1, 2, 4, 8
        for d in (1, 2, 4, 8):
            out.append((f"seed1d_causal_d{d}", "standard",
                        nd_args("standard", 16, 2, 16, (64,), padding="causal", dilation=d)))
    else:  # C3D-style first layer on a 16-frame 112x112 clip
        out.append(("seed3d_video", "standard",
                    nd_args("standard", 64, 3, 3, (16, 112, 112), padding="same")))
    return out


def edge_cases_nd(rank):
    """1D/3D configurations where the frameworks (or formulas) may disagree."""
    E = []
    t = RANK_TAG[rank]
    kinds = KINDS_BY_RANK[rank]

    def add(tag, kind, k, w, c, sizes, **opt):
        if kind in kinds:
            E.append((f"edge{t}_{kind}_{tag}", kind, nd_args(kind, k, w, c, sizes, **opt)))

    def ax(value_1d, value_3d):  # the value for this rank
        return value_1d if rank == 1 else value_3d

    spatial = ("standard", "grouped", "depthwise", "separable_keras", "separable_pytorch",
               "shared_channels", "spatially_separable")
    for kind in spatial:
        g = 2 if kind == "grouped" else 1
        dm = 2 if kind in ("depthwise", "separable_keras", "separable_pytorch") else 1
        kk = 4 * dm if kind == "depthwise" else 8
        add("stride2_dil2_valid", kind, kk, 3, 4, ax((37,), (9, 11, 10)), stride=2, dilation=2,
            groups=g, depth_multiplier=dm)
        add("stride_axes_dil_axes_pad1", kind, kk, ax([3], [2, 3, 2]), 4, ax((31,), (8, 9, 7)),
            stride=ax([2], [1, 2, 1]), dilation=ax([1], [2, 1, 2]),
            padding=ax([1], [1, 0, 2]), groups=g, depth_multiplier=dm)
        add("stride3_dil2_same", kind, kk, 3, 4, ax((40,), (7, 8, 9)), stride=3, dilation=2,
            padding="same", groups=g, depth_multiplier=dm)
    for kind in spatial + ("pointwise",):
        g = 2 if kind == "grouped" else 1
        kk = 4 if kind == "depthwise" else 6
        add("same_even_stride2", kind, kk, 4, 4, ax((15,), (5, 7, 8)), stride=2,
            padding="same", groups=g)
        add("same_even_axes_stride", kind, kk, ax([2], [2, 4, 2]), 4, ax((17,), (6, 9, 10)),
            stride=ax([3], [1, 2, 3]), padding="same", groups=g)
        add("same_even_stride1_dil2", kind, kk, 4, 4, ax((19,), (6, 7, 9)), stride=1,
            dilation=2, padding="same", groups=g)
    if rank == 1:
        # causal with every kind: which Keras layers accept padding='causal'?
        for kind in kinds:
            g = 2 if kind == "grouped" else 1
            dm = 2 if kind in ("depthwise", "separable_keras", "separable_pytorch") else 1
            kk = 4 * dm if kind == "depthwise" else 8
            add("causal_k3", kind, kk, 3, 4, (20,), padding="causal", groups=g,
                depth_multiplier=dm)
            add("causal_k3_dil2", kind, kk, 3, 4, (20,), padding="causal", dilation=2,
                groups=g, depth_multiplier=dm)
            add("causal_k4_stride2", kind, kk, 4, 4, (21,), padding="causal", stride=2,
                groups=g, depth_multiplier=dm)
            add("causal_k3_stride2_dil2", kind, kk, 3, 4, (21,), padding="causal", stride=2,
                dilation=2, groups=g, depth_multiplier=dm)
        add("causal_input_shorter_than_kernel", "standard", 5, 3, 2, (1,), padding="causal",
            dilation=4)
        add("causal_k1", "standard", 5, 1, 2, (9,), padding="causal", dilation=3)
        add("causal_k2_stride3_len10", "standard", 5, 2, 2, (10,), padding="causal", stride=3)
        add("causal_list_args", "standard", 5, [3], 2, (12,), padding="causal", dilation=[2],
            stride=[1])
        add("valid_list_args", "standard", 5, [3], 2, (12,), padding=[2], dilation=[2],
            stride=[2])
    else:
        add("depth1_frame", "standard", 8, [1, 3, 3], 3, (1, 10, 10), padding="same")
        add("k_3_1_1_temporal", "standard", 8, [3, 1, 1], 4, (8, 6, 6))
        add("pad_axes_stride_axes", "pointwise", 5, 1, 4, (5, 6, 7), stride=[1, 2, 3],
            padding=[2, 0, 1])
        add("dm3_same", "depthwise", 12, 3, 4, (5, 6, 7), padding="same", depth_multiplier=3)
        add("dm2_pad_axes", "separable_pytorch", 7, [3, 1, 3], 4, (5, 6, 7),
            padding=[1, 0, 1], depth_multiplier=2)
        add("anisotropic", "spatially_separable", 6, [5, 3, 1], 3, (9, 8, 7), stride=[2, 1, 1],
            dilation=[1, 2, 1], padding=[2, 1, 0])
    # transposed: Keras string padding (output_padding 0 = Keras's None) and PyTorch ints
    n = ax((7,), (3, 4, 5))
    for w in (1, 2, 3, 4, 5):
        add(f"same_k{w}_s2", "transposed", 4, w, 3, n, stride=2, padding="same")
        add(f"same_k{w}_s2_op1", "transposed", 4, w, 3, n, stride=2, padding="same",
            output_padding=1)
        add(f"valid_k{w}_s3", "transposed", 4, w, 3, n, stride=3, padding="valid")
    add("valid_k3_s2_op1", "transposed", 5, 3, 3, n, stride=2, padding="valid", output_padding=1)
    add("same_k4_s3_op_axes", "transposed", 4, 4, 3, n, stride=3, padding="same",
        output_padding=ax([2], [1, 2, 0]))
    if rank == 3:  # output_padding 0 on one axis only: is that axis Keras's None or 0?
        add("valid_k2_s3_op_axes", "transposed", 4, 2, 3, n, stride=3, padding="valid",
            output_padding=[0, 1, 2])
        add("same_k3_s2_op_axes", "transposed", 4, 3, 3, n, stride=2, padding="same",
            output_padding=[1, 0, 0])
    add("same_k4_s1_dil2", "transposed", 4, 4, 3, n, stride=1, dilation=2, padding="same")
    add("same_k3_s2_dil2", "transposed", 4, 3, 3, n, stride=2, dilation=2, padding="same")
    add("pad1_k3_s2_dil2", "transposed", 4, 3, 3, n, stride=2, dilation=2, padding=1)
    add("pad1_s1_dil3_op2", "transposed", 4, 3, 3, n, stride=1, dilation=3, padding=1,
        output_padding=2)
    add("pad0_s2_op1_groups2", "transposed", 6, 3, 4, n, stride=2, padding=0,
        output_padding=1, groups=2)
    add("pad_axes_s_axes", "transposed", 6, ax([4], [2, 3, 4]), 4, n, stride=ax([3], [1, 2, 3]),
        padding=ax([1], [0, 1, 2]))
    add("same_1_input", "standard", 3, 3, 2, (1,) * rank, padding="same")
    add("same_1_input_stride2", "standard", 3, 3, 2, (1,) * rank, padding="same", stride=2)
    return E


def build_case_list_nd(rank, n_random, n_invalid):
    G = GenND(SEED + rank, rank)
    t = RANK_TAG[rank]
    cases = seed_cases_nd(rank) + edge_cases_nd(rank)
    for kind in KINDS_BY_RANK[rank]:
        for i in range(n_random):
            sp = (i % 2 == 0) if kind == "transposed" else None
            cases.append((f"rand{t}_{kind}_{i:03d}", kind, random_config_nd(G, kind, sp)))
        for i in range(n_invalid):
            a, m = invalid_config_nd(G, kind)
            cases.append((f"invalid{t}_{kind}_{i:02d}_{m}", kind, a))
    return cases


# --------------------------------------------------------------------------- summary


def summarize(records, out=sys.stdout):
    p = lambda *s: print(*s, file=out)  # noqa: E731
    p(f"cases: {len(records)}")
    p("per kind: " + ", ".join(f"{k}={v}" for k, v in Counter(r['kind'] for r in records).items()))
    for fw in ("pytorch", "keras"):
        okc = Counter()
        for r in records:
            if fw in r["frameworks"]:
                okc["ok" if r["frameworks"][fw]["ok"] else "error"] += 1
        p(f"{fw}: ok={okc['ok']} error={okc['error']}")
    p("per kind ok/error: ")
    for kind in KINDS:
        parts = []
        for fw in ("pytorch", "keras"):
            rs = [r["frameworks"][fw] for r in records if r["kind"] == kind and fw in r["frameworks"]]
            if rs:
                parts.append(f"{fw} {sum(x['ok'] for x in rs)}/{len(rs)} ok")
        p(f"  {kind}: " + "; ".join(parts))
    # disagreements
    cats = OrderedDict()
    for r in records:
        f = r["frameworks"]
        if "pytorch" not in f or "keras" not in f:
            continue
        t, k = f["pytorch"], f["keras"]
        if t["ok"] != k["ok"]:
            bad = k if t["ok"] else t
            msg = bad["error"].split(":")[0] + ": " + bad["error"].split(":", 1)[1][:70]
            key = (r["kind"], "pytorch ok, keras error" if t["ok"] else "keras ok, pytorch error",
                   msg.split("Received")[0][:60])
        elif t["ok"]:
            diffs = [n for n in ("output_shape", "params", "macs") if t[n] != k[n]]
            if not diffs:
                continue
            key = (r["kind"], "differ in " + ",".join(diffs), "")
        else:
            continue
        cats.setdefault(key, []).append(r)
    p("DISAGREEMENTS (kind | what | error head): count, example")
    for (kind, what, msg), rs in cats.items():
        ex = rs[0]
        p(f"  {kind} | {what} | {msg!s}: {len(rs)} e.g. {ex['id']} args={json.dumps(ex['args'])}")
        for fw in ("pytorch", "keras"):
            x = ex["frameworks"][fw]
            p(f"      {fw}: " + (f"shape={x['output_shape']} params={x['params']} macs={x['macs']}"
                                if x["ok"] else x["error"].replace("\n", " ")[:300]))


# --------------------------------------------------------------------------- main


def run_cases(cases, quiet=False) -> list:
    ids = [c[0] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate ids"
    t0 = time.time()
    records = []
    for n, (cid, kind, a) in enumerate(cases):
        gen = torch.Generator().manual_seed(SEED + n)
        fws = OrderedDict()
        for fw in frameworks_for(kind, a):
            fws[fw] = run_torch(kind, a, gen) if fw == "pytorch" else run_keras(kind, a, gen)
        records.append(OrderedDict(id=cid, kind=kind, args=a, frameworks=fws))
        if not quiet and (n + 1) % 100 == 0:
            print(f"  {n + 1}/{len(cases)} cases, {time.time() - t0:.0f}s", file=sys.stderr)
    return records


def write_reference(records, out, rules, extra_meta=()):
    meta = OrderedDict(
        generator="tools/make_reference.py",
        torch_version=torch.__version__,
        keras_version=keras.__version__,
        keras_backend=keras.backend.backend(),
        date=datetime.date.today().isoformat(),
        seed=SEED,
        n_cases=len(records),
    )
    meta.update(extra_meta)
    meta["rules"] = rules
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) for r in records]
    text = '{"meta": ' + json.dumps(meta) + ',\n"cases": [\n' + ",\n".join(lines) + "\n]}\n"
    json.loads(text)  # sanity
    out.write_text(text)
    return len(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rank", choices=["2", "nd", "all"], default="2",
                    help="2: the 2D file (default); nd: the 1D+3D file; all: both")
    ap.add_argument("--out", default=None,
                    help=f"output path (default {DEFAULT_OUT.relative_to(REPO)} for --rank 2, "
                         f"{DEFAULT_OUT_ND.relative_to(REPO)} for --rank nd)")
    ap.add_argument("--quiet", action="store_true")
    ns = ap.parse_args(argv)
    if ns.rank == "all" and ns.out:
        ap.error("--out needs --rank 2 or --rank nd")

    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)
    for which in (["2", "nd"] if ns.rank == "all" else [ns.rank]):
        torch.manual_seed(SEED)
        keras.utils.set_random_seed(SEED)
        random.seed(SEED)
        np.random.seed(SEED)
        t0 = time.time()
        if which == "2":
            out = ns.out or DEFAULT_OUT
            records = run_cases(build_case_list(), ns.quiet)
            size = write_reference(records, out, RULES)
        else:
            out = ns.out or DEFAULT_OUT_ND
            records = run_cases(build_case_list_nd(1, N_RANDOM_ND[1], N_INVALID_ND[1])
                                + build_case_list_nd(3, N_RANDOM_ND[3], N_INVALID_ND[3]),
                                ns.quiet)
            size = write_reference(records, out, RULES + "\n" + RULES_ND,
                                   extra_meta={"ranks": [1, 3]})
        if not ns.quiet:
            print(f"wrote {out} ({size / 1e6:.2f} MB) in {time.time() - t0:.0f}s")
            summarize(records)


if __name__ == "__main__":
    main()
