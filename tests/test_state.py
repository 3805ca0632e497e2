"""lib.state: links parse to valid values, every change is explained, and values round-trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.conv import KINDS, ConvError, analyze
from lib.state import (CONTROL_BY_KEY, EXPLORER_CONTROLS, EXPLORER_VIEW_CONTROLS,
                       STREAMLIT_KEYS, conv_kwargs, parse_explorer_query, setting_name,
                       to_query, try_analyze, unknown_keys)
from lib.text import fmt_bytes, fmt_count, fmt_int, fmt_shape

DEFAULTS = {c.key: c.default for c in EXPLORER_CONTROLS}


def test_empty_link_gives_the_classic_case():
    values, warnings = parse_explorer_query({})
    assert warnings == []
    r = analyze(**conv_kwargs(values))
    assert (r.params, r.output_shape) == (490, (29, 29, 10))


def test_readable_link_opens_the_view_it_describes():
    values, warnings = parse_explorer_query(
        {"kind": "separable_keras", "k": "10", "w": "4", "c": "3", "H": "32", "W": "32"})
    assert warnings == []
    assert analyze(**conv_kwargs(values)).params == 88


def test_padding_number_means_explicit_padding():
    values, warnings = parse_explorer_query({"pad": "2"})
    assert warnings == [] and values["pad"] == "explicit" and values["p"] == 2
    assert conv_kwargs(values)["padding"] == 2


def test_each_bad_value_is_named_with_what_was_used():
    values, warnings = parse_explorer_query(
        {"k": "abc", "c": "-4", "H": "99999", "kind": "<script>alert(1)</script>",
         "bias": "maybe", "w": "3.7"})
    assert values["k"] == 10 and values["c"] == 1 and values["H"] == 1024
    assert values["kind"] == "standard" and values["bias"] is True and values["w"] == 3
    text = "\n".join(warnings)
    for key in ("k=", "c=", "H=", "kind=", "bias=", "w="):
        assert key in text
    assert "using 1024" in text and "using 1." in text
    assert len(warnings) == 6


def test_groups_above_channels_is_lowered_to_c():
    values, warnings = parse_explorer_query({"g": "8", "c": "4"})
    assert values["g"] == 4 and any(w.startswith("g=8") for w in warnings)


def test_long_garbage_is_cut_short_in_the_message():
    _, warnings = parse_explorer_query({"k": "x" * 500})
    assert len(warnings[0]) < 120


def test_repeated_keys_take_the_last_value():
    values, _ = parse_explorer_query({"k": ["5", "7"]})
    assert values["k"] == 7


def test_impossible_combination_returns_the_convError_message():
    values, _ = parse_explorer_query({"kind": "grouped", "c": "4", "g": "3", "k": "12"})
    result, error = try_analyze(values)
    assert result is None and "groups=3 must divide c=4" in error


def test_to_query_is_short_and_readable():
    assert to_query(DEFAULTS, EXPLORER_CONTROLS) == {
        "kind": "standard", "k": "10", "w": "4", "c": "3", "H": "32", "W": "32"}


query_values = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS), "k": st.integers(1, 512), "w": st.integers(1, 11),
    "c": st.integers(1, 512), "H": st.integers(1, 1024), "W": st.integers(1, 1024),
    "s": st.integers(1, 8), "pad": st.sampled_from(["valid", "same", "explicit"]),
    "p": st.integers(0, 10), "d": st.integers(1, 8), "dm": st.integers(1, 8),
    "op": st.integers(0, 7), "bias": st.booleans(),
})


@settings(max_examples=300, deadline=None)
@given(query_values)
def test_values_round_trip_through_the_url(values):
    full = {**DEFAULTS, **values}
    parsed, warnings = parse_explorer_query(to_query(full, EXPLORER_CONTROLS))
    assert warnings == []
    assert parsed == full


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([c.key for c in EXPLORER_CONTROLS] + ["zz", ""]),
                       st.one_of(st.text(max_size=12), st.integers(-10**6, 10**6).map(str),
                                 st.floats().map(str)), max_size=10))
def test_any_link_parses_to_values_inside_the_slider_ranges(query):
    values, warnings = parse_explorer_query(query)
    for key, value in values.items():
        c = CONTROL_BY_KEY[key]
        if c.choices:
            assert value in c.choices
        elif c.is_bool:
            assert isinstance(value, bool)
        else:
            assert c.low <= value <= c.high
    assert values["g"] <= values["c"]
    try:
        analyze(**conv_kwargs(values))
    except ConvError:
        pass


def test_formatting():
    assert fmt_int(2359808) == "2,359,808"
    assert fmt_shape((29, 29, 10)) == "29×29×10"
    assert fmt_bytes(1960) == "1.91 KB" and fmt_bytes(12) == "12 B"
    assert fmt_count(403680) == "403.7 K" and fmt_count(999) == "999"


# ---------------------------------------------------------------------------
# Keys a page does not have: named, with the setting they most likely meant
# ---------------------------------------------------------------------------

EXPLORER_KEYS = EXPLORER_CONTROLS + EXPLORER_VIEW_CONTROLS


def _page_tuples():
    from tests.url_cases import PAGES
    return [controls for _, _, controls in PAGES.values()]


def test_every_key_of_every_page_and_streamlits_own_are_known():
    for controls in _page_tuples():
        query = {**{c.key: "1" for c in controls}, **{k: "true" for k in STREAMLIT_KEYS}}
        assert unknown_keys(query, controls) == []


@pytest.mark.parametrize("typed, meant", [
    ("groups", "g"), ("h", "H"), ("strides", "s"), ("filters", "k"), ("padding", "pad"),
    ("Kind", "kind"), ("figure", "fig"), ("dilation", "d"), ("bias ", "bias")])
def test_a_misspelt_key_points_at_the_setting_it_means(typed, meant):
    (warning,) = unknown_keys({typed: "2"}, EXPLORER_KEYS)
    assert warning.startswith(f"`{typed}` is not a setting of this page, so it was ignored")
    assert f"did you mean `{meant}=` for " in warning


def test_a_settings_name_used_as_a_key_points_at_it_on_every_page():
    for controls in _page_tuples():
        for control in controls:
            name = setting_name(control)
            if name in {c.key for c in controls}:
                continue  # "bias" is both
            (warning,) = unknown_keys({name: "1"}, controls)
            assert f"`{control.key}=` for {name}" in warning, (name, warning)


def test_a_key_like_nothing_lists_the_pages_keys():
    (warning,) = unknown_keys({"zzz": "1"}, EXPLORER_KEYS)
    assert "this page's keys are " + ", ".join(f"`{c.key}`" for c in EXPLORER_KEYS) in warning


@settings(max_examples=300)
@given(key=st.text(max_size=40))
def test_any_unknown_key_gets_one_warning_that_quotes_it_harmlessly(key):
    known = {c.key for c in EXPLORER_KEYS} | STREAMLIT_KEYS
    warnings = unknown_keys({key: "1", "k": "3"}, EXPLORER_KEYS)
    assert len(warnings) == (key not in known)
    for warning in warnings:
        quoted = warning.split(" is not a setting", 1)[0]
        # one code span (or "(empty)"): markdown, HTML and LaTeX in a key stay text
        assert quoted == "(empty)" or (quoted.count("`") == 2 and quoted[0] == "`"
                                       and quoted[-1] == "`")
        assert all(ch.isprintable() for ch in quoted)
