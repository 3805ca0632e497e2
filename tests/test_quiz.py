"""lib.quiz: deterministic questions, right answers from analyze(), real misconceptions."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.conv import analyze
from lib.quiz import (CORRECT, choice_marks, explorer_query, LEVELS, MAX_SEED, MISCONCEPTIONS, N_CHOICES, NEAR_MISS, SAME,
                      Layer, Question, Score, check_answer, make_question, parse_quiz_query,
                      says)
from lib.state import conv_kwargs, parse_explorer_query
from lib.text import fmt_int, fmt_shape

SEEDS = st.integers(0, MAX_SEED)
INDEX = st.integers(0, 60)
LEVEL = st.sampled_from(LEVELS)


def _sample(n: int = 250) -> list[Question]:
    return [make_question(seed, level, seed % 11) for level in LEVELS for seed in range(n)]


SAMPLE = _sample()


# ---------------------------------------------------------------------------
# Misconceptions, defined here independently of lib.quiz (plain arithmetic)
# ---------------------------------------------------------------------------

def expected_param_mistake(key: str, L: Layer, params: int) -> int:
    """What a student who makes mistake ``key`` answers for this layer's parameters."""
    b, c, k, w, m, g = int(L.bias), L.c, L.k, L.w, L.depth_multiplier, L.groups
    taps = w * w
    if key == "no_bias":
        assert L.bias
        return params - (k if L.kind not in ("depthwise", "separable_pytorch") else
                         c * m if L.kind == "depthwise" else c * m + k)
    if key == "no_channels":
        return {"standard": k * (taps + b), "grouped": k * (taps + b), "pointwise": k * (1 + b),
                "depthwise": m * (taps + b), "transposed": k * taps + b * k}[L.kind]
    if key == "one_filter":
        return {"standard": taps * c + b, "pointwise": c + b,
                "shared_channels": taps + b}[L.kind]
    if key == "no_groups":
        return {"grouped": k * (taps * c + b), "transposed": c * k * taps + b * k}[L.kind]
    if key == "keras_bias_twice":
        assert L.kind == "separable_keras" and L.bias
        return params + k
    if key == "pytorch_bias_in_keras":
        assert L.kind == "separable_keras"
        return params + b * c * m
    if key == "keras_bias_in_pytorch":
        assert L.kind == "separable_pytorch"
        return params - b * c * m
    if key in ("separable_as_standard", "shared_as_standard"):
        return k * (taps * c + b)
    if key == "depthwise_as_standard":
        return c * m * (taps * c + b)
    if key == "no_multiplier":
        return {"depthwise": c * (taps + b), "separable_keras": c * taps + c * k + b * k,
                "separable_pytorch": c * (taps + b) + k * (c + b)}[L.kind]
    raise AssertionError(f"unknown parameter mistake {key}")


