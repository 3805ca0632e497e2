"""AppTest: the compare page shows every kind side by side, reacts to its controls, honours links."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import sys
import types
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from lib.figures import chart_config
from lib.compare import auto_groups, groups_for
from lib.conv import KIND_INFO, KINDS, ConvError, analyze
from lib.conv import kind_label
from lib.state import ADVANCED_EXPANDER, COMPARE_ADVANCED_KEYS
from tests.app_runs import open_advanced

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/compare.py"
CLASSIC = dict(k=10, w=4, c=3, H=32, W=32)


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def _table(at: AppTest) -> dict[str, dict]:
    df = at.dataframe[0].value
    return {row["Kind"]: row for row in df.to_dict("records")}


def _link_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "this link" in w.value]


def _assert_table(at: AppTest, groups: int | None = None, **kw) -> None:
    """Every row of the page's table is analyze() on the same settings (or its error)."""
    kw = {**CLASSIC, **kw}
    table = _table(at)
    assert len(table) == len(KINDS)
    try:
        std = analyze("standard", **kw)
    except ConvError:
        std = None
    for kind in KINDS:
        row = table[KIND_INFO[kind].label]
        g = groups if kind in ("grouped", "transposed") and groups is not None else (
            groups_for(kind, kw["c"], kw["k"], kw.get("padding", "valid"), None))
        try:
            r = analyze(kind, groups=g, **kw)
        except ConvError as err:
            assert row["Status"] == f"can't build: {err}"
            continue
        assert row["Status"] == "ok"
        assert row["Params"] == r.params and row["MACs"] == r.macs
        assert row["Output (H×W×C)"] == "×".join(map(str, r.output_shape))
        if std is None:
            assert row["Params vs standard"] == row["MACs vs standard"] == "—"
        else:
            assert row["Params vs standard"] == f"{r.params / std.params:.3f}×"
            assert row["MACs vs standard"] == f"{r.macs / std.macs:.3f}×"


def test_default_view_has_every_kind_and_the_seed_numbers():
    at = _open()
    assert not at.exception and not at.error and not at.warning
    assert at.title[0].value == "Compare conv kinds"
    _assert_table(at)
    params = {row["Params"] for row in _table(at).values()}
    assert {490, 170, 88, 91} <= params
    assert at.get("download_button")[0].label == "Download the table as CSV"
    # the theory: the exact ratio and its large-c limit
    latex = " ".join(x.value for x in at.latex)
    assert "\\frac{88}{490}" in latex and "\\frac{1}{10} + \\frac{1}{16}" in latex
    text = " ".join(m.value for m in at.markdown)
    assert "large-c limit" in text and "RGB" in text and "Xception" in text


def test_page_is_in_the_navigation():
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    at.switch_page("pages/walkthrough.py").run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == "Compare conv kinds"


@pytest.mark.parametrize("key, value", [("k", 64), ("w", 7), ("c", 16), ("H", 100), ("W", 57)])
def test_each_main_slider_changes_the_numbers(key, value):
    at = _open()
    at.slider(key=key).set_value(value).run()
    assert not at.exception
    _assert_table(at, **{key: value})


def test_advanced_controls_change_the_numbers():
    at = open_advanced(_open())
    at.slider(key="d").set_value(2).run()
    assert not at.exception
    _assert_table(at, dilation=2)
    at.slider(key="d").set_value(1).run()
    at.slider(key="s").set_value(2).run()
    at.radio(key="pad").set_value("same").run()
    at.slider(key="dm").set_value(3).run()
    at.toggle(key="bias").set_value(False).run()
    assert not at.exception
    _assert_table(at, stride=2, padding="same", depth_multiplier=3, bias=False)
    at.radio(key="pad").set_value("valid").run()
    at.slider(key="op").set_value(1).run()
    assert not at.exception
    _assert_table(at, stride=2, depth_multiplier=3, bias=False, output_padding=1)


def test_rect_kernel_and_explicit_padding():
    at = _open()
    at.toggle(key="rect").set_value(True).run()
    at.slider(key="kh").set_value(3).run()
    at.slider(key="kw").set_value(5).run()
    open_advanced(at).radio(key="pad").set_value("explicit").run()
    at.slider(key="p").set_value(2).run()
    assert not at.exception
    _assert_table(at, w=(3, 5), padding=2)


def test_manual_groups():
    at = _open({"c": "8", "k": "12"})
    _assert_table(at, c=8, k=12)
    assert _table(at)["Grouped conv"]["Groups"] == str(auto_groups(8, 12))
    open_advanced(at).toggle(key="ga").set_value(False).run()
    at.slider(key="g").set_value(2).run()
    assert not at.exception
    _assert_table(at, c=8, k=12, groups=2)
    assert _table(at)["Grouped conv"]["Groups"] == "2"


