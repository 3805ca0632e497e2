"""AppTest: every URL-bound control of every page round-trips through the address bar.

For each control (tests/url_cases.py builds the list from the pages' ``*_CONTROLS``):
(a) change it with its widget, take the address the page wrote, open that address in a
fresh session: the same values and the same view, no warning; (b) open a deep link with a
non-default value: the control holds it, no warning, and the settled address still has it.
Old links that carry display labels (``kind=Depthwise+separable+(Keras)``) open silently.
The browser version of this matrix is tests/e2e/test_share_links.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.state import COMPARE_ADVANCED_KEYS, Control
from tests.app_runs import open_advanced
from tests.url_cases import KIND_DIMS, PAGES, LinkCase, link_cases

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CASES = link_cases()
LINK_WARNING = "Some values in this link were changed or ignored"


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(page).run()


def link_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if LINK_WARNING in w.value]


def view(at: AppTest) -> list[tuple[str, str]]:
    """What the student sees: every text, number, formula, table and figure, in order."""
    out = []
    for node in at:
        kind = getattr(node, "type", type(node).__name__)
        if kind == "plotly_chart":
            out.append((kind, json.dumps(json.loads(node.proto.spec), sort_keys=True)))
        elif kind == "arrow_data_frame":
            out.append((kind, node.value.to_json()))
        elif hasattr(node, "value") and kind not in ("number_input", "slider"):
            try:
                out.append((kind, repr(node.value)))
            except Exception:  # widgets without a plain value (buttons)
                out.append((kind, ""))
    return out


def values(at: AppTest, controls: tuple[Control, ...]) -> dict[str, object]:
    return {c.key: at.session_state[c.key] for c in controls}


def set_widget(at: AppTest, case: LinkCase) -> AppTest:
    key, value = case.control.key, case.value
    if key in COMPARE_ADVANCED_KEYS:  # the explorer's and compare's Advanced knobs
        open_advanced(at)  # are built only while the expander is open
    widget = {"slider": at.slider, "radio": at.radio, "selectbox": at.selectbox,
              "toggle": at.toggle, "number": at.number_input}[case.widget]
    return widget(key=key).set_value(value).run()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_changed_control_is_in_the_address_and_the_address_reopens_the_view(case):
    controls = PAGES[case.page][2]
    at = open_page(case.page, case.before)
    assert not at.exception and not link_warnings(at), link_warnings(at)
    at = set_widget(at, case)
    assert not at.exception
    assert at.session_state[case.control.key] == case.value
    address = dict(at.query_params)
    assert address.get(case.control.key) == case.url_value, address

    fresh = open_page(case.page, address)
    assert not fresh.exception and not link_warnings(fresh), link_warnings(fresh)
    assert values(fresh, controls) == values(at, controls)
    # The Advanced expander opens by itself only for non-default knobs: compare it open.
    assert view(open_advanced(fresh)) == view(open_advanced(at))
    assert dict(fresh.query_params) == address


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_deep_link_opens_its_value_and_keeps_it_in_the_address(case):
    key = case.control.key
    at = open_page(case.page, {**case.before, key: case.url_value})
    assert not at.exception and not link_warnings(at), link_warnings(at)
    assert at.session_state[key] == case.value
    assert at.query_params.get(key) == case.url_value, dict(at.query_params)
    defaults = {c.key: c for c in PAGES[case.page][2]}
    for k, v in case.before.items():  # the set-up values stay (defaults may be left out)
        shown = at.query_params.get(k)
        assert shown == v or (shown is None and str(at.session_state[k]) in (v, "True")
                              and at.session_state[k] == defaults[k].default), (k, v, shown)


@pytest.mark.parametrize("kind, dims", KIND_DIMS, ids=lambda v: str(v))
def test_every_kind_in_every_input_type_keeps_both_in_the_address(kind, dims):
    at = open_page("pages/explorer.py", {"kind": kind, "dims": dims})
    assert not at.exception and not link_warnings(at)
    assert (at.session_state["kind"], at.session_state["dims"]) == (kind, dims)
    address = dict(at.query_params)
    assert (address["kind"], address.get("dims", "2D")) == (kind, dims), address
    fresh = open_page("pages/explorer.py", address)
    assert view(fresh) == view(at) and dict(fresh.query_params) == address


@pytest.mark.parametrize("fig", ["window", "volume"])
def test_a_copied_link_to_a_clicked_cell_reopens_the_same_view(fig):
    """Both clickable figures keep the output position in the address (or=3&oc=2)."""
    link = {"fig": fig, "or": "3", "oc": "2"}
    at = open_page("pages/explorer.py", link)
    assert not at.exception and not link_warnings(at), link_warnings(at)
    assert (at.slider(key="or").value, at.slider(key="oc").value) == (3, 2)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["meta"]["position"] == [3, 2]
    address = dict(at.query_params)
    assert {k: address.get(k) for k in link} == link, address
    fresh = open_page("pages/explorer.py", address)
    assert view(fresh) == view(at) and dict(fresh.query_params) == address


def _labelled_choices():
    for page, (_, _, controls) in PAGES.items():
        for control in controls:
            for choice, label in zip(control.choices, control.labels):
                yield pytest.param(page, control, choice, label,
                                   id=f"{control.key}={label}")
            for old, choice in control.aliases:
                yield pytest.param(page, control, choice, old, id=f"{control.key}={old}")


@pytest.mark.parametrize("page, control, choice, old", list(_labelled_choices()))
def test_old_links_with_display_labels_open_the_same_view_silently(page, control, choice, old):
    at = open_page(page, {control.key: old})
    assert not at.exception and not link_warnings(at), link_warnings(at)
    assert at.session_state[control.key] == choice
    # the address now carries the short id (or nothing, when it is the default)
    assert at.query_params.get(control.key, control.default) == choice


def test_the_label_form_that_broke_shared_links_is_rewritten_to_the_id():
    at = open_page("pages/explorer.py", {"kind": "Depthwise separable (Keras)"})
    assert not link_warnings(at)
    assert at.query_params["kind"] == "separable_keras"
    assert at.metric[2].value == "88"  # Keras SeparableConv2D at the classic settings


def test_a_warning_names_the_value_it_changed_to():
    at = open_page("pages/explorer.py", {"kind": "sepparable", "k": "9999"})
    (warning,) = link_warnings(at)
    assert "kind=`sepparable`" in warning and "using standard (Standard Conv2D)" in warning
    assert "k=`9999` is above the maximum 512; using 512" in warning
    assert at.query_params["k"] == "512"  # the address shows what is used


def _one_case_per_page() -> list[LinkCase]:
    seen: dict[str, LinkCase] = {}
    for case in CASES:
        seen.setdefault(case.page, case)
    return list(seen.values())


@pytest.mark.parametrize("case", _one_case_per_page(), ids=lambda c: c.page)
def test_a_key_the_page_does_not_have_is_named_and_the_rest_of_the_link_still_opens(case):
    """A hand-written link with a wrong key (``groups=2`` where the explorer's key is ``g``)
    used to open without a word. Now every page names the key it ignored and the setting it
    most likely meant, and still opens the link's other values."""
    key = case.control.key
    wrong = {"pages/explorer.py": ("groups", "`g=` for groups")}.get(
        case.page, ("zzz", f"`{key}`"))
    at = open_page(case.page, {**case.before, key: case.url_value, wrong[0]: "2"})
    assert not at.exception
    (warning,) = link_warnings(at)
    assert f"- `{wrong[0]}` is not a setting of this page, so it was ignored" in warning
    assert wrong[1] in warning
    assert at.session_state[key] == case.value
    assert wrong[0] not in at.query_params  # the settled address drops it
    # once the student changes something, the link's warning is history
    at = set_widget(at, replace(case, value=case.control.default))
    assert not at.exception and not link_warnings(at)


def _sidebar_switch(at: AppTest, page: str) -> AppTest:
    """What a click in the sidebar's page list does: the page's bare address."""
    at.query_params.clear()
    return at.switch_page(page).run()


def test_a_page_switch_carries_the_numbers_and_each_page_writes_its_own_address():
    at = open_page("pages/explorer.py", {"k": "20", "kind": "depthwise"})
    at = _sidebar_switch(at, "pages/compare.py")
    assert not at.exception and at.session_state["k"] == 20
    assert at.query_params["k"] == "20" and "kind" not in at.query_params
    at = _sidebar_switch(at, "pages/explorer.py")
    assert at.session_state["kind"] == "depthwise" and at.query_params["kind"] == "depthwise"
