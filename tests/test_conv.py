"""Unit and property tests for lib.conv (the framework cross-check lives in test_reference.py)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lib.conv import KINDS, LIMITS, ConvError, ConvResult, analyze

CLASSIC = dict(k=10, w=4, c=3, H=32, W=32)


# --- The seed cases: the mission's numbers, as a student asks them --------------------

def test_seed_standard_is_490_params_and_29x29x10():
    r = analyze("standard", **CLASSIC, stride=1, padding="valid", dilation=1, groups=1,
                bias=True, depth_multiplier=1, output_padding=0)
    assert r.params == 490
    assert r.output_shape == (29, 29, 10)


def test_seed_shared_channels_is_170():
    assert analyze("shared_channels", **CLASSIC).params == 170


def test_seed_separable_keras_is_88():
    assert analyze("separable_keras", **CLASSIC).params == 88


def test_seed_separable_pytorch_is_91():
    assert analyze("separable_pytorch", **CLASSIC).params == 91


def test_seed_explanation_answers_the_question():
    text = " ".join(analyze("standard", **CLASSIC).explanation)
    assert "32 − 4 + 1 = 29" in text and "not 32 − 4 = 28" in text
    assert "3×10×4×4 = 480" in text and "10×4×4 = 160" in text


def test_kinds_are_exactly_the_documented_names():
    assert set(KINDS) == {"standard", "pointwise", "grouped", "depthwise", "separable_keras",
                          "separable_pytorch", "shared_channels", "transposed",
                          "spatially_separable"}


# --- Error messages name the value and the rule ----------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="grouped", k=12, w=3, c=4, H=8, W=8, groups=3), "groups=3 must divide c=4"),
    (dict(kind="grouped", k=10, w=3, c=4, H=8, W=8, groups=4), "groups=4 must divide k=10"),
    (dict(kind="standard", k=4, w=7, c=3, H=8, W=8, dilation=2, padding=1),
     "kernel 7 (dilated 13) is larger than padded input 10"),
    (dict(kind="standard", k=4, w=5, c=3, H=4, W=9), "kernel 5 is larger than padded input 4"),
    (dict(kind="standard", k=0, w=3, c=3, H=8, W=8), "k=0 must be at least 1"),
    (dict(kind="standard", k=4, w=3, c=-2, H=8, W=8), "c=-2 must be at least 1"),
    (dict(kind="standard", k=4, w=3, c=5000, H=8, W=8), "c=5000 is above the limit 4096"),
    (dict(kind="standard", k=4097, w=3, c=3, H=8, W=8), "k=4097 is above the limit 4096"),
    (dict(kind="standard", k=4, w=3, c=3, H=9000, W=8), "H=9000 is above the limit 8192"),
    (dict(kind="standard", k=4, w=3.0, c=3, H=8, W=8), "w=3.0 must be a whole number"),
    (dict(kind="standard", k=True, w=3, c=3, H=8, W=8), "k=True must be a whole number"),
    (dict(kind="standard", k=4, w=3, c=3, H=8, W=8, padding="full"), "padding='full'"),
    (dict(kind="standard", k=4, w=(3, 3, 3), c=3, H=8, W=8), "(h, w) pair"),
    (dict(kind="circular", k=4, w=3, c=3, H=8, W=8), "kind='circular' is not one of"),
    (dict(kind="standard", k=4, w=3, c=3, H=8, W=8, bias="yes"), "bias='yes' must be True"),
    (dict(kind="transposed", k=4, w=3, c=3, H=8, W=8, stride=2, padding=1, output_padding=2),
     "output_padding=2 must be smaller than stride=2 or dilation=1"),
    (dict(kind="transposed", k=4, w=3, c=3, H=8, W=8, stride=2, padding="same",
          output_padding=2), "output_padding=2 must be smaller than stride=2"),
    (dict(kind="transposed", k=4, w=3, c=4, H=8, W=8, groups=2, padding="same"),
     "Keras Conv2DTranspose has no groups"),
    (dict(kind="separable_pytorch", k=4, w=3, c=3, H=8, W=8, stride=2, padding="same"),
     "PyTorch's nn.Conv2d refuses 'same' for strided convolutions"),
])
def test_invalid_configurations_raise_convError_naming_value_and_rule(kwargs, message):
    with pytest.raises(ConvError) as err:
        analyze(**kwargs)
    assert message in str(err.value)


def test_conv_error_is_a_value_error():
    assert issubclass(ConvError, ValueError)


def test_padding_same_pads_asymmetrically_like_keras():
    # H=7, stride 2, kernel 4: out = ceil(7/2) = 4, total = 3*2 + 4 - 7 = 3 -> 1 top, 2 bottom
    axis = analyze("standard", k=1, w=4, c=1, H=7, W=7, stride=2, padding="same").stages[0].axes[0]
    assert (axis.size_out, axis.before, axis.after) == (4, 1, 2)


def test_pointwise_ignores_w_and_says_so():
    r = analyze("pointwise", k=8, w=5, c=3, H=10, W=10)
    assert r.stages[0].kernel == (1, 1)
    assert any(name == "w" for name, _ in r.ignored)


# --- Property tests -------------------------------------------------------------------

small = st.integers(1, 16)
valid_kwargs = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS),
    "k": st.integers(1, 64), "w": st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5))),
    "c": st.integers(1, 64), "H": st.integers(1, 80), "W": st.integers(1, 80),
    "stride": st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))),
    "padding": st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 3),
                         st.tuples(st.integers(0, 3), st.integers(0, 3))),
    "dilation": st.integers(1, 3), "groups": st.sampled_from([1, 2, 4]),
    "bias": st.booleans(), "depth_multiplier": st.integers(1, 4),
    "output_padding": st.integers(0, 2),
})


def _try(kwargs) -> ConvResult | None:
    try:
        return analyze(**kwargs)
    except ConvError:
        return None


@settings(max_examples=400, deadline=None)
@given(valid_kwargs, st.integers(1, 200), st.integers(1, 200))
def test_params_do_not_depend_on_H_or_W(kwargs, H2, W2):
    a = _try(kwargs)
    b = _try({**kwargs, "H": H2, "W": W2})
    assume(a is not None and b is not None)
    assert a.params == b.params
    assert [s.params for s in a.stages] == [s.params for s in b.stages]


@settings(max_examples=400, deadline=None)
@given(valid_kwargs)
def test_macs_are_positions_times_per_position_cost(kwargs):
    r = _try(kwargs)
    assume(r is not None)
    total = 0
    for s in r.stages:
        kh, kw = s.kernel
        if s.op == "channel_sum":
            continue
        if s.op == "transposed":  # every input cell scatters a kernel of C_out/g channels
            positions, per = s.in_shape[0] * s.in_shape[1], s.in_channels * (s.out_channels // s.groups) * kh * kw
        else:  # every output cell is a dot product over C_in/g channels
            positions, per = s.out_shape[0] * s.out_shape[1], s.out_channels * (s.in_channels // s.groups) * kh * kw
        total += positions * per
    assert r.macs == total and r.flops == 2 * r.macs


@settings(max_examples=300, deadline=None)
@given(valid_kwargs)
def test_stages_chain_and_parts_add_up(kwargs):
    r = _try(kwargs)
    assume(r is not None)
    assert r.stages[0].in_shape == (kwargs["H"], kwargs["W"], kwargs["c"])
    for a, b in zip(r.stages, r.stages[1:]):
        assert a.out_shape == b.in_shape
    assert r.output_shape == r.stages[-1].out_shape
    assert r.params == r.weight_params + r.bias_params == sum(s.params for s in r.stages)
    assert min(r.output_shape) >= 1
    for s in r.stages:
        if s.op != "channel_sum":
            assert math.prod(s.torch_weight_shape) == s.weight_params
        if s.keras_weight_shape:
            assert math.prod(s.keras_weight_shape) == s.weight_params


def _eval_latex(expr: str) -> float:
    """Evaluate the numbers-substituted side of one of our formulas."""
    py = (expr.replace("\\left\\lfloor", "math.floor(").replace("\\right\\rfloor", ")")
          .replace("\\left\\lceil", "math.ceil(").replace("\\right\\rceil", ")")
          .replace("\\cdot", "*").replace("\\max", "max").replace("{,}", ""))
    assert re.fullmatch(r"[0-9+\-*/(), .a-z]*", py), py
    return eval(py, {"math": math, "__builtins__": {}}, {"max": max})


@settings(max_examples=400, deadline=None)
@given(valid_kwargs)
def test_formulas_with_numbers_evaluate_to_the_numbers_shown(kwargs):
    r = _try(kwargs)
    assume(r is not None)
    assert _eval_latex(r.params_formula.substituted) == r.params
    assert r.params_latex.endswith(f"&= {r.params:,}".replace(",", "{,}") + "\\end{aligned}")
    for formula, size in zip(r.output_formulas, r.output_shape[:2]):
        assert _eval_latex(formula.substituted) == size == formula.value


@settings(max_examples=300, deadline=None)
@given(c=small, m=st.integers(1, 4), w=st.integers(1, 5), H=st.integers(5, 40),
       s=st.integers(1, 3), bias=st.booleans())
def test_depthwise_is_grouped_with_groups_equal_c(c, m, w, H, s, bias):
    """One family: groups = c and k = c·m is exactly a depthwise conv."""
    dw = analyze("depthwise", k=1, w=w, c=c, H=H, W=H, stride=s, depth_multiplier=m, bias=bias)
    gr = analyze("grouped", k=c * m, w=w, c=c, H=H, W=H, stride=s, groups=c, bias=bias)
    assert (dw.params, dw.macs, dw.output_shape) == (gr.params, gr.macs, gr.output_shape)


@settings(max_examples=200, deadline=None)
@given(valid_kwargs)
def test_separable_pytorch_has_one_extra_bias_vector(kwargs):
    kwargs = {**kwargs, "bias": True, "padding": "valid"}
    a, b = _try({**kwargs, "kind": "separable_keras"}), _try({**kwargs, "kind": "separable_pytorch"})
    assume(a is not None and b is not None)
    assert b.params - a.params == kwargs["c"] * kwargs["depth_multiplier"]


@settings(max_examples=300, deadline=None)
@given(valid_kwargs)
def test_single_conv_receptive_field_is_the_dilated_kernel(kwargs):
    r = _try(kwargs)
    assume(r is not None and r.kind in ("standard", "grouped", "depthwise", "shared_channels"))
    assert r.receptive_field == r.effective_kernel
    d = kwargs["dilation"]
    kh, kw = r.stages[-1].kernel
    assert r.effective_kernel == (d * (kh - 1) + 1, d * (kw - 1) + 1)


anything = st.one_of(st.integers(-5, 10_000), st.floats(allow_nan=True), st.text(max_size=4),
                     st.none(), st.booleans(), st.tuples(st.integers(-2, 9), st.integers(-2, 9)),
                     st.lists(st.integers(0, 5), max_size=3))


@settings(max_examples=600, deadline=None)
@given(kind=st.one_of(st.sampled_from(KINDS), st.text(max_size=6)), k=anything, w=anything,
       c=anything, H=anything, W=anything, stride=anything, padding=anything,
       dilation=anything, groups=anything, bias=st.one_of(st.booleans(), anything),
       dm=anything, op=anything)
def test_any_input_gives_a_sane_result_or_convError(kind, k, w, c, H, W, stride, padding,
                                                   dilation, groups, bias, dm, op):
    try:
        r = analyze(kind, k, w, c, H, W, stride=stride, padding=padding, dilation=dilation,
                    groups=groups, bias=bias, depth_multiplier=dm, output_padding=op)
    except ConvError as err:
        assert str(err)
        return
    assert r.params > 0 and r.macs > 0 and min(r.output_shape) >= 1
    assert r.spec.k <= LIMITS["k"] and r.spec.c <= LIMITS["c"]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dims", [dict(W=9), dict(H=9, W=8), dict(D=5, H=6, W=7)])
@pytest.mark.parametrize("k, w, c", [(10, 4, 3), (1, 1, 1), (7, 3, 16)])
def test_shared_channels_sentence_names_the_standard_convs_own_count(bias, dims, k, w, c):
    """The explanation compares a shared-channels conv with the standard conv of the same
    k, kernel and c; both numbers it prints are analyze()'s (framework-checked) counts."""
    r = analyze("shared_channels", k=k, w=w, c=c, bias=bias, **dims)
    standard = analyze("standard", k=k, w=w, c=c, bias=bias, **dims)
    sentence = r.explanation[0]
    assert f"= {r.params:,}:" in sentence, sentence
    assert f"a standard conv ({standard.params:,})" in sentence, sentence
