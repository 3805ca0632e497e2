"""Run the snippets of lib.snippets with the REAL frameworks and record what they print.

Dev-only. Writes ``tests/data/snippet_reference.json``. For ~40 configurations covering
every conv kind (explicit padding, 'same' with stride 2, groups, bias off, strides with
dilation, both transposed modes) it

1. exec()s ``keras_code(r)`` (``KERAS_BACKEND=torch``, after ``keras.utils.clear_session()``
   so auto-names start fresh) and ``pytorch_code(r)``; both must run without error;
2. records the real ``model.summary()`` text (what the snippet printed to stdout, plus
   ``model.summary(line_length=76 / 88, print_fn=...)``), Keras's own layer list
   (name, class, output shape, params), ``model.count_params()`` and output shape;
3. records what the PyTorch snippet printed (params, output shape), the real
   ``torchinfo.summary(model, input_size=(1, c, H, W))`` text and its total mult-adds;
4. copies the Keras model's weights into the PyTorch model and records the largest
   difference between the two outputs on one random input: the two snippets compute the
   same function (same padding placement, same crops), not only the same shapes.

torch, keras and torchinfo are imported ONLY here; the app and its tests never need them.

Setup (from the repo root; ``.venv-ref`` is gitignored)::

    python3 -m venv .venv-ref && .venv-ref/bin/pip install torch==2.13.0 keras numpy
    .venv-ref/bin/pip install torchinfo

Run (from the repo root; ~1 minute)::

    .venv-ref/bin/python tools/make_snippet_reference.py [--out PATH] [--only ID]
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

def _torch_arrays(layer) -> list[np.ndarray]:
    """A Keras layer's weights in the order and layout of the PyTorch parameters."""
    cls = type(layer).__name__
    w = [np.asarray(v) for v in layer.get_weights()]
    if cls == "Conv2D":
        return [w[0].transpose(3, 2, 0, 1)] + w[1:]
    if cls == "DepthwiseConv2D":
        kh, kw, c, m = w[0].shape
        return [w[0].reshape(kh, kw, c * m).transpose(2, 0, 1)[:, None]] + w[1:]
    if cls == "SeparableConv2D":
        kh, kw, c, m = w[0].shape
        dw = w[0].reshape(kh, kw, c * m).transpose(2, 0, 1)[:, None]
        return [dw, w[1].transpose(3, 2, 0, 1)] + w[2:]
    if cls == "Conv2DTranspose":  # keras (kh, kw, out, in) -> torch (in, out, kh, kw)
        return [w[0].transpose(3, 2, 0, 1)] + w[1:]
    if cls == "GroupedConv2DTranspose":
        kernels, biases = [], []
        for conv in layer.convs:
            cw = [np.asarray(v) for v in conv.get_weights()]
            kernels.append(cw[0].transpose(3, 2, 0, 1))
            biases += cw[1:]
        return [np.concatenate(kernels, axis=0)] + (
            [np.concatenate(biases)] if biases else [])
    return w  # no weights


def equivalence(kres: dict, pres: dict, input_hwc: tuple[int, int, int]) -> tuple[float, float]:
    """(max |keras - torch|, max |torch|) on one input, Keras weights copied to PyTorch."""
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
    x = rng.standard_normal((1, *input_hwc)).astype("float32")
    yk = np.asarray(keras.ops.convert_to_numpy(kmodel(x)))
    with torch.no_grad():
        yp = pmodel(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
    yp = yp.transpose(0, 2, 3, 1)
    if yk.shape != yp.shape:
        raise AssertionError(f"outputs differ in shape: keras {yk.shape} torch {yp.shape}")
    scale = float(np.max(np.abs(yp))) if yp.size else 0.0
    diff = float(np.max(np.abs(yk - yp))) if yk.size else 0.0
    return diff, scale


def run_case(c: dict) -> dict:
    r = _analyze(c["args"])
    H, W, ch = r.input_shape
    kcode, pcode = keras_code(r), pytorch_code(r)
    rec = {"id": c["id"], "args": c["args"], "keras_code": kcode, "pytorch_code": pcode}
    try:
        k = run_keras(kcode)
    except Exception as exc:  # recorded; the test then fails
        k = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
             "trace": traceback.format_exc()[-2000:]}
    try:
        p = run_pytorch(pcode, (1, ch, H, W))
    except Exception as exc:
        p = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
             "trace": traceback.format_exc()[-2000:]}
    eq: dict = {"max_abs_diff": None, "max_abs_output": None}
    if k["ok"] and p["ok"]:
        try:
            eq["max_abs_diff"], eq["max_abs_output"] = equivalence(k, p, (H, W, ch))
        except Exception as exc:
            eq["error"] = f"{type(exc).__name__}: {exc}"[:500]
    for d in (k, p):
        d.pop("_model", None)
    rec["keras"] = k
    rec["pytorch"] = p
    rec["equivalence"] = eq
    return rec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", help="run one case id and print it (no file written)")
    opts = ap.parse_args(argv)
    cases = [c for c in CASES if not opts.only or c["id"] == opts.only]
    records = []
    for c in cases:
        rec = run_case(c)
        records.append(rec)
        k, p, eq = rec["keras"], rec["pytorch"], rec["equivalence"]
        print(f"{c['id']:<46} keras={'ok' if k['ok'] else k['error'][:60]} "
              f"pytorch={'ok' if p['ok'] else p['error'][:60]} "
              f"diff={eq.get('max_abs_diff')} {eq.get('error', '')}", file=sys.stderr)
    if opts.only:
        print(json.dumps(records, indent=1, ensure_ascii=False))
        return 0
    meta = {
        "generator": "tools/make_snippet_reference.py",
        "torch_version": torch.__version__, "keras_version": keras.__version__,
        "torchinfo_version": torchinfo.__version__, "keras_backend": keras.backend.backend(),
        "python": sys.version.split()[0], "date": datetime.date.today().isoformat(),
        "line_lengths": list(LINE_LENGTHS), "n_cases": len(records),
        "rules": ("Per case: args = lib.conv.analyze(**args); keras = exec(keras_code(r)) "
                  "after keras.utils.clear_session(): stdout = what the snippet printed "
                  "(model.summary() at a 200-column console, so line_length 88), summary = "
                  "model.summary(line_length=N, print_fn=...) text, layers = [name, class, "
                  "output shape, count_params()] from the model; pytorch = exec("
                  "pytorch_code(r)): stdout, printed params / output shape, torchinfo = "
                  "str(torchinfo.summary(model, input_size=(1, c, H, W), verbose=0)); "
                  "equivalence.max_abs_diff = max |keras(x) - torch(x)| after copying the "
                  "Keras weights into the PyTorch model (float32, one N(0,1) input)."),
    }
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    with open(opts.out, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "cases": records}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    bad = [r["id"] for r in records if not (r["keras"]["ok"] and r["pytorch"]["ok"])]
    print(f"wrote {opts.out} ({len(records)} cases; failing: {bad or 'none'})",
          file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
