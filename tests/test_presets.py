"""lib.presets: the conv_arithmetic animations, as buttons and links that open the right layer."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from lib.presets import PRESET_BY_KEY, PRESETS, matching_preset, preset_link, preset_query
from lib.state import ADVANCED_EXPANDER, analyze, conv_kwargs
from lib.text import fmt_shape

APP = str(Path(__file__).resolve().parent.parent / "app.py")

#: The figures of Dumoulin & Visin, "A guide to convolution arithmetic for deep learning"
#: (github.com/vdumoulin/conv_arithmetic): input size, output size, and what else is set.
CONV_ARITHMETIC = {
    "no_padding": ("standard", 4, 2, dict(s=1, p=0, d=1)),              # no_padding_no_strides
    "half_padding": ("standard", 5, 5, dict(s=1, p=1, d=1)),            # same_padding_no_strides
    "full_padding": ("standard", 5, 7, dict(s=1, p=2, d=1)),            # full_padding_no_strides
    "strided": ("standard", 5, 2, dict(s=2, p=0, d=1)),                 # no_padding_strides
    "dilated": ("standard", 7, 3, dict(s=1, p=0, d=2)),                 # dilation
    "transposed": ("transposed", 2, 4, dict(s=1, p=0, d=1)),            # ..._no_strides_transposed
    "transposed_strided": ("transposed", 2, 5, dict(s=2, p=0, d=1)),    # ..._strides_transposed
}


def test_every_classic_case_is_a_preset():
    assert set(PRESET_BY_KEY) == set(CONV_ARITHMETIC)


@pytest.mark.parametrize("key", list(CONV_ARITHMETIC))
def test_preset_geometry_matches_conv_arithmetic(key):
    kind, n_in, n_out, geo = CONV_ARITHMETIC[key]
    r = analyze(**conv_kwargs(PRESET_BY_KEY[key].state))
    assert r.kind == kind
    assert r.input_shape == (n_in, n_in, 1)
    assert r.output_shape == (n_out, n_out, 1)
    st = r.stages[0]
    assert st.kernel == (3, 3) and st.stride == (geo["s"],) * 2 and st.dilation == (geo["d"],) * 2
    assert r.bias_params == 0  # the guide's animations have no bias
    if kind == "standard":
        assert {(a.before, a.after) for a in st.axes} == {(geo["p"], geo["p"])}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.key)
def test_preset_link_opens_the_right_layer(preset):
    """The link's query, opened in the app, shows the preset's layer on the sliding window."""
    query = dict(parse_qsl(urlsplit(preset_link(preset)).query))
    assert urlsplit(preset_link(preset)).path == "/"
    assert query == preset_query(preset)
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    r = analyze(**conv_kwargs(preset.state))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Output (H×W×C)"] == fmt_shape(r.output_shape)
    assert metrics["Input (H×W×c)"] == fmt_shape(r.input_shape)
    assert at.selectbox(key="kind").value == preset.state["kind"]
    assert at.radio(key="fig").value == "window"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["meta"]["output_size"] == list(r.output_shape[:2])
    assert any(f"Showing **{preset.title}**" in c.value for c in at.caption)
    assert not at.warning  # nothing in the link was changed


def test_picking_a_preset_sets_the_layer_in_one_click():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["fig"] = "window"
    at.run()
    pills = at.button_group(key="_preset_pick")
    pills.set_value("dilated").run()
    assert not at.exception
    assert at.session_state[ADVANCED_EXPANDER]  # the preset's knobs are in view
    assert at.slider(key="d").value == 2 and at.slider(key="H").value == 7
    assert {m.label: m.value for m in at.metric}["Output (H×W×C)"] == "3×3×1"
    assert at.query_params["d"] == "2" and at.query_params["fig"] == "window"
    assert matching_preset({**PRESET_BY_KEY["dilated"].state, "or": 1}) is PRESET_BY_KEY[
        "dilated"]
    assert matching_preset({**PRESET_BY_KEY["dilated"].state, "H": 8}) is None
