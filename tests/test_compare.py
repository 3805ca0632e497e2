"""lib.compare: every kind side by side, the separable ratio, the table and the CSV."""

from __future__ import annotations

import csv
import io
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.compare import (CSV_COLUMNS, TABLE_COLUMNS, TRADEOFFS, CompareRow, auto_groups,
                         compare_csv, compare_kinds, compare_kwargs, compare_table,
                         csv_columns, csv_file_name, groups_caption, groups_for, kernel_hw,
                         parse_compare_query, results_by_kind, separable_ratio_exact,
                         separable_ratio_limit, separable_theory, settings_caption,
                         table_columns)
from lib.conv import KIND_INFO, KINDS, ConvError, analyze
from lib.state import COMPARE_CONTROLS

CLASSIC = dict(k=10, w=4, c=3, H=32, W=32)


def _expected(kind: str, groups: int | None = None, **kw):
    """analyze() for one kind with the groups the table should pass (or the error text)."""
    kw = {**CLASSIC, **kw}
    g = groups_for(kind, kw["c"], kw["k"], kw.get("padding", "valid"), groups)
    try:
        return analyze(kind, groups=g, **kw), None
    except ConvError as err:
        return None, str(err)


# ---------------------------------------------------------------------------
# compare_kinds
# ---------------------------------------------------------------------------

def test_classic_rows_hold_the_seed_numbers():
    rows = compare_kinds(**CLASSIC)
    assert [r.kind for r in rows] == list(KINDS)
    by = {r.kind: r for r in rows}
    assert by["standard"].params == 490 and by["standard"].output_shape == (29, 29, 10)
    assert by["shared_channels"].params == 170
    assert by["separable_keras"].params == 88
    assert by["separable_pytorch"].params == 91
    assert all(r.ok and r.error is None for r in rows)
    assert by["standard"].params_ratio == 1 and by["standard"].macs_ratio == 1


@pytest.mark.parametrize("kw", [
    CLASSIC,
    dict(k=64, w=3, c=32, H=56, W=40, stride=2, padding="same"),
    dict(k=12, w=(3, 5), c=8, H=20, W=24, padding=(1, 2), dilation=2, bias=False),
    dict(k=16, w=3, c=8, H=9, W=9, depth_multiplier=3, stride=2, padding=1,
         output_padding=1),
])
def test_every_row_is_analyze_on_the_same_settings(kw):
    rows = compare_kinds(**kw)
    std, _ = _expected("standard", **{**CLASSIC, **kw})
    for row in rows:
        expected, error = _expected(row.kind, **{**CLASSIC, **kw})
        assert row.label == KIND_INFO[row.kind].label
        assert row.error == error
        if expected is None:
            assert row.result is None and row.params is None and row.macs is None
            continue
        assert row.result == expected
        assert row.params == expected.params and row.macs == expected.macs
        assert row.output_shape == expected.output_shape
        assert row.params_ratio == Fraction(expected.params, std.params)
        assert row.macs_ratio == Fraction(expected.macs, std.macs)


def test_invalid_kinds_keep_their_row_with_the_error():
    rows = compare_kinds(k=12, w=4, c=4, H=32, W=32, groups=3, padding=1)
    by = {r.kind: r for r in rows}
    assert len(rows) == len(KINDS)
    for kind in ("grouped", "transposed"):
        assert not by[kind].ok and by[kind].error == "groups=3 must divide c=4"
        assert by[kind].params_ratio is None and by[kind].groups == 3
    assert all(r.ok for r in rows if r.kind not in ("grouped", "transposed"))


def test_standard_invalid_means_no_ratios_but_other_kinds_still_show():
    rows = compare_kinds(k=10, w=7, c=3, H=5, W=5)  # 7x7 kernel on a 5x5 image
    by = {r.kind: r for r in rows}
    assert not by["standard"].ok and "larger than padded input" in by["standard"].error
    assert by["pointwise"].ok  # 1x1: w is not used
    assert all(r.params_ratio is None and r.macs_ratio is None for r in rows)


