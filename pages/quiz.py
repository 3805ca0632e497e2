"""Quiz: predict the output shape, the parameter count, or which layer is cheaper."""

from __future__ import annotations

import streamlit as st

from lib.quiz import (QUIZ_CONTROLS, Score, check_answer, choice_marks, explorer_query,
                      make_question, new_seed, parse_quiz_query)
from pages._shared import (ICON, bound_choice, bound_number, dismiss_url_warnings,
                           report_url_changes, seed_from_url, sidebar_hint, sync_url)

PAGE = "quiz"
CONTROL_BY_KEY = {c.key: c for c in QUIZ_CONTROLS}
_INDEX = "_quiz_index"      # question number within the current quiz (0, 1, …)
_SCORE = "_quiz_score"      # lib.quiz.Score for this session
_ANSWERS = "_quiz_answers"  # {question key: chosen index}


def _progress() -> None:
    """The quiz's own session state: question number, score, answers given."""
    st.session_state.setdefault(_INDEX, 0)
    st.session_state.setdefault(_SCORE, Score())
    st.session_state.setdefault(_ANSWERS, {})


def _restart() -> None:
    dismiss_url_warnings(PAGE)
    st.session_state[_INDEX] = 0


def _new_quiz() -> None:
    st.session_state["seed"] = new_seed()
    _restart()


def _answer(seed: int, level: str, index: int, choice: int) -> None:
    question = make_question(seed, level, index)
    answers = st.session_state[_ANSWERS]
    if question.key in answers:  # one answer per question
        return
    answers[question.key] = choice
    st.session_state[_SCORE] = st.session_state[_SCORE].record(
        check_answer(question, choice).correct)


def _next() -> None:
    st.session_state[_INDEX] += 1


def _controls() -> tuple[str, int]:
    seed_from_url(PAGE, QUIZ_CONTROLS, parse_quiz_query)
    _progress()
    with st.sidebar:
        level = bound_choice(PAGE, CONTROL_BY_KEY["level"], on_change=_restart, args=(),
                             help="Easy: standard convs, no padding. Medium: + stride, 'same' "
                                  "padding, bias off, 1×1 and shared kernels. Hard: + "
                                  "dilation, groups, depthwise, separable and transposed convs.")
        seed = bound_number(PAGE, CONTROL_BY_KEY["seed"], on_change=_restart, args=(),
                            help="The same number and level give the same questions: "
                                 "share this page's link to give a class the same quiz.")
        st.button("New quiz", key="new_quiz", on_click=_new_quiz, icon=ICON["new"])
    return str(level), int(seed)


def _score() -> None:
    """The score in the main column: on a phone the sidebar is folded away."""
    score: Score = st.session_state[_SCORE]
    cols = st.columns(3)
    cols[0].metric("Score", f"{score.correct:,} / {score.answered:,}")
    cols[1].metric("Streak", f"{score.streak:,}")
    cols[2].metric("Best streak", f"{score.best_streak:,}")


def _explorer_links(question) -> None:
    """Open the question's layer(s) in the Explorer, with every setting in the link."""
    names = ("A", "B") if len(question.layers) == 2 else ("",)
    cols = st.columns(len(names))
    for col, name, layer in zip(cols, names, question.layers):
        label = f"Open layer {name} in the Explorer" if name else "Open this layer in the Explorer"
        col.page_link("pages/explorer.py", label=label, icon=ICON["explorer"],
                      query_params=explorer_query(layer))


def main() -> None:
    level, seed = _controls()
    st.title("Quiz")
    sidebar_hint("Level, quiz number and a new quiz")
    _score()
    report_url_changes(PAGE, QUIZ_CONTROLS)
    sync_url(PAGE, QUIZ_CONTROLS)
    index = st.session_state[_INDEX]
    question = make_question(seed, level, index)
    st.caption(f"Quiz {seed}, {level}: the same link gives the same questions.")
    st.subheader(f"Question {index + 1}")
    st.markdown(question.prompt)
    chosen = st.session_state[_ANSWERS].get(question.key)
    # Not disabled after the answer (a disabled button is grey, whatever its type): the
    # marks show the right answer and the pick; _answer ignores a second click.
    for i, (label, kind) in enumerate(choice_marks(question, chosen)):
        st.button(label, key=f"choice_{i}", on_click=_answer, args=(seed, level, index, i),
                  width="stretch", type=kind)
    _explorer_links(question)
    if chosen is None:
        return
    feedback = check_answer(question, chosen)
    if feedback.correct:
        st.success(feedback.headline, icon=ICON["right"])
    else:
        st.error(feedback.headline, icon=ICON["wrong"])
    st.markdown("**The worked formula**")
    for line in feedback.latex:
        st.latex(line)
    for line in feedback.explanation:
        st.info(line, icon=ICON["idea"])
    st.button("Next question", key="next", on_click=_next, icon=ICON["next"], type="primary")


main()
