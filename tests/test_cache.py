"""The server-wide caches of the explorer (pages/_cached.py): shared, keyed by the layer,
bounded. A class exploring the same settings must hit them; a server must not grow."""

from __future__ import annotations

import gc

import pytest
from streamlit.testing.v1 import AppTest

from lib.conv import analyze
from lib.state import CODE_VIEWS, EXPLORER_CONTROLS, conv_kwargs
from pages import _cached
from tests.app_runs import APP

DEFAULTS = {c.key: c.default for c in EXPLORER_CONTROLS}


@pytest.fixture(autouse=True)
def _fresh_cache():
    _cached.clear()
    yield
    _cached.clear()


def test_the_key_is_the_layer_not_the_controls():
    a = _cached.layer_key(DEFAULTS)
    assert _cached.layer_kwargs(a) == conv_kwargs(DEFAULTS)
    assert isinstance(a, str)  # cheap for Streamlit to hash on every call
    # a control that does not change the layer (explicit padding unused) -> same key
    assert _cached.layer_key({**DEFAULTS, "p": 3}) == a
    assert _cached.layer_key({**DEFAULTS, "k": 11}) != a
    hash(a)  # usable as a cache key


def test_same_layer_gives_the_same_cached_figure():
    key = _cached.layer_key(DEFAULTS)
    for choice in ("filters", "filters3d", "volume", "params"):
        first = _cached.figure(choice, key)
        assert _cached.figure(choice, key) is first  # shared object, not rebuilt
    assert _cached.figure("window", key, (1, 2)) is _cached.figure("window", key, (1, 2))
    assert _cached.figure("window", key, (1, 2)) is not _cached.figure("window", key, (0, 0))
    other = _cached.layer_key({**DEFAULTS, "k": 11})
    assert _cached.figure("filters", other) is not _cached.figure("filters", key)


def test_cached_figures_are_the_builders_figures():
    from lib import figures
    key = _cached.layer_key(DEFAULTS)
    r = analyze(**conv_kwargs(DEFAULTS))
    for choice, build in (("filters", figures.filter_iso_figure),
                          ("filters3d", figures.filter_tensor_figure),
                          ("volume", figures.volume_figure),
                          ("params", figures.param_breakdown_figure)):
        assert _cached.figure(choice, key).to_json() == build(r).to_json()
    assert _cached.figure("filters", key).layout.meta["figure"] == "filter_iso"
    assert _cached.figure("filters3d", key).layout.meta["figure"] == "filter_tensor"


def test_reading_a_cached_figure_does_not_change_it():
    """st.plotly_chart serialises the shared figure; the next student must see the same."""
    import plotly.io
    import plotly.tools
    key = _cached.layer_key(DEFAULTS)
    fig = _cached.figure("filters", key)
    assert isinstance(fig, _cached.FrozenFigure)
    fresh = _cached.build_figure("filters", key)
    assert not isinstance(fresh, _cached.FrozenFigure)
    # what st.plotly_chart does with it, twice: the same JSON as a freshly built figure
    for _ in range(2):
        spec = plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True),
                                 validate=False)
        assert spec == plotly.io.to_json(fresh.to_dict(), validate=False)
    assert fig.to_dict() is fig.to_dict()  # made once


def test_results_are_cached_by_value():
    key = _cached.layer_key(DEFAULTS)
    r, error = _cached.analyze_layer(key)
    assert error is None and r == analyze(**conv_kwargs(DEFAULTS))
    again, _ = _cached.analyze_layer(key)
    assert again == r  # st.cache_data: an equal copy per session
    bad = _cached.layer_key({**DEFAULTS, "kind": "grouped", "c": 4, "g": 3, "k": 12})
    r, error = _cached.analyze_layer(bad)
    assert r is None and "group" in error
    with pytest.raises(ValueError):
        _cached.figure("filters", bad)
    texts, error = _cached.code_texts(key)
    assert error is None and set(texts) == set(CODE_VIEWS) - {"none"}  # every menu entry
    assert "Conv2D" in texts["keras"] and "nn.Conv2d" in texts["pytorch"]


@pytest.mark.parametrize("func", ["analyze_layer", "code_texts", "figure", "step_figure"])
def test_every_cache_is_bounded(func):
    info = getattr(_cached, func)._info  # streamlit's record of the decorator arguments
    assert info.max_entries == _cached.MAX_ENTRIES == 512
    assert info.ttl is None


def test_a_full_cache_drops_old_entries():
    """More layers than max_entries: memory stays bounded (oldest entries are evicted)."""
    import streamlit as st

    @st.cache_resource(max_entries=3)
    def build(n):
        return object()

    first = build(0)
    for n in range(1, 5):
        build(n)
    assert build(0) is not first  # evicted and rebuilt


def test_the_servers_startup_objects_are_frozen_once():
    """app.py freezes what is alive after the first page run (``gc.freeze``: imported code
    is no longer walked by every full collection, ~66 -> 6 ms holding the GIL). Only
    once: what later runs make (cached figures, sessions) must stay collectable, or a
    figure dropped from a full cache would never be freed."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # Streamlit, plotly and lib: the imported code
    for k in (11, 12, 13):
        at.slider(key="k").set_value(k).run()  # new layers: new figures in the cache
    assert not at.exception
    assert gc.get_freeze_count() <= frozen  # (frozen objects freed by refcount leave it)