def test_bad_top_level_values_become_row_errors_not_exceptions():
    rows = compare_kinds(k=0, w=4, c=3, H=32, W=32)
    assert all(not r.ok for r in rows)
    assert all("k=0 must be at least 1" in r.error for r in rows if r.kind != "depthwise")


def test_results_by_kind_skips_failed_rows():
    rows = compare_kinds(k=12, w=4, c=4, H=32, W=32, groups=3, padding=1)
    res = results_by_kind(rows)
    assert set(res) == set(KINDS) - {"grouped", "transposed"}
    assert res["standard"].params == analyze("standard", 12, 4, 4, 32, 32, padding=1).params


def test_compare_row_is_frozen():
    row = compare_kinds(**CLASSIC)[0]
    assert isinstance(row, CompareRow)
    with pytest.raises(AttributeError):
        row.error = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------
# groups
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("c, k, g", [(3, 10, 1), (64, 128, 4), (6, 9, 3), (10, 25, 1),
                                     (8, 12, 4), (2, 4, 2), (1, 1, 1), (30, 45, 3)])
def test_auto_groups_examples(c, k, g):
    assert auto_groups(c, k) == g


@given(st.integers(1, 4096), st.integers(1, 4096))
def test_auto_groups_is_the_largest_small_common_divisor(c, k):
    g = auto_groups(c, k)
    assert 1 <= g <= 4 and c % g == 0 and k % g == 0
    assert not any(c % d == 0 and k % d == 0 for d in range(g + 1, 5))


@pytest.mark.parametrize("bad", [0, -3, "8", 2.0, True, None])
def test_auto_groups_on_bad_input_is_1(bad):
    assert auto_groups(bad, 8) == 1 and auto_groups(8, bad) == 1


def test_groups_for_each_kind():
    assert groups_for("standard", 8, 8, "valid", None) == 1
    assert groups_for("standard", 8, 8, "valid", 4) == 1
    assert groups_for("grouped", 8, 12, "valid", None) == 4
    assert groups_for("grouped", 8, 12, "valid", 2) == 2
    assert groups_for("transposed", 8, 12, "same", None) == 1  # Keras: no groups
    assert groups_for("transposed", 8, 12, 1, None) == 4  # PyTorch ConvTranspose2d
    assert groups_for("transposed", 8, 12, "valid", 2) == 2  # by hand: the row shows why not


def test_grouped_row_uses_auto_groups():
    rows = {r.kind: r for r in compare_kinds(k=128, w=3, c=64, H=16, W=16, padding=1)}
    assert rows["grouped"].groups == 4 and rows["transposed"].groups == 4
    assert rows["grouped"].params == analyze("grouped", 128, 3, 64, 16, 16, padding=1,
                                             groups=4).params
    assert rows["standard"].groups is None


def test_groups_caption():
    text = groups_caption(dict(c=3, k=10, padding="valid", groups=None))
    assert "gcd(3, 10) = 1" in text and "standard conv" in text and "Keras" in text
    assert "groups = 4" in groups_caption(dict(c=8, k=12, padding=1, groups=None))
    assert "by hand" in groups_caption(dict(c=8, k=12, padding=1, groups=2))


# ---------------------------------------------------------------------------
# Control values -> kwargs, URL parsing
# ---------------------------------------------------------------------------

def test_compare_kwargs_defaults_are_the_classic_question():
    values, warnings = parse_compare_query({})
    assert not warnings
    kw = compare_kwargs(values)
    assert kw == dict(k=10, w=4, c=3, H=32, W=32, stride=1, padding="valid", dilation=1,
                      groups=None, bias=True, depth_multiplier=1, output_padding=0)


def test_compare_kwargs_rect_explicit_padding_and_manual_groups():
    values, _ = parse_compare_query({"rect": "1", "kh": "3", "kw": "5", "pad": "explicit",
                                     "p": "2", "ga": "0", "g": "1", "bias": "0"})
    kw = compare_kwargs(values)
    assert kw["w"] == (3, 5) and kw["padding"] == 2 and kw["groups"] == 1
    assert kw["bias"] is False


