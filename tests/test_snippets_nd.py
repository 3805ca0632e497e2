"""lib.snippets in 1D and 3D against what the REAL frameworks printed (no torch/keras here).

``tests/data/snippet_reference_nd.json`` is written by ``tools/make_snippet_reference.py
--rank nd``: for every case it exec()'d ``keras_code(r)`` and ``pytorch_code(r)`` with Keras 3
(torch backend), PyTorch 2.13 and torchinfo 1.8 and stored what they printed (Conv1D/3D,
DepthwiseConv1D, SeparableConv1D, Conv1DTranspose/3DTranspose, ZeroPadding1D/3D,
Cropping1D/3D, nn.Conv1d/3d, nn.ConvTranspose1d/3d, nn.ZeroPad1d/3d, causal padding, and
Keras's missing DepthwiseConv3D written as Conv3D(groups=c)). The same checks as the 2D file
``tests/test_snippets.py``: exact texts, rows, params, shapes, mult-adds, and the two snippets
computing the same function (Keras weights copied into the PyTorch model).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.conv import KINDS, ConvError, analyze
from lib.snippets import (
    KERAS_LINE_LENGTH, keras_code, keras_summary, layer_rows, pytorch_code,
    torchinfo_mult_adds, torchinfo_summary,
)
from lib.text import readable_bytes
from tests.framework_checks import parse_keras_summary, parse_torchinfo

REF_PATH = Path(__file__).parent / "data" / "snippet_reference_nd.json"
REF = json.loads(REF_PATH.read_text(encoding="utf-8"))
CASES = REF["cases"]
IDS = [c["id"] for c in CASES]
REGENERATE = "re-run: .venv-ref/bin/python tools/make_snippet_reference.py --rank nd"

#: Kinds with a real layer per rank (1D spatially_separable and 3D separable_keras have none:
#: lib.conv refuses them, so there is nothing to write a snippet for).
KINDS_BY_RANK = {1: set(KINDS) - {"spatially_separable"}, 3: set(KINDS) - {"separable_keras"}}


def _rank(case: dict) -> int:
    return 3 if "D" in case["args"] else 1


def _result(case: dict):
    args = dict(case["args"])
    return analyze(args.pop("kind"), **args)


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _tuple(v) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _by_rank(rank: int) -> list[dict]:
    return [c["args"] for c in CASES if _rank(c) == rank]


# --- the reference itself ------------------------------------------------------------

@pytest.mark.parametrize("rank, minimum", [(1, 40), (3, 30)])
def test_reference_covers_every_kind_and_the_hard_cases(rank, minimum):
    args = _by_rank(rank)
    assert len(args) >= minimum
    assert {a["kind"] for a in args} == KINDS_BY_RANK[rank]

    def padding(a: dict):
        return a.get("padding", "valid")

    def stride(a: dict) -> int:
        return max(_tuple(a.get("stride", 1)))

    def dil(a: dict) -> int:
        return max(_tuple(a.get("dilation", 1)))

    assert any(not isinstance(padding(a), str) for a in args)
    assert any(padding(a) == "same" and stride(a) == 2 for a in args)
    assert any(dil(a) > 1 and stride(a) == 1 for a in args)
    assert any(dil(a) > 1 and stride(a) > 1 and a["kind"] == "standard" for a in args)
    assert any(a.get("groups", 1) > 1 and a["kind"] == "grouped" for a in args)
    assert any(a.get("groups", 1) > 1 and a["kind"] == "transposed" for a in args)
    assert any(a.get("bias") is False for a in args)
    transposed = [a for a in args if a["kind"] == "transposed"]
    assert any(isinstance(padding(a), str) for a in transposed)
    assert any(not isinstance(padding(a), str) for a in transposed)
    assert any(dil(a) > 1 and stride(a) > 1 for a in transposed)  # Keras's Lambda workaround
    if rank == 1:
        causal = {a["kind"] for a in args if padding(a) == "causal"}
        assert {"standard", "depthwise", "separable_pytorch", "shared_channels"} <= causal
        assert any(padding(a) == "causal" and stride(a) > 1 and dil(a) > 1 for a in args)
    else:
        assert any(a["kind"] == "depthwise" and dil(a) > 1 and stride(a) > 1 for a in args)
    assert REF["meta"]["keras_backend"] == "torch"
    assert REF["meta"]["line_lengths"] == [76, 88]


def test_kinds_without_a_real_layer_never_reach_the_snippets():
    with pytest.raises(ConvError, match="SeparableConv3D"):
        analyze("separable_keras", 4, 3, 2, D=4, H=5, W=6)
    with pytest.raises(ConvError, match="1D"):
        analyze("spatially_separable", 4, 3, 2, W=10)
    with pytest.raises(ConvError, match="causal"):  # Keras-only kind, Keras refuses causal
        analyze("separable_keras", 4, 3, 2, W=10, padding="causal")


def test_parsers_read_the_real_tables():
    for case in CASES:
        k = parse_keras_summary(case["keras"]["summary"]["88"])
        assert len(k["rows"]) == len(case["keras"]["layers"]) > 0
        t = parse_torchinfo(case["pytorch"]["torchinfo"])
        assert t["root"][0] == "Sequential"
        assert [row[0] for row in t["rows"]] == case["pytorch"]["layer_types"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reference_is_current(case):
    r = _result(case)
    assert keras_code(r) == case["keras_code"], REGENERATE
    assert pytorch_code(r) == case["pytorch_code"], REGENERATE


# --- snippets ------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_snippets_ran_with_the_real_frameworks(case):
    r = _result(case)
    compile(keras_code(r), "<snippet>", "exec")
    compile(pytorch_code(r), "<snippet>", "exec")
    assert case["keras"]["ok"], case["keras"].get("error")
    assert case["pytorch"]["ok"], case["pytorch"].get("error")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_real_runs_count_r_params_and_shape(case):
    r = _result(case)
    *spatial, oc = r.output_shape
    assert len(spatial) == r.rank == _rank(case)
    assert case["keras"]["params"] == r.params
    assert case["keras"]["output_shape"] == [None, *spatial, oc]
    assert case["pytorch"]["printed_params"] == r.params
    assert case["pytorch"]["params"] == r.params
    assert case["pytorch"]["printed_output_shape"] == [1, oc, *spatial]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_keras_and_pytorch_snippets_compute_the_same_function(case):
    eq = case["equivalence"]
    assert eq["max_abs_diff"] is not None, eq.get("error")
    assert eq["max_abs_diff"] <= 1e-5 * max(1.0, eq["max_abs_output"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_layers_are_the_ranks_own(case):
    """Conv1D/nn.Conv1d for sequences, Conv3D/nn.Conv3d for volumes: no 2D layer anywhere."""
    n = _rank(case)
    for _, cls, _, _ in case["keras"]["layers"]:
        assert cls == "Lambda" or re.search(rf"{n}D(Transpose)?$", cls), cls
    for cls in case["pytorch"]["layer_types"]:
        assert cls == "SumChannels" or re.search(rf"{n}d$", cls), cls
    assert "2D" not in case["keras_code"] and "2d" not in case["pytorch_code"]


# --- what each framework lacks, shown in the snippet ---------------------------------

def _cases(pred) -> list[dict]:
    return [c for c in CASES if pred(c["args"])]


def test_3d_depthwise_is_a_grouped_conv3d_in_keras():
    cases = _cases(lambda a: "D" in a and a["kind"] in ("depthwise", "separable_pytorch"))
    assert len(cases) >= 5
    for case in cases:
        r = _result(case)
        code = case["keras_code"]
        assert "DepthwiseConv3D" not in [cls for _, cls, _, _ in case["keras"]["layers"]]
        assert "# Keras has no DepthwiseConv3D" in code
        assert f"groups={r.spec.c})" in code or f"groups={r.spec.c}," in code
        dw = r.stages[0]
        assert f"nn.Conv3d({dw.in_channels}, {dw.out_channels}, " in case["pytorch_code"]
        assert f"groups={dw.in_channels}" in case["pytorch_code"]
        assert case["keras"]["params"] == case["pytorch"]["params"] == r.params


def test_causal_padding():
    cases = _cases(lambda a: a.get("padding") == "causal")
    assert len(cases) >= 8
    for case in cases:
        r = _result(case)
        st = next(s for s in r.stages if s.op != "channel_sum")
        left = st.axes[0].extent - 1
        kcode, pcode = case["keras_code"], case["pytorch_code"]
        assert "causal" not in pcode.replace("padding='causal'", "")  # PyTorch has none
        if left:
            assert f"nn.ZeroPad1d(({left}, 0))" in pcode
            assert "# PyTorch has no padding='causal'" in pcode
        keras_native = (r.kind in ("standard", "grouped", "shared_channels", "pointwise")
                        and not (max(st.stride) > 1 and max(st.dilation) > 1))
        if keras_native:
            assert 'padding="causal"' in kcode
        else:  # DepthwiseConv1D refuses 'causal'; Conv1D refuses stride with dilation
            assert 'padding="causal"' not in kcode
            assert f"layers.ZeroPadding1D(padding=({left}, 0))" in kcode
        # output step t sees only inputs <= t: W_out = ceil(W / stride)
        assert r.output_shape[0] == -(-r.input_shape[0] // st.stride[0])


def test_strided_dilated_keras_workarounds_still_run():
    cases = _cases(lambda a: max(_tuple(a.get("stride", 1))) > 1
                   and max(_tuple(a.get("dilation", 1))) > 1
                   and a["kind"] in ("standard", "grouped", "shared_channels",
                                     "spatially_separable", "transposed")
                   or (a["kind"] == "depthwise" and "D" in a
                       and max(_tuple(a.get("dilation", 1))) > 1
                       and max(_tuple(a.get("stride", 1))) > 1))
    assert len(cases) >= 8
    for case in cases:
        classes = [cls for _, cls, _, _ in case["keras"]["layers"]]
        assert any(c.startswith("MaxPooling") or c == "Lambda" for c in classes), classes
        assert "refuses strides > 1 together with dilation_rate > 1" in case["keras_code"]
        assert case["keras"]["ok"] and case["equivalence"]["max_abs_diff"] is not None


# --- Keras summary -------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("width", [76, 88])
def test_keras_summary_text_is_what_keras_prints(case, width):
    r = _result(case)
    assert _norm(keras_summary(r, line_length=width)) == _norm(case["keras"]["summary"][str(width)])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_keras_summary_default_is_what_the_snippet_printed(case):
    assert KERAS_LINE_LENGTH == 88
    assert _norm(keras_summary(_result(case))) == _norm(case["keras"]["stdout"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_keras_rows_and_totals_match_the_real_summary(case):
    r = _result(case)
    real = parse_keras_summary(case["keras"]["summary"]["88"])
    ours = [tuple(row) for row in layer_rows(r, "keras")]
    assert ours == real["rows"]
    assert [(n, t, tuple(s), p) for n, t, s, p in case["keras"]["layers"]] == ours
    assert real["title"] == "sequential"
    size = readable_bytes(4 * r.params)
    assert real["totals"] == {"Total": (r.params, size), "Trainable": (r.params, size),
                              "Non-trainable": (0, "0.00 B")}
    assert real["rows"][-1][2] == (None, *r.output_shape)


# --- torchinfo -----------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torchinfo_text_is_what_torchinfo_prints(case):
    assert _norm(torchinfo_summary(_result(case))) == _norm(case["pytorch"]["torchinfo"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torchinfo_rows_and_totals_match(case):
    r = _result(case)
    real = parse_torchinfo(case["pytorch"]["torchinfo"])
    ours = [(row.type, row.output_shape, row.params) for row in layer_rows(r, "pytorch")]
    assert ours == real["rows"]
    *spatial, oc = r.output_shape
    assert real["root"] == ("Sequential", (1, oc, *spatial), 0)
    assert real["total"] == real["trainable"] == r.params == case["pytorch"]["total_params"]
    assert torchinfo_mult_adds(r) == case["pytorch"]["total_mult_adds"]
    assert real["input_mb"] == f"{(math.prod(r.input_shape) * 4 + 64) / 1e6:.2f}"
    assert real["params_mb"] == f"{r.params * 4 / 1e6:.2f}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torchinfo_mult_adds_convention(case):
    """(weights + biases) × the conv layer's own output positions, in any rank."""
    r = _result(case)
    real = case["pytorch"]["total_mult_adds"]
    rows = parse_torchinfo(case["pytorch"]["torchinfo"])["rows"]
    assert real == sum(p * math.prod(shape[2:]) for cls, shape, p in rows if "Conv" in cls)
    spatial = [s for s in r.stages if s.op != "channel_sum"]
    bias_adds = sum(s.bias_params * math.prod(s.out_shape[:-1]) for s in spatial)
    if r.kind != "transposed":
        assert real == r.macs + bias_adds
    else:
        (s,) = spatial
        assert r.macs == s.weight_params * math.prod(s.in_shape[:-1])


