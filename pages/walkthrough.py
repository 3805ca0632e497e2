"""Walkthrough: "How many weights does a Conv2D train?" as a six-step interactive story."""

from __future__ import annotations

import streamlit as st

from lib import figures
from lib.alt_text import WALKTHROUGH_ALT
from lib.state import WALKTHROUGH_CONTROLS, parse_query
from lib.walkthrough import INTRO, STEPS, Step, StepSpec, build_step
from pages._cached import step_figure, step_key
from pages._shared import (ICON, bound_choice, bound_slider, figure_text, metric_row,
                           report_url_changes, seed_from_url, sync_url)

PAGE = "walkthrough"
CONTROL_BY_KEY = {c.key: c for c in WALKTHROUGH_CONTROLS}


def _widget(key: str) -> object:
    c = CONTROL_BY_KEY[key]
    return bound_choice(PAGE, c) if c.choices else bound_slider(PAGE, c)


def _figure(spec: StepSpec, step: Step, values: dict[str, object]) -> None:
    # figure: filter_tensor_figure  (step 1, StepSpec.figure in lib/walkthrough.py)
    # figure: sliding_window_figure (step 2)
    if spec.figure is None or step.result is None:
        return
    st.plotly_chart(step_figure(spec.number, step_key(values)),  # built by lib.figures, cached
                    config=figures.chart_config(spec.figure))
    figure_text(WALKTHROUGH_ALT[spec.figure](step.result))


def _step(spec: StepSpec) -> None:
    st.subheader(spec.title)
    text, side = st.columns([3, 2], gap="large")
    with side:
        with st.container(border=True):
            st.caption("Try it with other numbers:")
            values = {key: _widget(key) for key in spec.controls}
    step = build_step(spec.number, values)
    if step.error:
        with text:
            st.error(f"This can't be built: {step.error}", icon=ICON["error"])
        return
    with text:
        for paragraph in step.paragraphs:
            st.markdown(paragraph)
    for formula in step.latex:
        st.latex(formula)
    row = metric_row()
    for m in step.metrics:
        row.metric(m.label, m.value, help=m.help)
    if step.takeaway:
        st.info(step.takeaway, icon=ICON["idea"])
    _figure(spec, step, values)


def main() -> None:
    seed_from_url(PAGE, WALKTHROUGH_CONTROLS, parse_query)
    st.title("How many weights does a Conv2D train?")
    notice = st.container()
    st.markdown(INTRO)
    for spec in STEPS:
        _step(spec)
    report_url_changes(PAGE, WALKTHROUGH_CONTROLS, into=notice)
    sync_url(PAGE, WALKTHROUGH_CONTROLS)


main()