def test_a_link_with_groups_turns_auto_groups_off():
    values, warnings = parse_compare_query({"g": "3", "c": "6", "k": "9"})
    assert not warnings and values["ga"] is False and values["g"] == 3
    assert compare_kwargs(values)["groups"] == 3
    values, _ = parse_compare_query({"g": "3", "ga": "1"})
    assert values["ga"] is True and compare_kwargs(values)["groups"] is None


@pytest.mark.parametrize("key, raw", [("k", "abc"), ("c", "-5"), ("H", "99999999"),
                                      ("w", "2.7"), ("pad", "<script>alert(1)</script>"),
                                      ("bias", "maybe"), ("ga", "sure"), ("log", "2")])
def test_garbage_in_a_link_gives_a_warning_naming_the_key(key, raw):
    values, warnings = parse_compare_query({key: raw})
    assert len(warnings) == 1 and warnings[0].startswith(f"{key}=")
    kw = compare_kwargs(values)
    assert len(compare_kinds(**kw)) == len(KINDS)  # still builds a table


def test_compare_controls_share_the_explorer_keys():
    keys = {c.key for c in COMPARE_CONTROLS}
    assert {"k", "w", "c", "H", "W", "s", "pad", "p", "d", "dm", "bias", "g", "op"} <= keys
    assert "kind" not in keys


# ---------------------------------------------------------------------------
# Table and CSV
# ---------------------------------------------------------------------------

def test_table_has_every_kind_and_the_errors():
    rows = compare_kinds(k=12, w=4, c=4, H=32, W=32, groups=3, padding=1)
    table = compare_table(rows)
    assert [t["Kind"] for t in table] == [KIND_INFO[k].label for k in KINDS]
    assert all(tuple(t) == TABLE_COLUMNS for t in table)
    by = dict(zip(KINDS, table))
    assert by["grouped"]["Params"] is None
    assert by["grouped"]["Status"] == "can't build: groups=3 must divide c=4"
    std = analyze("standard", 12, 4, 4, 32, 32, padding=1)
    assert by["standard"]["Params"] == std.params and by["standard"]["MACs"] == std.macs
    assert by["standard"]["Params vs standard"] == "1.000×"
    assert by["standard"]["Output (H×W×C)"] == "×".join(map(str, std.output_shape))


def test_table_at_defaults_holds_the_seed_numbers():
    params = [t["Params"] for t in compare_table(compare_kinds(**CLASSIC))]
    assert {490, 170, 88, 91} <= set(params)


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_round_trips_the_numbers():
    rows = compare_kinds(k=64, w=3, c=32, H=56, W=40, stride=2, padding="same")
    text = compare_csv(rows)
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    parsed = _read_csv(text)
    assert [p["kind"] for p in parsed] == list(KINDS)
    assert not {r.kind: r for r in rows}["separable_pytorch"].ok  # 'same' + stride 2
    for p, row in zip(parsed, rows):
        r = row.result
        if r is None:
            assert p["error"] == row.error and p["params"] == p["macs"] == ""
            continue
        assert int(p["params"]) == r.params and int(p["macs"]) == r.macs
        assert int(p["flops"]) == r.flops
        assert int(p["weights"]) + int(p["biases"]) == r.params
        assert (int(p["H_out"]), int(p["W_out"]), int(p["C_out"])) == r.output_shape
        assert math.isclose(float(p["params_vs_standard"]), row.params_ratio, abs_tol=1e-6)
        assert p["error"] == ""


def test_csv_keeps_failed_rows_and_quotes_their_message():
    rows = compare_kinds(k=12, w=4, c=4, H=32, W=32, groups=3)  # 'valid': messages have commas/quotes
    parsed = _read_csv(compare_csv(rows))
    by = {p["kind"]: p for p in parsed}
    assert len(parsed) == len(KINDS)
    assert by["grouped"]["params"] == "" and by["grouped"]["error"] == "groups=3 must divide c=4"
    assert by["transposed"]["error"] == {r.kind: r for r in rows}["transposed"].error
    assert by["grouped"]["groups"] == "3"


