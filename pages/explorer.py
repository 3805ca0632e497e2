"""Explorer: move k, w, c, H, W (and the advanced knobs) and see every number change."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib import figures
from lib.alt_text import explorer_alt
from lib.cell import CellTooLarge, cell_markdown, compute_cell, figure_stage, term_rows
from lib.conv import KIND_INFO, not_applicable_reason
from lib.presets import PRESET_BY_KEY, PRESETS, matching_preset, preset_link
from lib.state import (ADVANCED_EXPANDER, ADVANCED_KEYS, CODE_CONTROL, CODE_VIEWS, CONTROL_BY_KEY,
                       EXPLORER_CONTROLS, EXPLORER_FIGURE_CONTROLS, EXPLORER_VIEW_CONTROLS,
                       PRODUCTS_EXPANDER, SCALING_VARIES, clicked_position,
                       parse_explorer_query, position_values)
from lib.text import fmt_bytes, fmt_count, fmt_int, fmt_shape, markdown_table
from pages._cached import LayerKey, analyze_layer, code_texts, figure, layer_key
from pages._shared import (ICON, bound_choice, bound_slider, bound_toggle, dismiss_url_warnings,
                           figure_text, metric_row, open_if_set, padding_modes,
                           padding_radio, report_url_changes, seed_from_url, settle_choice,
                           settle_slider, sidebar_hint, sync_url)

PAGE = "explorer"
CONTROLS = EXPLORER_CONTROLS + EXPLORER_VIEW_CONTROLS
FIGURE_CONTROL = {c.key: c for c in EXPLORER_FIGURE_CONTROLS}
#: Which lib.conv argument each control feeds (for "does it apply to this kind?").
_ARG = {"k": "k", "w": "w", "kd": "w", "kh": "w", "kw": "w", "rect": "w", "c": "c", "D": "H",
        "H": "H", "W": "W",
        "s": "stride", "pad": "padding", "p": "padding", "d": "dilation", "g": "groups",
        "dm": "depth_multiplier", "op": "output_padding", "bias": "bias"}


def _slider_high(key: str) -> int | None:
    """A slider's top when the layer lowers it: groups g <= c; None for the others."""
    return st.session_state.get("c", 3) if key == "g" else None


def _slider(key: str, kind: str, disabled: bool = False) -> int:
    reason = not_applicable_reason(kind, _ARG[key])
    return bound_slider(PAGE, CONTROL_BY_KEY[key], _slider_high(key),
                        disabled or reason is not None,
                        help=f"Not used here: {reason}." if reason else None)


def _open_advanced_if_set() -> None:
    """A link, a page switch or a preset that sets an advanced knob opens the expander, so
    the student sees the knob the view depends on (its widgets exist only while open)."""
    open_if_set(ADVANCED_EXPANDER, [CONTROL_BY_KEY[key] for key in ADVANCED_KEYS])


def _settled_values() -> dict[str, object]:
    """The values the sidebar's widgets will show in this run, before they are drawn.

    The page draws its figure first and the sidebar last: Streamlit sends elements in the
    order the script makes them, so the figure reaches the browser before the 30-odd
    sidebar elements (and the figure's chunk of JavaScript starts loading that much earlier
    on a page's first visit). Each widget's value is already in ``st.session_state`` when
    the run starts; this clamps it the way the widget will (``settle_slider``,
    ``settle_choice``), so the figure and the sliders agree.
    """
    if seed_from_url(PAGE, CONTROLS, parse_explorer_query):
        _open_advanced_if_set()
    ss = st.session_state
    for control in EXPLORER_CONTROLS:  # in order: dims before pad, c before g
        if control.choices:
            offered = padding_modes(ss["dims"]) if control.key == "pad" else None
            settle_choice(control, offered)
        elif not control.is_bool:
            settle_slider(control, _slider_high(control.key))
    return {c.key: ss.get(c.key, c.default) for c in CONTROLS}


