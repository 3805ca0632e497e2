"""lib.snippets against what the REAL frameworks printed (no torch/keras needed here).

2D here; 1D and 3D in ``tests/test_snippets_nd.py`` (same checks, ``snippet_reference_nd.json``).
``tests/data/snippet_reference.json`` is written by ``tools/make_snippet_reference.py``:
for every case it exec()'d ``keras_code(r)`` and ``pytorch_code(r)`` with Keras 3 (torch
backend), PyTorch 2.13 and torchinfo 1.8, and stored what they printed. Everything below
compares our output with those framework-produced texts and numbers (parsed
independently of lib.snippets), never with our own output.

Mult-adds: torchinfo's ``Total mult-adds`` is ``(weights + biases) × output positions``
summed over the conv layers. That is ``r.macs`` plus one add per bias and output cell for
a conv, but for a transposed conv lib.conv counts ``weights × INPUT positions`` (each input
cell scatters its kernel) while torchinfo multiplies by the OUTPUT positions; see
``test_torchinfo_mult_adds_convention``.
"""

from __future__ import annotations

import json
import subprocess
import sys
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

REF_PATH = Path(__file__).parent / "data" / "snippet_reference.json"
REF = json.loads(REF_PATH.read_text(encoding="utf-8"))
CASES = REF["cases"]
IDS = [c["id"] for c in CASES]
REGENERATE = "re-run: .venv-ref/bin/python tools/make_snippet_reference.py"


def _result(case: dict):
    args = dict(case["args"])
    return analyze(args.pop("kind"), **args)


def _norm(text: str) -> str:
    """Whitespace-normalised: trailing spaces and trailing blank lines dropped."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


# --- the reference itself ------------------------------------------------------------

def test_reference_covers_every_kind_and_the_hard_cases():
    assert len(CASES) >= 40
    args = [c["args"] for c in CASES]
    assert {a["kind"] for a in args} == set(KINDS)
    assert any(not isinstance(a.get("padding", "valid"), str) for a in args)
    assert any(a.get("padding") == "same" and a.get("stride", 1) == 2 for a in args)
    assert any(a.get("groups", 1) > 1 and a["kind"] == "grouped" for a in args)
    assert any(a.get("groups", 1) > 1 and a["kind"] == "transposed" for a in args)
    assert any(a.get("bias") is False for a in args)
    transposed = [a for a in args if a["kind"] == "transposed"]
    assert any(isinstance(a.get("padding", "valid"), str) for a in transposed)
    assert any(not isinstance(a.get("padding", "valid"), str) for a in transposed)
    assert REF["meta"]["keras_backend"] == "torch"
    assert REF["meta"]["line_lengths"] == [76, 88]


def test_parsers_read_the_real_tables():
    """Guard against a parser that silently finds nothing."""
    for case in CASES:
        k = parse_keras_summary(case["keras"]["summary"]["88"])
        assert len(k["rows"]) == len(case["keras"]["layers"]) > 0
        t = parse_torchinfo(case["pytorch"]["torchinfo"])
        assert t["root"][0] == "Sequential"
        assert [row[0] for row in t["rows"]] == case["pytorch"]["layer_types"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reference_is_current(case):
    """The stored run used today's snippets (else the comparisons below are stale)."""
    r = _result(case)
    assert keras_code(r) == case["keras_code"], REGENERATE
    assert pytorch_code(r) == case["pytorch_code"], REGENERATE


