"""AppTest: the explorer page renders, reacts to every main control, and honours links."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.conv import analyze
from lib.state import ADVANCED_EXPANDER, ADVANCED_KEYS, CODE_VIEWS
from lib.text import fmt_int, fmt_shape
from tests.app_runs import open_advanced

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CLASSIC = dict(kind="standard", k=10, w=4, c=3, H=32, W=32)


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _assert_shows(at: AppTest, **kwargs) -> None:
    r = analyze(**kwargs)
    m = _metrics(at)
    assert m["Parameters"] == fmt_int(r.params)
    assert m["Output (H×W×C)"] == fmt_shape(r.output_shape)
    assert m["Input (H×W×c)"] == fmt_shape(r.input_shape)


def test_default_view_is_the_classic_question():
    at = _open()
    assert not at.exception
    m = _metrics(at)
    assert m["Parameters"] == "490" and m["Output (H×W×C)"] == "29×29×10"
    assert any("= 490" in x.value for x in at.latex)
    assert any("29" in x.value for x in at.latex)
    text = " ".join(x.value for x in at.info)
    assert "not 32 − 4 = 28" in text


@pytest.mark.parametrize("key, value", [("k", 64), ("w", 7), ("c", 16), ("H", 100), ("W", 57)])
def test_each_main_slider_changes_the_numbers(key, value):
    at = _open()
    at.slider(key=key).set_value(value).run()
    assert not at.exception
    _assert_shows(at, **{**CLASSIC, key: value})


@pytest.mark.parametrize("kind", ["shared_channels", "separable_keras", "separable_pytorch",
                                  "depthwise", "transposed", "spatially_separable", "pointwise"])
def test_kind_selector_switches_the_numbers(kind):
    at = _open()
    at.selectbox(key="kind").set_value(kind).run()
    assert not at.exception
    _assert_shows(at, **{**CLASSIC, "kind": kind})


def test_a_link_opens_the_view_it_describes():
    at = _open({"kind": "grouped", "k": "12", "w": "3", "c": "8", "H": "20", "W": "24",
                "g": "4", "s": "2", "pad": "same", "bias": "false"})
    assert not at.exception and not at.warning
    _assert_shows(at, kind="grouped", k=12, w=3, c=8, H=20, W=24, groups=4, stride=2,
                  padding="same", bias=False)
    assert at.slider(key="g").value == 4 and at.radio(key="pad").value == "same"


def test_invalid_combination_shows_the_rule_and_controls_keep_working():
    at = _open({"kind": "grouped", "c": "4", "g": "3", "k": "12"})
    assert not at.exception
    assert "groups=3 must divide c=4" in at.error[0].value
    at.slider(key="g").set_value(2).run()
    assert not at.exception and not at.error
    _assert_shows(at, kind="grouped", k=12, w=4, c=4, H=32, W=32, groups=2)


def test_kernel_larger_than_input_is_explained():
    at = _open({"w": "11", "H": "5"})
    assert not at.exception
    assert "kernel 11 is larger than padded input 5 along H" in at.error[0].value


@pytest.mark.parametrize("query, names", [
    ({"k": "lots"}, ["k="]),
    ({"H": "-3", "c": "1e9"}, ["H=", "c="]),
    ({"kind": "<img src=x onerror=alert(1)>"}, ["kind="]),
    ({"w": "2.5", "bias": "perhaps", "pad": "full"}, ["w=", "bias=", "pad="]),
])
def test_garbage_in_the_link_is_named_and_the_page_still_works(query, names):
    at = _open(query)
    assert not at.exception
    assert len(at.warning) == 1
    for name in names:
        assert name in at.warning[0].value
    assert "Parameters" in _metrics(at) or "larger than padded input" in at.error[0].value


def test_controls_that_do_not_apply_are_disabled_with_the_reason():
    at = _open({"kind": "depthwise"})
    k = at.slider(key="k")
    assert k.disabled and "Not used here" in k.help
    assert not open_advanced(at).slider(key="dm").disabled


ADVANCED_WIDGETS = {"s": "slider", "pad": "radio", "p": "slider", "d": "slider",
                    "g": "slider", "dm": "slider", "op": "slider", "bias": "toggle"}
#: A link that sets each advanced knob to a non-default value (with what it needs).
ADVANCED_LINKS = {"s": {"s": "2"}, "pad": {"pad": "same"}, "p": {"pad": "explicit", "p": "3"},
                  "d": {"d": "2"}, "g": {"kind": "grouped", "c": "4", "g": "2"},
                  "dm": {"kind": "depthwise", "dm": "3"},
                  "op": {"kind": "transposed", "s": "2", "op": "1"}, "bias": {"bias": "false"}}


def _built(at: AppTest) -> set[str]:
    """The keys of the widgets this run built (sent to the browser)."""
    return {w.key for kind in ("slider", "radio", "toggle", "number_input")
            for w in getattr(at, kind) if w.key}


def test_every_advanced_knob_has_a_link_case():
    assert set(ADVANCED_WIDGETS) == set(ADVANCED_LINKS) == set(ADVANCED_KEYS)


def test_advanced_knobs_are_built_only_while_their_expander_is_open():
    at = _open()
    assert not at.session_state[ADVANCED_EXPANDER]
    assert not _built(at) & set(ADVANCED_KEYS)  # closed: not sent on a move
    assert [e.label for e in at.expander] == ["Advanced: stride, padding, dilation, groups…"]
    at.session_state[ADVANCED_EXPANDER] = True  # the student opens it
    at.run()
    assert set(ADVANCED_KEYS) <= _built(at)
    at.slider(key="s").set_value(2).run()
    at.session_state[ADVANCED_EXPANDER] = False  # ... and closes it again
    at.run()
    at.slider(key="k").set_value(64).run()
    assert not at.exception and not _built(at) & set(ADVANCED_KEYS)
    _assert_shows(at, **{**CLASSIC, "k": 64, "stride": 2})  # the closed knob still counts
    assert at.query_params["s"] == "2" and at.query_params["k"] == "64"


@pytest.mark.parametrize("key", ADVANCED_KEYS)
def test_a_link_that_sets_an_advanced_knob_opens_the_expander(key):
    at = _open(ADVANCED_LINKS[key])
    assert not at.exception and not at.warning
    assert at.session_state[ADVANCED_EXPANDER]
    widget = getattr(at, ADVANCED_WIDGETS[key])(key=key)
    assert str(widget.value).lower() == ADVANCED_LINKS[key][key]


def test_a_link_with_default_advanced_knobs_keeps_the_expander_closed():
    at = _open({"kind": "depthwise", "k": "6", "c": "3", "s": "1", "bias": "true"})
    assert not at.exception and not at.session_state[ADVANCED_EXPANDER]
    assert not _built(at) & set(ADVANCED_KEYS)


def test_warning_disappears_once_the_user_changes_something():
    at = _open({"k": "lots"})
    assert at.warning
    at.slider(key="c").set_value(5).run()
    assert not at.warning


def test_numbers_carry_over_to_the_compare_page_and_back():
    at = _open()
    at.slider(key="k").set_value(64).run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception and at.slider(key="k").value == 64
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    _assert_shows(at, **{**CLASSIC, "k": 64})


def _chart_meta(at: AppTest) -> dict:
    import json
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)["layout"]["meta"]


@pytest.mark.parametrize("figure, expected", [
    ("Filters", "filter_iso"), ("Filters (3D)", "filter_tensor"), ("Volume", "volume"), ("Sliding window", "sliding_window"),
    ("Parameters", "param_breakdown"), ("Scaling", "scaling"),
])
def test_each_figure_choice_draws_that_figure(figure, expected):
    at = _open({"fig": figure, "kind": "separable_keras"})
    assert not at.exception
    assert _chart_meta(at)["figure"].startswith(expected)


def _filters_drawn(at: AppTest) -> int:
    drawn = _chart_meta(at)["filters_drawn"]
    return drawn[0] if isinstance(drawn, list) else drawn


def test_filter_figure_follows_the_k_slider():
    at = _open({"k": "3"})
    assert _filters_drawn(at) == 3
    at.slider(key="k").set_value(5).run()
    assert _filters_drawn(at) == 5


def test_sliding_window_position_is_in_the_link_and_clamped_to_the_output():
    at = _open({"fig": "Sliding window", "or": "3", "oc": "500"})
    assert not at.exception
    assert at.slider(key="or").value == 3
    assert at.slider(key="oc").value == 28  # the last of the 29 output columns
    assert at.slider(key="oc").max == 28


def test_the_code_menu_shows_the_generated_framework_code():
    """Hidden by default (no code block is sent); each menu entry shows its own text."""
    from lib import snippets
    at = _open({"kind": "separable_pytorch"})
    assert at.radio(key="code").value == "none" and len(at.code) == 0
    r = analyze(**{**CLASSIC, "kind": "separable_pytorch"})
    want = {"keras": snippets.keras_code(r), "pytorch": snippets.pytorch_code(r),
            "keras_summary": snippets.keras_summary(r),
            "torchinfo": snippets.torchinfo_summary(r)}
    assert set(want) == set(CODE_VIEWS) - {"none"}
    for choice, text in want.items():
        at.radio(key="code").set_value(choice).run()
        assert [c.value.strip() for c in at.code] == [text.strip()], choice
        assert at.code[0].language == (CODE_VIEWS[choice][1] or "plaintext"), choice
        assert at.query_params.get("code") == choice, choice
    at.radio(key="code").set_value("none").run()
    assert len(at.code) == 0 and "code" not in at.query_params
    assert not at.exception


def test_a_link_with_code_opens_that_code():
    at = _open({"code": "torchinfo", "k": "12"})
    r = analyze(**{**CLASSIC, "k": 12})
    from lib import snippets
    assert at.radio(key="code").value == "torchinfo"
    assert [c.value.strip() for c in at.code] == [snippets.torchinfo_summary(r).strip()]
    assert not at.exception


