"""Build every network preset with REAL Keras and PyTorch and record what they report.

Dev-only. Writes ``tests/data/network_reference.json``; ``tests/test_network.py`` compares
``lib.network`` with it layer by layer (no torch or keras needed at test time).

For each preset of ``lib.network.PRESETS`` (and the standard-conv twin of every preset
with depthwise separable convs, ``lib.network.standard_twin``, and the ``EXTRA`` stacks
that reach explicit padding, uneven 'same' pooling, depthwise, pointwise and grouped convs)
this script

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
edge when the padding is uneven; the hand-built PyTorch pools do the same.

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


def keras_layers(spec) -> list:
    """The real Keras layers for one LayerSpec (only what the presets use)."""
    L = keras.layers
    if spec.op == "conv":
        pre = []
        pad = spec.padding
        if not isinstance(pad, str):  # Keras has no numeric padding: ZeroPadding2D first
            pre, pad = [L.ZeroPadding2D(((pad[0], pad[0]), (pad[1], pad[1])))], "valid"
        common = dict(strides=spec.stride, padding=pad, use_bias=spec.bias)
        if spec.kind in ("standard", "grouped"):
            return pre + [L.Conv2D(spec.filters, spec.kernel, groups=spec.groups, **common)]
        if spec.kind == "pointwise":
            return pre + [L.Conv2D(spec.filters, 1, **common)]
        if spec.kind == "depthwise":
            return pre + [L.DepthwiseConv2D(spec.kernel, depth_multiplier=spec.depth_multiplier,
                                            **common)]
        if spec.kind == "shared_channels":
            return [L.Lambda(lambda x: keras.ops.sum(x, axis=-1, keepdims=True)),
                    L.Conv2D(spec.filters, spec.kernel, **common)]
        if spec.kind == "separable_keras":
            return [L.SeparableConv2D(spec.filters, spec.kernel, **common)]
        raise NotImplementedError(spec.kind)
    if spec.op == "max_pool":
        return [L.MaxPooling2D(spec.kernel, spec.stride, spec.padding)]
    if spec.op == "avg_pool":
        return [L.AveragePooling2D(spec.kernel, spec.stride, spec.padding)]
    if spec.op == "gap":
        return [L.GlobalAveragePooling2D()]
    if spec.op == "flatten":
        return [L.Flatten()]
    if spec.op == "dense":
        return [L.Dense(spec.filters, use_bias=spec.bias)]
    raise NotImplementedError(spec.op)


def run_keras(net: NetworkSpec) -> dict:
    keras.utils.clear_session()
    groups = [keras_layers(s) for s in net.layers]
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


def torch_conv(c_in, c_out, spec, hw, groups=1, kernel=None, stride=None, bias=None):
    """nn.Conv2d with Keras padding: 'same' at stride 1 natively, else an explicit F.pad."""
    kernel = kernel or spec.kernel
    stride = stride or spec.stride
    bias = spec.bias if bias is None else bias
    mods = []
    if spec.padding == "same" and stride != (1, 1):
        (t, b), (l, r) = (keras_same(n, k, s) for n, k, s in zip(hw, kernel, stride))
        mods.append(Pad((l, r, t, b)))
        pad = 0
    else:
        pad = spec.padding
    mods.append(nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=pad, groups=groups,
                          bias=bias))
    return mods


def torch_block(spec, shape) -> nn.Sequential:
    """One LayerSpec as PyTorch modules; ``shape`` is the channels-last input shape."""
    if spec.op == "conv":
        H, W, c = shape
        if spec.kind in ("standard", "grouped"):
            return nn.Sequential(*torch_conv(c, spec.filters, spec, (H, W),
                                             groups=spec.groups))
        if spec.kind == "pointwise":
            return nn.Sequential(*torch_conv(c, spec.filters, spec, (H, W), kernel=(1, 1)))
        if spec.kind == "depthwise":
            return nn.Sequential(*torch_conv(c, c * spec.depth_multiplier, spec, (H, W),
                                             groups=c))
        if spec.kind == "shared_channels":
            return nn.Sequential(SumChannels(), *torch_conv(1, spec.filters, spec, (H, W)))
        if spec.kind == "separable_keras":
            assert not spec.bias, "Keras SeparableConv2D has one bias, the PyTorch pair two"
            return nn.Sequential(*torch_conv(c, c, spec, (H, W), groups=c),
                                 nn.Conv2d(c, spec.filters, 1, bias=False))
        raise NotImplementedError(spec.kind)
    if spec.op in ("max_pool", "avg_pool"):
        H, W, _ = shape
        stride = spec.stride or spec.kernel
        mods = []
        pad = 0
        if spec.padding == "same":
            pads = [keras_same(n, k, s) for n, k, s in zip((H, W), spec.kernel, stride)]
            if all(a == b for a, b in pads):
                pad = tuple(a for a, _ in pads)
            else:
                (t, b), (l, r) = pads
                mods.append(Pad((l, r, t, b), "replicate"))
        if spec.op == "max_pool":
            mods.append(nn.MaxPool2d(spec.kernel, stride, padding=pad))
        else:
            mods.append(nn.AvgPool2d(spec.kernel, stride, padding=pad,
                                     count_include_pad=False))
        return nn.Sequential(*mods)
    if spec.op == "gap":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    if spec.op == "flatten":
        return nn.Sequential(nn.Flatten())
    if spec.op == "dense":
        return nn.Sequential(nn.Linear(math.prod(shape), spec.filters, bias=spec.bias))
    raise NotImplementedError(spec.op)


def channels_last(t: torch.Tensor) -> list[int]:
    s = list(t.shape[1:])
    return s[1:] + s[:1] if len(s) == 3 else s


def run_torch(net: NetworkSpec) -> dict:
    torch.manual_seed(0)
    H, W, c = net.input_shape
    x = torch.zeros(1, c, H, W)
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
    H, W, c = net.input_shape
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        y = model(torch.zeros(1, c, H, W))
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
                      " MobileNet presets: bias=False everywhere."),
        },
        "networks": records,
    }
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