# --- snippets ------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_snippets_compile_and_ran_with_the_real_frameworks(case):
    r = _result(case)
    compile(keras_code(r), "<snippet>", "exec")
    compile(pytorch_code(r), "<snippet>", "exec")
    assert case["keras"]["ok"], case["keras"].get("error")
    assert case["pytorch"]["ok"], case["pytorch"].get("error")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_real_runs_count_r_params_and_shape(case):
    r = _result(case)
    oh, ow, oc = r.output_shape
    assert case["keras"]["params"] == r.params
    assert case["keras"]["output_shape"] == [None, oh, ow, oc]
    assert case["pytorch"]["printed_params"] == r.params
    assert case["pytorch"]["params"] == r.params
    assert case["pytorch"]["printed_output_shape"] == [1, oc, oh, ow]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_keras_and_pytorch_snippets_compute_the_same_function(case):
    """Keras weights copied into the PyTorch model give the same output (padding
    placement, crops and biases included), within float32 rounding."""
    eq = case["equivalence"]
    assert eq["max_abs_diff"] is not None, eq.get("error")
    assert eq["max_abs_diff"] <= 1e-5 * max(1.0, eq["max_abs_output"])


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
    # and the model's own layer list (names, classes, shapes, count_params)
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
    oh, ow, oc = r.output_shape
    assert real["root"] == ("Sequential", (1, oc, oh, ow), 0)
    assert real["total"] == real["trainable"] == r.params == case["pytorch"]["total_params"]
    assert torchinfo_mult_adds(r) == case["pytorch"]["total_mult_adds"]
    H, W, c = r.input_shape
    assert real["input_mb"] == f"{(H * W * c * 4 + 64) / 1e6:.2f}"  # + storage object
    assert real["params_mb"] == f"{r.params * 4 / 1e6:.2f}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_torchinfo_mult_adds_convention(case):
    """torchinfo: (weights + biases) × the conv layer's own output positions; lib.conv's
    r.macs differs by the bias adds (convs) and, for transposed convs, counts input
    positions (and ignores any cropping layer after the conv)."""
    r = _result(case)
    real = case["pytorch"]["total_mult_adds"]
    rows = parse_torchinfo(case["pytorch"]["torchinfo"])["rows"]
    assert real == sum(p * shape[2] * shape[3] for cls, shape, p in rows if "Conv" in cls)
    spatial = [s for s in r.stages if s.op != "channel_sum"]
    bias_adds = sum(s.bias_params * s.out_shape[0] * s.out_shape[1] for s in spatial)
    if r.kind != "transposed":
        assert real == r.macs + bias_adds
    else:
        (s,) = spatial
        assert r.macs == s.weight_params * s.in_shape[0] * s.in_shape[1]
        assert real != r.macs + bias_adds  # different conventions (true for every case here)


# --- properties and hygiene ----------------------------------------------------------

@st.composite
def configs(draw):
    kind = draw(st.sampled_from(KINDS))
    return dict(
        kind=kind, k=draw(st.sampled_from([1, 2, 4, 6, 12])),
        w=draw(st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)))),
        c=draw(st.sampled_from([1, 2, 3, 4, 6, 12])), H=draw(st.integers(1, 20)),
        W=draw(st.integers(1, 20)),
        stride=draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3),
                                                             st.integers(1, 3)))),
        padding=draw(st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 3),
                               st.tuples(st.integers(0, 3), st.integers(0, 3)))),
        dilation=draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3),
                                                               st.integers(1, 3)))),
        groups=draw(st.sampled_from([1, 2, 3])), bias=draw(st.booleans()),
        depth_multiplier=draw(st.integers(1, 3)),
        output_padding=draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2),
                                                                     st.integers(0, 2)))),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_every_valid_configuration_gets_consistent_snippets(cfg):
    kind = cfg.pop("kind")
    try:
        r = analyze(kind, **cfg)
    except ConvError:
        return
    oh, ow, oc = r.output_shape
    for fw, final in (("keras", (None, oh, ow, oc)), ("pytorch", (1, oc, oh, ow))):
        rows = layer_rows(r, fw)
        assert sum(row.params for row in rows) == r.params
        assert rows[-1].output_shape == final
    compile(keras_code(r), "<snippet>", "exec")
    compile(pytorch_code(r), "<snippet>", "exec")
    assert f"Total params: {r.params:,} " in keras_summary(r)
    assert f"Total params: {r.params:,}\n" in torchinfo_summary(r)


def test_layer_rows_rejects_unknown_framework():
    with pytest.raises(ValueError):
        layer_rows(analyze("standard", 10, 4, 3, 32, 32), "jax")


def test_readable_bytes_follows_keras():
    assert readable_bytes(1960) == "1.91 KB"
    assert readable_bytes(0) == "0.00 B"
    assert readable_bytes(4 * 1_180_160) == "4.50 MB"


def test_lib_snippets_needs_no_framework():
    code = ("import sys, lib.snippets; "
            "bad = [m for m in ('torch', 'keras', 'streamlit', 'torchinfo') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parent.parent)
