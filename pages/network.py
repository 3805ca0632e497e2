"""Network builder: stack layers, see model.summary() plus MACs, shares and receptive field."""

from __future__ import annotations

import streamlit as st

from lib.alt_text import comparison_alt, layer_bars_alt
from lib.figures import chart_config
from lib.figures.network import comparison_figure, layer_bars_figure
from lib.conv import AXES
from lib.network import (DEFAULT_NET, GRAMMAR_HELP, PRESETS, TABLE_COLUMNS, NetworkError,
                         NetworkResult, NetworkSpec, apply_table_edits, build_network,
                         compare_with_standard, from_table, keras_code, keras_summary,
                         parse_net, preset_of, pytorch_code, serialise_net, summary_text,
                         table_types, to_table, unreadable_message, with_input)
from lib.state import DIMS, Control, unknown_keys
from lib.text import fmt_count, fmt_int, fmt_shape, ratio_delta
from pages._shared import (ICON, ensure_app_navigation, figure_text, link_opened, metric_row,
                           show_link_warning, sidebar_hint, url_query, user_acted,
                           write_url)

PAGE = "network"
#: The page's one link key (for naming the keys a link has that the page does not).
NET = Control("net", "network (its layers as text)", DEFAULT_NET)
CUSTOM = "custom"
_GOOD = "net_good"  # the last stack text that could be read (canonical)
_KEEP = "net_keep"  # the text field's value, kept across page switches
_TABLE_ERROR = "net_table_error"
#: Input-size boxes: label, upper limit and the size a new axis starts at (dims switch).
_SIZE_BOX = {"D": ("D (frames)", 1024, 16), "H": ("H", 2048, 32), "W": ("W", 2048, 32)}
_C_HIGH = 4096
#: What each input type is for (the dims selector's help).
_DIMS_HELP = ("1D: a sequence (audio, text), W × c. 2D: an image, H × W × c. 3D: a volume "
              "(video frames, CT slices), D × H × W × c. Switching converts every conv and "
              "pooling layer (causal padding is 1D only and becomes 'same').")


# ---------------------------------------------------------------------------
# State: the text field "net" (bound to the URL) is the one source of truth; the
# preset box, the input-shape boxes and the table write into it from callbacks.
# ---------------------------------------------------------------------------

def _seed() -> list[str]:
    """Before the widgets: the link's stack when a link was opened (first visit, back
    button), else what the student had. Returns a warning for each key of an opened link
    that this page does not have (``nett=``), as the other pages do.

    Streamlit drops a widget's value when another page ran in between: ``_KEEP`` brings
    it back (a page switch from the sidebar carries no ``net``).
    """
    ss = st.session_state
    opened = link_opened(PAGE)
    url = st.query_params.get("net") if opened else None
    if url is not None:
        ss["net"] = url
    elif "net" not in ss:
        ss["net"] = ss.get(_KEEP, DEFAULT_NET)
    ss[_KEEP] = ss["net"]
    return unknown_keys(url_query(), (NET,)) if opened else []


def _current() -> tuple[NetworkSpec, str | None]:
    """The stack to show and, when the text can't be read, the message saying so."""
    text = st.session_state.get("net", DEFAULT_NET)
    try:
        spec = parse_net(text)
        st.session_state[_GOOD] = serialise_net(spec)
        return spec, None
    except NetworkError as err:
        good = _good_spec()
        return good, unreadable_message(str(text), err, good)


def _good_spec() -> NetworkSpec:
    return parse_net(st.session_state.get(_GOOD, DEFAULT_NET))


def _set_net(spec: NetworkSpec) -> None:
    user_acted()
    st.session_state["net"] = serialise_net(spec)
    st.session_state.pop(_TABLE_ERROR, None)


def _load_preset() -> None:
    user_acted()
    key = st.session_state.get("net_preset")
    if key in PRESETS:
        _set_net(PRESETS[key].spec)