def test_a_link_opens_the_view_it_describes():
    at = _open({"k": "12", "w": "3", "c": "8", "H": "20", "W": "24", "g": "4", "s": "2",
                "pad": "same", "bias": "false"})
    assert not at.exception and not _link_warnings(at)
    _assert_table(at, k=12, w=3, c=8, H=20, W=24, groups=4, stride=2, padding="same",
                  bias=False)
    assert at.slider(key="g").value == 4 and at.toggle(key="ga").value is False
    assert at.radio(key="pad").value == "same"
    # Keras Conv2DTranspose ('same') has no groups: that row says so instead of vanishing
    assert "Keras Conv2DTranspose has no groups" in _table(at)["Transposed conv"]["Status"]


def test_a_link_with_explicit_padding_as_a_number():
    at = _open({"pad": "2", "k": "6", "c": "6"})
    assert not at.exception and not _link_warnings(at)
    _assert_table(at, padding=2, k=6, c=6)
    assert _table(at)["Grouped conv"]["Groups"] == "3"


def test_invalid_combination_shows_the_rule_and_controls_keep_working():
    at = _open({"c": "4", "g": "3", "k": "12"})
    assert not at.exception
    table = _table(at)
    assert table["Grouped conv"]["Status"] == "can't build: groups=3 must divide c=4"
    assert table["Standard Conv2D"]["Status"] == "ok"
    assert any("groups=3 must divide c=4" in w.value for w in at.warning)
    at.slider(key="g").set_value(2).run()
    assert not at.exception
    _assert_table(at, c=4, k=12, groups=2)
    assert _table(at)["Grouped conv"]["Status"] == "ok"


def test_kernel_larger_than_the_image_keeps_the_rows():
    at = _open({"w": "9", "H": "5"})
    assert not at.exception
    table = _table(at)
    assert len(table) == len(KINDS)
    assert "larger than padded input" in table["Standard Conv2D"]["Status"]
    assert table["Pointwise (1×1)"]["Status"] == "ok"  # 1×1 ignores w
    assert table["Standard Conv2D"]["Params vs standard"] == "—"
    assert any("can't be built" in w.value or "Not every kind" in w.value for w in at.warning)


@pytest.mark.parametrize("key, raw", [
    ("k", "abc"), ("c", "-5"), ("H", "99999999"), ("w", "2.7"), ("W", "1e400"),
    ("pad", "<script>alert(1)</script>"), ("bias", "maybe"), ("s", "<b>2</b>"),
    ("g", "-1"), ("dm", "NaN"),
])
def test_garbage_in_a_link_is_named_and_never_crashes(key, raw):
    at = _open({key: raw})
    assert not at.exception
    warnings = _link_warnings(at)
    assert len(warnings) == 1 and f"- {key}=" in warnings[0]
    assert len(_table(at)) == len(KINDS)


def test_keys_this_page_does_not_have_are_named_and_ignored():
    """``kind`` is an explorer key (this page shows every kind): a link that carries it,
    or a made-up key, opens the usual table and says which keys it ignored."""
    at = _open({"kind": "bogus<script>", "zzz": "1"})
    assert not at.exception
    (warning,) = _link_warnings(at)
    assert "- `kind` is not a setting of this page, so it was ignored" in warning
    assert "- `zzz` is not a setting of this page" in warning
    assert "<script" not in warning  # the value is not quoted, only the key
    _assert_table(at)


# ---------------------------------------------------------------------------
# The params figure (lib.figures may not exist yet: a stand-in proves the wiring)
# ---------------------------------------------------------------------------

@pytest.fixture
def fake_figures(monkeypatch):
    calls = []

    def compare_params_figure(results, log_scale=False):
        calls.append((dict(results), log_scale))
        kinds = list(results)
        fig = go.Figure(go.Bar(x=kinds, y=[results[k].params for k in kinds]))
        fig.update_yaxes(type="log" if log_scale else "linear")
        return fig

    mod = types.ModuleType("lib.figures")
    mod.__spec__ = importlib.machinery.ModuleSpec("lib.figures", None)
    mod.compare_params_figure = compare_params_figure
    mod.chart_config = chart_config  # the real modebar config (the page passes it along)
    monkeypatch.setitem(sys.modules, "lib.figures", mod)
    return calls


def test_params_figure_is_drawn_with_a_log_toggle(fake_figures):
    at = _open()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["y"] == [analyze(kind, **CLASSIC).params for kind in KINDS]
    assert fake_figures[-1][1] is False
    at.toggle(key="log").set_value(True).run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["yaxis"]["type"] == "log" and fake_figures[-1][1] is True