def _controls() -> None:
    """The sidebar's widgets (drawn last; their values were settled by _settled_values)."""
    sb = st.sidebar
    with sb:
        kind = bound_choice(PAGE, CONTROL_BY_KEY["kind"], widget="selectbox")
        st.caption(KIND_INFO[kind].summary)
        dims = bound_choice(PAGE, CONTROL_BY_KEY["dims"],
                            help="1D: sequences (audio, text), W is the length. 2D: images. "
                                 "3D: volumes (video frames, CT slices).")
        _slider("k", kind)
        rect = bound_toggle(PAGE, CONTROL_BY_KEY["rect"],
                            disabled=kind == "pointwise" or dims == "1D")
        if rect and dims != "1D":
            if dims == "3D":
                _slider("kd", kind)
            _slider("kh", kind)
            _slider("kw", kind)
        else:
            _slider("w", kind)
        _slider("c", kind)
        if dims == "3D":
            _slider("D", kind)
        if dims != "1D":
            _slider("H", kind)
        _slider("W", kind)
        # Built only while open (on_change="rerun"): a move sends ~15 fewer sidebar
        # elements (issue 14). The values live in session_state either way.
        advanced = st.expander("Advanced: stride, padding, dilation, groups…",
                               key=ADVANCED_EXPANDER, on_change="rerun")
        if not advanced.open:
            return
        with advanced:
            _slider("s", kind)
            pad = padding_radio(PAGE, CONTROL_BY_KEY["pad"], dims)
            _slider("p", kind, disabled=pad != "explicit")
            _slider("d", kind)
            _slider("g", kind)
            if kind == "grouped":
                st.caption("groups = 1 is a standard conv; groups = c with k = c × m is a "
                           "depthwise conv: one family.")
            _slider("dm", kind)
            _slider("op", kind)
            bound_toggle(PAGE, CONTROL_BY_KEY["bias"])


def _numbers(r) -> None:
    row = metric_row()
    axes = "×".join(r.spec.axes)
    row.metric(f"Input ({axes}×c)", fmt_shape(r.input_shape))
    row.metric(f"Output ({axes}×C)", fmt_shape(r.output_shape))
    row.metric("Parameters", fmt_int(r.params),
               help=f"{fmt_int(r.weight_params)} weights + {fmt_int(r.bias_params)} biases")
    row.metric("MACs", fmt_count(r.macs), help=f"{fmt_int(r.macs)} multiply-accumulates; "
               f"FLOPs = 2 × MACs = {fmt_int(r.flops)}")
    st.latex(r.params_latex)
    for line in r.output_latex:
        st.latex(line)


def _explanation(r) -> None:
    st.markdown(r.explanation[0])
    for line in r.explanation[1:]:
        st.info(line, icon=ICON["idea"])
    for note in r.notes:
        st.caption(f"Framework note: {note}")


#: The stage table's columns; the counts are right-aligned.
STAGE_COLUMNS = ("stage", "what it is", "output", "weights", "biases", "params",
                 "PyTorch weight", "Keras kernel", "MACs")
_COUNTS = ("weights", "biases", "params", "MACs")


def _weight_shape(shape) -> str:
    return f"`{tuple(shape)}`" if shape else "—"


def _details(r) -> None:
    # A Markdown table, not st.dataframe: a real <table>, and no pandas import (~0.4 s on a
    # server's first page) nor data-grid JavaScript on every move (issue 14).
    rows = [(s.name, s.role, fmt_shape(s.out_shape), fmt_int(s.weight_params),
             fmt_int(s.bias_params), fmt_int(s.params), _weight_shape(s.torch_weight_shape),
             _weight_shape(s.keras_weight_shape), fmt_int(s.macs)) for s in r.stages]
    st.markdown(markdown_table(STAGE_COLUMNS, rows, right=_COUNTS))
    m = r.memory
    row = metric_row()
    row.metric("FLOPs (= 2 × MACs)", fmt_count(r.flops))
    row.metric("Receptive field", fmt_shape(r.receptive_field),
               help="Input cells (height × width) that one output cell depends on")
    row.metric("Effective kernel", fmt_shape(r.effective_kernel),
               help="Span of the dilated kernel: d·(w−1)+1")
    row.metric("Memory (float32)", fmt_bytes(m.total_bytes),
               help=f"input {fmt_bytes(m.input_bytes)}, output {fmt_bytes(m.output_bytes)}, "
                    f"weights {fmt_bytes(m.weight_bytes)}, between stages "
                    f"{fmt_bytes(m.intermediate_bytes)}")
    if r.ignored:
        st.caption("Not used by this kind: " + "; ".join(f"{n} ({why})" for n, why in r.ignored))


