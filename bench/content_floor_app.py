"""The explorer's default view with none of its logic: what Streamlit itself costs for it.

Issue 14 compares the explorer with a bare app (one slider, one tiny chart). This app sits
in between: it sends **every element the explorer sends** on a move of ``k`` (navigation,
title, captions, metrics, formulas, explanation callouts, figure choice, the isometric
filter figure and its text, the stage table, the code menu, the sidebar's widgets), in the
same order and the same containers and fragments, with the same text and figure JSON. But
all of it was prepared when the server started, for k = 1 … ``K_MAX``: a move does no
``analyze``, builds no figure, and keeps no URL or session bookkeeping.

So a move here costs what Streamlit and the browser cost for the content alone. The
explorer can only approach this floor; the bare app is below it by the content.
``bench/content_floor.py`` measures the three; ``tests/test_content_floor.py`` checks that
this app and the explorer draw the same elements, so the floor stays honest.

    streamlit run bench/content_floor_app.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `streamlit run bench/content_floor_app.py`
    sys.path.insert(0, str(REPO_ROOT))

import streamlit as st  # noqa: E402

from lib import figures  # noqa: E402
from lib.alt_text import explorer_alt  # noqa: E402
from lib.conv import KIND_INFO  # noqa: E402
from lib.state import (CODE_CONTROL, CONTROL_BY_KEY, EXPLORER_CONTROLS,  # noqa: E402
                       EXPLORER_FIGURE_CONTROLS, EXPLORER_VIEW_CONTROLS)
from lib.text import fmt_bytes, fmt_count, fmt_int, fmt_shape, markdown_table  # noqa: E402
from pages._cached import analyze_layer, figure, layer_key  # noqa: E402
from pages._shared import (BOX_WIDTH, ICON, PAGE_STYLE, SCROLLERS_JS,  # noqa: E402
                           figure_text, metric_row, sidebar_hint)

#: The k values prepared at start-up (the browser bench moves k up from its default 10).
K_MAX = 128
FIGURE_CONTROL = {c.key: c for c in EXPLORER_FIGURE_CONTROLS}
DEFAULTS = {c.key: c.default for c in EXPLORER_CONTROLS + EXPLORER_VIEW_CONTROLS}
STAGE_COLUMNS = ("stage", "what it is", "output", "weights", "biases", "params",
                 "PyTorch weight", "Keras kernel", "MACs")
COUNTS = ("weights", "biases", "params", "MACs")


@dataclass(frozen=True)
class View:
    """Everything one k value shows, as the explorer would show it."""

    metrics: tuple[tuple[str, str, str | None], ...]
    latex: tuple[str, ...]
    explanation: tuple[str, ...]
    notes: tuple[str, ...]
    figure: object
    alt: str
    table: str
    details: tuple[tuple[str, str, str | None], ...]
    ignored: str | None


def _shape(shape) -> str:
    return f"`{tuple(shape)}`" if shape else "—"


def _view(k: int) -> View:
    key = layer_key(dict(DEFAULTS, k=k))
    r, error = analyze_layer(key)
    assert r is not None, error
    fig = figure("filters", key)
    axes = "×".join(r.spec.axes)
    m = r.memory
    rows = [(s.name, s.role, fmt_shape(s.out_shape), fmt_int(s.weight_params),
             fmt_int(s.bias_params), fmt_int(s.params), _shape(s.torch_weight_shape),
             _shape(s.keras_weight_shape), fmt_int(s.macs)) for s in r.stages]
    return View(
        metrics=((f"Input ({axes}×c)", fmt_shape(r.input_shape), None),
                 (f"Output ({axes}×C)", fmt_shape(r.output_shape), None),
                 ("Parameters", fmt_int(r.params),
                  f"{fmt_int(r.weight_params)} weights + {fmt_int(r.bias_params)} biases"),
                 ("MACs", fmt_count(r.macs), f"{fmt_int(r.macs)} multiply-accumulates; "
                  f"FLOPs = 2 × MACs = {fmt_int(r.flops)}")),
        latex=(r.params_latex, *r.output_latex),
        explanation=tuple(r.explanation), notes=tuple(r.notes),
        figure=fig, alt=explorer_alt("filters", r, fig.layout.meta),
        table=markdown_table(STAGE_COLUMNS, rows, right=COUNTS),
        details=(("FLOPs (= 2 × MACs)", fmt_count(r.flops), None),
                 ("Receptive field", fmt_shape(r.receptive_field),
                  "Input cells (height × width) that one output cell depends on"),
                 ("Effective kernel", fmt_shape(r.effective_kernel),
                  "Span of the dilated kernel: d·(w−1)+1"),
                 ("Memory (float32)", fmt_bytes(m.total_bytes),
                  f"input {fmt_bytes(m.input_bytes)}, output {fmt_bytes(m.output_bytes)}, "
                  f"weights {fmt_bytes(m.weight_bytes)}, between stages "
                  f"{fmt_bytes(m.intermediate_bytes)}")),
        ignored=("Not used by this kind: " + "; ".join(f"{n} ({why})" for n, why in r.ignored)
                 if r.ignored else None))


@st.cache_resource(show_spinner=False)
def prepared() -> dict[int, View]:
    """Every view for k = 1 … K_MAX, made once per server (before the timed moves)."""
    return {k: _view(k) for k in range(1, K_MAX + 1)}


def _metrics(items) -> None:
    row = metric_row()
    for label, value, help in items:
        row.metric(label, value, help=help)


@st.fragment
def _figure(view: View) -> None:
    control = FIGURE_CONTROL["fig"]
    st.radio(control.label, control.choices, key="fig", format_func=control.label_of,
             horizontal=True, label_visibility="collapsed")
    st.container()  # the slot of the sliding window's preset pills
    st.plotly_chart(view.figure, key="figure-filters", config=figures.chart_config("filters"))
    figure_text(view.alt)


@st.fragment
def _code() -> None:
    """The code menu at its default, "Hidden": no code block."""
    st.radio(CODE_CONTROL.label, CODE_CONTROL.choices, key="code",
             format_func=CODE_CONTROL.label_of, horizontal=True, label_visibility="collapsed")


def _slider(key: str, box: bool = False) -> None:
    control = CONTROL_BY_KEY[key]
    if not box:
        st.slider(control.label, control.low, control.high, key=key)
        return
    st.session_state[f"{key}__box"] = st.session_state.get(key, control.default)
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small")
    row.slider(control.label, control.low, control.high, key=key)
    row.number_input(f"{control.label} (exact value)", control.low, control.high, step=1,
                     key=f"{key}__box", label_visibility="collapsed", width=BOX_WIDTH)


def explorer() -> None:
    """The explorer's default view, element for element (see pages/explorer.py)."""
    for control in EXPLORER_CONTROLS + EXPLORER_VIEW_CONTROLS:
        st.session_state.setdefault(control.key, control.default)
    view = prepared()[min(int(st.session_state["k"]), K_MAX)]
    st.html(PAGE_STYLE)
    st.title("Conv explorer")
    sidebar_hint("Conv kind and layer settings (k, w, c, H, W and the advanced knobs)")
    st.container()  # the link-warnings placeholder
    numbers = st.container()
    left, right = st.columns([2, 3], gap="large")
    with right:
        _figure(view)
    with numbers:
        _metrics(view.metrics)
        for line in view.latex:
            st.latex(line)
    with left:
        st.markdown(view.explanation[0])
        for line in view.explanation[1:]:
            st.info(line, icon=ICON["idea"])
        for note in view.notes:
            st.caption(f"Framework note: {note}")
    st.subheader("Parameters, cost and memory")
    st.markdown(view.table)
    _metrics(view.details)
    if view.ignored:
        st.caption(view.ignored)
    st.subheader("The same layer in code")
    _code()
    with st.sidebar:
        kind = CONTROL_BY_KEY["kind"]
        st.selectbox(kind.label, kind.choices, key="kind", format_func=kind.label_of)
        st.caption(KIND_INFO[st.session_state["kind"]].summary)
        dims = CONTROL_BY_KEY["dims"]
        st.radio(dims.label, dims.choices, key="dims", format_func=dims.label_of,
                 horizontal=True,
                 help="1D: sequences (audio, text), W is the length. 2D: images. "
                      "3D: volumes (video frames, CT slices).")
        _slider("k", box=True)
        st.toggle(CONTROL_BY_KEY["rect"].label, key="rect")
        _slider("w")
        _slider("c", box=True)
        _slider("H", box=True)
        _slider("W", box=True)
        st.expander("Advanced: stride, padding, dilation, groups…", key="advanced",
                    on_change="rerun")


def _empty() -> None:
    st.write("(not part of the floor)")


st.set_page_config(page_title="ConvScope", page_icon=ICON["explorer"], layout="wide")
st.sidebar.caption("ConvScope — every number here is checked against real PyTorch and Keras "
                   "layers.")
with st.sidebar:
    st.html(SCROLLERS_JS, unsafe_allow_javascript=True)
st.navigation([st.Page(explorer, title="Explorer", icon=ICON["explorer"], default=True)]
              + [st.Page(_empty, title=title, icon=icon, url_path=path)
                 for title, icon, path in (
                     ("Compare", ":material/balance:", "compare"),
                     ("How many weights?", ":material/school:", "walkthrough"),
                     ("Network builder", ":material/stacks:", "network"),
                     ("Quiz", ":material/quiz:", "quiz"),
                     ("Prove it", ":material/calculate:", "prove_it"),
                     ("On a real image", ":material/image:", "real_image"))]).run()