# --- properties ----------------------------------------------------------------------

def _per_axis(rank: int, values):
    return st.one_of(values, st.tuples(*[values] * rank)) if rank > 1 else values


@st.composite
def configs(draw, rank: int):
    kinds = sorted(KINDS_BY_RANK[rank])
    size = st.integers(1, 20) if rank == 1 else st.integers(1, 7)
    paddings = ["valid", "same"] + (["causal"] if rank == 1 else [])
    cfg = dict(
        kind=draw(st.sampled_from(kinds)), k=draw(st.sampled_from([1, 2, 4, 6])),
        w=draw(_per_axis(rank, st.integers(1, 4))), c=draw(st.sampled_from([1, 2, 3, 4, 6])),
        W=draw(size), stride=draw(_per_axis(rank, st.integers(1, 3))),
        padding=draw(st.one_of(st.sampled_from(paddings), _per_axis(rank, st.integers(0, 2)))),
        dilation=draw(_per_axis(rank, st.integers(1, 3))),
        groups=draw(st.sampled_from([1, 2, 3])), bias=draw(st.booleans()),
        depth_multiplier=draw(st.integers(1, 3)),
        output_padding=draw(_per_axis(rank, st.integers(0, 2))),
    )
    if rank == 3:
        cfg.update(D=draw(size), H=draw(size))
    return cfg


def _check_consistent(cfg: dict) -> None:
    kind = cfg.pop("kind")
    try:
        r = analyze(kind, **cfg)
    except ConvError:
        return
    *spatial, oc = r.output_shape
    for fw, final in (("keras", (None, *spatial, oc)), ("pytorch", (1, oc, *spatial))):
        rows = layer_rows(r, fw)
        assert sum(row.params for row in rows) == r.params
        assert rows[-1].output_shape == final
        assert all(len(row.output_shape) == r.rank + 2 for row in rows)
    compile(keras_code(r), "<snippet>", "exec")
    compile(pytorch_code(r), "<snippet>", "exec")
    assert f"Total params: {r.params:,} " in keras_summary(r)
    assert f"Total params: {r.params:,}\n" in torchinfo_summary(r)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs(1))
def test_every_valid_1d_configuration_gets_consistent_snippets(cfg):
    _check_consistent(cfg)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs(3))
def test_every_valid_3d_configuration_gets_consistent_snippets(cfg):
    _check_consistent(cfg)
