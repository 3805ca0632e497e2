"""A bare Streamlit page that draws chosen figures of tests/figure_cases.py at given widths.

Why Streamlit and not a plain HTML page: Streamlit ships its own plotly.js (3.8.x, inside
its PlotlyChart chunk, not loadable on its own) and applies its theme to every figure, so
only ``st.plotly_chart`` draws exactly what a student sees. Query: ``ids=a,b,c`` (case
ids) and ``widths=556,480,350`` (CSS px); each case is drawn once per width, each chart
inside a container whose key names ``<case id>@<width>``.
"""

from __future__ import annotations

import streamlit as st

from tests.figure_cases import figure_cases

st.set_page_config(page_title="figure harness", layout="wide")


@st.cache_resource
def _cases() -> dict:
    return {c.id: c for c in figure_cases()}


cases = _cases()
ids = [i for i in st.query_params.get("ids", "").split(",") if i]
widths = [int(w) for w in st.query_params.get("widths", "").split(",") if w]
for case_id in ids:
    if case_id not in cases:
        st.error(f"no figure case {case_id!r}")  # the test then fails waiting for charts
        continue
    fig = cases[case_id].build()
    for width in widths:
        with st.container(key=f"case-{case_id}@{width}"):
            st.plotly_chart(fig, width=width, key=f"{case_id}@{width}")
st.markdown(f"harness done: {len(ids)} x {len(widths)}")