def expected_shape_mistake(key: str, L: Layer, shape: tuple[int, ...]) -> tuple[int, ...]:
    h, w_, ch = shape
    kw = L.kwargs()
    if key == "no_plus_one":
        return (h - 1, w_ - 1, ch)
    if key == "no_stride":
        assert L.stride > 1
        return analyze(**{**kw, "stride": 1, "output_padding": 0}).output_shape
    if key == "no_padding":
        assert L.padding not in ("valid", 0)
        return analyze(**{**kw, "padding": "valid" if isinstance(L.padding, str) else 0}
                       ).output_shape
    if key == "no_dilation":
        assert L.dilation > 1
        return analyze(**{**kw, "dilation": 1}).output_shape
    if key == "same_floor":
        assert L.padding == "same"
        return (L.H // L.stride, L.W // L.stride, ch)
    if key in ("channels_in", "no_multiplier"):
        return (h, w_, L.c)
    if key == "transposed_as_conv":
        assert L.kind == "transposed"
        return analyze(**{**kw, "kind": "standard", "groups": 1,
                          "output_padding": 0}).output_shape
    if key == "no_output_padding":
        assert L.output_padding > 0
        return analyze(**{**kw, "output_padding": 0}).output_shape
    raise AssertionError(f"unknown shape mistake {key}")


def check_question(q: Question) -> None:
    """Every invariant a question must satisfy."""
    assert len(q.choices) == len(q.labels) == len(q.values)
    assert len(set(q.choices)) == len(q.choices)
    assert q.labels.count(CORRECT) == 1 and q.labels[q.answer] == CORRECT
    assert all(label in MISCONCEPTIONS for label in q.labels)
    for layer, r in zip(q.layers, q.results):
        assert analyze(**layer.kwargs()) == r  # valid, and the result it came from
    if q.topic == "cheaper":
        ra, rb = q.results
        assert q.choices[2] == SAME and len(q.choices) == 3
        best = 0 if ra.params < rb.params else 1 if rb.params < ra.params else 2
        assert q.answer == best
        assert q.latex == ("A:\\;" + ra.params_latex, "B:\\;" + rb.params_latex)
        for layer, r in zip(q.layers, q.results):
            _check_explorer_link(layer, r)
        return
    (L,), (r,) = q.layers, q.results
    assert len(q.choices) == N_CHOICES
    assert len(set(q.values)) == N_CHOICES
    if q.topic == "output_shape":
        assert q.values[q.answer] == r.output_shape
        assert q.choices[q.answer] == fmt_shape(r.output_shape)
        assert q.latex == r.output_latex
        for key, v, text in zip(q.labels, q.values, q.choices):
            assert text == fmt_shape(v) and min(v) >= 1
            if key not in (CORRECT, NEAR_MISS):
                assert v == expected_shape_mistake(key, L, r.output_shape), (key, q.prompt)
    else:
        assert q.topic == "params"
        assert q.values[q.answer] == r.params
        assert q.choices[q.answer] == fmt_int(r.params)
        assert q.latex == (r.params_latex,)
        for key, v, text in zip(q.labels, q.values, q.choices):
            assert text == fmt_int(v) and v >= 1
            if key not in (CORRECT, NEAR_MISS):
                assert v == expected_param_mistake(key, L, r.params), (key, q.prompt)
    # only the feedback that belongs to the question: the output line for a shape
    # question, everything else (why this count) for a parameter question
    about_shape = [line for line in r.explanation if line.startswith("Output ")]
    assert len(about_shape) == 1
    if q.topic == "output_shape":
        assert list(q.explanation) == about_shape
    else:
        assert list(q.explanation) == [x for x in r.explanation if x not in about_shape]
    _check_explorer_link(L, r)


def _check_explorer_link(layer, r) -> None:
    """The question's explorer link opens this very layer (parsed as the explorer does)."""
    values, warnings = parse_explorer_query(explorer_query(layer))
    assert not warnings
    assert analyze(**conv_kwargs(values)) == r


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(seed=SEEDS, level=LEVEL, index=INDEX)
def test_same_seed_level_index_gives_the_same_question(seed, level, index):
    before = random.getstate()
    a = make_question(seed, level, index)
    assert random.getstate() == before, "the global RNG must not be used"
    b = make_question(seed, level, index)
    assert a == b and a.prompt == b.prompt and a.choices == b.choices
    assert a.key == f"{seed}:{level}:{index}"


@settings(max_examples=400, deadline=None)
@given(seed=SEEDS, level=LEVEL, index=INDEX)
def test_every_question_is_valid_and_its_distractors_are_real_mistakes(seed, level, index):
    check_question(make_question(seed, level, index))


def test_sampled_questions():
    """750 fixed questions (250 seeds per level), each checked like the property above."""
    for q in SAMPLE:
        check_question(q)


def test_tiny_layers_still_get_four_choices():
    """Found by hypothesis: a 1×1 conv with k = c = 1 and no bias has 1 parameter, and
    most near misses collapse onto each other."""
    q = make_question(959717852, "medium", 10)
    assert q.result.params == 1 and len(set(q.choices)) == N_CHOICES
    check_question(q)


def test_a_quiz_is_a_sequence_that_does_not_repeat_itself():
    prompts = [make_question(7, "hard", i).prompt for i in range(20)]
    assert len(set(prompts)) >= 18
    assert [make_question(7, "hard", i).prompt for i in range(20)] == prompts
    assert make_question(7, "easy", 0).prompt != make_question(8, "easy", 0).prompt


# ---------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------

def _layers(level: str) -> list[Layer]:
    return [L for q in SAMPLE if q.level == level for L in q.layers]


def test_easy_is_standard_valid_square_and_plain():
    for L in _layers("easy"):
        assert L.kind == "standard" and L.padding == "valid" and L.stride == 1
        assert L.H == L.W and L.dilation == 1 and L.groups == 1 and L.bias


def test_medium_adds_stride_padding_bias_shared_and_pointwise():
    layers = _layers("medium")
    kinds = {L.kind for L in layers}
    assert kinds == {"standard", "pointwise", "shared_channels"}
    assert any(L.stride > 1 for L in layers) and any(L.padding == "same" for L in layers)
    assert any(not L.bias for L in layers) and any(isinstance(L.padding, int) for L in layers)
    assert all(L.dilation == 1 and L.groups == 1 for L in layers)


def test_hard_adds_dilation_groups_depthwise_separable_transposed():
    layers = _layers("hard")
    kinds = {L.kind for L in layers}
    assert kinds >= {"grouped", "depthwise", "separable_keras", "separable_pytorch",
                     "transposed"}
    assert any(L.dilation > 1 for L in layers) and any(L.groups > 1 for L in layers)
    assert any(L.output_padding for L in layers)


def test_all_three_question_topics_at_every_level():
    topics = Counter((q.level, q.topic) for q in SAMPLE)
    for level in LEVELS:
        for topic in ("output_shape", "params", "cheaper"):
            assert topics[(level, topic)] >= 10, (level, topic)


def test_the_classic_misconceptions_all_appear():
    labels = Counter(label for q in SAMPLE for label in q.labels)
    for key in ("no_plus_one", "no_bias", "no_channels", "keras_bias_twice",
                "pytorch_bias_in_keras", "no_stride", "channels_in", "kernel_only",
                "filters_only", "thinks_equal"):
        assert labels[key] > 0, key
    # mostly real mistakes, near misses only to fill up
    assert labels[NEAR_MISS] < 0.3 * sum(v for k, v in labels.items() if k != CORRECT)


# ---------------------------------------------------------------------------
# A worked example: the classic question and its wrong answers
# ---------------------------------------------------------------------------

def _find(level: str, topic: str, pred=lambda q: True) -> Question:
    for seed in range(5000):
        q = make_question(seed, level, 0)
        if q.topic == topic and pred(q):
            return q
    raise AssertionError("not found")


def test_fence_post_distractor_is_h_minus_w():
    q = _find("easy", "output_shape", lambda q: "no_plus_one" in q.labels)
    (L,), (r,) = q.layers, q.results
    v = q.values[q.labels.index("no_plus_one")]
    assert v == (L.H - L.w, L.W - L.w, L.k)  # 28 instead of 29
    assert r.output_shape == (L.H - L.w + 1, L.W - L.w + 1, L.k)


def test_feedback_names_the_mistake():
    q = _find("easy", "params", lambda q: "no_bias" in q.labels)
    wrong = q.labels.index("no_bias")
    fb = check_answer(q, wrong)
    assert not fb.correct and fb.misconception == "no_bias"
    assert "That's what you get if you forget the bias." in fb.headline
    assert q.choices[q.answer] in fb.headline and fb.latex == (q.result.params_latex,)
    right = check_answer(q, q.answer)
    assert right.correct and right.misconception == CORRECT and right.headline.startswith("Correct")
    assert says("no_bias") == "That's what you get if you forget the bias."


def test_keras_separable_bias_distractors():
    q = _find("hard", "params", lambda q: q.layers[0].kind == "separable_keras"
              and q.layers[0].bias and "pytorch_bias_in_keras" in q.labels)
    L, r = q.layers[0], q.result
    v = q.values[q.labels.index("pytorch_bias_in_keras")]
    assert v == analyze(**{**L.kwargs(), "kind": "separable_pytorch"}).params == \
        r.params + L.c * L.depth_multiplier


def test_check_answer_rejects_bad_choices():
    q = make_question(1, "easy", 0)
    for bad in (-1, len(q.choices), True, "0"):
        with pytest.raises(ValueError, match="choice="):
            check_answer(q, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("args, name", [((1, "expert", 0), "level="), ((-1, "easy", 0), "seed="),
                                        (("7", "easy", 0), "seed="), ((1, "easy", -2), "index=")])
def test_make_question_names_bad_arguments(args, name):
    with pytest.raises(ValueError, match=name):
        make_question(*args)


def test_score_counts_answers_and_streaks():
    s = Score()
    for ok in (True, True, False, True, True, True, False):
        s = s.record(ok)
    assert (s.answered, s.correct, s.streak, s.best_streak) == (7, 5, 0, 3)
    assert Score().record(True) == Score(1, 1, 1, 1)


def test_quiz_query_names_garbage():
    values, warnings = parse_quiz_query({"seed": "banana", "level": "expert"})
    assert values == {"level": "easy", "seed": 1}
    assert [w.split("=")[0] for w in warnings] == ["level", "seed"]
    values, warnings = parse_quiz_query({"seed": "42", "level": "HARD"})
    assert values == {"level": "hard", "seed": 42} and not warnings


# ---------------------------------------------------------------------------
# After the answer, wording, variety (issue 13)
# ---------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(seed=SEEDS, level=LEVEL, index=INDEX)
def test_after_an_answer_the_right_choice_and_the_pick_are_marked(seed, level, index):
    q = make_question(seed, level, index)
    assert choice_marks(q, None) == tuple((c, "secondary") for c in q.choices)
    for pick in range(len(q.choices)):
        marks = choice_marks(q, pick)
        assert [kind for _, kind in marks].count("primary") == 1
        assert marks[q.answer] == (f"✓ {q.choices[q.answer]}", "primary")
        crosses = [i for i, (label, _) in enumerate(marks) if label.startswith("✗")]
        assert crosses == ([] if pick == q.answer else [pick])
        assert marks[pick][0].endswith(q.choices[pick])


@settings(max_examples=200, deadline=None)
@given(seed=SEEDS, level=LEVEL, index=INDEX)
def test_no_plural_after_one(seed, level, index):
    q = make_question(seed, level, index)
    text = " ".join((q.prompt, *q.choices, *q.explanation))
    for noun in ("filters", "channels", "biases", "groups", "weights"):
        assert not re.search(rf"(?<![\d,.×])\b1 {noun}\b", text), (noun, text)


@pytest.mark.parametrize("seed", range(40))
def test_easy_questions_in_a_row_never_share_k(seed):
    ks = [make_question(seed, "easy", i) for i in range(10)]
    ks = [q.layers[0].k for q in ks if q.topic != "cheaper"]
    assert len(set(ks)) > 1
    all_ks = [make_question(seed, "easy", i).layers[0].k for i in range(2)
              if make_question(seed, "easy", i).topic != "cheaper"]
    assert all_ks.count(1) <= 1  # questions 1 and 2 are not both k = 1