def _set_input() -> None:
    """Callback of the dims selector and the size boxes: the stack on the new input."""
    ss = st.session_state
    rank = DIMS.index(ss.get("net_dims", "2D")) + 1
    sizes = []
    for axis in AXES[rank]:
        value = ss.get(f"net_{axis}")
        if value is None:  # an axis this stack did not have: W's size, or the default
            value = ss.get("net_W") if axis == "H" else _SIZE_BOX[axis][2]
        sizes.append(int(value or _SIZE_BOX[axis][2]))
    _set_net(with_input(_good_spec(), *sizes, int(ss["net_c"])))


def _tidy_text() -> None:
    """After typing: show the canonical text when it can be read (errors stay as typed)."""
    user_acted()
    try:
        st.session_state["net"] = serialise_net(parse_net(st.session_state.get("net", "")))
    except NetworkError:
        pass


def _edit_table(key: str, base_rows: list[dict], input_shape: tuple[int, ...]) -> None:
    user_acted()
    try:
        layers = from_table(apply_table_edits(base_rows, st.session_state.get(key) or {}),
                            len(input_shape) - 1)
    except NetworkError as err:
        st.session_state[_TABLE_ERROR] = (key, str(err))
        return
    _set_net(NetworkSpec(input_shape, layers))


def _sync_widgets(spec: NetworkSpec) -> None:
    """Before the widgets exist: make them show the current stack."""
    ss = st.session_state
    ss["net_preset"] = preset_of(spec) or CUSTOM
    ss["net_dims"] = DIMS[spec.rank - 1]
    *sizes, ss["net_c"] = spec.input_shape
    for axis, value in zip(AXES[spec.rank], sizes):
        ss[f"net_{axis}"] = value


# ---------------------------------------------------------------------------
# Sidebar
# ---------------------------------------------------------------------------

def _sidebar(rank: int) -> None:
    with st.sidebar:
        st.selectbox("Preset", [*PRESETS, CUSTOM], key="net_preset", on_change=_load_preset,
                     format_func=lambda k: PRESETS[k].label if k in PRESETS
                     else "Custom (edited)",
                     help="Loads a ready-made stack; edit it in the table or the text below.")
        st.radio("Input type", DIMS, key="net_dims", horizontal=True, on_change=_set_input,
                 help=_DIMS_HELP)
        axes = AXES[rank]
        st.caption(f"Input shape ({' × '.join(axes)} × c)")
        cols = st.columns(rank + 1)
        for col, axis in zip(cols, axes):
            label, high, _ = _SIZE_BOX[axis]
            col.number_input(label, 1, high, step=1, key=f"net_{axis}", on_change=_set_input)
        cols[-1].number_input("c", 1, _C_HIGH, step=1, key="net_c", on_change=_set_input)
        st.text_input("Stack as text (this is the link)", key="net", on_change=_tidy_text,
                      help=GRAMMAR_HELP)
        with st.expander("How to write a stack"):
            st.markdown(GRAMMAR_HELP)


# ---------------------------------------------------------------------------
# Main area
# ---------------------------------------------------------------------------