def test_csv_cells_never_start_like_a_formula():
    row = compare_kinds(**CLASSIC)[0]
    evil = CompareRow("standard", "=HYPERLINK(1)", None, "+cmd", None, None, None, "")
    parsed = _read_csv(compare_csv([row, evil]))
    assert parsed[1]["label"] == "'=HYPERLINK(1)" and parsed[1]["error"] == "'+cmd"


def test_csv_file_name():
    assert csv_file_name(dict(k=10, w=4, c=3, H=32, W=32)) == \
        "convscope_compare_k10_w4x4_c3_32x32.csv"
    assert "w3x5" in csv_file_name(dict(k=10, w=(3, 5), c=3, H=32, W=32))


def test_kernel_hw():
    assert kernel_hw(4) == (4, 4) and kernel_hw((3, 5)) == (3, 5)


# ---------------------------------------------------------------------------
# Theory: separable vs standard
# ---------------------------------------------------------------------------

def test_classic_theory_numbers():
    t = separable_theory(10, (4, 4), 3)
    assert t.exact == Fraction(88, 490)
    assert t.limit == Fraction(1, 10) + Fraction(1, 16)
    assert "\\frac{88}{490}" in t.exact_latex and "0.1796" in t.exact_latex
    assert "\\frac{1}{10} + \\frac{1}{16}" in t.limit_latex and "0.1625" in t.limit_latex
    assert "large-c limit" in t.explanation


_k = st.integers(1, 256)
_side = st.integers(1, 7)
_m = st.integers(1, 8)


@settings(max_examples=150, deadline=None)
@given(k=_k, kh=_side, kw=_side, c=st.integers(1, 4096), m=_m, bias=st.booleans())
def test_exact_ratio_equals_the_params_ratio_from_analyze(k, kh, kw, c, m, bias):
    kw_ = dict(k=k, w=(kh, kw), c=c, H=kh, W=kw, bias=bias, depth_multiplier=m)
    sep = analyze("separable_keras", **kw_)
    std = analyze("standard", **kw_)
    assert separable_ratio_exact(k, (kh, kw), c, m, bias) == Fraction(sep.params, std.params)
    # and the compare table's ratio is the same number
    row = {r.kind: r for r in compare_kinds(**kw_)}["separable_keras"]
    assert row.params_ratio == separable_ratio_exact(k, (kh, kw), c, m, bias)


@settings(max_examples=150, deadline=None)
@given(k=_k, kh=_side, kw=_side, c=st.integers(1, 10**6), m=_m)
def test_exact_ratio_tends_to_the_limit_as_c_grows(k, kh, kw, c, m):
    limit = separable_ratio_limit(k, (kh, kw), m)
    if m == 1:
        assert limit == Fraction(1, k) + Fraction(1, kh * kw)
    gap = abs(separable_ratio_exact(k, (kh, kw), c, m) - limit)
    bigger = abs(separable_ratio_exact(k, (kh, kw), 10 * c, m) - limit)
    assert gap <= Fraction(1 + 2 * m, c)  # -> 0 as c grows
    assert bigger <= gap * Fraction(2, 11)  # ten times the channels: at most 2/11 the gap
    # without biases the exact ratio *is* the limit
    assert separable_ratio_exact(k, (kh, kw), c, m, bias=False) == limit


@settings(max_examples=60, deadline=None)
@given(k=_k, kh=_side, kw=_side, c=st.integers(1, 512), m=_m, extra=st.integers(0, 6),
       stride=st.integers(1, 3))
def test_macs_ratio_is_exactly_the_limit(k, kh, kw, c, m, extra, stride):
    kw_ = dict(k=k, w=(kh, kw), c=c, H=kh + extra, W=kw + extra, stride=stride,
               depth_multiplier=m)
    row = {r.kind: r for r in compare_kinds(**kw_)}["separable_keras"]
    assert row.macs_ratio == separable_ratio_limit(k, (kh, kw), m)


