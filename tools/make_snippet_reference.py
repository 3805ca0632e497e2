"""Run the snippets of lib.snippets with the REAL frameworks and record what they print.

Dev-only. Writes ``tests/data/snippet_reference.json`` (2D, ``--rank 2``) and
``tests/data/snippet_reference_nd.json`` (1D and 3D, ``--rank nd``); both by default. For
~50 2D and ~80 1D/3D configurations covering every conv kind valid at that rank (explicit
padding, 'same' with stride 2, 'causal', groups, bias off, strides with dilation, both
transposed modes, Keras's missing DepthwiseConv3D) it

1. exec()s ``keras_code(r)`` (``KERAS_BACKEND=torch``, after ``keras.utils.clear_session()``
   so auto-names start fresh) and ``pytorch_code(r)``; both must run without error;
2. records the real ``model.summary()`` text (what the snippet printed to stdout, plus
   ``model.summary(line_length=76 / 88, print_fn=...)``), Keras's own layer list
   (name, class, output shape, params), ``model.count_params()`` and output shape;
3. records what the PyTorch snippet printed (params, output shape), the real
   ``torchinfo.summary(model, input_size=(1, c, *spatial))`` text and its total mult-adds;
4. copies the Keras model's weights into the PyTorch model and records the largest
   difference between the two outputs on one random input: the two snippets compute the
   same function (same padding placement, same crops), not only the same shapes.

torch, keras and torchinfo are imported ONLY here; the app and its tests never need them.

Setup (from the repo root; ``.venv-ref`` is gitignored)::

    python3 -m venv .venv-ref && .venv-ref/bin/pip install torch==2.13.0 keras numpy
    .venv-ref/bin/pip install torchinfo

Run (from the repo root; ~1 minute)::

    .venv-ref/bin/python tools/make_snippet_reference.py [--rank 2|nd|all] [--out PATH] [--only ID]
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported
os.environ["COLUMNS"] = "200"  # rich/shutil console width: Keras's default line_length 88

import argparse
import contextlib
import datetime
import io
import json
import re
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np
import torch
import torchinfo

import keras  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lib.conv import analyze  # noqa: E402
from lib.snippets import keras_code, pytorch_code  # noqa: E402

DEFAULT_OUT = REPO / "tests" / "data" / "snippet_reference.json"
DEFAULT_OUT_ND = REPO / "tests" / "data" / "snippet_reference_nd.json"
LINE_LENGTHS = (76, 88)  # 76: non-terminal (Jupyter, pipes); 88: Keras's default
SEED = 20240611


def case(cid: str, kind: str, **args) -> dict:
    return {"id": cid, "args": {"kind": kind, **args}}


CLASSIC = dict(k=10, w=4, c=3, H=32, W=32)

CASES = [
    # standard
    case("standard_classic", "standard", **CLASSIC),
    case("standard_same_even_kernel", "standard", **CLASSIC, padding="same"),
    case("standard_same_stride2", "standard", k=8, w=3, c=3, H=15, W=16, stride=2,
         padding="same"),
    case("standard_explicit_pad_stride21", "standard", k=6, w=3, c=2, H=12, W=10,
         stride=(2, 1), padding=(1, 2)),
    case("standard_rect_dilated_nobias", "standard", k=5, w=(3, 5), c=4, H=20, W=24,
         dilation=2, bias=False),
    case("standard_stride2_dilation2", "standard", k=4, w=3, c=3, H=17, W=16, stride=2,
         dilation=2),
    case("standard_stride2_dilation2_pad", "standard", k=4, w=3, c=2, H=11, W=13, stride=2,
         dilation=2, padding=2),
    case("standard_big_macs", "standard", k=128, w=3, c=64, H=224, W=224, padding="same"),
    case("standard_big_params", "standard", k=512, w=3, c=256, H=14, W=14),
    # pointwise
    case("pointwise_stride2", "pointwise", k=16, w=1, c=8, H=20, W=20, stride=2),
    case("pointwise_same_stride2", "pointwise", k=4, w=1, c=3, H=21, W=20, stride=2,
         padding="same"),
    case("pointwise_pad_nobias", "pointwise", k=5, w=1, c=6, H=9, W=9, padding=1,
         bias=False),
    # grouped
    case("grouped_g2", "grouped", k=8, w=3, c=4, H=16, W=16, groups=2),
    case("grouped_g4_same_stride2", "grouped", k=16, w=3, c=8, H=15, W=15, stride=2,
         padding="same", groups=4),
    case("grouped_pad_dilated_nobias", "grouped", k=6, w=3, c=6, H=14, W=12, padding=1,
         dilation=2, groups=3, bias=False),
    # depthwise
    case("depthwise_classic", "depthwise", k=3, w=3, c=3, H=32, W=32),
    case("depthwise_dm2_same_stride2_even", "depthwise", k=8, w=4, c=4, H=15, W=14,
         stride=2, padding="same", depth_multiplier=2),
    case("depthwise_stride2_dilation2", "depthwise", k=3, w=3, c=3, H=17, W=17, stride=2,
         dilation=2),
    case("depthwise_pad_nobias", "depthwise", k=5, w=3, c=5, H=10, W=12, padding=(2, 1),
         bias=False),
    # separable_keras
    case("separable_keras_classic", "separable_keras", **CLASSIC),
    case("separable_keras_dm2_same_stride2", "separable_keras", k=12, w=3, c=4, H=16, W=15,
         stride=2, padding="same", depth_multiplier=2),
    case("separable_keras_pad_nobias", "separable_keras", k=7, w=3, c=3, H=12, W=12,
         padding=1, bias=False),
    case("separable_keras_stride2_dilation2", "separable_keras", k=6, w=3, c=3, H=17, W=17,
         stride=2, dilation=2),
    # separable_pytorch
    case("separable_pytorch_classic", "separable_pytorch", **CLASSIC),
    case("separable_pytorch_pad_dm3_nobias", "separable_pytorch", k=9, w=3, c=2, H=11,
         W=13, padding=1, depth_multiplier=3, bias=False),
    case("separable_pytorch_stride2_dilation12", "separable_pytorch", k=5, w=3, c=4, H=17,
         W=18, stride=2, dilation=(1, 2)),
    # shared_channels
    case("shared_channels_classic", "shared_channels", **CLASSIC),
    case("shared_channels_same_stride2", "shared_channels", k=6, w=3, c=3, H=16, W=16,
         stride=2, padding="same"),
    case("shared_channels_pad_nobias", "shared_channels", k=4, w=5, c=5, H=12, W=12,
         padding=2, bias=False),
    case("shared_channels_stride2_dilation2", "shared_channels", k=4, w=3, c=3, H=17, W=17,
         stride=2, dilation=2),
    # transposed, int padding = nn.ConvTranspose2d
    case("transposed_pt_p1_op1", "transposed", k=8, w=3, c=4, H=8, W=8, stride=2, padding=1,
         output_padding=1),
    case("transposed_pt_groups2", "transposed", k=8, w=3, c=4, H=8, W=8, stride=2,
         padding=1, output_padding=1, groups=2),
    case("transposed_pt_p0_op1", "transposed", k=3, w=3, c=2, H=5, W=6, stride=2, padding=0,
         output_padding=1),
    case("transposed_pt_k1_stride3", "transposed", k=3, w=1, c=2, H=5, W=5, stride=3,
         padding=0),
    case("transposed_pt_stride2_dilation2", "transposed", k=4, w=3, c=3, H=6, W=7, stride=2,
         padding=1, dilation=2),
    case("transposed_pt_rect_nobias", "transposed", k=5, w=(3, 4), c=3, H=6, W=5,
         stride=(2, 3), padding=(1, 0), bias=False),
    case("transposed_pt_k1_groups2_op1_rounding", "transposed", k=6, w=1, c=4, H=12, W=7,
         stride=3, padding=0, groups=2, bias=False, output_padding=1),
    case("transposed_pt_op2_dilation3", "transposed", k=2, w=2, c=2, H=5, W=5, stride=2,
         padding=1, dilation=3, output_padding=2),
    case("transposed_pt_stride1_dilation3_op2", "transposed", k=2, w=3, c=4, H=8, W=9,
         stride=1, padding=(3, 1), dilation=3, output_padding=2),
    # transposed, "valid"/"same" = Keras Conv2DTranspose
    case("transposed_keras_valid", "transposed", k=4, w=3, c=3, H=8, W=8, stride=2),
    case("transposed_keras_same_k4", "transposed", k=4, w=4, c=3, H=8, W=8, stride=2,
         padding="same"),
    case("transposed_keras_same_k3", "transposed", k=4, w=3, c=3, H=8, W=7, stride=2,
         padding="same"),
    case("transposed_keras_valid_k1_stride2", "transposed", k=2, w=1, c=3, H=5, W=5,
         stride=2),
    case("transposed_keras_same_op1", "transposed", k=3, w=3, c=2, H=6, W=6, stride=2,
         padding="same", output_padding=1),
    case("transposed_keras_same_k1_stride3", "transposed", k=2, w=1, c=2, H=3, W=4, stride=3,
         padding="same"),
    case("transposed_keras_same_rect_op1_stride3", "transposed", k=6, w=(1, 4), c=2, H=1,
         W=2, stride=3, padding="same", output_padding=1),
    # Keras takes output_padding as one tuple: (0, 1) is the explicit formula on H too
    case("transposed_keras_same_mixed_output_padding", "transposed", k=1, w=4, c=4, H=13,
         W=4, stride=3, padding="same", output_padding=(0, 1)),
    case("transposed_keras_valid_dilated_nobias", "transposed", k=3, w=3, c=2, H=6, W=6,
         dilation=2, bias=False),
    # spatially_separable
    case("spatially_separable_classic", "spatially_separable", **CLASSIC),
    case("spatially_separable_pad", "spatially_separable", k=5, w=(3, 5), c=3, H=12, W=14,
         padding=(1, 2)),
    case("spatially_separable_same_stride2", "spatially_separable", k=4, w=3, c=3, H=15,
         W=16, stride=2, padding="same"),
    case("spatially_separable_stride2_dilation2_nobias", "spatially_separable", k=4, w=3,
         c=2, H=17, W=17, stride=2, dilation=2, bias=False),
]

# --- 1D (W alone: sequences) and 3D (D, H, W: volumes); kept small for 3D -------------

SEQ = dict(k=8, w=3, c=2, W=50)
VOL = dict(k=4, w=3, c=2, D=6, H=7, W=8)

CASES_1D = [
    # standard: Conv1D / nn.Conv1d
    case("1d_standard_classic", "standard", **SEQ),
    case("1d_standard_same_even_kernel", "standard", k=6, w=4, c=3, W=20, padding="same"),
    case("1d_standard_same_stride2", "standard", k=4, w=3, c=3, W=15, stride=2,
         padding="same"),
    case("1d_standard_explicit_pad_stride2", "standard", k=5, w=5, c=2, W=17, stride=2,
         padding=2),
    case("1d_standard_causal_wavenet_d4", "standard", k=8, w=2, c=4, W=32, padding="causal",
         dilation=4),
    case("1d_standard_causal_stride2", "standard", k=4, w=3, c=2, W=15, stride=2,
         padding="causal"),
    case("1d_standard_causal_stride2_dilation2", "standard", k=4, w=3, c=3, W=19, stride=2,
         dilation=2, padding="causal"),
    case("1d_standard_stride2_dilation2", "standard", k=4, w=3, c=3, W=17, stride=2,
         dilation=2),
    case("1d_standard_stride3_dilation2_pad_nobias", "standard", k=3, w=3, c=2, W=20,
         stride=3, dilation=2, padding=3, bias=False),
    case("1d_standard_audio_big", "standard", k=128, w=3, c=64, W=1600, padding="same"),
    # pointwise
    case("1d_pointwise_stride2", "pointwise", k=16, w=1, c=8, W=20, stride=2),
    case("1d_pointwise_same_stride2", "pointwise", k=4, w=1, c=3, W=21, stride=2,
         padding="same"),
    case("1d_pointwise_causal_nobias", "pointwise", k=5, w=1, c=6, W=9, padding="causal",
         bias=False),
    case("1d_pointwise_pad1", "pointwise", k=5, w=1, c=6, W=9, padding=1),
    # grouped
    case("1d_grouped_g2", "grouped", k=8, w=3, c=4, W=16, groups=2),
    case("1d_grouped_g4_same_stride2", "grouped", k=16, w=3, c=8, W=15, stride=2,
         padding="same", groups=4),
    case("1d_grouped_causal_dilated_nobias", "grouped", k=6, w=3, c=6, W=14,
         padding="causal", dilation=2, groups=3, bias=False),
    case("1d_grouped_stride2_dilation2_pad", "grouped", k=4, w=3, c=4, W=15, stride=2,
         dilation=2, padding=1, groups=2),
    # depthwise: DepthwiseConv1D (refuses 'causal': ZeroPadding1D in front)
    case("1d_depthwise_classic", "depthwise", k=3, w=3, c=3, W=32),
    case("1d_depthwise_dm2_same_stride2_even", "depthwise", k=8, w=4, c=4, W=15, stride=2,
         padding="same", depth_multiplier=2),
    case("1d_depthwise_causal_dilation2", "depthwise", k=4, w=3, c=4, W=20, padding="causal",
         dilation=2),
    case("1d_depthwise_causal_stride2_dilation2_dm2", "depthwise", k=3, w=3, c=3, W=17,
         stride=2, dilation=2, padding="causal", depth_multiplier=2),
    case("1d_depthwise_stride2_dilation2", "depthwise", k=3, w=3, c=3, W=17, stride=2,
         dilation=2),
    case("1d_depthwise_pad_nobias", "depthwise", k=5, w=3, c=5, W=10, padding=2, bias=False),
    # separable_keras: SeparableConv1D
    case("1d_separable_keras_classic", "separable_keras", **SEQ),
    case("1d_separable_keras_dm2_same_stride2", "separable_keras", k=12, w=3, c=4, W=15,
         stride=2, padding="same", depth_multiplier=2),
    case("1d_separable_keras_pad_nobias", "separable_keras", k=7, w=3, c=3, W=12, padding=1,
         bias=False),
    case("1d_separable_keras_stride2_dilation2", "separable_keras", k=6, w=3, c=3, W=17,
         stride=2, dilation=2),
    # separable_pytorch
    case("1d_separable_pytorch_classic", "separable_pytorch", **SEQ),
    case("1d_separable_pytorch_causal_dm2", "separable_pytorch", k=5, w=3, c=2, W=16,
         padding="causal", depth_multiplier=2),
    case("1d_separable_pytorch_pad_stride2_dilation2_nobias", "separable_pytorch", k=4, w=3,
         c=4, W=18, stride=2, dilation=2, padding=1, bias=False),
    # shared_channels
    case("1d_shared_channels_classic", "shared_channels", **SEQ),
    case("1d_shared_channels_causal_stride2_dilation2", "shared_channels", k=4, w=3, c=3,
         W=17, stride=2, dilation=2, padding="causal"),
    case("1d_shared_channels_same_stride2_nobias", "shared_channels", k=6, w=4, c=3, W=16,
         stride=2, padding="same", bias=False),
    # transposed, int padding = nn.ConvTranspose1d
    case("1d_transposed_pt_p1_op1", "transposed", k=8, w=3, c=4, W=8, stride=2, padding=1,
         output_padding=1),
    case("1d_transposed_pt_groups2", "transposed", k=8, w=4, c=4, W=8, stride=2, padding=1,
         groups=2),
    case("1d_transposed_pt_stride2_dilation2_op1", "transposed", k=4, w=3, c=2, W=9,
         stride=2, padding=1, dilation=2, output_padding=1),
    case("1d_transposed_pt_op2_dilation3", "transposed", k=2, w=2, c=2, W=5, stride=2,
         padding=1, dilation=3, output_padding=2),
    case("1d_transposed_pt_k1_stride3_nobias", "transposed", k=3, w=1, c=2, W=5, stride=3,
         padding=0, bias=False),
    # transposed, "valid"/"same" = Keras Conv1DTranspose
    case("1d_transposed_keras_valid", "transposed", k=4, w=3, c=3, W=8, stride=2),
    case("1d_transposed_keras_same_k4", "transposed", k=4, w=4, c=3, W=8, stride=2,
         padding="same"),
    case("1d_transposed_keras_same_op1", "transposed", k=3, w=3, c=2, W=6, stride=2,
         padding="same", output_padding=1),
    case("1d_transposed_keras_same_k1_stride3", "transposed", k=2, w=1, c=2, W=4, stride=3,
         padding="same"),
    case("1d_transposed_keras_valid_dilated_nobias", "transposed", k=3, w=3, c=2, W=6,
         dilation=2, bias=False),
]

CASES_3D = [
    # standard: Conv3D / nn.Conv3d
    case("3d_standard_classic", "standard", **VOL),
    case("3d_standard_same_stride2", "standard", k=4, w=3, c=3, D=5, H=7, W=8, stride=2,
         padding="same"),
    case("3d_standard_same_even_kernel", "standard", k=3, w=2, c=2, D=4, H=5, W=6,
         padding="same"),
    case("3d_standard_explicit_pad_stride212", "standard", k=3, w=3, c=2, D=6, H=5, W=7,
         stride=(2, 1, 2), padding=(1, 0, 2)),
    case("3d_standard_rect_dilated_nobias", "standard", k=5, w=(1, 3, 3), c=3, D=4, H=9,
         W=10, dilation=2, bias=False),
    case("3d_standard_stride2_dilation2", "standard", k=4, w=3, c=2, D=9, H=9, W=10,
         stride=2, dilation=2),
    case("3d_standard_stride2_dilation2_pad", "standard", k=3, w=3, c=2, D=7, H=8, W=7,
         stride=2, dilation=2, padding=(1, 2, 1)),
    case("3d_standard_c3d_like", "standard", k=32, w=3, c=3, D=8, H=32, W=32,
         padding="same"),
    # pointwise
    case("3d_pointwise_stride2", "pointwise", k=8, w=1, c=4, D=5, H=6, W=6, stride=2),
    case("3d_pointwise_same_stride2_nobias", "pointwise", k=4, w=1, c=3, D=5, H=7, W=6,
         stride=2, padding="same", bias=False),
    # grouped
    case("3d_grouped_g2", "grouped", k=4, w=3, c=4, D=5, H=6, W=6, groups=2),
    case("3d_grouped_g4_same_stride2", "grouped", k=8, w=3, c=4, D=5, H=7, W=6, stride=2,
         padding="same", groups=4),
    case("3d_grouped_pad_dilated_nobias", "grouped", k=6, w=3, c=6, D=5, H=6, W=7,
         padding=1, dilation=2, groups=3, bias=False),
    # depthwise: Keras has no DepthwiseConv3D -> Conv3D(groups=c)
    case("3d_depthwise_classic", "depthwise", k=1, w=3, c=3, D=5, H=6, W=7),
    case("3d_depthwise_dm2_pad", "depthwise", k=1, w=3, c=2, D=5, H=6, W=6, padding=1,
         depth_multiplier=2),
    case("3d_depthwise_same_nobias_rect", "depthwise", k=1, w=(1, 3, 3), c=4, D=4, H=6, W=6,
         padding="same", bias=False),
    case("3d_depthwise_stride2_dilation2", "depthwise", k=1, w=3, c=3, D=8, H=9, W=9,
         stride=2, dilation=2),
    # separable_pytorch (3D separable_keras does not exist)
    case("3d_separable_pytorch_classic", "separable_pytorch", **VOL),
    case("3d_separable_pytorch_dm2_pad_nobias", "separable_pytorch", k=5, w=3, c=2, D=5,
         H=6, W=6, padding=1, depth_multiplier=2, bias=False),
    case("3d_separable_pytorch_same", "separable_pytorch", k=4, w=3, c=3, D=4, H=5, W=6,
         padding="same"),
    # shared_channels
    case("3d_shared_channels_classic", "shared_channels", **VOL),
    case("3d_shared_channels_same_stride2", "shared_channels", k=3, w=3, c=3, D=5, H=6, W=7,
         stride=2, padding="same"),
    # transposed, int padding = nn.ConvTranspose3d
    case("3d_transposed_pt_p1_op1", "transposed", k=4, w=3, c=2, D=3, H=4, W=4, stride=2,
         padding=1, output_padding=1),
    case("3d_transposed_pt_groups2", "transposed", k=4, w=3, c=4, D=3, H=3, W=4, stride=2,
         padding=1, groups=2),
    case("3d_transposed_pt_stride2_dilation2", "transposed", k=2, w=3, c=2, D=3, H=4, W=3,
         stride=2, padding=1, dilation=2),
    case("3d_transposed_pt_rect_nobias", "transposed", k=3, w=(1, 3, 4), c=2, D=2, H=4,
         W=3, stride=(1, 2, 3), padding=(0, 1, 0), bias=False),
    case("3d_transposed_pt_op2_dilation3", "transposed", k=2, w=2, c=2, D=3, H=3, W=3,
         stride=2, padding=1, dilation=3, output_padding=2),
    # transposed, "valid"/"same" = Keras Conv3DTranspose
    case("3d_transposed_keras_valid", "transposed", k=3, w=3, c=2, D=3, H=4, W=4, stride=2),
    case("3d_transposed_keras_same_k4", "transposed", k=3, w=4, c=2, D=3, H=4, W=3,
         stride=2, padding="same"),
    case("3d_transposed_keras_same_op1", "transposed", k=2, w=3, c=2, D=3, H=3, W=4,
         stride=2, padding="same", output_padding=1),
    case("3d_transposed_keras_valid_dilated_nobias", "transposed", k=2, w=3, c=2, D=3, H=4,
         W=4, dilation=2, bias=False),
    # spatially_separable: (kd,1,1) then (1,kh,1) then (1,1,kw)
    case("3d_spatially_separable_classic", "spatially_separable", **VOL),
    case("3d_spatially_separable_pad", "spatially_separable", k=3, w=(3, 3, 5), c=2, D=5,
         H=6, W=8, padding=(1, 1, 2)),
    case("3d_spatially_separable_same_stride2", "spatially_separable", k=3, w=3, c=2, D=5,
         H=7, W=8, stride=2, padding="same"),
    case("3d_spatially_separable_stride2_dilation2_nobias", "spatially_separable", k=2, w=3,
         c=2, D=9, H=9, W=9, stride=2, dilation=2, bias=False),
]

CASES_ND = CASES_1D + CASES_3D


def _analyze(args: dict):
    a = dict(args)
    kind = a.pop("kind")
    return analyze(kind, **a)


def _exec(code: str) -> tuple[dict, str]:
    ns: dict = {"__name__": "__snippet__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "<snippet>", "exec"), ns)
    return ns, out.getvalue()


def run_keras(code: str) -> dict:
    keras.utils.clear_session()
    keras.utils.set_random_seed(SEED)
    ns, stdout = _exec(code)
    model = ns["model"]
    texts = {}
    for n in LINE_LENGTHS:
        got: list[str] = []
        model.summary(line_length=n, print_fn=lambda s, **kw: got.append(s))
        texts[str(n)] = "".join(got)
    layers = [[layer.name, type(layer).__name__, list(layer.output.shape),
               layer.count_params()] for layer in model.layers]
    return {"ok": True, "stdout": stdout, "summary": texts, "layers": layers,
            "params": int(model.count_params()),
            "output_shape": list(model.output_shape), "_model": model}


_PT_PARAMS = re.compile(r"^params: (\d+)$", re.M)
_PT_SHAPE = re.compile(r"^output shape: \(([\d, ]+)\)$", re.M)


def run_pytorch(code: str, input_size: tuple[int, ...]) -> dict:
    torch.manual_seed(SEED)
    ns, stdout = _exec(code)
    model = ns["model"]
    stats = torchinfo.summary(model, input_size=input_size, verbose=0)
    layers = [[type(m).__name__, sum(p.numel() for p in m.parameters())] for m in model]
    return {
        "ok": True, "stdout": stdout,
        "printed_params": int(_PT_PARAMS.search(stdout).group(1)),
        "printed_output_shape": [int(v) for v in _PT_SHAPE.search(stdout).group(1).split(",")
                                 if v.strip()],
        "params": int(sum(p.numel() for p in model.parameters())),
        "torchinfo": str(stats),
        "total_mult_adds": int(stats.total_mult_adds),
        "total_params": int(stats.total_params),
        "layer_types": [row[0] for row in layers],
        "layer_params": [row[1] for row in layers],
        "_model": model,
    }


# --- numerical equivalence: Keras weights -> PyTorch parameters ----------------------

_KERAS_CONV = re.compile(r"(Grouped)?(Depthwise|Separable)?Conv([123])D(Transpose)?")


def _to_torch(kernel: np.ndarray) -> np.ndarray:
    """Keras (*k, in, out) -> torch (out, in, *k); a transposed kernel (*k, out, in) -> torch
    (in, out, *k): the same axis move."""
    n = kernel.ndim - 2
    return kernel.transpose(n + 1, n, *range(n))


def _depthwise_to_torch(kernel: np.ndarray) -> np.ndarray:
    """Keras depthwise (*k, c, m) -> torch (c*m, 1, *k) (output channel i*m + j)."""
    *k, c, m = kernel.shape
    return np.moveaxis(kernel.reshape(*k, c * m), -1, 0)[:, None]


def _torch_arrays(layer) -> list[np.ndarray]:
    """A Keras layer's weights in the order and layout of the PyTorch parameters."""
    cls = type(layer).__name__
    m = _KERAS_CONV.fullmatch(cls)
    if not m:
        return [np.asarray(v) for v in layer.get_weights()]  # no weights
    grouped, prefix = m.group(1), m.group(2)
    if grouped:
        kernels, biases = [], []
        for conv in layer.convs:
            cw = [np.asarray(v) for v in conv.get_weights()]
            kernels.append(_to_torch(cw[0]))
            biases += cw[1:]
        return [np.concatenate(kernels, axis=0)] + (
            [np.concatenate(biases)] if biases else [])
    w = [np.asarray(v) for v in layer.get_weights()]
    if prefix == "Depthwise":
        return [_depthwise_to_torch(w[0])] + w[1:]
    if prefix == "Separable":
        return [_depthwise_to_torch(w[0]), _to_torch(w[1])] + w[2:]
    return [_to_torch(w[0])] + w[1:]