def _position_slider(key: str, label: str, size: int) -> int:
    """An output index slider, clamped to this layer's output (0 when only one cell)."""
    if size <= 1:
        st.session_state[key] = 0
        return 0
    return bound_slider(PAGE, replace(FIGURE_CONTROL[key], label=label), high=size - 1)


#: Figures whose output cells can be clicked (see-through markers over the cells).
CLICKABLE = ("window", "volume")
_PRESET_PICK = "_preset_pick"
_PRESET_APPLIED = "_preset_applied"


def _clicked(chart_key: str) -> None:
    """A click on an output cell: move the position sliders there (the URL follows)."""
    event = st.session_state.get(chart_key) or {}
    position = clicked_position(event.get("selection") if hasattr(event, "get") else None)
    if position is None:
        return
    st.session_state.update(position_values(position))
    dismiss_url_warnings(PAGE)


def _apply_preset() -> None:
    """A conv_arithmetic preset was picked: set every control it names."""
    preset = PRESET_BY_KEY.get(st.session_state.get(_PRESET_PICK) or "")
    if preset is None:
        return
    st.session_state.update(preset.state)
    _open_advanced_if_set()
    st.session_state[_PRESET_PICK] = None
    st.session_state[_PRESET_APPLIED] = True
    dismiss_url_warnings(PAGE)


def _presets(values: dict[str, object]) -> None:
    """The classic conv_arithmetic animations: one click each, and a link each."""
    st.pills("The classic animations (conv_arithmetic)", [p.key for p in PRESETS],
             format_func=lambda key: PRESET_BY_KEY[key].title, key=_PRESET_PICK,
             on_change=_apply_preset, selection_mode="single",
             help="One input channel, one 3×3 filter, no bias — press ▶ play under the "
                  "figure.")
    if st.session_state.pop(_PRESET_APPLIED, False):
        st.rerun()  # the preset changes the sidebar too: rerun the whole page
    shown = matching_preset(values)
    links = " · ".join(f"[{p.title}]({preset_link(p)})" for p in PRESETS)
    st.caption((f"Showing **{shown.title}**: {shown.what}  \n" if shown else "")
               + f"Links: {links}")


def _computation(r, fig) -> None:
    """The clicked cell's arithmetic on a small example, written out with numbers."""
    position = tuple(fig.layout.meta["position"])
    try:
        comp = compute_cell(r, position, stage=figure_stage(r))
    except CellTooLarge as err:
        st.info(f"Cell arithmetic: {err}.")
        return
    st.markdown(f"**How output cell {comp.cell.name} is computed** — click any output "
                "cell to move the window there. Example numbers: inputs 0…4, weights and "
                "biases −2…2 (the same every time), channel 0 of the output.")
    for line in cell_markdown(comp):
        st.markdown(line)
    # Built only while open: a data grid per move costs the browser (issue 14).
    products = st.expander(f"Every product of {comp.cell.name} (input × weight)",
                           key=PRODUCTS_EXPANDER, on_change="rerun")
    if products.open:
        products.dataframe(term_rows(comp), hide_index=True, width="stretch")


