"""Run REAL PyTorch and Keras conv layers on tiny random inputs and record their outputs.

Dev-only. Writes ``tests/data/numeric_reference.json``: about 40 small cases (conv2d with
stride / padding / dilation / groups / bias, depthwise, separable, transposed with
output_padding, Keras 'same' with stride 2 ...). Each case stores the input, the weights
(in ``lib.numeric``'s channels-last layout) and the framework's output, all as nested
lists with 6 significant digits. ``tests/test_numeric.py`` runs ``lib.numeric`` (numpy
only) on the stored inputs and compares with the stored outputs.

The inputs and weights are rounded to 6 significant digits BEFORE the framework runs, so
the framework computes exactly on the numbers that are stored.

torch and keras are imported ONLY here; the app and its tests never need them.

Run from the repo root (deterministic, a few seconds)::

    .venv-ref/bin/python tools/make_numeric_reference.py

Layouts: input (H, W, c); conv kernel (kh, kw, c/groups, k); depthwise kernel (kh, kw, c, m);
pointwise kernel (c·m, k); transposed kernel (kh, kw, c, k/groups); output (H_out, W_out, k).
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # must be set before keras is imported

import argparse
import datetime
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import keras  # noqa: E402  (after KERAS_BACKEND)

SEED = 20240707
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "data" / "numeric_reference.json"
DIGITS = 6


def sig(a: np.ndarray) -> np.ndarray:
    """Round to DIGITS significant digits (what is stored is what the framework sees)."""
    flat = [float(f"{v:.{DIGITS}g}") for v in np.asarray(a, dtype=np.float64).ravel()]
    return np.array(flat, dtype=np.float64).reshape(np.shape(a))


def as_list(a: np.ndarray) -> list:
    return sig(a).tolist()


def pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


class Maker:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.cases: list[dict] = []

    def rand(self, *shape: int) -> np.ndarray:
        return sig(self.rng.standard_normal(shape))

    def add(self, op: str, framework: str, layer: str, args: dict, x, y, **tensors) -> None:
        case = {"id": f"{len(self.cases):02d}-{framework}-{op}", "op": op,
                "framework": framework, "layer": layer, "args": args, "x": as_list(x)}
        for name, value in tensors.items():
            case[name] = None if value is None else as_list(value)
        case["y"] = as_list(y)
        case["y_shape"] = list(np.shape(y))
        self.cases.append(case)

    # ---------------- PyTorch ----------------

    def torch_conv(self, H, W, c, k, w, stride=1, padding=0, dilation=1, groups=1,
                   bias=True) -> None:
        kh, kw = pair(w)
        x = self.rand(H, W, c)
        kernel = self.rand(kh, kw, c // groups, k)  # ours; torch is (k, c/g, kh, kw)
        b = self.rand(k) if bias else None
        with torch.no_grad():
            y = F.conv2d(torch.tensor(x).permute(2, 0, 1)[None].float(),
                         torch.tensor(kernel).permute(3, 2, 0, 1).float(),
                         None if b is None else torch.tensor(b).float(),
                         stride=stride, padding=padding, dilation=dilation, groups=groups)
        self.add("conv2d", "torch",
                 f"F.conv2d(stride={stride}, padding={padding!r}, dilation={dilation}, "
                 f"groups={groups})",
                 dict(stride=stride, padding=padding, dilation=dilation, groups=groups),
                 x, y[0].permute(1, 2, 0).numpy(), kernel=kernel, bias=b)

    def torch_depthwise(self, H, W, c, m, w, stride=1, padding=0, dilation=1,
                        bias=True) -> None:
        kh, kw = pair(w)
        x = self.rand(H, W, c)
        kernel = self.rand(kh, kw, c, m)  # torch: (c·m, 1, kh, kw), channel ci·m + t
        b = self.rand(c * m) if bias else None
        weight = torch.tensor(kernel).permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw).float()
        with torch.no_grad():
            y = F.conv2d(torch.tensor(x).permute(2, 0, 1)[None].float(), weight,
                         None if b is None else torch.tensor(b).float(),
                         stride=stride, padding=padding, dilation=dilation, groups=c)
        self.add("depthwise2d", "torch",
                 f"F.conv2d(groups=c={c}, out=c·m={c * m}, stride={stride}, "
                 f"padding={padding!r}, dilation={dilation})",
                 dict(stride=stride, padding=padding, dilation=dilation),
                 x, y[0].permute(1, 2, 0).numpy(), kernel=kernel, bias=b)

    def torch_transposed(self, H, W, c, k, w, stride=1, padding=0, dilation=1, groups=1,
                         output_padding=0, bias=True) -> None:
        kh, kw = pair(w)
        x = self.rand(H, W, c)
        kernel = self.rand(kh, kw, c, k // groups)  # torch: (c, k/g, kh, kw)
        b = self.rand(k) if bias else None
        with torch.no_grad():
            y = F.conv_transpose2d(torch.tensor(x).permute(2, 0, 1)[None].float(),
                                   torch.tensor(kernel).permute(2, 3, 0, 1).float(),
                                   None if b is None else torch.tensor(b).float(),
                                   stride=stride, padding=padding,
                                   output_padding=output_padding, groups=groups,
                                   dilation=dilation)
        self.add("transposed2d", "torch",
                 f"F.conv_transpose2d(stride={stride}, padding={padding}, "
                 f"output_padding={output_padding}, groups={groups}, dilation={dilation})",
                 dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
                      output_padding=output_padding),
                 x, y[0].permute(1, 2, 0).numpy(), kernel=kernel, bias=b)

    # ---------------- Keras (torch backend) ----------------

    def _keras_run(self, layer, x: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
        inp = x[None].astype(np.float32)
        layer.build(inp.shape)
        layer.set_weights([w.astype(np.float32) for w in weights])
        return keras.ops.convert_to_numpy(layer(inp))[0]

    def keras_conv(self, H, W, c, k, w, stride=1, padding="same", dilation=1,
                   bias=True) -> None:
        kh, kw = pair(w)
        x = self.rand(H, W, c)
        kernel = self.rand(kh, kw, c, k)  # Keras Conv2D layout = ours
        b = self.rand(k) if bias else None
        layer = keras.layers.Conv2D(k, (kh, kw), strides=stride, padding=padding,
                                    dilation_rate=dilation, use_bias=bias)
        y = self._keras_run(layer, x, [kernel] + ([b] if bias else []))
        self.add("conv2d", "keras",
                 f"keras.layers.Conv2D(strides={stride}, padding={padding!r}, "
                 f"dilation_rate={dilation})",
                 dict(stride=stride, padding=padding, dilation=dilation, groups=1),
                 x, y, kernel=kernel, bias=b)

    def keras_depthwise(self, H, W, c, m, w, stride=1, padding="same", dilation=1,
                        bias=True) -> None:
        kh, kw = pair(w)
        x = self.rand(H, W, c)
        kernel = self.rand(kh, kw, c, m)
        b = self.rand(c * m) if bias else None
        layer = keras.layers.DepthwiseConv2D((kh, kw), strides=stride, padding=padding,
                                             depth_multiplier=m, dilation_rate=dilation,
                                             use_bias=bias)
        y = self._keras_run(layer, x, [kernel] + ([b] if bias else []))
        self.add("depthwise2d", "keras",
                 f"keras.layers.DepthwiseConv2D(strides={stride}, padding={padding!r}, "
                 f"depth_multiplier={m}, dilation_rate={dilation})",
                 dict(stride=stride, padding=padding, dilation=dilation),
                 x, y, kernel=kernel, bias=b)

    def keras_separable(self, H, W, c, k, m, w, stride=1, padding="same", dilation=1,
                        bias=True) -> None:
        kh, kw = pair(w)
        x = self.rand(H, W, c)
        dw = self.rand(kh, kw, c, m)
        pw = self.rand(c * m, k)
        b = self.rand(k) if bias else None
        layer = keras.layers.SeparableConv2D(k, (kh, kw), strides=stride, padding=padding,
                                             depth_multiplier=m, dilation_rate=dilation,
                                             use_bias=bias)
        y = self._keras_run(layer, x, [dw, pw.reshape(1, 1, c * m, k)] + ([b] if bias else []))
        self.add("separable2d", "keras",
                 f"keras.layers.SeparableConv2D(strides={stride}, padding={padding!r}, "
                 f"depth_multiplier={m}, dilation_rate={dilation})",
                 dict(stride=stride, padding=padding, dilation=dilation),
                 x, y, kernel=dw, pointwise=pw, bias=b)

    def keras_transposed(self, H, W, c, k, w, stride=1, padding="same", dilation=1,
                         output_padding=None, bias=True) -> None:
        kh, kw = pair(w)
        x = self.rand(H, W, c)
        kernel = self.rand(kh, kw, c, k)  # ours (kh, kw, in, out); Keras (kh, kw, out, in)
        b = self.rand(k) if bias else None
        layer = keras.layers.Conv2DTranspose(k, (kh, kw), strides=stride, padding=padding,
                                             output_padding=output_padding,
                                             dilation_rate=dilation, use_bias=bias)
        y = self._keras_run(layer, x, [kernel.transpose(0, 1, 3, 2)] + ([b] if bias else []))
        self.add("transposed2d", "keras",
                 f"keras.layers.Conv2DTranspose(strides={stride}, padding={padding!r}, "
                 f"output_padding={output_padding}, dilation_rate={dilation})",
                 dict(stride=stride, padding=padding, dilation=dilation, groups=1,
                      output_padding=output_padding or 0),
                 x, y, kernel=kernel, bias=b)


def build(seed: int) -> list[dict]:
    m = Maker(seed)
    # PyTorch Conv2d: stride, padding, dilation, groups, bias, rectangles
    m.torch_conv(5, 5, 3, 2, 3)
    m.torch_conv(5, 5, 3, 2, 3, stride=2, padding=1)
    m.torch_conv(6, 6, 2, 3, 3, dilation=2, padding=2)
    m.torch_conv(5, 6, 4, 4, 3, groups=2)
    m.torch_conv(7, 6, 4, 6, 2, stride=2, groups=2, bias=False)
    m.torch_conv(5, 7, 3, 2, (2, 3), padding=(1, 0))
    m.torch_conv(6, 7, 2, 2, 3, stride=(2, 3), padding=1)
    m.torch_conv(6, 5, 3, 4, 1, stride=2)
    m.torch_conv(5, 5, 2, 2, 4, padding="same")  # even kernel: 1 zero before, 2 after
    m.torch_conv(6, 6, 3, 2, 3, dilation=(1, 2), padding=(0, 1))
    m.torch_conv(8, 8, 3, 3, 3, stride=3, dilation=2, padding=2)
    m.torch_conv(4, 4, 3, 3, 2, stride=2, padding=1, groups=3)
    m.torch_conv(5, 5, 1, 1, 5)
    m.torch_conv(6, 5, 4, 2, 3, stride=2, padding=2, dilation=2, groups=2, bias=False)
    # PyTorch depthwise: nn.Conv2d(groups=c), with depth multiplier
    m.torch_depthwise(5, 5, 3, 1, 3)
    m.torch_depthwise(5, 6, 2, 2, 3, stride=2, padding=1)
    m.torch_depthwise(7, 7, 3, 2, 2, dilation=2, bias=False)
    m.torch_depthwise(6, 6, 4, 3, 3, stride=2, padding=1, dilation=2)
    # PyTorch ConvTranspose2d: output_padding, groups, dilation, crops larger than d(w-1)
    m.torch_transposed(3, 3, 2, 2, 3)
    m.torch_transposed(3, 4, 2, 3, 3, stride=2, padding=1, output_padding=1)
    m.torch_transposed(3, 3, 4, 4, 3, stride=2, groups=2)
    m.torch_transposed(3, 3, 2, 2, 2, stride=1, dilation=2, output_padding=1)
    m.torch_transposed(2, 3, 3, 2, 2, stride=3, padding=2, output_padding=2)
    m.torch_transposed(4, 3, 2, 2, (2, 3), stride=(2, 1), padding=(1, 0), bias=False)
    m.torch_transposed(3, 3, 3, 3, 3, stride=2, padding=1, dilation=2, output_padding=1,
                       groups=3)
    m.torch_transposed(2, 2, 1, 2, 4, stride=2, padding=1)
    # Keras on the torch backend: 'same' (asymmetric padding at stride 2)
    m.keras_conv(5, 5, 3, 2, 3, stride=2)
    m.keras_conv(6, 6, 3, 2, 3, stride=2)
    m.keras_conv(6, 7, 2, 3, 4, stride=2)
    m.keras_conv(6, 6, 2, 2, 1, stride=2)  # w=1, even input: no padding at all
    m.keras_conv(5, 5, 2, 2, 4, stride=1)
    m.keras_conv(6, 6, 2, 2, 3, stride=1, dilation=2)
    m.keras_conv(7, 5, 3, 2, (3, 2), stride=(2, 3))
    m.keras_depthwise(6, 6, 3, 2, 3, stride=2)
    m.keras_depthwise(5, 6, 2, 1, 4, stride=2)
    m.keras_separable(6, 6, 3, 4, 1, 3, stride=2)
    m.keras_separable(5, 5, 2, 3, 2, 3, padding="valid")
    # Keras Conv2DTranspose: valid / same, output_padding, kernel smaller than stride
    m.keras_transposed(3, 3, 2, 2, 3, stride=2, padding="same")
    m.keras_transposed(3, 4, 2, 2, 4, stride=2, padding="same")
    m.keras_transposed(3, 3, 2, 2, 3, stride=2, padding="valid")
    m.keras_transposed(3, 3, 2, 2, 2, stride=3, padding="valid")
    m.keras_transposed(3, 3, 2, 2, 3, stride=2, padding="same", output_padding=1)
    m.keras_transposed(3, 3, 2, 2, 2, stride=3, padding="same")  # w < stride
    m.keras_transposed(3, 3, 2, 2, 1, stride=2, padding="same", output_padding=1)
    return m.cases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    torch.manual_seed(SEED)
    cases = build(SEED)
    doc = {
        "meta": {
            "generator": "tools/make_numeric_reference.py",
            "seed": SEED,
            "torch": torch.__version__,
            "keras": keras.__version__,
            "keras_backend": keras.backend.backend(),
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "generated": datetime.date.today().isoformat(),
            "digits": DIGITS,
            "layouts": {
                "x": "(H, W, c)", "y": "(H_out, W_out, k)",
                "conv2d kernel": "(kh, kw, c/groups, k)",
                "depthwise2d kernel": "(kh, kw, c, m)",
                "separable2d": "kernel = depthwise (kh, kw, c, m), pointwise (c*m, k)",
                "transposed2d kernel": "(kh, kw, c, k/groups)",
            },
        },
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{len(cases)} cases -> {args.out} ({len(text) / 1e3:.1f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