def test_theory_without_bias_and_with_depth_multiplier():
    t = separable_theory(8, (3, 3), 16, m=2, bias=False)
    assert t.exact == t.limit == Fraction(2, 8) + Fraction(2, 9)
    assert "\\frac{2}{8} + \\frac{2}{9}" in t.limit_latex
    assert "m/k + m/(w_h·w_w)" in t.explanation


# ---------------------------------------------------------------------------
# Trade-off notes
# ---------------------------------------------------------------------------

def test_every_kind_has_a_tradeoff_note():
    assert set(TRADEOFFS) == set(KINDS)
    assert all(row.tradeoff == TRADEOFFS[row.kind] for row in compare_kinds(**CLASSIC))


@pytest.mark.parametrize("kind, words", [
    ("shared_channels", ["does not depend on c", "RGB", "similar patterns"]),
    ("separable_keras", ["Xception", "MobileNet", "spatial", "channel"]),
    ("grouped", ["ResNeXt", "AlexNet", "GPUs"]),
    ("spatially_separable", ["rank-1"]),
    ("transposed", ["Upsamples"]),
    ("pointwise", ["Mixes channels only"]),
])
def test_tradeoff_notes_say_the_key_facts(kind, words):
    assert all(word in TRADEOFFS[kind] for word in words)


# ---------------------------------------------------------------------------
# 1D (sequences) and 3D (volumes)
# ---------------------------------------------------------------------------

WAVENET = dict(k=16, w=2, c=16, H=None, W=64, padding="causal", dilation=8)
C3D = dict(k=64, w=3, c=3, H=112, W=112, D=16, padding="same")


@pytest.mark.parametrize("kw", [WAVENET, C3D,
                                dict(k=12, w=(1, 3, 5), c=6, H=9, W=11, D=5, stride=2,
                                     padding=1),
                                dict(k=8, w=5, c=4, H=None, W=40, stride=2, padding="same",
                                     depth_multiplier=2)])
def test_1d_3d_rows_are_analyze_on_the_same_settings(kw):
    rows = compare_kinds(**kw)
    assert [r.kind for r in rows] == list(KINDS)
    rank = 3 if kw.get("D") else 1
    std = analyze("standard", **kw)
    for row in rows:
        assert row.rank == rank
        g = groups_for(row.kind, kw["c"], kw["k"], kw["padding"], None)
        try:
            expected = analyze(row.kind, groups=g, **kw)
        except ConvError as err:
            assert row.result is None and row.error == str(err)
            continue
        assert row.result == expected and row.error is None
        assert len(row.output_shape) == rank + 1
        assert row.params_ratio == Fraction(expected.params, std.params)


def test_kinds_missing_at_a_rank_keep_their_row_with_the_reason():
    by = {r.kind: r for r in compare_kinds(**WAVENET)}
    assert by["standard"].label == "Standard Conv1D"
    assert "needs 2 or 3 spatial axes" in by["spatially_separable"].error
    assert "causal" in by["transposed"].error and "causal" in by["separable_keras"].error
    assert by["standard"].params == 528 and by["standard"].output_shape == (64, 16)
    by = {r.kind: r for r in compare_kinds(**C3D)}
    assert "Keras has no SeparableConv3D" in by["separable_keras"].error
    assert by["depthwise"].ok  # PyTorch's nn.Conv3d(groups=c)
    assert by["standard"].params == 5_248 and by["standard"].macs == 1_040_449_536
    assert by["standard"].output_shape == (16, 112, 112, 64)


