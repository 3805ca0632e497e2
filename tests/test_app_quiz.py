"""AppTest: the quiz page asks, grades, keeps score, and replays a quiz from its link."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.quiz import CORRECT, LEVELS, make_question

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/quiz.py"


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def _question(at: AppTest):
    s = at.session_state
    return make_question(int(s["seed"]), s["level"], s["_quiz_index"])


def _shown_prompt(at: AppTest) -> str:
    q = _question(at)
    texts = [m.value for m in at.markdown]
    assert q.prompt in texts, (q.prompt, texts)
    return q.prompt


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


def _choices(at: AppTest) -> list:
    return [b for b in at.button if b.key and b.key.startswith("choice_")]


def test_default_render_shows_the_first_question_of_quiz_1():
    at = _open()
    assert not at.exception and not at.warning
    assert at.title[0].value == "Quiz"
    assert at.session_state["level"] == "easy" and at.session_state["seed"] == 1
    assert _shown_prompt(at) == make_question(1, "easy", 0).prompt
    q = _question(at)
    assert [b.label for b in _choices(at)] == list(q.choices)
    assert not any(b.disabled for b in _choices(at))
    assert _metrics(at)["Score"] == "0 / 0" and _metrics(at)["Streak"] == "0"
    assert any(h.value == "Question 1" for h in at.subheader)


def test_right_answer_scores_and_shows_the_worked_formula():
    at = _open({"seed": "5", "level": "easy"})
    q = _question(at)
    at.button(key=f"choice_{q.answer}").click().run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith("Correct")
    assert [x.value.strip("$\n") for x in at.latex] == list(q.latex)
    assert _metrics(at)["Score"] == "1 / 1" and _metrics(at)["Streak"] == "1"
    labels = [b.label for b in _choices(at)]
    assert labels[q.answer] == f"✓ {q.choices[q.answer]}"
    assert sum(label.startswith(("✓", "✗")) for label in labels) == 1
    assert [b.proto.type for b in _choices(at)].count("primary") == 1
    at.run()  # a rerun does not count the answer again
    assert _metrics(at)["Score"] == "1 / 1" and at.success
    at.button(key=f"choice_{(q.answer + 1) % len(q.choices)}").click().run()
    assert _metrics(at)["Score"] == "1 / 1" and at.success  # one answer per question


def test_wrong_answer_names_the_misconception_and_breaks_the_streak():
    at = _open({"seed": "5", "level": "medium"})
    q = _question(at)
    at.button(key=f"choice_{q.answer}").click().run()
    at.button(key="next").click().run()
    q2 = _question(at)
    assert q2.index == 1 and any(h.value == "Question 2" for h in at.subheader)
    _shown_prompt(at)
    wrong = next(i for i, label in enumerate(q2.labels) if label != CORRECT)
    at.button(key=f"choice_{wrong}").click().run()
    assert not at.exception and not at.success
    text = at.error[0].value
    assert "Not quite" in text and "That's what you get if you" in text
    assert q2.choices[q2.answer] in text
    m = _metrics(at)
    assert m["Score"] == "1 / 2" and m["Streak"] == "0" and m["Best streak"] == "1"


def test_a_link_replays_the_same_quiz_in_fresh_sessions():
    first = _open({"seed": "42", "level": "hard"})
    second = _open({"seed": "42", "level": "hard"})
    assert not first.exception and not second.exception and not first.warning
    expected = make_question(42, "hard", 0).prompt
    assert _shown_prompt(first) == _shown_prompt(second) == expected
    assert [b.label for b in _choices(first)] == [b.label for b in _choices(second)]


@pytest.mark.parametrize("query, names", [
    ({"seed": "banana"}, ["seed="]),
    ({"level": "expert"}, ["level="]),
    ({"seed": "-4", "level": "<b>hard</b>"}, ["seed=", "level="]),
    ({"seed": "1e99"}, ["seed="]),
])
def test_garbage_in_the_link_is_named_and_the_quiz_still_works(query, names):
    at = _open(query)
    assert not at.exception
    assert len(at.warning) == 1
    for name in names:
        assert name in at.warning[0].value
    assert at.session_state["level"] in LEVELS
    _shown_prompt(at)
    q = _question(at)
    at.button(key=f"choice_{q.answer}").click().run()
    assert not at.exception and at.success


def test_changing_level_restarts_the_quiz_and_new_quiz_draws_a_seed():
    at = _open({"seed": "9", "level": "easy"})
    at.button(key=f"choice_{_question(at).answer}").click().run()
    at.button(key="next").click().run()
    assert at.session_state["_quiz_index"] == 1
    at.radio(key="level").set_value("hard").run()
    assert at.session_state["_quiz_index"] == 0 and not at.exception
    assert _shown_prompt(at) == make_question(9, "hard", 0).prompt
    at.button(key="new_quiz").click().run()
    assert not at.exception and at.session_state["_quiz_index"] == 0
    assert at.session_state["seed"] != 9
    assert _metrics(at)["Score"] == "1 / 1"  # the session's score survives a new quiz
    _shown_prompt(at)
