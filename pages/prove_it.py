"""Prove it: run the layers on a tiny input and see that two ways give the same numbers."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.conv import ConvError
from lib.alt_text import heatmap_alt
from lib.figures import chart_config, heatmap_grid
from lib.numeric import (PROVE_IT_CONTROLS, USES, Tensor, config_from_values, im2col_names,
                         matrix_rows, parse_prove_query, prove)
from lib.text import fmt_shape
from pages._shared import (ICON, bound_choice, bound_number, bound_slider, bound_toggle,
                           figure_text, report_url_changes, seed_from_url, sidebar_hint,
                           sync_url)

PAGE = "prove_it"
CONTROL_BY_KEY = {c.key: c for c in PROVE_IT_CONTROLS}


def _slider(key: str, proof: str, disabled: bool = False) -> int:
    unused = key not in USES[proof]
    return bound_slider(PAGE, CONTROL_BY_KEY[key], disabled=disabled or unused,
                        help="Not used by this proof." if unused else None)


def _controls() -> dict[str, object]:
    seed_from_url(PAGE, PROVE_IT_CONTROLS, parse_prove_query)
    with st.sidebar:
        proof = bound_choice(PAGE, CONTROL_BY_KEY["proof"], horizontal=False)
        bound_number(PAGE, CONTROL_BY_KEY["pseed"],
                     help="Another seed, other random numbers: the two sides still agree.")
        for key in ("pH", "pW", "pc", "pk", "pw", "ps"):
            _slider(key, proof)
        pad = bound_choice(PAGE, CONTROL_BY_KEY["ppad"],
                           help="same (Keras): total//2 zeros before, the rest after. "
                                "explicit: p zeros on every side (PyTorch).")
        _slider("pp", proof, disabled=pad != "explicit")
        for key in ("pd", "pm", "pg", "pop"):
            _slider(key, proof)
        bound_toggle(PAGE, CONTROL_BY_KEY["pbias"])
    return {c.key: st.session_state.get(c.key, c.default) for c in PROVE_IT_CONTROLS}


def _show(t: Tensor, key: str) -> None:
    st.markdown(f"**{t.name}** — {t.caption}")
    if t.values.ndim <= 2:
        st.dataframe(matrix_rows(t.values), hide_index=True)
    else:
        st.plotly_chart(heatmap_grid(t.values, t.name), key=key,
                        config=chart_config(f"prove-it-{key}"))
        figure_text(heatmap_alt(t.values, t.name))


def main() -> None:
    values = _controls()
    st.title("Prove it")
    sidebar_hint("The proof and its numbers (seed, sizes, stride, padding…)")
    report_url_changes(PAGE, PROVE_IT_CONTROLS)
    sync_url(PAGE, PROVE_IT_CONTROLS)
    st.caption("Tiny random numbers, computed cell by cell with numpy (no framework). "
               "The same numpy code is checked against real PyTorch and Keras outputs.")
    cfg = config_from_values(values)
    try:
        proof = prove(cfg)
    except ConvError as err:
        st.error(f"This layer can't be built: {err}", icon=ICON["error"])
        st.caption("Change the value in the sidebar; everything else still works.")
        return
    st.subheader(proof.title)
    st.markdown(proof.claim)
    for step in proof.steps:
        st.markdown(f"- {step}")
    cols = st.columns(3)
    cols[0].metric("max |difference|", f"{proof.max_diff:.1e}",
                   help="The largest |left − right| over every output number")
    cols[1].metric("Output shape", fmt_shape(proof.output_shape))
    cols[2].metric("lib.conv.analyze says", fmt_shape(proof.result.output_shape))
    if proof.max_diff < 1e-9 and proof.output_shape == proof.result.output_shape:
        st.success(f"Same numbers: the two ways differ by at most {proof.max_diff:.1e} "
                   "(float rounding), and the shape is the one analyze() predicts.",
                   icon=ICON["right"])
    else:
        st.error(f"The two ways differ by {proof.max_diff:.3g}: this is a bug, please report "
                 "the link.", icon=ICON["bug"])
    st.markdown("#### The numbers going in")
    for n, t in enumerate(proof.inputs):
        _show(t, f"in{n}")
    st.markdown("#### The two results")
    left, right = st.columns(2)
    with left:
        _show(proof.left, "left")
    with right:
        _show(proof.right, "right")
    if proof.extras:
        st.markdown("#### In between")
    for n, t in enumerate(proof.extras):
        if proof.key == "im2col" and t.values.ndim == 2:
            h_out, w_out, _ = proof.output_shape
            rows, cols_ = im2col_names(cfg.w, cfg.w, cfg.c, h_out, w_out)
            names = (rows, cols_) if n == 0 else (cols_, [f"filter {o}" for o in range(cfg.k)])
            st.markdown(f"**{t.name}** — {t.caption}")
            st.dataframe(matrix_rows(t.values, *names), hide_index=True)
        else:
            _show(t, f"extra{n}")
    for note in proof.notes:
        st.info(note, icon=ICON["idea"])
    st.caption("Difference per cell: " + ", ".join(
        f"{v:.1e}" for v in np.abs(proof.left.values - proof.right.values).ravel()[:8])
        + (" …" if proof.left.values.size > 8 else ""))


main()
