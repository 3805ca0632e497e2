"""Results and figures shared by every session of the server (not a page itself).

A class opening one link explores the same few layers: the first student to reach a layer
pays for it, everyone after gets the cached answer. Both caches are keyed by the layer
(:func:`layer_key`: the ``lib.conv.analyze`` arguments, which define it completely) and
bounded by ``MAX_ENTRIES`` (least recently used entries go first), so a server's memory
stays flat however many students and settings it sees.

* Pure results (``analyze``, the code snippets and summary tables) use ``st.cache_data``:
  small, pickled per hit (~0.1 ms), each session gets its own copy.
* Figures use ``st.cache_resource``: a plotly figure pickled round trip costs more than
  building it (40-80 ms: unpickling re-validates every trace), so the one shared,
  read-only object is handed out. Nothing may change a cached figure; ``st.plotly_chart``
  only reads it (``to_dict`` copies).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import plotly.graph_objects as go
import streamlit as st

from lib.conv import ConvResult
from lib.state import analyze_or_error, conv_kwargs, sweep_values

#: Most layers (and most figures) kept per server; one entry is a few KB (figures up to
#: ~200 KB at the largest settings), so 512 entries stay well under 100 MB.
MAX_ENTRIES = 512

#: ``repr`` of the sorted ``analyze`` arguments: one short string, because Streamlit
#: hashes a cache key on every call and a nested tuple costs ~40x more to hash.
LayerKey = str


def _key(values: Mapping[str, object]) -> str:
    """Plain values -> one short, hashable string (read back by :func:`_values`)."""
    return repr(tuple(sorted(values.items())))


def _values(key: str) -> dict[str, object]:
    return dict(ast.literal_eval(key))


def layer_key(values: Mapping[str, object]) -> LayerKey:
    """The page's control values -> the key of the layer they describe."""
    return _key(conv_kwargs(values))


def layer_kwargs(key: LayerKey) -> dict[str, object]:
    """The ``analyze`` arguments a :func:`layer_key` stands for."""
    return _values(key)


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def analyze_layer(key: LayerKey) -> tuple[ConvResult | None, str | None]:
    """``lib.state.analyze_or_error`` for one layer: (result, None) or (None, error message)."""
    return _analyze(key)


def _analyze(key: LayerKey) -> tuple[ConvResult | None, str | None]:
    return analyze_or_error(layer_kwargs(key))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def code_texts(key: LayerKey) -> tuple[dict[str, str] | None, str | None]:
    """A layer's code, keyed like the explorer's code menu (``lib.state.CODE_VIEWS``):
    Keras code, PyTorch code, the Keras summary and the torchinfo summary; or the reason
    there are none."""
    from lib import snippets
    r, error = _analyze(key)
    if r is None:
        return None, error
    try:
        return {"keras": snippets.keras_code(r), "pytorch": snippets.pytorch_code(r),
                "keras_summary": snippets.keras_summary(r),
                "torchinfo": snippets.torchinfo_summary(r)}, None
    except ValueError as err:
        return None, str(err)


class FrozenFigure(go.Figure):
    """A figure that is never changed again: ``to_dict`` is computed once and reused.

    ``st.plotly_chart`` calls ``to_dict()`` on every rerun, which deep-copies every trace
    and base64-encodes its arrays (about a sixth of an explorer rerun). A cached figure is
    shared and read only, so its dict is made once and handed out as is (nothing in
    Streamlit or plotly's ``to_json`` writes to it).
    """

    def to_dict(self) -> dict:
        frozen = self.__dict__.get("_frozen_dict")
        if frozen is None:
            frozen = super().to_dict()
            self.__dict__["_frozen_dict"] = frozen
        return frozen


def freeze(fig: go.Figure) -> FrozenFigure:
    """Turn a just-built figure into a :class:`FrozenFigure` (same object, no copy)."""
    fig.__class__ = FrozenFigure
    fig.to_dict()
    return fig  # type: ignore[return-value]


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def figure(choice: str, key: LayerKey, extra: tuple = ()) -> FrozenFigure:
    """See :func:`build_figure`; cached for all sessions (read only: a FrozenFigure)."""
    return freeze(build_figure(choice, key, extra))


def build_figure(choice: str, key: LayerKey, extra: tuple = ()) -> go.Figure:
    """The figure ``choice`` of one layer (``extra``: the output position of the window
    and volume figures, or what the scaling curve varies and its current value). Shared
    by all sessions: read only.

    Raises ``ValueError`` like the builders do (not cached: the next call raises again).
    """
    from lib import figures
    r, error = analyze_layer(key)
    if r is None:
        raise ValueError(error)
    if choice == "filters":
        return figures.filter_iso_figure(r)
    if choice == "filters3d":
        return figures.filter_tensor_figure(r)
    if choice == "volume":
        return figures.volume_figure(r, position=extra)
    if choice == "window":
        return figures.sliding_window_frames(r, position=extra)
    if choice == "params":
        return figures.param_breakdown_figure(r)
    if choice == "scaling":
        vary, current = extra
        return figures.scaling_figure(layer_kwargs(key), vary, sweep_values(vary, current),
                                      current)
    raise ValueError(f"unknown figure {choice!r}")


def step_key(values: Mapping[str, object]) -> str:
    """A walkthrough step's knob values -> the key of its figure (one short string)."""
    return _key(values)


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def step_figure(number: int, key: str) -> FrozenFigure | None:
    """The figure of walkthrough step ``number`` for its knobs (:func:`step_key`), cached
    for all sessions like :func:`figure`; None when the step has no figure or can't be built.

    A knob changes only its own step, so the other steps' figures come from here instead of
    being built and serialised again on every move (issue 14: the two figures were two
    thirds of a walkthrough rerun).
    """
    from lib import figures
    from lib.walkthrough import STEP_BY_NUMBER, build_step
    spec = STEP_BY_NUMBER[number]
    step = build_step(number, _values(key))
    if spec.figure is None or step.result is None:
        return None
    return freeze(getattr(figures, spec.figure)(step.result))


def clear() -> None:
    """Forget every cached layer and figure (tests)."""
    analyze_layer.clear()
    code_texts.clear()
    figure.clear()
    step_figure.clear()


__all__ = ["MAX_ENTRIES", "FrozenFigure", "LayerKey", "analyze_layer", "build_figure", "clear",
           "code_texts", "figure", "freeze", "layer_key", "layer_kwargs", "step_figure",
           "step_key"]
