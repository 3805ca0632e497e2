"""Compare: every conv kind on the same k, w, c, H, W (1D, 2D or 3D), side by side."""

from __future__ import annotations

import streamlit as st

from lib.compare import (compare_csv, compare_kinds, compare_kwargs, compare_table,
                         csv_file_name, groups_caption, kernel_dims, parse_compare_query,
                         rank_of, results_by_kind, separable_theory, settings_caption,
                         tradeoff_text)
from lib.alt_text import compare_alt
from lib.figures import chart_config, compare_params_figure
from lib.state import ADVANCED_EXPANDER, COMPARE_ADVANCED_KEYS, COMPARE_CONTROLS
from pages._shared import (ICON, bound_choice, bound_slider, bound_toggle, figure_text, open_if_set,
                           padding_modes, padding_radio, report_url_changes, seed_from_url,
                           settle_choice, settle_slider, sidebar_hint, sync_url)

PAGE = "compare"
CONTROL_BY_KEY = {c.key: c for c in COMPARE_CONTROLS}
ADVANCED = tuple(CONTROL_BY_KEY[key] for key in COMPARE_ADVANCED_KEYS)


def _slider(key: str, high: int | None = None, disabled: bool = False) -> int:
    return bound_slider(PAGE, CONTROL_BY_KEY[key], high, disabled)


def _toggle(key: str, label: str | None = None, help: str | None = None) -> bool:
    return bound_toggle(PAGE, CONTROL_BY_KEY[key], label, help=help)


def _controls() -> dict[str, object]:
    """Sidebar controls, URL-bound with the explorer's keys; returns the current values."""
    if seed_from_url(PAGE, COMPARE_CONTROLS, parse_compare_query):
        open_if_set(ADVANCED_EXPANDER, ADVANCED)
    with st.sidebar:
        st.caption("The same settings for every kind.")
        dims = bound_choice(PAGE, CONTROL_BY_KEY["dims"],
                            help="1D: sequences (audio, text), W is the length. 2D: images. "
                                 "3D: volumes (video frames, CT slices).")
        _slider("k")
        rect = bound_toggle(PAGE, CONTROL_BY_KEY["rect"], disabled=dims == "1D")
        if rect and dims != "1D":
            if dims == "3D":
                _slider("kd")
            _slider("kh")
            _slider("kw")
        else:
            _slider("w")
        _slider("c")
        if dims == "3D":
            _slider("D")
        if dims != "1D":
            _slider("H")
        _slider("W")
        # Built only while open, as on the explorer; the values live in session_state.
        advanced = st.expander("Advanced: stride, padding, dilation, groups…",
                               key=ADVANCED_EXPANDER, on_change="rerun")
        if advanced.open:
            with advanced:
                _slider("s")
                pad = padding_radio(PAGE, CONTROL_BY_KEY["pad"], dims)
                _slider("p", disabled=pad != "explicit")
                _slider("d")
                auto = _toggle("ga", help="Off: choose the groups yourself.")
                if not auto:
                    _slider("g", high=st.session_state.get("c", 3))
                _slider("dm")
                _slider("op")
                _toggle("bias")
        else:  # closed knobs still follow the open ones: causal is 1D only, groups <= c
            settle_choice(CONTROL_BY_KEY["pad"], padding_modes(dims))
            if not st.session_state.get("ga", True):
                settle_slider(CONTROL_BY_KEY["g"], st.session_state.get("c", 3))
    return {c.key: st.session_state.get(c.key, c.default) for c in COMPARE_CONTROLS}


def _table(rows, kwargs) -> None:
    st.dataframe(
        compare_table(rows), hide_index=True, width="stretch",
        column_config={
            "Params": st.column_config.NumberColumn(format="localized"),
            "MACs": st.column_config.NumberColumn(format="localized"),
        })
    st.download_button("Download the table as CSV", data=compare_csv(rows),
                       file_name=csv_file_name(kwargs), mime="text/csv", on_click="ignore",
                       icon=ICON["download"])


def _figure(rows) -> None:
    st.subheader("Parameters across kinds")
    log_scale = _toggle("log", "log scale")
    results = results_by_kind(rows)
    st.plotly_chart(compare_params_figure(results, log_scale=log_scale),
                    config=chart_config("compare"))
    figure_text(compare_alt(results))


def _theory(kwargs) -> None:
    t = separable_theory(kwargs["k"], kernel_dims(kwargs["w"], rank_of(kwargs)), kwargs["c"],
                         kwargs["depth_multiplier"], kwargs["bias"])
    st.subheader(t.heading)
    st.markdown(t.intro)
    st.latex(t.exact_latex)
    st.latex(t.limit_latex)
    st.markdown(t.explanation)


def _tradeoffs(rows) -> None:
    st.subheader("Trade-offs")
    for row in rows:
        st.markdown(f"**{row.label}** — {tradeoff_text(row, rows)}")


def main() -> None:
    values = _controls()
    st.title("Compare conv kinds")
    sidebar_hint("Layer settings (k, w, c, H, W and the advanced knobs)")
    notice = st.container()
    kwargs = compare_kwargs(values)
    rows = compare_kinds(**kwargs)
    st.caption(settings_caption(kwargs))
    if not any(row.ok for row in rows):
        st.error(f"No kind can be built with these settings: {rows[0].error}", icon=ICON["error"])
    elif failed := [row for row in rows if not row.ok]:
        st.warning("Not every kind can be built with these settings (their rows say why):\n\n"
                   + "\n".join(f"- {row.label}: {row.error}" for row in failed), icon=ICON["error"])
    _table(rows, kwargs)
    st.caption(groups_caption(kwargs))
    _figure(rows)
    _theory(kwargs)
    _tradeoffs(rows)
    report_url_changes(PAGE, COMPARE_CONTROLS, into=notice)
    sync_url(PAGE, COMPARE_CONTROLS)


main()
