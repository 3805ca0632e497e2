"""tests/figure_cases.py covers every figure builder the pages call (so the browser layout
test checks a new figure without anyone adding it by hand)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import orjson
import plotly.io as pio
import pytest

from lib import figures
from lib.conv import KINDS
from lib.figures import _common
from lib.figures import network as network_figures
from lib.figures._common import NARROW_SLOT_PX
from tests.figure_cases import (DIMS, NOT_YET_IN_MATRIX, PAGE_BUILDERS, SLOT_WIDTHS,
                                UNUSED_BUILDERS, VIEWPORTS, figure_cases)

PAGES = Path(__file__).resolve().parent.parent / "pages"
#: Figure builders only (chart_config and CLICK_TRACE are the charts' config and a trace name).
BUILDERS = (set(figures.__all__) | set(network_figures.__all__)) - {"layer_labels", "chart_config",
                                                                    "CLICK_TRACE"}


def _called_builders(page: Path) -> set[str]:
    """Names of lib figure builders a page's source calls (or names, for the walkthrough)."""
    tree = ast.parse(page.read_text())
    names = {n.attr if isinstance(n, ast.Attribute) else n.id
             for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute))}
    return names & BUILDERS


def test_every_builder_is_drawn_by_a_page_or_listed_unused():
    listed = {b for bs in PAGE_BUILDERS.values() for b in bs}
    known = listed | set(UNUSED_BUILDERS) | set(NOT_YET_IN_MATRIX)
    assert BUILDERS <= known, BUILDERS - known


def test_every_builder_a_page_calls_is_in_the_list():
    for page in PAGES.glob("*.py"):
        called = _called_builders(page)
        if page.stem == "walkthrough":
            continue  # names its figures through lib.walkthrough.STEPS (listed from there)
        stem = "explorer" if page.stem == "_cached" else page.stem  # the explorer's figure cache
        allowed = set(PAGE_BUILDERS.get(stem, ())) | set(NOT_YET_IN_MATRIX)
        assert called <= allowed, (page.stem, called - allowed)


def test_cases_cover_every_kind_and_dims_of_every_explorer_figure():
    ids = {c.id for c in figure_cases()}
    for builder in PAGE_BUILDERS["explorer"]:
        for kind in KINDS:
            assert any(f"explorer-{builder}-{kind}-{d}" in ids for d in DIMS), (builder, kind)
    for page, builders in PAGE_BUILDERS.items():
        for b in builders:
            assert any(c.builder == b and c.page == page for c in figure_cases()), (page, b)
    assert all(set(w) == set(VIEWPORTS) for w in SLOT_WIDTHS.values())


def test_every_case_builds_a_figure():
    """The browser matrix draws each case in a harness page that stops at the first error,
    so a case that cannot build (the walkthrough's once asked for knobs it was not given)
    would hide every case after it."""
    failed = []
    for case in figure_cases():
        try:
            fig = case.build()
        except Exception as err:  # noqa: BLE001 - every failure is reported
            failed.append(f"{case.id}: {type(err).__name__}: {err}")
            continue
        if not fig.data:
            failed.append(f"{case.id}: no traces")
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("case", figure_cases(), ids=lambda case: case.id)
def test_the_unvalidated_build_sends_what_plotly_validation_would(case, monkeypatch):
    """``lib.figures._common.finish`` and ``trace`` skip plotly's validation (issue 14: two
    thirds of the isometric figure's build, then ~9 % of a move). Every figure case must give
    the browser the same JSON as the validated build: a magic-underscore name
    (``font_size``), a ``None`` or a numpy array that validation would have turned into
    something else (a bar's ``base`` becomes a list) would show up here."""
    assert not _common.VALIDATE  # the app's setting
    fast = json.loads(pio.to_json(case.build(), validate=False))
    monkeypatch.setattr(_common, "VALIDATE", True)
    validated = json.loads(pio.to_json(case.build(), validate=False))
    assert fast == validated


@pytest.mark.parametrize("case", figure_cases(), ids=lambda case: case.id)
def test_the_fast_json_engine_writes_the_figure_as_it_is(case):
    """``st.plotly_chart`` serialises a figure on every rerun, even a cached one. plotly
    uses orjson (a runtime requirement) and writes numeric numpy arrays as they are, but a
    numpy *text* array anywhere makes it clean the whole figure in Python first (8 ms of a
    sliding-window move against 0.3 ms). ``finish`` turns text arrays into lists."""
    orjson.dumps(case.build().to_dict(),
                 option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def test_no_figure_writes_into_the_shared_template():
    """Every unvalidated figure shares one template dict (``_common.template_json``: the
    two copies plotly made per figure were ~15 % of a build). A figure that changed its own
    template would change every other figure's, so after every case is built and written
    out, the shared dict is still the registered template, and a figure's ``to_dict`` is a
    copy (Streamlit may do what it likes with it)."""
    shared = _common.template_json()
    registered = pio.templates[_common.TEMPLATE].to_plotly_json()
    for case in figure_cases():
        fig = case.build()
        assert fig.layout.template == pio.templates[_common.TEMPLATE], case.id
        out = fig.to_dict()
        assert out["layout"]["template"] is not shared, case.id
        out["layout"]["template"]["layout"]["font"] = {"size": 99}
    assert shared == registered


def test_the_validated_build_rejects_a_misspelt_trace_property(monkeypatch):
    """Why the test above can fail at all: with validation on, ``trace`` is plotly's own
    trace class, which refuses a property it does not know (the unvalidated dict would
    silently send it)."""
    monkeypatch.setattr(_common, "VALIDATE", True)
    with pytest.raises(ValueError, match="hovertemplat"):
        _common.trace("scatter", x=[0], y=[0], hovertemplat="typo")
    monkeypatch.setattr(_common, "VALIDATE", False)
    assert _common.trace("scatter", x=[0], hovertemplat="typo")["hovertemplat"] == "typo"


def test_figures_are_laid_out_for_the_narrowest_measured_slot():
    """The one slot width the figures place text for is the narrowest one the real app
    gives a px-aware figure (SLOT_WIDTHS, checked in the browser by
    test_slot_widths_match_the_real_app): if Streamlit's layout changes, this fails."""
    assert NARROW_SLOT_PX == min(SLOT_WIDTHS["explorer"].values())