def test_params_figure_gets_only_the_kinds_that_build(fake_figures):
    at = _open({"c": "4", "g": "3", "k": "12"})
    assert not at.exception
    assert set(fake_figures[-1][0]) == set(KINDS) - {"grouped", "transposed"}


def _real_figure(name: str):
    """The real lib.figures.<name>, or None while that module or function does not exist."""
    if importlib.util.find_spec("lib.figures") is None:
        return None
    return getattr(importlib.import_module("lib.figures"), name, None)


def test_real_params_figure_or_its_placeholder():
    at = _open()
    assert not at.exception
    if _real_figure("compare_params_figure") is None:
        assert not at.get("plotly_chart")
        assert any("bar chart" in c.value for c in at.caption)
    else:
        assert len(at.get("plotly_chart")) == 1
        assert at.toggle(key="log").value is False


# ---------------------------------------------------------------------------
# 1D (sequences) and 3D (volumes)
# ---------------------------------------------------------------------------

def _assert_nd_table(at: AppTest, **kw) -> None:
    """Every row is analyze() on the same 1D/3D settings (or its error), with the rank's
    output column."""
    rank = 3 if kw.get("D") else 1
    column = "Output (W×C)" if rank == 1 else "Output (D×H×W×C)"
    table = _table(at)
    assert len(table) == len(KINDS)
    std = analyze("standard", **kw)
    for kind in KINDS:
        row = table[kind_label(kind, rank)]
        g = groups_for(kind, kw["c"], kw["k"], kw.get("padding", "valid"), None)
        try:
            r = analyze(kind, groups=g, **kw)
        except ConvError as err:
            assert row["Status"] == f"can't build: {err}" and row[column] == "—"
            continue
        assert row["Status"] == "ok"
        assert row["Params"] == r.params and row["MACs"] == r.macs
        assert row[column] == "×".join(map(str, r.output_shape))
        assert row["Params vs standard"] == f"{r.params / std.params:.3f}×"


def test_a_1d_link_shows_analyze_numbers_per_kind():
    at = _open({"dims": "1D", "k": "16", "w": "2", "c": "16", "W": "64", "pad": "causal",
                "d": "8"})
    assert not at.exception and not _link_warnings(at)
    kw = dict(k=16, w=2, c=16, W=64, padding="causal", dilation=8)
    _assert_nd_table(at, **kw)
    table = _table(at)
    assert table["Standard Conv1D"]["Params"] == 528 and table["Standard Conv1D"][
        "Output (W×C)"] == "64×16"
    assert "needs 2 or 3 spatial axes" in table["Spatially separable"]["Status"]
    # the controls: no height in 1D, causal offered
    assert "H" not in [s.key for s in at.slider] and "D" not in [s.key for s in at.slider]
    assert "causal" in at.radio(key="pad").options and at.radio(key="pad").value == "causal"
    assert at.radio(key="dims").value == "1D"
    assert any("Conv1D" in c.value for c in at.caption)
    assert any("SeparableConv1D" in m.value for m in at.markdown)
    # a control change keeps the 1D settings
    at.slider(key="W").set_value(100).run()
    assert not at.exception
    _assert_nd_table(at, **{**kw, "W": 100})


def test_a_3d_link_shows_analyze_numbers_per_kind():
    at = _open({"dims": "3D", "k": "64", "w": "3", "c": "3", "D": "16", "H": "112",
                "W": "112", "pad": "same"})
    assert not at.exception and not _link_warnings(at)
    kw = dict(k=64, w=3, c=3, D=16, H=112, W=112, padding="same")
    _assert_nd_table(at, **kw)
    table = _table(at)
    std = table["Standard Conv3D"]
    assert std["Params"] == 5_248 and std["MACs"] == 1_040_449_536
    assert std["Output (D×H×W×C)"] == "16×112×112×64"
    assert "Keras has no SeparableConv3D" in table["Depthwise separable (Keras)"]["Status"]
    assert "causal" not in at.radio(key="pad").options
    assert at.slider(key="D").value == 16
    latex = " ".join(x.value for x in at.latex)
    assert "w_d w_h w_w" in latex and "\\frac{1}{27}" in latex
    at.slider(key="D").set_value(8).run()
    assert not at.exception
    _assert_nd_table(at, **{**kw, "D": 8})