def equivalence(kres: dict, pres: dict, input_shape: tuple[int, ...]) -> tuple[float, float]:
    """(max |keras - torch|, max |torch|) on one input, Keras weights copied to PyTorch.

    ``input_shape`` is channels-last without the batch, e.g. (H, W, c)."""
    kmodel, pmodel = kres["_model"], pres["_model"]
    rng = np.random.default_rng(SEED)
    for layer in kmodel.layers:  # random biases too (Keras initialises them to zero)
        ws = layer.get_weights()
        if ws:
            layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in ws])
    arrays = [a for layer in kmodel.layers for a in _torch_arrays(layer)]
    params = list(pmodel.parameters())
    shapes_k = [tuple(a.shape) for a in arrays]
    shapes_p = [tuple(p.shape) for p in params]
    if shapes_k != shapes_p:
        raise AssertionError(f"weight layouts differ: keras {shapes_k} vs torch {shapes_p}")
    with torch.no_grad():
        for p, a in zip(params, arrays):
            p.copy_(torch.from_numpy(np.ascontiguousarray(a)))
    x = rng.standard_normal((1, *input_shape)).astype("float32")
    yk = np.asarray(keras.ops.convert_to_numpy(kmodel(x)))
    with torch.no_grad():
        yp = pmodel(torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1)))).numpy()
    yp = np.moveaxis(yp, 1, -1)
    if yk.shape != yp.shape:
        raise AssertionError(f"outputs differ in shape: keras {yk.shape} torch {yp.shape}")
    scale = float(np.max(np.abs(yp))) if yp.size else 0.0
    diff = float(np.max(np.abs(yk - yp))) if yk.size else 0.0
    return diff, scale


