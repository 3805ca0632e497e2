"""Streamlit glue shared by the pages (not a page itself): URL-bound controls and messages.

Every control is a widget with ``bind="query-params"`` (its key is the URL name), so a link
reopens the same view and the back button works. Streamlit silently drops URL values it
cannot use, so before the widgets exist we parse the raw query string with ``lib.state``,
seed ``st.session_state`` with the nearest valid values, and afterwards compare what the URL
asked for with what the widgets hold, to tell the user exactly what was changed and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from lib.state import PADDING_MODES, Control

_WARN = "_url_warnings:{page}"
_LOADED = "_url_loaded:{page}"
#: The last value of every control on any page: Streamlit forgets a widget's value when
#: another page ran in between, and this brings it back (so numbers carry across pages).
_KEPT = "_kept_values"


def ensure_app_navigation() -> None:
    """Make sure this page runs inside app.py's st.navigation, even for a deep link.

    Until app.py has called st.navigation once in this server process, Streamlit treats a
    ``pages/`` folder the old (v1) way: the very first visitor after a restart who opens a
    shared link such as ``/compare?k=20`` gets the page file run on its own — no page config,
    and a sidebar listing every file in ``pages/``. Switching the process to st.navigation
    and rerunning sends that same URL through app.py instead.
    """
    from streamlit.runtime.pages_manager import PagesManager  # internal, hence guarded

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def seed_from_url(page: str, controls: Sequence[Control],
                  parse: Callable[[Mapping[str, object], Sequence[Control]],
                                  tuple[dict[str, object], list[str]]]) -> None:
    """Call before the widgets: restore values kept across pages, and on the first run
    of ``page`` in this session seed the widgets from the URL."""
    ensure_app_navigation()
    kept = st.session_state.setdefault(_KEPT, {})
    loaded = _LOADED.format(page=page)
    first = not st.session_state.get(loaded)
    values: Mapping[str, object] = {}
    raw: dict[str, list[str]] = {}
    if first:
        st.session_state[loaded] = True
        raw = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
        values, warnings = parse(raw, controls)
        st.session_state[_WARN.format(page=page)] = {
            "raw": {k: v[-1] for k, v in raw.items() if v}, "values": values,
            "messages": warnings}
    for control in controls:
        key = control.key
        if first and (key in raw or values[key] != control.default):
            value = values[key]  # what the link says (or implies, like pad=2 -> p=2)
        elif key in st.session_state:
            value = st.session_state[key]
        else:
            value = kept.get(key, values.get(key, control.default))
        st.session_state[key] = value  # re-assigning keeps it alive across pages


def report_url_changes(page: str, controls: Sequence[Control]) -> None:
    """Call after the widgets: remember their values, and show what the link asked for
    that could not be used (URL text only inside code spans, never HTML).

    Any URL value that differs from the widget's final value and was not already explained
    by the parser gets a generic message, so no silent change slips through.
    """
    kept = st.session_state.setdefault(_KEPT, {})
    for control in controls:
        if control.key in st.session_state:
            kept[control.key] = st.session_state[control.key]
    state = st.session_state.get(_WARN.format(page=page))
    if not state:
        return
    messages = list(state["messages"])
    explained = {m.split("=", 1)[0] for m in messages}
    for control in controls:
        raw = state["raw"].get(control.key)
        if raw is None or control.key in explained:
            continue
        final = st.session_state.get(control.key, control.default)
        if state["values"][control.key] != final:
            messages.append(f"{control.key}: the link's value could not be used here; "
                            f"using {final}.")
    if messages:
        st.warning("Some values in this link were changed:\n\n"
                   + "\n".join(f"- {m}" for m in messages), icon="⚠️")


def dismiss_url_warnings(page: str) -> None:
    """Widget callback: once the user changes something, the link's warnings are history."""
    st.session_state.pop(_WARN.format(page=page), None)


def bound_slider(page: str, control: Control, high: int | None = None, disabled: bool = False,
                 help: str | None = None) -> int:
    """A URL-bound slider for ``control``; ``high`` lowers its maximum (groups <= c).

    The stored value is clamped into the range first (Streamlit refuses a value above the
    maximum), and a range with a single value is shown disabled.
    """
    key = control.key
    top = control.high if high is None else high
    if top <= control.low:  # a slider needs two values; only one is possible here
        top, disabled = control.low + 1, True
        st.session_state[key] = control.low
    elif st.session_state.get(key, control.default) > top:
        st.session_state[key] = top
    return st.slider(control.label, control.low, top, key=key, bind="query-params",
                     disabled=disabled, help=help, on_change=dismiss_url_warnings, args=(page,))


def padding_radio(page: str, control: Control, dims: str) -> str:
    """The padding choice; 'causal' is offered for 1D inputs only."""
    modes = PADDING_MODES if dims == "1D" else PADDING_MODES[:3]
    if st.session_state.get(control.key) not in modes:
        st.session_state[control.key] = "valid"
    return st.radio(control.label, modes, key=control.key, bind="query-params", horizontal=True,
                    on_change=dismiss_url_warnings, args=(page,),
                    help="valid: no zeros added. same (Keras): H_out = ceil(H / stride). "
                         "explicit: p zeros on every side (PyTorch's padding=p). "
                         "causal (1D): d·(w−1) zeros on the left only, so no output "
                         "sees the future (WaveNet).")