def test_dims_selector_switches_the_controls_and_the_numbers():
    at = _open()
    at.radio(key="dims").set_value("1D").run()
    assert not at.exception
    assert "H" not in [s.key for s in at.slider] and at.toggle(key="rect").disabled
    _assert_nd_table(at, k=10, w=4, c=3, W=32)
    open_advanced(at).radio(key="pad").set_value("causal").run()
    assert not at.exception
    _assert_nd_table(at, k=10, w=4, c=3, W=32, padding="causal")
    at.radio(key="dims").set_value("3D").run()  # causal is 1D only: back to valid
    assert not at.exception
    assert at.radio(key="pad").value == "valid"
    _assert_nd_table(at, k=10, w=4, c=3, D=16, H=32, W=32)
    at.toggle(key="rect").set_value(True).run()
    at.slider(key="kd").set_value(1).run()
    assert not at.exception
    _assert_nd_table(at, k=10, w=(1, 4, 4), c=3, D=16, H=32, W=32)
    at.radio(key="dims").set_value("2D").run()
    assert not at.exception
    _assert_table(at, w=(4, 4))


def test_causal_in_a_2d_link_is_named_and_falls_back():
    at = _open({"pad": "causal"})
    assert not at.exception
    warnings = _link_warnings(at)
    assert len(warnings) == 1 and "pad" in warnings[0] and "valid" in warnings[0]
    _assert_table(at)


# -- the Advanced expander: built only while open (issue 14), as on the explorer -----------

#: A link that sets each advanced knob away from its default, and the widget showing it.
ADVANCED_LINKS = {"s": ({"s": "2"}, "slider"), "pad": ({"pad": "same"}, "radio"),
                  "p": ({"pad": "explicit", "p": "3"}, "slider"), "d": ({"d": "2"}, "slider"),
                  "ga": ({"ga": "false"}, "toggle"),
                  "g": ({"ga": "false", "c": "4", "g": "2"}, "slider"),
                  "dm": ({"dm": "3"}, "slider"), "op": ({"s": "2", "op": "1"}, "slider"),
                  "bias": ({"bias": "false"}, "toggle")}


def _built(at: AppTest) -> set[str]:
    """The keys of the widgets this run built (sent to the browser)."""
    return {w.key for kind in ("slider", "radio", "toggle", "number_input")
            for w in getattr(at, kind) if w.key}


def test_every_advanced_knob_has_a_link_case():
    assert set(ADVANCED_LINKS) == set(COMPARE_ADVANCED_KEYS)


def test_advanced_knobs_are_built_only_while_their_expander_is_open():
    at = _open()
    assert not at.session_state[ADVANCED_EXPANDER]
    assert not _built(at) & set(COMPARE_ADVANCED_KEYS)
    open_advanced(at)
    assert set(COMPARE_ADVANCED_KEYS) - {"g"} <= _built(at)  # g: when automatic groups is off
    at.slider(key="s").set_value(2).run()
    at.session_state[ADVANCED_EXPANDER] = False  # the student closes it again
    at.run()
    at.slider(key="k").set_value(12).run()
    assert not at.exception and not _built(at) & set(COMPARE_ADVANCED_KEYS)
    _assert_table(at, k=12, stride=2)  # the closed knob still counts
    assert at.query_params["s"] == "2" and at.query_params["k"] == "12"


@pytest.mark.parametrize("key", COMPARE_ADVANCED_KEYS)
def test_a_link_that_sets_an_advanced_knob_opens_the_expander(key):
    link, widget = ADVANCED_LINKS[key]
    at = _open(link)
    assert not at.exception and not _link_warnings(at)
    assert at.session_state[ADVANCED_EXPANDER]
    assert str(getattr(at, widget)(key=key).value).lower() == link[key]


def test_a_link_with_default_advanced_knobs_keeps_the_expander_closed():
    at = _open({"k": "6", "s": "1", "ga": "true", "bias": "true"})
    assert not at.exception and not at.session_state[ADVANCED_EXPANDER]
    assert not _built(at) & set(COMPARE_ADVANCED_KEYS)


def test_closed_knobs_follow_the_open_ones():
    """Causal padding is 1D only and groups <= c, also while their widgets are not built:
    the same fall-backs as with the expander open."""
    at = _open({"dims": "1D", "pad": "causal"})
    at.session_state[ADVANCED_EXPANDER] = False
    at.run()
    at.radio(key="dims").set_value("3D").run()
    assert not at.exception and at.session_state["pad"] == "valid"
    _assert_nd_table(at, k=10, w=4, c=3, D=16, H=32, W=32)

    at = _open({"ga": "false", "c": "8", "k": "16", "g": "8"})
    at.session_state[ADVANCED_EXPANDER] = False
    at.run()
    at.slider(key="c").set_value(4).run()
    assert not at.exception and at.session_state["g"] == 4
    _assert_table(at, c=4, k=16, groups=4)