def run_case(c: dict) -> dict:
    r = _analyze(c["args"])
    *sizes, ch = r.input_shape
    kcode, pcode = keras_code(r), pytorch_code(r)
    rec = {"id": c["id"], "args": c["args"], "keras_code": kcode, "pytorch_code": pcode}
    try:
        k = run_keras(kcode)
    except Exception as exc:  # recorded; the test then fails
        k = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
             "trace": traceback.format_exc()[-2000:]}
    try:
        p = run_pytorch(pcode, (1, ch, *sizes))
    except Exception as exc:
        p = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
             "trace": traceback.format_exc()[-2000:]}
    eq: dict = {"max_abs_diff": None, "max_abs_output": None}
    if k["ok"] and p["ok"]:
        try:
            eq["max_abs_diff"], eq["max_abs_output"] = equivalence(k, p, r.input_shape)
        except Exception as exc:
            eq["error"] = f"{type(exc).__name__}: {exc}"[:500]
    for d in (k, p):
        d.pop("_model", None)
    rec["keras"] = k
    rec["pytorch"] = p
    rec["equivalence"] = eq
    return rec


_RULES = ("Per case: args = lib.conv.analyze(**args); keras = exec(keras_code(r)) "
          "after keras.utils.clear_session(): stdout = what the snippet printed "
          "(model.summary() at a 200-column console, so line_length 88), summary = "
          "model.summary(line_length=N, print_fn=...) text, layers = [name, class, "
          "output shape, count_params()] from the model; pytorch = exec("
          "pytorch_code(r)): stdout, printed params / output shape, torchinfo = "
          "str(torchinfo.summary(model, input_size=(1, c, {dims}), verbose=0)); "
          "equivalence.max_abs_diff = max |keras(x) - torch(x)| after copying the "
          "Keras weights into the PyTorch model (float32, one N(0,1) input).")