def test_compare_kwargs_for_1d_and_3d_links():
    values, warnings = parse_compare_query({"dims": "1D", "k": "16", "w": "2", "c": "16",
                                            "W": "64", "pad": "causal", "d": "8"})
    assert not warnings
    assert compare_kwargs(values) == dict(
        k=16, w=2, c=16, H=None, W=64, stride=1, padding="causal", dilation=8, groups=None,
        bias=True, depth_multiplier=1, output_padding=0)
    values, _ = parse_compare_query({"dims": "3D", "k": "64", "w": "3", "c": "3", "D": "16",
                                     "H": "112", "W": "112", "pad": "same"})
    kw = compare_kwargs(values)
    assert kw["D"] == 16 and kw["H"] == 112 and kw["padding"] == "same"
    values, _ = parse_compare_query({"dims": "3D", "rect": "1", "kd": "1", "kh": "3",
                                     "kw": "5"})
    assert compare_kwargs(values)["w"] == (1, 3, 5)


def test_1d_3d_table_and_csv_name_the_axes():
    rows = compare_kinds(**WAVENET)
    table = compare_table(rows)
    assert tuple(table[0]) == table_columns(1) and "Output (W×C)" in table[0]
    assert table[0]["Output (W×C)"] == "64×16"
    parsed = _read_csv(compare_csv(rows))
    assert tuple(parsed[0]) == csv_columns(1) and parsed[0]["W_out"] == "64"
    assert "H_out" not in parsed[0]
    rows = compare_kinds(**C3D)
    assert compare_table(rows)[0]["Output (D×H×W×C)"] == "16×112×112×64"
    by = {p["kind"]: p for p in _read_csv(compare_csv(rows))}
    assert (by["standard"]["D_out"], by["standard"]["C_out"]) == ("16", "64")
    assert by["separable_keras"]["D_out"] == "" and by["separable_keras"]["error"]
    assert csv_file_name(WAVENET) == "convscope_compare_k16_w2_c16_64.csv"
    assert csv_file_name(C3D) == "convscope_compare_k64_w3x3x3_c3_16x112x112.csv"
    assert settings_caption(C3D) == ("Input 16×112×112×3, k = 64 filters of 3×3×3. Ratios "
                                     "are to the standard Conv3D on the same settings.")
    assert settings_caption(CLASSIC) == ("Input 32×32×3, k = 10 filters of 4×4. Ratios are "
                                         "to the standard Conv2D on the same settings.")
    assert "Keras Conv1DTranspose" in groups_caption(WAVENET)


def test_theory_in_1d_and_3d():
    t = separable_theory(16, (2,), 16)
    assert t.exact == Fraction(16 * 2 + 16 * 16 + 16, 16 * (2 * 16 + 1))
    assert "\\frac{1}{k} + \\frac{1}{w}" in t.limit_latex and "1/k + 1/w" in t.explanation
    assert "SeparableConv1D" in t.intro
    t = separable_theory(64, (3, 3, 3), 3)
    assert t.limit == Fraction(1, 64) + Fraction(1, 27)
    assert "w_d w_h w_w" in t.exact_latex and "\\frac{1}{27}" in t.limit_latex
    assert "Keras has no SeparableConv3D" in t.intro


@settings(max_examples=150, deadline=None)
@given(k=_k, kernel=st.lists(_side, min_size=1, max_size=3).map(tuple),
       c=st.integers(1, 512), m=_m, bias=st.booleans())
def test_exact_ratio_is_the_params_ratio_at_every_rank(k, kernel, c, m, bias):
    """1D/2D: Keras SeparableConv's params over the standard conv's. 3D (no Keras
    SeparableConv3D): PyTorch's pair minus its extra depthwise biases."""
    rank = len(kernel)
    sizes = dict(zip(("D", "H", "W")[3 - rank:], kernel))
    kw_ = dict(k=k, w=kernel, c=c, bias=bias, depth_multiplier=m, **sizes)
    std = analyze("standard", **kw_)
    if rank < 3:
        sep = analyze("separable_keras", **kw_).params
    else:
        sep = analyze("separable_pytorch", **kw_).params - (c * m if bias else 0)
    assert separable_ratio_exact(k, kernel, c, m, bias) == Fraction(sep, std.params)
    row = {r.kind: r for r in compare_kinds(**{"H": None, **kw_})}["separable_pytorch"]
    assert row.macs_ratio == separable_ratio_limit(k, kernel, m)  # biases cost no MACs
