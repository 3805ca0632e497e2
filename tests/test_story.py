"""One consistent story (issue 13): every comparative sentence agrees with the numbers shown,
counts read the same everywhere, formulas come in lines short enough for a phone.

A comparative sentence ("50 more parameters (1.10×) than the Standard Conv2D (490)") is
read back with a regular expression and checked against the counts lib.conv computed: the
word (more / fewer / the same), the difference and the ratio. The sweep covers every kind,
1D/2D/3D, bias on and off, k and c from 1 to 512.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.compare import compare_kinds, separable_theory, tradeoff_text, versus
from lib.conv import KINDS, ConvError, analyze
from lib.explain import LINE_CHARS, sum_lines, visible_length
from lib.state import WALKTHROUGH_CONTROLS
from lib.text import compare_counts, fmt_count, ratio_delta
from lib.walkthrough import STEPS, build_step

#: "<diff> more|fewer <noun> (<ratio>×) than <anything> (<other>)" or "... than its <other>"
COMPARATIVE = re.compile(
    r"([\d,]+) (more|fewer) (parameters?|MACs?) \(([\d.,]+)×\) than [^()]*?"
    r"(?:\(([\d,]+)\)|its ([\d,]+))")
SAME = re.compile(r"the same number of (parameters|MACs) as [^()]*?(?:\(([\d,]+)\)|its ([\d,]+))")
#: Comparative words a sentence may only use through lib.text.compare_counts.
WORDS = re.compile(r"\b(fewer|more|smaller|larger|cheaper|saves?|bigger)\b")


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def check_comparatives(text: str, own: int | None = None) -> int:
    """Every computed comparison in ``text`` is right; returns how many were read. ``own``
    is the count the sentence is about (when known), for the "Here: N parameters" rows."""
    found = 0
    for m in COMPARATIVE.finditer(text):
        diff, word, _ = _n(m[1]), m[2], m[3]
        ratio, other = float(m[4].replace(",", "")), _n(m[5] or m[6])
        assert diff > 0, text
        mine = other + diff if word == "more" else other - diff
        assert mine >= 0, text
        if other:
            digits = len(m[4].split(".")[1])
            assert abs(mine / other - ratio) <= 0.5 * 10 ** -digits * (1 + 1e-6) + 1e-12 * ratio, (
                m[0], text)
        found += 1
    for m in SAME.finditer(text):
        found += 1
    return found


SWEEP = [dict(k=k, w=w, c=c, bias=bias, **sizes)
         for k, w, c, bias in itertools.product((1, 2, 10, 512), (1, 3, 4), (1, 3, 512),
                                                (True, False))
         for sizes in (dict(H=32, W=32), dict(H=None, W=64), dict(D=8, H=16, W=16))]


@pytest.mark.parametrize("kw", SWEEP[::3] + SWEEP[1::7])
def test_compare_sentences_agree_with_the_table(kw):
    rows = compare_kinds(**kw)
    by_kind = {r.kind: r for r in rows}
    std = by_kind["standard"]
    for row in rows:
        text = versus(row, rows)
        if not row.ok:
            assert text == "" and tradeoff_text(row, rows) == row.tradeoff
            continue
        p, m = row.result.params, row.result.macs
        assert text.startswith(f"Here: {p:,} parameters")
        if row.kind == "standard":
            others = [r for r in rows if r.ok and r.kind != "standard"]
            assert f"{sum(r.params < p for r in others)} " in text
            continue
        sp, sm = std.result.params, std.result.macs
        word = "more" if p > sp else "fewer" if p < sp else "same"
        assert (f"{abs(p - sp):,} {word} parameter" in text if word != "same"
                else f"the same number of parameters as the {std.label} ({sp:,})" in text)
        assert check_comparatives(text) >= 2
        mac_word = "more" if m > sm else "fewer"
        assert (f" {mac_word} MAC" in text) if m != sm else "the same number of MACs" in text
        # the fixed words never compare counts: only the computed part does
        assert not WORDS.search(row.tradeoff.replace("more expressive", "")), row.tradeoff


def test_spatially_separable_is_not_called_cheaper_at_the_classic_settings():
    rows = compare_kinds(k=10, w=4, c=3, H=32, W=32)
    text = tradeoff_text(next(r for r in rows if r.kind == "spatially_separable"), rows)
    assert "540 parameters, 50 more parameters (1.10×) than the Standard Conv2D (490)" in text
    assert "fewer parameters" not in text


@pytest.mark.parametrize("k, c, m, bias", [(1, 3, 1, True), (10, 3, 1, True), (2, 1, 1, False),
                                           (512, 512, 1, True), (1, 1, 8, True)])
def test_the_separable_heading_follows_the_exact_ratio(k, c, m, bias):
    t = separable_theory(k, (4, 4), c, m, bias)
    ratio = Fraction(analyze("separable_keras", k=k, w=4, c=c, H=8, W=8, depth_multiplier=m,
                             bias=bias).params,
                     analyze("standard", k=k, w=4, c=c, H=8, W=8, bias=bias).params)
    assert t.exact == ratio
    assert ("is cheaper" in t.heading) == (ratio < 1)
    assert ("not cheaper" in t.heading) == (ratio > 1)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("c, bias", [(1, True), (3, True), (3, False), (64, True)])
def test_explanations_compare_only_with_computed_words(kind, c, bias):
    try:
        r = analyze(kind, k=10, w=3, c=c, H=16, W=16, bias=bias)
    except ConvError:
        return
    for line in r.explanation:
        check_comparatives(line)
        computed = [c.span() for c in COMPARATIVE.finditer(line)]
        for m in WORDS.finditer(line):  # every comparative word is inside a computed one
            assert any(lo <= m.start() < hi for lo, hi in computed), (m[0], line)


def _walkthrough_values(**changes):
    return {**{c.key: c.default for c in WALKTHROUGH_CONTROLS}, **changes}


@pytest.mark.parametrize("changes", [
    {}, {"H4": 16, "W4": 16}, {"H4": 32, "W4": 32}, {"H4": 1024, "W4": 1024},
    {"c5": 1}, {"c5": 512}, {"k6": 1, "c6": 1}, {"k6": 512, "c6": 512}, {"k6": 1, "c6": 64},
])
def test_walkthrough_comparisons_agree_with_the_metrics(changes):
    v = _walkthrough_values(**changes)
    for spec in STEPS:
        step = build_step(spec.number, v)
        assert step.error is None
        text = " ".join(step.paragraphs)
        check_comparatives(text)
        metrics = {m.label: _n(m.value) for m in step.metrics if m.value[0].isdigit()
                   and "×" not in m.value}
        if spec.number == 4:
            small, big = metrics["MACs at 32×32"], [v for k, v in metrics.items()
                                                     if k.startswith("MACs at")
                                                     and k != "MACs at 32×32"]
            other = big[0] if big else small
            word = "more" if other > small else "fewer" if other < small else "same"
            assert word in text
            assert ("bigger image" in text) == (v["H4"] * v["W4"] > 32 * 32)
            assert ("smaller image" in text) == (v["H4"] * v["W4"] < 32 * 32)
        if spec.number == 6:
            keras, std = metrics["Keras SeparableConv2D"], metrics["Standard Conv2D"]
            word = "more" if keras > std else "fewer"
            assert f" {word} parameter" in text


def test_step_1_and_its_figure_tell_the_same_thing():
    for w, c in ((4, 4), (3, 1), (11, 64)):
        step = build_step(1, _walkthrough_values(w1=w, c1=c))
        assert step.result.spec.k == 1  # the figure draws the one filter the step is about
        assert step.result.params == w * w * c + 1
        assert f"**{w * w * c + 1:,}** parameters" in " ".join(step.paragraphs)


def test_step_2_draws_the_whole_input_and_the_whole_output():
    from lib import figures
    for n, w in ((32, 4), (40, 3), (16, 11)):
        step = build_step(2, _walkthrough_values(H2=n, w2=w))
        meta = figures.sliding_window_figure(step.result).layout.meta
        out = n - w + 1
        assert meta["output_view"] == [0, out - 1, 0, out - 1], (n, w)
        assert meta["input_view"] == [0, n - 1, 0, n - 1]


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n, text", [
    (999, "999"), (1000, "1.0 K"), (403_680, "403.7 K"), (999_949, "999.9 K"),
    (999_960, "1.0 M"), (32_613_784_879_104, "32.6 T"), (65_227_569_758_208, "65.2 T"),
    (999_999_999_999, "1.0 T"), (4_200_000_000_000_000, "4.2 P"),
    (4_200_000_000_000_000_000, "4.2 E"),
])
def test_si_steps_move_up_before_1000(n, text):
    assert fmt_count(n) == text


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10 ** 20))
def test_si_mantissa_is_below_1000(n):
    text = fmt_count(n)
    number = float(text.split()[0].replace(",", ""))
    assert number < 1000
    if n >= 1000:
        unit = text.split()[1]
        scale = 10 ** (3 * ("KMGTPE".index(unit) + 1))
        assert abs(number * scale - n) <= 0.05 * scale + 1e-9 * n


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10 ** 9), st.integers(0, 10 ** 9))
def test_compare_counts_says_what_the_numbers_say(a, b):
    text = compare_counts(a, b, other=f"that ({b:,})")
    if a == b:
        assert text.startswith("the same number")
        return
    assert text.startswith(f"{abs(a - b):,} {'more' if a > b else 'fewer'} parameter")
    if b:
        assert check_comparatives(text) == 1
    delta, arrow = ratio_delta(a, b)
    if b:
        assert arrow == ("up" if a > b else "down")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KINDS), st.integers(1, 512), st.integers(1, 11), st.integers(1, 512),
       st.sampled_from([None, 4, 16]), st.booleans(), st.integers(1, 8))
def test_formula_lines_are_short_enough_for_a_phone(kind, k, w, c, depth, bias, s):
    try:
        r = analyze(kind, k=k, w=w, c=c, H=1024, W=1024, D=depth, bias=bias, stride=s)
    except ConvError:
        return
    for formula in (r.params_formula, *r.output_formulas):
        for side in (formula.symbolic, formula.substituted):
            lines = sum_lines(side)
            assert " + ".join(lines) == side  # nothing lost or reordered
            for line in lines:
                single = len(sum_lines(line, limit=0)) == 1
                assert single or visible_length(line) <= LINE_CHARS + 3, line
        assert formula.latex.count("\\\\") >= 2  # symbols, numbers and value on their lines