def write_reference(cases: list[dict], out: Path, dims: str, only: str | None) -> int:
    """Run ``cases``; write them to ``out`` (or print the one case ``only`` names)."""
    records = []
    for c in cases:
        if only and c["id"] != only:
            continue
        rec = run_case(c)
        records.append(rec)
        k, p, eq = rec["keras"], rec["pytorch"], rec["equivalence"]
        print(f"{c['id']:<46} keras={'ok' if k['ok'] else k['error'][:60]} "
              f"pytorch={'ok' if p['ok'] else p['error'][:60]} "
              f"diff={eq.get('max_abs_diff')} {eq.get('error', '')}", file=sys.stderr)
    if only:
        if records:
            print(json.dumps(records, indent=1, ensure_ascii=False))
        return 0
    meta = {
        "generator": "tools/make_snippet_reference.py",
        "torch_version": torch.__version__, "keras_version": keras.__version__,
        "torchinfo_version": torchinfo.__version__, "keras_backend": keras.backend.backend(),
        "python": sys.version.split()[0], "date": datetime.date.today().isoformat(),
        "line_lengths": list(LINE_LENGTHS), "n_cases": len(records),
        "rules": _RULES.replace("{dims}", dims),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "cases": records}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    bad = [r["id"] for r in records if not (r["keras"]["ok"] and r["pytorch"]["ok"])]
    print(f"wrote {out} ({len(records)} cases; failing: {bad or 'none'})", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rank", choices=("2", "nd", "all"), default="all",
                    help="2: the 2D cases; nd: the 1D and 3D cases; all (default): both")
    ap.add_argument("--out", type=Path, help="output file (with --rank 2 or nd only)")
    ap.add_argument("--only", help="run one case id and print it (no file written)")
    opts = ap.parse_args(argv)
    if opts.out and opts.rank == "all":
        ap.error("--out needs --rank 2 or --rank nd")
    rc = 0
    if opts.rank in ("2", "all"):
        rc |= write_reference(CASES, opts.out or DEFAULT_OUT, "H, W", opts.only)
    if opts.rank in ("nd", "all"):
        rc |= write_reference(CASES_ND, opts.out or DEFAULT_OUT_ND, "*spatial", opts.only)
    return rc


if __name__ == "__main__":
    sys.exit(main())