@st.fragment
def _figure(r, key: LayerKey, values: dict[str, object]) -> None:
    """The one figure the student picked (only that one is built: it keeps moves fast).

    A fragment: the figure's own controls (which figure, the window position, what the
    scaling curve varies) rerun only this part of the page, not the numbers and code.
    Figures come from the server-wide cache (pages/_cached.py): a layer any student has
    seen is not built again.
    """
    choice = bound_choice(PAGE, FIGURE_CONTROL["fig"], label_visibility="collapsed")
    extra: tuple = ()
    position: tuple[int, ...] = (0, 0)
    # A fixed slot for the window's preset pills: the position sliders below then keep their
    # place in the page (and a keyboard user's focus) when Volume <-> Sliding window switch.
    presets = st.container()
    if choice == "window":
        with presets:
            _presets(values)
    try:
        if choice in CLICKABLE:
            out = r.stages[figure_stage(r)].out_shape  # the stage the figure draws
            cols = st.columns(2)
            with cols[0]:
                row = _position_slider("or", "Output row", out[0]) if r.rank > 1 else 0
            with cols[1]:
                col = _position_slider("oc", "Output column" if r.rank > 1 else "Output step",
                                       out[-2])
            position = extra = (row, col) if r.rank > 1 else (col,)
        elif choice == "scaling":
            varies = [v for v, (k, _) in SCALING_VARIES.items()
                      if k in ("k", "c", "w") or k in r.spec.axes]
            vary = bound_choice(PAGE, FIGURE_CONTROL["vary"], varies)
            control = SCALING_VARIES[vary][0]
            extra = (control, int(values[control]))  # type: ignore[call-overload]
        fig = figure(choice, key, extra)
    except ValueError as err:  # a figure that does not draw this rank yet
        st.info(f"{FIGURE_CONTROL['fig'].label_of(choice)}: {err}")
    else:
        chart_key = f"figure-{choice}"
        clicks = (dict(on_select=lambda: _clicked(chart_key), selection_mode="points")
                  if choice in CLICKABLE else {})
        st.plotly_chart(fig, key=chart_key, config=figures.chart_config(choice), **clicks)
        figure_text(explorer_alt(choice, r, fig.layout.meta, position))
        if choice in CLICKABLE:
            _computation(r, fig)
    sync_url(PAGE, CONTROLS)  # a fragment run changes the figure's keys only


@st.fragment
def _code(key: LayerKey) -> None:
    """Copyable framework code and the summary tables the frameworks print.

    Shown on request (a menu, ``code=`` in the link; see ``lib.state.CODE_VIEWS`` for why
    "Hidden" is the default), and only the chosen block is built and sent. A fragment, so
    choosing another reruns only this section.
    """
    choice = bound_choice(PAGE, CODE_CONTROL, label_visibility="collapsed")
    if choice != "none":
        texts, error = code_texts(key)
        if texts is None:
            st.info(f"Code snippets: {error}")
        else:
            st.code(texts[choice], language=CODE_VIEWS[choice][1])
    sync_url(PAGE, CONTROLS)  # a fragment run changes the code choice only


def _page(values: dict[str, object]) -> None:
    key = layer_key(values)
    result, error = analyze_layer(key)
    if error:
        st.error(f"This layer can't be built: {error}", icon=ICON["error"])
        st.caption("Change the highlighted value in the sidebar; everything else still works.")
        return
    numbers = st.container()
    left, right = st.columns([2, 3], gap="large")
    with right:  # first: the figure is what a move is watched on (see _settled_values)
        _figure(result, key, values)
    with numbers:
        _numbers(result)
    with left:
        _explanation(result)
    st.subheader("Parameters, cost and memory")
    _details(result)
    st.subheader("The same layer in code")
    _code(key)


def main() -> None:
    values = _settled_values()
    st.title("Conv explorer")
    sidebar_hint("Conv kind and layer settings (k, w, c, H, W and the advanced knobs)")
    notice = st.container()
    _page(values)
    _controls()
    report_url_changes(PAGE, CONTROLS, into=notice)
    sync_url(PAGE, CONTROLS)


main()
