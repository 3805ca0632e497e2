"""Build every network preset with REAL Keras and PyTorch and record what they report.

Dev-only. Writes ``tests/data/network_reference.json``; ``tests/test_network.py`` compares
``lib.network`` with it layer by layer (no torch or keras needed at test time).

For each preset of ``lib.network.PRESETS`` (and the standard-conv twin of every preset
with depthwise separable convs, ``lib.network.standard_twin``, and the ``EXTRA`` stacks
that reach explicit padding, uneven 'same' pooling, depthwise, pointwise and grouped convs,
in 2D and in 1D / 3D: causal convs, Conv1D/3D, pooling, transposed and shared-channel
convs) this script

1. builds the stack by hand, independently of ``lib``: a ``keras.Sequential`` and a
   PyTorch ``nn.Sequential`` of one block per layer (see ``keras_layers``/``torch_block``
   below), and records per layer
   * Keras: every real layer's auto-name, class, output shape and ``count_params()``, the
     MACs ``FlopCounterMode`` counts when that layer runs (Keras on the torch backend),
     plus ``model.count_params()`` and ``model.summary(line_length=88)`` text;
   * PyTorch: the block's ``sum(p.numel())``, channels-last output shape and MACs
     (``FlopCounterMode`` FLOPs // 2 for one image);
2. exec()s ``lib.network.keras_code`` and ``pytorch_code`` for the stack (after
   ``keras.utils.clear_session()``) and records what the generated models report: params,
   output shape, total MACs, Keras's layer list and summary text. Both must run.

Conventions: MobileNet presets use ``bias=False`` everywhere (the paper has BatchNorm,
no bias), so Keras ``SeparableConv2D`` (one bias) and PyTorch's depthwise + pointwise
pair (two biases) agree. Keras 'same' pooling on the torch backend pads by replicating the
edge when the padding is uneven; the hand-built PyTorch pools do the same. Every layer is
built rank-generically (``Conv{r}D`` / ``nn.Conv{r}d`` for r = 1, 2, 3). A causal conv in
PyTorch is ``F.pad`` on the left by d·(k−1), then the conv with padding 0; Keras has no
DepthwiseConv3D, so a 3D depthwise conv is ``Conv3D(groups=c)`` in Keras, and
DepthwiseConv1D takes no 'causal' (``ZeroPadding1D`` on the left, then 'valid').

torch and keras are imported ONLY here (and in the other tools/make_*.py scripts).

Setup (from the repo root; ``.venv-ref`` is gitignored)::

    python3 -m venv .venv-ref && .venv-ref/bin/pip install torch==2.13.0 keras numpy

Run (from the repo root; under a minute)::

    .venv-ref/bin/python tools/make_network_reference.py [--out PATH]
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported
os.environ["COLUMNS"] = "200"  # a wide console: Keras's default summary width 88

import argparse
import contextlib
import datetime
import io
import json
import math
import sys
import warnings
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

import keras  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lib.network import (PRESETS, NetworkSpec, build_network, has_separable,  # noqa: E402
                         keras_code, parse_net, pytorch_code, serialise_net,
                         standard_twin)

DEFAULT_OUT = REPO / "tests" / "data" / "network_reference.json"
SUMMARY_LINE_LENGTH = 88


#: Extra stacks (not presets) for what the presets do not reach: explicit padding (Keras
#: ZeroPadding2D), 'same' pools with even and uneven padding, depthwise with a depth
#: multiplier, pointwise, grouped, global pooling into dense without bias.
EXTRA = {
    "pools_and_padding": "in15x17x3,c3x3-8-p1,mp3-s2-same,ap2-same,dw3x3-m2,pw-16-nb,"
                         "ap3-s1-same,flat,d5-nb",
    "uneven_max_pool": "in10x10x4,mp2-s1-same,c3x3-6-s2-same,gc3x3-6-g2,gap,d3",
    # 1D: explicit padding, uneven 'same' pools, causal depthwise, pointwise, SeparableConv1D
    "seq_pools_and_padding": "in100x8,c5-16-p2,mp3-s2-same,dw3-causal-d2-m2,pw-24-nb,"
                             "sep3-16-s2-same-nb,ap2-same,gap,d4",
    # 1D: strided causal, grouped, shared kernel, transposed (PyTorch padding and Keras 'same')
    "seq_causal_transposed": "in37x6,c3-12-s2-causal,gc3-12-same-g3,sh4-6,t3-4-s2-p1-op1,"
                             "t4-8-s2-same,mp2,flat,d3-nb",
    # 3D: explicit padding, per-axis kernels and strides, depthwise (Conv3D groups=c),
    # PyTorch separable, time-keeping pool, Keras-style transposed
    "volume_blocks": "in8x24x24x3,c3x3x3-8-p1,mp2-same,c1x3x3-16-s1x2x2-same,dw3x3x3-m2,"
                     "sept1x3x3-12,ap1x2x2,t2x2x2-6-s2,gap,d5",
    # 3D: uneven 'same' pools, strided 'same' conv, shared kernel, transposed with padding
    "volume_uneven": "in5x9x7x2,mp2-s1-same,c3x3x3-4-s2-same,ap3-s2-same,sh2x2x2-3,"
                     "t3x3x3-4-s2-p1,flat,d6",
    # 1D transposed corners: groups (Keras has none), output_padding > padding, a kernel
    # shorter than the stride, Keras 'same' with output_padding
    "seq_transposed_corners": "in10x4,t3-4-s2-p0-g2-op1,t2-4-s3-p0,t3-4-s2-same-op1,gap,d2",
}


def networks() -> dict[str, NetworkSpec]:
    """Every preset, ``<key>_standard`` for presets with separable convs, and EXTRA."""
    out: dict[str, NetworkSpec] = {k: parse_net(v) for k, v in EXTRA.items()}
    for key, p in PRESETS.items():
        out[key] = p.spec
        if has_separable(p.spec.layers):
            out[f"{key}_standard"] = NetworkSpec(p.spec.input_shape,
                                                 standard_twin(p.spec.layers))
    return out


# --------------------------------------------------------------------------- Keras


def keras_layers(spec, rank: int) -> list:
    """The real Keras layers for one LayerSpec at this spatial rank (what the stacks use)."""
    L = keras.layers
    r = rank
    Conv = getattr(L, f"Conv{r}D")
    ZeroPadding = getattr(L, f"ZeroPadding{r}D")
    if spec.op == "conv":
        pre = []
        pad = spec.padding
        if not isinstance(pad, str):  # Keras has no numeric padding: ZeroPadding first
            pairs = tuple((p, p) for p in pad)
            pre, pad = [ZeroPadding(pairs[0] if r == 1 else pairs)], "valid"
        if pad == "causal" and spec.kind not in ("standard", "grouped", "pointwise",
                                                 "shared_channels"):
            # only Conv1D has padding='causal': d·(k-1) zeros on the left, then 'valid'
            pre, pad = [ZeroPadding((spec.dilation[0] * (spec.kernel[0] - 1), 0))], "valid"
        common = dict(strides=spec.stride, padding=pad, dilation_rate=spec.dilation,
                      use_bias=spec.bias)
        if spec.kind in ("standard", "grouped"):
            return pre + [Conv(spec.filters, spec.kernel, groups=spec.groups, **common)]
        if spec.kind == "pointwise":
            return pre + [Conv(spec.filters, 1, **common)]
        if spec.kind == "depthwise":
            if r == 3:  # Keras has no DepthwiseConv3D
                return pre + [Conv(spec.depth_multiplier * spec.groups_c, spec.kernel,
                                   groups=spec.groups_c, **common)]
            return pre + [getattr(L, f"DepthwiseConv{r}D")(
                spec.kernel, depth_multiplier=spec.depth_multiplier, **common)]
        if spec.kind == "shared_channels":
            return [L.Lambda(lambda x: keras.ops.sum(x, axis=-1, keepdims=True)),
                    *pre, Conv(spec.filters, spec.kernel, **common)]
        if spec.kind == "separable_keras":
            return pre + [getattr(L, f"SeparableConv{r}D")(
                spec.filters, spec.kernel, depth_multiplier=spec.depth_multiplier, **common)]
        if spec.kind == "separable_pytorch":  # depthwise (own bias) + 1x1 conv
            c = spec.groups_c
            dw = (Conv(c * spec.depth_multiplier, spec.kernel, groups=c, **common) if r == 3
                  else getattr(L, f"DepthwiseConv{r}D")(
                      spec.kernel, depth_multiplier=spec.depth_multiplier, **common))
            return pre + [dw, Conv(spec.filters, 1, use_bias=spec.bias)]
        if spec.kind == "transposed":
            T = getattr(L, f"Conv{r}DTranspose")
            if isinstance(spec.padding, str):  # Keras's own layer
                op = spec.output_padding if any(spec.output_padding) else None
                return [T(spec.filters, spec.kernel, strides=spec.stride, padding=spec.padding,
                          output_padding=op, dilation_rate=spec.dilation,
                          use_bias=spec.bias)]
            # PyTorch padding p, output_padding o: the full 'valid' output (o - p extra
            # rows at the end when o > p), cropped p at the start and p - o at the end
            q = tuple(max(o - p, 0) for p, o in zip(spec.padding, spec.output_padding))
            crop = tuple((p, max(p - o, 0)) for p, o in zip(spec.padding, spec.output_padding))
            kw = dict(strides=spec.stride, output_padding=q, dilation_rate=spec.dilation,
                      use_bias=spec.bias)
            if spec.groups > 1:  # Keras ConvTranspose has no groups: one per channel group
                conv_t = grouped_transpose_class(r)(spec.filters, spec.kernel, spec.groups,
                                                    **kw)
            else:
                conv_t = T(spec.filters, spec.kernel, **kw)
            if not any(b or e for b, e in crop):
                return [conv_t]
            return [conv_t, getattr(L, f"Cropping{r}D")(crop[0] if r == 1 else crop)]
        raise NotImplementedError(spec.kind)
    if spec.op == "max_pool":
        return [getattr(L, f"MaxPooling{r}D")(spec.kernel, spec.stride, spec.padding)]
    if spec.op == "avg_pool":
        return [getattr(L, f"AveragePooling{r}D")(spec.kernel, spec.stride, spec.padding)]
    if spec.op == "gap":
        return [getattr(L, f"GlobalAveragePooling{r}D")()]
    if spec.op == "flatten":
        return [L.Flatten()]
    if spec.op == "dense":
        return [L.Dense(spec.filters, use_bias=spec.bias)]
    raise NotImplementedError(spec.op)


def grouped_transpose_class(rank: int):
    """A Keras layer named GroupedConv{r}DTranspose: split the channels into groups, one
    Conv{r}DTranspose each, concatenate (Keras's transposed convs have no ``groups``)."""
    T = getattr(keras.layers, f"Conv{rank}DTranspose")

    def __init__(self, filters, kernel_size, groups, **kwargs):
        keras.layers.Layer.__init__(self)
        self.groups = groups
        self.convs = [T(filters // groups, kernel_size, **kwargs) for _ in range(groups)]

    def call(self, x):
        parts = keras.ops.split(x, self.groups, axis=-1)
        return keras.ops.concatenate([c(p) for c, p in zip(self.convs, parts)], axis=-1)

    def compute_output_shape(self, shape):
        one = self.convs[0].compute_output_shape((*shape[:-1], shape[-1] // self.groups))
        return (*one[:-1], one[-1] * self.groups)

    return type(f"GroupedConv{rank}DTranspose", (keras.layers.Layer,),
                {"__init__": __init__, "call": call,
                 "compute_output_shape": compute_output_shape})


class _WithChannels:
    """A LayerSpec plus the input channels (a depthwise Conv3D needs groups = c)."""

    def __init__(self, spec, c: int) -> None:
        self._spec, self.groups_c = spec, c

    def __getattr__(self, name):
        return getattr(self._spec, name)


def run_keras(net: NetworkSpec) -> dict:
    keras.utils.clear_session()
    rank = len(net.input_shape) - 1
    groups = []
    shape = (None, *net.input_shape)  # Keras's own shape inference gives each layer its c
    for spec in net.layers:
        g = keras_layers(_WithChannels(spec, shape[-1]), rank)
        for layer in g:
            shape = tuple(layer.compute_output_shape(shape))
        groups.append(g)
    model = keras.Sequential([keras.Input(shape=net.input_shape),
                              *[layer for g in groups for layer in g]])
    x = keras.ops.zeros((1, *net.input_shape))
    per_layer = []
    with torch.no_grad():
        for g in groups:
            real = []
            macs = 0
            for layer in g:
                with FlopCounterMode(display=False) as fc:
                    x = layer(x)
                macs += fc.get_total_flops() // 2
                real.append([layer.name, type(layer).__name__, list(layer.output.shape),
                             int(layer.count_params())])
            per_layer.append({"layers": real, "params": sum(r[3] for r in real),
                              "output_shape": list(x.shape[1:]), "macs": int(macs)})
    got: list[str] = []
    model.summary(line_length=SUMMARY_LINE_LENGTH, print_fn=lambda s, **kw: got.append(s))
    return {"params": int(model.count_params()), "output_shape": list(model.output_shape),
            "per_layer": per_layer, "summary": "".join(got)}


# --------------------------------------------------------------------------- PyTorch


def keras_same(n: int, k: int, s: int) -> tuple[int, int]:
    """Keras 'same': out = ceil(n / s); pad (before, after), the odd one after."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


class Pad(nn.Module):
    def __init__(self, pads, mode="constant"):
        super().__init__()
        self.pads, self.mode = pads, mode

    def forward(self, x):
        return F.pad(x, self.pads, mode=self.mode)


class SumChannels(nn.Module):
    def forward(self, x):
        return x.sum(1, keepdim=True)


def torch_conv(c_in, c_out, spec, sizes, groups=1, kernel=None, stride=None, bias=None,
               dilation=None):
    """nn.Conv{r}d with Keras padding: 'same' at stride 1 natively, else an explicit F.pad;
    'causal' is F.pad on the left by d·(k-1), then padding 0."""
    r = len(sizes)
    kernel = kernel or spec.kernel
    stride = stride or spec.stride
    dilation = dilation or spec.dilation
    bias = spec.bias if bias is None else bias
    mods = []
    pad = spec.padding
    if spec.padding == "causal":
        mods.append(Pad((dilation[0] * (kernel[0] - 1), 0)))
        pad = 0
    elif spec.padding == "same" and any(s > 1 for s in stride):
        pairs = [keras_same(n, d * (k - 1) + 1, s)
                 for n, k, s, d in zip(sizes, kernel, stride, dilation)]
        mods.append(Pad(tuple(v for pair in reversed(pairs) for v in pair)))
        pad = 0
    mods.append(getattr(nn, f"Conv{r}d")(c_in, c_out, kernel, stride=stride, padding=pad,
                                          dilation=dilation, groups=groups, bias=bias))
    return mods


def torch_block(spec, shape) -> nn.Sequential:
    """One LayerSpec as PyTorch modules; ``shape`` is the channels-last input shape."""
    *sizes, c = shape
    r = len(sizes)
    ones = (1,) * r
    if spec.op == "conv":
        if spec.kind in ("standard", "grouped"):
            return nn.Sequential(*torch_conv(c, spec.filters, spec, sizes, groups=spec.groups))
        if spec.kind == "pointwise":
            return nn.Sequential(*torch_conv(c, spec.filters, spec, sizes, kernel=ones,
                                             dilation=ones))
        if spec.kind == "depthwise":
            return nn.Sequential(*torch_conv(c, c * spec.depth_multiplier, spec, sizes,
                                             groups=c))
        if spec.kind == "shared_channels":
            return nn.Sequential(SumChannels(), *torch_conv(1, spec.filters, spec, sizes))
        if spec.kind == "separable_keras":
            assert not spec.bias, "Keras SeparableConv has one bias, the PyTorch pair two"
            return nn.Sequential(*torch_conv(c, c * spec.depth_multiplier, spec, sizes,
                                             groups=c),
                                 getattr(nn, f"Conv{r}d")(c * spec.depth_multiplier,
                                                          spec.filters, 1, bias=False))
        if spec.kind == "separable_pytorch":
            return nn.Sequential(*torch_conv(c, c * spec.depth_multiplier, spec, sizes,
                                             groups=c),
                                 getattr(nn, f"Conv{r}d")(c * spec.depth_multiplier,
                                                          spec.filters, 1, bias=spec.bias))
        if spec.kind == "transposed":
            T = getattr(nn, f"ConvTranspose{r}d")
            if not isinstance(spec.padding, str):  # PyTorch's own layer
                return nn.Sequential(T(c, spec.filters, spec.kernel, stride=spec.stride,
                                       padding=spec.padding,
                                       output_padding=spec.output_padding,
                                       groups=spec.groups, dilation=spec.dilation,
                                       bias=spec.bias))
            if any(spec.output_padding):  # Keras: (n-1)·s + extent - 2·pad + output_padding
                pads = tuple((d * (k - 1) + 1) // 2 if spec.padding == "same" else 0
                             for k, d in zip(spec.kernel, spec.dilation))
                return nn.Sequential(T(c, spec.filters, spec.kernel, stride=spec.stride,
                                       padding=pads, output_padding=spec.output_padding,
                                       dilation=spec.dilation, bias=spec.bias))
            # Keras 'valid' / 'same' (what the stacks use: extent >= stride): the full
            # output (n - 1)·s + extent, 'same' keeps n·s of it, the odd row at the end
            mods = [T(c, spec.filters, spec.kernel, stride=spec.stride,
                      dilation=spec.dilation, bias=spec.bias)]
            if spec.padding == "same":
                crops = []
                for n, k, s, d in zip(sizes, spec.kernel, spec.stride, spec.dilation):
                    extra = (n - 1) * s + d * (k - 1) + 1 - n * s
                    crops.append((-(extra // 2), -(extra - extra // 2)))
                mods.append(Pad(tuple(v for pair in reversed(crops) for v in pair)))
            return nn.Sequential(*mods)
        raise NotImplementedError(spec.kind)
    if spec.op in ("max_pool", "avg_pool"):
        stride = spec.stride or spec.kernel
        mods = []
        pad = 0
        if spec.padding == "same":
            pads = [keras_same(n, k, s) for n, k, s in zip(sizes, spec.kernel, stride)]
            if all(a == b for a, b in pads):
                pad = tuple(a for a, _ in pads)
            else:
                mods.append(Pad(tuple(v for pair in reversed(pads) for v in pair),
                                "replicate"))
        if spec.op == "max_pool":
            mods.append(getattr(nn, f"MaxPool{r}d")(spec.kernel, stride, padding=pad))
        else:
            mods.append(getattr(nn, f"AvgPool{r}d")(spec.kernel, stride, padding=pad,
                                                    count_include_pad=False))
        return nn.Sequential(*mods)
    if spec.op == "gap":
        return nn.Sequential(getattr(nn, f"AdaptiveAvgPool{len(shape) - 1}d")(1), nn.Flatten())
    if spec.op == "flatten":
        return nn.Sequential(nn.Flatten())
    if spec.op == "dense":
        return nn.Sequential(nn.Linear(math.prod(shape), spec.filters, bias=spec.bias))
    raise NotImplementedError(spec.op)


def channels_last(t: torch.Tensor) -> list[int]:
    s = list(t.shape[1:])
    return s[1:] + s[:1] if len(s) > 1 else s


def run_torch(net: NetworkSpec) -> dict:
    torch.manual_seed(0)
    *sizes, c = net.input_shape
    x = torch.zeros(1, c, *sizes)
    shape = tuple(net.input_shape)
    per_layer = []
    with torch.no_grad():
        for spec in net.layers:
            block = torch_block(spec, shape)
            with FlopCounterMode(display=False) as fc:
                x = block(x)
            shape = tuple(channels_last(x))
            per_layer.append({"params": sum(p.numel() for p in block.parameters()),
                              "output_shape": list(shape),
                              "macs": int(fc.get_total_flops() // 2),
                              "modules": [type(m).__name__ for m in block]})
    return {"params": sum(p["params"] for p in per_layer), "output_shape": list(shape),
            "macs": sum(p["macs"] for p in per_layer), "per_layer": per_layer}


# --------------------------------------------------------------------------- generated code


def _exec(code: str) -> tuple[dict, str]:
    ns: dict = {"__name__": "__generated__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "<generated>", "exec"), ns)
    return ns, out.getvalue()


def run_generated(net: NetworkSpec) -> dict:
    result = build_network(net.input_shape, net.layers)
    keras.utils.clear_session()
    ns, stdout = _exec(keras_code(result))
    model = ns["model"]
    got: list[str] = []
    model.summary(line_length=SUMMARY_LINE_LENGTH, print_fn=lambda s, **kw: got.append(s))
    x = keras.ops.zeros((1, *net.input_shape))
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(x)
    k = {"params": int(model.count_params()), "output_shape": list(model.output_shape),
         "macs": int(fc.get_total_flops() // 2),
         "layers": [[layer.name, type(layer).__name__, list(layer.output.shape),
                     int(layer.count_params())] for layer in model.layers],
         "summary": "".join(got), "stdout_has_summary": "Total params" in stdout}
    ns, stdout = _exec(pytorch_code(result))
    model = ns["model"]
    *sizes, c = net.input_shape
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        y = model(torch.zeros(1, c, *sizes))
    t = {"params": sum(p.numel() for p in model.parameters()), "output_shape": list(y.shape),
         "macs": int(fc.get_total_flops() // 2), "stdout": stdout}
    return {"keras": k, "pytorch": t}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    records = {}
    for name, net in networks().items():
        print(f"{name}: {serialise_net(net)}", flush=True)
        records[name] = {"net": serialise_net(net), "keras": run_keras(net),
                         "pytorch": run_torch(net), "generated": run_generated(net)}
        k, t = records[name]["keras"], records[name]["pytorch"]
        print(f"  keras {k['params']:,} params; torch {t['params']:,} params, "
              f"{t['macs']:,} MACs", flush=True)
    data = {
        "meta": {
            "generated": datetime.date.today().isoformat(),
            "torch": torch.__version__, "keras": keras.__version__,
            "keras_backend": keras.backend.backend(),
            "summary_line_length": SUMMARY_LINE_LENGTH,
            "rules": ("Per network: net = lib.network.serialise_net of the stack; keras / "
                      "pytorch = the stack built by hand in this script (per layer: real "
                      "layers [name, class, output shape with batch, params], params, "
                      "channels-last output shape without batch, MACs = FlopCounterMode "
                      "FLOPs // 2 for one image); generated = what lib.network.keras_code / "
                      "pytorch_code report when exec()d (after keras.utils.clear_session())."
                      " MobileNet presets: bias=False everywhere. 1D / 3D stacks: the "
                      "same, with Conv1D/3D, nn.Conv1d/3d (causal = F.pad left by d·(k-1) "
                      "+ the conv), and Conv3D(groups=c) for Keras's missing "
                      "DepthwiseConv3D."),
        },
        "networks": records,
    }
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