def _editor(spec: NetworkSpec) -> None:
    rows = [{"#": i, **row} for i, row in enumerate(to_table(spec.layers), start=1)]
    key = f"net_table:{serialise_net(spec)}"
    cc = st.column_config
    rank = spec.rank
    size = r"^\s*\d+\s*(x\s*\d+\s*){0,2}$"
    size_help = {1: "one number (a 1D layer has one axis)", 2: "3 or 3x5 (height x width)",
                 3: "3 or 1x3x3 (depth x height x width)"}[rank]
    st.data_editor(
        rows, key=key, num_rows="dynamic", hide_index=True, column_order=("#", *TABLE_COLUMNS),
        placeholder="—",
        disabled=["#"], on_change=_edit_table, args=(key, rows, spec.input_shape),
        column_config={
            "#": cc.NumberColumn("#", help="layer number (as in the messages)", width="small"),
            "layer": cc.SelectboxColumn("layer", options=list(table_types(rank)),
                                        required=True, width="medium"),
            "filters / units": cc.NumberColumn(min_value=1, step=1, format="%d",
                                               help="conv filters k, or dense units"),
            "kernel / pool": cc.TextColumn(validate=size, help=size_help),
            "stride": cc.TextColumn(validate=size, help="blank: 1 (pools: the pool size)"),
            "padding": cc.TextColumn(validate=r"^\s*(valid|same|causal|\d+(x\d+){0,2})\s*$",
                                     help="valid, same, zeros per side (convs), or causal "
                                          "(1D convs)"),
            "dilation": cc.TextColumn(validate=size),
            "groups": cc.NumberColumn(min_value=1, step=1, format="%d"),
            "depth multiplier": cc.NumberColumn(min_value=1, step=1, format="%d"),
            "output padding": cc.TextColumn(validate=r"^\s*\d+(x\d+){0,2}\s*$"),
            "bias": cc.CheckboxColumn(),
        })
    err = st.session_state.get(_TABLE_ERROR)
    if err and err[0] == key:
        st.warning(f"This edit can't be used yet: {err[1]}. The network below is the last "
                   "complete one.", icon=ICON["edit"])
    st.caption("Add rows at the bottom, delete with the row checkbox; to insert in the middle "
               "edit the stack text in the sidebar. Cells a layer does not use are ignored.")


def _rows_table(rows) -> None:
    data = [{"#": r.index, "Layer (type)": " + ".join(f"{k.name} ({k.type})"
                                                      for k in r.keras_layers),
             "Output Shape": fmt_shape(r.output_shape), "Param #": r.params, "MACs": r.macs,
             "% params": 100 * r.params_share, "% MACs": 100 * r.macs_share,
             "Receptive field": r.receptive_field_text, "piece": r.piece} for r in rows]
    cc = st.column_config
    st.dataframe(data, hide_index=True, width="stretch", column_config={
        "Param #": cc.NumberColumn(format="localized"),
        "MACs": cc.NumberColumn(format="localized", help="multiply-accumulates, one image"),
        "% params": cc.ProgressColumn(format="%.1f %%", min_value=0, max_value=100),
        "% MACs": cc.ProgressColumn(format="%.1f %%", min_value=0, max_value=100),
        "Receptive field": cc.TextColumn(help="input cells per axis (e.g. H × W) one value "
                                              "depends on"),
        "piece": cc.TextColumn("stack text"),
    })


def _totals(result: NetworkResult) -> None:
    row = metric_row()
    row.metric("Total params", fmt_int(result.total_params),
               help="all trainable (no BatchNorm here); Keras prints the same total")
    row.metric("MACs", fmt_count(result.total_macs),
               help=f"{fmt_int(result.total_macs)} multiply-accumulates for one image; "
               f"FLOPs = 2 × MACs = {fmt_int(result.total_flops)}")
    row.metric("Output shape", fmt_shape(result.output_shape))
    row.metric("Layers", str(len(result.rows)))
    rf = result.receptive_field
    row.metric("Receptive field", fmt_shape(rf) if rf else "—",
               help="of the last conv or pooling layer: rf += (extent − 1) × jump, "
               "jump × = stride")


def _notes(result: NetworkResult) -> None:
    notes = []
    for r in result.rows:
        for note in (r.conv.notes if r.conv else ()):
            line = f"Layer {r.index} ({r.name}): {note}"
            if line not in notes:
                notes.append(line)
    if notes:
        with st.expander(f"Framework notes ({len(notes)})"):
            for line in notes:
                st.caption(line)


def _chart_pair(build, alt, subject, key: str, name: str) -> None:
    """Parameters beside MACs: two charts of ``subject``, each with its text alternative."""
    for column, what in zip(st.columns(2), ("params", "macs")):
        column.plotly_chart(build(subject, what), key=f"{key}_{what}",
                            config=chart_config(f"{name}-{what}"))
        figure_text(alt(subject, what), into=column)


