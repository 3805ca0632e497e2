"""AppTest: the network builder renders, switches presets, honours links and bad text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.network import DEFAULT_NET, PRESETS, build_network, parse_net, serialise_net
from lib.text import fmt_count, fmt_int, fmt_shape

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
REF = json.loads((ROOT / "tests" / "data" / "network_reference.json").read_text())["networks"]


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("pages/network.py").run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _assert_shows(at: AppTest, net: str) -> None:
    spec = parse_net(net)
    r = build_network(spec.input_shape, spec.layers)
    m = _metrics(at)
    assert m["Total params"] == fmt_int(r.total_params)
    assert m["MACs"] == fmt_count(r.total_macs)
    assert m["Output shape"] == fmt_shape(r.output_shape)
    assert m["Layers"] == str(len(r.rows))


def test_default_view_is_the_vgg_block_with_keras_numbers():
    at = _open()
    assert not at.exception and not at.error and not at.warning
    ref = REF["vgg_block"]
    assert _metrics(at)["Total params"] == fmt_int(ref["keras"]["params"])
    assert _metrics(at)["MACs"] == fmt_count(ref["pytorch"]["macs"])
    assert at.text_input(key="net").value == DEFAULT_NET
    assert at.code[0].value == ref["keras"]["summary"].rstrip("\n")  # model.summary() tab
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Download the summary (.txt)", "Download Keras code (.py)",
                      "Download PyTorch code (.py)"]


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_switch_shows_the_framework_totals(key):
    at = _open()
    at.selectbox(key="net_preset").set_value(key).run()
    assert not at.exception and not at.error
    ref = REF[key]
    m = _metrics(at)
    assert m["Total params"] == fmt_int(ref["keras"]["params"]) == fmt_int(ref["pytorch"]["params"])
    assert m["MACs"] == fmt_count(ref["pytorch"]["macs"])
    assert at.text_input(key="net").value == ref["net"]
    assert at.query_params.get("net", DEFAULT_NET) == ref["net"]  # no net= opens the default
    twin = REF.get(f"{key}_standard")
    if twin:  # the standard vs depthwise separable comparison
        assert m["Standard: params"] == fmt_int(twin["keras"]["params"])
        assert m["Standard: MACs"] == fmt_count(twin["pytorch"]["macs"])
        assert m["Separable: params"] == fmt_int(ref["keras"]["params"])
    else:
        assert "Standard: params" not in m


def test_a_link_opens_the_stack_it_describes():
    net = "in28x28x1,c3x3-8,mp2,flat,d10"
    at = _open({"net": net})
    assert not at.exception and not at.warning and not at.error
    _assert_shows(at, net)
    assert at.text_input(key="net").value == net
    assert at.selectbox(key="net_preset").value == "custom"
    assert at.number_input(key="net_H").value == 28 and at.number_input(key="net_c").value == 1


def test_a_link_to_a_preset_selects_it():
    at = _open({"net": serialise_net(PRESETS["shared"].spec)})
    assert at.selectbox(key="net_preset").value == "shared"
    assert _metrics(at)["Total params"] == "170"


def test_garbage_link_shows_a_warning_naming_it_and_the_page_works():
    at = _open({"net": "c3x3-zz,<b>x</b>"})
    assert not at.exception
    text = at.warning[0].value
    assert "- net=`c3x3-zz,<b>x</b>` can't be read" in text and "piece 1 `c3x3-zz`" in text
    _assert_shows(at, DEFAULT_NET)  # the rest of the page shows the default stack
    at.selectbox(key="net_preset").set_value("classic").run()
    assert not at.exception and not at.warning
    assert _metrics(at)["Total params"] == "490"


def test_impossible_stack_names_the_layer_and_the_controls_keep_working():
    at = _open({"net": "in8x8x3,c3x3-4,c9x9-4,gap"})
    assert not at.exception
    assert ("layer 2 (Standard Conv2D 9×9, 4 filters) on input 6×6×4: kernel 9 is larger "
            "than padded input 6") in at.error[0].value
    at.text_input(key="net").input("in8x8x3,c3x3-4,c3x3-4,gap").run()
    assert not at.exception and not at.error
    _assert_shows(at, "in8x8x3,c3x3-4,c3x3-4,gap")


def test_typed_text_is_tidied_and_becomes_the_link():
    at = _open()
    at.text_input(key="net").input(" IN16x16x3, C3-8-SAME , mp2 ,gap, d4 ").run()
    assert not at.exception and not at.warning
    assert at.text_input(key="net").value == "in16x16x3,c3x3-8-same,mp2,gap,d4"
    assert at.query_params["net"] == "in16x16x3,c3x3-8-same,mp2,gap,d4"
    _assert_shows(at, "in16x16x3,c3x3-8-same,mp2,gap,d4")


def test_unreadable_typed_text_keeps_the_last_stack():
    at = _open()
    at.selectbox(key="net_preset").set_value("classic").run()
    at.text_input(key="net").input("in32x32x3,c4x4-10,d").run()
    assert not at.exception
    assert "piece 3 `d`: d needs a size" in at.warning[0].value
    assert "last stack that could be read" not in at.warning[0].value  # it is a preset
    assert _metrics(at)["Total params"] == "490"


def test_input_shape_changes_macs_not_conv_params():
    at = _open()
    at.selectbox(key="net_preset").set_value("classic").run()
    at.number_input(key="net_H").set_value(64).run()
    assert not at.exception
    _assert_shows(at, "in64x32x3,c4x4-10")
    assert _metrics(at)["Total params"] == "490"
    assert at.query_params["net"] == "in64x32x3,c4x4-10"


def test_the_stack_survives_a_page_switch():
    at = _open({"net": "in8x8x2,c3x3-3,gap,d2"})
    at.switch_page("pages/explorer.py").run()
    at.switch_page("pages/network.py").run()
    assert not at.exception
    assert at.text_input(key="net").value == "in8x8x2,c3x3-3,gap,d2"
    _assert_shows(at, "in8x8x2,c3x3-3,gap,d2")


def test_page_never_renders_html():
    source = (ROOT / "pages" / "network.py").read_text()
    assert "unsafe_allow_html" not in source
    assert "import numpy" not in source  # no math in the page