def _comparison(result: NetworkResult) -> None:
    cmp = compare_with_standard(result)
    if cmp is None:
        return
    st.subheader("Standard vs depthwise separable")
    st.caption("The same stack with every depthwise separable conv replaced by a standard "
               "conv with the same filters, kernel, stride and padding: every output shape "
               "stays the same. MobileNet presets use no bias (the paper has BatchNorm), so "
               "Keras SeparableConv2D and PyTorch's depthwise + 1×1 pair agree.")
    row = metric_row()
    row.metric("Separable: params", fmt_int(cmp.separable.total_params))
    p_delta, p_arrow = ratio_delta(cmp.standard.total_params, cmp.separable.total_params)
    m_delta, m_arrow = ratio_delta(cmp.standard.total_macs, cmp.separable.total_macs)
    row.metric("Standard: params", fmt_int(cmp.standard.total_params),
               delta=p_delta, delta_arrow=p_arrow, delta_color="inverse")
    row.metric("Separable: MACs", fmt_count(cmp.separable.total_macs),
               help=fmt_int(cmp.separable.total_macs))
    row.metric("Standard: MACs", fmt_count(cmp.standard.total_macs),
               help=fmt_int(cmp.standard.total_macs),
               delta=m_delta, delta_arrow=m_arrow, delta_color="inverse")
    _chart_pair(comparison_figure, comparison_alt, cmp, "cmp", "network")


def _result(result: NetworkResult) -> None:
    _totals(result)
    _rows_table(result.rows)
    st.caption("Pooling, flatten and global average pooling have no weights: 0 parameters "
               "and 0 MACs (their comparisons and additions are not multiply-accumulates "
               "with weights; PyTorch's FlopCounterMode counts 0 too). Dense: MACs = inputs "
               "× units. Names are Keras's auto-names in a fresh session.")
    _notes(result)
    summary, charts, code = st.tabs(["Keras model.summary()", "Charts", "Code"])
    with summary:
        st.code(keras_summary(result), language=None)
        st.download_button("Download the summary (.txt)", summary_text(result),
                           file_name="network_summary.txt", mime="text/plain")
    with charts:
        _chart_pair(layer_bars_figure, layer_bars_alt, result, "bars", "layers")
    with code:
        k_code, t_code = keras_code(result), pytorch_code(result)
        cols = st.columns(2)
        cols[0].download_button("Download Keras code (.py)", k_code,
                                file_name="network_keras.py", mime="text/x-python")
        cols[1].download_button("Download PyTorch code (.py)", t_code,
                                file_name="network_pytorch.py", mime="text/x-python")
        st.code(k_code, language="python")
        st.code(t_code, language="python")
    _comparison(result)


def main() -> None:
    ensure_app_navigation()
    ignored = _seed()
    spec, text_error = _current()
    # The address bar holds the stack shown (a text that can't be read is not a view).
    write_url(PAGE, {"net": serialise_net(spec)})
    _sync_widgets(spec)
    _sidebar(spec.rank)
    st.title("Network builder")
    sidebar_hint("Presets, input and layer settings")
    # (No code span in a caption: the caption fades its green to 3.0:1, below WCAG AA.)
    st.caption("Stack layers and see what Keras's model.summary() prints — plus the MACs, "
               "each layer's share and how far each value sees. Every conv number comes from the "
               "same model as the Explorer; the presets are checked against real Keras and "
               "PyTorch.")
    show_link_warning(ignored)  # on the run that opened the link
    if text_error:  # user text only inside code spans (lib.network quotes it so)
        st.warning(f"This stack can't be read:\n\n- {text_error}", icon=ICON["warning"])
    preset = preset_of(spec)
    if preset:
        st.info(PRESETS[preset].about, icon=ICON["idea"])
    _editor(spec)
    try:
        result = build_network(spec.input_shape, spec.layers)
    except NetworkError as err:
        st.error(f"This network can't be built: {err}", icon=ICON["error"])
        if err.rows:
            st.caption(f"The first {len(err.rows)} layer(s) work:")
            _rows_table(err.rows)
        return
    _result(result)


main()
